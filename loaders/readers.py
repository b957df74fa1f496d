"""From bytes to sheets of cell values, safely: .xlsx/.xlsm, .xls (Excel 97-2003) and .ods (OpenDocument)
through python-calamine (cached formula values; loaders.calamine_reader for .xls/.ods), .csv (UTF-8 with or
without BOM, UTF-16 as Excel writes it; comma, semicolon or tab). An .xlsx calamine's path cannot vouch for
(cells without their reference, a part it cannot parse, damaged XML) is read by openpyxl read-only, as all
.xlsx were before; the line between a readable and a damaged file stays where openpyxl drew it.

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
import posixpath
import re
import zipfile
from dataclasses import dataclass, field, fields

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
    layout = _workbook_layout(archive, names)
    if layout is not None:
        try:
            book = _read_xlsx(name, content, archive, layout, limits)
        except LoaderError:
            raise
        except Exception:  # noqa: BLE001 - a part that will not inflate (CRC, bad header): openpyxl's path judges
            book = None
        if book is not None:
            return book
    return _read_xlsx_openpyxl(name, content, archive, limits, refuse)


def _read_xlsx_openpyxl(name: str, content: bytes, archive: zipfile.ZipFile, limits: Limits, refuse) -> RawBook:
    """The fallback reader: openpyxl read-only, for the rare workbook the calamine path leaves to it (a
    package whose parts it cannot locate, cells or rows without their reference, a sparse sheet whose box
    would be too big to lay out, a part calamine cannot parse). openpyxl decides then whether it is damaged."""
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


# --- .xlsx through calamine ---------------------------------------------------------------------------
# The .xlsx reader: python-calamine (Rust) parses the cells about ten times faster than openpyxl. Everything
# that must be known before a parser lays a sheet out, and everything calamine does not say (formulas without
# a cached value, links to other workbooks, error values, merged ranges), comes from the sheet's own XML,
# scanned with regular expressions over bytes (no tree, no entity expansion): the parts are read once each,
# within the zip checks above. A package this path cannot vouch for goes to openpyxl, as before.

_READ_WHOLE = 16 << 20  # a sheet part up to 16 MB is read once and scanned in memory; a larger one streamed first
_ROW_TAG = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_REF = re.compile(rb'<(?:\w+:)?row\s[^>]*?\br="(\d+)"')
_CELL_REF = re.compile(rb'<(?:\w+:)?c\s[^>]*?\br="([A-Z]{1,3})(\d+)"')
_CELL_TYPE = re.compile(rb'<(?:\w+:)?c\s[^>]*?\bt="([^"]*)"')
_CELL_TYPES = frozenset((b"n", b"s", b"str", b"b", b"e", b"inlineStr", b"d"))
_ERROR_CELL = re.compile(rb'<(?:\w+:)?c\s[^>]*?\bt="e"[^>]*>')
_REF_ATTR = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE_TEXT = re.compile(rb"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")


@dataclass(frozen=True)
class _SheetPart:
    title: str
    state: str  # visible | hidden | veryHidden
    path: str


def _workbook_layout(archive: zipfile.ZipFile, names: set[str]) -> list[_SheetPart] | None:
    """The worksheets of an .xlsx in workbook order, with their parts, from xl/workbook.xml and its
    relationships (small parts, parsed with defusedxml: no entity expansion, no external entity). Chart
    sheets are left out, as openpyxl leaves them out of `worksheets`. None when the package does not say
    plainly where each worksheet is: openpyxl then reads (or refuses) the file as before."""
    from defusedxml.ElementTree import fromstring

    rels = "xl/_rels/workbook.xml.rels"
    if rels not in names:
        return None
    try:
        book = fromstring(archive.read("xl/workbook.xml"))
        links = fromstring(archive.read(rels))
    except Exception:  # noqa: BLE001 - unreadable or hostile XML: openpyxl's path decides
        return None
    if book.tag != f"{{{_MAIN_NS.decode()}}}workbook" or links.tag != f"{{{_RELS_NS.decode()}}}Relationships":
        return None
    targets = {}
    for rel in links:
        if _local(rel.tag) == "Relationship":
            targets[rel.get("Id")] = (rel.get("Type") or "", rel.get("Target") or "", rel.get("TargetMode"))
    if not _workbook_declared(archive, names):
        return None
    out = []
    for el in book.iter():
        if _local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), None)
        kind, target, mode = targets.get(rid, ("", "", None))
        if kind.endswith("/chartsheet"):
            continue
        if not kind.endswith("/worksheet") or mode == "External" or not target:
            return None
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        title = el.get("name")
        if path not in names or not title:
            return None
        out.append(_SheetPart(title, el.get("state") or "visible", path))
    return out


_WORKBOOK_TYPES = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
)


def _workbook_declared(archive: zipfile.ZipFile, names: set[str]) -> bool:
    """Whether the content types declare xl/workbook.xml as the workbook, as openpyxl requires before it
    reads anything (it finds the workbook by its declared type)."""
    from defusedxml.ElementTree import fromstring

    if "[Content_Types].xml" not in names:
        return False
    try:
        types = fromstring(archive.read("[Content_Types].xml"))
    except Exception:  # noqa: BLE001
        return False
    if types.tag != "{http://schemas.openxmlformats.org/package/2006/content-types}Types":
        return False
    for el in types:
        if _local(el.tag) == "Override" and el.get("ContentType") in _WORKBOOK_TYPES:
            return el.get("PartName") == "/xl/workbook.xml"
    return any(_local(el.tag) == "Default" and el.get("ContentType") in _WORKBOOK_TYPES for el in types)


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


@dataclass
class _SheetScan:
    """What a sheet's XML says beyond its values."""

    rows: int  # the last row and column holding a cell (the box calamine lays out from A1)
    cols: int
    declared_cols: int | None  # the dimension's last column, when it declares a range
    merged: list[tuple[int, int, int, int]]
    missing: set[tuple[int, int]]
    external: list[tuple[tuple[int, int], str]]
    errors: dict[tuple[int, int], str]


