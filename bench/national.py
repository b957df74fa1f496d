"""The national data set (34 provinces, 3,321 communes, 60 months, every locality element: about 2.9
million values in 2,040 province-month files) loaded into SQLite and PostgreSQL through the bulk write
path, with load time and database size; then, with `--pages`, every page's rerun time at national scale.

    python bench/national.py [--backend sqlite|postgresql|both] [--postgres URL] [--reuse] [--pages] [--repeat 5]
    python bench/national.py --pages-on sample|URL [--repeat 7]     (pages only, on another database)

SQLite: bench/out/national.db. PostgreSQL: database `p06_national` on the server of --postgres (default
postgresql://postgres@127.0.0.1:5432/test), dropped and created again unless --reuse. References measured in
the same run: the same rows written by a bare executemany of plain tuples into a table without index
(what the database itself costs), and the loaders' own reading and validation of some of the same files
(`ingest_files(..., dry_run=True)`: the path an upload takes, per value).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, ROOT, machine, median_seconds, print_table  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
PG_NAME = "p06_national"


def sqlite_url() -> str:
    return f"sqlite:///{OUT / 'national.db'}"


def pg_url(base: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(base).set(database=PG_NAME).render_as_string(hide_password=False)


def _admin(base: str):
    from storage.db import make_engine

    return make_engine(base, isolation_level="AUTOCOMMIT")


def fresh_database(backend: str, base: str) -> str:
    from sqlalchemy import text

    if backend == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(OUT / "national.db") + suffix).unlink(missing_ok=True)
        return sqlite_url()
    admin = _admin(base)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_NAME}"'))
    admin.dispose()
    return pg_url(base)


def database_bytes(url: str) -> int:
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            size = conn.exec_driver_sql("PRAGMA page_count").scalar() * conn.exec_driver_sql("PRAGMA page_size").scalar()
        else:
            size = conn.execute(text("select pg_database_size(current_database())")).scalar()
    engine.dispose()
    return int(size)


def table_bytes(url: str) -> dict[str, int]:
    """PostgreSQL only: the largest tables with their indexes."""
    from sqlalchemy import text

    from storage.db import make_engine

    engine = make_engine(url)
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        rows = conn.execute(text(
            "select relname, pg_total_relation_size(relid) from pg_catalog.pg_statio_user_tables "
            "order by 2 desc limit 5")).all()
    engine.dispose()
    return {name: int(size) for name, size in rows}


def load(backend: str, base: str) -> dict:
    from sample_data.national import load_national, national_units
    from storage.db import make_engine
    from storage.setup import counts, init_db

    url = fresh_database(backend, base)
    engine = make_engine(url)
    started = time.perf_counter()
    init_db(engine, units=national_units())
    setup_s = time.perf_counter() - started
    started = time.perf_counter()
    result = load_national(engine, progress=lambda done, total: print(f"  {backend}: {done}/{total} provinces", end="\r", flush=True))
    load_s = time.perf_counter() - started
    print()
    held = counts(engine)
    engine.dispose()
    return {"backend": backend, "url": url, "setup_s": setup_s, "load_s": load_s, "values": held["data_value"],
            "units": held["unit"], "submissions": held["submission"], "bytes": database_bytes(url),
            "tables": table_bytes(url), **{k: v for k, v in result.items() if k != "values"}}


def bare_insert_seconds(backend: str, base: str, n_provinces: int = 3) -> tuple[float, int]:
    """Reference: the same rows (the first provinces' files) by executemany of tuples into a table with no
    index, no foreign key and no revision logic, one transaction per province."""
    from sqlalchemy import text

    from sample_data.national import national_files, parse_long_csv
    from storage.db import make_engine

    if backend == "sqlite":
        path = OUT / "national_bare.db"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = pg_url(base)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("drop table if exists bare_value"))
        conn.execute(text("create table bare_value (unit_code varchar(20), period varchar(7), element_code varchar(64), value bigint)"))
    batches = []
    for i, files in enumerate(national_files()):
        if i >= n_provinces:
            break
        batches.append([row for f in files for row in parse_long_csv(f.content)])
    n = sum(len(b) for b in batches)
    started = time.perf_counter()
    for rows in batches:
        with engine.begin() as conn:
            conn.exec_driver_sql("insert into bare_value values (?, ?, ?, ?)" if backend == "sqlite" else
                                 "insert into bare_value values (%s, %s, %s, %s)", rows)
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("drop table bare_value"))
    engine.dispose()
    if backend == "sqlite":
        path.unlink(missing_ok=True)
    return seconds, n


def loader_dry_run(url: str, n_files: int = 6) -> tuple[float, int]:
    """The loaders' reading and validation (no write) of the first province's first files."""
    from loaders.ingest import SourceFile, ingest_files
    from sample_data.national import national_files
    from storage.db import make_engine

    files = next(national_files())[:n_files]
    engine = make_engine(url)
    started = time.perf_counter()
    report = ingest_files(engine, [SourceFile(f.filename, f.content) for f in files], submitted_by="bench", dry_run=True,
                          form="locality")
    seconds = time.perf_counter() - started
    engine.dispose()
    rejected = [f for f in report.files if f.status == "rejected"]
    if rejected:
        raise SystemExit(f"the loaders reject a national file: {rejected[0].errors[0].text('en')}")
    return seconds, sum(f.n_values for f in files)


# -- pages at national scale ---------------------------------------------------------------------------------


def admin_actor():
    from services.demo import DEMO_ACCOUNTS
    from services.permissions import Actor

    username, role, units, display = next(a for a in DEMO_ACCOUNTS if a[1] == "admin")
    return Actor(username, role, frozenset(units), display)


def page_seconds(page_file: str | None, repeat: int, script: str | None = None) -> tuple[float, float]:
    """(first run, median warm rerun) of one page of the app in AppTest, signed in as an administrator
    (server code may put the actor in the session, as the page tests do), or of a bare script."""
    from streamlit.testing.v1 import AppTest

    started = time.perf_counter()
    if script:
        at = AppTest.from_string(script, default_timeout=600)
    else:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.session_state["actor"] = admin_actor()
    at.run()
    if page_file:
        at.switch_page(page_file).run()
    first = time.perf_counter() - started
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert not errors, errors
    return first, median_seconds(lambda: at.run(), repeat=repeat)


def page_rerun_seconds(url: str, repeat: int, label: str = "") -> list[dict]:
    """Every page re-run in AppTest with warm caches on the national database, against a bare page."""
    os.environ["DATABASE_URL"] = url
    os.environ["P06_AUTO_SAMPLE"] = "0"
    from bench.pages import BARE_PAGE
    from ui.navigation import PAGES

    _, bare = page_seconds(None, repeat, BARE_PAGE)
    rows = [{"database": label, "page": "bare page (reference)", "first run": "", "median rerun": f"{bare * 1000:.0f} ms", "ratio": "1.0"}]
    for spec in PAGES:
        first, seconds = page_seconds(spec.file, repeat)
        rows.append({"database": label, "page": spec.url_path or "tong-quan", "first run": f"{first:.1f} s", "median rerun": f"{seconds * 1000:.0f} ms",
                     "ratio": f"{seconds / bare:.1f}", "under 1 s": "yes" if seconds < 1 else "NO", "_s": seconds})
        print(f"  {rows[-1]['page']}: first {first:.1f} s, rerun {seconds * 1000:.0f} ms", flush=True)
    return rows


def mb(n: int) -> str:
    return f"{n / 1048576:,.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--reuse", action="store_true", help="keep the databases already loaded")
    parser.add_argument("--pages", action="store_true", help="then measure every page on the national database(s)")
    parser.add_argument("--pages-on", metavar="URL|sample", default=None,
                        help="only measure every page on this database ('sample': the sample province), signed in")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.pages_on:
        from bench.common import sample_database

        url = sample_database() if args.pages_on == "sample" else args.pages_on
        print(machine())
        print(f"\nPage reruns, signed in as an administrator, on {'the sample province' if args.pages_on == 'sample' else url}, "
              f"warm cache, median of {args.repeat}")
        print_table(page_rerun_seconds(url, args.repeat, "province sample"), ["database", "page", "first run", "median rerun", "ratio", "under 1 s"])
        return 0
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    print(machine())
    rows = []
    urls = {}
    for backend in backends:
        if args.reuse:
            urls[backend] = sqlite_url() if backend == "sqlite" else pg_url(args.postgres)
            continue
        r = load(backend, args.postgres)
        urls[backend] = r["url"]
        bare_s, bare_n = bare_insert_seconds(backend, args.postgres)
        dry_s, dry_n = loader_dry_run(r["url"])
        per_value = r["load_s"] / r["values"]
        rows.append({
            "backend": backend, "values": f"{r['values']:,}", "files": f"{r['submissions']:,}", "units": f"{r['units']:,}",
            "setup (units)": f"{r['setup_s']:.1f} s", "load": f"{r['load_s']:.0f} s",
            "values/s": f"{r['values'] / r['load_s']:,.0f}",
            "ratio to bare insert": f"{per_value / (bare_s / bare_n):.1f}",
            "ratio to loaders' dry run": f"{per_value / (dry_s / dry_n):.2f}",
            "size": mb(r["bytes"]),
        })
        if r["tables"]:
            print("  largest tables: " + ", ".join(f"{k} {mb(v)}" for k, v in r["tables"].items()))
        print(f"  reference: bare executemany {bare_n:,} rows in {bare_s:.1f} s; loaders' dry run {dry_n:,} values in {dry_s:.1f} s")
    if rows:
        print("\nNational load (34 provinces, 3,321 communes, 01/2021–12/2025, 15 elements), one transaction per province")
        print_table(rows, list(rows[0]))
    if args.pages:
        for backend in backends:
            print(f"\nPage reruns at national scale, {backend}, warm cache, median of {args.repeat}")
            page_rows = page_rerun_seconds(urls[backend], args.repeat, f"nation, {backend}")
            print_table(page_rows, ["database", "page", "first run", "median rerun", "ratio", "under 1 s"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
