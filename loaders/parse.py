"""From the sheets of one file to located records: the units it names (with where), its figures (with
where), its totals rows, what it states about itself (month, form, unit), and what it could not read.

Nothing here needs the database: units are matched and rules applied in `validation`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from loaders.headers import HeaderMatcher, header_key
from loaders.layout import Column, Table, find_table, is_group_label
from loaders.matching import UnitIndex
from loaders.numbers import Reading, read_number, read_numbers, read_period
from loaders.problems import LoaderError, Problem, Text
from loaders.readers import RawBook, RawSheet

FORMULA = Reading(None, issue="formula_no_value")


@dataclass
class UnitRef:
    """A place where the file names a unit: a row's unit cell, a statement above the table, or the
    submitter's choice (`source` = row | statement | given)."""

    id: int
    sheet: str | None
    row: int | None
    column: int | None
    code_text: object
    name_text: object
    source: str
    period_value: object = None  # the row's own month cell, in tables with a month column
    period_column: int | None = None

    @property
    def label(self) -> str:
        parts = [str(x).strip() for x in (self.name_text, self.code_text) if x is not None and str(x).strip()]
        return parts[0] if parts else ""


@dataclass(slots=True)
class CellRecord:
    ref: int  # UnitRef.id
    sheet: str
    row: int
    column: int
    element: str
    raw: object
    reading: Reading


class Cells:
    """A file's figure cells, column by column: a compiled workbook has about 2,000 of them, and the rules
    and the write read them as columns, so no object is built per cell. Iterating gives CellRecords (built
    on the fly). `number` is NaN where the cell holds no number (blank, or not a usable number: `issue`)."""

    __slots__ = ("blank", "column", "element", "issue", "number", "raw", "ref", "row", "sheet")

    def __init__(self):
        self.ref: list[int] = []
        self.sheet: list[str] = []
        self.row: list[int] = []
        self.column: list[int] = []
        self.element: list[str] = []
        self.raw: list = []
        self.number: list[float] = []
        self.blank: list[bool] = []
        self.issue: list[str | None] = []

    def add(self, ref: int, sheet: str, row: int, column: int, element: str, raw, reading: Reading) -> None:
        self.ref.append(ref)
        self.sheet.append(sheet)
        self.row.append(row)
        self.column.append(column)
        self.element.append(element)
        self.raw.append(raw)
        self.number.append(_NAN if reading.number is None else reading.number)
        self.blank.append(reading.blank)
        self.issue.append(reading.issue)

    def __len__(self) -> int:
        return len(self.ref)

    def __bool__(self) -> bool:
        return bool(self.ref)

    def reading(self, i: int) -> Reading:
        number = self.number[i]
        return Reading(None if math.isnan(number) else number, self.blank[i], self.issue[i])

    def __iter__(self):
        for i in range(len(self.ref)):
            yield CellRecord(self.ref[i], self.sheet[i], self.row[i], self.column[i], self.element[i], self.raw[i],
                             self.reading(i))

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state):
        for k, v in state.items():
            setattr(self, k, v)


_NAN = float("nan")


@dataclass
class TotalRecord:
    sheet: str
    row: int
    column: int
    element: str
    reading: Reading
    refs: tuple[int, ...]  # the unit rows it adds up: the whole table's, or its group's for a subtotal


@dataclass
class Unmatched:
    """A header (or a row label of a vertical form) that needs a column mapping."""

    sheet: str
    row: int
    column: int
    header: str
    key: str
    kind: str  # column | row


