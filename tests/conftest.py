"""Fixtures: a small realistic province in a real database, on SQLite always and on PostgreSQL when
TEST_DATABASE_URL points at a server (skipped with the reason otherwise).

- `db_url` / `engine`: a fresh database set up by init-db (units, elements, forms, indicators, targets;
  no submissions), one per test.
- `sample_url` / `sample_engine`: the whole sample province loaded (with its demo accounts, as after the
  app's first start), one per test run and backend, to be READ ONLY. `sample_copy_url` gives a writable
  copy per test.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from storage.db import make_engine  # noqa: E402
from testkit.databases import (  # noqa: E402
    SHARED_ENV,
    PostgresBackend,
    SharedTemplates,
    SQLiteBackend,
    drop_shared,
    pg_unavailable_reason,
    shared_folder,
    unique_name,
)

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def _pg_reason():
    return pg_unavailable_reason()


@pytest.fixture(scope="session")
def _backends(tmp_path_factory, _pg_reason):
    return {"sqlite": SQLiteBackend(tmp_path_factory.mktemp("sqlite")), "postgresql": PostgresBackend()}


def _backend(request, backends, reason):
    name = request.param
    if name == "postgresql" and reason:
        pytest.skip(reason)
    return backends[name]


def _build_template(engine, kind: str) -> None:
    from storage.setup import init_db

    if kind == "nation":
        return _build_nation(engine)
    init_db(engine)
    if kind == "sample":
        from sample_data.seed import seed_sample
        from services.demo import ensure_demo_accounts

        seed_sample(engine)
        ensure_demo_accounts(engine)  # as the app's first start does: every sample copy starts alike


def _build_nation(engine) -> None:
    """The 34 provinces and their 3,321 communes (synthetic figures, sample_data.national) for two months."""
    from sample_data.national import load_national, national_units
    from storage.setup import init_db

    init_db(engine, units=national_units())
    load_national(engine, first=NATION_MONTHS[0], last=NATION_MONTHS[-1])


class _Templates:
    """This process's template databases, copied on first use from the run's shared masters
    (testkit.databases.SharedTemplates: each built once for all the workers) and dropped at the end."""

    def __init__(self, shared: SharedTemplates):
        self.shared = shared
        self.urls: dict[tuple[str, str], str] = {}
        self.backends = {}

    def get(self, backend, kind: str) -> str:
        key = (backend.name, kind)
        if key not in self.urls:
            self.backends[backend.name] = backend
            self.urls[key] = self.shared.copy(backend, kind, unique_name(f"p06_tpl_{kind}"))
        return self.urls[key]

    def drop_all(self):
        for (backend_name, _), url in self.urls.items():
            self.backends[backend_name].drop(url)


_SHARED_OWNER = pytest.StashKey[bool]()


def pytest_configure(config):
    """The run's controller (or its only process) makes the folder of shared template masters; xdist's
    workers, started after this, inherit it through the environment."""
    if not hasattr(config, "workerinput") and not shared_folder():
        os.environ[SHARED_ENV] = tempfile.mkdtemp(prefix="p06_tests_")
        config.stash[_SHARED_OWNER] = True


def pytest_unconfigure(config):
    if config.stash.get(_SHARED_OWNER, False):
        drop_shared(Path(os.environ.pop(SHARED_ENV)))


@pytest.fixture(scope="session")
def _templates(tmp_path_factory):
    folder = shared_folder() or tmp_path_factory.mktemp("shared")  # a run that did not go through this conftest's configure
    templates = _Templates(SharedTemplates(folder, _build_template))
    yield templates
    templates.drop_all()


def _fresh(request, backends, reason, templates, kind):
    backend = _backend(request, backends, reason)
    url = backend.clone(templates.get(backend, kind), unique_name(f"p06_t_{kind}"))
    return backend, url


@pytest.fixture(params=BACKENDS)
def db_url(request, _backends, _pg_reason, _templates):
    """A fresh database with the province set up and no submissions."""
    backend, url = _fresh(request, _backends, _pg_reason, _templates, "init")
    yield url
    backend.drop(url)


@pytest.fixture
def engine(db_url):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def sample_url(request, _backends, _pg_reason, _templates):
    """The whole sample province, loaded once per run and backend. Do not write to it."""
    backend = _backend(request, _backends, _pg_reason)
    return _templates.get(backend, "sample")


@pytest.fixture(scope="session")
def sample_engine(sample_url):
    # No idle pooled connection between uses: PostgreSQL refuses to clone a template (sample_copy_url)
    # while any session is connected to it.
    eng = make_engine(sample_url, poolclass=NullPool)
    yield eng
    eng.dispose()


NATION_MONTHS = ("2025-11", "2025-12")


@pytest.fixture(scope="session", params=BACKENDS)
def nation_url(request, _backends, _pg_reason, _templates):
    """A deployment holding every province (34, figures for NATION_MONTHS), once per run and backend. Do
    not write to it: take `nation_copy_url`."""
    backend = _backend(request, _backends, _pg_reason)
    return _templates.get(backend, "nation")


@pytest.fixture(params=BACKENDS)
def nation_copy_url(request, _backends, _pg_reason, _templates):
    """A writable copy of the deployment holding every province."""
    backend, url = _fresh(request, _backends, _pg_reason, _templates, "nation")
    yield url
    backend.drop(url)


@pytest.fixture(params=BACKENDS)
def sample_copy_url(request, _backends, _pg_reason, _templates):
    """A writable copy of the sample province."""
    backend, url = _fresh(request, _backends, _pg_reason, _templates, "sample")
    yield url
    backend.drop(url)


@pytest.fixture
def empty_url(request, tmp_path):
    """An empty SQLite database file (no schema): what a fresh installation starts from."""
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture(autouse=True)
def _no_ambient_database(monkeypatch, tmp_path):
    """Tests never touch the developer's data/p06.db: DATABASE_URL points into the test's own folder
    unless the test sets it."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'ambient.db'}")
    # Nor its data/cache: a copy of the figures a test's process writes stays in the test's folder.
    monkeypatch.setenv("P06_FIGURE_CACHE_DIR", str(tmp_path / "figure_cache"))
    monkeypatch.setenv("MPLBACKEND", "Agg")


def pytest_collection_modifyitems(config, items):
    """A browser test is a slow test, and so is the PostgreSQL half of a `slow_on_postgresql` module: the
    inner loop (`-m "not slow"`) leaves them to the full run."""
    for item in items:
        if item.get_closest_marker("slow"):
            continue
        on_postgresql = "postgresql" in getattr(getattr(item, "callspec", None), "params", {}).values()
        if item.get_closest_marker("browser") or (on_postgresql and item.get_closest_marker("slow_on_postgresql")):
            item.add_marker(pytest.mark.slow)


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, one per test module, with nothing fetched from outside (the
    background-networking flags keep it off the closed network)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield b
        b.close()
