"""What the garbage collector costs a server process drawing pages, with and without the start-up's objects
frozen (`ui.warmup.warm_up(freeze=True)`, what `ui.serve` does), in the same run.

Each round starts two fresh processes one after the other (the order swapped every round), each warmed up
as the server is (imports, the figures, the cube) and then drawing the same page runs in AppTest (overview,
localities, map, trends; two months each; four times: 32 runs): one process as before, one with the
start-up's objects frozen after the imports. `gc.callbacks` times every collection by generation. What a
visitor notices is the full (generation 2) collection: a pause that falls inside one page run every dozen or
so and scans every object the process tracks.

    python bench/gc_pages.py [--rounds 3] [--database-url URL]   (default: the sample province, SQLite)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, machine, print_table, sample_database

PAGES = ("pages/overview.py", "pages/localities.py", "pages/map.py", "pages/trends.py")
MONTHS = ("2026-10", "2026-09")


def _child(freeze: bool) -> None:
    """One process: warm up as the server does, then the page runs; prints one JSON line."""
    import gc

    from streamlit.testing.v1 import AppTest

    from services.permissions import Actor
    from testkit.project import APP
    from ui import warmup

    warmup.warm_up(freeze=freeze)
    spent, count, started = [0.0, 0.0, 0.0], [0, 0, 0], [0.0]
    full: list[float] = []

    def timed(phase: str, info: dict) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
            return
        seconds = time.perf_counter() - started[0]
        spent[info["generation"]] += seconds
        count[info["generation"]] += 1
        if info["generation"] == 2:
            full.append(seconds)

    gc.callbacks.append(timed)
    start = time.perf_counter()
    runs = 0
    for _ in range(4):
        for page in PAGES:
            for month in MONTHS:
                at = AppTest.from_file(APP, default_timeout=300)
                at.query_params["period"] = month
                at.session_state["actor"] = Actor("bench", "admin")
                if page != PAGES[0]:
                    at.switch_page(page)
                at.run()
                if at.exception:
                    raise SystemExit(f"{page}: {[e.value for e in at.exception][:1]}")
                runs += 1
    gc.callbacks.remove(timed)
    print(json.dumps({"runs": runs, "seconds": time.perf_counter() - start, "spent": spent, "count": count,
                      "full": full, "tracked": len(gc.get_objects()), "frozen": gc.get_freeze_count()}), flush=True)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(sys.argv[2] == "frozen")
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    url = args.database_url or sample_database()
    env = {**os.environ, "DATABASE_URL": url, "P06_AUTO_SAMPLE": "0", "P06_FIGURE_CACHE_DIR": "0"}
    got: dict[str, list[dict]] = {"as before": [], "start-up frozen": []}
    for rnd in range(args.rounds):
        order = ("as before", "start-up frozen") if rnd % 2 == 0 else ("start-up frozen", "as before")
        for label in order:
            out = subprocess.run([sys.executable, __file__, "--child", "frozen" if label == "start-up frozen" else "plain"],
                                 env=env, capture_output=True, text=True, check=True)
            got[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    ref = got["as before"]
    rows = []
    for label, results in got.items():
        full_ms = [s * 1000 for r in results for s in r["full"]]
        total = statistics.median(r["spent"][2] for r in results)
        rows.append({
            "server process": label,
            "objects a full collection scans (after the runs)": f"{statistics.median(r['tracked'] for r in results):,.0f}",
            "full collections in 32 page runs": "–".join(sorted({str(r["count"][2]) for r in results})),
            "each full collection (median)": f"{statistics.median(full_ms):.0f} ms" if full_ms else "none",
            "full collections, all 32 runs": f"{total * 1000:.0f} ms",
            "ratio to as before": f"{total / statistics.median(r['spent'][2] for r in ref):.2f}",
            "younger collections": f"{statistics.median(r['spent'][0] + r['spent'][1] for r in results) * 1000:.0f} ms",
            "32 page runs": f"{statistics.median(r['seconds'] for r in results):.1f} s",
        })
    print(f"{machine()}; {args.rounds} rounds, medians; database {url.split('///')[-1]}")
    print_table(rows, list(rows[0]))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "gc_pages.json").write_text(json.dumps(got, indent=2))


if __name__ == "__main__":
    main()
