"""Finding the table in a sheet as people lay it out: title rows and statements ("Kỳ báo cáo: 05/2024",
"Đơn vị: Huyện Kỳ Sơn") above, a header of one or two rows (a group header merged over its sub-headers,
or our template's row of element codes under the Vietnamese names), maybe a row numbering the columns,
then the data; totals and footers below.

Two orientations: *wide*, one row per unit (a compiled workbook) or a single row, elements across; and
*long*, one element per row: the single-unit form (element names down, one value column, the unit stated
above) and the long format (`unit_code, period, element, value`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.text import fold, nfc
from loaders.headers import EMPTY, HeaderMatch, HeaderMatcher
from loaders.numbers import periods_in_text, read_number
from loaders.readers import RawSheet

HEADER_SCAN_ROWS = 40
_NUMBERING = re.compile(r"^\(?\s*([0-9]{1,2}|[a-zA-Z])\s*\)?$")
_ROMAN = re.compile(r"^(?=[ivxlc]+\b)(?:c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})\s*[.)]?(?:\s|$)", re.I)


@dataclass
class Column:
    index: int  # 1-based
    header: str  # as written (parts joined with " / ")
    parts: list[str]
    match: HeaderMatch


@dataclass
class Statement:
    """A label and its value above the table ("Kỳ báo cáo" → "05/2024"), located."""

    label: str  # period | form | unit_code | unit_name
    value: object
    row: int
    column: int


@dataclass
class Table:
    sheet: RawSheet
    header_rows: tuple[int, ...]
    columns: list[Column]
    first_data_row: int
    orientation: str  # wide | long
    statements: list[Statement] = field(default_factory=list)
    stated_periods: list[tuple[str, int, int]] = field(default_factory=list)  # (period, row, column)

    def role_columns(self, role: str) -> list[Column]:
        return [c for c in self.columns if c.match.kind == "role" and c.match.value == role]

    def element_columns(self) -> list[Column]:
        return [c for c in self.columns if c.match.is_element]


def _text(value) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return None
    s = nfc(str(value)).strip()
    return s or None


def _is_number(v) -> bool:
    if v is None or isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return True
    return read_number(v).number is not None


def _numeric_cells(row: tuple) -> int:
    return sum(1 for v in row if _is_number(v))


def _merged_value(sheet: RawSheet, merges: dict[tuple[int, int], tuple[int, int]], row: int, col: int):
    anchor = merges.get((row, col))
    return sheet.value(*anchor) if anchor else sheet.value(row, col)


def _merge_map(sheet: RawSheet, rows: range) -> dict[tuple[int, int], tuple[int, int]]:
    """Cell -> top-left cell of its merged range, for the rows that may hold headers."""
    out = {}
    for r1, c1, r2, c2 in sheet.merged:
        if r2 < rows.start or r1 >= rows.stop or (r2 - r1 + 1) * (c2 - c1 + 1) > 5000:
            continue
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                out[(r, c)] = (r1, c1)
    return out


class _Texts:
    """The texts of a sheet's top rows, each computed once (cells, merges, header-likeness)."""

    def __init__(self, sheet: RawSheet, last: int):
        self.sheet = sheet
        self.merges = _merge_map(sheet, range(1, last + 2))
        self._rows: dict[int, tuple] = {}
        self._like: dict[int, bool] = {}

    def row(self, r: int) -> tuple:
        if r not in self._rows:
            raw = self.sheet.rows[r - 1] if 1 <= r <= len(self.sheet.rows) else ()
            width = len(raw)
            if self.merges:
                width = max([width] + [c for (mr, c) in self.merges if mr == r])
            self._rows[r] = tuple(_text(_merged_value(self.sheet, self.merges, r, c)) for c in range(1, width + 1))
        return self._rows[r]

    def header_like(self, r: int) -> bool:
        if r not in self._like:
            raw = self.sheet.rows[r - 1] if 1 <= r <= len(self.sheet.rows) else None
            self._like[r] = raw is not None and _numeric_cells(raw) <= 1 and any(self.row(r))
        return self._like[r]


