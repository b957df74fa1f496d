"""init-db, seed-sample."""

from __future__ import annotations

import sys

from commands.common import engine_for, print_json


def register(sub) -> None:
    p = sub.add_parser("init-db", help="schema to head plus the province's units, elements, forms, indicators, targets")
    p.add_argument("--json", action="store_true", help="print the resulting counts as JSON")
    p.set_defaults(handler=init_db)

    p = sub.add_parser("seed-sample", help="load the synthetic sample province (01/2024–10/2026)")
    p.add_argument("--first", default=None, help="first month YYYY-MM (default 2024-01)")
    p.add_argument("--last", default=None, help="last month YYYY-MM (default 2026-10)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=seed_sample)


def init_db(args) -> int:
    from storage.setup import init_db as run

    counts = run(engine_for(args))
    if args.json:
        print_json(counts)
    else:
        print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 0


def seed_sample(args) -> int:
    from sample_data.generator import FIRST_PERIOD, LAST_PERIOD
    from sample_data.seed import seed_sample as run
    from storage.setup import init_db as setup

    engine = engine_for(args)
    setup(engine)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty() and (done % 50 == 0 or done == total):
            print(f"\r{done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)

    result = run(engine, args.first or FIRST_PERIOD, args.last or LAST_PERIOD, progress=progress)
    if args.json:
        print_json(result)
    else:
        print(f"returns: {result['returns']}, stored: {result['stored']}, already stored: {result['already_stored']}")
    return 0
