"""Templates a district office can fill in without a manual: Vietnamese headers over a row of element
codes, the unit names and codes filled in, whole-number validation, locked headers, an instructions
sheet; the same arguments give the same bytes."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from loaders.template import TemplateError, build_template
from storage import frames


@pytest.fixture
def defs(engine):
    return frames.load_registry(engine), frames.load_units(engine)


def _open(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.mark.parametrize("period, units", [("2024-05", 21), ("2024-12", 20), ("2025-07", 130)])
def test_the_compiled_template_lists_the_units_of_the_month(defs, period, units):
    registry, frame = defs
    wb = _open(build_template(registry, frame, "locality", period))
    ws = wb["Số liệu"]
    assert wb.sheetnames == ["Số liệu", "Hướng dẫn"]
    assert ws["A1"].value == f"BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06 – THÁNG {period[5:7]}/{period[:4]}"
    assert (ws["A3"].value, ws["C3"].value, ws["A4"].value, ws["C4"].value) == ("Kỳ báo cáo:", period, "Mã biểu:", "locality")
    assert [ws.cell(7, c).value for c in range(1, 5)] == ["STT", "Mã đơn vị", "Tên đơn vị", "Tổng số hồ sơ TTHC tiếp nhận"]
    assert [ws.cell(8, c).value for c in range(1, 5)] == ["stt", "unit_code", "unit_name", "dossiers_received"]
    codes = [ws.cell(r, 2).value for r in range(9, 9 + units)]
    assert len(codes) == units and ws.cell(9 + units, 3).value == "Tổng cộng"
    assert ("413" in codes) == (period < "2024-12")


def test_only_figure_cells_are_open_and_validated_as_whole_numbers(defs):
    registry, frame = defs
    ws = _open(build_template(registry, frame, "locality", "2024-05", unit="417"))["Số liệu"]
    assert ws.protection.sheet is True
    assert (ws["C3"].value, ws["C4"].value) == ("Huyện Kỳ Sơn", "417")
    assert ws["E11"].protection.locked is False and ws["B11"].protection.locked is True
    assert ws["A9"].protection.locked is True
    dv = ws.data_validations.dataValidation[0]
    assert (dv.type, dv.operator, dv.formula1, str(dv.sqref)) == ("whole", "greaterThanOrEqual", "0", "E11:E25")
    assert "số nguyên" in dv.error


def test_the_instructions_sheet_explains_the_rules(defs):
    registry, frame = defs
    ws = _open(build_template(registry, frame, "department", "2025-04"))["Hướng dẫn"]
    text = "\n".join(str(r[0]) for r in ws.iter_rows(values_only=True) if r[0])
    assert "HƯỚNG DẪN ĐIỀN BIỂU" in text and "05/05/2025" in text
    assert "• Số lượt thanh toán viện phí không dùng tiền mặt ≤ Số lượt thanh toán chi phí khám, chữa bệnh" in text


def test_english_templates_read_back_too(engine, defs):
    from loaders.ingest import ingest_files

    registry, frame = defs
    data = build_template(registry, frame, "locality", "2024-05", unit="417", lang="en",
                          values={e: 10 for e in registry.form_by_code["locality"].elements})
    ws = _open(data)["Figures"]
    assert ws["A9"].value == "No." and ws["C3"].value == "Ky Son District"
    assert ingest_files(engine, [("en.xlsx", data)], submitted_by="t", dry_run=True).files[0].status == "accepted"


def test_the_same_arguments_give_the_same_bytes(defs):
    registry, frame = defs
    stamp = dt.datetime(2024, 6, 3, 8, 0, tzinfo=dt.timezone.utc)
    a = build_template(registry, frame, "locality", "2024-05", unit="417", stamp=stamp)
    b = build_template(registry, frame, "locality", "2024-05", unit="417", stamp=stamp)
    assert a == b


def test_a_unit_that_does_not_report_the_form_that_month_is_refused(defs):
    registry, frame = defs
    with pytest.raises(TemplateError, match="17179"):
        build_template(registry, frame, "locality", "2024-05", unit="17179")


def test_the_row_of_column_codes_says_what_it_is_in_both_layouts(defs):
    """Issue 16: a submitter sees a grey row of English-looking codes; the template says it is the columns'
    codes the system reads, to be left as it is."""
    registry, frame = defs
    compiled = _open(build_template(registry, frame, "locality", "2025-07"))["Số liệu"]
    assert compiled["A6"].value == "Dòng 8 (chữ xám, nhỏ) là mã cột để hệ thống đọc tệp: xin giữ nguyên, không sửa, không xóa."
    assert compiled["B8"].value == "unit_code"
    single = _open(build_template(registry, frame, "locality", "2024-05", unit="417"))["Số liệu"]
    assert single["A10"].value == "stt" and "Dòng 10" in single["A10"].comment.text
