"""What ingestion costs against reading the same files with openpyxl and nothing else, in the same run.

The files: 12 compiled workbooks (the locality template for 07/2025–06/2026, the 130 communes and wards
filled in with the sample's figures) and 500 single-unit files (the sample's own returns, each its office's
template filled in). The reference: a plain openpyxl read-only pass over the same bytes (open, every row
of every sheet, close). Ingestion: read (limits, zip check), find the table, match headers and units,
validate every rule with pandera, and write to a fresh database (one transaction per file, or per month in
bulk mode), single process unless stated.

    python bench/ingest.py [--repeat 3] [--postgres SERVER_URL] [--readers-only]
    python bench/ingest.py --paired OTHER_TREE [--repeat 5] [--postgres SERVER_URL] [--sets compiled,single,all]

`--paired OTHER_TREE` compares two checkouts on this machine at the same moment (a copy of HEAD made with
`git archive HEAD | tar -x -C OTHER_TREE`, against this working tree): two worker processes, each importing
its own tree, ingest the same files (built once, here) into fresh databases, interleaved: a plain openpyxl
pass, one tree, the other, a plain pass again, the order of the two trees swapped every repetition. Each
ingest is timed whole and also split into its check (`check_files`: read, parse, rules) and its store
(`store_checked`); each ratio is against the mean of the two plain passes around it; medians over the
repetitions.

First, the readers alone on the 12 compiled workbooks (interleaved, same run): openpyxl read-only (the
reference), python-calamine on the same bytes, and the loaders' read_book on the .xlsx and on the same
workbooks saved as .xls and .ods by LibreOffice (where it can: testkit.office_formats).

SQLite: a fresh file under bench/out/ for every run. With --postgres (e.g.
postgresql://postgres@127.0.0.1:5432/test), a temporary database on that server, dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, machine, print_table  # noqa: E402

COMPILED_MONTHS = [f"2025-{m:02d}" for m in range(7, 13)] + [f"2026-{m:02d}" for m in range(1, 7)]
SINGLE_FILES = 500


def _files(engine) -> tuple[list, list]:
    """(compiled, single): lists of SourceFile, built from the sample generator through the template."""
    from loaders.ingest import SourceFile
    from loaders.template import build_template
    from sample_data.generator import generate
    from sample_data.workbooks import filename, workbooks
    from storage import frames

    registry, units = frames.load_registry(engine), frames.load_units(engine)
    returns = generate("2025-07", "2026-06")
    compiled = []
    for period in COMPILED_MONTHS:
        values = {r.unit_code: r.values for r in returns if r.period == period and r.form_code == "locality"}
        data = build_template(registry, units, "locality", period, values=values)
        compiled.append(SourceFile(f"tong_hop_{period}.xlsx", data))
    older = [r for r in generate("2024-01", "2025-06")][:SINGLE_FILES]
    single = [SourceFile(filename(r), data) for r, data in zip(older, workbooks(older, registry, units))]
    return compiled, single


def plain_pass(files) -> None:
    """The reference: openpyxl read-only, every row of every sheet, nothing else."""
    import openpyxl

    for f in files:
        wb = openpyxl.load_workbook(io.BytesIO(f.content), read_only=True, data_only=True)
        for ws in wb.worksheets:
            for _row in ws.iter_rows(values_only=True):
                pass
        wb.close()


def calamine_pass(files) -> None:
    """The same pass with python-calamine (the reader behind .xls and .ods): every row of every sheet."""
    from python_calamine import CalamineWorkbook

    for f in files:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(f.content))
        for name in wb.sheet_names:
            wb.get_sheet_by_name(name).to_python()
        wb.close()


def loader_pass(files) -> None:
    """The loaders' own reading (limits, zip and cell checks, sheets of values): loaders.readers.read_book."""
    from loaders.readers import read_book

    for f in files:
        read_book(f.name, f.content)


