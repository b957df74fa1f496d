"""Tolerant reading of the files offices really send: titles above the table, merged two-row headers,
names with and without diacritics, NFD, `Ð`, type prefixes and abbreviations, numbers typed as text the
Vietnamese way, blanks and dashes, cached formula values, totals rows, hidden and several sheets, CSV in
the encodings Excel writes, the long format, office wording of headers, column mappings saved for the
office. Each file is accepted and read back to exactly the figures it holds."""

from __future__ import annotations

import codecs
import io
import zipfile

import pytest

from loaders.ingest import ingest_files
from loaders.parse import parse_book
from storage import frames
from testkit.bad_files import (
    GOOD,
    LOCALITY,
    NAMES,
    Sheet,
    compiled,
    csv_bytes,
    nfd,
    single_unit,
    xlsx,
)


def _values(engine) -> dict:
    v = frames.load_values(engine)
    return {(u, p, e): x for u, p, e, x in zip(v["unit_code"], v["period"], v["element_code"], v["value"])}


def _ingest(engine, name: str, data: bytes, **options):
    report = ingest_files(engine, [(name, data)], submitted_by="test", **options)
    outcome = report.files[0]
    assert outcome.status == "accepted", [p.text("en") for p in outcome.errors]
    return outcome


def _merged_two_row_header() -> bytes:
    rows = [
        ["ỦY BAN NHÂN DÂN TỈNH NGHỆ AN"],
        ["BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06 THÁNG 5/2024"],
        ["(Kèm theo Công văn số 123/UBND ngày 03 tháng 6 năm 2024)"],
        ["TT", "Đơn vị", "Tiếp nhận hồ sơ", None, None, "Giải quyết hồ sơ", None, "Ghi chú"],
        [None, None, "Tổng số", "Trực tuyến", "Toàn trình", "Đã giải quyết", "Đúng hạn", None],
        ["1", "TP. Vinh", "62.950", 50000, "-", "1.234", 1200, None],
        ["2", "H. Kỳ Sơn", 800, 600, 300, 790, 780, "đủ"],
        ["3", "Thị xã Thái Hoà", 1000, None, 500, 950, 900, None],
        ["4", "huyện   tân   kỳ", "1 500", 1200, 900, 1400, 1390, None],
        ["5", nfd("Huyện Anh Sơn"), 700, 600, 400, 650, 640, None],
        ["6", "Ðô Lương", 900, 800, 500, 880, 870, None],
        [None, "Cộng", 67850, 53200, 2600, 5904, 5780, None],
        [],
        [None, None, None, None, None, "Nghệ An, ngày 03 tháng 6 năm 2024"],
        [None, None, None, None, None, "NGƯỜI LẬP BIỂU"],
    ]
    return xlsx(Sheet("Báo cáo T5", rows, merged=["A2:H2", "A4:A5", "B4:B5", "C4:E4", "F4:G4", "H4:H5"]))


def test_a_real_compiled_workbook_with_merged_two_row_headers_and_messy_names(engine):
    outcome = _ingest(engine, "bao_cao_t5.xlsx", _merged_two_row_header())
    assert outcome.form == "locality" and outcome.periods == ["2024-05"]
    assert outcome.units == ["412", "414", "417", "423", "424", "427"]
    got = _values(engine)
    assert got[("412", "2024-05", "dossiers_received")] == 62950  # "62.950" typed as text
    assert ("412", "2024-05", "dossiers_full_online") not in got  # "-" is no figure
    assert got[("412", "2024-05", "dossiers_resolved")] == 1234
    assert got[("423", "2024-05", "dossiers_received")] == 1500  # "1 500"
    assert got[("414", "2024-05", "dossiers_full_online")] == 500
    assert ("414", "2024-05", "dossiers_received_online") not in got
    assert got[("427", "2024-05", "dossiers_resolved_on_time")] == 870
    codes = {p.code for p in outcome.problems}
    assert "totals_mismatch" not in codes  # the "Cộng" row adds up
    assert codes <= {"missing_expected"}


