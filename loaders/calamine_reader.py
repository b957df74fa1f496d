"""Excel 97-2003 (.xls) and OpenDocument (.ods) workbooks, read with python-calamine (Rust), into the same
sheets of cell values as the .xlsx reader gives: 1-based rows and columns from A1, whole numbers as `int`,
dates as `datetime`, empty cells as None, merged ranges, hidden sheets apart.

The limits hold before calamine parses: the caller has checked the file's size (and, for an .ods, the zip's
declared size and ratio). An .ods's table XML is then scanned (streamed, no tree) for the box its non-empty
cells span, with every `number-rows-repeated`/`number-columns-repeated` counted, so that a file declaring
a value repeated a million times a million times is refused on its cell count before calamine would lay
the box out in memory; the scan also gives the merged ranges (`number-rows-spanned`/`-columns-spanned`),
which calamine does not report for .ods. An .xls cannot declare more than its format holds (65,536 rows ×
256 columns) and every cell is a record in the file; its box is checked against the cell budget as soon as
calamine has it, before a row is converted. A workbook carrying macros (a VBA project, macro sheets,
OpenDocument Basic or scripts) is refused as an .xlsm with macros is.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

from loaders.problems import LoaderError, Problem

ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_VBA_STORAGE = "_VBA_PROJECT".encode("utf-16-le")  # the OLE2 directory entry of an .xls's VBA project


def _problem(code: str, name: str, sheet: str | None = None, **params) -> LoaderError:
    return LoaderError([Problem(code, file=name, sheet=sheet, params=params)])


def xls_carries_macros(content: bytes) -> bool:
    """An OLE2 workbook with a VBA project storage (`_VBA_PROJECT_CUR`)."""
    return _VBA_STORAGE in content


def ods_carries_macros(names: set[str]) -> bool:
    return any(n.startswith(("Basic/", "Scripts/")) for n in names)


def read_calamine(name: str, content: bytes, kind: str, limits, refuse, ods_boxes: dict | None = None):
    """The visible worksheets of an .xls or .ods (`kind`) as (sheets, hidden): each sheet (name, rows,
    merged ranges), which loaders.readers makes its RawSheet; the names of the hidden ones. `ods_boxes`:
    per sheet, the merged ranges found by `scan_ods` (.ods only)."""
    from python_calamine import (
        CalamineWorkbook,
        PasswordError,
        SheetTypeEnum,
        SheetVisibleEnum,
    )

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except PasswordError:
        raise refuse("encrypted_file") from None
    except Exception:  # noqa: BLE001 - CalamineError or any failure inside a damaged file means "damaged"
        raise refuse("damaged_file") from None
    sheets, hidden = [], []
    try:
        meta = wb.sheets_metadata
        if any(m.typ not in (SheetTypeEnum.WorkSheet, SheetTypeEnum.ChartSheet) for m in meta):
            raise refuse("macros_refused")  # Excel 4.0 macro sheets, VBA modules, dialog sheets
        total = 0
        for m in meta:
            if m.typ != SheetTypeEnum.WorkSheet:
                continue
            if m.visible != SheetVisibleEnum.Visible:
                hidden.append(m.name)
                continue
            sheet = wb.get_sheet_by_name(m.name)
            height, width = sheet.total_height, sheet.total_width
            if width > limits.max_columns:
                raise _problem("too_many_columns", name, m.name, max_columns=limits.max_columns)
            if height > limits.max_rows:
                raise _problem("too_many_rows", name, m.name, max_rows=limits.max_rows)
            total += height * width
            if total > limits.max_cells:
                raise _problem("too_many_cells", name, m.name, max_cells=limits.max_cells)
            rows = [_row(r) for r in sheet.to_python(skip_empty_area=False)]
            while rows and not rows[-1]:
                rows.pop()
            if kind == "ods":
                merged = list((ods_boxes or {}).get(m.name, ()))
            else:
                merged = [(r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
            sheets.append((m.name, rows, merged))
    except LoaderError:
        raise
    except Exception:  # noqa: BLE001 - a sheet calamine cannot parse is a damaged file, not a crash
        raise refuse("damaged_file") from None
    finally:
        wb.close()
    return sheets, hidden


def _cell(value):
    """calamine's value as openpyxl gives it: "" is an empty cell, 1000.0 is 1000, a date a datetime."""
    if value == "" or value is None:
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def _row(values) -> tuple:
    # `_cell` for each value, with the two common cases (a number, a text) inline: a compiled workbook's
    # sheet is some 2,500 cells.
    row = []
    append = row.append
    for v in values:
        t = type(v)
        if t is float:
            append(int(v) if v.is_integer() and abs(v) < 2**53 else v)
        elif t is str:
            append(v if v else None)
        else:
            append(_cell(v))
    while row and row[-1] is None:
        row.pop()
    return tuple(row)


