"""Crash safety: a loader process killed with SIGKILL at random points of a large ingest, many times (the
driver and what it checks: testkit/crash.py).

    python bench/crash.py                       # 20 kills on SQLite, 20 on PostgreSQL (TEST_DATABASE_URL)
    python bench/crash.py --kills 5 --backend sqlite --last 2024-02
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