def test_a_totals_row_that_does_not_add_up_is_a_warning_stored_with_the_submission(engine):
    rows = compiled("2024-05", [("417", "Huyện Kỳ Sơn"), ("418", "Huyện Tương Dương")], {"417": GOOD, "418": GOOD})
    rows.append([None, None, "Tổng cộng"] + [2 * GOOD[e] + (5 if e == "dossiers_resolved" else 0) for e in LOCALITY])
    outcome = _ingest(engine, "tong.xlsx", xlsx(Sheet("Tổng hợp", rows)))
    warning = [p for p in outcome.warnings if p.code == "totals_mismatch"]
    assert [(p.element, p.cell) for p in warning] == [("dossiers_resolved", "G6")]
    stored = frames.submissions(engine).iloc[0]
    assert "totals_mismatch" in stored["warnings"] and "G6" in stored["warnings"]


@pytest.mark.parametrize("encoding, delimiter", [
    ("utf-8", ","), ("utf-8-sig", ","), ("utf-8-sig", ";"), ("utf-16", "\t"), ("utf-16-le", "\t"),
])
def test_csv_as_excel_writes_it(engine, encoding, delimiter):
    rows = [["Mã đơn vị", "Tên đơn vị", "Kỳ báo cáo"] + [NAMES[e] for e in LOCALITY]]
    rows.append(["417", "Huyện Kỳ Sơn", "05/2024"] + [GOOD[e] for e in LOCALITY])
    rows.append(["424", "Huyện Anh Sơn", "05/2024"] + [GOOD[e] for e in LOCALITY])
    data = csv_bytes(rows, delimiter=delimiter, encoding=encoding)
    if encoding == "utf-16-le":
        data = codecs.BOM_UTF16_LE + data  # Excel's "Unicode text": UTF-16 little-endian with its mark, tabs
    outcome = _ingest(engine, "du_lieu.csv", data)
    assert outcome.periods == ["2024-05"] and outcome.units == ["417", "424"]
    assert len(outcome.values) == 30 and not outcome.warnings


@pytest.mark.parametrize("as_xlsx", [False, True])
def test_the_long_format(engine, as_xlsx):
    rows = [["unit_code", "period", "element", "value"]]
    for unit in ("417", "418"):
        for period in ("2024-05", "2024-06"):
            rows += [[unit, period, e, v] for e, v in GOOD.items()]
    data = xlsx(Sheet("long", rows)) if as_xlsx else csv_bytes(rows)
    outcome = _ingest(engine, "long.xlsx" if as_xlsx else "long.csv", data)
    assert outcome.periods == ["2024-05", "2024-06"] and outcome.units == ["417", "418"]
    assert len(_values(engine)) == 60


def test_formulas_are_read_from_their_cached_values(engine):
    rows = single_unit("417", "Huyện Kỳ Sơn", "2024-05", {**GOOD, "dossiers_received": "=600+400"})
    data = xlsx(Sheet("Số liệu", rows), cached={("Số liệu", "D7"): 1000})
    _ingest(engine, "cong_thuc.xlsx", data)
    assert _values(engine)[("417", "2024-05", "dossiers_received")] == 1000


def test_hidden_sheets_are_ignored_and_several_sheets_are_read(engine):
    west = compiled("2024-05", [("415", "Huyện Quế Phong"), ("416", "Huyện Quỳ Châu")], {"415": GOOD, "416": GOOD})
    east = compiled("2024-05", [("425", "Huyện Diễn Châu")], {"425": GOOD})
    junk = compiled("2024-05", [("426", "Huyện Yên Thành")], {"426": {e: -1 for e in GOOD}})
    data = xlsx(Sheet("Miền Tây", west), Sheet("Miền Đông", east), Sheet("Nháp", junk, hidden=True))
    outcome = _ingest(engine, "nhieu_trang.xlsx", data)
    assert outcome.units == ["415", "416", "425"] and outcome.sheets_read == ["Miền Tây", "Miền Đông"]


def test_month_and_form_from_the_pickers_for_a_file_that_states_neither(engine):
    rows = [["Đơn vị"] + [NAMES[e] for e in LOCALITY], ["Kỳ Sơn"] + [GOOD[e] for e in LOCALITY]]
    report = ingest_files(engine, [("tu_lam.xlsx", xlsx(Sheet("Sheet1", rows)))], submitted_by="test", dry_run=True)
    assert [p.code for p in report.files[0].errors] == ["period_missing"]
    outcome = _ingest(engine, "tu_lam.xlsx", xlsx(Sheet("Sheet1", rows)), period="2024-05", form="locality")
    assert outcome.periods == ["2024-05"] and outcome.units == ["417"]


