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

import datetime as dt
import multiprocessing as mp
import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from storage import integrity, models  # noqa: E402
from storage.db import make_engine  # noqa: E402

SUBMITTER = "crash_test"


def job_files(first: str, last: str):
    """(workbooks, resubmissions): the job's files, deterministic."""
    from loaders.ingest import SourceFile
    from sample_data.generator import generate
    from sample_data.workbooks import filename, workbooks
    from storage import frames
    from storage.setup import init_db

    engine = make_engine("sqlite://")
    init_db(engine)
    registry, units = frames.load_registry(engine), frames.load_units(engine)
    engine.dispose()
    returns = generate(first, last)
    data = workbooks(returns, registry, units)
    originals = [SourceFile(filename(r), content, r.received_at) for r, content in zip(returns, data)]
    by_month: dict[str, list] = {}
    for k, r in enumerate(returns):
        if k % 3 == 0 and r.form_code == "locality":
            by_month.setdefault(r.period, []).append(r)
    revisions = []
    for period, rs in sorted(by_month.items()):
        lines = ["unit_code,period,element,value"]
        for r in rs:
            # Every figure up by a tenth (rounded down): the same order between figures, so every rule holds.
            lines += [f"{r.unit_code},{r.period},{e},{v * 11 // 10}" for e, v in r.values.items()]
        stamp = max(r.received_at for r in rs) + dt.timedelta(days=3)
        revisions.append(SourceFile(f"dieu_chinh_{period}.csv", ("\r\n".join(lines) + "\r\n").encode(), stamp))
    return originals, revisions


def run_job(url: str, originals, revisions, transaction: str) -> dict:
    """The ingest job: workbooks, then resubmissions. Returns counts by status."""
    from loaders.ingest import ingest_files

    engine = make_engine(url)
    try:
        statuses = Counter()
        for files in (originals, revisions):
            report = ingest_files(engine, files, submitted_by=SUBMITTER, source="cli", transaction=transaction)
            rejected = [f for f in report.files if f.status == "rejected"]
            if rejected:
                raise RuntimeError(f"{len(rejected)} files rejected, e.g. {rejected[0].name}: "
                                   f"{[p.text('en') for p in rejected[0].errors][:3]}")
            statuses.update(f.status for f in report.files)
        return dict(statuses)
    finally:
        engine.dispose()