def reader_rows(compiled, repeat: int) -> tuple[list[dict], list[dict]]:
    """The 12 compiled workbooks read by each reader, interleaved in the same run: openpyxl read-only (the
    reference), calamine on the same .xlsx bytes, and the loaders' read_book on the .xlsx and, where
    LibreOffice can save them (testkit.office_formats), on the same workbooks as .xls and .ods."""
    import tempfile

    from loaders.ingest import SourceFile
    from testkit import office_formats

    passes = [("openpyxl read-only pass, .xlsx (reference)", plain_pass, compiled),
              ("python-calamine pass, .xlsx", calamine_pass, compiled),
              ("loaders read_book, .xlsx (calamine, XML scans)", loader_pass, compiled)]
    if office_formats.unavailable() is None:
        with tempfile.TemporaryDirectory() as tmp:
            for fmt in office_formats.FORMATS:
                saved = [SourceFile(f.name.replace(".xlsx", f".{fmt}"),
                                    office_formats.convert(f.content, fmt, Path(tmp) / f"{fmt}{k}", f"book{k}"))
                         for k, f in enumerate(compiled)]
                passes.append((f"loaders read_book, .{fmt} (calamine)", loader_pass, saved))
    times: dict[str, list[float]] = {label: [] for label, _, _ in passes}
    for _ in range(repeat):
        for label, run, files in passes:
            t = time.perf_counter()
            run(files)
            times[label].append(time.perf_counter() - t)
    ref = statistics.median(times[passes[0][0]])
    rows = [{"reader (12 compiled workbooks, 130 communes each)": label,
             "median": f"{statistics.median(ts) * 1000:.0f} ms",
             "per workbook": f"{statistics.median(ts) * 1000 / len(compiled):.1f} ms",
             "ratio to openpyxl read-only": f"{statistics.median(ts) / ref:.2f}"} for label, ts in times.items()]
    return rows, [{"reader": label, "seconds": ts} for label, ts in times.items()]


class _Database:
    """A fresh database per run: a SQLite file, or a temporary database on a PostgreSQL server."""

    def __init__(self, postgres: str | None):
        self.postgres, self.n = postgres, 0

    def fresh(self):
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        from storage.db import database_url, make_engine
        from storage.setup import init_db

        self.n += 1
        if self.postgres:
            admin = make_engine(database_url(self.postgres), isolation_level="AUTOCOMMIT")
            name = f"p06_bench_ingest_{os.getpid()}_{self.n}"
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            url = make_url(database_url(self.postgres)).set(database=name).render_as_string(hide_password=False)
        else:
            OUT.mkdir(parents=True, exist_ok=True)
            path = OUT / f"bench_ingest_{self.n}.db"
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        engine = make_engine(url)
        init_db(engine)
        return engine, url

    def drop(self, engine, url) -> None:
        from sqlalchemy import text
        from sqlalchemy.engine import make_url

        from storage.db import database_url, make_engine

        engine.dispose()
        if self.postgres:
            admin = make_engine(database_url(self.postgres), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
            admin.dispose()
        else:
            path = make_url(url).database
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)


def ingest(db: _Database, files, transaction: str, workers: int) -> tuple[float, dict]:
    from loaders.ingest import ingest_files

    engine, url = db.fresh()
    try:
        start = time.perf_counter()
        report = ingest_files(engine, files, submitted_by="bench", transaction=transaction, workers=workers)
        seconds = time.perf_counter() - start
        counts = report.counts()
    finally:
        db.drop(engine, url)
    if counts["rejected"]:
        raise SystemExit(f"benchmark files rejected: {counts}")
    return seconds, counts


def _worker(tree: str) -> None:
    """`--worker TREE`: ingest on command (one JSON line in, one out), with TREE's loaders and storage."""
    import pickle

    sys.path.insert(0, str(Path(tree).resolve()))
    for name in [m for m in sys.modules if m.split(".")[0] in ("loaders", "storage", "domain", "i18n")]:
        del sys.modules[name]
    from loaders.ingest import SourceFile, check_files, store_checked
    from loaders.validation import ref_schema

    ref_schema()
    postgres = None
    sets: dict[str, list] = {}
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "load":
            postgres = cmd["postgres"]
            with open(cmd["files"], "rb") as fh:
                named = pickle.load(fh)
            sets = {k: [SourceFile(n, c) for n, c in v] for k, v in named.items()}
            out = {"tree": str(Path(sys.modules["loaders.ingest"].__file__).resolve().parent.parent)}
        elif cmd["op"] == "plain":
            t = time.perf_counter()
            plain_pass(sets[cmd["set"]])
            out = {"seconds": time.perf_counter() - t}
        else:  # ingest
            db = _Database(postgres)
            db.n = cmd["n"]
            engine, url = db.fresh()
            try:
                start = time.perf_counter()
                report = check_files(engine, sets[cmd["set"]], submitted_by="bench", workers=1)
                checked = time.perf_counter()
                store_checked(engine, report, transaction=cmd["transaction"])
                end = time.perf_counter()
                counts = report.counts()
            finally:
                db.drop(engine, url)
            out = {"seconds": end - start, "check": checked - start, "store": end - checked, "counts": counts}
        print(json.dumps(out), flush=True)


