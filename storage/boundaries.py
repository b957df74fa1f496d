"""Unit polygons for the map (table `unit_boundary`): GeoJSON geometry per unit with its source. The
loaders match features to units (loaders/boundaries.py); this is only where the shapes are kept. Reading
them for the map is `storage.frames.load_boundaries`."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Engine, delete, insert, select

from storage import models
from storage.db import session_factory
from storage.setup import bump_data_version


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
            {"unit_code": code, "geometry": json.dumps(geometry, separators=(",", ":")), "source": source[:300], "loaded_at": now}
            for code, geometry in shapes.items()
        ])
        bump_data_version(session)
    return len(shapes)


def units_with_boundaries(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(models.UnitBoundary.unit_code)).scalars())
