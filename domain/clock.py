"""The clock: now in UTC, and the province's local date and time from its offset (setting
`timezone_offset_hours`, Vietnam: UTC+7). Every "today", deadline and "is this month in the future" in the
project goes through here, so that tests can move the clock (`now=`) and a province in another zone only
changes a setting."""

from __future__ import annotations

import datetime as dt


def utcnow(now: dt.datetime | None = None) -> dt.datetime:
    """`now` in UTC (the real time when None). A naive datetime is refused: pass an aware one."""
    if now is None:
        return dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return now.astimezone(dt.timezone.utc)


def zone(offset_hours: int | float) -> dt.timezone:
    """The province's time zone."""
    return dt.timezone(dt.timedelta(hours=float(offset_hours)))


def local_now(offset_hours: int | float, now: dt.datetime | None = None) -> dt.datetime:
    """The province's wall-clock time."""
    return utcnow(now).astimezone(zone(offset_hours))


def local_date(at: dt.datetime | None, offset_hours: int | float) -> dt.date:
    """The province's calendar date at the moment `at` (now when None)."""
    return local_now(offset_hours, at).date()
