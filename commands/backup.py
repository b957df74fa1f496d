"""export-db, import-db, check-db: backup and restore of the whole database, and its integrity check."""

from __future__ import annotations

import os
from pathlib import Path

from commands.common import engine_for, print_json, refuse


def register(sub) -> None:
    p = sub.add_parser("export-db", help="write the whole database to a portable backup file (zip of JSON lines + manifest)")
    p.add_argument("file", help="backup file to write (e.g. backup.p06.zip)")
    p.add_argument("--json", action="store_true", help="print the manifest (schema revision, rows and SHA-256 per table)")
    p.add_argument("--unsigned", action="store_true",
                   help="write the dump without a signature when no backup key is configured (P06_BACKUP_KEY)")
    p.set_defaults(handler=export_db)

    p = sub.add_parser("import-db", help="restore a backup file into an EMPTY database")
    p.add_argument("file", help="backup file written by export-db")
    p.add_argument("--json", action="store_true", help="print the manifest of the restored backup")
    p.add_argument("--allow-unsigned", action="store_true",
                   help="restore a dump that carries no signature (never one signed with another key)")
    p.set_defaults(handler=import_db)

    p = sub.add_parser("check-db", help="integrity check: orphan values, half submissions, revision chains, duplicates")
    p.add_argument("--no-files", action="store_true", help="do not re-hash the stored original files")
    p.add_argument("--json", action="store_true", help="JSON object with fields ok, checked, problems")
    p.set_defaults(handler=check_db)


def _rows_line(manifest: dict) -> str:
    tables = manifest["tables"]
    total = sum(t["rows"] for t in tables.values())
    return f"{len(tables)} bảng, {total} dòng / {len(tables)} tables, {total} rows (schema {manifest['schema_revision']})"


def export_db(args) -> int:
    from storage.dump import KEY_ENV, DumpError, backup_key
    from storage.dump import export_db as run

    target = Path(args.file)
    if target.exists():
        return refuse(f"Tệp {target} đã có; hãy chọn tên khác / {target} already exists; choose another name")
    try:
        key = backup_key()
    except DumpError as exc:
        return refuse(f"{exc.vi} / {exc.en}")
    if key is None and not args.unsigned:
        return refuse(f"Chưa có khóa sao lưu ({KEY_ENV}, xem deploy/README.md) để ký bản sao lưu; hoặc dùng --unsigned / "
                      f"No backup key ({KEY_ENV}, see deploy/README.md) to sign the dump with; or use --unsigned")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)  # a leftover of an interrupted run
    try:
        manifest = run(engine_for(args), partial, key=key)
    except DumpError as exc:
        partial.unlink(missing_ok=True)
        return refuse(f"{exc.vi} / {exc.en}")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)  # a backup file is either whole or absent
    if args.json:
        print_json(manifest)
    else:
        signed = f"ký bằng khóa {manifest['key_id']} / signed with key {manifest['key_id']}" if manifest["signed"] else "KHÔNG ký / NOT signed"
        print(f"Đã sao lưu vào {target}: {_rows_line(manifest)}; {signed}")
    return 0


def import_db(args) -> int:
    from storage.dump import DumpError, backup_key
    from storage.dump import import_db as run

    source = Path(args.file)
    if not source.is_file():
        return refuse(f"Không tìm thấy tệp {source} / File not found: {source}")
    try:
        manifest = run(engine_for(args), source, key=backup_key(), allow_unsigned=args.allow_unsigned)
    except DumpError as exc:
        return refuse(f"{exc.vi} / {exc.en}")
    if args.json:
        print_json(manifest)
    else:
        print(f"Đã khôi phục từ {source}: {_rows_line(manifest)}")
    return 0


def check_db(args) -> int:
    from storage import integrity, migrate

    engine = engine_for(args)
    if migrate.current_revision(engine) is None:
        return refuse("Cơ sở dữ liệu chưa có lược đồ (hãy chạy init-db) / The database has no schema (run init-db)")
    problems = integrity.check(engine, files=not args.no_files)
    checked = integrity.summary(engine)
    if args.json:
        print_json({"ok": not problems, "checked": checked,
                    "problems": [{"code": p.code, "table": p.table, "key": p.key, "detail": p.detail} for p in problems]})
    else:
        print(", ".join(f"{k}: {v}" for k, v in checked.items()))
        for p in problems:
            print(p)
        if problems:
            print(f"{len(problems)} vấn đề / problems")
        else:
            print("Dữ liệu toàn vẹn / The database is whole")
    return 1 if problems else 0
