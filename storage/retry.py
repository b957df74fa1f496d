"""Short transactions that the database may ask to run again: the one retry loop of the project.

Two people signing in at once as the same user both read the row, check the password, then write: on
SQLite (WAL) the second writer's snapshot is stale and it gets "database is locked" at once; on
PostgreSQL a serialisation failure or deadlock can happen. Two offices sending the same figures at once
may both try to insert the same row. Running the whole unit of work again (it reads afresh) is the right
answer; anything else is raised. When the database keeps refusing, `RetriesExhausted` says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from storage.db import session_factory

T = TypeVar("T")
# SQLSTATEs a client should retry: serialization failure, deadlock, lock not available.
_RETRY_SQLSTATES = {"40001", "40P01", "55P03"}


class RetriesExhausted(RuntimeError):
    """The database kept refusing the transaction (lock timeouts, deadlocks) after several attempts."""


def retryable(exc: DBAPIError, *, unique_violation: bool = False) -> bool:
    """Whether running the transaction again may succeed. `unique_violation`: a concurrent transaction
    inserted the same key first (the work reads afresh and finds it); any other integrity error (an
    unknown unit, say) will not go away by trying again."""
    orig = getattr(exc, "orig", None)
    if isinstance(exc, IntegrityError):
        return unique_violation and (getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig))
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "locked" in str(orig).lower()


def in_transaction(engine: Engine | Connection, work: Callable[[Session], T], *, attempts: int = 5, delay: float = 0.02,
                   max_delay: float = 2.0, unique_violation: bool = False) -> T:
    """`work(session)` inside one transaction, run again (up to `attempts` times, waiting `delay`, doubled
    each time up to `max_delay`) when the database asks. A refusal that outlasts every attempt raises
    RetriesExhausted; any other error is raised as it is. `engine` may be a Connection outside any
    transaction (a batch of per-file transactions on one connection): each attempt begins and commits or
    rolls back its own transaction on it."""
    for attempt in range(attempts):
        try:
            with session_factory(engine).begin() as session:
                return work(session)
        except DBAPIError as exc:
            if not retryable(exc, unique_violation=unique_violation):
                raise
            if attempt == attempts - 1:
                raise RetriesExhausted(f"database busy after {attempts} attempts: {exc.orig}") from exc
            time.sleep(delay)
            delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable")
