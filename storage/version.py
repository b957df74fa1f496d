"""The data versions, read by every server process's cache key (ui/data.py), so that a change stored
through one process or the CLI shows in every other at its next rerun:

- `data_version`: bumped by every write that changes what the dashboard shows;
- `values_version`: bumped only by the writes that change the figures themselves or which units reported
  them (a submission; by default any write that does not say otherwise). A follow-up note, a task, a
  setting, a target, a lock, a review or a map shape bumps `data_version` alone: the pages then rebuild
  what they show from the figures each process already holds, without reading them again (issue 15)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage import models

DATA = "data_version"
VALUES = "values_version"
_COUNTER = models.Counter.__table__
_BUMP = {name: update(_COUNTER).where(_COUNTER.c.name == name).values(value=_COUNTER.c.value + 1)
         .returning(_COUNTER.c.value) for name in (DATA, VALUES)}  # built once


def bump_data_version(session: Session, *, values: bool = True) -> int | None:
    """Mark that what the dashboard shows has changed. `values=False`: the stored figures and which units
    reported them did not change (notes, tasks, settings, targets, locks, reviews, shapes). Returns the new
    values version (None with `values=False`).

    The values version is a commit-ordered sequence: the UPDATE locks the counter's row until the
    transaction ends, so a second writer waits here and takes the next number only after the first has
    committed. Whoever reads version V therefore sees every write numbered V or below — which ids do not
    give on PostgreSQL, where a transaction that took a lower id may commit later. Bump last, just before
    the commit, to hold the lock for as short a time as possible."""
    conn = session.connection()
    value = None
    for name in (DATA, VALUES) if values else (DATA,):
        value = conn.execute(_BUMP[name]).scalar()
        if value is None:  # a database set up before this counter existed
            value = 2
            conn.execute(_COUNTER.insert(), {"name": name, "value": value})
    return int(value) if values else None