# --- the .ods scan ---------------------------------------------------------------------------------------

_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)(?=[\s/>])([^>]*)>")
_ATTR = re.compile(rb'table:(name|number-rows-repeated|number-columns-repeated|number-rows-spanned|number-columns-spanned)="([^"]*)"')


def scan_ods(name: str, archive: zipfile.ZipFile, limits) -> dict[str, list[tuple[int, int, int, int]]]:
    """Refuse an .ods whose sheets' non-empty cells span more than the limits (rows, columns, cells over
    every sheet); otherwise its merged ranges per sheet (min_row, min_col, max_row, max_col)."""
    try:
        xml = archive.read("content.xml")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _problem("damaged_file", name) from None
    merges: dict[str, list] = {}
    total = 0
    sheet, row, col, row_rep = None, 0, 0, 1
    box = None  # min_row, min_col, max_row, max_col of the sheet's non-empty cells
    pending_row_cells: list[tuple[int, int]] = []  # (first col, last col) of the row's non-empty cells

    def close_sheet():
        nonlocal total
        if sheet is None or box is None:
            return
        rows, cols = box[2], box[3]  # calamine lays a sheet out from A1 when asked for the whole area
        if cols > limits.max_columns:
            raise _problem("too_many_columns", name, sheet, max_columns=limits.max_columns)
        if rows > limits.max_rows:
            raise _problem("too_many_rows", name, sheet, max_rows=limits.max_rows)
        total += (box[2] - box[0] + 1) * (box[3] - box[1] + 1)
        if total > limits.max_cells:
            raise _problem("too_many_cells", name, sheet, max_cells=limits.max_cells)

    for m in _TAG.finditer(xml):
        closing, tag, attrs = m.group(1), m.group(2), m.group(3)
        empty = attrs.endswith(b"/")
        # Attributes are parsed only where they matter (a sheet's name, a repeat or a span): most cells
        # have none of them, and the scan stays a few times cheaper than calamine's own parse.
        a = {k.decode(): v.decode("utf-8", "replace") for k, v in _ATTR.findall(attrs)} \
            if (b"number-" in attrs or tag == b"table") else {}
        if tag == b"table":
            if closing:
                close_sheet()
                sheet = None
            else:
                close_sheet()
                sheet = _unescape(a.get("name", ""))
                row, box = 0, None
                merges.setdefault(sheet, [])
            continue
        if tag == b"table-row":
            if closing:
                if pending_row_cells:
                    first, last = pending_row_cells[0][0], pending_row_cells[-1][1]
                    top, bottom = row + 1, row + row_rep
                    box = (top, first, bottom, last) if box is None else (
                        min(box[0], top), min(box[1], first), max(box[2], bottom), max(box[3], last))
                row += row_rep
                continue
            row_rep = _count(a.get("number-rows-repeated"))
            col, pending_row_cells = 0, []
            if empty:  # <table:table-row/>: an empty row
                row += row_rep
            continue
        if closing:
            continue
        rep = _count(a.get("number-columns-repeated")) if a else 1
        if tag == b"table-cell":
            if not empty or b"office:value-type=" in attrs:
                pending_row_cells.append((col + 1, col + rep))
            if a and sheet is not None:
                rspan, cspan = _count(a.get("number-rows-spanned")), _count(a.get("number-columns-spanned"))
                if rspan > 1 or cspan > 1:
                    merges[sheet].append((row + 1, col + 1, row + rspan, col + cspan))
        col += rep
    close_sheet()
    return merges


def _count(text: str | None) -> int:
    try:
        return max(1, int(text)) if text else 1
    except ValueError:
        return 1


def _unescape(text: str) -> str:
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'")
            .replace("&amp;", "&"))
