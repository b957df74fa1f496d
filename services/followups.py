"""The standing agency's follow-up of flagged units (`manage_flags`; reading: `view_followups`).

Each status change is a new row (Chưa nhắc nhở open → Đã nhắc nhở notified → Đang khắc phục improving → Đã khắc
phục resolved, or Không chuyển biến no_change; in any order the agency needs) with a note, who and when,
and (issue 12) the due date by which the unit is to have improved, the reminder letter's number and date,
the cause the unit reports (CAUSES, plus its own words); the latest row per unit and month is the current
status. Each unit has a responsible leader (name, position), to whom its follow-ups are assigned. Audited;
bumps the data version so the flags page shows it at once. A follow-up concerns a month that is over,
so period locks do not apply to it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, select

from domain import periods
from domain.errors import Invalid
from metrics.followups import CAUSES, CLOSED, COLUMNS, queue, summary  # noqa: F401 - part of this service's surface
from services import audit
from services.clock import utcnow
from services.guard import authorize
from services.permissions import Actor
from storage import models
from storage.db import session_factory
from storage.version import bump_data_version

STATUSES = ("open", "notified", "improving", "resolved", "no_change")
MAX_NOTE = 4000
MAX_NAME = 200
LEADER_COLUMNS = ["unit_code", "name", "position", "updated_by", "updated_at"]


def add_followup(engine: Engine, actor: Actor | None, unit_code: str, period: str, status: str, note: str = "",
                 *, due_date: dt.date | None = None, letter_no: str | None = None, letter_date: dt.date | None = None,
                 cause: str | None = None, cause_text: str | None = None, now: dt.datetime | None = None) -> int:
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
    if cause is not None and cause not in CAUSES:
        raise Invalid("followup.bad_cause", cause=str(cause)[:30], causes=", ".join(CAUSES))
    letter_no = (letter_no or "").strip() or None
    if letter_no is not None and len(letter_no) > 60:
        raise Invalid("followup.letter_no_too_long", max=60)
    cause_text = (cause_text or "").strip() or None
    if cause_text is not None and len(cause_text) > MAX_NOTE:
        raise Invalid("access.followups.note_too_long", max=MAX_NOTE)
    with session_factory(engine).begin() as session:
        if session.get(models.Unit, unit_code) is None:
            raise Invalid("access.targets.unknown_unit", unit=str(unit_code)[:40])
        row = models.FlagFollowUp(unit_code=unit_code, period=period, status=status, note=note,
                                  created_by=actor.username, created_at=now, due_date=due_date, letter_no=letter_no,
                                  letter_date=letter_date, cause=cause, cause_text=cause_text)
        session.add(row)
        session.flush()
        bump_data_version(session, values=False)
        audit.record(session, actor, "manage_flags", f"{unit_code}/{period}", "ok",
                     {"id": row.id, "unit": unit_code, "period": period, "status": status, "note": note,
                      "due_date": due_date.isoformat() if due_date else None, "letter_no": letter_no,
                      "letter_date": letter_date.isoformat() if letter_date else None, "cause": cause,
                      "cause_text": cause_text}, now=now)
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


def set_unit_leader(engine: Engine, actor: Actor | None, unit_code: str, name: str, position: str = "",
                    *, now: dt.datetime | None = None) -> None:
    """Record (or change) the responsible leader of `unit_code`: name and position."""
    authorize(engine, actor, "manage_flags", target=f"leader/{unit_code}"[:300], now=now)
    now = utcnow(now)
    name, position = (name or "").strip(), (position or "").strip()
    if not name:
        raise Invalid("followup.leader_name_missing")
    if len(name) > MAX_NAME or len(position) > MAX_NAME:
        raise Invalid("followup.leader_too_long", max=MAX_NAME)
    with session_factory(engine).begin() as session:
        if session.get(models.Unit, unit_code) is None:
            raise Invalid("access.targets.unknown_unit", unit=str(unit_code)[:40])
        row = session.get(models.UnitLeader, unit_code)
        before = None if row is None else {"name": row.name, "position": row.position}
        if row is None:
            row = models.UnitLeader(unit_code=unit_code, name=name, position=position, updated_by=actor.username, updated_at=now)
            session.add(row)
        else:
            row.name, row.position, row.updated_by, row.updated_at = name, position, actor.username, now
        bump_data_version(session, values=False)
        audit.record(session, actor, "manage_flags", f"leader/{unit_code}", "ok",
                     {"unit": unit_code, "name": name, "position": position, "before": before}, now=now)


def unit_leaders(engine: Engine, actor: Actor | None, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every unit's responsible leader (LEADER_COLUMNS)."""
    authorize(engine, actor, "view_followups", now=now)
    m = models.UnitLeader
    with engine.connect() as conn:
        rows = conn.execute(select(*[getattr(m, c) for c in LEADER_COLUMNS]).order_by(m.unit_code)).all()
    return pd.DataFrame(rows, columns=LEADER_COLUMNS)


