"""Submitting files through the service: the loaders read and validate, the service applies the
matrix's unit scope and every lock rule, and each file's fate is audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from domain.errors import Refused
from services import locks, submissions
from storage import models
from tests.access_helpers import (  # noqa: F401 - fast_hashing is an autouse fixture
    LOCKED_PERIOD,
    NOW,
    OPEN_PERIOD,
    OTHER_UNIT,
    OWN_UNIT,
    actor,
    audit_rows,
    fast_hashing,
    snapshot,
)

SUBMITTER = actor("submitter", [OWN_UNIT])


def csv_file(unit: str, period: str, received: int = 1000, name: str | None = None) -> tuple[str, bytes]:
    lines = ["unit_code,period,element,value", f"{unit},{period},dossiers_received,{received}",
             f"{unit},{period},dossiers_received_online,{received // 2}"]
    return name or f"{unit}_{period}.csv", ("\n".join(lines) + "\n").encode()


def _values(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(models.DataValue)).scalar()


def test_own_unit_stored_other_unit_and_locked_month_refused_each_audited(engine):
    report = submissions.submit_files(engine, SUBMITTER, [
        csv_file(OWN_UNIT, OPEN_PERIOD), csv_file(OTHER_UNIT, OPEN_PERIOD), csv_file(OWN_UNIT, LOCKED_PERIOD),
    ], now=NOW)
    status = {f.name: (f.status, f.stored, [p.code for p in f.errors]) for f in report.files}
    assert status[f"{OWN_UNIT}_{OPEN_PERIOD}.csv"] == ("accepted", True, [])
    assert status[f"{OTHER_UNIT}_{OPEN_PERIOD}.csv"][:2] == ("rejected", False)
    assert "unit_not_allowed" in status[f"{OTHER_UNIT}_{OPEN_PERIOD}.csv"][2]
    # August is locked by the automatic rule only (no period_lock row): the loaders alone would take it.
    assert status[f"{OWN_UNIT}_{LOCKED_PERIOD}.csv"][:2] == ("rejected", False)
    assert status[f"{OWN_UNIT}_{LOCKED_PERIOD}.csv"][2] == ["period_locked"]
    assert _values(engine) == 2
    rows = audit_rows(engine)
    got = {(r.target, r.outcome, json.loads(r.detail).get("reason")) for r in rows.itertuples()}
    assert got == {
        (f"{OWN_UNIT}_{OPEN_PERIOD}.csv", "ok", None),
        (f"{OTHER_UNIT}_{OPEN_PERIOD}.csv", "refused", "unit"),
        (f"{OWN_UNIT}_{LOCKED_PERIOD}.csv", "refused", "locked"),
    }
    assert set(rows["username"]) == {SUBMITTER.username}


def test_a_resubmission_is_audited_as_a_revision(engine):
    submissions.submit_files(engine, SUBMITTER, [csv_file(OWN_UNIT, OPEN_PERIOD, 1000)], now=NOW)
    report = submissions.submit_files(engine, SUBMITTER, [csv_file(OWN_UNIT, OPEN_PERIOD, 1200, name="sua.csv")], now=NOW)
    assert report.files[0].changed == 2
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], last["target"]) == ("revise", "sua.csv")


def test_after_an_unlock_the_month_takes_the_file(engine):
    locks.unlock(engine, actor("admin"), LOCKED_PERIOD, "Thành Vinh nộp bổ sung tháng 8", now=NOW)
    report = submissions.submit_files(engine, SUBMITTER, [csv_file(OWN_UNIT, LOCKED_PERIOD)], now=NOW)
    assert report.files[0].stored


def test_a_dry_run_stores_nothing_but_refusals_are_still_audited(engine):
    before = snapshot(engine)
    report = submissions.submit_files(engine, SUBMITTER, [csv_file(OWN_UNIT, OPEN_PERIOD), csv_file(OTHER_UNIT, OPEN_PERIOD)],
                                      dry_run=True, now=NOW)
    assert report.dry_run and [f.status for f in report.files] == ["accepted", "rejected"]
    assert snapshot(engine) == before
    rows = audit_rows(engine)
    assert rows["outcome"].tolist() == ["refused"] and '"dry_run": true' in rows.iloc[0]["detail"]


@pytest.mark.parametrize("role", ["leader", "standing", "viewer"])
def test_roles_without_submit_are_refused_before_any_file_is_read(engine, role):
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        submissions.submit_files(engine, actor(role), [csv_file(OWN_UNIT, OPEN_PERIOD)], now=NOW)
    assert refused.value.reason == "role"
    assert snapshot(engine) == before
    assert audit_rows(engine).iloc[-1]["outcome"] == "refused"


def test_stating_another_unit_is_refused_up_front(engine):
    with pytest.raises(Refused) as refused:
        submissions.submit_files(engine, SUBMITTER, [csv_file(OTHER_UNIT, OPEN_PERIOD)], unit=OTHER_UNIT, now=NOW)
    assert refused.value.reason == "unit"


def test_an_administrator_submits_for_any_unit_but_not_into_a_locked_month(engine):
    report = submissions.submit_files(engine, actor("admin"), [csv_file(OTHER_UNIT, OPEN_PERIOD), csv_file(OTHER_UNIT, LOCKED_PERIOD)], now=NOW)
    assert [f.stored for f in report.files] == [True, False]


def test_a_file_with_bad_content_is_audited_as_failed(engine):
    bad = ("x.csv", f"unit_code,period,element,value\n{OWN_UNIT},{OPEN_PERIOD},dossiers_received,-5\n".encode())
    report = submissions.submit_files(engine, SUBMITTER, [bad], now=NOW)
    assert report.files[0].status == "rejected"
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], last["outcome"]) == ("submit", "failed")


def test_a_month_locked_between_reading_and_writing_is_refused_and_audited(engine, monkeypatch):
    import loaders.ingest as ingest

    real = ingest.store_checked

    def an_administrator_locks_meanwhile(engine_, report, **kw):
        locks.lock(engine, actor("admin"), OPEN_PERIOD, "Chốt số liệu để họp giao ban", now=NOW)
        return real(engine_, report, **kw)

    monkeypatch.setattr(ingest, "store_checked", an_administrator_locks_meanwhile)
    report = submissions.submit_files(engine, SUBMITTER, [csv_file(OWN_UNIT, OPEN_PERIOD)], now=NOW)
    assert (report.files[0].status, report.files[0].stored) == ("rejected", False)
    assert _values(engine) == 0
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], last["outcome"]) == ("submit", "refused") and '"reason": "locked"' in last["detail"]


def test_the_cli_acts_within_a_users_rights_and_marks_its_source(engine):
    from services import users

    users.add_user(engine, actor("admin"), "ubnd.thanh.vinh", "submitter", password="Sen-Làng-Sen-2026", unit_codes=[OWN_UNIT], now=NOW)
    who = users.actor_of(engine, "UBND.Thanh.Vinh")
    assert (who.role, who.unit_codes) == ("submitter", frozenset({OWN_UNIT}))
    assert users.actor_of(engine, "nobody") is None
    report = submissions.submit_files(engine, who, [csv_file(OWN_UNIT, OPEN_PERIOD), csv_file(OTHER_UNIT, OPEN_PERIOD)],
                                      source="cli", now=NOW)
    assert [f.stored for f in report.files] == [True, False]
    with engine.connect() as conn:
        assert conn.execute(select(models.Submission.source, models.Submission.submitted_by)).all() == [("cli", "ubnd.thanh.vinh")]
    with pytest.raises(ValueError):
        submissions.submit_files(engine, who, [csv_file(OWN_UNIT, OPEN_PERIOD)], source="sample", now=NOW)


# --- upload once: Check keeps what it read, Confirm stores exactly that ----------------------------------


def test_a_checked_upload_is_confirmed_without_reading_the_file_again(engine, monkeypatch):
    import loaders.readers as readers
    from sqlalchemy import insert

    with engine.begin() as conn:  # parsed in this process (not the upload worker), so that the reads are counted here
        conn.execute(insert(models.Setting.__table__), [{"key": "parse_seconds", "value": "0", "updated_by": None, "updated_at": None}])
    reads = []
    real = readers.read_book
    monkeypatch.setattr(readers, "read_book", lambda name, content, limits: reads.append(name) or real(name, content, limits))
    files = [csv_file(OWN_UNIT, OPEN_PERIOD, received=1234)]
    checked = submissions.check_upload(engine, SUBMITTER, files, now=NOW)
    assert (checked.dry_run, checked.files[0].status, _values(engine)) == (True, "accepted", 0)
    stored = submissions.confirm_upload(engine, SUBMITTER, checked, files, now=NOW)
    assert (stored.dry_run, stored.files[0].stored) == (False, True)
    assert reads == [files[0][0]]  # read once, on Check
    with engine.connect() as conn:
        assert conn.execute(select(models.DataValue.value).where(models.DataValue.element_code == "dossiers_received")).scalar() == 1234
    assert [r["action"] for _, r in audit_rows(engine).iterrows()][-1] == "submit"


def test_a_file_changed_between_check_and_confirm_stores_nothing(engine):
    from domain.errors import Invalid

    checked = submissions.check_upload(engine, SUBMITTER, [csv_file(OWN_UNIT, OPEN_PERIOD, received=1000)], now=NOW)
    edited = [csv_file(OWN_UNIT, OPEN_PERIOD, received=9999)]  # same name, other bytes
    with pytest.raises(Invalid) as refused:
        submissions.confirm_upload(engine, SUBMITTER, checked, edited, now=NOW)
    assert "đã thay đổi kể từ lúc kiểm tra" in refused.value.message("vi")
    assert _values(engine) == 0


def test_confirm_checks_the_rights_again(engine):
    """A submitter moved off the unit between Check and Confirm stores nothing, and the refusal is audited."""
    files = [csv_file(OWN_UNIT, OPEN_PERIOD)]
    checked = submissions.check_upload(engine, SUBMITTER, files, now=NOW)
    moved = actor("submitter", [OTHER_UNIT])
    with pytest.raises(Refused):
        submissions.confirm_upload(engine, moved, checked, files, now=NOW)
    assert _values(engine) == 0
    assert audit_rows(engine).iloc[-1]["outcome"] == "refused"


def test_a_month_locked_between_check_and_confirm_is_refused(engine):
    files = [csv_file(OWN_UNIT, OPEN_PERIOD)]
    checked = submissions.check_upload(engine, SUBMITTER, files, now=NOW)
    locks.lock(engine, actor("admin"), OPEN_PERIOD, "Chốt số liệu", now=NOW)
    report = submissions.confirm_upload(engine, SUBMITTER, checked, files, now=NOW)
    assert (report.files[0].status, report.files[0].stored) == ("rejected", False)
    assert _values(engine) == 0


def test_a_late_return_is_said_before_confirm_and_a_return_not_yet_due_is_not(engine):
    """09/2026 was due 05/10/2026; on 03/10/2026 it is on time, on 12/10/2026 it is 7 days late."""
    on_time = submissions.check_upload(engine, SUBMITTER, [csv_file(OWN_UNIT, OPEN_PERIOD)], now=NOW)
    assert "late_submission" not in {p.code for p in on_time.files[0].problems}
    later = NOW.replace(day=12)
    late = submissions.check_upload(engine, SUBMITTER, [csv_file(OWN_UNIT, OPEN_PERIOD)], now=later)
    warning = next(p for p in late.files[0].problems if p.code == "late_submission")
    assert late.files[0].status == "accepted" and warning.severity == "warning"
    assert warning.message("vi") == "Báo cáo tháng 09/2026 hạn nộp 05/10/2026; nộp hôm nay (12/10/2026) là muộn 7 ngày."
