"""The standing agency's follow-up of flagged units (`manage_flags`; reading: `view_followups`).

Each status change is a new row (open → notified → improving → resolved, in any order the agency
needs) with a note, who and when; the latest row per unit and month is the current status. Audited;
bumps the data version so the flags page shows it at once. A follow-up concerns a month that is over,
so period locks do not apply to it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, select

from domain import periods
from services import audit
from services.clock import utcnow
from domain.errors import Invalid
from services.guard import authorize
from services.permissions import Actor
from storage import models
from storage.db import session_factory
from storage.setup import bump_data_version

STATUSES = ("open", "notified", "improving", "resolved")
MAX_NOTE = 4000
COLUMNS = ["id", "unit_code", "period", "status", "note", "created_by", "created_at"]


def add_followup(engine: Engine, actor: Actor | None, unit_code: str, period: str, status: str, note: str = "",
                 *, now: dt.datetime | None = None) -> int:
    """Record a follow-up of `unit_code`'s flag for `period`; returns its id."""
    authorize(engine, actor, "manage_flags", target=f"{unit_code}/{period}"[:300], now=now)
    now = utcnow(now)
    if status not in STATUSES:
        raise Invalid("access.followups.bad_status", status=str(status)[:20], statuses=list(STATUSES))
    if not periods.is_period(period):
        raise Invalid("access.locks.bad_period", period=str(period)[:20])
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid("access.followups.note_too_long", max=MAX_NOTE)
    with session_factory(engine).begin() as session:
        if session.get(models.Unit, unit_code) is None:
            raise Invalid("access.targets.unknown_unit", unit=str(unit_code)[:40])
        row = models.FlagFollowUp(unit_code=unit_code, period=period, status=status, note=note,
                                  created_by=actor.username, created_at=now)
        session.add(row)
        session.flush()
        bump_data_version(session)
        audit.record(session, actor, "manage_flags", f"{unit_code}/{period}", "ok",
                     {"id": row.id, "unit": unit_code, "period": period, "status": status, "note": note}, now=now)
        return row.id


def history(engine: Engine, actor: Actor | None, unit_code: str | None = None, period: str | None = None,
            *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every follow-up row, oldest first, optionally for one unit and/or month."""
    authorize(engine, actor, "view_followups", now=now)
    f = models.FlagFollowUp
    stmt = select(*[getattr(f, c) for c in COLUMNS]).order_by(f.created_at, f.id)
    if unit_code:
        stmt = stmt.where(f.unit_code == unit_code)
    if period:
        stmt = stmt.where(f.period == period)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=COLUMNS)


def current(engine: Engine, actor: Actor | None, period: str | None = None, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """The latest follow-up per unit and month: the status the flags page shows."""
    rows = history(engine, actor, period=period, now=now)
    latest = rows.drop_duplicates(["unit_code", "period"], keep="last")
    return latest.sort_values(["period", "unit_code"]).reset_index(drop=True)
