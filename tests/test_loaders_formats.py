"""Excel 97-2003 (.xls) and OpenDocument (.ods) workbooks are read as the .xlsx they were saved from
(issue 16, item 19): the same cells, the same merged header ranges, and so the same figures for the same
units. Two workbooks: an office's compiled report (titles above the table, merged two-row headers, messy
names, numbers typed as text, a "Cộng" row) and the 130-commune compiled template filled with the sample's
figures. Each is saved as .xls and .ods by LibreOffice in the test (skipped, saying why, where soffice cannot
convert), and also from copies saved once into tests/fixtures/office/ (so the comparison runs everywhere).

Hostile .ods files are refused on their declared cell box before calamine lays it out in memory."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from loaders.ingest import check_files
from loaders.problems import LoaderError
from loaders.readers import ACCEPTED_EXTENSIONS, Limits, read_book
from storage import frames
from testkit import office_formats
from tests.test_loaders_reading import _merged_two_row_header

FIXTURES = Path(__file__).parent / "fixtures" / "office"
COMPILED_PERIOD = "2025-10"


def compiled_130(engine) -> bytes:
    """The locality template of 10/2025 for the 130 communes and wards, filled with the sample's figures."""
    from loaders.template import build_template
    from sample_data.generator import generate

    values = {r.unit_code: r.values for r in generate(COMPILED_PERIOD, COMPILED_PERIOD) if r.form_code == "locality"}
    return build_template(frames.load_registry(engine), frames.load_units(engine), "locality", COMPILED_PERIOD,
                          values=values)


WORKBOOKS = {"office_report": lambda engine: _merged_two_row_header(), "compiled_130": compiled_130}


def _figures(engine, name: str, data: bytes):
    report = check_files(engine, [(name, data)], submitted_by="test")
    outcome = report.files[0]
    assert outcome.status == "accepted", [p.text("en") for p in outcome.errors]
    return outcome, sorted((v.unit_code, v.period, v.element_code, v.value) for v in outcome.values)


def _same_as_xlsx(engine, workbook: str, fmt: str, data: bytes) -> None:
    xlsx = WORKBOOKS[workbook](engine)
    a, b = read_book(f"{workbook}.xlsx", xlsx), read_book(f"{workbook}.{fmt}", data)
    assert b.kind == fmt
    assert [s.name for s in b.sheets] == [s.name for s in a.sheets]
    for sa, sb in zip(a.sheets, b.sheets):
        # The template's totals row holds formulas that openpyxl wrote without a value; LibreOffice
        # calculated them when it saved the file: every other cell is the same.
        assert len(sb.rows) == len(sa.rows)
        for r, (ra, rb) in enumerate(zip(sa.rows, sb.rows), 1):
            width = max(len(ra), len(rb))
            for c in range(1, width + 1):
                if (r, c) not in sa.formula_without_value:
                    assert sb.value(r, c) == sa.value(r, c), (sa.name, r, c)
        assert sorted(sb.merged) == sorted(sa.merged)
    want, want_values = _figures(engine, f"{workbook}.xlsx", xlsx)
    got, got_values = _figures(engine, f"{workbook}.{fmt}", data)
    assert got_values == want_values and len(got_values) > 0
    assert (got.form, got.periods, got.units) == (want.form, want.periods, want.units)
    assert sorted(p.code for p in got.problems) == sorted(p.code for p in want.problems)


@pytest.mark.parametrize("fmt", office_formats.FORMATS)
@pytest.mark.parametrize("workbook", sorted(WORKBOOKS))
def test_a_workbook_saved_once_as_xls_or_ods_reads_as_its_xlsx(engine, workbook, fmt):
    _same_as_xlsx(engine, workbook, fmt, (FIXTURES / f"{workbook}.{fmt}").read_bytes())


@pytest.mark.slow
@pytest.mark.parametrize("fmt", office_formats.FORMATS)
@pytest.mark.parametrize("workbook", sorted(WORKBOOKS))
def test_a_workbook_saved_now_by_libreoffice_reads_as_its_xlsx(engine, workbook, fmt, tmp_path):
    reason = office_formats.unavailable()
    if reason:
        pytest.skip(reason)
    data = office_formats.convert(WORKBOOKS[workbook](engine), fmt, tmp_path, workbook)
    _same_as_xlsx(engine, workbook, fmt, data)