def _read_xlsx(name: str, content: bytes, archive: zipfile.ZipFile, layout: list[_SheetPart], limits: Limits) -> RawBook | None:
    """An .xlsx's visible sheets read by calamine, every limit checked on the XML first: the cell budget over
    every visible sheet (declared dimension, then the cells counted), then each sheet's box of rows and
    columns. None when the file is left to openpyxl (see `_read_xlsx_openpyxl`)."""

    def too_many(code: str, sheet: str, **params) -> LoaderError:
        return LoaderError([Problem(code, file=name, sheet=sheet, params=params)])

    visible = [p for p in layout if p.state == "visible"]
    hidden = [p.title for p in layout if p.state != "visible"]
    xmls: dict[str, bytes] = {}
    counted: dict[str, int] = {}  # cells counted in a part read whole (the scan needs the count again)
    total = 0
    for part in visible:
        small = archive.getinfo(part.path).file_size <= _READ_WHOLE
        xml = archive.read(part.path) if small else None
        declared = _declared_in(xml[:4096]) if xml is not None else _declared_cells(archive, part.path)
        if declared is not None and total + declared > limits.max_cells:
            raise too_many("too_many_cells", part.title, max_cells=limits.max_cells)
        n = _count_cells_in(xml) if xml is not None else _count_cells(archive, part.path)
        total += n
        if total > limits.max_cells:
            raise too_many("too_many_cells", part.title, max_cells=limits.max_cells)
        if xml is not None:
            xmls[part.path] = xml
            counted[part.path] = n
    scans = []
    for part in visible:
        xml = xmls.get(part.path) or archive.read(part.path)
        scan = _scan_sheet(xml, counted.get(part.path))
        if scan is None:
            return None
        if (scan.declared_cols or 0) > limits.max_columns or scan.cols > limits.max_columns:
            raise too_many("too_many_columns", part.title, max_columns=limits.max_columns)
        if scan.rows > limits.max_rows:
            raise too_many("too_many_rows", part.title, max_rows=limits.max_rows)
        if scan.rows * scan.cols > max(limits.max_cells, 1):
            return None  # a few cells far apart: calamine would lay out the whole box; openpyxl streams it
        scans.append(scan)
    if not all(_well_formed(xmls.get(part.path) or archive.read(part.path), _MAIN_NS) for part in visible) or not all(
            _well_formed(archive.read(n), ns) for n, ns in _structure_parts(archive, layout)):
        return None  # damaged XML: calamine reads past much of it, openpyxl refuses it, and openpyxl judges
    if "xl/theme/theme1.xml" in archive.NameToInfo:
        archive.read("xl/theme/theme1.xml")  # openpyxl inflates it too: a part that fails its CRC is damage
    del xmls

    from python_calamine import CalamineWorkbook

    from loaders.calamine_reader import _row

    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception:  # noqa: BLE001 - whatever calamine cannot open, openpyxl judges
        return None
    sheets, notes = [], []
    try:
        for part, scan in zip(visible, scans):
            try:
                sheet = wb.get_sheet_by_name(part.title)
                end = sheet.end
                if end is not None and (end[0] >= scan.rows or end[1] >= scan.cols):
                    return None  # cells where the scan saw none: trust neither, read with openpyxl
                rows = [_row(r) for r in sheet.to_python(skip_empty_area=False)]
            except Exception:  # noqa: BLE001
                return None
            if scan.errors:
                rows = _with_errors(rows, scan.errors)
            while rows and not rows[-1]:
                rows.pop()
            sheets.append(RawSheet(part.title, rows, scan.merged, scan.missing))
            for (row, col), formula in scan.external:
                notes.append(Problem("external_link", file=name, sheet=part.title, row=row, column=col,
                                     params={"formula": formula[:120]}))
    finally:
        wb.close()
    return RawBook(name, "xlsx", sheets, hidden, notes)


