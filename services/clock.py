"""Time and settings as the services see them. Every service function takes `now=` (an aware datetime)
so that tests move the clock instead of sleeping; production passes nothing and gets the real time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from storage import frames


def utcnow(now: dt.datetime | None = None) -> dt.datetime:
    if now is None:
        return dt.datetime.now(dt.timezone.utc)
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass an aware datetime")
    return now.astimezone(dt.timezone.utc)


def setting(engine: Engine, key: str):
    """The effective value of a setting declared in domain/settings.toml (administrator's override or default)."""
    return frames.settings(engine)[key]


def local_today(engine: Engine, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the province's time zone (setting `timezone_offset_hours`, Vietnam: UTC+7)."""
    offset = dt.timedelta(hours=setting(engine, "timezone_offset_hours"))
    return (utcnow(now) + offset).date()
