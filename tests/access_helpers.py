"""Shared pieces of the access-control tests (tests/test_services_*.py): a fixed clock, actors, cheap
password hashing, database snapshots."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, insert, select

from services import audit, passwords
from services.permissions import Actor
from storage import models
from storage.submissions import SubmissionIn, ValueIn

UTC = dt.timezone.utc
# 10:00 on 03/10/2026 in Vietnam. September 2026 is due on 05/10 (open); August was due on 05/09 and,
# with the default lock_after_days = 10, locked from 16/09.
NOW = dt.datetime(2026, 10, 3, 3, 0, tzinfo=UTC)
OPEN_PERIOD = "2026-09"
LOCKED_PERIOD = "2026-08"
PROVINCE = "40"
OWN_UNIT = "16681"  # Phường Thành Vinh
OTHER_UNIT = "16690"  # Phường Trường Vinh
GOOD_PASSWORD = "Rừng-Thông-Nghệ-An-2026"  # meets the policy; Vietnamese letters count as letters


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    """Argon2 with small parameters: the tests exercise the logic, not the cost (production keeps the
    library's RFC 9106 defaults; test_services_auth checks that)."""
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def actor(role: str, units=(), name: str | None = None) -> Actor:
    return Actor(name or f"test_{role}", role, frozenset(units))


def set_setting(engine: Engine, key: str, value) -> None:
    with engine.begin() as conn:
        conn.execute(models.Setting.__table__.delete().where(models.Setting.key == key))
        conn.execute(insert(models.Setting.__table__), {"key": key, "value": json.dumps(value)})


def snapshot(engine: Engine, skip=("audit_event",)) -> dict[str, list]:
    """Every row of every table but `skip`, as sorted tuples of text: equal snapshots, unchanged database."""
    out = {}
    with engine.connect() as conn:
        for name, table in models.Base.metadata.tables.items():
            if name in skip:
                continue
            rows = conn.execute(select(table)).all()
            out[name] = sorted(tuple(str(v) for v in row) for row in rows)
    return out


def audit_rows(engine: Engine) -> pd.DataFrame:
    return audit.search(engine).sort_values("id").reset_index(drop=True)


def submission(unit: str, period: str, value: int = 1000, tag: str = "", source: str = "upload",
               submitted_by: str = "someone") -> SubmissionIn:
    values = [ValueIn(unit, period, "dossiers_received", value), ValueIn(unit, period, "dossiers_received_online", value // 2)]
    content = f"unit_code,period,element,value\n{unit},{period},dossiers_received,{value}\n{tag}".encode()
    return SubmissionIn("locality", f"{unit}_{period}{tag}.csv", content, submitted_by, values, source=source)


def text_cells(engine: Engine) -> list[str]:
    """Every text value stored anywhere in the database (the clear-password scan)."""
    out = []
    with engine.connect() as conn:
        for table in models.Base.metadata.tables.values():
            cols = [c for c in table.columns if c.type.python_type in (str, bytes)]
            if not cols:
                continue
            for row in conn.execute(select(*cols)).all():
                for v in row:
                    if isinstance(v, bytes):
                        out.append(v.decode("utf-8", "replace"))
                    elif v is not None:
                        out.append(str(v))
    return out
