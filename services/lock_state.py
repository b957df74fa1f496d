"""Whether a month is locked, and why (the reading half of period locking; changes: services/locks.py).

A month locks, as DHIS2's data approval locks data:
- when its report is published, or an administrator locks it by hand (`period_lock.locked` true);
- automatically, `lock_after_days` days after its deadline (the `deadline_day` of the next month): a
  month is open through deadline + lock_after_days and locked from the day after, local time.
An administrator may unlock a locked month, with a reason. An unlocked month stays open for
`lock_after_days` days from the day it was unlocked (never less than its own automatic window), then
locks again by itself; publishing or locking it by hand locks it at once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from domain import clock, periods
from services.clock import local_today, setting
from storage import models

PUBLISHED = "published"  # the reason stored by publish(); any other reason on a locked row is a manual lock
KINDS = ("open", "auto", "published", "manual", "unlocked")


@dataclass(frozen=True)
class LockRules:
    deadline_day: int
    lock_after_days: int
    offset_hours: int

    @classmethod
    def of(cls, engine: Engine) -> "LockRules":
        return cls(setting(engine, "deadline_day"), setting(engine, "lock_after_days"), setting(engine, "timezone_offset_hours"))

    def auto_lock_on(self, period: str) -> dt.date:
        """The first local day on which `period` is locked by itself."""
        return periods.due_date(period, self.deadline_day) + dt.timedelta(days=self.lock_after_days + 1)

    def local_date(self, when: dt.datetime) -> dt.date:
        return clock.local_date(when, self.offset_hours)


@dataclass(frozen=True)
class LockState:
    period: str
    locked: bool
    kind: str  # open | auto | published | manual | unlocked (open again after an administrator's unlock)
    reason: str = ""
    changed_by: str | None = None
    changed_at: dt.datetime | None = None
    locks_on: dt.date | None = None  # when an open month will lock by itself


def _decide(period: str, row, rules: LockRules, today: dt.date) -> LockState:
    auto_on = rules.auto_lock_on(period)
    if row is None:
        if today >= auto_on:
            return LockState(period, True, "auto", locks_on=None)
        return LockState(period, False, "open", locks_on=auto_on)
    base = dict(reason=row.reason, changed_by=row.changed_by, changed_at=row.changed_at)
    if row.locked:
        return LockState(period, True, PUBLISHED if row.reason == PUBLISHED else "manual", **base)
    relock_on = max(auto_on, rules.local_date(row.changed_at) + dt.timedelta(days=rules.lock_after_days + 1))
    if today >= relock_on:
        return LockState(period, True, "auto", **base)
    return LockState(period, False, "unlocked", locks_on=relock_on, **base)


def _rows(conn, period_list: list[str]) -> dict:
    t = models.PeriodLock.__table__
    return {r.period: r for r in conn.execute(select(t).where(t.c.period.in_(period_list)))}


def states_in(bind: Session | Connection, period_list, rules: LockRules, today: dt.date) -> dict[str, LockState]:
    """Lock states read through the caller's session or connection (inside a transaction)."""
    period_list = sorted(set(period_list))
    conn = bind.connection() if isinstance(bind, Session) else bind
    rows = _rows(conn, period_list)
    return {p: _decide(p, rows.get(p), rules, today) for p in period_list}


def lock_states(engine: Engine, period_list, today: dt.date | None = None) -> dict[str, LockState]:
    for p in period_list:
        periods.parse(p)
    rules = LockRules.of(engine)
    today = today or local_today(engine)
    with engine.connect() as conn:
        return states_in(conn, period_list, rules, today)


def lock_state(engine: Engine, period: str, today: dt.date | None = None) -> LockState:
    return lock_states(engine, [period], today)[period]


def is_locked(engine: Engine, period: str, today: dt.date | None = None) -> bool:
    """True when changes to `period`'s figures need an administrator to unlock it first."""
    return lock_state(engine, period, today).locked
