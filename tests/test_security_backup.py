"""Signed backups (issue 17, item 8): `import-db` restored a dump edited to add an administrator once its
SHA-256 sums were recomputed. Dumps are now signed (HMAC-SHA256 under the server's backup key) and a dump
that is edited, unsigned or signed with another key is refused before anything is written, unless an
unsigned one is explicitly allowed; dump files are readable by their owner only."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile

import pytest

import cli
from storage import dump
from storage.db import make_engine

KEY = "p06-test-backup-key-" + "0123456789abcdef" * 2
OTHER_KEY = "p06-other-server-key-" + "fedcba9876543210" * 2
INTRUDER = ["tin.tac", "Tin tặc", "admin", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2g", True, False, 0,
            None, "2026-12-01T00:00:00+00:00", None, None]


def _cli(capsys, *args) -> tuple[int, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out + out.err


def _export(capsys, monkeypatch, db_url, path, key=KEY) -> None:
    if key:
        monkeypatch.setenv("P06_BACKUP_KEY", key)
        assert _cli(capsys, "--database-url", db_url, "export-db", str(path))[0] == 0
    else:
        monkeypatch.delenv("P06_BACKUP_KEY", raising=False)
        assert _cli(capsys, "--database-url", db_url, "export-db", str(path), "--unsigned")[0] == 0


def _with_intruder(good, edited) -> None:
    """The attack: an administrator added to app_user, the part's SHA-256 and row count recomputed in the
    manifest, the signature (if any) kept as it was."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(edited, "w") as dst:
        manifest = json.loads(src.read(dump.MANIFEST))
        for item in src.infolist():
            if item.filename == dump.MANIFEST:
                continue
            data = src.read(item.filename)
            if item.filename == "tables/app_user.jsonl":
                columns = manifest["tables"]["app_user"]["columns"]
                row = dict(zip(["username", "display_name", "role", "password_hash", "active", "is_demo", "failed_logins",
                                "locked_until", "created_at", "password_changed_at", "last_login_at"], INTRUDER))
                data += json.dumps([row[c] for c in columns], ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
                manifest["tables"]["app_user"]["sha256"] = hashlib.sha256(data).hexdigest()
                manifest["tables"]["app_user"]["rows"] += 1
            dst.writestr(item, data)
        dst.writestr(dump.MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2))


def _empty(tmp_path, name):
    return f"sqlite:///{tmp_path / name}"


def _nothing_in(url) -> bool:
    engine = make_engine(url)
    try:
        return not any(dump.row_counts(engine).values())
    finally:
        engine.dispose()


def test_a_dump_edited_to_add_an_administrator_is_refused(db_url, tmp_path, capsys, monkeypatch):
    good, edited = tmp_path / "good.p06.zip", tmp_path / "edited.p06.zip"
    _export(capsys, monkeypatch, db_url, good)
    _with_intruder(good, edited)
    target = _empty(tmp_path, "edited.db")
    code, shown = _cli(capsys, "--database-url", target, "import-db", str(edited))
    assert code == 1 and "altered after it was signed" in shown and "đã bị sửa" in shown
    assert _nothing_in(target)
    # Allowing unsigned dumps does not let a wrongly signed one through.
    code, shown = _cli(capsys, "--database-url", target, "import-db", str(edited), "--allow-unsigned")
    assert code == 1 and _nothing_in(target)
    # The genuine one restores.
    assert _cli(capsys, "--database-url", _empty(tmp_path, "good.db"), "import-db", str(good))[0] == 0


def test_an_unsigned_dump_is_refused_unless_allowed(db_url, tmp_path, capsys, monkeypatch):
    plain = tmp_path / "plain.p06.zip"
    _export(capsys, monkeypatch, db_url, plain, key=None)
    monkeypatch.setenv("P06_BACKUP_KEY", KEY)
    target = _empty(tmp_path, "plain.db")
    code, shown = _cli(capsys, "--database-url", target, "import-db", str(plain))
    assert code == 1 and "--allow-unsigned" in shown and _nothing_in(target)
    assert _cli(capsys, "--database-url", target, "import-db", str(plain), "--allow-unsigned")[0] == 0
    assert not _nothing_in(target)


def test_a_dump_signed_on_another_server_is_refused(db_url, tmp_path, capsys, monkeypatch):
    theirs = tmp_path / "theirs.p06.zip"
    _export(capsys, monkeypatch, db_url, theirs, key=OTHER_KEY)
    monkeypatch.setenv("P06_BACKUP_KEY", KEY)
    target = _empty(tmp_path, "theirs.db")
    code, shown = _cli(capsys, "--database-url", target, "import-db", str(theirs))
    assert code == 1 and "another key" in shown and _nothing_in(target)


def test_export_needs_a_key_or_says_it_will_not_sign(db_url, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("P06_BACKUP_KEY", raising=False)
    code, shown = _cli(capsys, "--database-url", db_url, "export-db", str(tmp_path / "x.p06.zip"))
    assert code == 1 and "P06_BACKUP_KEY" in shown and not (tmp_path / "x.p06.zip").exists()
    monkeypatch.setenv("P06_BACKUP_KEY", "too-short")
    code, shown = _cli(capsys, "--database-url", db_url, "export-db", str(tmp_path / "x.p06.zip"))
    assert code == 1 and "32" in shown
    key_file = tmp_path / "backup.key"
    key_file.write_text(KEY + "\n")
    monkeypatch.setenv("P06_BACKUP_KEY_FILE", str(key_file))  # the file wins over the variable
    assert _cli(capsys, "--database-url", db_url, "export-db", str(tmp_path / "y.p06.zip"))[0] == 0
    with zipfile.ZipFile(tmp_path / "y.p06.zip") as zf:
        assert dump.check_signature(zf, KEY.encode()) is True


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_a_dump_is_readable_by_its_owner_only(db_url, tmp_path, capsys, monkeypatch, umask):
    path = tmp_path / "owner.p06.zip"
    old = os.umask(umask)
    try:
        _export(capsys, monkeypatch, db_url, path)
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