def snapshot(url: str) -> dict:
    """What the job leaves, independent of ids and arrival times."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            sha = dict(conn.execute(select(models.Submission.id, models.Submission.sha256)).all())
            values = {(u, p, e): (v, sha[s]) for u, p, e, v, s in conn.execute(select(
                models.DataValue.unit_code, models.DataValue.period, models.DataValue.element_code,
                models.DataValue.value, models.DataValue.submission_id))}
            rv = models.ValueRevision
            revisions = Counter((u, p, e, ov, sha[os_], nv, sha[ns]) for u, p, e, ov, os_, nv, ns in conn.execute(select(
                rv.unit_code, rv.period, rv.element_code, rv.old_value, rv.old_submission_id, rv.new_value,
                rv.new_submission_id)))
            files = Counter(sha.values())
        return {"values": values, "revisions": revisions, "files": files}
    finally:
        engine.dispose()


def lost_rows(reference: dict, got: dict) -> int:
    """Values, revisions and files of the reference missing from (or different in) `got`, plus extras."""
    values = sum(got["values"].get(k) != v for k, v in reference["values"].items()) + len(set(got["values"]) - set(reference["values"]))
    revisions = sum(((reference["revisions"] - got["revisions"]) + (got["revisions"] - reference["revisions"])).values())
    files = sum(((reference["files"] - got["files"]) + (got["files"] - reference["files"])).values())
    return values + revisions + files


def _child(url, originals, revisions, transaction) -> None:
    run_job(url, originals, revisions, transaction)


def _timed_child(url, originals, revisions, transaction) -> float:
    ctx = mp.get_context("fork")
    start = time.perf_counter()
    p = ctx.Process(target=_child, args=(url, originals, revisions, transaction))
    p.start()
    p.join()
    if p.exitcode != 0:
        raise RuntimeError(f"the reference run failed (exit code {p.exitcode})")
    return time.perf_counter() - start


def _stored(engine) -> int:
    from sqlalchemy import func

    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(models.Submission)).scalar_one()


def _kill_when(p, url: str, after_files: int, at_seconds: float, extra: float) -> bool:
    """SIGKILL the job once `after_files` files are committed (then `extra` seconds more: the next write is
    under way), or at `at_seconds` when `after_files` is 0. False when the job ended first."""
    from sqlalchemy.pool import NullPool

    if after_files == 0:
        p.join(at_seconds)
    else:
        engine = make_engine(url, poolclass=NullPool)
        try:
            while p.is_alive() and _stored(engine) < after_files:
                time.sleep(0.003)
        finally:
            engine.dispose()
        if extra:
            p.join(extra)
    killed = p.is_alive()
    if killed:
        os.kill(p.pid, signal.SIGKILL)
    p.join()
    return killed


def trial(url: str, originals, revisions, transaction: str, after_files: int, at_seconds: float, extra: float,
          reference: dict) -> dict:
    """One kill: the job started in a forked process and SIGKILLed (see `_kill_when`); then the integrity
    check, the same job again, the check again, the comparison with the reference."""
    ctx = mp.get_context("fork")
    p = ctx.Process(target=_child, args=(url, originals, revisions, transaction))
    p.start()
    killed = _kill_when(p, url, after_files, at_seconds, extra)
    engine = make_engine(url)
    try:
        stored_at_kill = _stored(engine)
        after_kill = integrity.check(engine)
    finally:
        engine.dispose()
    rerun = run_job(url, originals, revisions, transaction)
    engine = make_engine(url)
    try:
        after_rerun = integrity.check(engine)
    finally:
        engine.dispose()
    got = snapshot(url)
    total = len(reference["files"])
    return {
        "transaction": transaction,
        "kill": f"after {after_files} files + {extra * 1000:.0f} ms" if after_files else f"at {at_seconds:.2f} s",
        "killed": killed,
        "stored_at_kill": stored_at_kill,
        "stored_by_rerun": rerun.get("accepted", 0),
        "problems_after_kill": [str(x) for x in after_kill],
        "problems_after_rerun": [str(x) for x in after_rerun],
        "exactly_once": stored_at_kill + rerun.get("accepted", 0) == total and all(n == 1 for n in got["files"].values())
        and len(got["files"]) == total,
        "lost_rows": lost_rows(reference, got),
    }


def run(backend, kills: int, first: str, last: str, seed: int = 6, out=print) -> dict:
    """`kills` trials on `backend` (testkit.databases: SQLiteBackend or PostgresBackend); returns the figures."""
    from loaders.ingest import ingest_files
    from storage.setup import init_db
    from testkit.databases import unique_name

    rng = random.Random(seed)
    originals, revisions = job_files(first, last)
    template = backend.create_empty(unique_name("p06_crash_tpl"))
    engine = make_engine(template)
    init_db(engine)
    ingest_files(engine, originals[:1], submitted_by=SUBMITTER, dry_run=True)  # warm-up: children start hot
    engine.dispose()
    made = []

    def fresh() -> str:
        url = backend.clone(template, unique_name("p06_crash"))
        made.append(url)
        return url

    try:
        url = fresh()
        reference_seconds = _timed_child(url, originals, revisions, "file")
        reference = snapshot(url)
        engine = make_engine(url)
        assert not integrity.check(engine), "the reference run itself is not whole"
        engine.dispose()
        backend.drop(url)
        out(f"{backend.name}: job = {len(originals)} workbooks + {len(revisions)} resubmissions, "
            f"{len(reference['values'])} values, {sum(reference['revisions'].values())} revisions; "
            f"reference run {reference_seconds:.1f} s")
        trials = []
        for k in range(kills):
            transaction = "file" if k % 2 == 0 else "batch"
            url = fresh()
            # A quarter of the kills at a random moment of the reading; the others once a random number of
            # files is committed, a few milliseconds on (in the middle of the next transaction).
            after_files = 0 if rng.random() < 0.25 else rng.randrange(1, len(reference["files"]))
            t = trial(url, originals, revisions, transaction, after_files, rng.uniform(0.05, 0.95) * reference_seconds,
                      rng.choice([0, 0, 0.002, 0.005, 0.01, 0.02]), reference)
            backend.drop(url)
            trials.append(t)
            out(f"  kill {k + 1:2d}: {transaction:5s} {t['kill']:24s} killed={t['killed']}, "
                f"files stored at kill {t['stored_at_kill']:4d}, by re-run {t['stored_by_rerun']:4d}, "
                f"problems {len(t['problems_after_kill'])}/{len(t['problems_after_rerun'])}, "
                f"exactly once={t['exactly_once']}, lost rows {t['lost_rows']}")
    finally:
        backend.drop(template)
        for url in made:
            backend.drop(url)
    return {
        "backend": backend.name,
        "files_in_job": len(reference["files"]),
        "values_in_job": len(reference["values"]),
        "revisions_in_job": sum(reference["revisions"].values()),
        "reference_seconds": round(reference_seconds, 2),
        "trials": len(trials),
        "processes_killed": sum(t["killed"] for t in trials),
        "killed_mid_write": sum(t["killed"] and 0 < t["stored_at_kill"] < len(reference["files"]) for t in trials),
        "integrity_problems": sum(len(t["problems_after_kill"]) + len(t["problems_after_rerun"]) for t in trials),
        "completed_exactly_once": sum(t["exactly_once"] for t in trials),
        "lost_rows": sum(t["lost_rows"] for t in trials),
        "detail": trials,
    }
