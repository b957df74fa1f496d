"""The `view` action: which units' figures an actor may see.

Every role but the submitter sees every unit of the deployment; where it holds several provinces, an
account bound to units sees their provinces only (services.guard.home_provinces), a national account all. A submitter sees their own units and the province
aggregate (computed from every unit by the metrics, then shown as the province's row), nothing else:
no other unit's row, no ranking of others. Pages ask once per run for the actor's `ViewScope` and pass
their frames through `scope.filter`; asking for a unit outside the scope is refused and audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select

from services.guard import authorize, home_provinces, province_codes
from services.permissions import Actor
from services.permissions import scope as cell
from storage import models


@dataclass(frozen=True)
class ViewScope:
    everything: bool
    unit_codes: frozenset[str] = frozenset()  # the actor's own units (when not everything)
    province_codes: frozenset[str] = frozenset()

    def allows(self, unit_code: str) -> bool:
        return self.everything or unit_code in self.unit_codes or unit_code in self.province_codes

    def visible(self, unit_codes: Iterable[str]) -> list[str]:
        return [c for c in unit_codes if self.allows(c)]

    def filter(self, frame: pd.DataFrame, column: str = "unit_code") -> pd.DataFrame:
        """The rows of `frame` whose `column` is a unit this actor may see."""
        if self.everything:
            return frame
        return frame[frame[column].isin(self.unit_codes | self.province_codes)]


def view_scope(engine: Engine, actor: Actor | None, *, unit_codes: Iterable[str] | str | None = None,
               now: dt.datetime | None = None) -> ViewScope:
    """The actor's scope; Refused (audited) when signed out, or when `unit_codes` asks for a unit the
    actor may not see."""
    authorize(engine, actor, "view", unit_codes=unit_codes, target="" if unit_codes is None else str(unit_codes)[:300], now=now)
    home = home_provinces(engine, actor)
    if cell(actor.role, "view") == "any":
        if home is None:
            return ViewScope(True)
        return ViewScope(False, units_of(engine, home), home)
    return ViewScope(False, actor.unit_codes, province_codes(engine) if home is None else home)


def units_of(engine: Engine, provinces: frozenset[str]) -> frozenset[str]:
    """Every unit (past ones too) of `provinces`."""
    with engine.connect() as conn:
        return frozenset(conn.execute(select(models.Unit.code).where(models.Unit.province_code.in_(sorted(provinces)))).scalars())