def test_a_month_written_in_the_title_is_checked_against_the_one_chosen(engine):
    data = xlsx(Sheet("Số liệu", single_unit("417", "Huyện Kỳ Sơn", "2024-05", GOOD)))
    assert _ingest(engine, "t5.xlsx", data, period="2024-05").periods == ["2024-05"]


def test_an_office_wording_of_a_header_is_matched_when_unambiguous(engine):
    headers = ["Tổng số hồ sơ", "Nộp qua dịch vụ công trực tuyến", "Hồ sơ toàn trình", "Số hồ sơ đã xử lý xong",
               "Trong đó: trước hạn, đúng hạn", "Tỷ lệ đúng hạn (%)"]
    rows = [["BÁO CÁO THÁNG 05/2024"], ["Đơn vị", *headers], ["Huyện Kỳ Sơn", 1000, 800, 500, 950, 900, "94,7%"]]
    outcome = _ingest(engine, "cach_ghi_rieng.xlsx", xlsx(Sheet("Sheet1", rows)))
    assert {v.element_code: v.value for v in outcome.values} == {
        "dossiers_received": 1000, "dossiers_received_online": 800, "dossiers_full_online": 500,
        "dossiers_resolved": 950, "dossiers_resolved_on_time": 900,
    }


def test_a_column_mapping_is_given_then_saved_so_the_next_month_goes_through(engine):
    header = "Hồ sơ nhận qua Bưu điện công ích"

    def month(period: str) -> bytes:
        rows = single_unit("417", "Huyện Kỳ Sơn", period, {"dossiers_received": 1000}, form=None)
        rows.append([2, header, None, 900])
        return xlsx(Sheet("Số liệu", rows))

    first = ingest_files(engine, [("t5.xlsx", month("2024-05"))], submitted_by="ubnd.kyson", dry_run=True).files[0]
    assert [p.code for p in first.errors] == ["row_unrecognised"] and [u.header for u in first.unmatched] == [header]
    report = ingest_files(engine, [("t5.xlsx", month("2024-05"))], submitted_by="ubnd.kyson",
                          mapping={header: "dossiers_received_online"}, save_mapping=True)
    assert report.files[0].status == "accepted"
    nxt = ingest_files(engine, [("t6.xlsx", month("2024-06"))], submitted_by="someone.else").files[0]
    assert nxt.status == "accepted", [p.text("en") for p in nxt.errors]
    assert _values(engine)[("417", "2024-06", "dossiers_received_online")] == 900


@pytest.mark.parametrize("written, code", [
    ("Ky Son District", "417"), ("KỲ SƠN", "417"), ("UBND huyện Kỳ Sơn", "417"), ("H.Kỳ Sơn", "417"),
    ("Thành phố Vinh", "412"), ("TP Vinh", "412"), ("Vinh City", "412"), ("TX. Cửa Lò", "413"), ("Cửa Lò", "413"),
    ("Thái Hoà", "414"), ("Huyện Thái Hòa", "414"), ("Ðô Lương", "427"), (nfd("Nghĩa Đàn"), "419"),
])
def test_unit_names_as_offices_write_them(engine, written, code):
    rows = [["THÁNG 10/2024"], ["Đơn vị", "Tổng số hồ sơ TTHC tiếp nhận"], [written, 10]]
    assert _ingest(engine, "x.xlsx", xlsx(Sheet("S", rows))).units == [code]


@pytest.mark.parametrize("written, code", [
    ("Sở GD&ĐT", "40-SGDDT"), ("SYT", "40-SYT"), ("Sở Y tế tỉnh Nghệ An", "40-SYT"), ("BHXH tỉnh", "40-BHXH"),
    ("Công an tỉnh Nghệ An", "40-CAT"), ("Sở LĐ-TB&XH", "40-SLDTBXH"), ("Department of Justice", "40-STP"),
])
def test_department_names_and_abbreviations(engine, written, code):
    rows = [["THÁNG 01/2025"], ["Cơ quan, đơn vị", "Tổng số hồ sơ TTHC tiếp nhận"], [written, 10]]
    assert _ingest(engine, "x.xlsx", xlsx(Sheet("S", rows))).units == [code]


