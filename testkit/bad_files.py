"""Builders of the files offices send, good and bad, generated at test time (deterministic, nothing
committed but this script): workbooks laid out the way people really lay them out, CSV in the encodings
Excel writes, and the corpus of bad files, one fault each, with the message each must produce.

`python testkit/bad_files.py OUT_DIR` writes the corpus to a folder (to try it by hand or with the
CLI); the tests build it in memory.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

# Figures that respect every rule (each numerator within its denominator), per element.
GOOD = {
    "dossiers_received": 1000, "dossiers_received_online": 800, "dossiers_full_online": 500, "dossiers_resolved": 950,
    "dossiers_resolved_on_time": 900, "dossiers_digitized": 700, "results_digitized": 600, "dossiers_with_fee": 300,
    "dossiers_paid_online": 200, "citizens_eligible_id": 50000, "id_cards_issued": 48000, "vneid_l2_applications": 40000,
    "vneid_l2_activated": 35000, "social_beneficiaries": 2000, "social_paid_noncash": 1800,
}
LOCALITY = list(GOOD)
NAMES = {  # the registry's Vietnamese names (as the template writes them)
    "dossiers_received": "Tổng số hồ sơ TTHC tiếp nhận",
    "dossiers_received_online": "Số hồ sơ tiếp nhận trực tuyến",
    "dossiers_full_online": "Số hồ sơ trực tuyến toàn trình",
    "dossiers_resolved": "Số hồ sơ đã giải quyết",
    "dossiers_resolved_on_time": "Số hồ sơ giải quyết trước hạn, đúng hạn",
    "dossiers_digitized": "Số hồ sơ được số hóa thành phần hồ sơ",
    "results_digitized": "Số kết quả giải quyết TTHC được số hóa",
    "dossiers_with_fee": "Số hồ sơ có nghĩa vụ tài chính (phí, lệ phí)",
    "dossiers_paid_online": "Số hồ sơ thanh toán trực tuyến",
    "citizens_eligible_id": "Số công dân thuộc diện cấp thẻ Căn cước",
    "id_cards_issued": "Số thẻ Căn cước (CCCD gắn chip) đã cấp",
    "vneid_l2_applications": "Số hồ sơ định danh điện tử mức 2 đã thu nhận",
    "vneid_l2_activated": "Số tài khoản định danh điện tử mức 2 đã kích hoạt",
    "social_beneficiaries": "Số đối tượng hưởng chính sách an sinh xã hội",
    "social_paid_noncash": "Số đối tượng được chi trả không dùng tiền mặt",
}
DEPARTMENT_ELEMENTS = LOCALITY[:9]


@dataclass
class Sheet:
    name: str
    rows: list[list]
    merged: list[str] = field(default_factory=list)
    hidden: bool = False


def xlsx(*sheets: Sheet, cached: dict[tuple[str, str], object] | None = None) -> bytes:
    """A workbook of the given sheets. `cached`: (sheet, cell) -> the value Excel would have stored for a
    formula cell (openpyxl itself writes formulas with no cached value)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for s in sheets:
        ws = wb.create_sheet(s.name)
        for row in s.rows:
            ws.append(row)
        for ref in s.merged:
            ws.merge_cells(ref)
        if s.hidden:
            ws.sheet_state = "hidden"
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    return _with_cached_values(data, [s.name for s in sheets], cached) if cached else data


