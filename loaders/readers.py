"""From bytes to sheets of cell values, safely: .xlsx/.xlsm (openpyxl, read-only, cached formula values),
.xls (Excel 97-2003) and .ods (OpenDocument) through python-calamine (loaders.calamine_reader), .csv
(UTF-8 with or without BOM, UTF-16 as Excel writes it; comma, semicolon or tab).

Hostile files are refused before they are parsed: the size is checked first, then an .xlsx's declared
uncompressed size against its compressed size (a zip bomb declares gigabytes in kilobytes; Python's
zipfile never inflates a member beyond its declared size, so the declaration is a safe bound). A workbook
carrying macros (a VBA project, Excel 4.0 macro sheets) is refused: its original would be offered for
download to the agency. External links are never followed (a formula taking its value from another
workbook is a located warning), hidden sheets never read, and rows and columns are bounded.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from loaders.problems import LoaderError, Problem

# The file types an upload may carry (the upload page's list): workbooks, and CSV or tab-separated text.
ACCEPTED_EXTENSIONS = ("xlsx", "xlsm", "xls", "ods", "csv", "txt", "tsv")
MAX_COLUMNS = 512  # no submission form is wider; a sheet that claims more is refused, not truncated
_SMALL_ARCHIVE = 1 << 20  # below 1 MB uncompressed an archive cannot hurt, whatever its ratio


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    max_uncompressed_ratio: float = 100.0
    max_columns: int = MAX_COLUMNS
    max_cells: int = 1_000_000  # over every visible sheet; counted in the sheet XML before openpyxl reads it
    # Parsing in a worker process (loaders/pool.py isolated_map) with these limits; parse_seconds 0: in this
    # process, without limits.
    parse_seconds: int = 0
    parse_memory_mb: int = 0

    @classmethod
    def from_settings(cls, settings: dict) -> "Limits":
        return cls(
            max_bytes=int(settings["max_upload_mb"]) * 1024 * 1024,
            max_rows=int(settings["max_rows"]),
            max_uncompressed_bytes=int(settings["max_uncompressed_mb"]) * 1024 * 1024,
            max_uncompressed_ratio=float(settings["max_uncompressed_ratio"]),
            max_cells=int(settings.get("max_cells", cls.max_cells)),
            parse_seconds=int(settings.get("parse_seconds", cls.parse_seconds)),
            parse_memory_mb=int(settings.get("parse_memory_mb", cls.parse_memory_mb)),
        )


@dataclass
class RawSheet:
    """One visible sheet: its rows of cell values (1-based rows and columns in everything built on it),
    its merged ranges, and the cells holding a formula whose value was never calculated."""

    name: str
    rows: list[tuple]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_row, min_col, max_row, max_col
    formula_without_value: set[tuple[int, int]] = field(default_factory=set)

    def value(self, row: int, col: int):
        if row < 1 or row > len(self.rows):
            return None
        r = self.rows[row - 1]
        return r[col - 1] if 0 < col <= len(r) else None


@dataclass
class RawBook:
    name: str
    kind: str  # "xlsx" | "xls" | "ods" | "csv"
    sheets: list[RawSheet]
    hidden_sheets: list[str] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # warnings about the file itself (macros ignored)


def read_book(name: str, content: bytes, limits: Limits = Limits()) -> RawBook:
    """The visible sheets of a submitted file. Raises LoaderError (located at the file) for anything that
    is not a readable, reasonably sized workbook or CSV."""

    def refuse(code: str, **params) -> LoaderError:
        return LoaderError([Problem(code, file=name, params=params)])

    if len(content) > limits.max_bytes:
        raise refuse("file_too_large", size_mb=round(len(content) / 1048576, 1), max_mb=limits.max_bytes // 1048576)
    if not content.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise refuse("empty_file")
    head = content[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # OLE2: an Excel 97-2003 workbook, or an .xlsx protected with a password (stored encrypted in OLE2).
        if "EncryptionInfo".encode("utf-16-le") in content[:65536] or b"EncryptionInfo" in content[:65536]:
            raise refuse("encrypted_file")
        from loaders.calamine_reader import read_calamine, xls_carries_macros

        if xls_carries_macros(content):
            raise refuse("macros_refused")
        return _book(name, "xls", read_calamine(name, content, "xls", limits, refuse))
    if head.startswith(b"PK"):
        return _read_zip(name, content, limits, refuse)
    if head.startswith(b"%PDF") or head[:4] in (b"\x89PNG", b"GIF8") or head[:3] == b"\xff\xd8\xff":
        raise refuse("not_spreadsheet")
    text = _decode(content, refuse)
    sniff = text.lstrip()[:2048].lower()
    if sniff.startswith("<") and ("<html" in sniff or "<table" in sniff or "<?xml" in sniff or "<workbook" in sniff):
        # "Save as Web page" or Excel 2003 XML renamed to .xls: not the .xlsx it looks like.
        raise refuse("save_as_xlsx")
    if sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\t\r\n") > 8:
        raise refuse("not_spreadsheet")
    return RawBook(name, "csv", [_read_csv(name, text, limits, refuse)])


# --- .xlsx ---------------------------------------------------------------------------------------------

def _read_zip(name: str, content: bytes, limits: Limits, refuse) -> RawBook:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise refuse("damaged_file") from None
    with archive:
        return _read_archive(name, content, archive, members, limits, refuse)


def _read_archive(name: str, content: bytes, archive: zipfile.ZipFile, members, limits: Limits, refuse) -> RawBook:
    declared = sum(m.file_size for m in members)
    ratio = declared / max(len(content), 1)
    if len(members) > 10_000 or declared > limits.max_uncompressed_bytes or (
        declared > _SMALL_ARCHIVE and ratio > limits.max_uncompressed_ratio
    ):
        raise refuse("zip_bomb", uncompressed_mb=round(declared / 1048576, 1), ratio=round(ratio))
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        if "content.xml" in names and "mimetype" in names:
            return _read_ods(name, content, archive, names, limits, refuse)
        if any(n.startswith("xl/") for n in names):
            raise refuse("damaged_file")
        raise refuse("not_spreadsheet")
    if carries_macros(archive, names):
        # Macros are never run here, but the original file is kept and offered for download to the agency
        # and administrators: a file that would run code on their machines is not accepted at all.
        raise refuse("macros_refused")
    notes: list[Problem] = []
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True, keep_links=False, keep_vba=False)
    except Exception:  # noqa: BLE001 - any failure inside a hostile or damaged archive means "damaged"
        raise refuse("damaged_file") from None
    sheets, hidden = [], []
    try:
        _check_cell_budget(name, wb, archive, limits)
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                hidden.append(ws.title)
                continue
            sheets.append(_read_worksheet(name, ws, archive, limits, notes))
    except LoaderError:
        raise
    except Exception:  # noqa: BLE001 - a sheet openpyxl cannot parse is a damaged file, not a crash
        raise refuse("damaged_file") from None
    finally:
        wb.close()
    return RawBook(name, "xlsx", sheets, hidden, notes)


def _read_ods(name: str, content: bytes, archive: zipfile.ZipFile, names: set[str], limits: Limits, refuse) -> RawBook:
    """An OpenDocument spreadsheet (its zip already checked): its cell box scanned against the limits,
    then read by calamine. Another OpenDocument (a text, a drawing) is no spreadsheet."""
    from loaders.calamine_reader import ODS_MIMETYPE, ods_carries_macros, read_calamine, scan_ods

    try:
        mimetype = archive.read("mimetype").strip()
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise refuse("damaged_file") from None
    if mimetype != ODS_MIMETYPE:
        raise refuse("not_spreadsheet")
    if ods_carries_macros(names):
        raise refuse("macros_refused")
    merged = scan_ods(name, archive, limits)
    return _book(name, "ods", read_calamine(name, content, "ods", limits, refuse, merged))


def _book(name: str, kind: str, read: tuple[list, list[str]]) -> RawBook:
    sheets, hidden = read
    return RawBook(name, kind, [RawSheet(title, rows, merged) for title, rows, merged in sheets], hidden)


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]{1,3}\d+)(?::([A-Z]{1,3}\d+))?"')
_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _check_cell_budget(name: str, wb, archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse, before any cell is read, a workbook whose visible sheets hold more than `max_cells` cells:
    each sheet's declared dimension first (one look at its first kilobytes), then its cells counted in the
    XML itself (a dimension can lie or be missing), streamed in chunks; openpyxl would take about 5 µs and
    far more memory per cell (a 99,000 × 120 sheet: a minute and 600 MB)."""
    total = 0
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        path = ws._worksheet_path.lstrip("/")
        declared = _declared_cells(archive, path)
        if declared is not None and total + declared > limits.max_cells:
            raise LoaderError([Problem("too_many_cells", file=name, sheet=ws.title, params={"max_cells": limits.max_cells})])
        total += _count_cells(archive, path)
        if total > limits.max_cells:
            raise LoaderError([Problem("too_many_cells", file=name, sheet=ws.title, params={"max_cells": limits.max_cells})])


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"')


