"""The administrator's audit-trail entry points (`view_audit`): search, and export as CSV or XLSX
(which is also an `export`, recorded like any other)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine

import i18n
from domain.errors import Invalid
from services import audit
from services.clock import setting
from services.exports import record_export
from services.guard import authorize
from services.permissions import Actor

FORMATS = ("csv", "xlsx")


def search(engine: Engine, actor: Actor | None, *, now: dt.datetime | None = None, **filters) -> pd.DataFrame:
    """services.audit.search for an actor allowed to read the trail. Filters: username, action, since,
    until, text, outcome, limit."""
    authorize(engine, actor, "view_audit", now=now)
    return audit.search(engine, **filters)


def export(engine: Engine, actor: Actor | None, fmt: str = "csv", lang: str = i18n.DEFAULT_LANG, *,
           now: dt.datetime | None = None, **filters) -> bytes:
    """The events matching `filters` as a CSV or XLSX file (text cells guarded against formulas)."""
    if fmt not in FORMATS:
        raise Invalid("access.audit.bad_format", format=str(fmt)[:10], formats=list(FORMATS))
    frame = search(engine, actor, now=now, **filters)
    record_export(engine, actor, "audit_log", fmt=fmt, rows=len(frame), now=now)
    offset = setting(engine, "timezone_offset_hours")
    return audit.to_csv(frame, lang, offset) if fmt == "csv" else audit.to_xlsx(frame, lang, offset)
