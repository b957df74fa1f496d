"""The audit trail: every event recorded with who, when and what; searchable; exported as CSV and XLSX
with every text cell guarded against spreadsheet formula injection."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from domain.errors import Refused
from domain.safe_text import guard_cell, guard_frame
from services import audit, followups, targets, trail
from tests.access_helpers import (  # noqa: F401
    NOW,
    OPEN_PERIOD,
    OTHER_UNIT,
    actor,
    audit_rows,
    fast_hashing,
)

ADMIN = actor("admin")
UTC = dt.timezone.utc


@pytest.mark.parametrize("value, shown", [
    ("=HYPERLINK(\"http://x\",\"y\")", "'=HYPERLINK(\"http://x\",\"y\")"),
    ("+84 912 345 678", "'+84 912 345 678"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("Thái Hòa", "Thái Hòa"),
    ("a=b", "a=b"),
    ("", ""),
    (-5, -5),
    (3.5, 3.5),
    (None, None),
])
def test_the_formula_guard(value, shown):
    assert guard_cell(value) == shown


def test_the_guard_covers_frames_and_their_headers():
    import pandas as pd

    frame = pd.DataFrame({"=x": ["=1", "ok"], "n": [-1, 2]})
    out = guard_frame(frame)
    assert list(out.columns) == ["'=x", "n"] and out["'=x"].tolist() == ["'=1", "ok"] and out["n"].tolist() == [-1, 2]


HOSTILE = ["=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(1)", "\t=1", "\r=1", "\x01=1"]


def _events(engine):
    for i, text in enumerate(HOSTILE):
        audit.record(engine, "attacker", "manage_flags", text, "ok", {"note": text}, now=NOW + dt.timedelta(minutes=i))


def test_csv_export_guards_every_text_cell(engine):
    _events(engine)
    data = trail.export(engine, ADMIN, "csv", "vi", now=NOW)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads Vietnamese correctly
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["STT", "Thời điểm", "Người dùng", "Thao tác", "Đối tượng", "Kết quả", "Chi tiết"]
    targets_ = [r[4] for r in rows[1:] if r[2] == "attacker"]
    assert len(targets_) == len(HOSTILE)
    assert all(t.startswith("'") for t in targets_)
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert rows[-1][1] == "2026-10-03T10:00:00+07:00"  # local time with its offset


def test_xlsx_export_has_no_formula_and_guards_every_text_cell(engine):
    _events(engine)
    data = trail.export(engine, ADMIN, "xlsx", "en", now=NOW)
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows())
    assert [c.value for c in rows[0]] == ["No.", "Time", "User", "Action", "Target", "Outcome", "Details"]
    for row in rows:
        for cell in row:
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
    times = [r[1].value for r in rows[1:]]
    assert dt.datetime(2026, 10, 3, 10, 0) in times  # local wall time


def test_an_export_of_the_trail_is_itself_recorded_and_needs_the_right(engine):
    trail.export(engine, ADMIN, "csv", now=NOW)
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], last["target"], last["outcome"]) == ("export", "audit_log", "ok")
    for role in ("leader", "standing", "submitter", "viewer"):
        with pytest.raises(Refused):
            trail.export(engine, actor(role), "csv", now=NOW)
        with pytest.raises(Refused):
            trail.search(engine, actor(role), now=NOW)


def test_search_filters(engine):
    standing = actor("standing")
    targets.set_target(engine, ADMIN, "online_dossier_rate", 2027, 0.8, decision="QĐ 45/QĐ-UBND", now=NOW)
    followups.add_followup(engine, standing, OTHER_UNIT, OPEN_PERIOD, "notified", "Đã nhắc Phường Trường Vinh, Thái Hòa",
                           now=NOW + dt.timedelta(days=1))
    with pytest.raises(Refused):
        targets.set_target(engine, standing, "online_dossier_rate", 2027, 0.9, decision="x", now=NOW + dt.timedelta(days=2))

    def ids(**filters):
        return audit.search(engine, **filters)["action"].tolist()

    assert ids() == ["edit_targets", "manage_flags", "edit_targets"]  # newest first
    assert ids(username="TEST_STANDING") == ["edit_targets", "manage_flags"]
    assert ids(action="edit_targets", outcome="ok") == ["edit_targets"]
    assert ids(outcome="refused") == ["edit_targets"]
    assert ids(text="thai hoa") == ["manage_flags"]  # no diacritics, any case
    assert ids(text="TRƯỜNG VINH") == ["manage_flags"]
    assert ids(text="qđ 45") == ["edit_targets"]
    # Dates are whole local days: NOW is 03/10 10:00 in Vietnam.
    assert ids(since=dt.date(2026, 10, 4)) == ["edit_targets", "manage_flags"]
    assert ids(until=dt.date(2026, 10, 3)) == ["edit_targets"]
    assert ids(since=dt.date(2026, 10, 4), until=dt.date(2026, 10, 4)) == ["manage_flags"]
    assert ids(since=NOW + dt.timedelta(hours=1), until=NOW + dt.timedelta(days=1)) == ["manage_flags"]
    assert ids(limit=1) == ["edit_targets"]


def test_every_change_is_recorded_with_who_when_and_what(engine):
    targets.set_target(engine, ADMIN, "on_time_rate", 2026, 0.97, unit_code=OTHER_UNIT, decision="KH 7/KH-UBND", now=NOW)
    row = audit_rows(engine).iloc[-1]
    assert (row["username"], row["action"], row["target"]) == (ADMIN.username, "edit_targets", f"on_time_rate/2026/{OTHER_UNIT}")
    assert row["at"].to_pydatetime() == NOW
    assert '"value": 0.97' in row["detail"] and '"before": null' in row["detail"] and "KH 7/KH-UBND" in row["detail"]


def test_the_vectorised_fold_agrees_with_domain_fold(engine):
    import pandas as pd

    from domain.text import fold
    from services.audit import fold_series
    from storage import frames

    units = frames.load_units(engine)
    texts = pd.Series(list(units["name_vi"]) + ["Thái Hoà", "TX. Cửa Lò", "Ðô Lương", "ĐỒNG-lúa  xanh", "a\u00a0b", '{"note": "Đã nhắc"}'])
    assert fold_series(texts).tolist() == [fold(t) for t in texts]
