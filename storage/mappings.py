"""Saved column mappings (table `column_mapping`): rows of (office, form, folded header, element). The
loaders fold headers and decide what is saved (loaders/mappings.py); this is only where they are kept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Engine, select

from storage import models
from storage.db import session_factory


def load(engine: Engine, offices: Iterable[str], form: str | None = None) -> list[tuple[str, str, str]]:
    """(office, header_key, element_code) of the offices' mappings (of `form` only, when given)."""
    m = models.ColumnMapping
    stmt = select(m.office, m.header_key, m.element_code).where(m.office.in_(list(offices)))
    if form:
        stmt = stmt.where(m.form_code == form)
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(stmt).all()]


def save(engine: Engine, office: str, form: str, wanted: dict[str, str], created_by: str) -> None:
    """Store (or replace) the office's mappings for `form`: folded header -> element."""
    now = dt.datetime.now(dt.timezone.utc)
    m = models.ColumnMapping
    with session_factory(engine).begin() as session:
        existing = {
            row.header_key: row
            for row in session.scalars(select(m).where(m.office == office, m.form_code == form, m.header_key.in_(list(wanted))))
        }
        for key, element in wanted.items():
            row = existing.get(key)
            if row is None:
                session.add(m(office=office, form_code=form, header_key=key[:300], element_code=element,
                              created_by=created_by, created_at=now))
            else:
                row.element_code, row.created_by, row.created_at = element, created_by, now


def delete(engine: Engine, office: str, form: str, key: str) -> bool:
    """Forget one mapping (by folded header); False when there was none."""
    m = models.ColumnMapping
    with session_factory(engine).begin() as session:
        row = session.scalars(select(m).where(m.office == office, m.form_code == form, m.header_key == key)).first()
        if row is None:
            return False
        session.delete(row)
    return True
