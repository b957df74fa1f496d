"""Two people submitting at once both get a correct answer: 20 processes ingest overlapping files (the
same units and months, different figures) at the same moment, through the real ingest path, on SQLite
and PostgreSQL. Every ingest is accepted, or answered with a clear message; nothing is lost or counted
twice: per unit, month and element the revisions form one chain through every file that gave a figure,
ending at the current value, in one order of commits that holds for every figure at once."""

from __future__ import annotations

import multiprocessing as mp
import traceback
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter

import pytest
from sqlalchemy import select

from storage import integrity, models
from storage.db import make_engine
from testkit.bad_files import GOOD, csv_bytes

pytestmark = pytest.mark.slow  # runs of several processes (the short versions of bench/)

PROCESSES = 20
UNITS = ["417", "418", "424"]
MONTHS = ["2024-05", "2024-06"]


def _plan() -> list[tuple[str, bytes, dict]]:
    """20 files in the long format: each covers unit 417 in May (everyone collides there) and some of the
    other units and months, each with its own figures (the good figures times a factor, so every rule
    still holds). The last file is a byte-for-byte copy of the one before it (the same file sent twice at
    once)."""
    files = []
    for i in range(PROCESSES - 1):
        keys = [("417", "2024-05")] + [(u, m) for j, (u, m) in enumerate((u, m) for u in UNITS for m in MONTHS)
                                       if (u, m) != ("417", "2024-05") and (i + j) % 3 != 0]
        factor = 2 + i
        rows = [["unit_code", "period", "element", "value"]]
        expected = {}
        for unit, month in keys:
            for element, good in GOOD.items():
                rows.append([unit, month, element, good * factor])
                expected[(unit, month, element)] = good * factor
        files.append((f"dong_thoi_{i:02d}.csv", csv_bytes(rows), expected))
    name, data, expected = files[-1]
    files.append((name.replace(".csv", "_lan2.csv"), data, expected))
    return files


def _worker(url: str, i: int, name: str, data: bytes, barrier, results) -> None:
    try:
        from loaders.ingest import ingest_files

        engine = make_engine(url)
        barrier.wait(timeout=60)
        report = ingest_files(engine, [(name, data)], submitted_by=f"nguoi_gui_{i:02d}")
        f = report.files[0]
        results.put((i, f.status, f.submission_id, f.duplicate_of, [p.text("vi") + " / " + p.text("en") for p in f.problems if p.is_error], None))
        engine.dispose()
    except BaseException:  # noqa: BLE001 - reported to the test, which fails on it
        results.put((i, "crashed", None, None, [], traceback.format_exc()))


def _run_all(url: str, files) -> dict[int, tuple]:
    from loaders.ingest import ingest_files

    # Warm up once here (imports, schemas): the forked processes inherit it and start writing at once.
    engine = make_engine(url)
    ingest_files(engine, [files[0][:2]], submitted_by="warm_up", dry_run=True)
    engine.dispose()
    ctx = mp.get_context("fork")  # no re-import per process: 20 processes start in a fraction of a second
    barrier = ctx.Barrier(len(files))
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, i, name, data, barrier, results)) for i, (name, data, _) in enumerate(files)]
    for p in procs:
        p.start()
    out = {}
    for _ in procs:
        i, *rest = results.get(timeout=120)
        out[i] = tuple(rest)
    for p in procs:
        p.join(timeout=30)
    return out


