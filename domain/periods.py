"""Reporting periods. A period is a month written "YYYY-MM" everywhere: database, CLI, JSON, files."""

from __future__ import annotations

import datetime as dt
import re

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def parse(period: str) -> tuple[int, int]:
    """("2025-07") -> (2025, 7); ValueError with the offending text otherwise."""
    m = _PERIOD.match(str(period).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"not a month in the form YYYY-MM: {period!r}")
    return int(m.group(1)), int(m.group(2))


def is_period(text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def make(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def add(period: str, months: int) -> str:
    y, m = parse(period)
    index = y * 12 + (m - 1) + months
    return make(index // 12, index % 12 + 1)


def span(first: str, last: str) -> list[str]:
    """Every month from `first` to `last`, both included."""
    out = []
    p = first
    while p <= last:
        out.append(p)
        p = add(p, 1)
    return out


def first_day(period: str) -> dt.date:
    y, m = parse(period)
    return dt.date(y, m, 1)


def last_day(period: str) -> dt.date:
    return first_day(add(period, 1)) - dt.timedelta(days=1)


def of_date(day: dt.date) -> str:
    return make(day.year, day.month)


def year(period: str) -> int:
    return parse(period)[0]


def month(period: str) -> int:
    return parse(period)[1]


def due_date(period: str, deadline_day: int = 5) -> dt.date:
    """A month's submission is due on `deadline_day` of the following month (DOMAIN.md §5)."""
    nxt = first_day(add(period, 1))
    day = min(deadline_day, last_day(of_date(nxt)).day)
    return nxt.replace(day=day)
