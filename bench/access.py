"""What access control costs a page run, against references measured in the same run.

- `resume(token)` (every page run: token -> Actor) and `authorize` against `frames.data_version`, the
  one small query every page run already makes (the cache key);
- `sign_in` with the production argon2 parameters against a bare argon2 verify (the rest is the
  database and the audit row);
- `audit.search` with a text filter (folded in Python) over 20,000 events against the same search
  without one.

    python bench/access.py [--repeat 15] [--postgres SERVER_URL]

SQLite: a fresh file under bench/out/. With --postgres (e.g. postgresql://postgres@127.0.0.1:5432/test), a
temporary database is created on that server for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, machine, median_seconds, print_table  # noqa: E402

PASSWORD = secrets.token_urlsafe(12) + "-Aa1"  # a throwaway account on a throwaway database


def _fresh_sqlite() -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "bench_access.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return f"sqlite:///{path}"


class _TemporaryPostgres:
    """A database of its own on the server, dropped at the end (never the server's named database)."""

    def __init__(self, server_url: str):
        from sqlalchemy.engine import make_url

        from storage.db import database_url, make_engine

        self.admin = make_engine(database_url(server_url), isolation_level="AUTOCOMMIT")
        self.name = f"p06_bench_access_{os.getpid()}"
        self.url = make_url(database_url(server_url)).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> str:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *exc) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def _events(engine, n: int) -> None:
    from sqlalchemy import insert

    from storage import models

    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    rows = [{"at": start + dt.timedelta(minutes=i), "username": f"user{i % 40}", "action": "submit", "target": f"file_{i}.xlsx",
             "outcome": "ok", "detail": '{"units": ["16681"], "note": "Phường Thành Vinh nộp số liệu"}'} for i in range(n)]
    with engine.begin() as conn:
        conn.execute(insert(models.AuditEvent.__table__), rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres", metavar="SERVER_URL", help="run on a temporary database on this PostgreSQL server")
    args = parser.parse_args()
    if args.postgres:
        with _TemporaryPostgres(args.postgres) as url:
            run(url, args.repeat)
    else:
        run(_fresh_sqlite(), args.repeat)


def run(url: str, r: int) -> None:

    from argon2 import PasswordHasher

    from services import audit, auth, users
    from services.guard import authorize
    from services.permissions import Actor
    from services.visibility import view_scope
    from storage import frames
    from storage.db import make_engine
    from storage.setup import init_db

    engine = make_engine(url)
    init_db(engine)
    operator = Actor("bench", "admin")
    for name, role, units in (("bench.admin", "admin", ()), ("bench.submitter", "submitter", ("16681",))):
        users.add_user(engine, operator, name, role, password=PASSWORD, unit_codes=units)
    token = auth.sign_in(engine, "bench.submitter", PASSWORD)
    submitter = auth.resume(engine, token)

    reference = median_seconds(lambda: frames.data_version(engine), r)
    rows = [{"what": "frames.data_version (reference: the query every page run makes)", "median": f"{reference * 1000:.2f} ms", "ratio": "1.00"}]
    for label, fn in (
        ("auth.resume(token) -> Actor", lambda: auth.resume(engine, token)),
        ("guard.authorize(view), scope any (no query)", lambda: authorize(engine, operator, "view")),
        ("visibility.view_scope, submitter (province query)", lambda: view_scope(engine, submitter)),
    ):
        t = median_seconds(fn, r)
        rows.append({"what": label, "median": f"{t * 1000:.2f} ms", "ratio": f"{t / reference:.2f}"})

    hasher = PasswordHasher()
    stored = hasher.hash(PASSWORD)
    bare = median_seconds(lambda: hasher.verify(stored, PASSWORD), max(5, r // 3))
    full = median_seconds(lambda: auth.sign_in(engine, "bench.admin", PASSWORD), max(5, r // 3))
    rows.append({"what": "argon2 verify, t=3 m=64 MiB p=4 (reference)", "median": f"{bare * 1000:.0f} ms", "ratio": "1.00"})
    rows.append({"what": "auth.sign_in (verify + database + session + audit)", "median": f"{full * 1000:.0f} ms", "ratio": f"{full / bare:.2f}"})

    _events(engine, 20_000)
    plain = median_seconds(lambda: audit.search(engine, action="submit"), max(5, r // 3))
    text = median_seconds(lambda: audit.search(engine, action="submit", text="thanh vinh"), max(5, r // 3))
    rows.append({"what": "audit.search, 20,000+ events, no text (reference)", "median": f"{plain * 1000:.0f} ms", "ratio": "1.00"})
    rows.append({"what": "audit.search, same, text folded in Python", "median": f"{text * 1000:.0f} ms", "ratio": f"{text / plain:.2f}"})

    print(f"Access control costs, {engine.dialect.name}, medians of {r} (argon2 and audit: {max(5, r // 3)}); {machine()}")
    print_table(rows, ["what", "median", "ratio"])
    engine.dispose()


if __name__ == "__main__":
    main()
