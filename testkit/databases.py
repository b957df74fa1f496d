"""Test databases on both backends, cloned from templates so that each test starts from a known state
in a fraction of a second.

SQLite: a template file copied per test. PostgreSQL (TEST_DATABASE_URL, a server where the user may
create databases): `CREATE DATABASE … TEMPLATE …` per test. Names carry the process id so that several
test runs (and xdist workers) on one server never collide.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from storage.db import database_url, make_engine

PG_ENV = "TEST_DATABASE_URL"


def pg_base_url() -> str | None:
    url = os.environ.get(PG_ENV)
    return database_url(url) if url else None


def pg_unavailable_reason() -> str | None:
    """Why the PostgreSQL half cannot run here, or None when it can."""
    url = pg_base_url()
    if not url:
        return f"PostgreSQL half skipped: {PG_ENV} is not set (bash .ci/run points it at 127.0.0.1:5432)"
    try:
        engine = make_engine(url, pool_pre_ping=False, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "skip with the reason"
        return f"PostgreSQL half skipped: no server reachable at {make_url(url).render_as_string(hide_password=True)} ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    return None


def _admin_engine() -> Engine:
    return make_engine(pg_base_url(), isolation_level="AUTOCOMMIT", poolclass=None)


def unique_name(prefix: str) -> str:
    return f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"


class Backend:
    """Creates, clones and drops databases of one kind."""

    name: str

    def create_empty(self, name: str) -> str: ...
    def clone(self, template_url: str, name: str) -> str: ...
    def drop(self, url: str) -> None: ...


class SQLiteBackend(Backend):
    name = "sqlite"

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def create_empty(self, name: str) -> str:
        return f"sqlite:///{self.folder / (name + '.db')}"

    def clone(self, template_url: str, name: str) -> str:
        src = Path(make_url(template_url).database)
        dst = self.folder / (name + ".db")
        # A checkpointed WAL database is one file; copy it whole.
        engine = make_engine(template_url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        shutil.copyfile(src, dst)
        return f"sqlite:///{dst}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


class PostgresBackend(Backend):
    name = "postgresql"

    def _url(self, name: str) -> str:
        return make_url(pg_base_url()).set(database=name).render_as_string(hide_password=False)

    def create_empty(self, name: str) -> str:
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self._url(name)

    def clone(self, template_url: str, name: str) -> str:
        template = make_url(template_url).database
        admin = _admin_engine()
        with admin.connect() as conn:
            # PostgreSQL copies no database anyone is connected to. A read-only test of the template may have
            # left pooled connections behind (the page layer keeps one engine per URL in the process; which
            # test ran before depends on how the files were spread over workers): end them, the pools
            # reconnect (pre-ping) when those engines are used again.
            for _ in range(3):
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": template})
                try:
                    conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
                    break
                except OperationalError:  # a connection came back between the two statements
                    time.sleep(0.2)
            else:
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        admin.dispose()
        return self._url(name)

    def drop(self, url: str) -> None:
        name = make_url(url).database
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- templates shared by the workers of one test run ------------------------------------------------------
# Seeding the sample province takes tens of seconds per backend. Under pytest-xdist every worker used to
# seed its own; now the first worker to need a template builds a master copy (a file lock makes the others
# wait for it, and a build on its own gets both cores), and each worker takes its own copy of the master:
# a worker's read-only tests connect to its copy, and cloning a PostgreSQL template ends the connections to
# it, which must never hit another worker's running test. The run's controller (or the single process)
# owns the shared folder, given to the workers in SHARED_ENV, and drops the masters at the end.

SHARED_ENV = "P06_TEST_SHARED"


def shared_folder() -> Path | None:
    value = os.environ.get(SHARED_ENV)
    return Path(value) if value else None


class SharedTemplates:
    """Master templates in `folder`, each built once by `build(engine, kind)` under a lock."""

    def __init__(self, folder: Path, build):
        self.folder, self.build = folder, build
        self.sqlite = SQLiteBackend(folder / "sqlite")

    def copy(self, backend: Backend, kind: str, name: str) -> str:
        """A copy of the master template `kind` on `backend` (built first if no worker has built it)."""
        import fcntl

        stem = self.folder / f"{backend.name}-{kind}"
        with open(f"{stem}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
            url_file = Path(f"{stem}.url")
            if url_file.exists():
                master = url_file.read_text(encoding="utf-8")
            else:
                maker = self.sqlite if backend.name == "sqlite" else backend
                master = maker.create_empty(unique_name(f"p06_master_{kind}"))
                engine = make_engine(master)
                try:
                    self.build(engine, kind)
                finally:
                    engine.dispose()
                url_file.write_text(master, encoding="utf-8")
            return backend.clone(master, name)


def drop_shared(folder: Path) -> None:
    """Drop the PostgreSQL masters recorded in `folder` and remove it (the SQLite masters live inside)."""
    for url_file in folder.glob("postgresql-*.url"):
        try:
            PostgresBackend().drop(url_file.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001 - the server went away: nothing left to drop
            pass
    shutil.rmtree(folder, ignore_errors=True)
