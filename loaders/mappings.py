"""Saved column mappings (table `column_mapping`): an office's own header wording mapped to a data element,
so that its next month goes through untouched. The office is the unit the file reports for (one unit), or
the submitter's username (a compiled workbook); headers are saved folded (`headers.header_key`).

Only element targets are saved: the table's element_code is a foreign key to data_element. A column to
read past ("ignore") is given with each submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Engine, select

from loaders.headers import IGNORE, header_key
from storage import models
from storage.db import session_factory


def load(engine: Engine, offices: Iterable[str], form: str | None = None) -> dict[str, str]:
    """header_key -> element for the offices (later offices win over earlier ones on the same header)."""
    offices = [o for o in offices if o]
    if not offices:
        return {}
    m = models.ColumnMapping
    stmt = select(m.office, m.header_key, m.element_code).where(m.office.in_(offices))
    if form:
        stmt = stmt.where(m.form_code == form)
    order = {o: i for i, o in enumerate(offices)}
    with engine.connect() as conn:
        rows = sorted(conn.execute(stmt).all(), key=lambda r: order.get(r.office, 0))
    return {r.header_key: r.element_code for r in rows}


def save(engine: Engine, office: str, form: str, mapping: dict[str, str], created_by: str) -> int:
    """Store (or replace) the office's mappings for `form`; returns how many were saved."""
    wanted = {header_key(k): v for k, v in mapping.items() if v and v != IGNORE and header_key(k)}
    if not wanted:
        return 0
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
    return len(wanted)


def delete(engine: Engine, office: str, form: str, header: str) -> bool:
    m = models.ColumnMapping
    with session_factory(engine).begin() as session:
        row = session.scalars(select(m).where(m.office == office, m.form_code == form, m.header_key == header_key(header))).first()
        if row is None:
            return False
        session.delete(row)
    return True
