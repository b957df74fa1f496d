"""Backup and restore: `python cli.py export-db FILE` and `import-db FILE` carry every table (the sample
province plus users, sessions, audit, locks, settings, mappings, boundaries, follow-ups, per-unit targets,
revisions) to the other backend and back to an identical database, row by row; the two dumps are the
same byte for byte; password hashes never reach the terminal; a restore goes into an empty database only,
and a damaged dump is refused before anything is written."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zipfile

import pytest
from sqlalchemy import delete, insert

import cli
from loaders.ingest import ingest_files
from storage import dump, integrity, models
from storage.db import make_engine
from testkit.databases import unique_name

UTC = dt.timezone.utc
AT = dt.datetime(2026, 10, 3, 3, 4, 5, 678901, tzinfo=UTC)
SECRET = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$Zm9vYmFyYmF6cXV4cXV1eA"


@pytest.fixture(autouse=True)
def _backup_key(monkeypatch):
    """The server's backup key, as deploy/README.md configures it: dumps are signed and checked."""
    monkeypatch.setenv("P06_BACKUP_KEY", "test-backup-key-" + "0123456789abcdef" * 2)


def _enrich(url: str) -> None:
    """Rows in every table the sample leaves empty, with the awkward values: microseconds, NULLs, JSON,
    Vietnamese, control characters, floats that do not round."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(models.AppUser.__table__), [
                {"username": "quan_tri", "display_name": "Quản trị viên", "role": "admin", "password_hash": SECRET,
                 "active": True, "is_demo": False, "failed_logins": 2, "locked_until": AT, "created_at": AT,
                 "password_changed_at": AT, "last_login_at": None},
                {"username": "ubnd.vinh", "display_name": "UBND TP Vinh\x07", "role": "submitter", "password_hash": None,
                 "active": False, "is_demo": True, "failed_logins": 0, "locked_until": None, "created_at": AT,
                 "password_changed_at": None, "last_login_at": AT},
            ])
            conn.execute(insert(models.UserUnit.__table__), [{"username": "ubnd.vinh", "unit_code": "16681"}])
            conn.execute(insert(models.UserSession.__table__), [{"token_hash": "ab" * 32, "username": "quan_tri",
                                                                  "created_at": AT, "expires_at": AT, "last_seen_at": AT}])
            conn.execute(insert(models.AuditEvent.__table__), [
                {"at": AT, "username": "quan_tri", "action": "unlock", "target": "2026-08", "outcome": "ok",
                 "detail": json.dumps({"lý_do": "Sửa số liệu ‘đúng hạn’", "n": 1.1}, ensure_ascii=False)},
                {"at": AT, "username": None, "action": "sign_in", "target": "", "outcome": "refused", "detail": "{}"},
            ])
            conn.execute(insert(models.PeriodLock.__table__), [{"period": "2026-08", "locked": True, "reason": "",
                                                                 "changed_by": "quan_tri", "changed_at": AT}])
            conn.execute(insert(models.Setting.__table__), [{"key": "weak_gap_pp", "value": "7.5", "updated_by": None,
                                                              "updated_at": None}])
            conn.execute(insert(models.ColumnMapping.__table__), [{"office": "16681", "form_code": "locality",
                                                                    "header_key": "tong so ho so", "element_code": "dossiers_received",
                                                                    "created_by": "ubnd.vinh", "created_at": AT}])
            # An imported shape replaces the approximate one computed at setup (as loaders/boundaries does).
            conn.execute(delete(models.UnitBoundary.__table__).where(models.UnitBoundary.unit_code == "16681"))
            conn.execute(insert(models.UnitBoundary.__table__), [{"unit_code": "16681", "source": "gadm",
                                                                   "geometry": '{"type":"Polygon","coordinates":[[[105.6,18.6],[105.7,18.6],[105.7,18.7],[105.6,18.6]]]}',
                                                                   "loaded_at": AT}])
            conn.execute(insert(models.FlagFollowUp.__table__), [{"unit_code": "16681", "period": "2026-10", "status": "notified",
                                                                   "note": "=đã nhắc\r\nlần 2", "created_by": "quan_tri", "created_at": AT}])
            conn.execute(insert(models.UnitLeader.__table__), [{"unit_code": "16681", "name": "Nguyễn Thị Hà\t", "position": "",
                                                                  "updated_by": "quan_tri", "updated_at": AT}])
            conn.execute(insert(models.SignInSource.__table__), [{"username": "*", "source": "2001:db8::1", "failures": 3,
                                                                   "blocks": 1, "locked_until": AT, "last_failure_at": AT,
                                                                   "last_success_at": None}])
            conn.execute(insert(models.Target.__table__), [{"indicator_code": "full_online_rate", "year": 2026, "unit_code": "16681",
                                                             "value": 0.1 + 0.2, "decision": "QĐ 12/2026", "set_by": "quan_tri",
                                                             "set_at": AT}])
            conn.execute(insert(models.DataVerification.__table__), [{
                "unit_code": "16681", "period": "2026-10", "subject": "dossiers_received", "signal": "history_outlier",
                "status": "correction_requested", "value_key": "9000", "submission_id": None,
                "note": "Đã gọi điện\r\n=lần 2", "created_by": "quan_tri", "created_at": AT}])
        # Evidence attached to a task's status change (the sample's register has no file), through the service.
        from services import tasks
        from services.permissions import Actor

        task_id = int(tasks.list_tasks(engine, Actor("quan_tri", "admin")).iloc[-1]["id"])
        tasks.set_status(engine, Actor("quan_tri", "admin"), task_id, "in_progress", "Đang làm\r\n=lần 2",
                         evidence=tasks.Upload("biên bản.pdf", b"%PDF-1.4 \x00\xff bytes"))
        # Revisions, through the real write path: a resubmission of a sample month.
        rows = ["unit_code,period,element,value"] + [f"16681,2026-09,{e},{v}" for e, v in
                                                     (("dossiers_received", 5000), ("dossiers_received_online", 4000))]
        report = ingest_files(engine, [("sua_16681.csv", "\r\n".join(rows).encode())], submitted_by="ubnd.vinh")
        assert report.files[0].status == "accepted", [p.text("en") for p in report.problems]
        assert report.files[0].changed + report.files[0].unchanged == 2
    finally:
        engine.dispose()


def _cli(capsys, *args) -> tuple[int, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def _parts(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        return {t: info["sha256"] for t, info in dump.read_manifest(zf)["tables"].items()}


@pytest.mark.slow  # the whole sample province through two dumps and two restores
def test_a_dump_goes_to_the_other_backend_and_back_to_an_identical_database(sample_copy_url, _backends, _pg_reason,
                                                                             tmp_path, capsys):
    if _pg_reason:
        pytest.skip(_pg_reason)
    source_backend = "postgresql" if sample_copy_url.startswith("postgresql") else "sqlite"
    other = _backends["sqlite" if source_backend == "postgresql" else "postgresql"]
    same = _backends[source_backend]
    _enrich(sample_copy_url)
    middle = other.create_empty(unique_name("p06_t_restore"))
    final = same.create_empty(unique_name("p06_t_restore"))
    engines = []
    try:
        first, second = tmp_path / "first.p06.zip", tmp_path / "second.p06.zip"
        code, shown = _cli(capsys, "--database-url", sample_copy_url, "export-db", str(first))
        assert code == 0 and f"{len(dump.tables())} bảng" in shown, shown
        code, shown2 = _cli(capsys, "--database-url", middle, "import-db", str(first))
        assert code == 0, shown2
        code, shown3 = _cli(capsys, "--database-url", middle, "export-db", str(second), "--json")
        assert code == 0
        code, shown4 = _cli(capsys, "--database-url", final, "import-db", str(second))
        assert code == 0, shown4
        for text in (shown, shown2, shown3, shown4):
            assert SECRET not in text and "argon2" not in text  # the hash is data, never shown

        src, mid, end = (make_engine(u) for u in (sample_copy_url, middle, final))
        engines += [src, mid, end]
        assert dump.compare(src, mid, end) == []
        assert _parts(first) == _parts(second)  # every table's part identical, byte for byte
        counts = dump.row_counts(end)
        assert all(counts[t.name] > 0 for t in dump.tables()), counts  # the check covered every table
        assert integrity.check(end) == []
        # The restored database goes on working: new ids follow the restored ones (PostgreSQL sequences).
        for engine in (mid, end):
            rows = "unit_code,period,element,value\r\n16681,2026-09,dossiers_received,5100\r\n"
            report = ingest_files(engine, [("tiep.csv", rows.encode())], submitted_by="ubnd.vinh")
            assert report.files[0].status == "accepted" and report.files[0].submission_id > counts["submission"]
    finally:
        for e in engines:
            e.dispose()
        other.drop(middle)
        same.drop(final)


def test_a_restore_into_a_database_that_holds_data_is_refused_and_changes_nothing(db_url, tmp_path, capsys):
    path = tmp_path / "backup.p06.zip"
    assert _cli(capsys, "--database-url", db_url, "export-db", str(path))[0] == 0
    engine = make_engine(db_url)
    before = dump.row_counts(engine)
    code, shown = _cli(capsys, "--database-url", db_url, "import-db", str(path))
    assert code == 1
    assert "không trống" in shown and "not empty" in shown and "form:" in shown
    assert dump.row_counts(engine) == before
    # An existing file is never overwritten by export-db.
    code, shown = _cli(capsys, "--database-url", db_url, "export-db", str(path))
    assert code == 1 and "already exists" in shown
    engine.dispose()


def test_a_damaged_or_altered_dump_is_refused_before_anything_is_written(db_url, tmp_path, capsys):
    good = tmp_path / "good.p06.zip"
    assert _cli(capsys, "--database-url", db_url, "export-db", str(good))[0] == 0
    altered = tmp_path / "altered.p06.zip"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(altered, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "tables/unit.jsonl":
                data = data.replace("Nghệ An".encode(), "Nghe An".encode(), 1)
            dst.writestr(item, data)
    truncated = tmp_path / "truncated.p06.zip"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    for path, words in ((altered, "SHA-256"), (truncated, "backup")):
        target = f"sqlite:///{tmp_path / (path.stem + '.db')}"
        code, shown = _cli(capsys, "--database-url", target, "import-db", str(path))
        assert code == 1 and words in shown, shown
        engine = make_engine(target)
        assert not any(dump.row_counts(engine).values())
        engine.dispose()
    assert hashlib.sha256(good.read_bytes()).hexdigest()  # the good one is untouched and still restores
    target = f"sqlite:///{tmp_path / 'restored.db'}"
    assert _cli(capsys, "--database-url", target, "import-db", str(good))[0] == 0
    a, b = make_engine(db_url), make_engine(target)
    assert dump.compare(a, b) == []
    a.dispose()
    b.dispose()


def test_check_db_finds_half_submissions_broken_histories_and_duplicates(db_url, capsys):
    from sqlalchemy import delete, select, update

    from testkit.bad_files import GOOD

    engine = make_engine(db_url)
    try:
        for k in (2, 3):  # a file, then its resubmission: values and revisions
            rows = ["unit_code,period,element,value"] + [f"417,2024-05,{e},{v * k}" for e, v in GOOD.items()]
            assert ingest_files(engine, [(f"f{k}.csv", "\r\n".join(rows).encode())], submitted_by="t").files[0].stored
        assert _cli(capsys, "--database-url", db_url, "check-db")[0] == 0
        rv = models.ValueRevision.__table__
        with engine.begin() as conn:
            first = conn.execute(select(models.Submission.id).order_by(models.Submission.id)).scalars().first()
            conn.execute(delete(models.SubmissionFile.__table__).where(models.SubmissionFile.submission_id == first))
            conn.execute(update(models.DataValue.__table__).where(models.DataValue.element_code == "dossiers_received")
                         .values(value=1))
            dup = dict(conn.execute(select(rv).where(rv.c.element_code == "dossiers_resolved")).mappings().one())
            dup.pop("id")
            conn.execute(insert(rv), [dup])
        code, shown = _cli(capsys, "--database-url", db_url, "check-db", "--json")
        assert code == 1
        found = {(p["code"], p["table"]) for p in json.loads(shown)["problems"]}
        assert ("half_submission", "submission") in found  # the original file is gone
        assert ("revision_chain", "value_revision") in found  # the current value is not where its history ends
        assert ("duplicate", "value_revision") in found
        assert ("value_count", "submission") in found  # a value counted as replaced twice
    finally:
        engine.dispose()
