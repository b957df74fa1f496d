"""The first overview a user gets after a change made elsewhere, against a warm rerun, in the same run
(issue 15, item 1: a note or a setting must not re-read the figures).

    python bench/freshness.py [--on sample|national|URL] [--rounds 5]

`national`: bench/out/national.db (build it first with `python bench/national.py --backend sqlite`);
`sample`: the sample province (bench/out/bench_sample.db). The overview runs in AppTest, signed in as the
administrator, its caches warm; then, round by round, the modes are interleaved and each is followed by
one timed rerun of the page:

- warm: nothing changed (the reference);
- target: a province target set through `services.targets` (a follow-up note, a task, a setting or a lock
  is alike: the data version moves, the values version does not) — the page rebuilds what it shows from
  the figures the process holds;
- target, figures re-read (before): the same change with the values version moved too, as every change did
  before: the figures read again from the database;
- correction: a two-value correction stored (`record_submission`): both versions move; the process catches
  up with the submissions stamped above the values version it holds (`storage.frames.load_changes`) and
  patches its frames, instead of reading every figure again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, ROOT, machine, print_table, sample_database  # noqa: E402

MODES = ("warm", "target", "target, figures re-read (before)", "correction")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--on", default="sample", help="sample, national or a database URL")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if args.on == "sample":
        # A database of its own (as bench/freshness_browser.py): the submissions and targets stored here end
        # the sample mode, in which the other benchmarks sign in with the demo accounts.
        url = sample_database("bench_freshness_sample")
    elif args.on == "national":
        path = OUT / "national.db"
        if not path.exists():
            sys.exit(f"{path} is missing: run `python bench/national.py --backend sqlite` first")
        url = f"sqlite:///{path}"
    else:
        url = args.on
    os.environ["DATABASE_URL"] = url
    os.environ["P06_AUTO_SAMPLE"] = "0"

    from streamlit.testing.v1 import AppTest

    from bench.national import admin_actor
    from services.targets import set_target
    from storage import frames
    from storage.db import make_engine, session_factory
    from storage.submissions import SubmissionIn, ValueIn, record_submission
    from storage.version import bump_data_version

    engine = make_engine(url)
    units = frames.load_units(engine)
    province = units.loc[units["level"] == "province", "code"].iloc[0]
    commune = units.loc[(units["level"] == "commune") & (units["province_code"] == province), "code"].iloc[0]
    period = frames.latest_period(engine)
    year = int(period[:4])
    actor = admin_actor()

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.session_state["actor"] = actor
    at.query_params["period"] = period
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    assert not at.exception, at.exception
    at.run()

    reads = []
    read_values = frames.load_values
    frames.load_values = lambda *a, **k: reads.append(1) or read_values(*a, **k)
    counter = {"n": int(time.time()) % 100_000 * 10}  # new bytes and figures in every run: a stored file is not stored twice

    def change(mode: str) -> None:
        counter["n"] += 1
        n = counter["n"]
        if mode == "warm":
            return
        if mode.startswith("target"):
            set_target(engine, actor, "online_dossier_rate", year, 0.80 + (n % 10) / 100, unit_code=province,
                       decision=f"Kế hoạch {n}/KH-UBND (bench)")
            if "before" in mode:
                with session_factory(engine).begin() as session:
                    bump_data_version(session)  # values too, as every change did before
            return
        record_submission(engine, SubmissionIn("locality", f"bench_correction_{n}.csv", f"bench {n}".encode(), "bench",
                                               [ValueIn(commune, period, "dossiers_received_online", 10 + n),
                                                ValueIn(commune, period, "dossiers_received", 100 + n)]))

    results = {m: [] for m in MODES}
    read_counts = {m: 0 for m in MODES}
    for _ in range(args.rounds):
        for mode in MODES:
            change(mode)
            before_reads = len(reads)
            t = time.perf_counter()
            at.run()
            results[mode].append(time.perf_counter() - t)
            assert not at.exception, at.exception
            read_counts[mode] += len(reads) - before_reads
    warm = statistics.median(results["warm"])
    rows = [{"after": m, "first rerun (median)": f"{statistics.median(results[m]) * 1000:,.0f} ms",
             "× warm": f"{statistics.median(results[m]) / warm:.1f}", "figures read": str(read_counts[m])}
            for m in MODES]
    print(f"# The overview's first rerun after a change ({args.on}, {len(units):,} units, {args.rounds} rounds, "
          f"interleaved; the page's first run took {first:.1f} s)")
    print(machine())
    print_table(rows, ["after", "first rerun (median)", "× warm", "figures read"])


if __name__ == "__main__":
    main()
