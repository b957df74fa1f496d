"""Reading the monthly report's files back as a person would see them, for the tests/test_reports_*.py:
the sheets of the Excel pack as tables keyed by their headers, the Word document's text and tables."""

from __future__ import annotations

import io
import zipfile

import openpyxl
from docx import Document


def workbook(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data))


def header_row(ws, first_label: str, nth: int = 1) -> int:
    """The row whose column A holds `first_label` (a table's header); the `nth` such row."""
    seen = 0
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == first_label:
            seen += 1
            if seen == nth:
                return row[0].row
    raise AssertionError(f"no header starting with {first_label!r} in sheet {ws.title!r}")


def table(ws, first_label: str, nth: int = 1) -> list[dict]:
    """The rows under the (`nth`) header starting with `first_label`, as {header: value}, up to the first
    empty row."""
    top = header_row(ws, first_label, nth)
    headers = [c.value for c in ws[top]]
    rows = []
    for row in ws.iter_rows(min_row=top + 1, values_only=True):
        if all(v is None for v in row):
            break
        rows.append({h: v for h, v in zip(headers, row) if h is not None})
    return rows


def text_cells(wb) -> list[str]:
    return [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]


def document(data: bytes):
    return Document(io.BytesIO(data))


def _cell_text(cell) -> str:
    return "\n".join(p.text for p in cell.paragraphs)


def doc_paragraphs(data: bytes) -> list[str]:
    """The body's paragraphs (outside tables), in order."""
    return [p.text for p in document(data).paragraphs]


def doc_tables(data: bytes) -> list[list[list[str]]]:
    """Every table of the body as rows of cell texts (the header block and the signature block included)."""
    return [[[_cell_text(c) for c in row.cells] for row in t.rows] for t in document(data).tables]


def doc_text(data: bytes) -> str:
    """All the text a reader sees: paragraphs and tables."""
    doc = document(data)
    parts = [p.text for p in doc.paragraphs]
    for t in doc.tables:
        for row in t.rows:
            parts.extend(_cell_text(c) for c in row.cells)
    return "\n".join(parts)


def zip_members(data: bytes, skip_prefix: str = "docProps/") -> dict[str, bytes]:
    """The parts of an Office file, without its properties (creation time)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist() if not n.startswith(skip_prefix)}
