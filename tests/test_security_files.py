"""Macro workbooks and external links (issue 17, item 3): a workbook carrying macros (a VBA project, an
Excel 4.0 macro sheet), whatever it is called, is refused with a located message in both languages and
nothing is stored; a workbook saved as .xlsm without macros is accepted; a cell whose formula takes its
value from another workbook is a located warning; a macro workbook stored before this rule is served only
as a macro-free copy."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from loaders.ingest import ingest_files
from services import lineage
from services.permissions import Actor
from storage import frames
from storage.submissions import SubmissionIn, ValueIn, record_submission
from testkit.bad_files import GOOD, Sheet, single_unit, xlsx

VBA = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 Attribute VB_Name = \"ThisWorkbook\" Sub Auto_Open() Shell(\"cmd /c calc\")"
ADMIN = Actor("quan.tri", "admin")


def _good() -> bytes:
    return xlsx(Sheet("Số liệu", single_unit("417", "Huyện Kỳ Sơn", "2024-05", GOOD)))


def _with(base: bytes, extra: dict[str, bytes], content_types: bytes | None = None) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(base)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml" and content_types:
                data = data.replace(b"</Types>", content_types + b"</Types>")
            dst.writestr(item, data)
        for name, data in extra.items():
            dst.writestr(name, data)
    return out.getvalue()


MACRO_FILES = {
    "vba_in_place": ("bao_cao.xlsm", {"xl/vbaProject.bin": VBA}, None),
    "vba_renamed_xlsx": ("bao_cao.xlsx", {"xl/vbaProject.bin": VBA}, None),
    "vba_elsewhere_by_content_type": ("bao_cao.xlsx", {"xl/media/image9.bin": VBA},
                                      b'<Override PartName="/xl/media/image9.bin" ContentType="application/vnd.ms-office.vbaProject"/>'),
    "excel4_macro_sheet": ("bao_cao.xlsm", {"xl/macrosheets/sheet1.xml": b"<xm:macrosheet/>"}, None),
}


@pytest.mark.parametrize("case", list(MACRO_FILES))
def test_a_workbook_carrying_macros_is_refused_located_and_nothing_stored(engine, case):
    name, extra, types = MACRO_FILES[case]
    report = ingest_files(engine, [(name, _with(_good(), extra, types))], submitted_by="test")
    outcome = report.files[0]
    assert outcome.status == "rejected"
    problem = next(p for p in outcome.errors if p.code == "macros_refused")
    assert problem.file == name
    assert "macro" in problem.message("vi") and "macro" in problem.message("en")
    assert "Save As" in problem.hint("en") and "Lưu thành" in problem.hint("vi")
    assert frames.load_values(engine).empty


def test_a_workbook_merely_saved_as_xlsm_is_accepted(engine):
    report = ingest_files(engine, [("bao_cao.xlsm", _good())], submitted_by="test")
    assert report.files[0].status == "accepted"


def _external(base: bytes) -> tuple[bytes, str]:
    """`base` with the first figure 1000 turned into a formula on another workbook (value cached)."""
    src, out = zipfile.ZipFile(io.BytesIO(base)), io.BytesIO()
    where = None
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet") and where is None:
                m = re.search(rb'<c r="([A-Z]+\d+)"([^>]*)><v>1000</v></c>', data)
                if m:
                    where = m.group(1).decode()
                    data = data[:m.start()] + b'<c r="' + m.group(1) + b'"' + m.group(2) + b"><f>[1]Sheet1!$D$7</f><v>1000</v></c>" + data[m.end():]
            dst.writestr(item, data)
    assert where, "no cell holding 1000"
    return out.getvalue(), where


def test_a_cell_taking_its_value_from_another_workbook_is_a_located_warning(engine):
    content, cell = _external(_good())
    report = ingest_files(engine, [("lien_ket.xlsx", content)], submitted_by="test")
    outcome = report.files[0]
    assert outcome.status == "accepted"
    warning = next(p for p in outcome.warnings if p.code == "external_link")
    assert (warning.sheet, warning.cell) == ("Số liệu", cell)
    assert "[1]Sheet1!$D$7" in warning.message("vi") and "another workbook" in warning.message("en")


def test_a_macro_workbook_stored_before_the_rule_is_served_only_without_macros(engine):
    content = _with(_good(), {"xl/vbaProject.bin": VBA},
                    b'<Override PartName="/xl/vbaProject.bin" ContentType="application/vnd.ms-office.vbaProject"/>')
    values = [ValueIn("417", "2024-05", "dossiers_received", 1000)]
    stored = record_submission(engine, SubmissionIn("locality", "cu.xlsm", content, "someone", values))
    original = lineage.original_file(engine, ADMIN, stored.submission_id)
    names = zipfile.ZipFile(io.BytesIO(original.content)).namelist()
    assert not any("vba" in n.lower() for n in names)
    assert original.filename == "cu.xlsx"
    assert b"Auto_Open" not in original.content
