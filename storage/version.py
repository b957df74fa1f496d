"""The data version: one counter every write bumps, read by every server process's cache key (ui/data.py),
so that a submission stored through one process or the CLI shows in every other at its next rerun."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage import models

_COUNTER = models.Counter.__table__
_BUMP = update(_COUNTER).where(_COUNTER.c.name == "data_version").values(value=_COUNTER.c.value + 1)  # built once


def bump_data_version(session: Session) -> None:
    """Mark that what the dashboard shows has changed (read by every server process's cache key)."""
    result = session.connection().execute(_BUMP)
    if result.rowcount == 0:
        session.connection().execute(_COUNTER.insert(), {"name": "data_version", "value": 2})
