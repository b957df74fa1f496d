"""Text that goes into a spreadsheet someone will open: guarded against formula injection.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return can be taken for a formula
by Excel or LibreOffice (OWASP, "CSV Injection"), and openpyxl itself writes a string starting with `=`
as a formula. Every text cell of every export (CSV or XLSX: audit trail, reports, page downloads) goes
through `guard_cell`, which puts an apostrophe in front of such text so that it is shown as typed.
Numbers are left alone: a negative number is a number, not a formula.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value):
    """`value` unchanged unless it is text starting like a formula; then the same text after an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def guard_frame(frame):
    """A copy of a pandas DataFrame with every text cell (and every column name) guarded.
    Duck-typed, so that this bottom layer imports nothing."""
    out = frame.map(guard_cell)
    out.columns = [guard_cell(c) for c in frame.columns]
    return out
