"""Another user's sign-in and page while a hostile workbook is parsed, against idle, in the same run
(issue 17, item 5; goal: at most 1.5 × idle).

The hostile file is a workbook inside every limit but the slowest to read: 60,000 rows × 15 columns
(900,000 cells, 3 MB, about ten seconds of openpyxl). A background thread submits it again and again
through `services.submissions.submit_files` (as the upload page does) while the main thread measures, as
another user, a sign-in (`services.auth.sign_in`, argon2) and a rerun of the overview page (AppTest, warm
cache), in three modes interleaved round by round: idle; the file parsed in the worker process (the
default: `parse_seconds` > 0); and, for reference, the file parsed inside the server process as before
issue 17 (`parse_seconds` = 0). Also: how long the 99,000 × 120 workbook of the report (11.9 million cells)
takes to be refused now.

    python bench/hostile.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ROOT, machine, print_table, sample_database  # noqa: E402

MODES = ("idle", "hostile file, worker process", "hostile file, server process (before)")


def _set(engine, key: str, value) -> None:
    from sqlalchemy import delete, insert

    from storage import models

    with engine.begin() as conn:
        conn.execute(delete(models.Setting).where(models.Setting.key == key))
        if value is not None:
            conn.execute(insert(models.Setting), {"key": key, "value": json.dumps(value)})


class Hostile:
    """A thread submitting the hostile file until stopped."""

    def __init__(self, engine, content: bytes):
        self.engine, self.content, self.stop, self.parses = engine, content, threading.Event(), 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from services.permissions import Actor
        from services.submissions import submit_files

        who = Actor("bench.hostile", "admin")
        while not self.stop.is_set():
            submit_files(self.engine, who, [(f"hostile_{self.parses}.xlsx", self.content)], dry_run=True)
            self.parses += 1

    def __enter__(self):
        self.thread.start()
        time.sleep(1.0)  # the first parse under way
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    url = sample_database()
    os.environ["DATABASE_URL"] = url
    os.environ["P06_AUTO_SAMPLE"] = "0"
    from streamlit.testing.v1 import AppTest

    from loaders.problems import LoaderError
    from loaders.readers import Limits, read_book
    from services import auth
    from services.demo import DEMO_PASSWORD, ensure_demo_accounts
    from services.permissions import Actor
    from storage.db import make_engine
    from testkit.hostile_files import grid

    engine = make_engine(url)
    ensure_demo_accounts(engine)
    hostile = grid(60_000, 15)
    huge = grid(99_000, 120, modulo=97)  # two-digit figures: about the report's 2.3 MB
    start = time.perf_counter()
    try:
        read_book("huge.xlsx", huge, Limits())
        refused = "read (not refused)"
    except LoaderError as exc:
        refused = exc.problems[0].code
    huge_seconds = time.perf_counter() - start

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.session_state["actor"] = Actor("bench.reader", "leader")
    at.switch_page("pages/overview.py").run()
    assert not at.exception, at.exception

    def page() -> float:
        t = time.perf_counter()
        at.run()
        return time.perf_counter() - t

    def sign_in() -> float:
        t = time.perf_counter()
        auth.sign_in(engine, "demo_viewer", DEMO_PASSWORD, source="10.0.0.9")
        return time.perf_counter() - t

    page(), sign_in()  # warm
    results = {m: {"page": [], "sign_in": [], "parses": 0} for m in MODES}
    try:
        for _ in range(args.rounds):
            for mode in MODES:
                if mode == "idle":
                    results[mode]["page"] += [page() for _ in range(3)]
                    results[mode]["sign_in"].append(sign_in())
                    continue
                _set(engine, "parse_seconds", 0 if "server" in mode else None)  # None: the default (120 s)
                with Hostile(engine, hostile) as h:
                    results[mode]["page"] += [page() for _ in range(3)]
                    results[mode]["sign_in"].append(sign_in())
                results[mode]["parses"] += h.parses
    finally:
        _set(engine, "parse_seconds", None)

    idle_page = statistics.median(results["idle"]["page"])
    idle_sign = statistics.median(results["idle"]["sign_in"])
    rows = []
    for mode in MODES:
        p, s = statistics.median(results[mode]["page"]), statistics.median(results[mode]["sign_in"])
        rows.append({"mode": mode, "page rerun (median s)": f"{p:.3f}", "× idle": f"{p / idle_page:.2f}",
                     "sign-in (median s)": f"{s:.3f}", "sign-in × idle": f"{s / idle_sign:.2f}"})
    print(f"# Another user's page and sign-in while a hostile workbook is parsed ({args.rounds} rounds, interleaved)")
    print(machine())
    print_table(rows, ["mode", "page rerun (median s)", "× idle", "sign-in (median s)", "sign-in × idle"])
    print(f"\nThe 99,000 × 120 workbook ({len(huge) / 1e6:.1f} MB): {refused} in {huge_seconds:.2f} s "
          f"(before issue 17: read in about a minute and 600 MB)")


if __name__ == "__main__":
    main()
