"""Fuzzing the loaders: no file, however broken, gets anything but a located rejection or a correct ingest.

    python bench/fuzz.py                     # 10,000+ files through the real ingest path, into SQLite
    python bench/fuzz.py --files 2000 --database-url postgresql://postgres@127.0.0.1:5432/somedb

Hypothesis builds each input from real files offices send (a filled-in single-unit template, a compiled
workbook, a long-format CSV) in one of four ways:

- bytes: bit flips, overwritten, inserted and deleted bytes, truncation, of the whole file;
- inside the workbook: the zip is opened, one of its parts (sheet XML, shared strings, workbook, styles,
  content types) is cut, spliced or salted with XML-ish text, and the zip is written back with good
  checksums, so that the damage reaches openpyxl's parsers instead of stopping at the zip's CRC;
- cells: up to three of the template's figures, and its unit and month, replaced by arbitrary cell contents (text with control
  characters, formulas, huge and negative numbers, floats, dates, booleans, Vietnamese number spellings);
- CSV text: the long format with cells and separators replaced by arbitrary text, in several encodings.

Files go through `loaders.ingest.ingest_files` in batches and are really written. Each file must end
accepted (then stored, with exactly the figures it holds where those are plain integers, and passing
the integrity check at the end), rejected with problems that name the file (and sheet and row for
cell-level problems) in both languages and leave no row, or a duplicate of a file already stored.
Anything else (an exception, a rejection without a message, a rejected file's bytes found stored) is a
finding, saved under bench/out/fuzz_findings/ to replay.
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