def paired(other: str, repeat: int, postgres: str | None, set_names: list[str]) -> None:
    """The --paired comparison: OTHER_TREE ("before") against this tree ("after"), interleaved."""
    import pickle
    import subprocess
    import tempfile

    db = _Database(postgres)
    engine, url = db.fresh()
    compiled, single = _files(engine)
    db.drop(engine, url)
    named = {"compiled": [(f.name, f.content) for f in compiled], "single": [(f.name, f.content) for f in single]}
    named["all"] = named["compiled"] + named["single"]
    variants = {"compiled": [("12 compiled workbooks (130 communes each)", "file")],
                "single": [(f"{len(single)} single-unit files", "file")],
                "all": [("all 512 files", "file"), ("all 512 files, bulk (one transaction per month)", "batch")]}
    here = str(Path(__file__).resolve().parent.parent)
    with tempfile.NamedTemporaryFile(suffix=".pkl", delete=False) as fh:
        pickle.dump(named, fh)
    workers = {}
    for label, tree in (("before", str(Path(other).resolve())), ("after", here)):
        workers[label] = subprocess.Popen([sys.executable, __file__, "--worker", tree], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE, text=True, cwd=tree)

    def ask(label: str, **cmd) -> dict:
        w = workers[label]
        w.stdin.write(json.dumps(cmd) + "\n")
        w.stdin.flush()
        line = w.stdout.readline()
        if not line:
            raise SystemExit(f"the {label} worker stopped")
        return json.loads(line)

    try:
        for label in workers:
            print(f"{label}: {ask(label, op='load', files=fh.name, postgres=postgres)['tree']}", flush=True)
        rows, raw = [], []
        n = 0
        for set_name in set_names:
            for title, transaction in variants[set_name]:
                per: dict[str, list] = {k: [] for k in ("plain", "before", "after", "before_check", "after_check",
                                                        "before_store", "after_store", "ratio_before", "ratio_after")}
                for rep in range(repeat + 1):  # the first repetition warms both workers up and is not counted
                    order = ("before", "after") if rep % 2 else ("after", "before")
                    p1 = ask(order[0], op="plain", set=set_name)["seconds"]
                    got = {}
                    for label in order:
                        n += 1
                        got[label] = ask(label, op="ingest", set=set_name, transaction=transaction, n=n)
                        if got[label]["counts"]["rejected"]:
                            raise SystemExit(f"benchmark files rejected by {label}: {got[label]['counts']}")
                    p2 = ask(order[1], op="plain", set=set_name)["seconds"]
                    if rep == 0:
                        continue
                    plain = (p1 + p2) / 2
                    per["plain"].append(plain)
                    for label in ("before", "after"):
                        per[label].append(got[label]["seconds"])
                        per[f"{label}_check"].append(got[label]["check"])
                        per[f"{label}_store"].append(got[label]["store"])
                        per[f"ratio_{label}"].append(got[label]["seconds"] / plain)
                    assert got["before"]["counts"] == got["after"]["counts"], (got["before"]["counts"], got["after"]["counts"])
                med = {k: statistics.median(v) for k, v in per.items()}
                k = len(named[set_name])
                rows.append({
                    "files": title, "openpyxl pass": f"{med['plain']:.2f} s",
                    "ingest before → after": f"{med['before']:.2f} s → {med['after']:.2f} s",
                    "ratio before → after": f"{med['ratio_before']:.2f} → {med['ratio_after']:.2f}",
                    "per file: check before → after": f"{med['before_check'] * 1000 / k:.1f} → {med['after_check'] * 1000 / k:.1f} ms",
                    "per file: store before → after": f"{med['before_store'] * 1000 / k:.1f} → {med['after_store'] * 1000 / k:.1f} ms",
                    "plain per file": f"{med['plain'] * 1000 / k:.1f} ms",
                })
                raw.append({"files": title, "transaction": transaction, **per})
                print(f"  {rows[-1]}", flush=True)
    finally:
        for w in workers.values():
            w.stdin.close()
            w.wait()
        Path(fh.name).unlink(missing_ok=True)
    print(f"{machine()}; backend: {'PostgreSQL' if postgres else 'SQLite'}; paired, {repeat} interleaved repetitions, medians")
    print_table(rows, list(rows[0]))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"ingest_paired_{'postgres' if postgres else 'sqlite'}.json").write_text(json.dumps(raw, indent=2))


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        _worker(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", default=None, metavar="SERVER_URL")
    parser.add_argument("--readers-only", action="store_true", help="only the readers' table (no ingestion)")
    parser.add_argument("--paired", default=None, metavar="OTHER_TREE",
                        help="compare OTHER_TREE (before) with this tree (after), interleaved (see above)")
    parser.add_argument("--sets", default="compiled,single,all", help="with --paired: compiled, single, all")
    args = parser.parse_args()
    if args.paired:
        paired(args.paired, args.repeat, args.postgres, args.sets.split(","))
        return
    db = _Database(args.postgres)
    engine, url = db.fresh()
    compiled, single = _files(engine)
    db.drop(engine, url)
    readers, readers_raw = reader_rows(compiled, max(args.repeat, 5))
    print(f"{machine()}; medians of {max(args.repeat, 5)} interleaved runs")
    print_table(readers, list(readers[0]))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "ingest_readers.json").write_text(json.dumps(readers_raw, indent=2))
    if args.readers_only:
        return
    everything = compiled + single
    from loaders.validation import ref_schema

    ref_schema()  # imports pandera: a process pays it once, not per file (and the plain pass imports nothing)

    sets = [("12 compiled workbooks (130 communes each)", compiled), (f"{len(single)} single-unit files", single),
            ("all 512 files", everything)]
    variants = [("per-file transactions", "file", 1), ("bulk (one transaction per month)", "batch", 1)]
    rows, raw = [], []
    for label, files in sets:
        for vlabel, transaction, workers in variants:
            if label != "all 512 files" and transaction == "batch":
                continue
            plain, mine = [], []
            for _ in range(args.repeat):
                t = time.perf_counter()
                plain_pass(files)
                plain.append(time.perf_counter() - t)
                seconds, counts = ingest(db, files, transaction, workers)
                mine.append(seconds)
            p, m = statistics.median(plain), statistics.median(mine)
            rows.append({"files": label, "ingest": vlabel, "openpyxl pass": f"{p:.2f} s", "ingest (parse, validate, write)": f"{m:.2f} s",
                         "ratio": f"{m / p:.2f}", "values stored": f"{counts['values']:,}"})
            raw.append({"files": label, "variant": vlabel, "plain": plain, "ingest": mine})
    workers = min(2, os.cpu_count() or 1)
    if workers > 1:
        plain, mine = [], []
        for _ in range(args.repeat):
            t = time.perf_counter()
            plain_pass(everything)
            plain.append(time.perf_counter() - t)
            mine.append(ingest(db, everything, "batch", workers)[0])
        p, m = statistics.median(plain), statistics.median(mine)
        rows.append({"files": "all 512 files", "ingest": f"bulk, reading in {workers} processes", "openpyxl pass": f"{p:.2f} s",
                     "ingest (parse, validate, write)": f"{m:.2f} s", "ratio": f"{m / p:.2f}", "values stored": ""})
        raw.append({"files": "all 512 files", "variant": f"bulk, {workers} processes", "plain": plain, "ingest": mine})
    print(f"{machine()}; backend: {'PostgreSQL' if args.postgres else 'SQLite'}; medians of {args.repeat} runs")
    print_table(rows, list(rows[0]))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"ingest_{'postgres' if args.postgres else 'sqlite'}.json").write_text(json.dumps(raw, indent=2))


if __name__ == "__main__":
    main()
