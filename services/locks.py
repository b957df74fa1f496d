"""Locking and unlocking months (the rules of when a month is locked: services/lock_state.py).

- `publish(engine, actor, period)`: the monthly report is published; the month locks (the report
  service calls it; the standing agency and the administrator may).
- `lock(engine, actor, period, reason)`: an administrator locks a month by hand.
- `unlock(engine, actor, period, reason)`: only an administrator, only with a reason; the month is open
  again for `lock_after_days` days (then locks by itself) or until it is locked or published again.
Each is audited and bumps the data version (pages show a month's lock state).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from domain import periods
from domain.errors import Invalid
from services import audit
from services.clock import utcnow
from services.guard import authorize
from services.lock_state import PUBLISHED, LockState, is_locked, lock_state, lock_states  # noqa: F401
from services.permissions import Actor
from storage import models
from storage.db import session_factory
from storage.version import bump_data_version


def _period(period: str) -> str:
    try:
        periods.parse(period)
    except ValueError:
        raise Invalid("access.locks.bad_period", period=str(period)[:20]) from None
    return period.strip()


def _write(engine: Engine, actor: Actor, action: str, period: str, locked: bool, reason: str, now: dt.datetime) -> None:
    with session_factory(engine).begin() as session:
        row = session.get(models.PeriodLock, period, with_for_update=True)
        before = None if row is None else {"locked": row.locked, "reason": row.reason}
        if row is None:
            row = models.PeriodLock(period=period)
            session.add(row)
        row.locked, row.reason, row.changed_by, row.changed_at = locked, reason, actor.username, now
        bump_data_version(session, values=False)
        audit.record(session, actor, action, period, "ok", {"reason": reason, "before": before}, now=now)


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if len(text) < 5:
        raise Invalid("access.locks.reason_required")
    return text[:2000]


def unlock(engine: Engine, actor: Actor | None, period: str, reason: str, *, now: dt.datetime | None = None) -> None:
    """Open a locked month again for corrections (administrator only; the reason is required and audited)."""
    authorize(engine, actor, "unlock", period=period, target=str(period)[:20], now=now)
    period, reason, now = _period(period), _reason(reason), utcnow(now)
    _write(engine, actor, "unlock", period, False, reason, now)


def lock(engine: Engine, actor: Actor | None, period: str, reason: str, *, now: dt.datetime | None = None) -> None:
    """Lock a month by hand before its automatic lock (administrator only; reason required)."""
    authorize(engine, actor, "lock", period=period, target=str(period)[:20], now=now)
    period, reason, now = _period(period), _reason(reason), utcnow(now)
    _write(engine, actor, "lock", period, True, reason, now)


def publish(engine: Engine, actor: Actor | None, period: str, *, now: dt.datetime | None = None) -> None:
    """Record that `period`'s report is published: the month locks. Publishing again is harmless."""
    authorize(engine, actor, "publish", period=period, target=str(period)[:20], now=now)
    period, now = _period(period), utcnow(now)
    _write(engine, actor, "publish", period, True, PUBLISHED, now)
