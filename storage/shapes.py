"""The approximate shapes (domain/shapes.py) cached in `unit_boundary`, marked `approximate`, beside the
shapes imported from boundary files. An imported shape always wins: the approximate one is written only
for a unit that has no imported shape, and importing a file replaces it (loaders/boundaries.py)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Engine, delete, insert, select

from domain import shapes
from storage import frames, models
from storage.db import session_factory
from storage.setup import bump_data_version

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
        bump_data_version(session)
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
