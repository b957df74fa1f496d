"""The error workbook a submitter downloads: the submitted sheet with the offending cells highlighted and
commented in Vietnamese and English, a first sheet listing every problem with a link to its cell, text
from a CSV guarded against formula injection, and only the list for a file that was never readable."""

from __future__ import annotations

import io

import openpyxl

from loaders.error_workbook import ERROR_FILL, WARNING_FILL, build
from loaders.ingest import ingest_files
from testkit.bad_files import (
    GOOD,
    LOCALITY,
    NAMES,
    Sheet,
    compiled,
    csv_bytes,
    good_single,
    xlsx,
    zip_bomb,
)


def _problems(engine, name, data):
    return ingest_files(engine, [(name, data)], submitted_by="t", dry_run=True).files[0].problems


def test_offending_cells_are_highlighted_and_commented(engine):
    data = good_single("2024-05", dossiers_received_online=1200, dossiers_with_fee="abc")
    wb = openpyxl.load_workbook(io.BytesIO(build("loi.xlsx", data, _problems(engine, "loi.xlsx", data))))
    assert wb.sheetnames == ["Danh sách lỗi", "Số liệu"]
    ws = wb["Số liệu"]
    assert ws["D8"].fill.fgColor.rgb.endswith(ERROR_FILL.fgColor.rgb[-6:])
    assert "lớn hơn" in ws["D8"].comment.text and "is above" in ws["D8"].comment.text
    assert "'abc' không phải là số" in ws["D14"].comment.text
    assert ws["D7"].comment is None  # a good cell is left alone
    listing = wb["Danh sách lỗi"]
    assert [c.value for c in listing[3]][:3] == ["Mức độ", "Trang tính", "Ô"]
    cells = {row[2].value: row[2].hyperlink.location or row[2].hyperlink.target for row in listing.iter_rows(min_row=4) if row[2].hyperlink}
    assert set(cells) == {"D8", "D14"}


def test_warnings_are_marked_in_their_own_colour(engine):
    rows = compiled("2024-05", [("417", "Huyện Kỳ Sơn")], {"417": GOOD}, total=False)
    rows.append([None, None, "Tổng cộng"] + [GOOD[e] + 1 for e in LOCALITY])
    data = xlsx(Sheet("Tổng hợp", rows))
    wb = openpyxl.load_workbook(io.BytesIO(build("t.xlsx", data, _problems(engine, "t.xlsx", data), lang="en")))
    assert wb.sheetnames[0] == "Problems"
    assert wb["Tổng hợp"]["D5"].fill.fgColor.rgb.endswith(WARNING_FILL.fgColor.rgb[-6:])


def test_a_csv_becomes_a_sheet_and_formula_text_stays_text(engine):
    rows = [["Mã đơn vị", "Kỳ báo cáo"] + [NAMES[e] for e in LOCALITY],
            ["=HYPERLINK(\"http://x\")", "05/2024"] + [GOOD[e] for e in LOCALITY]]
    data = csv_bytes(rows)
    wb = openpyxl.load_workbook(io.BytesIO(build("d.csv", data, _problems(engine, "d.csv", data))))
    cell = wb["d.csv"]["A2"]
    assert cell.value == "'=HYPERLINK(\"http://x\")" and cell.data_type == "s"
    assert "Không nhận ra đơn vị" in cell.comment.text


def test_a_file_that_was_never_readable_gets_the_list_only(engine):
    data = zip_bomb()
    wb = openpyxl.load_workbook(io.BytesIO(build("bom.xlsx", data, _problems(engine, "bom.xlsx", data))))
    assert wb.sheetnames == ["Danh sách lỗi"]
    assert "giải nén" in wb["Danh sách lỗi"]["G4"].value