def _with_cached_values(data: bytes, names: list[str], cached: dict[tuple[str, str], object]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            m = re.match(r"xl/worksheets/sheet(\d+)\.xml", item.filename)
            if m:
                sheet = names[int(m.group(1)) - 1]
                for (name, ref), value in cached.items():
                    if name == sheet:
                        body = re.sub(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v\s*/?>(?:</v>)?'.encode(),
                                      lambda mm: mm.group(1) + f"<v>{value}</v>".encode(), body)
            dst.writestr(item, body)
    return out.getvalue()


def csv_bytes(rows: list[list], delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode(encoding)


def single_unit(unit_code: str | None, unit_name: str | None, period: str | None, values: dict, *,
                title: str | None = "auto", form: str | None = "locality", extra: list[list] | None = None) -> list[list]:
    """A one-unit form as offices lay it out: a title, statements, STT | Chỉ tiêu | Mã chỉ tiêu | Số liệu."""
    rows: list[list] = []
    if title == "auto":
        title = f"BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06 THÁNG {period[5:7]}/{period[:4]}" if period else "BÁO CÁO ĐỀ ÁN 06"
    if title:
        rows.append([title])
    if unit_name:
        rows.append(["Đơn vị báo cáo:", unit_name])
    if unit_code:
        rows.append(["Mã đơn vị:", unit_code])
    if form:
        rows.append(["Mã biểu:", form])
    rows += extra or []
    rows.append([])
    rows.append(["STT", "Chỉ tiêu", "Mã chỉ tiêu", "Số liệu"])
    for i, (code, value) in enumerate(values.items(), start=1):
        rows.append([i, NAMES.get(code, code), code, value])
    return rows


def compiled(period: str | None, units: list[tuple[str, str]], values: dict[str, dict], *, elements=None,
             headers: list[str] | None = None, title: str | None = "auto", total: bool = False) -> list[list]:
    """A compiled workbook: one row per unit (code, name), elements across."""
    elements = elements or LOCALITY
    rows: list[list] = []
    if title == "auto":
        title = f"TỔNG HỢP KẾT QUẢ ĐỀ ÁN 06 THÁNG {period[5:7]}/{period[:4]}" if period else "TỔNG HỢP KẾT QUẢ ĐỀ ÁN 06"
    if title:
        rows += [[title], []]
    rows.append(["STT", "Mã đơn vị", "Tên đơn vị"] + (headers or [NAMES.get(e, e) for e in elements]))
    for i, (code, name) in enumerate(units, start=1):
        rows.append([i, code, name] + [values.get(code, {}).get(e) for e in elements])
    if total:
        rows.append([None, None, "Tổng cộng"] + [sum(values.get(c, {}).get(e) or 0 for c, _ in units) for e in elements])
    return rows


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def zip_bomb() -> bytes:
    """A well-formed .xlsx-looking archive whose one part inflates to 30 MB from a few kilobytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            chunk = b"\0" * (1 << 20)
            for _ in range(30):
                fh.write(chunk)
    return out.getvalue()


def odt() -> bytes:
    """An OpenDocument text (a Writer document) renamed .ods: an OpenDocument, but no spreadsheet."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def good_single(period: str = "2024-05", unit: str = "417", name: str = "Huyện Kỳ Sơn", **changes) -> bytes:
    values = {**GOOD, **changes}
    return xlsx(Sheet("Số liệu", single_unit(unit, name, period, values)))


# --- the corpus ------------------------------------------------------------------------------------------

@dataclass
class Case:
    """One bad file, one fault. `code` is the problem the loader must report, `message` its Vietnamese
    text exactly, `cell` where (when the fault sits in a cell). `options` go to ingest_files; `settings`
    are stored before; `lock` locks a month first. A `severity="warning"` case is checked as a dry run."""

    name: str
    filename: str
    make: Callable[[], bytes]
    code: str
    message: str
    cell: str | None = None
    options: dict = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    lock: str | None = None
    severity: str = "error"


def _future() -> str:
    today = dt.date.today()
    year, month = (today.year, today.month + 2) if today.month <= 10 else (today.year + 1, today.month - 10)
    return f"{year:04d}-{month:02d}"


def _vinh_cua_lo_2025() -> bytes:
    return xlsx(Sheet("Tổng hợp", compiled("2025-01", [("412", "Thành phố Vinh"), ("413", "Thị xã Cửa Lò")],
                                           {"412": GOOD, "413": GOOD})))


def _future_file() -> bytes:
    return good_single(_future())


CASES: list[Case] = [
    Case("empty", "trong.xlsx", lambda: b"", "empty_file", "Tệp rỗng, không có nội dung."),
    Case("truncated_zip", "cat_ngang.xlsx", lambda: good_single()[:1500], "damaged_file",
         "Tệp bị hỏng hoặc tải lên chưa hết nên không mở được."),
    Case("zip_bomb", "bom.xlsx", zip_bomb, "zip_bomb",
         "Tệp khi giải nén lên tới 30 MB (gấp {ratio} lần), bất thường so với một biểu báo cáo; tệp bị từ chối để bảo vệ hệ thống."),
    Case("damaged_xls", "bao_cao.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, "damaged_file",
         "Tệp bị hỏng hoặc tải lên chưa hết nên không mở được."),
    Case("encrypted", "co_mat_khau.xlsx",
         lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 500,
         "encrypted_file", "Tệp được đặt mật khẩu nên không đọc được."),
    Case("web_page_as_xls", "trang_web.xls", lambda: b"<html><body><table><tr><td>1</td></tr></table></body></html>",
         "save_as_xlsx", "Tệp là bảng tính dạng trang web hoặc XML 2003, không phải .xlsx, .xls hay .ods."),
    Case("opendocument_text", "bang_tinh.ods", odt, "not_spreadsheet",
         "Tệp không phải bảng tính (.xlsx, .xls, .ods) hay tệp CSV."),
    Case("pdf", "bao_cao.pdf", lambda: b"%PDF-1.4\n" + b"x" * 200, "not_spreadsheet",
         "Tệp không phải bảng tính (.xlsx, .xls, .ods) hay tệp CSV."),
    Case("csv_windows_1258", "du_lieu.csv",
         lambda: "unit_code,period,element,value\n427,2024-05,dossiers_received,1000\n# Đô Lương\n".encode("cp1258"),
         "not_utf8", "Tệp CSV không ở bảng mã UTF-8 hay UTF-16, nên chữ tiếng Việt sẽ bị đọc sai."),
    Case("too_large", "qua_lon.csv", lambda: b"unit_code,period,element,value\n" + b"417,2024-05,dossiers_received,1\n" * 40000,
         "file_too_large", "Tệp nặng 1,2 MB, vượt quá giới hạn 1 MB.", settings={"max_upload_mb": 1}),
    Case("too_many_rows", "qua_nhieu_dong.csv",
         lambda: b"unit_code,period,element,value\n" + b"417,2024-05,dossiers_received,1\n" * 150,
         "too_many_rows", "Trang tính có hơn 100 dòng.", settings={"max_rows": 100}),
    Case("wrong_sheet", "sai_trang.xlsx",
         lambda: xlsx(Sheet("Biểu đồ", [["Biểu đồ kết quả Đề án 06"], ["Xem hình bên dưới"], [], ["Năm", "Quý"], [2024, 2]])),
         "no_table", "Không tìm thấy bảng số liệu nào trong các trang tính (Biểu đồ)."),
    Case("data_on_hidden_sheet", "trang_an.xlsx",
         lambda: xlsx(Sheet("Bìa", [["BÁO CÁO ĐỀ ÁN 06"]]), Sheet("Dữ liệu", single_unit("417", None, "2024-05", GOOD), hidden=True)),
         "no_table", "Không tìm thấy bảng số liệu nào trong các trang tính (Bìa, Dữ liệu)."),
    Case("unfilled_template", "chua_dien.xlsx", lambda: good_single(**{e: None for e in GOOD}), "no_values",
         "Tệp không có số liệu nào: các ô số liệu đều để trống."),
    Case("text_in_figure", "chu_trong_o_so.xlsx", lambda: good_single(dossiers_resolved="khoảng 950"), "not_a_number",
         "'khoảng 950' không phải là số (Số hồ sơ đã giải quyết).", cell="D10"),
    Case("negative", "so_am.xlsx", lambda: good_single(dossiers_with_fee=-5), "negative_value",
         "'-5' là số âm (Số hồ sơ có nghĩa vụ tài chính (phí, lệ phí)).", cell="D14"),
    Case("decimal", "so_thap_phan.xlsx", lambda: good_single(social_beneficiaries=1999.5), "not_whole",
         "'1999.5' không phải số nguyên (Số đối tượng hưởng chính sách an sinh xã hội).", cell="D20"),
    Case("ambiguous_separator", "dau_phay.csv",
         lambda: csv_bytes([["unit_code", "period", "element", "value"], ["417", "2024-05", "dossiers_received", "62,950"]]),
         "ambiguous_number",
         "'62,950' có thể hiểu là hai số khác nhau (dấu phẩy là dấu thập phân hay dấu phân cách hàng nghìn?) (Tổng số hồ sơ TTHC tiếp nhận).",
         cell="D2"),
    Case("date_in_figure", "ngay_thang.xlsx", lambda: good_single(dossiers_digitized=dt.datetime(2024, 5, 31)), "not_a_number",
         "'2024-05-31 00:00:00' không phải là số (Số hồ sơ được số hóa thành phần hồ sơ).", cell="D12"),
    Case("percent_in_figure", "phan_tram.xlsx", lambda: good_single(dossiers_paid_online="75%"), "not_a_number",
         "'75%' không phải là số (Số hồ sơ thanh toán trực tuyến).", cell="D15"),
    Case("implausible_number", "so_qua_lon.xlsx", lambda: good_single(citizens_eligible_id=10**16, id_cards_issued=48000),
         "value_too_large", "'10000000000000000' lớn bất thường (Số công dân thuộc diện cấp thẻ Căn cước).", cell="D16"),
    Case("numerator_above_denominator", "tu_lon_hon_mau.xlsx", lambda: good_single(dossiers_received_online=1200),
         "numerator_above_denominator",
         "Huyện Kỳ Sơn (417): 'Số hồ sơ tiếp nhận trực tuyến' (1.200) lớn hơn 'Tổng số hồ sơ TTHC tiếp nhận' (1.000).",
         cell="D8"),
    Case("unknown_unit", "don_vi_la.xlsx",
         lambda: xlsx(Sheet("Tổng hợp", compiled("2024-05", [("", "Huyện Không Có")], {"": GOOD}))),
         "unknown_unit", "Không nhận ra đơn vị 'Huyện Không Có'.", cell="C4"),
    Case("merged_unit_after_merger", "cua_lo_2025.xlsx", _vinh_cua_lo_2025, "unit_not_valid",
         "Thị xã Cửa Lò (413) không còn là đơn vị báo cáo trong tháng 01/2025: đơn vị hoạt động đến hết ngày 30/11/2024; "
         "từ đó đơn vị báo cáo thay là Thành phố Vinh (412) (từ ngày 01/12/2024).", cell="B5"),
    Case("nfd_name_after_merger", "nfd_cua_lo.csv",
         lambda: csv_bytes([["Đơn vị", "Kỳ báo cáo"] + LOCALITY, [nfd("Thị xã Cửa Lò"), "03/2025"] + list(GOOD.values())]),
         "unit_not_valid",
         "Thị xã Cửa Lò (413) không còn là đơn vị báo cáo trong tháng 03/2025: đơn vị hoạt động đến hết ngày 30/11/2024; "
         "từ đó đơn vị báo cáo thay là Thành phố Vinh (412) (từ ngày 01/12/2024).", cell="A2"),
    Case("commune_before_reform", "xa_truoc_2025.xlsx", lambda: good_single("2024-05", "17179", "Xã Quỳnh Lưu"),
         "unit_not_yet_valid",
         "Xã Quỳnh Lưu (17179) chưa là đơn vị báo cáo trong tháng 05/2024: đơn vị bắt đầu từ ngày 01/07/2025; "
         "trước đó Huyện Quỳnh Lưu (421) báo cáo cho địa bàn này.", cell="B3"),
    Case("district_after_reform", "huyen_sau_2025.xlsx", lambda: good_single("2025-08", "417", "Huyện Kỳ Sơn"),
         "unit_not_valid",
         "Huyện Kỳ Sơn (417) không còn là đơn vị báo cáo trong tháng 08/2025: đơn vị hoạt động đến hết ngày 30/06/2025; "
         "từ đó 12 xã, phường được thành lập trên địa bàn báo cáo trực tiếp (từ ngày 01/07/2025).", cell="B3"),
    Case("future_month", "thang_sau.xlsx", _future_file, "future_period",
         "Tháng {future} chưa đến: không thể báo cáo số liệu của tháng tương lai."),
    Case("duplicated_rows", "trung_dong.xlsx",
         lambda: xlsx(Sheet("Tổng hợp", compiled("2024-05", [("417", "Huyện Kỳ Sơn"), ("418", "Huyện Tương Dương"),
                                                             ("417", "H. Kỳ Sơn")], {"417": GOOD, "418": GOOD}))),
         "duplicate_row", "Số liệu 'Tổng số hồ sơ TTHC tiếp nhận' của đơn vị này đã có ở ô Tổng hợp!D4.", cell="D6"),
    Case("duplicated_column", "trung_cot.xlsx",
         lambda: xlsx(Sheet("Tổng hợp", compiled("2024-05", [("417", "Huyện Kỳ Sơn")], {"417": {**GOOD, "x": 5}},
                                                 elements=LOCALITY + ["x"], headers=[NAMES[e] for e in LOCALITY] + ["Tổng số hồ sơ tiếp nhận"]))),
         "duplicate_column", "Cột 'Tổng số hồ sơ tiếp nhận' trùng chỉ tiêu với cột 'Tổng số hồ sơ TTHC tiếp nhận'.", cell="S3"),
    Case("unknown_element_code", "sai_ma.csv",
         lambda: csv_bytes([["unit_code", "period", "dossiers_received", "dossiers_recieved_online"], ["417", "2024-05", "1000", "800"]]),
         "unknown_element", "Không có chỉ tiêu mã 'dossiers_recieved_online'.", cell="D1"),
    Case("element_not_in_form", "sai_bieu.xlsx",
         lambda: xlsx(Sheet("Số liệu", single_unit("417", "Huyện Kỳ Sơn", "2024-05", {**GOOD, "hospital_payments": 10}))),
         "element_not_in_form", "Chỉ tiêu 'Số lượt thanh toán chi phí khám, chữa bệnh' không thuộc Biểu báo cáo của địa phương (locality).",
         cell="D22"),
    Case("department_on_locality_form", "so_y_te_bieu_dia_phuong.xlsx",
         lambda: xlsx(Sheet("Số liệu", single_unit("40-SYT", "Sở Y tế", "2024-05", {e: GOOD[e] for e in DEPARTMENT_ELEMENTS}))),
         "unit_wrong_form", "Sở Y tế (40-SYT) không báo cáo theo Biểu báo cáo của địa phương (locality).", cell="B3"),
    Case("month_missing", "khong_ghi_thang.xlsx",
         lambda: xlsx(Sheet("Số liệu", single_unit("417", "Huyện Kỳ Sơn", None, GOOD))),
         "period_missing", "Tệp không ghi tháng báo cáo."),
    Case("month_conflict", "lech_thang.xlsx", lambda: good_single("2024-05"), "period_conflict",
         "Tháng báo cáo ghi trong tệp là 05/2024, khác với tháng 06/2024.", cell="A1", options={"period": "2024-06"}),
    Case("month_unreadable", "thang_khong_doc_duoc.xlsx",
         lambda: xlsx(Sheet("Số liệu", single_unit("417", "Huyện Kỳ Sơn", None, GOOD, extra=[["Kỳ báo cáo:", "Quý II"]]))),
         "period_unreadable", "Không đọc được tháng báo cáo từ 'Quý II'.", cell="B5"),
    Case("unknown_form", "bieu_la.xlsx",
         lambda: xlsx(Sheet("Số liệu", single_unit("417", "Huyện Kỳ Sơn", "2024-05", GOOD, form="bieu_06b"))),
         "form_unknown", "Không có biểu báo cáo 'bieu_06b'.", cell="B4"),
    Case("unit_missing", "khong_ghi_don_vi.xlsx",
         lambda: xlsx(Sheet("Số liệu", single_unit(None, None, "2024-05", GOOD))),
         "unit_missing", "Tệp không ghi đơn vị báo cáo."),
    Case("unit_code_name_conflict", "ma_ten_lech.xlsx",
         lambda: xlsx(Sheet("Tổng hợp", compiled("2024-05", [("417", "Huyện Tân Kỳ")], {"417": GOOD}))),
         "unit_conflict", "Mã và tên đơn vị chỉ hai đơn vị khác nhau: Huyện Kỳ Sơn (417), Huyện Tân Kỳ (423).", cell="B4"),
    Case("unrecognised_column", "cot_la.xlsx",
         lambda: xlsx(Sheet("Tổng hợp", compiled("2024-05", [("417", "Huyện Kỳ Sơn")], {"417": {**GOOD, "x": 7}},
                                                 elements=LOCALITY + ["x"], headers=[NAMES[e] for e in LOCALITY] + ["Ghi nhận khác"]))),
         "column_unrecognised", "Không nhận ra cột 'Ghi nhận khác'.", cell="S3"),
    Case("ambiguous_header", "tieu_de_mo_ho.xlsx",
         lambda: xlsx(Sheet("Tổng hợp", compiled("2024-05", [("40-SYT", "Sở Y tế")], {"40-SYT": {"dossiers_received": 10, "x": 5}},
                                                 elements=["dossiers_received", "x"],
                                                 headers=["Tổng số hồ sơ TTHC tiếp nhận", "Thu viện phí và học phí"]))),
         "header_ambiguous",
         "Tiêu đề 'Thu viện phí và học phí' có thể là nhiều chỉ tiêu: Số lượt thanh toán chi phí khám, chữa bệnh, "
         "Số lượt thu học phí, các khoản thu.", cell="E3"),
    Case("formula_without_value", "cong_thuc.xlsx", lambda: good_single(dossiers_resolved="=900+50"), "formula_no_value",
         "Ô có công thức nhưng chưa có giá trị tính sẵn (Số hồ sơ đã giải quyết).", cell="D10"),
    Case("row_without_unit", "dong_khong_ten.xlsx",
         lambda: xlsx(Sheet("Tổng hợp", compiled("2024-05", [("417", "Huyện Kỳ Sơn"), ("", "")], {"417": GOOD, "": GOOD}))),
         "row_without_unit", "Dòng có số liệu nhưng không ghi đơn vị.", cell="C5"),
    Case("locked_month", "thang_da_khoa.xlsx", lambda: good_single("2024-05"), "period_locked",
         "Tháng 05/2024 đã khóa sổ, không nhận thêm số liệu.", lock="2024-05"),
    Case("unit_not_allowed", "khong_duoc_nop.xlsx", lambda: good_single("2024-05", "418", "Huyện Tương Dương"),
         "unit_not_allowed", "Tài khoản này không được nộp số liệu cho Huyện Tương Dương (418).", cell="B3",
         options={"allowed_units": {"417"}}),
    Case("mismatched_totals", "tong_sai.xlsx",
         lambda: xlsx(Sheet("Tổng hợp", compiled("2024-05", [("417", "Huyện Kỳ Sơn"), ("418", "Huyện Tương Dương")],
                                                 {"417": GOOD, "418": GOOD}, total=True)[:-1]
                            + [[None, None, "Tổng cộng", 2001] + [2 * GOOD[e] for e in LOCALITY[1:]]])),
         "totals_mismatch", "Dòng tổng ghi 'Tổng số hồ sơ TTHC tiếp nhận' là 2.001, lệch 1 so với tổng các đơn vị (2.000); dòng tổng không được nhập.",
         cell="D6", severity="warning"),
]


def expected_message(case: Case, data: bytes | None = None) -> str:
    """The case's message with what depends on the day (the future month) or on zlib (a ratio) filled in."""
    message = case.message
    if "{future}" in message:
        p = _future()
        message = message.replace("{future}", f"{p[5:7]}/{p[:4]}")
    if "{ratio}" in message:
        data = data if data is not None else case.make()
        declared = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
        message = message.replace("{ratio}", f"{round(declared / len(data)):,}".replace(",", "."))
    return message


def main(out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        (folder / f"{case.name}__{case.filename}").write_bytes(case.make())
    print(f"{len(CASES)} files written to {folder}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "bad_files_out")
