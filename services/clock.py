"""Time and settings as the services see them. Every service function takes `now=` (an aware datetime)
so that tests move the clock instead of sleeping; production passes nothing and gets the real time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from domain.clock import local_date, utcnow
from storage import frames

__all__ = ["local_today", "setting", "utcnow"]


def setting(engine: Engine, key: str):
    """The effective value of a setting declared in domain/settings.toml (administrator's override or default)."""
    return frames.settings(engine)[key]


def local_today(engine: Engine, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the province's time zone (setting `timezone_offset_hours`, Vietnam: UTC+7)."""
    return local_date(now, setting(engine, "timezone_offset_hours"))
