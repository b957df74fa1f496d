"""How fast the database alone can take a compiled workbook's figures, against the plain openpyxl pass over the
same workbooks, in the same run: the floor under `bench/ingest.py`'s compiled row (issue 15, item 4).

The 12 compiled workbooks of bench/ingest.py (130 communes and wards each, about 2,000 values) are checked once,
untimed, by the loaders; the rows the product stores for them are then written by the bare driver into a fresh
database, one transaction per workbook: the submission row, the file's bytes, its 130 scope rows and its values
(PostgreSQL: a COPY of text built beforehand for each table; SQLite: an executemany of tuples built beforehand),
then the commit. No loader code, no SQLAlchemy
and no Python per value runs inside the timing; the only difference between the variants is the schema:

- the schema as it is (three foreign keys and three indexes on `data_value`);
- without the three foreign keys on `data_value`;
- without those foreign keys and without its two secondary indexes (the primary key stays).

Beside them, interleaved: the openpyxl pass (the reference), the loaders' reading alone (`read_book`), the
whole check (`check_files`: read, parse, rules) and the product's store (`store_checked`). If the check plus
the bare write with the schema as it is already exceed the reference, no change to the loaders can bring the
whole ingest under it.

    python bench/store_floor.py [--repeat 5] [--postgres SERVER_URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, machine, print_table
from bench.ingest import _Database, _files, loader_pass, plain_pass

VARIANTS = ("schema as it is", "no foreign keys on data_value", "no foreign keys, no secondary indexes")


def _strip(engine, variant: str) -> None:
    """Remove what the variant leaves out from a fresh database's `data_value`."""
    from sqlalchemy import inspect, text

    if variant == VARIANTS[0]:
        return
    insp = inspect(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for fk in insp.get_foreign_keys("data_value"):
                conn.execute(text(f'ALTER TABLE data_value DROP CONSTRAINT "{fk["name"]}"'))
            if variant == VARIANTS[2]:
                for ix in insp.get_indexes("data_value"):
                    conn.execute(text(f'DROP INDEX "{ix["name"]}"'))
        return
    # SQLite cannot drop a constraint: the table is made again without it (empty here).
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE data_value"))
        conn.execute(text("CREATE TABLE data_value (unit_code VARCHAR(20) NOT NULL, period VARCHAR(7) NOT NULL, "
                          "element_code VARCHAR(60) NOT NULL, value BIGINT NOT NULL, submission_id INTEGER NOT NULL, "
                          "PRIMARY KEY (unit_code, period, element_code))"))
        if variant == VARIANTS[1]:
            conn.execute(text("CREATE INDEX ix_data_value_period_element ON data_value (period, element_code)"))
            conn.execute(text("CREATE INDEX ix_data_value_submission_id ON data_value (submission_id)"))


def _prepared(report) -> list[tuple]:
    """Per accepted workbook, in order: its submission row, its bytes, its scope rows and value rows, each also
    as COPY text, built before the timing. A fresh database numbers the submissions 1, 2, ... in the order written, so the
    rows carry that id (checked as they are written)."""
    out = []
    for sid, o in enumerate((o for o in report.files if o.submission is not None), start=1):
        sub = o.submission
        cells = sorted({(v.unit_code, v.period, v.element_code): v.value for v in sub.values}.items())
        tuples = [(*key, value, sid) for key, value in cells]
        scope = sorted({(sid, u, p) for (u, p, _), _ in cells} | {(sid, u, p) for u, p in sub.scope})
        out.append(((sub.form_code, sub.filename, sub.sha256, len(sub.content), "bench", len(tuples)), sub.content,
                    scope, "".join(f"{s}\t{u}\t{p}\n" for s, u, p in scope).encode(),
                    tuples, "".join(f"{u}\t{p}\t{e}\t{v}\t{s}\n" for u, p, e, v, s in tuples).encode()))
    return out


def bare_write(engine, prepared) -> float:
    """Write the prepared rows with the bare driver, one transaction per workbook; seconds."""
    raw = engine.raw_connection()
    try:
        pg = engine.dialect.name == "postgresql"
        conn = raw.driver_connection
        mark = "%s" if pg else "?"
        insert_sub = ("INSERT INTO submission (form_code, filename, sha256, size, submitted_by, received_at, source, "
                      f"n_values, warnings) VALUES ({', '.join([mark] * 5)}, CURRENT_TIMESTAMP, 'cli', {mark}, '[]') "
                      "RETURNING id")
        insert_file = f"INSERT INTO submission_file (submission_id, content) VALUES ({mark}, {mark})"
        insert_scope = f"INSERT INTO submission_scope (submission_id, unit_code, period) VALUES ({mark}, {mark}, {mark})"
        insert_values = f"INSERT INTO data_value (unit_code, period, element_code, value, submission_id) VALUES ({', '.join([mark] * 5)})"
        start = time.perf_counter()
        for expected, (sub, content, scope, scope_text, tuples, text_rows) in enumerate(prepared, start=1):
            cur = conn.cursor()
            cur.execute(insert_sub, sub)
            sid = cur.fetchone()[0]
            if sid != expected:
                raise SystemExit(f"the fresh database numbered submission {expected} as {sid}")
            cur.execute(insert_file, (sid, content))
            if pg:
                with cur.copy("COPY submission_scope (submission_id, unit_code, period) FROM STDIN") as copy:
                    copy.write(scope_text)
                with cur.copy("COPY data_value (unit_code, period, element_code, value, submission_id) FROM STDIN") as copy:
                    copy.write(text_rows)
            else:
                cur.executemany(insert_scope, scope)
                cur.executemany(insert_values, tuples)
            conn.commit()
        return time.perf_counter() - start
    finally:
        raw.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", default=None, metavar="SERVER_URL")
    args = parser.parse_args()
    from loaders.ingest import check_files, store_checked
    from loaders.validation import ref_schema

    ref_schema()
    db = _Database(args.postgres)
    engine, url = db.fresh()
    compiled, _ = _files(engine)
    db.drop(engine, url)
    n = len(compiled)

    def checked(engine):
        report = check_files(engine, compiled, submitted_by="bench", workers=1)
        if report.counts()["rejected"]:
            raise SystemExit(f"benchmark files rejected: {report.counts()}")
        return report

    def time_check() -> float:
        engine, url = db.fresh()
        try:
            start = time.perf_counter()
            checked(engine)
            return time.perf_counter() - start
        finally:
            db.drop(engine, url)

    def time_store() -> float:
        engine, url = db.fresh()
        try:
            report = checked(engine)
            start = time.perf_counter()
            store_checked(engine, report, transaction="file")
            return time.perf_counter() - start
        finally:
            db.drop(engine, url)

    def time_bare(variant: str):
        def run() -> float:
            engine, url = db.fresh()
            try:
                prepared = _prepared(checked(engine))
                _strip(engine, variant)
                return bare_write(engine, prepared)
            finally:
                db.drop(engine, url)
        return run

    def time_read() -> float:
        start = time.perf_counter()
        loader_pass(compiled)
        return time.perf_counter() - start

    def time_plain() -> float:
        start = time.perf_counter()
        plain_pass(compiled)
        return time.perf_counter() - start

    steps = [("openpyxl read-only pass (reference)", time_plain), ("loaders: reading alone (read_book)", time_read),
             ("loaders: the whole check (check_files)", time_check), ("the product's store (store_checked)", time_store),
             *((f"bare write, {v}", time_bare(v)) for v in VARIANTS)]
    times: dict[str, list[float]] = {label: [] for label, _ in steps}
    ratios: dict[str, list[float]] = {label: [] for label, _ in steps}
    for rep in range(args.repeat + 1):  # the first round warms up and is not counted
        got = {}
        for label, run in steps:
            got[label] = run()
        after = time_plain()
        if rep == 0:
            continue
        reference = (got[steps[0][0]] + after) / 2
        for label, seconds in got.items():
            times[label].append(seconds)
            ratios[label].append(seconds / reference)
    rows = [{"12 compiled workbooks, one transaction each": label,
             "per workbook": f"{statistics.median(times[label]) * 1000 / n:.1f} ms",
             "ratio to the openpyxl pass": f"{statistics.median(ratios[label]):.2f}"} for label, _ in steps[1:]]
    rows.insert(0, {"12 compiled workbooks, one transaction each": steps[0][0],
                    "per workbook": f"{statistics.median(times[steps[0][0]]) * 1000 / n:.1f} ms",
                    "ratio to the openpyxl pass": "1.00"})
    print(f"{machine()}; backend: {'PostgreSQL' if args.postgres else 'SQLite'}; {args.repeat} interleaved rounds, medians "
          "(each ratio against the mean of the openpyxl passes before and after its round)")
    print_table(rows, list(rows[0]))
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"store_floor_{'postgres' if args.postgres else 'sqlite'}.json").write_text(
        json.dumps({"seconds": times, "ratios": ratios}, indent=2))


if __name__ == "__main__":
    main()