# The parts openpyxl parses when it opens a workbook (besides the workbook and its relationships, parsed
# above): a package damaged in any of them was refused as damaged, and still is.
_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS_NS = b"http://schemas.openxmlformats.org/package/2006/relationships"
_STRUCTURE = {"xl/sharedStrings.xml": _MAIN_NS, "xl/styles.xml": _MAIN_NS,
              "docProps/core.xml": b"http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
              "docProps/custom.xml": b"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"}


def _structure_parts(archive: zipfile.ZipFile, layout: list[_SheetPart]) -> list[tuple[str, bytes]]:
    names = set(archive.namelist())
    rels = {posixpath.join(posixpath.dirname(p.path), "_rels", posixpath.basename(p.path) + ".rels"): _RELS_NS for p in layout}
    return [(n, ns) for n, ns in {**_STRUCTURE, **rels}.items() if n in names]


def _well_formed(xml: bytes, namespace: bytes) -> bool:
    """Whether a part is well-formed XML declaring no entity, in the namespace its kind of part has
    (expat, no tree built: about 5 ms per MB). calamine's parser is lenient, and reads past names openpyxl
    does not know; this keeps the line between a readable and a damaged file where openpyxl drew it."""
    from xml.parsers import expat

    if b'"' + namespace + b'"' not in xml[:4096]:
        return False

    parser = expat.ParserCreate()

    def refuse(*_args):
        raise ValueError("entity declared")

    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(xml, True)
    except (expat.ExpatError, ValueError):
        return False
    return True


def _scan_sheet(xml: bytes, cells: int | None = None) -> _SheetScan | None:
    """The box, merged ranges, formulas without a cached value, external links and error values of a
    sheet's XML. None when a row or a cell does not state its reference (allowed, rare: calamine would
    place it by counting, which the box could not bound). `cells`: the part's cells, when already counted."""
    rx = _patterns_for(xml)
    refs = rx.cell_ref.findall(xml)
    if len(refs) != (_count_cells_in(xml) if cells is None else cells):
        return None
    if b' t="' in xml and not _CELL_TYPES.issuperset(rx.cell_type.findall(xml)):
        return None  # a cell type the format does not define: openpyxl's reading of it stands
    row_refs = rx.row_ref.findall(xml)
    if len(row_refs) != len(rx.row_tag.findall(xml)):
        return None
    rows = max((int(r) for r in row_refs), default=0)
    cols = 0
    if refs:
        letters, numbers = zip(*refs)
        rows = max(rows, max(map(int, numbers)))
        cols = _column(max(set(letters), key=lambda c: (len(c), c)))
    m = rx.dimension.search(xml, 0, 4096)
    declared_cols = _column(m.group(3)) if m and m.group(3) else None
    merged = []
    if b"mergeCell" in xml:
        for m in rx.merge.finditer(xml):
            (r1, c1), (r2, c2) = _coordinate(m.group(1)), _coordinate(m.group(2) or m.group(1))
            merged.append((r1, c1, r2, c2))
    has_formula = rx.has_formula.search(xml) is not None
    missing = _formulas_without_value(xml, rx) if has_formula else set()
    external = _external_formulas(xml, rx) if has_formula else []
    errors = _error_values(xml, rx) if b't="e"' in xml else {}
    return _SheetScan(rows, cols, declared_cols, merged, missing, external, errors)


def _error_values(xml: bytes, rx: _Patterns | None = None) -> dict[tuple[int, int], str]:
    """Cells holding an error value (#DIV/0!, #REF!, #N/A): openpyxl gives their text, calamine an empty
    cell, which would read as a blank. Their text is put back, and a figure cell showing one is then
    "not a number", as before."""
    rx = rx or _FULL
    out = {}
    for m in rx.error_cell.finditer(xml):
        ref = _REF_ATTR.search(m.group(0))
        end = rx.cell_end.search(xml, m.end())
        value = rx.value_text.search(xml, m.end(), end.start() if end else len(xml))
        if ref and value:
            out[(int(ref.group(2)), _column(ref.group(1)))] = value.group(1).decode("utf-8", "replace")
    return out


def _with_errors(rows: list[tuple], errors: dict[tuple[int, int], str]) -> list[tuple]:
    rows = list(rows)
    for (r, c), text in errors.items():
        while len(rows) < r:
            rows.append(())
        cells = list(rows[r - 1])
        cells.extend([None] * (c - len(cells)))
        cells[c - 1] = text
        rows[r - 1] = tuple(cells)
    return rows


