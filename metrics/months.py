"""Months as integers (year × 12 + month − 1) so that windows, lags and validity are array arithmetic; and
the reporting windows a figure can be asked for (DOMAIN.md §4: month, quarter, year to date, year)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from domain import periods

KINDS = ("month", "quarter", "ytd", "year")
# Far outside any reporting month: an open validity bound.
OPEN_START = -(10**6)
OPEN_END = 10**6


def index(period: str) -> int:
    y, m = periods.parse(period)
    return y * 12 + m - 1


def period(i: int) -> str:
    return periods.make(int(i) // 12, int(i) % 12 + 1)


def year_of(i) -> np.ndarray | int:
    return np.asarray(i) // 12


def of_date(day: dt.date | None, open_value: int) -> int:
    return open_value if day is None or day != day else day.year * 12 + day.month - 1


def window_start(end, kind: str) -> np.ndarray:
    """First month of the window that ends at `end` (month indices): the month itself, the start of its
    quarter (quarter to date), or January (year to date and year)."""
    end = np.asarray(end)
    if kind == "month":
        return end
    if kind == "quarter":
        return end - (end % 12) % 3
    if kind in ("ytd", "year"):
        return end - end % 12
    raise ValueError(f"unknown period kind {kind!r}; kinds are {', '.join(KINDS)}")


def window_end(period_index: int, kind: str, last_with_data: int | None) -> int:
    """The month a window's figures are taken at. A `year` runs to December, or to the latest month with
    data while the year is still going; every other kind ends at the month asked for."""
    if kind == "year":
        december = period_index - period_index % 12 + 11
        if last_with_data is not None and last_with_data < december:
            return max(last_with_data, period_index - period_index % 12)
        return december
    window_start(period_index, kind)  # validates the kind
    return period_index