def _declared_cells(archive: zipfile.ZipFile, path: str) -> int | None:
    from openpyxl.utils.cell import column_index_from_string

    with archive.open(path) as fh:
        head = fh.read(4096)
    m = _DIMENSION.search(head)
    if not m or not m.group(3):
        return None
    rows = int(m.group(4)) - int(m.group(2)) + 1
    cols = column_index_from_string(m.group(3).decode()) - column_index_from_string(m.group(1).decode()) + 1
    return max(rows, 0) * max(cols, 0)


_CELL_TAG = re.compile(rb"<(?:\w+:)?c[\s>/]")


def _count_cells(archive: zipfile.ZipFile, path: str, chunk: int = 1 << 20) -> int:
    """The `<c>` elements of a sheet's XML, read in 1 MB chunks (a tag cut by a chunk's end is counted
    once: the tail of each chunk is carried over)."""
    n, tail = 0, b""
    with archive.open(path) as fh:
        while True:
            data = fh.read(chunk)
            if not data:
                break
            buf = tail + data
            cut = max(0, len(buf) - 16)  # tags starting before `cut` are counted now, the others with the next chunk
            if b":c" in buf:  # namespace-prefixed tags (<x:c ...>): the slower regular expression
                n += sum(1 for m in _CELL_TAG.finditer(buf) if m.start() < cut)
            else:
                n += buf.count(b"<c ", 0, cut + 2) + buf.count(b"<c>", 0, cut + 2) + buf.count(b"<c/", 0, cut + 2)
            tail = buf[cut:]
    n += len(_CELL_TAG.findall(tail))
    return n


