"""The corpus of bad files (testkit/bad_files.py), one fault each: each is refused with its own
located message in Vietnamese and English, the database is left exactly as it was, and no traceback
reaches the user (the CLI prints the message and exits 1)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

import cli
from loaders.ingest import ingest_files
from storage import frames, models
from storage.db import session_factory
from testkit.bad_files import CASES, expected_message

# The PostgreSQL half runs in the full suite; the inner loop runs the SQLite half (conftest.py).
pytestmark = pytest.mark.slow_on_postgresql

TABLES = [models.Submission, models.SubmissionFile, models.SubmissionScope, models.DataValue, models.ValueRevision,
          models.ColumnMapping]


def _snapshot(engine) -> dict:
    with engine.connect() as conn:
        out = {m.__tablename__: conn.execute(select(func.count()).select_from(m)).scalar() for m in TABLES}
    out["data_version"] = frames.data_version(engine)
    return out


def _prepare(engine, case) -> None:
    now = dt.datetime.now(dt.timezone.utc)
    with session_factory(engine).begin() as session:
        for key, value in case.settings.items():
            session.merge(models.Setting(key=key, value=json.dumps(value), updated_by="test", updated_at=now))
        if case.lock:
            session.add(models.PeriodLock(period=case.lock, locked=True, reason="test", changed_by="test", changed_at=now))


def test_the_corpus_has_at_least_thirty_faults():
    assert len(CASES) >= 30
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_bad_file_is_refused_with_its_located_message_and_changes_nothing(engine, case):
    _prepare(engine, case)
    before = _snapshot(engine)
    warning_case = case.severity == "warning"
    data = case.make()
    report = ingest_files(engine, [(case.filename, data)], submitted_by="test", dry_run=warning_case, **case.options)
    after = _snapshot(engine)
    assert after == before

    outcome = report.files[0]
    assert outcome.status == ("accepted" if warning_case else "rejected")
    found = [p for p in outcome.problems if p.code == case.code]
    assert found, [p.text("en") for p in outcome.problems]
    problem = found[0]
    assert problem.severity == case.severity
    assert problem.message("vi") == expected_message(case, data)
    assert problem.message("en") and problem.hint("vi") and problem.hint("en")
    assert problem.file == case.filename
    if case.cell:
        assert problem.cell == case.cell
        assert problem.sheet


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_command_line_shows_the_message_not_a_traceback(db_url, tmp_path, capsys, case):
    from storage.db import make_engine

    engine = make_engine(db_url)
    _prepare(engine, case)
    if "allowed_units" in case.options:
        # A submitter's units come from their account: the file goes in as that user.
        from services.users import add_user, cli_actor

        add_user(engine, cli_actor(), "nhap.lieu.test", "submitter", unit_codes=sorted(case.options["allowed_units"]))
    before = _snapshot(engine)
    path = tmp_path / case.filename
    data = case.make()
    path.write_bytes(data)
    args = ["--database-url", db_url, "ingest", str(path)] + (["--dry-run"] if case.severity == "warning" else [])
    for key, value in case.options.items():
        if key == "period":
            args += ["--period", value]
    if "allowed_units" in case.options:
        args += ["--as", "nhap.lieu.test"]
    code = cli.main(args)
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    assert code == (1 if case.severity == "error" else code)
    assert expected_message(case, data) in out.out
    assert _snapshot(engine) == before
    engine.dispose()