def test_macros_are_refused_never_run(engine):
    base = xlsx(Sheet("Số liệu", single_unit("417", "Huyện Kỳ Sơn", "2024-05", GOOD)))
    src, out = zipfile.ZipFile(io.BytesIO(base)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 Auto_Open Shell(\"cmd\")")
    report = ingest_files(engine, [("co_macro.xlsm", out.getvalue())], submitted_by="test")
    assert [p.code for p in report.files[0].errors] == ["macros_refused"]  # issue 17: never stored, never served


def test_a_former_unit_is_matched_in_the_months_it_still_reported(engine):
    data = xlsx(Sheet("Số liệu", single_unit("413", "Thị xã Cửa Lò", "2024-10", GOOD)))
    assert _ingest(engine, "cua_lo_t10.xlsx", data).units == ["413"]


def test_the_template_round_trips_through_the_parser_unchanged(engine):
    """Whatever the template's header wording becomes, the row of codes keeps every column exact."""
    from loaders.headers import HeaderMatcher
    from loaders.matching import UnitIndex
    from loaders.readers import read_book
    from loaders.template import build_template

    registry, units = frames.load_registry(engine), frames.load_units(engine)
    data = build_template(registry, units, "department", "2025-04", values={"40-SYT": {"hospital_payments": 7}})
    parsed = parse_book(read_book("t.xlsx", data), HeaderMatcher(registry), UnitIndex(units))
    assert {c.element for c in parsed.cells} == set(registry.form_by_code["department"].elements)
    assert not parsed.problems and parsed.sheets_skipped == ["Hướng dẫn"]


def _office_commune_workbook(grand_label: str, grand_offset: int = 0) -> tuple[bytes, list[str]]:
    """A commune workbook as an office makes it: communes grouped under their former district (a heading
    row, then the communes, some without their 'Xã'/'Phường' prefix, then a 'Cộng' row for the group), and
    a grand total at the bottom."""
    from domain.units import nghe_an_units

    communes = [u for u in nghe_an_units() if u.level == "commune"]
    by_district: dict[str, list] = {}
    for u in communes:
        by_district.setdefault(u.former_unit_code, []).append(u)
    groups = [by_district[code][:3] for code in sorted(by_district)[:2]]
    districts = {u.code: u.name_vi for u in nghe_an_units()}
    rows = [["TỔNG HỢP KẾT QUẢ ĐỀ ÁN 06 THÁNG 08/2025"], [], ["STT", "Tên đơn vị"] + [NAMES[e] for e in LOCALITY]]
    codes = []
    for numeral, group in zip(("I", "II"), groups):
        rows.append([numeral, districts[group[0].former_unit_code].upper()])
        for i, u in enumerate(group, start=1):
            name = u.name_vi if i % 2 else u.name_vi.split(" ", 1)[1]  # "Xã Châu Kim" and "Châu Kim"
            rows.append([i, name] + [GOOD[e] for e in LOCALITY])
            codes.append(u.code)
        rows.append([None, "Cộng"] + [len(group) * GOOD[e] for e in LOCALITY])
    rows.append([None, grand_label] + [len(codes) * GOOD[e] + (grand_offset if e == "dossiers_received" else 0) for e in LOCALITY])
    return xlsx(Sheet("Tổng hợp xã", rows)), sorted(codes)


@pytest.mark.parametrize("label", ["TỔNG CỘNG TOÀN TỈNH", "Tổng cộng", "TONG CONG TOAN TINH", "Toàn tỉnh", "Tổng số"])
def test_grand_totals_and_group_subtotals_are_recognised_by_meaning(engine, label):
    data, codes = _office_commune_workbook(label)
    outcome = _ingest(engine, "tong_hop_xa_t8.xlsx", data)
    assert outcome.status == "accepted" and outcome.units == codes
    assert {p.code for p in outcome.problems} <= {"missing_expected"}  # every total adds up: no warning


def test_a_grand_totals_row_that_does_not_add_up_is_a_located_warning_never_a_refusal(engine):
    data, codes = _office_commune_workbook("TỔNG CỘNG TOÀN TỈNH", grand_offset=1234)
    outcome = _ingest(engine, "tong_hop_xa_t8.xlsx", data)
    assert outcome.status == "accepted" and outcome.units == codes
    warning = [p for p in outcome.warnings if p.code == "totals_mismatch"]
    assert [(p.element, p.row) for p in warning] == [("dossiers_received", 14)]  # the last row, nowhere else
    assert "lệch 1.234 so với tổng các đơn vị" in warning[0].message("vi")