def _band_columns(texts: _Texts, band: tuple[int, ...], matcher: HeaderMatcher) -> list[Column]:
    rows = [texts.row(r) for r in band]
    width = max(len(r) for r in rows)
    upper = list(rows[0]) + [None] * (width - len(rows[0]))
    # For a two-row header without merge information (a CSV saved from a merged header), a group header
    # covers the blank cells to its right that have sub-headers below.
    if len(band) > 1 and not any((band[0], c) in texts.merges for c in range(1, width + 1)):
        carry = None
        for c in range(width):
            lower = any(c < len(r) and r[c] for r in rows[1:])
            if upper[c]:
                carry = upper[c]
            elif carry and lower:
                upper[c] = carry
            else:
                carry = None
    columns = []
    for c in range(width):
        parts: list[str] = []
        for t in [upper[c]] + [r[c] if c < len(r) else None for r in rows[1:]]:
            if t and t not in parts:
                parts.append(t)
        columns.append(Column(c + 1, " / ".join(parts), parts, matcher.match(parts) if parts else EMPTY))
    return columns


_WEIGHT = {"element": 3, "role": 1, "ignore": 1, "ambiguous": 2, "unknown_element": 2}


def _score(columns: list[Column]) -> int:
    kinds = [c.match for c in columns]
    named = [m.value or m.candidates for m in kinds if m.kind in ("element", "ambiguous", "unknown_element")]
    # A row naming the same element in several columns (its code, its name, its English name) is a data row
    # of a vertical form or of an element list, not a header: a header names each element once (allowing
    # one slip, which is then reported as a duplicated column).
    elements = len(set(named))
    if len(named) - elements >= max(elements, 1):
        return 0
    roles = {m.value for m in kinds if m.kind == "role"}
    long_form = "value" in roles and ({"element", "element_name"} & roles)
    wide_form = elements >= 2 or (elements >= 1 and {"unit_code", "unit_name"} & roles)
    if not (long_form or wide_form):
        return 0
    return sum(_WEIGHT.get(m.kind, 0) for m in kinds)


