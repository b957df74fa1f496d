"""Bringing a database to a usable state: schema to head, then the reference data (units, elements,
forms, indicators, targets). Every function here is idempotent: running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from domain.registry import Registry, load_registry
from domain.units import UnitSpec, nghe_an_units
from storage import migrate, models
from storage.db import session_factory


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def init_db(engine: Engine, units: Iterable[UnitSpec] | None = None, registry: Registry | None = None) -> dict:
    """Schema to head, plus the province's units, elements, forms, indicators and targets (no submissions).
    Defaults to Nghệ An and the shipped registry. Returns counts of what is now in the database."""
    migrate.upgrade(engine)
    registry = registry or load_registry()
    units = list(units) if units is not None else nghe_an_units()
    with session_factory(engine).begin() as session:
        upsert_units(session, units)
        upsert_registry(session, registry)
        provinces = {u.province_code for u in units if u.level == "province"}
        for province in sorted(provinces):
            upsert_default_targets(session, registry, province)
        for counter in ("data_version", "values_version"):
            if session.get(models.Counter, counter) is None:
                session.add(models.Counter(name=counter, value=1))
    from storage.shapes import (
        store_approximate_shapes,  # here: storage.shapes builds on this module
    )

    store_approximate_shapes(engine)
    return counts(engine)


def ensure_db(engine: Engine) -> bool:
    """What every command and the app call before use: the schema to head and, on a database without
    any unit, the province set up as `init_db` does. An installation already set up is left as it is (an
    administrator's changes to units and targets stay). Returns whether the set-up ran."""
    if not migrate.is_current(engine):
        migrate.upgrade(engine)
    with engine.connect() as conn:
        if conn.execute(select(models.Unit.code).limit(1)).first() is not None:
            from storage.shapes import ensure_approximate_shapes

            ensure_approximate_shapes(engine)  # an installation set up before the shapes existed
            return False
    init_db(engine)
    return True


def counts(engine: Engine) -> dict:
    from sqlalchemy import func

    out = {}
    with engine.connect() as conn:
        for table in ("unit", "data_element", "form", "indicator", "target", "submission", "data_value"):
            out[table] = conn.execute(select(func.count()).select_from(models.Base.metadata.tables[table])).scalar()
    return out


def _referenced_first(units: list[UnitSpec], existing: set[str]) -> list[UnitSpec]:
    """Order units so that a unit's parent, former unit and successor are written before it."""
    pending = {u.code: u for u in units}
    done = set(existing)
    ordered = []
    while pending:
        ready = [
            u
            for u in pending.values()
            if all(ref is None or ref in done or ref not in pending for ref in (u.parent_code, u.former_unit_code, u.successor_code))
        ]
        if not ready:
            raise ValueError(f"units refer to each other in a cycle: {sorted(pending)[:5]}")
        for u in ready:
            ordered.append(u)
            done.add(u.code)
            del pending[u.code]
    return ordered


def upsert_units(session: Session, units: Iterable[UnitSpec]) -> int:
    units = list(units)
    existing = {row.code: row for row in session.scalars(select(models.Unit).where(models.Unit.code.in_([u.code for u in units])))}
    for spec in _referenced_first(units, set(existing)):
        row = existing.get(spec.code) or models.Unit(code=spec.code)
        row.name_vi = spec.name_vi
        row.name_en = spec.name_en
        row.type = spec.type
        row.level = spec.level
        row.province_code = spec.province_code
        row.parent_code = spec.parent_code
        row.valid_from = spec.valid_from
        row.valid_to = spec.valid_to
        row.former_unit_code = spec.former_unit_code
        row.successor_code = spec.successor_code
        row.seat_lat = spec.seat_lat
        row.seat_lon = spec.seat_lon
        if spec.code not in existing:
            session.add(row)
        session.flush()  # self-referencing rows: write in dependency order
    return len(units)


def upsert_registry(session: Session, registry: Registry) -> None:
    for pos, e in enumerate(registry.elements):
        session.merge(models.DataElement(code=e.code, name_vi=e.name_vi, name_en=e.name_en, kind=e.kind, position=pos))
    session.flush()
    for pos, f in enumerate(registry.forms):
        session.merge(models.Form(code=f.code, name_vi=f.name_vi, name_en=f.name_en, valid_from=f.valid_from, position=pos))
        session.flush()
        session.execute(delete(models.FormLevel).where(models.FormLevel.form_code == f.code))
        session.execute(delete(models.FormElement).where(models.FormElement.form_code == f.code))
        for level in f.levels:
            session.add(models.FormLevel(form_code=f.code, level=level))
        for epos, code in enumerate(f.elements):
            only = f.expected_only_for.get(code)
            session.add(
                models.FormElement(
                    form_code=f.code, element_code=code, position=epos, expected_only_for=",".join(only) if only else None
                )
            )
    for pos, i in enumerate(registry.indicators):
        session.merge(
            models.Indicator(
                code=i.code,
                name_vi=i.name_vi,
                name_en=i.name_en,
                numerator_code=i.numerator,
                denominator_code=i.denominator,
                group=i.group,
                position=pos,
            )
        )
    session.flush()


def upsert_default_targets(session: Session, registry: Registry, province_code: str) -> int:
    """The registry's sample targets as the province-wide targets, where none is set yet (never overwrites
    what an administrator decided)."""
    existing = {
        (t.indicator_code, t.year)
        for t in session.scalars(select(models.Target).where(models.Target.unit_code == province_code))
    }
    added = 0
    for spec in registry.targets:
        if (spec.indicator, spec.year) in existing:
            continue
        session.add(
            models.Target(
                indicator_code=spec.indicator,
                year=spec.year,
                unit_code=province_code,
                value=spec.value,
                decision=spec.decision,
                set_by="registry",
                set_at=_now(),
            )
        )
        added += 1
    return added
