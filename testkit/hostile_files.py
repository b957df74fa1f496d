"""Workbooks that cost a lot to read, written straight as XML (openpyxl would take as long to write them as
to read them): `grid(rows, cols)` is a sheet of numbers, optionally with a dimension that lies."""

from __future__ import annotations

import io
import zipfile

from openpyxl.utils import get_column_letter

_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Số liệu" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WB_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"""


def grid(rows: int, cols: int, *, dimension: str | None = "auto", modulo: int = 99991) -> bytes:
    """A one-sheet workbook of rows × cols numbers below `modulo` (a small one: a file that compresses
    better). `dimension`: "auto" (true), None (absent) or a lie."""
    if dimension == "auto":
        dimension = f"A1:{get_column_letter(cols)}{rows}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        with zf.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                       b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            if dimension:
                part.write(f'<dimension ref="{dimension}"/>'.encode())
            part.write(b"<sheetData>")
            for r in range(1, rows + 1):  # figures that differ, so that the file compresses as real ones do
                cells = b"".join(b"<c><v>%d</v></c>" % ((r * 7919 + c * 104729) % modulo) for c in range(cols))
                part.write(b'<row r="%d">' % r + cells + b"</row>")
            part.write(b"</sheetData></worksheet>")
    return out.getvalue()