_COORDINATE = re.compile(rb"([A-Z]{1,3})(\d+)")


def _coordinate(ref: bytes) -> tuple[int, int]:
    m = _COORDINATE.fullmatch(ref)
    return int(m.group(2)), _column(m.group(1))


def _column(letters: bytes) -> int:
    """The 1-based column of its letters (b"A" 1, b"Z" 26, b"AA" 27)."""
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _declared_in(head: bytes) -> int | None:
    m = _DIMENSION.search(head)
    if not m or not m.group(3):
        return None
    rows = int(m.group(4)) - int(m.group(2)) + 1
    cols = _column(m.group(3)) - _column(m.group(1)) + 1
    return max(rows, 0) * max(cols, 0)


def _count_cells_in(xml: bytes) -> int:
    """`_count_cells` for a part already in memory."""
    if b":c" in xml:
        return len(_CELL_TAG.findall(xml))
    return xml.count(b"<c ") + xml.count(b"<c>") + xml.count(b"<c/")


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
    with archive.open(path) as fh:
        return _declared_in(fh.read(4096))


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


def _external_formulas(xml: bytes, rx: _Patterns | None = None) -> list[tuple[tuple[int, int], str]]:
    """The cells whose formula refers to another workbook, with the formula (its value is whatever that
    workbook held when this one was last saved, on someone else's machine)."""
    rx = rx or _FULL
    out = []
    for f in rx.formula_text.finditer(xml):
        if not _EXTERNAL_REF.search(f.group(1)):
            continue
        starts = list(rx.cell_start.finditer(xml, max(0, f.start() - 400), f.start()))
        if not starts:
            continue
        cell = starts[-1]
        formula = f.group(1).decode("utf-8", "replace").replace("&amp;", "&").replace("&quot;", '"').replace("&apos;", "'")
        out.append(((int(cell.group(2)), _column(cell.group(1))), formula))
    return out


_CELL_START = re.compile(rb'<(?:\w+:)?c\s[^>]*?r="([A-Z]{1,3})(\d+)"')
_CELL_END = re.compile(rb"</(?:\w+:)?c>")
_VALUE = re.compile(rb"<(?:\w+:)?v>\s*[^<\s]")


def _formulas_without_value(xml: bytes, rx: _Patterns | None = None) -> set[tuple[int, int]]:
    """Cells with a formula and no cached value: a workbook written by a program and never opened in
    Excel. data_only reading shows them as empty, which would silently lose the figure. Only the cells
    around each formula are looked at (a sheet has far fewer formulas than cells)."""
    rx = rx or _FULL
    out = set()
    for f in rx.has_formula.finditer(xml):
        window_start = max(0, f.start() - 400)
        starts = list(rx.cell_start.finditer(xml, window_start, f.start()))
        if not starts:
            continue
        cell = starts[-1]
        end = rx.cell_end.search(xml, f.end())
        inner = xml[cell.end(): end.start() if end else len(xml)]
        if not rx.value.search(inner) and b"inlineStr" not in xml[cell.start(): cell.end() + 40]:
            out.add((int(cell.group(2)), _column(cell.group(1))))
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


# --- the scans' patterns, for XML with and without namespace prefixes -----------------------------------

@dataclass(frozen=True)
class _Patterns:
    cell_ref: re.Pattern
    cell_type: re.Pattern
    row_ref: re.Pattern
    row_tag: re.Pattern
    dimension: re.Pattern
    merge: re.Pattern
    has_formula: re.Pattern
    cell_start: re.Pattern
    cell_end: re.Pattern
    value: re.Pattern
    formula_text: re.Pattern
    error_cell: re.Pattern
    value_text: re.Pattern


_FULL = _Patterns(_CELL_REF, _CELL_TYPE, _ROW_REF, _ROW_TAG, _DIMENSION, _MERGE, _HAS_FORMULA, _CELL_START, _CELL_END,
                  _VALUE, _FORMULA_TEXT, _ERROR_CELL, _VALUE_TEXT)
# The same patterns without the optional namespace prefix of each tag ("<x:c", "</x:c>"). In a part where
# no tag has a prefix that optional group can never match, so these find exactly what the full ones find,
# several times faster (the regex engine no longer tries a prefix at every "<": 0.05 ms instead of 0.4 ms
# per pattern over a compiled workbook's 100 KB sheet).
_PLAIN = _Patterns(*(re.compile(p.pattern.replace(rb"(?:\w+:)?", b""), p.flags)
                    for p in (getattr(_FULL, f.name) for f in fields(_FULL))))
_PREFIXED_TAG = re.compile(rb"</?\w+:")


def _patterns_for(xml: bytes) -> _Patterns:
    return _FULL if _PREFIXED_TAG.search(xml) else _PLAIN
