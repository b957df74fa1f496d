"""A table as a file people open in Excel: CSV (UTF-8 with a byte-order mark, so Excel reads Vietnamese
correctly) or XLSX (bold frozen header, widths fitted, percentages and counts formatted). Every text cell
is guarded against formula injection (domain.safe_text)."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from domain.safe_text import guard_cell, guard_frame

PERCENT_FORMAT = "0.00%"
INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0"
HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")


# XML 1.0 cannot hold these: openpyxl refuses to write them (IllegalCharacterError), and in a CSV they could
# hide a leading "=" from the guard.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def safe_text(value):
    """A text cell as it may be written: control characters out first (they could hide a leading `=`),
    then the formula guard. Anything but text is returned unchanged."""
    if isinstance(value, str):
        return guard_cell(_ILLEGAL_XML.sub("", value))
    return value


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, comma-separated, CRLF line ends (Excel's own; with bare LF line ends Python's csv
    writer leaves a cell holding a carriage return unquoted, and the row breaks in two), numbers as plain
    numbers (a spreadsheet formats them)."""
    out = guard_frame(frame.map(lambda v: _ILLEGAL_XML.sub("", v) if isinstance(v, str) else v))
    out.columns = [safe_text(str(c)) for c in frame.columns]
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _cell_value(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones; callers give local times
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    return safe_text(value)


def write_sheet(ws, frame: pd.DataFrame, *, percent_columns: Iterable[str] = (), integer_columns: Iterable[str] = (),
                title: str | None = None, notes: Sequence[str] = (), number_formats: Mapping[str, str] | None = None) -> int:
    """Write `frame` into worksheet `ws`: an optional title row (and `notes` lines under it), a bold frozen
    header, formats, widths. `number_formats` gives any column its own format. Returns the header's row."""
    percent, integer = set(percent_columns), set(integer_columns)
    formats = dict(number_formats or {})
    row0 = 1
    if title:
        ws.cell(row=1, column=1, value=safe_text(title)).font = Font(bold=True, size=13)
        for k, note in enumerate(notes, 2):
            ws.cell(row=k, column=1, value=safe_text(note)).font = Font(italic=True)
        row0 = 3 + len(notes)
    for j, name in enumerate(frame.columns, 1):
        c = ws.cell(row=row0, column=j, value=safe_text(str(name)))
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(frame.itertuples(index=False), row0 + 1):
        for j, (name, value) in enumerate(zip(frame.columns, row), 1):
            c = ws.cell(row=i, column=j, value=_cell_value(value))
            if name in formats:
                c.number_format = formats[name]
            elif name in percent:
                c.number_format = PERCENT_FORMAT
            elif name in integer:
                c.number_format = INTEGER_FORMAT
    ws.freeze_panes = ws.cell(row=row0 + 1, column=1)
    for j, name in enumerate(frame.columns, 1):
        longest = max([len(str(name))] + [len(str(v)) for v in frame.iloc[:200, j - 1].tolist()])
        ws.column_dimensions[get_column_letter(j)].width = min(max(10, longest + 2), 60)
    return row0


def to_xlsx(frame: pd.DataFrame, sheet_name: str = "Data", *, percent_columns: Iterable[str] = (),
            integer_columns: Iterable[str] = (), title: str | None = None) -> bytes:
    """One sheet holding `frame`. Name percentage columns (fractions: 0.7235 shows as 72.35 % or 72,35 %
    by the reader's locale) and count columns so that they are formatted, not just numbers."""
    wb = Workbook()
    ws = wb.active
    ws.title = re.sub(r"[\\/*?:\[\]]", "-", _ILLEGAL_XML.sub("", sheet_name))[:31] or "Data"
    write_sheet(ws, frame, percent_columns=percent_columns, integer_columns=integer_columns, title=title)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
