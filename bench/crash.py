"""Crash safety: a loader process killed with SIGKILL at random points of a large ingest, many times.

    python bench/crash.py                       # 20 kills on SQLite, 20 on PostgreSQL (TEST_DATABASE_URL)
    python bench/crash.py --kills 5 --backend sqlite --last 2024-02

The ingest: the sample province's returns for some months (one workbook per unit and month, as offices
send them) followed by resubmissions (CSV, long format, one file per month) that revise a third of the
figures, so that the job writes submissions, values and revisions. A reference run on a fresh database
gives the expected result. Then, per trial, on a fresh database: the job runs in its own process (forked),
which is killed with SIGKILL (one transaction per file on even trials, one per month on odd ones) either
at a random moment of its reading (a quarter of the trials) or once a random number of files is committed,
0-20 ms later, i.e. in the middle of writing the next ones; the integrity check (storage/integrity.py)
runs on what the dead process left; the same job is run again to the end; the integrity check runs again
and the database is compared with the reference: every file stored exactly once, every value, every
revision the same (by file SHA-256, since ids and arrival times differ between runs).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import OUT, machine  # noqa: E402
from testkit import crash  # noqa: E402
from testkit.databases import PostgresBackend, SQLiteBackend, pg_unavailable_reason  # noqa: E402


def main(argv=None) -> int:

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--first", default="2025-05")
    parser.add_argument("--last", default="2025-08")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    print(machine())
    backends = []
    if args.backend in ("sqlite", "both"):
        OUT.mkdir(parents=True, exist_ok=True)
        backends.append(SQLiteBackend(OUT / "crash"))
    if args.backend in ("postgresql", "both"):
        reason = pg_unavailable_reason()
        if reason:
            print(reason)
        else:
            backends.append(PostgresBackend())
    results = []
    for backend in backends:
        r = crash.run(backend, args.kills, args.first, args.last, args.seed)
        results.append(r)
        summary = {k: v for k, v in r.items() if k != "detail"}
        print(json.dumps(summary, ensure_ascii=False))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
    bad = any(r["lost_rows"] or r["integrity_problems"] or r["completed_exactly_once"] != r["trials"] for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
