"""Setting up another province (`configure`): its current communes and wards from the `vietnam-provinces`
package (the 34 provinces and 3,321 communes of 2025, with official codes), and its units before the reform
(domain/units_history.py): the former provinces it was formed from, their district-level units until
30/06/2025, and for each commune the former district-level unit it came from, so that figures from before
07/2025 can be entered and the province's series continues across the reform. What the sources cannot settle
(dates of the arrangements of 2023–2025, a commune formed from several former districts, one the mapping does
not cover) is returned as a review list for an administrator.

The registry (elements, forms, indicators) is the province-independent one already in the database; only
the registry file's sample targets are copied, as the new province's province-wide targets, for the
indicators the database holds. A province already in the database is refused: the package knows only the
units of today, so importing it again would overwrite what the database knows of their history (the former
district-level unit of each commune, validity dates). Everything is written in one transaction (all or
nothing), in chunks so that a page can show progress; audited; bumps the data version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

from sqlalchemy import Engine, select

from domain.errors import Invalid
from domain.registry import load_registry
from domain.units import UnitSpec, province_units_from_package
from domain.units_history import ProvinceHistory, Review, province_history
from services import audit
from services.clock import utcnow
from services.guard import authorize
from services.permissions import Actor
from storage import models
from storage.db import session_factory
from storage.setup import upsert_default_targets, upsert_units
from storage.shapes import store_approximate_shapes
from storage.version import bump_data_version

ACTION = "configure"
CHUNK = 25


def available_provinces() -> list[tuple[str, str]]:
    """(code, name) of every province the package knows, in code order: ("01", "Thành phố Hà Nội"), …"""
    from vietnam_provinces import Province

    return sorted((f"{int(p.code):02d}", p.name) for p in Province.iter_all())


def provinces_in_database(engine: Engine) -> dict[str, str]:
    """code -> Vietnamese name of the provinces set up in the database."""
    u = models.Unit
    with engine.connect() as conn:
        return dict(conn.execute(select(u.code, u.name_vi).where(u.level == "province").order_by(u.code)).all())


def _units_of(province_code: str) -> list[UnitSpec]:
    try:
        return province_units_from_package(province_code)
    except (ValueError, TypeError):
        raise Invalid("access.units.unknown_province", code=str(province_code)[:10]) from None


def _history_of(province: UnitSpec, communes: list[UnitSpec]) -> tuple[ProvinceHistory, list[UnitSpec], list[Review]]:
    """The province's units before 07/2025, its communes with their former district-level unit, and what an
    administrator should review."""
    history = province_history(province.code)
    linked = [dataclasses.replace(c, former_unit_code=history.former_unit(c.code, c.name_vi)) for c in communes]
    names = {c.code: c.name_vi for c in linked}
    review = [dataclasses.replace(r, name_vi=r.name_vi or names.get(r.code, "")) for r in history.review]
    review += [Review(c.code, c.name_vi, "no_former_unit") for c in linked if c.former_unit_code is None]
    return history, linked, review


def import_province(engine: Engine, actor: Actor | None, province_code: str, *,
                    progress: Callable[[int, int], None] | None = None, now: dt.datetime | None = None) -> dict:
    """Set up province `province_code` ("12" or 12 for Lai Châu), with its units before the reform.
    `progress(done, total)` is called as the units are written. Returns {province, name_vi, communes,
    former_provinces, district_units, review}."""
    authorize(engine, actor, ACTION, target=f"province/{province_code}"[:300], detail={"op": "import_province"}, now=now)
    now = utcnow(now)
    units = _units_of(province_code)
    province, communes = units[0], units[1:]
    history, communes, review = _history_of(province, communes)
    shipped = load_registry()
    batches = [[province], *(history.units[i:i + CHUNK] for i in range(0, len(history.units), CHUNK)),
               *(communes[i:i + CHUNK] for i in range(0, len(communes), CHUNK))]
    total = sum(len(b) for b in batches)
    with session_factory(engine).begin() as session:
        if session.get(models.Unit, province.code) is not None:
            raise Invalid("access.units.province_exists", code=province.code, name=province.name_vi)
        taken = session.scalars(select(models.Unit.code).where(models.Unit.code.in_([u.code for u in units + history.units]))).first()
        if taken is not None:  # never overwrite what the database knows of another unit's history
            raise Invalid("access.units.code_taken", code=taken, province=province.code)
        done = 0
        for batch in batches:
            upsert_units(session, batch)
            done += len(batch)
            if progress:
                progress(done, total)
        held = set(session.execute(select(models.Indicator.code)).scalars())
        registry = dataclasses.replace(shipped, targets=tuple(t for t in shipped.targets if t.indicator in held))
        targets = upsert_default_targets(session, registry, province.code)
        # New units and their targets, not a figure: every server process keeps the figures it holds (and
        # the copy on disk stays theirs) and rebuilds only what depends on the units (issue 15).
        bump_data_version(session, values=False)
        audit.record(session, actor, ACTION, f"province/{province.code}", "ok",
                     {"op": "import_province", "province": province.code, "name": province.name_vi,
                      "communes": len(communes), "former_provinces": len(history.former_provinces),
                      "district_units": len(history.district_units), "review": len(review), "targets": targets}, now=now)
    store_approximate_shapes(engine)  # the new communes' approximate shapes for the map
    return {"province": province.code, "name_vi": province.name_vi, "communes": len(communes),
            "former_provinces": [{"code": u.code, "name_vi": u.name_vi} for u in history.former_provinces],
            "district_units": len(history.district_units),
            "review": [dataclasses.asdict(r) for r in review]}