def test_the_130_communes_are_all_read_from_the_xls(engine):
    outcome, _ = _figures(engine, "compiled_130.xls", (FIXTURES / "compiled_130.xls").read_bytes())
    assert len(outcome.units) == 130 and outcome.periods == [COMPILED_PERIOD]


def test_the_upload_accepts_the_formats_the_loaders_read():
    from ui.views import upload  # the page's list is the loaders' constant

    assert upload.UPLOAD_TYPES == list(ACCEPTED_EXTENSIONS)
    assert {"xls", "ods", "xlsx", "csv"} <= set(ACCEPTED_EXTENSIONS)


# -- hand-made .ods files: what the scan before calamine refuses -----------------------------------------

_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
       'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
       'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _ods(tables: str, extra: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NS} '
                                  f'office:version="1.2"><office:body><office:spreadsheet>{tables}'
                                  "</office:spreadsheet></office:body></office:document-content>")
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                   '<manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                   '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                   "</manifest:manifest>")
        for member, data in (extra or {}).items():
            z.writestr(member, data)
    return out.getvalue()


def _cell(v, attrs: str = "") -> str:
    kind = "float" if isinstance(v, (int, float)) else "string"
    value = f' office:value="{v}"' if kind == "float" else ""
    return f'<table:table-cell office:value-type="{kind}"{value}{attrs}><text:p>{v}</text:p></table:table-cell>'


def _sheet(name: str, rows: str) -> str:
    return f'<table:table table:name="{name}">{rows}</table:table>'


def test_a_hand_made_ods_gives_its_cells_and_merged_ranges():
    rows = ("<table:table-row>" + _cell("Đơn vị", ' table:number-columns-spanned="2"') + "<table:covered-table-cell/>"
            + "</table:table-row><table:table-row>" + _cell("Xã Một") + _cell(1000) + _cell(2.5) + "</table:table-row>"
            + '<table:table-row table:number-rows-repeated="1048570"><table:table-cell table:number-columns-repeated="1024"/>'
            + "</table:table-row>")
    book = read_book("tay.ods", _ods(_sheet("Số liệu", rows)))
    sheet = book.sheets[0]
    assert (book.kind, sheet.name) == ("ods", "Số liệu")
    assert sheet.rows == [("Đơn vị",), ("Xã Một", 1000, 2.5)]  # trailing empty rows and cells dropped
    assert sheet.merged == [(1, 1, 1, 2)]


@pytest.mark.parametrize("rows, code", [
    # One value repeated 100,000 rows × 500 columns: 50 million cells declared in a few hundred bytes.
    ('<table:table-row table:number-rows-repeated="100000"><table:table-cell table:number-columns-repeated="500" '
     'office:value-type="float" office:value="1"/></table:table-row>', "too_many_cells"),
    # Two values far apart: the box between them is what calamine would lay out.
    ("<table:table-row>" + _cell(1) + "</table:table-row>"
     '<table:table-row table:number-rows-repeated="5000"><table:table-cell table:number-columns-repeated="300"/></table:table-row>'
     "<table:table-row>" + '<table:table-cell table:number-columns-repeated="299"/>' + _cell(2) + "</table:table-row>",
     "too_many_cells"),
    ('<table:table-row>' + '<table:table-cell table:number-columns-repeated="600"/>' + _cell(1) + "</table:table-row>",
     "too_many_columns"),
    ('<table:table-row table:number-rows-repeated="200">' + _cell(1) + "</table:table-row>", "too_many_rows"),
])
def test_an_ods_declaring_too_many_cells_is_refused_before_it_is_parsed(rows, code):
    with pytest.raises(LoaderError) as err:
        read_book("bom.ods", _ods(_sheet("S", rows)), Limits(max_rows=100) if code == "too_many_rows" else Limits())
    assert [p.code for p in err.value.problems] == [code]


def test_an_ods_with_basic_macros_is_refused():
    data = _ods(_sheet("S", "<table:table-row>" + _cell(1) + "</table:table-row>"),
                {"Basic/Standard/Module1.xml": b"<script:module/>"})
    with pytest.raises(LoaderError) as err:
        read_book("macro.ods", data)
    assert [p.code for p in err.value.problems] == ["macros_refused"]
