"""What every command shares: the engine for --database-url, JSON output, refusals."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

from storage.db import make_engine


def engine_for(args):
    return make_engine(args.database_url)


def _default(o: Any):
    if isinstance(o, (dt.date, dt.datetime)):
        return o.isoformat()
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2, default=_default)
    sys.stdout.write("\n")


def refuse(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def print_table(rows: list[dict], columns: list[str]) -> None:
    """A plain aligned table for people (the --json form is for programs)."""
    cells = [[("" if r.get(c) is None else str(r.get(c))) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in cells:
        print("  ".join(v.ljust(w) for v, w in zip(row, widths)))
