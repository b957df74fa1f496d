"""Short transactions that the database may ask to run again.

Two people signing in at once as the same user both read the row, check the password, then write: on
SQLite (WAL) the second writer's snapshot is stale and it gets "database is locked" at once; on
PostgreSQL a serialisation failure or deadlock can happen. Running the whole unit of work again (it
reads afresh) is the right answer; anything else is raised.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from storage.db import session_factory

T = TypeVar("T")
_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def _retryable(exc: DBAPIError) -> bool:
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "locked" in str(orig).lower()


def in_transaction(engine: Engine, work: Callable[[Session], T], attempts: int = 5) -> T:
    """`work(session)` inside one transaction, run again (up to `attempts` times) when the database asks."""
    delay = 0.02
    for attempt in range(attempts):
        try:
            with session_factory(engine).begin() as session:
                return work(session)
        except DBAPIError as exc:
            if attempt == attempts - 1 or not _retryable(exc):
                raise
            time.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")