def carries_macros(archive: zipfile.ZipFile, names: set[str] | None = None) -> bool:
    """Whether an OOXML package holds macros: a VBA project (wherever it is stored and however it is
    named: the content types say what a part is), Excel 4.0 macro sheets, or dialog sheets."""
    names = names if names is not None else {m.filename for m in archive.infolist()}
    lowered = {n.lower() for n in names}
    if any(n.endswith("vbaproject.bin") or n.startswith(("xl/macrosheets/", "xl/dialogsheets/")) for n in lowered):
        return True
    try:
        types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except Exception:  # noqa: BLE001 - unreadable content types: judged by the names alone
        types = b""
    return bool(_MACRO_TYPES.search(types))


def content_carries_macros(content: bytes) -> bool:
    """`carries_macros` for a stored file's bytes (False for anything that is not a zip package)."""
    if not content.startswith(b"PK"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return carries_macros(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False


def macro_free_copy(content: bytes) -> bytes:
    """A workbook's values, formulas and styles saved again without its macros (a file stored before macro
    workbooks were refused is served only this way)."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(content), keep_vba=False, keep_links=False, rich_text=False)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# (A workbook merely saved as .xlsm says "macroEnabled" without holding any macro: that one is accepted.)
_MACRO_TYPES = re.compile(rb"vbaProject|macrosheet|dialogsheet", re.IGNORECASE)
# A formula taking its value from another workbook: `[1]Sheet1!A1`, `'[1]Số liệu'!B2`, `[Book2.xlsx]S!A1`.
_EXTERNAL_REF = re.compile(rb"\[[^\]<]{1,200}\][^!<]{0,200}!")
_FORMULA_TEXT = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?>([^<]*)</(?:\w+:)?f>")


def _read_worksheet(name: str, ws, archive: zipfile.ZipFile, limits: Limits, notes: list | None = None) -> RawSheet:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    max_col = ws.max_column if isinstance(ws.max_column, int) else None
    if max_col is not None and max_col > limits.max_columns:
        raise LoaderError([Problem("too_many_columns", file=name, sheet=ws.title, params={"max_columns": limits.max_columns})])
    rows: list[tuple] = []
    # With a trustworthy dimension the rows come as wide as the sheet; without one, bound them.
    bound = None if max_col is not None else limits.max_columns
    for i, row in enumerate(ws.iter_rows(values_only=True, max_col=bound)):
        if i >= limits.max_rows:
            raise LoaderError([Problem("too_many_rows", file=name, sheet=ws.title, params={"max_rows": limits.max_rows})])
        if len(row) > limits.max_columns:
            raise LoaderError([Problem("too_many_columns", file=name, sheet=ws.title, params={"max_columns": limits.max_columns})])
        end = len(row)
        while end and row[end - 1] is None:
            end -= 1
        rows.append(tuple(row[:end]))
    while rows and not rows[-1]:
        rows.pop()
    xml = archive.read(ws._worksheet_path.lstrip("/"))
    merged = []
    for m in _MERGE.finditer(xml):
        first = m.group(1).decode()
        last = (m.group(2) or m.group(1)).decode()
        c1, r1 = coordinate_from_string(first)
        c2, r2 = coordinate_from_string(last)
        merged.append((r1, column_index_from_string(c1), r2, column_index_from_string(c2)))
    missing = _formulas_without_value(xml) if _HAS_FORMULA.search(xml) else set()
    if notes is not None and _HAS_FORMULA.search(xml):
        for (row, col), formula in _external_formulas(xml):
            notes.append(Problem("external_link", file=name, sheet=ws.title, row=row, column=col,
                                 params={"formula": formula[:120]}))
    return RawSheet(ws.title, rows, merged, missing)


def _external_formulas(xml: bytes) -> list[tuple[tuple[int, int], str]]:
    """The cells whose formula refers to another workbook, with the formula (its value is whatever that
    workbook held when this one was last saved, on someone else's machine)."""
    from openpyxl.utils.cell import column_index_from_string

    out = []
    for f in _FORMULA_TEXT.finditer(xml):
        if not _EXTERNAL_REF.search(f.group(1)):
            continue
        starts = list(_CELL_START.finditer(xml, max(0, f.start() - 400), f.start()))
        if not starts:
            continue
        cell = starts[-1]
        formula = f.group(1).decode("utf-8", "replace").replace("&amp;", "&").replace("&quot;", '"').replace("&apos;", "'")
        out.append(((int(cell.group(2)), column_index_from_string(cell.group(1).decode())), formula))
    return out


_CELL_START = re.compile(rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]{1,3})(\d+)"')
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?v>\s*[^<\s]")


def _formulas_without_value(xml: bytes) -> set[tuple[int, int]]:
    """Cells with a formula and no cached value: a workbook written by a program and never opened in
    Excel. data_only reading shows them as empty, which would silently lose the figure. Only the cells
    around each formula are looked at (a sheet has far fewer formulas than cells)."""
    from openpyxl.utils.cell import column_index_from_string

    out = set()
    for f in _HAS_FORMULA.finditer(xml):
        window_start = max(0, f.start() - 400)
        starts = list(_CELL_START.finditer(xml, window_start, f.start()))
        if not starts:
            continue
        cell = starts[-1]
        end = _CELL_END.search(xml, f.end())
        inner = xml[cell.end(): end.start() if end else len(xml)]
        if not _VALUE.search(inner) and b"inlineStr" not in xml[cell.start(): cell.end() + 40]:
            out.add((int(cell.group(2)), column_index_from_string(cell.group(1).decode())))
    return out


# --- .csv ----------------------------------------------------------------------------------------------

def _decode(content: bytes, refuse) -> str:
    if content.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif content.startswith(codecs.BOM_UTF16_LE) or content.startswith(codecs.BOM_UTF16_BE):
        encoding = "utf-16"
    elif content[:200].count(b"\x00") > 20:
        # UTF-16 without a byte-order mark: the NULs sit on the odd bytes (little-endian) or the even ones.
        encoding = "utf-16-le" if content[1:200:2].count(b"\x00") > content[0:200:2].count(b"\x00") else "utf-16-be"
    else:
        encoding = "utf-8"
    try:
        return content.decode(encoding)
    except UnicodeDecodeError:
        raise refuse("not_utf8") from None


def _read_csv(name: str, text: str, limits: Limits, refuse) -> RawSheet:
    sample = "\n".join(text.splitlines()[:30])
    delimiter = max(",;\t", key=lambda d: (_consistent_columns(sample, d), sample.count(d)))
    rows: list[tuple] = []
    try:
        for i, row in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)):
            if i >= limits.max_rows:
                raise refuse("too_many_rows", max_rows=limits.max_rows)
            if len(row) > limits.max_columns and any(c.strip() for c in row[limits.max_columns:]):
                raise refuse("too_many_columns", max_columns=limits.max_columns)
            cells = [c.strip() or None for c in row[: limits.max_columns]]
            while cells and cells[-1] is None:
                cells.pop()
            rows.append(tuple(cells))
    except csv.Error:
        raise refuse("damaged_file") from None
    while rows and not rows[-1]:
        rows.pop()
    stem = name.rsplit("/", 1)[-1]
    return RawSheet(stem, rows)


def _consistent_columns(sample: str, delimiter: str) -> int:
    """How many lines of the sample split into the most common number (>1) of fields."""
    try:
        counts = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
    except csv.Error:
        return 0
    counts = [c for c in counts if c > 1]
    if not counts:
        return 0
    common = max(set(counts), key=counts.count)
    return counts.count(common)