def test_twenty_processes_submitting_overlapping_files_at_once_lose_nothing(db_url):
    files = _plan()
    outcomes = _run_all(db_url, files)

    crashed = {i: o[4] for i, o in outcomes.items() if o[0] == "crashed"}
    assert not crashed, f"unhandled errors: {crashed}"
    for i, (status, _sid, _dup, errors, _) in outcomes.items():
        assert status in ("accepted", "duplicate", "rejected")
        if status == "rejected":
            assert errors and all(e.strip(" /") for e in errors), f"file {i} rejected without a message"
    accepted = {i: o[1] for i, o in outcomes.items() if o[0] == "accepted"}
    # The same bytes sent twice at once: stored once, the other answer names the stored one.
    twins = [outcomes[PROCESSES - 2], outcomes[PROCESSES - 1]]
    assert sorted(t[0] for t in twins) == ["accepted", "duplicate"]
    stored_twin = next(t[1] for t in twins if t[0] == "accepted")
    assert next(t[2] for t in twins if t[0] == "duplicate") == stored_twin
    # Nothing refused for being busy: every distinct file made it.
    assert len(accepted) == PROCESSES - 1, {i: o for i, o in outcomes.items() if o[0] != "accepted"}

    engine = make_engine(db_url)
    try:
        assert integrity.check(engine) == []
        with engine.connect() as conn:
            subs = dict(conn.execute(select(models.Submission.id, models.Submission.filename)).all())
            current = {(u, p, e): (v, sid) for u, p, e, v, sid in conn.execute(select(
                models.DataValue.unit_code, models.DataValue.period, models.DataValue.element_code,
                models.DataValue.value, models.DataValue.submission_id))}
            rv = models.ValueRevision
            revisions = conn.execute(select(rv.unit_code, rv.period, rv.element_code, rv.old_value, rv.old_submission_id,
                                            rv.new_value, rv.new_submission_id).order_by(rv.id)).all()
    finally:
        engine.dispose()

    assert len(subs) == PROCESSES - 1  # no duplicate submission
    file_of_sid = {sid: i for i, sid in accepted.items()}
    given = defaultdict(dict)  # key -> {submission id: value}
    for i, sid in accepted.items():
        for key, value in files[i][2].items():
            given[key][sid] = value
    assert set(current) == set(given)  # one current row per figure, none extra

    chains = defaultdict(list)
    for r in revisions:
        chains[(r.unit_code, r.period, r.element_code)].append(r)
    order = TopologicalSorter()
    for key, by_sid in given.items():
        chain = chains.get(key, [])
        sequence = [r.old_submission_id for r in chain] + [current[key][1]]
        # Every file that gave this figure appears exactly once in its history...
        assert sorted(sequence) == sorted(by_sid), key
        # ...each step records the value that file really gave...
        for r, nxt in zip(chain, chain[1:] + [None]):
            assert r.old_value == by_sid[r.old_submission_id] and r.new_value == by_sid[r.new_submission_id], key
            if nxt is not None:
                assert nxt.old_submission_id == r.new_submission_id, key
        # ...and the current value is the last committed file's figure.
        assert current[key][0] == by_sid[sequence[-1]], key
        for before, after in zip(sequence, sequence[1:]):
            order.add(after, before)
    assert len(revisions) == sum(len(v) - 1 for v in given.values())  # no revision twice
    try:
        commits = list(order.static_order())  # one order of commits explains every figure
    except CycleError as exc:  # pragma: no cover - the failure message
        raise AssertionError(f"histories disagree on the order of commits: {exc}") from None
    assert set(commits) <= set(file_of_sid)


def _impatient_engine(url: str):
    """An engine that gives up waiting for a lock after a few milliseconds (instead of 30 s on SQLite, or
    forever on PostgreSQL), so that a database kept locked exhausts every retry quickly."""
    from sqlalchemy import event

    if url.startswith("sqlite"):
        engine = make_engine(url)

        @event.listens_for(engine, "connect")
        def _short_wait(dbapi_connection, _record):  # runs after storage.db's own settings
            dbapi_connection.execute("PRAGMA busy_timeout=20")

        return engine
    return make_engine(url, connect_args={"options": "-c lock_timeout=50"})


def test_a_database_that_stays_locked_refuses_the_file_with_a_message_and_keeps_nothing(db_url):
    from sqlalchemy import func, text

    from loaders.ingest import ingest_files

    name, data, _ = _plan()[0]
    engine, blocker = _impatient_engine(db_url), make_engine(db_url)
    try:
        with blocker.connect() as conn:
            conn.execute(text("UPDATE counter SET value = value WHERE name = 'data_version'"))  # holds the write lock
            report = ingest_files(engine, [(name, data)], submitted_by="nguoi_gui")
            conn.rollback()
        outcome = report.files[0]
        assert outcome.status == "rejected" and not outcome.stored
        assert [p.code for p in outcome.errors] == ["database_busy"]
        assert "đang bận" in outcome.errors[0].text("vi") and "busy" in outcome.errors[0].text("en")
        with engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(models.Submission)).scalar_one() == 0
        # Sent again once the database is free: stored, whole.
        again = ingest_files(engine, [(name, data)], submitted_by="nguoi_gui").files[0]
        assert again.status == "accepted" and again.stored
        assert integrity.check(engine) == []
    finally:
        engine.dispose()
        blocker.dispose()
