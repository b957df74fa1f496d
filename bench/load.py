"""Many users browsing at once: p50 and p95 page rerun time as the number of simultaneous users grows.

Each simulated user is a process with its own AppTest session per page, browsing the pages in turn
(`--rounds` times each) while the other users do the same. The caches are warmed once in the parent (as a
server process would have them after its first visitor) and the users are forked from it, so that they
share the warm caches copy-on-write, as sessions of one server share them; all users start together
(a barrier) and every rerun's wall time is recorded. On this 2-core machine 16 users are 8 per core: the
figures show how rerun time grows with contention, not what a larger server would do.

    python bench/load.py [--scale province|nation|both] [--users 1,4,8,16] [--rounds 3] [--nation-url URL]

province: the sample province (SQLite, bench/out/bench_sample.db). nation: the national set loaded by
bench/national.py (default: PostgreSQL p06_national, else bench/out/national.db). Reference measured in
the same run: a bare page with one plotly chart, rerun by one user alone.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, machine, print_table, sample_database  # noqa: E402

BROWSED = ["pages/overview.py", "pages/localities.py", "pages/trends.py", "pages/weak.py", "pages/unit_profile.py"]


def _app(page_file: str):
    from streamlit.testing.v1 import AppTest

    from bench.national import admin_actor

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.session_state["actor"] = admin_actor()
    at.run()
    at.switch_page(page_file).run()
    assert not at.exception, at.exception
    return at


def _user(barrier, queue, pages: list[str], rounds: int) -> None:
    # A forked child must not use the parent's pooled database connections (SQLAlchemy's rule for fork):
    # it keeps the parent's engine (a cache hit) but opens connections of its own.
    from storage.db import database_url
    from ui import data

    data._engine(database_url()).dispose(close=False)
    sessions = {p: _app(p) for p in pages}  # this user's sessions (warm caches inherited from the parent)
    barrier.wait()
    times = []
    for _ in range(rounds):
        for page, at in sessions.items():
            started = time.perf_counter()
            at.run()
            times.append((page, time.perf_counter() - started))
    queue.put(times)


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def run_users(n: int, pages: list[str], rounds: int) -> dict[str, list[float]]:
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(n)
    queue = ctx.Queue()
    procs = [ctx.Process(target=_user, args=(barrier, queue, pages, rounds)) for _ in range(n)]
    for p in procs:
        p.start()
    results: dict[str, list[float]] = {}
    for _ in procs:
        for page, seconds in queue.get(timeout=1800):
            results.setdefault(page, []).append(seconds)
    for p in procs:
        p.join()
    return results


def bare_seconds(repeat: int = 7) -> float:
    from streamlit.testing.v1 import AppTest

    from bench.common import median_seconds
    from bench.pages import BARE_PAGE

    at = AppTest.from_string(BARE_PAGE, default_timeout=120)
    at.run()
    return median_seconds(lambda: at.run(), repeat=repeat)


def scale_rows(scale: str, url: str, users: list[int], rounds: int, pages: list[str]) -> list[dict]:
    os.environ["DATABASE_URL"] = url
    os.environ["P06_AUTO_SAMPLE"] = "0"
    started = time.perf_counter()
    for p in pages:  # warm every cache this process will hand down to its users
        _app(p).run()
    print(f"  {scale}: caches warmed in {time.perf_counter() - started:.1f} s", flush=True)
    bare = bare_seconds()
    rows = [{"scale": scale, "users": 1, "page": "bare page (reference)", "p50": f"{bare * 1000:.0f} ms", "p95": "",
             "p95 / bare": "1.0"}]
    for n in users:
        started = time.perf_counter()
        results = run_users(n, pages, rounds)
        print(f"  {scale}: {n} users done in {time.perf_counter() - started:.0f} s", flush=True)
        for page in pages:
            xs = results[page]
            rows.append({"scale": scale, "users": n, "page": Path(page).stem, "p50": f"{statistics.median(xs) * 1000:.0f} ms",
                         "p95": f"{percentile(xs, 0.95) * 1000:.0f} ms", "p95 / bare": f"{percentile(xs, 0.95) / bare:.0f}",
                         "_p95": percentile(xs, 0.95)})
    return rows


def default_nation_url() -> str | None:
    from bench.national import DEFAULT_PG, OUT, pg_url

    base = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    try:
        from sqlalchemy import text

        from storage.db import make_engine

        engine = make_engine(pg_url(base), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select count(*) from data_value")).scalar()
        engine.dispose()
        return pg_url(base)
    except Exception:  # noqa: BLE001 - no national database on PostgreSQL: try the SQLite one
        path = OUT / "national.db"
        return f"sqlite:///{path}" if path.exists() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["province", "nation", "both"], default="both")
    parser.add_argument("--users", default="1,4,8,16")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--nation-url", default=None)
    parser.add_argument("--pages", default=",".join(BROWSED))
    args = parser.parse_args()
    users = [int(x) for x in args.users.split(",")]
    pages = args.pages.split(",")
    print(machine())
    rows = []
    if args.scale in ("province", "both"):
        rows += scale_rows("province", sample_database(), users, args.rounds, pages)
    if args.scale in ("nation", "both"):
        url = args.nation_url or default_nation_url()
        if url is None:
            print("nation: no national database (run python bench/national.py first)")
        else:
            # A fresh process per scale would be cleaner; the caches are keyed by the URL, so one serves.
            rows += scale_rows("nation", url, users, args.rounds, pages)
    print(f"\nRerun time per page with N simultaneous users (each browsing {len(pages)} pages × {args.rounds} rounds)")
    print_table(rows, ["scale", "users", "page", "p50", "p95", "p95 / bare"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