def find_table(sheet: RawSheet, matcher: HeaderMatcher) -> Table | None:
    """The sheet's table, or None when no row of its top reads as a header."""
    last = min(len(sheet.rows), HEADER_SCAN_ROWS)
    texts = _Texts(sheet, last)
    single: dict[int, list[Column]] = {}

    def alone(x: int) -> list[Column]:
        if x not in single:
            single[x] = _band_columns(texts, (x,), matcher)
        return single[x]

    def recognised(x: int) -> int:
        return sum(1 for c in alone(x) if c.match.recognised) if texts.header_like(x) else 0

    signals: dict[int, int] = {}

    def signal(x: int) -> int:
        if x not in signals:
            signals[x] = _signal(x)
        return signals[x]

    def _signal(x: int) -> int:
        """Distinct elements plus roles a row names on its own: every real header has a row with two."""
        if not texts.header_like(x):
            return 0
        filled = [t for t in texts.row(x) if t]
        if len(filled) < 2:
            return 1 if matcher.match(filled).recognised else 0
        cols = alone(x)
        return len({c.match.value or c.match.candidates for c in cols if c.match.kind in ("element", "ambiguous")}) + sum(
            1 for c in cols if c.match.kind == "role")

    def compatible(band: tuple[int, ...]) -> bool:
        """Below a cell naming a role (unit, month, element, value), a header row may only repeat that role
        (a merged cell, the template's row of codes): anything else there is the first row of data."""
        width = max(len(alone(x)) for x in band)
        for c in range(width):
            top = None
            for x in band:
                cols = alone(x)
                m = cols[c].match if c < len(cols) else None
                if m is None or m.kind == "empty":
                    continue
                if top is None:
                    top = m
                elif top.kind == "role" and not (m.kind == "role" and m.value == top.value):
                    return False
        return True

    like = [texts.header_like(x) for x in range(0, last + 2)]
    best: tuple[tuple[int, ...], list[Column], int] | None = None
    for r in range(1, last + 1):
        if not like[r]:
            continue
        # A header has at least two columns; a one-cell row (a title, a sentence) can only be part of one.
        base = _score(alone(r)) if sum(1 for t in texts.row(r) if t) >= 2 else 0
        options = [((r,), alone(r) if base else [], base)]
        for band in ((r, r + 1), (r - 1, r), (r - 1, r, r + 1)):
            if not (like[band[0]] and like[band[-1]]) or max(signal(x) for x in band) < 2 or not compatible(band):
                continue
            cols = _band_columns(texts, band, matcher)
            score = _score(cols)
            # An extra row belongs to the header when it adds something: its own codes, names or roles,
            # or a better reading of the columns as group header + sub-header.
            own = all(recognised(x) for x in band if x != r)
            if score > base or (own and score >= base > 0):
                options.append((band, cols, score))
        band, cols, score = max(options, key=lambda o: (o[2], len(o[0])))
        if score > 0 and (best is None or score > best[2]):
            best = (band, cols, score)
    if best is None:
        return None
    band, columns, _ = best
    roles = {c.match.value for c in columns if c.match.kind == "role"}
    orientation = "long" if "value" in roles and ({"element", "element_name"} & roles) else "wide"
    first_data = band[-1] + 1
    while first_data <= len(sheet.rows) and _is_numbering_row(sheet.rows[first_data - 1]):
        first_data += 1
    table = Table(sheet, band, columns, first_data, orientation)
    _read_statements(table, matcher)
    return table


def _is_numbering_row(row: tuple) -> bool:
    """"(1) (2) (3) …" or "A B 1 2 3 …": the row numbering the columns under a Vietnamese form's header."""
    cells = [str(v).strip() for v in row if v is not None and str(v).strip()]
    if len(cells) < 3 or not all(_NUMBERING.match(c) for c in cells):
        return False
    digits = [int(_NUMBERING.match(c).group(1)) for c in cells if _NUMBERING.match(c).group(1).isdigit()]
    return len(digits) >= 2 and all(b == a + 1 for a, b in zip(digits, digits[1:]))


def _read_statements(table: Table, matcher: HeaderMatcher) -> None:
    """Labels with values and months named in titles, above the header; months named in header cells."""
    vocab = matcher.vocab
    sheet = table.sheet
    for r in range(1, table.header_rows[0]):
        row = sheet.rows[r - 1]
        consumed: set[int] = set()
        for c, value in enumerate(row, start=1):
            text = _text(value)
            if not text or c in consumed:
                continue
            label = vocab.label_of(fold(text))
            value_out, value_col = None, None
            if label is None and ":" in text:
                left, right = text.split(":", 1)
                label = vocab.label_of(fold(left))
                if label and right.strip():
                    value_out, value_col = right.strip(), c
            if label and value_out is None:
                for c2 in range(c + 1, len(row) + 1):
                    if row[c2 - 1] is not None and str(row[c2 - 1]).strip():
                        value_out, value_col = row[c2 - 1], c2
                        consumed.add(c2)
                        break
            if label and value_out is not None:
                table.statements.append(Statement(label, value_out, r, value_col))
                if label == "period":
                    continue
            for p in periods_in_text(text):
                table.stated_periods.append((p, r, c))
    for col in table.columns:
        for part in col.parts:
            for p in periods_in_text(part):
                table.stated_periods.append((p, table.header_rows[0], col.index))


def is_group_label(text: str) -> bool:
    """"I. Cấp huyện", "II – Các sở, ngành": a group heading (or its subtotal) in a compiled table."""
    return bool(_ROMAN.match(text.strip()))
