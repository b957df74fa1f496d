"""`authorize`: the one gate every service entry point goes through before it changes or shows anything.

It asks the matrix (services/permissions.py), then, in a deployment holding several provinces, whether the
units touched are in the actor's provinces (`home_provinces`: an account bound to units of a province
acts for that province alone, even where its role says "any"; an account bound to no unit is national), then, for actions that respect period locks, whether any
month touched is locked; a refusal is written to the audit trail in its own transaction (so it survives
whatever the caller rolls back) and raised as `Refused`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping

from sqlalchemy import Engine, select

from domain.errors import Refused
from services import audit
from services.clock import utcnow
from services.lock_state import LockRules, states_in
from services.permissions import Actor, check, matrix
from storage import models

log = logging.getLogger("p06.access")


def province_codes(engine: Engine) -> frozenset[str]:
    """The province units (whose aggregate every role may see)."""
    with engine.connect() as conn:
        return frozenset(conn.execute(select(models.Unit.code).where(models.Unit.level == "province")).scalars())


def home_provinces(engine: Engine, actor: Actor | None) -> frozenset[str] | None:
    """The provinces `actor` acts for, or None for every one: in a deployment of one province, and for an
    account bound to no unit (a national account: the ministry, the central steering committee). In a
    deployment of several provinces an account bound to units acts for the provinces of those units."""
    if actor is None or not actor.unit_codes:
        return None
    with engine.connect() as conn:
        if len(conn.execute(select(models.Unit.code).where(models.Unit.level == "province").limit(2)).all()) < 2:
            return None
        return frozenset(conn.execute(select(models.Unit.province_code).where(models.Unit.code.in_(sorted(actor.unit_codes)))
                                      .distinct()).scalars())


def outside_provinces(engine: Engine, unit_codes: Iterable[str], provinces: frozenset[str]) -> list[str]:
    """The units of `unit_codes` that are not in `provinces` (unknown codes are left to the caller)."""
    codes = sorted(set(unit_codes))
    if not codes:
        return []
    with engine.connect() as conn:
        rows = conn.execute(select(models.Unit.code, models.Unit.province_code).where(models.Unit.code.in_(codes))).all()
    return sorted(code for code, province in rows if province not in provinces)


def _as_list(value) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    return sorted(set(value))


def refuse(engine: Engine, actor: Actor | None, action: str, refusal: Refused, *, target: str = "",
           detail: Mapping | None = None, now: dt.datetime | None = None) -> Refused:
    """Audit a refusal (own transaction) and hand it back for the caller to raise."""
    body = {"reason": refusal.reason, **(detail or {})}
    audit.record(engine, actor, action, target, "refused", body, now=now)
    log.info("refused %s to %s: %s", action, getattr(actor, "username", None), refusal.reason)
    return refusal


def authorize(
    engine: Engine,
    actor: Actor | None,
    action: str,
    *,
    unit_codes: Iterable[str] | str | None = None,
    period: Iterable[str] | str | None = None,
    target: str = "",
    detail: Mapping | None = None,
    now: dt.datetime | None = None,
) -> None:
    """Return when `actor` may do `action` on these units and months; otherwise audit and raise Refused.
    `unit_codes`: the units touched (None when the action is not about units). `period`: the months
    touched; for actions that respect locks (submit), a locked month refuses."""
    units = _as_list(unit_codes)
    months = _as_list(period)
    spec = matrix().actions[action] if action in matrix().actions else None
    province = ()
    home = home_provinces(engine, actor) if actor is not None and units is not None else None
    if spec is not None and spec.own_includes_province and actor is not None and units is not None:
        province = province_codes(engine) if home is None else home
    refusal = check(actor, action, units, province)
    if refusal is None and home is not None and units:
        others = outside_provinces(engine, units, home)
        if others:
            refusal = Refused("access.refused.unit", reason="unit", units=others)
    if refusal is None and spec.respects_locks and months:
        rules = LockRules.of(engine)
        today = rules.local_date(utcnow(now))
        with engine.connect() as conn:
            locked = [p for p, s in states_in(conn, months, rules, today).items() if s.locked]
        if locked:
            refusal = Refused("access.refused.locked", reason="locked", periods=locked)
    if refusal is not None:
        body = dict(detail or {})
        if units is not None:
            body["units"] = units
        if months is not None:
            body["periods"] = months
        raise refuse(engine, actor, action, refusal, target=target, detail=body, now=now)
