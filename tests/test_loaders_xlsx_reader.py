""".xlsx read by python-calamine (issue 15, item 4) reads what openpyxl read, cell for cell: title rows,
merged two-row headers, numbers typed as text with dots as thousands separators, totals rows, dates, error
values, hidden sheets; a formula without a cached value is still refused with the same message, a link to
another workbook still a located warning. The reference is the openpyxl path itself (still the reader of
the files calamine's path leaves to it), run on the same bytes in the test."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from loaders import readers
from loaders.ingest import check_files
from loaders.readers import read_book
from testkit import bad_files
from testkit.bad_files import GOOD, Sheet, good_single, single_unit, xlsx
from testkit.hostile_files import grid
from tests.test_loaders_formats import compiled_130
from tests.test_loaders_reading import _merged_two_row_header, _office_commune_workbook

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata"


def _with_openpyxl(name: str, content: bytes, monkeypatch):
    """The same file through the openpyxl path (the reader before calamine, and its fallback now)."""
    with monkeypatch.context() as m:
        m.setattr(readers, "_workbook_layout", lambda *_: None)
        return read_book(name, content)


def _by_calamine(name: str, content: bytes, monkeypatch):
    """read_book, failing the test if the file went to the openpyxl fallback."""
    def no_fallback(*_args):
        raise AssertionError(f"{name} was read by openpyxl, not calamine")

    with monkeypatch.context() as m:
        m.setattr(readers, "_read_xlsx_openpyxl", no_fallback)
        return read_book(name, content)


def _plain(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _assert_same_book(a, b) -> None:
    assert (b.kind, b.hidden_sheets) == (a.kind, a.hidden_sheets)
    assert [(p.code, p.sheet, p.row, p.column, p.params) for p in b.notes] == \
           [(p.code, p.sheet, p.row, p.column, p.params) for p in a.notes]
    assert [s.name for s in b.sheets] == [s.name for s in a.sheets]
    for sa, sb in zip(a.sheets, b.sheets):
        assert len(sb.rows) == len(sa.rows), sa.name
        for r, (ra, rb) in enumerate(zip(sa.rows, sb.rows), 1):
            # openpyxl gives 1000 for <v>1000</v> and 1000.0 for <v>1000.0</v>; calamine a float for both,
            # made an int when whole: the figure read is the same.
            assert [_plain(v) for v in rb] == [_plain(v) for v in ra], (sa.name, r)
        assert sorted(sb.merged) == sorted(sa.merged)
        assert sb.formula_without_value == sa.formula_without_value


def _office_workbooks(engine) -> dict[str, bytes]:
    commune, _ = _office_commune_workbook("Tổng cộng")
    files = {
        "bao_cao_tong_hop.xlsx": _merged_two_row_header(),  # titles, merged headers, text numbers, "Cộng" row
        "xa_phuong.xlsx": commune,  # group subtotals and a grand total by meaning
        "tong_hop_130.xlsx": compiled_130(engine),  # the 130-commune template, formulas in its totals row
        "ky_son.xlsx": good_single(),
    }
    files.update({c.filename: c.make() for c in bad_files.CASES if c.filename.endswith((".xlsx", ".xlsm"))})
    files.update({p.name: p.read_bytes() for p in sorted(TESTDATA.glob("*.xls[xm]"))})
    return files


def test_office_workbooks_read_cell_for_cell_as_openpyxl_read_them(engine, monkeypatch):
    files = _office_workbooks(engine)
    assert len(files) > 20
    for name, content in files.items():
        try:
            before = _with_openpyxl(name, content, monkeypatch)
        except readers.LoaderError as refused:
            with pytest.raises(readers.LoaderError) as again:
                read_book(name, content)
            assert [p.code for p in again.value.problems] == [p.code for p in refused.problems], name
            continue
        _assert_same_book(before, read_book(name, content))


def test_the_compiled_and_office_workbooks_are_read_by_calamine_not_the_fallback(engine, monkeypatch):
    book = _by_calamine("bao_cao_tong_hop.xlsx", _merged_two_row_header(), monkeypatch)
    assert book.sheets[0].merged  # the merged two-row header, from the sheet's XML
    texts = [v for row in book.sheets[0].rows for v in row if isinstance(v, str)]
    assert any("." in t and t.replace(".", "").isdigit() for t in texts)  # "1.234" stays text, read by the loaders
    _by_calamine("tong_hop_130.xlsx", compiled_130(engine), monkeypatch)


def test_the_figures_of_an_office_workbook_are_the_same_through_both_readers(engine, monkeypatch):
    data = _merged_two_row_header()
    now = sorted((v.unit_code, v.element_code, v.value) for v in check_files(engine, [("a.xlsx", data)],
                                                                              submitted_by="t").files[0].values)
    with monkeypatch.context() as m:
        m.setattr(readers, "_workbook_layout", lambda *_: None)
        before = sorted((v.unit_code, v.element_code, v.value) for v in check_files(engine, [("a.xlsx", data)],
                                                                                     submitted_by="t").files[0].values)
    assert now == before and len(now) > 10


def test_a_formula_without_a_cached_value_is_still_refused_with_the_same_message(engine, monkeypatch):
    case = next(c for c in bad_files.CASES if c.name == "formula_without_value")
    data = case.make()
    book = _by_calamine(case.filename, data, monkeypatch)
    assert book.sheets[0].formula_without_value
    outcome = check_files(engine, [(case.filename, data)], submitted_by="test").files[0]
    problem = next(p for p in outcome.errors if p.code == "formula_no_value")
    assert outcome.status == "rejected"
    assert problem.message("vi") == bad_files.expected_message(case, data)
    assert "Ô có công thức nhưng chưa có giá trị tính sẵn" in problem.message("vi")


def test_an_error_value_in_a_figure_cell_is_not_read_as_a_blank(engine, monkeypatch):
    data = good_single(dossiers_resolved="=1/0")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    cell = next(c for row in ws.iter_rows() for c in row if c.value == "=1/0")
    coordinate = cell.coordinate
    out = io.BytesIO()
    wb.save(out)
    # Excel stores the error as the cell's cached value: <c t="e"><f>1/0</f><v>#DIV/0!</v></c>.
    with zipfile.ZipFile(out) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/sheet"))
    xml = parts[sheet].decode()
    start = xml.index(f'r="{coordinate}"')
    cell_end = xml.index("</c>", start)
    tag_start = xml.rindex("<c ", 0, start)
    parts[sheet] = (xml[:tag_start] + f'<c r="{coordinate}" t="e"><f>1/0</f><v>#DIV/0!</v>' + xml[cell_end:]).encode()
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w", zipfile.ZIP_DEFLATED) as dst:
        for n, b in parts.items():
            dst.writestr(n, b)
    content = patched.getvalue()
    book = _by_calamine("loi.xlsx", content, monkeypatch)
    assert "#DIV/0!" in [v for row in book.sheets[0].rows for v in row]
    _assert_same_book(_with_openpyxl("loi.xlsx", content, monkeypatch), book)
    outcome = check_files(engine, [("loi.xlsx", content)], submitted_by="test").files[0]
    assert [p.code for p in outcome.errors] == ["not_a_number"]


def test_dates_booleans_and_hidden_sheets_read_as_openpyxl_read_them(monkeypatch):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    ws.append(["Hạn nộp", dt.datetime(2024, 6, 5), dt.date(2024, 6, 5), dt.time(8, 30), True, 0.25, -3, "  1.234.567 "])
    ws["B1"].number_format = "dd/mm/yyyy"
    hidden = wb.create_sheet("Ẩn")
    hidden.sheet_state = "hidden"
    hidden["A1"] = 1
    out = io.BytesIO()
    wb.save(out)
    content = out.getvalue()
    book = _by_calamine("ngay.xlsx", content, monkeypatch)
    assert book.hidden_sheets == ["Ẩn"]
    assert book.sheets[0].rows[0][1:3] == (dt.datetime(2024, 6, 5), dt.datetime(2024, 6, 5))
    _assert_same_book(_with_openpyxl("ngay.xlsx", content, monkeypatch), book)


def test_cells_without_a_reference_are_left_to_openpyxl_and_read_the_same():
    # hostile_files.grid writes <c><v>…</v></c>, as some programs do: calamine would place such cells by
    # counting, which the box cannot bound before it parses; openpyxl streams them as before.
    book = read_book("luoi.xlsx", grid(30, 5))
    assert len(book.sheets[0].rows) == 30 and len(book.sheets[0].rows[0]) == 5


def test_a_damaged_part_is_still_refused_as_damaged():
    data = xlsx(Sheet("Số liệu", single_unit("417", "Huyện Kỳ Sơn", "2024-05", GOOD)))
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    parts["xl/styles.xml"] = parts["xl/styles.xml"][:-40]  # cut short: no longer XML
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for n, b in parts.items():
            dst.writestr(n, b)
    with pytest.raises(readers.LoaderError) as refused:
        read_book("hong.xlsx", out.getvalue())
    assert [p.code for p in refused.value.problems] == ["damaged_file"]
