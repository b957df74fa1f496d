"""The `edit_targets` action: an indicator's target for a year, province-wide or for one unit, with the
decision that set it (DOMAIN.md §4). Audited with the value before and after; bumps the data version so
every page recomputes statuses."""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import Engine, select

from domain.errors import Invalid
from services import audit
from services.clock import utcnow
from services.guard import authorize
from services.permissions import Actor
from storage import models
from storage.db import session_factory
from storage.version import bump_data_version

YEARS = (2000, 2100)


def _value(value) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise Invalid("access.targets.bad_value", value=str(value)[:30]) from None
    if not math.isfinite(out) or not 0.0 <= out <= 1.0:
        raise Invalid("access.targets.bad_value", value=str(value)[:30])
    return out


def set_target(engine: Engine, actor: Actor | None, indicator: str, year: int, value: float,
               unit_code: str | None = None, decision: str = "", *, now: dt.datetime | None = None) -> None:
    """Set the target of `indicator` for `year` to `value` (a fraction: 0.70 is 70 %). `unit_code` None:
    the province-wide target (of the only province in the database). `decision`: the document that set
    it (e.g. "Kế hoạch 123/KH-UBND ngày 10/01/2026"); required."""
    target_text = f"{indicator}/{year}/{unit_code or ''}"[:300]
    authorize(engine, actor, "edit_targets", target=target_text, now=now)
    now = utcnow(now)
    value = _value(value)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise Invalid("access.targets.bad_year", year=str(year)[:10]) from None
    if not YEARS[0] <= year <= YEARS[1]:
        raise Invalid("access.targets.bad_year", year=year)
    decision = (decision or "").strip()
    if len(decision) < 3:
        raise Invalid("access.targets.decision_required")
    with session_factory(engine).begin() as session:
        if session.get(models.Indicator, indicator) is None:
            raise Invalid("access.targets.unknown_indicator", indicator=str(indicator)[:40])
        if unit_code is None:
            provinces = list(session.execute(select(models.Unit.code).where(models.Unit.level == "province")).scalars())
            if len(provinces) != 1:
                raise Invalid("access.targets.unit_required")
            unit_code = provinces[0]
        elif session.get(models.Unit, unit_code) is None:
            raise Invalid("access.targets.unknown_unit", unit=str(unit_code)[:40])
        t = models.Target
        row = session.execute(
            select(t).where(t.indicator_code == indicator, t.year == year, t.unit_code == unit_code).with_for_update()
        ).scalar_one_or_none()
        before = None if row is None else {"value": row.value, "decision": row.decision, "set_by": row.set_by}
        if row is None:
            row = t(indicator_code=indicator, year=year, unit_code=unit_code)
            session.add(row)
        row.value, row.decision, row.set_by, row.set_at = value, decision[:2000], actor.username, now
        bump_data_version(session, values=False)
        audit.record(session, actor, "edit_targets", f"{indicator}/{year}/{unit_code}", "ok", {
            "indicator": indicator, "year": year, "unit": unit_code, "before": before, "value": value, "decision": decision,
        }, now=now)
