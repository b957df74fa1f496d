"""Unit polygons for the map (table `unit_boundary`): shapes imported from boundary files (the loaders
match a file's features to units, loaders/boundaries.py, and `replace_boundaries` keeps them) and the
approximate shapes (domain/shapes.py) computed at setup, marked `approximate`. An imported shape always
wins: the approximate one is written only for a unit that has no imported shape, and importing a file
replaces it. Reading them for the map is `storage.frames.load_boundaries`."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Engine, delete, insert, select

from domain import shapes
from storage import frames, models
from storage.db import session_factory
from storage.version import bump_data_version

# Bumped when the way approximate shapes are made changes, so that existing installations recompute them.
SHAPES_VERSION = 1
_MARK = "approximate_shapes"


def shape_units(engine: Engine) -> list[shapes.ShapeUnit]:
    units = frames.load_units(engine)
    units = units[units["level"].isin(["district", "commune"])]
    return [shapes.ShapeUnit(r.code, r.level, r.province_code, r.name_vi, r.type, r.former_unit_code or None,
                             r.successor_code or None, r.valid_from, r.valid_to) for r in units.itertuples()]


def store_approximate_shapes(engine: Engine) -> int:
    """Compute the approximate shapes of every district-level unit and commune and store them for the
    units without an imported shape (earlier approximate ones are replaced). Returns how many were stored."""
    made = shapes.approximate_shapes(shape_units(engine))
    table = models.UnitBoundary.__table__
    now = dt.datetime.now(dt.timezone.utc)
    with session_factory(engine).begin() as session:
        imported = set(session.execute(select(table.c.unit_code).where(table.c.approximate.is_(False))).scalars())
        session.execute(delete(table).where(table.c.approximate.is_(True)))
        rows = [{"unit_code": code, "geometry": json.dumps(shapes.to_geojson(geom), separators=(",", ":")),
                 "source": shapes.APPROXIMATE_SOURCE, "loaded_at": now, "approximate": True}
                for code, geom in sorted(made.items()) if code not in imported and not geom.is_empty]
        if rows:
            session.execute(insert(table), rows)
        mark = session.get(models.Counter, _MARK)
        if mark is None:
            session.add(models.Counter(name=_MARK, value=SHAPES_VERSION))
        else:
            mark.value = SHAPES_VERSION
        bump_data_version(session, values=False)
    return len(rows)


def ensure_approximate_shapes(engine: Engine) -> bool:
    """Compute the approximate shapes once per installation (and again when SHAPES_VERSION changes or
    the units changed since: a unit with neither kind of shape). Returns whether they were computed."""
    with engine.connect() as conn:
        mark = conn.execute(select(models.Counter.value).where(models.Counter.name == _MARK)).scalar()
        if mark == SHAPES_VERSION:
            return False
    store_approximate_shapes(engine)
    return True


# -- imported boundaries ----------------------------------------------------------------------------


def replace_boundaries(engine: Engine, shapes: dict[str, dict], source: str) -> int:
    """Store `shapes` (unit code -> GeoJSON geometry), replacing those units' earlier shapes, in one
    transaction; returns how many were stored."""
    if not shapes:
        return 0
    now = dt.datetime.now(dt.timezone.utc)
    table = models.UnitBoundary.__table__
    with session_factory(engine).begin() as session:
        session.execute(delete(table).where(table.c.unit_code.in_(list(shapes))))
        session.execute(insert(table), [
            {"unit_code": code, "geometry": json.dumps(geometry, separators=(",", ":")), "source": source[:300], "loaded_at": now,
             "approximate": False}
            for code, geometry in shapes.items()
        ])
        bump_data_version(session, values=False)
    return len(shapes)


def units_with_boundaries(engine: Engine, *, approximate: bool | None = None) -> set[str]:
    """Units holding a shape (only imported ones with approximate=False, only computed ones with True)."""
    stmt = select(models.UnitBoundary.unit_code)
    if approximate is not None:
        stmt = stmt.where(models.UnitBoundary.approximate.is_(approximate))
    with engine.connect() as conn:
        return set(conn.execute(stmt).scalars())