@dataclass
class ParsedFile:
    name: str
    kind: str
    sheets_read: list[str] = field(default_factory=list)
    sheets_skipped: list[str] = field(default_factory=list)
    refs: list[UnitRef] = field(default_factory=list)
    cells: Cells = field(default_factory=Cells)
    totals: list[TotalRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stated_periods: list[tuple[str, str, int, int]] = field(default_factory=list)  # period, sheet, row, column
    unreadable_periods: list[tuple[object, str, int, int]] = field(default_factory=list)
    stated_forms: list[tuple[object, str, int, int]] = field(default_factory=list)
    stated_units: list[tuple[str, object, str, int, int]] = field(default_factory=list)  # label, value, sheet, row, col
    unmatched: list[Unmatched] = field(default_factory=list)
    has_period_column: bool = False
    single_unit_refs: list[int] = field(default_factory=list)  # refs to be filled from statements/choice


def parse_book(book: RawBook, matcher: HeaderMatcher, units: UnitIndex) -> ParsedFile:
    out = ParsedFile(book.name, book.kind)
    out.problems.extend(book.notes)
    for sheet in book.sheets:
        table = find_table(sheet, matcher)
        if table is None:
            out.sheets_skipped.append(sheet.name)
            continue
        out.sheets_read.append(sheet.name)
        _statements(out, table)
        if table.orientation == "wide":
            _wide(out, table, matcher, units)
        else:
            _long(out, table, matcher)
    if not out.sheets_read:
        names = [s.name for s in book.sheets] + book.hidden_sheets
        raise LoaderError([Problem("no_table", file=book.name, params={"sheets": names or ["–"]})])
    return out


def _statements(out: ParsedFile, table: Table) -> None:
    name = table.sheet.name
    for st in table.statements:
        if st.label == "period":
            p = read_period(st.value)
            if p:
                out.stated_periods.append((p, name, st.row, st.column))
            else:
                out.unreadable_periods.append((st.value, name, st.row, st.column))
        elif st.label == "form":
            out.stated_forms.append((st.value, name, st.row, st.column))
        else:
            out.stated_units.append((st.label, st.value, name, st.row, st.column))
    for p, r, c in table.stated_periods:
        out.stated_periods.append((p, name, r, c))


def _column_has_data(sheet: RawSheet, table: Table, col: int) -> bool:
    return any(
        sheet.value(r, col) is not None and str(sheet.value(r, col)).strip()
        for r in range(table.first_data_row, len(sheet.rows) + 1)
    )


def _header_problems(out: ParsedFile, table: Table, columns: list[Column], matcher: HeaderMatcher) -> None:
    sheet, row = table.sheet, table.header_rows[0]
    seen: dict[str, Column] = {}
    for col in columns:
        m = col.match
        if m.kind == "ambiguous":
            out.problems.append(Problem("header_ambiguous", book_name(out), sheet.name, row, col.index,
                                        params={"header": col.header, "candidates": list(m.candidates)}))
            out.unmatched.append(Unmatched(sheet.name, row, col.index, col.header, header_key(" ".join(col.parts)), "column"))
        elif m.kind == "unknown_element":
            out.problems.append(Problem("unknown_element", book_name(out), sheet.name, row, col.index,
                                        element=m.value, params={"code": m.value}))
        elif m.kind in ("unrecognised", "empty") and _column_has_data(sheet, table, col.index):
            header = col.header or "–"
            out.problems.append(Problem("column_unrecognised", book_name(out), sheet.name, row, col.index,
                                        params={"header": header}))
            out.unmatched.append(Unmatched(sheet.name, row, col.index, header, header_key(" ".join(col.parts)), "column"))
        elif m.is_element:
            if m.value in seen:
                out.problems.append(Problem("duplicate_column", book_name(out), sheet.name, row, col.index,
                                            element=m.value, params={"other": seen[m.value].header or "–",
                                                                     "header": col.header}))
            else:
                seen[m.value] = col


def book_name(out: ParsedFile) -> str:
    return out.name


def _reading(sheet: RawSheet, row: int, col: int) -> tuple[object, Reading]:
    raw = sheet.value(row, col)
    if (row, col) in sheet.formula_without_value:
        return raw, FORMULA
    return raw, read_number(raw)


def _cell_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = str(value).strip()
    return s or None


def _wide(out: ParsedFile, table: Table, matcher: HeaderMatcher, units: UnitIndex) -> None:
    sheet = table.sheet
    elements = [c for c in table.element_columns()]
    codes = table.role_columns("unit_code")
    names = table.role_columns("unit_name")
    period_cols = table.role_columns("period")
    stt = table.role_columns("stt")
    if not codes and not names:
        detected = _unit_column_by_content(table, units)
        if detected is not None:
            names = [detected]
    detected_cols = {c.index for c in codes + names}
    _header_problems(out, table, [c for c in table.columns if c.index not in detected_cols], matcher)
    seen_elements: set[str] = set()
    element_cols = []
    for c in elements:
        if c.match.value not in seen_elements:
            seen_elements.add(c.match.value)
            element_cols.append(c)
    code_col = codes[0].index if codes else None
    name_col = names[0].index if names else None
    period_col = period_cols[0].index if period_cols else None
    out.has_period_column |= period_col is not None
    table_refs: list[int] = []
    totals: list[tuple[int, int, tuple[int, ...] | None]] = []  # row, its index, its group's unit rows (None: grand)
    group_start = 0  # the first unit row (index into table_refs) of the current group
    unitless: list[tuple[int, int]] = []  # row, its index
    grid = _Grid(sheet, table.first_data_row, [(c.match.value, c.index) for c in element_cols])
    has_values, has_number = grid.has_values, grid.has_number
    accepted: list[tuple[int, int]] = []  # (index of the row in the grid, UnitRef.id)
    first = table.first_data_row
    for r in range(first, len(sheet.rows) + 1):
        i = r - first
        row = sheet.rows[r - 1]
        code_text = _cell_text(row[code_col - 1] if code_col and code_col <= len(row) else None) if code_col else None
        name_text = _cell_text(row[name_col - 1] if name_col and name_col <= len(row) else None) if name_col else None
        label = name_text or code_text
        stt_text = _cell_text(sheet.value(r, stt[0].index)) if stt else None
        kind = matcher.total_kind(matcher.folded(label)) if label else None
        if kind and not units.candidates(label)[0]:
            totals.append((r, i, tuple(table_refs[group_start:]) if kind == "subtotal" else None))
            if kind == "subtotal":
                group_start = len(table_refs)
            continue
        if (label and is_group_label(label)) or (stt_text and is_group_label(stt_text)):
            group_start = len(table_refs)
            if has_values[i]:
                out.problems.append(Problem("subtotal_ignored", out.name, sheet.name, r, name_col or code_col,
                                            params={"label": label or stt_text}))
            continue
        if not has_values[i]:
            continue  # blank rows, unit rows left empty
        if not has_number[i] and not (label and units.candidates(label)[0]):
            continue  # words only, under no unit: a footer, a signature, a note ("Nghệ An, ngày …", "NGƯỜI LẬP BIỂU")
        if code_col is None and name_col is None:
            unitless.append((r, i))
            continue
        if not label:
            out.problems.append(Problem("row_without_unit", out.name, sheet.name, r, name_col or code_col))
            continue
        else:
            ref = UnitRef(len(out.refs), sheet.name, r, code_col if code_text else name_col, code_text, name_text, "row",
                          sheet.value(r, period_col) if period_col else None, period_col)
        out.refs.append(ref)
        table_refs.append(ref.id)
        accepted.append((i, ref.id))
    if len(unitless) > 1:
        # Several rows of figures and no unit column: which row is which unit cannot be known.
        for r, _i in unitless:
            out.problems.append(Problem("row_without_unit", out.name, sheet.name, r, None))
    elif unitless:
        # One row of figures: the unit is stated above the table (or chosen by the submitter).
        r, i = unitless[0]
        ref = UnitRef(len(out.refs), sheet.name, r, None, None, None, "statement",
                      sheet.value(r, period_col) if period_col else None, period_col)
        out.refs.append(ref)
        out.single_unit_refs.append(ref.id)
        table_refs.append(ref.id)
        accepted.append((i, ref.id))
    grid.emit(out.cells, sheet.name, accepted)
    for r, i, group in totals:
        refs = tuple(table_refs) if group is None else group  # a grand total adds up the whole table, wherever it stands
        for element, col, number, blank, issue in grid.row_cells(i):
            if not blank and issue is None:
                out.totals.append(TotalRecord(sheet.name, r, col, element, Reading(number), refs))


class _Grid:
    """The figure columns of a wide table's data rows, read column by column (`read_numbers`): the number,
    blank and issue of every cell, what each row holds, and the cells of chosen rows in row order."""

    def __init__(self, sheet: RawSheet, first: int, element_index: list[tuple[str, int]]):
        rows = sheet.rows[first - 1:]
        self._first_row = first
        self.elements = [e for e, _ in element_index]
        self.columns = [c for _, c in element_index]
        self.raw: list[list] = []
        numbers, blanks = [], []
        self.issues: list[list[str | None]] = []
        formulas = [(r - first, c) for r, c in sheet.formula_without_value if r >= first]
        for col in self.columns:
            raw = [row[col - 1] if col <= len(row) else None for row in rows]
            number, blank, issue = read_numbers(raw)
            for i, c in formulas:
                if c == col and i < len(raw):  # a formula without its computed value: FORMULA
                    number[i], blank[i], issue[i] = np.nan, False, FORMULA.issue
            self.raw.append(raw)
            numbers.append(number)
            blanks.append(blank)
            self.issues.append(issue)
        n, m = len(rows), len(self.columns)
        self.number = np.column_stack(numbers) if m else np.empty((n, 0))
        self.blank = np.column_stack(blanks) if m else np.empty((n, 0), dtype=bool)
        self.has_values = (~self.blank).any(axis=1).tolist()
        self.has_number = (~np.isnan(self.number)).any(axis=1).tolist()

    def row_cells(self, i: int):
        """(element, column, number or None, blank, issue) of row `i`, in column order."""
        for k, (element, col) in enumerate(zip(self.elements, self.columns)):
            number = float(self.number[i, k])
            yield element, col, None if math.isnan(number) else number, bool(self.blank[i, k]), self.issues[k][i]

    def emit(self, cells: Cells, sheet: str, accepted: list[tuple[int, int]]) -> None:
        """The cells of the `accepted` rows (grid index, UnitRef.id), row by row, into `cells`."""
        if not accepted:
            return
        m = len(self.columns)
        idx = np.fromiter((i for i, _ in accepted), dtype=np.intp, count=len(accepted))
        cells.ref += np.repeat([ref for _, ref in accepted], m).tolist()
        cells.sheet += [sheet] * (len(accepted) * m)
        cells.row += np.repeat(idx + self._first_row, m).tolist()
        cells.column += self.columns * len(accepted)
        cells.element += self.elements * len(accepted)
        cells.raw += [self.raw[k][i] for i in idx.tolist() for k in range(m)]
        cells.number += self.number[idx].ravel().tolist()
        cells.blank += self.blank[idx].ravel().tolist()
        if any(any(v is not None for v in issue) for issue in self.issues):
            cells.issue += [self.issues[k][i] for i in idx.tolist() for k in range(m)]
        else:
            cells.issue += [None] * (len(accepted) * m)


def _unit_column_by_content(table: Table, units: UnitIndex) -> Column | None:
    """A unit column whose header nobody could have predicted ("Tên địa phương, đơn vị"): the column left
    of the figures whose cells are, for the most part, names or codes of units."""
    first_element = min((c.index for c in table.element_columns()), default=0)
    sheet = table.sheet
    for col in table.columns:
        if col.index >= first_element or col.match.kind not in ("unrecognised", "empty"):
            continue
        texts = [_cell_text(sheet.value(r, col.index)) for r in range(table.first_data_row, len(sheet.rows) + 1)]
        texts = [t for t in texts if t and not is_group_label(t)]
        if not texts:
            continue
        known = sum(1 for t in texts if units.candidates(t)[0])
        if known >= max(1, 0.6 * len(texts)):
            return col
    return None


def _long(out: ParsedFile, table: Table, matcher: HeaderMatcher) -> None:
    sheet = table.sheet
    codes = table.role_columns("unit_code")
    names = table.role_columns("unit_name")
    code_col = codes[0].index if codes else None
    name_col = names[0].index if names else None
    period_col = (table.role_columns("period") or [None])[0]
    period_col = period_col.index if period_col else None
    element_col = (table.role_columns("element") or [None])[0]
    element_name_col = (table.role_columns("element_name") or [None])[0]
    value_col = table.role_columns("value")[0].index
    out.has_period_column |= period_col is not None
    used = {c for c in (code_col, name_col, period_col, value_col,
                        element_col.index if element_col else None,
                        element_name_col.index if element_name_col else None) if c}
    extra = [c for c in table.columns if c.index not in used]
    _header_problems(out, table, [c for c in extra if not c.match.is_element], matcher)
    for col in extra:
        # A figure column beside the value column of a vertical form ("Lũy kế", "Cùng kỳ") is not read
        # as this month's figure; it must be mapped or removed, never silently skipped.
        if col.match.is_element and _column_has_data(sheet, table, col.index):
            out.problems.append(Problem("column_unrecognised", out.name, sheet.name, table.header_rows[0], col.index,
                                        params={"header": col.header}))
            out.unmatched.append(Unmatched(sheet.name, table.header_rows[0], col.index, col.header,
                                           header_key(" ".join(col.parts)), "column"))
    refs_by_key: dict[tuple, int] = {}
    for r in range(table.first_data_row, len(sheet.rows) + 1):
        raw, reading = _reading(sheet, r, value_col)
        code_cell = _cell_text(sheet.value(r, element_col.index)) if element_col else None
        name_cell = _cell_text(sheet.value(r, element_name_col.index)) if element_name_col else None
        if code_cell is None and name_cell is None:
            if not reading.blank:
                out.problems.append(Problem("row_unrecognised", out.name, sheet.name, r, value_col, params={"label": "–"}))
            continue
        element = _element_of_row(code_cell, name_cell, matcher)
        label = name_cell or code_cell
        if element is None or element.kind != "element":
            if reading.blank or is_group_label(label):
                continue  # headings inside a vertical form ("I. Hồ sơ TTHC", "Trong đó:")
            if element is not None and element.kind == "unknown_element":
                out.problems.append(Problem("unknown_element", out.name, sheet.name, r, element_col.index if element_col else value_col,
                                            element=element.value, params={"code": element.value}))
                continue
            code = "header_ambiguous" if element is not None and element.kind == "ambiguous" else "row_unrecognised"
            params = {"label": label}
            if code == "header_ambiguous":
                params = {"header": label, "candidates": list(element.candidates)}
            column = (element_name_col or element_col).index
            out.problems.append(Problem(code, out.name, sheet.name, r, column, params=params))
            out.unmatched.append(Unmatched(sheet.name, r, column, label, header_key(label), "row"))
            continue
        code_text = _cell_text(sheet.value(r, code_col)) if code_col else None
        name_text = _cell_text(sheet.value(r, name_col)) if name_col else None
        period_value = sheet.value(r, period_col) if period_col else None
        if code_col or name_col:
            if not (code_text or name_text):
                if not reading.blank:
                    out.problems.append(Problem("row_without_unit", out.name, sheet.name, r, code_col or name_col))
                continue
            key = (code_text, name_text, str(period_value))
            if key not in refs_by_key:
                ref = UnitRef(len(out.refs), sheet.name, r, code_col if code_text else name_col, code_text, name_text,
                              "row", period_value, period_col)
                out.refs.append(ref)
                refs_by_key[key] = ref.id
            ref_id = refs_by_key[key]
        else:
            key = ("<statement>", str(period_value))
            if key not in refs_by_key:
                ref = UnitRef(len(out.refs), sheet.name, r, None, None, None, "statement", period_value, period_col)
                out.refs.append(ref)
                out.single_unit_refs.append(ref.id)
                refs_by_key[key] = ref.id
            ref_id = refs_by_key[key]
        out.cells.add(ref_id, sheet.name, r, value_col, element.value, raw, reading)


def _element_of_row(code_cell: str | None, name_cell: str | None, matcher: HeaderMatcher):
    if code_cell:
        m = matcher.match([code_cell])
        if m.kind in ("element", "unknown_element"):
            return m
    if name_cell:
        return matcher.match([name_cell])
    return matcher.match([code_cell]) if code_cell else None


def element_text(registry, code: str) -> Text:
    e = registry.element_by_code.get(code)
    return Text(e.name_vi, e.name_en) if e else Text(code, code)


def parse_one(name: str, content: bytes, matcher: HeaderMatcher, index: UnitIndex, limits):
    """A file's bytes read (within `limits`) and parsed, or the LoaderError that says why not."""
    from loaders.readers import read_book

    try:
        return parse_book(read_book(name, content, limits), matcher, index)
    except LoaderError as exc:
        return exc


def parse_item(state: tuple, item: tuple[str, bytes]):
    """`parse_one` as the process pools call it: (matcher, index, limits) and (name, bytes)."""
    matcher, index, limits = state
    return parse_one(item[0], item[1], matcher, index, limits)
