"""What the benchmarks share: medians over repeated runs, a sample database to run against, one way of
printing results as ratios against a reference measured in the same run."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"


def median_seconds(fn: Callable[[], object], repeat: int = 7, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def sample_database(name: str = "bench_sample") -> str:
    """A SQLite database with the sample province, built once under bench/out/ (git-ignored)."""
    from sample_data.seed import seed_sample
    from storage.db import make_engine
    from storage.setup import init_db

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.db"
    url = f"sqlite:///{path}"
    if not path.exists():
        engine = make_engine(url)
        init_db(engine)
        seed_sample(engine)
        engine.dispose()
    return url


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{platform.system()} {platform.release()}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def print_table(rows: list[dict], columns: list[str]) -> None:
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    print("| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in rows:
        print("| " + " | ".join(str(r.get(c, "")).ljust(w) for c, w in zip(columns, widths)) + " |")
