"""Reading what people type into a figure cell, and months written as text.

A figure arrives as an Excel number, or as text typed the Vietnamese way ("62.950", "1.234.567"), or with
spaces ("1 234 567"), or as "-" or nothing for "no figure". Text that could mean two different numbers
("62,950": 62 950 in English, 62,95 in Vietnamese) is not guessed: it is reported.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

import numpy as np

from domain import periods
from domain.text import unaccent

MISSING_MARKS = {"", "-", "–", "—", "x", "X", "..", "...", "…", "n/a", "N/A", "#N/A"}
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
_PLAIN = re.compile(r"^[+]?\d+$")
_DOT_GROUPS = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 62.950, 1.234.567 (Vietnamese thousands)
_COMMA_GROUPS_MANY = re.compile(r"^\d{1,3}(,\d{3}){2,}$")  # 1,234,567: commas cannot be a decimal mark
_COMMA_ONE_GROUP = re.compile(r"^\d{1,3},\d{3}$")  # 62,950: 62950 or 62,95? ambiguous
_DECIMAL = re.compile(r"^[+-]?\d+[.,]\d+$")
_NEGATIVE = re.compile(r"^(?:-|−|–)\s*\d[\d.,\s]*$|^\(\s*\d[\d.,\s]*\)$")


@dataclass(frozen=True)
class Reading:
    """What a cell holds: a number, nothing (blank), or something that is not a usable number (issue)."""

    number: float | None
    blank: bool = False
    issue: str | None = None  # "ambiguous_number" | "not_a_number" | None


BLANK = Reading(None, blank=True)
NOT_A_NUMBER = Reading(None, issue="not_a_number")
_NUMBER_START = frozenset("0123456789+-−–(.,")


def read_number(value) -> Reading:
    """The figure in a cell. Whole/negative/size are judged later by the validation schema; this only
    turns text into a number where the text means exactly one number."""
    if value is None:
        return BLANK
    if isinstance(value, bool):
        return Reading(None, issue="not_a_number")
    if isinstance(value, int):
        return Reading(float(value)) if abs(value) < 2**63 else Reading(None, issue="not_a_number")
    if isinstance(value, float):
        return Reading(value) if math.isfinite(value) else Reading(None, issue="not_a_number")
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return NOT_A_NUMBER
    text = str(value).strip()
    if text in MISSING_MARKS:
        return BLANK
    if text[0] not in _NUMBER_START and not text[0].isspace():
        return NOT_A_NUMBER  # words ("khoảng 950", "Tổng số hồ sơ"): no number starts with a letter
    text = _SPACES.sub(" ", text).strip()
    if text in MISSING_MARKS:
        return BLANK
    compact = text.replace(" ", "")
    if _PLAIN.match(compact):
        return Reading(float(int(compact)))
    if _DOT_GROUPS.match(compact):
        return Reading(float(int(compact.replace(".", ""))))
    if _COMMA_GROUPS_MANY.match(compact):
        return Reading(float(int(compact.replace(",", ""))))
    if " " in text and re.match(r"^\d{1,3}( \d{3})+$", text):
        return Reading(float(int(compact)))
    if _COMMA_ONE_GROUP.match(compact):
        return Reading(None, issue="ambiguous_number")
    if _NEGATIVE.match(compact):
        inner = compact.strip("()").lstrip("-−–")
        positive = read_number(inner)
        if positive.number is not None:
            return Reading(-positive.number)
        return Reading(None, issue=positive.issue or "not_a_number")
    if _DECIMAL.match(compact):
        # "12,5" or "12.5": a decimal in either convention; never a whole count unless the fraction is 0.
        whole, frac = re.split(r"[.,]", compact.lstrip("+"))
        return Reading(float(f"{whole}.{frac}"))
    return Reading(None, issue="not_a_number")


_FAST_KINDS = frozenset({int, float, type(None)})
_LIMIT = float(2**63)


def read_numbers(values: list) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """`read_number` over a column of cells, as three columns: the number (NaN where there is none), whether
    the cell is blank, and the issue (None where there is none). The same readings as cell by cell: the
    Excel numbers and empty cells of a column (a compiled workbook's figures) are converted at once; text,
    and any number the fast path cannot vouch for (NaN, infinite, 2**63 and beyond), goes through
    `read_number`."""
    n = len(values)
    slow = [i for i, t in enumerate(map(type, values)) if t not in _FAST_KINDS]
    fast = values
    if slow:
        fast = list(values)
        for i in slow:
            fast[i] = None
    try:
        number = np.array(fast, dtype=float) if n else np.empty(0)  # None -> NaN
    except (OverflowError, TypeError, ValueError):  # an int beyond a float's range
        number = np.full(n, np.nan)
        slow = range(n)
    blank = np.fromiter((v is None for v in fast), dtype=bool, count=n)
    with np.errstate(invalid="ignore"):
        doubtful = ~blank & ~(np.isfinite(number) & (np.abs(number) < _LIMIT))
    if doubtful.any():
        slow = sorted(set(slow) | set(np.flatnonzero(doubtful).tolist()))
    issue: list[str | None] = [None] * n
    for i in slow:
        reading = read_number(values[i])
        blank[i] = reading.blank
        number[i] = np.nan if reading.number is None else reading.number
        issue[i] = reading.issue
    return number, blank, issue


# Months: "2024-05", "05/2024", "5/2024", "T5/2024", "Tháng 5/2024", "tháng 05 năm 2024", "05-2024", a date.
_ISO = re.compile(r"^(\d{4})-(\d{1,2})$")
_MONTH_YEAR = re.compile(r"^(?:thang|t|month)?\s*(\d{1,2})\s*(?:[/.\-]|nam)\s*(\d{4})$")
_IN_TEXT = re.compile(r"(?<![\w/])(?:thang|month)\s*(\d{1,2})\s*(?:[/.\-]|\s+nam\s+|\s*,\s*nam\s+|\s+)(\d{4})\b")
_DATE_BEFORE = re.compile(r"ngay\s*\d{1,2}\s*$")


def read_period(value) -> str | None:
    """A month written in a cell, as "YYYY-MM", or None when the cell does not hold exactly one month."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return periods.make(value.year, value.month)
    if isinstance(value, dt.date):
        return periods.make(value.year, value.month)
    text = unaccent(_SPACES.sub(" ", str(value))).strip().lower()
    m = _ISO.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        return periods.make(int(m.group(1)), int(m.group(2)))
    m = _MONTH_YEAR.match(text)
    if m and 1 <= int(m.group(1)) <= 12:
        return periods.make(int(m.group(2)), int(m.group(1)))
    found = periods_in_text(text)
    return found[0] if len(found) == 1 else None


def periods_in_text(value) -> list[str]:
    """Months named in running text such as a title ("BÁO CÁO THÁNG 5/2024", "tháng 05 năm 2024"), in order,
    without repeats. A date ("ngày 03 tháng 6 năm 2024", the signing line of an official letter) is not a
    reporting month and is skipped."""
    text = unaccent(_SPACES.sub(" ", str(value))).lower()
    out: list[str] = []
    for m in _IN_TEXT.finditer(text):
        if _DATE_BEFORE.search(text[: m.start()]):
            continue
        month, year = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12 and 1900 < year < 2200:
            p = periods.make(year, month)
            if p not in out:
                out.append(p)
    return out
