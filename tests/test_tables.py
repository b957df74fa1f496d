"""Tables downloaded from a page open in Excel as shown: Vietnamese intact, formats kept, no formulas."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest

from reports import tables

HOSTILE = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"]


@pytest.fixture
def frame():
    return pd.DataFrame({
        "Đơn vị": ["Xã Mỹ Lý", "Phường Trường Vinh", *HOSTILE],
        "Tỷ lệ": [0.7235, float("nan"), *[0.5] * len(HOSTILE)],
        "Số hồ sơ": [1234567, 2, *[3] * len(HOSTILE)],
    })


def test_xlsx_keeps_text_numbers_and_formats(frame):
    wb = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(frame, "Bảng", percent_columns=["Tỷ lệ"], integer_columns=["Số hồ sơ"])))
    ws = wb.active
    assert ws.title == "Bảng" and ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["Đơn vị", "Tỷ lệ", "Số hồ sơ"]
    assert [c.value for c in ws[2]] == ["Xã Mỹ Lý", 0.7235, 1234567]
    assert ws["B2"].number_format == "0.00%" and ws["C2"].number_format == "#,##0"
    assert ws["B3"].value is None  # no data stays empty, not 0


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_no_cell_can_become_a_formula(frame, fmt):
    if fmt == "xlsx":
        wb = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx(frame)))
        texts = [c.value for row in wb.active.iter_rows() for c in row if isinstance(c.value, str)]
        assert all(c.data_type != "f" for row in wb.active.iter_rows() for c in row)
    else:
        raw = tables.to_csv(frame)
        assert raw.startswith(b"\xef\xbb\xbf")
        texts = [cell for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")) for cell in row]
    hostile = [t for t in texts if t.lstrip("'") in HOSTILE]
    assert len(hostile) == len(HOSTILE)
    assert all(t.startswith("'") for t in hostile)
