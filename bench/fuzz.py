"""Fuzzing the loaders: no file, however broken, gets anything but a located rejection or a correct ingest
(the driver and what it checks: testkit/fuzz.py).

    python bench/fuzz.py                     # 10,000+ files through the real ingest path, into SQLite
    python bench/fuzz.py --files 2000 --database-url postgresql://postgres@127.0.0.1:5432/somedb
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import OUT, machine  # noqa: E402
from testkit import fuzz  # noqa: E402


def main(argv=None) -> int:

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--database-url", default=None, help="an EMPTY database (default: a new SQLite file under bench/out/)")
    parser.add_argument("--seed", type=int, default=None, help="random run with this seed (default: derandomized)")
    args = parser.parse_args(argv)
    print(machine())
    url = args.database_url
    if url is None:
        OUT.mkdir(parents=True, exist_ok=True)
        path = OUT / f"fuzz_{int(time.time())}.db"
        url = f"sqlite:///{path}"
    result = fuzz.run(url, args.files, args.batch, args.seed)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 1 if result["findings"] or result["integrity_problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
