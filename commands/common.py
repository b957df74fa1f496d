"""What every command shares: the engine for --database-url, JSON output, refusals."""

from __future__ import annotations

import json
import sys
from typing import Any

from presentation.records import plain
from storage.db import make_engine


def engine_for(args):
    return make_engine(args.database_url)


def _strict(data: Any) -> Any:
    """`data` with every scalar plain (presentation.records.plain): NaN and infinities become null, so
    that the output parses under a strict JSON parser."""
    if isinstance(data, dict):
        return {k: _strict(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_strict(v) for v in data]
    value = plain(data)
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    raise TypeError(f"not JSON serialisable: {type(data).__name__}")


def print_json(data: Any) -> None:
    """JSON for programs: stable field names, null for every missing value, never NaN or Infinity."""
    json.dump(_strict(data), sys.stdout, ensure_ascii=False, indent=2, allow_nan=False)
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
