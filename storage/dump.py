"""A portable dump of the whole database: one zip, one JSON-lines part per table, and a manifest.

    manifest = export_db(engine, "backup.p06.zip")
    import_db(empty_engine, "backup.p06.zip")

The manifest names the schema revision, and for every table its columns, its row count and the SHA-256
of its part, so that a damaged or edited file is refused before anything is written. Values are written
by column type, not by backend: UTC times as ISO 8601 with the offset, dates as ISO dates, bytes (the
original files) as base64, floats as their shortest exact decimal. A dump taken from SQLite restores
into PostgreSQL and back to an identical database (`compare` checks it row by row).

Rows are read ordered by primary key, so that the same database always gives the same parts. Password
hashes are data in the dump (a restored server keeps its users' passwords) and the dump is to be kept
like the database itself; nothing here prints or logs a row.

An import goes into an empty database only (refused otherwise, before anything is written), in one
transaction: a failure leaves the target as empty as it was.

Signed (issue 17): the SHA-256 of each part only proves that parts and manifest agree, and anyone can
recompute them after adding an administrator to `app_user`. So a dump carries `signature.json`: an
HMAC-SHA256 of the manifest's bytes (which hold every part's SHA-256) under the server's backup key
(`P06_BACKUP_KEY`, or the file named by `P06_BACKUP_KEY_FILE`; deploy/README.md). An import checks it
before anything else and refuses a dump that is unsigned or signed with another key, unless told to take
an unsigned one (`allow_unsigned`, `import-db --allow-unsigned`). A dump file is created readable and
writable by its owner only (mode 0600): it holds the password hashes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import io
import json
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    Date,
    Engine,
    LargeBinary,
    Table,
    bindparam,
    func,
    inspect,
    select,
    text,
    update,
)

from storage import migrate, models
from storage.models import UTCDateTime

FORMAT = "p06-dump"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
KEY_ENV, KEY_FILE_ENV = "P06_BACKUP_KEY", "P06_BACKUP_KEY_FILE"
MIN_KEY_CHARS = 32
ALGORITHM = "HMAC-SHA256"
BATCH = 2000


class DumpError(Exception):
    """A dump that cannot be written or restored, with the reason in Vietnamese and English."""

    def __init__(self, vi: str, en: str):
        self.vi, self.en = vi, en
        super().__init__(en)

    def message(self, lang: str = "vi") -> str:
        return self.vi if lang == "vi" else self.en


@dataclass(frozen=True)
class Part:
    table: str
    rows: int
    sha256: str


def tables() -> list[Table]:
    """Every table of the schema, referenced tables first (the order rows are restored in)."""
    return list(models.Base.metadata.sorted_tables)


def _pk_order(table: Table):
    return [table.c[c.name] for c in table.primary_key.columns]


# --- values by column type ---------------------------------------------------------------------------


def _encoder(column):
    if isinstance(column.type, UTCDateTime):
        return lambda v: None if v is None else v.astimezone(dt.timezone.utc).isoformat()
    if isinstance(column.type, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(column.type, LargeBinary):
        return lambda v: None if v is None else base64.b64encode(bytes(v)).decode("ascii")
    return lambda v: v


def _decoder(column):
    if isinstance(column.type, UTCDateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(column.type, Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if isinstance(column.type, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    return lambda v: v


# --- export ------------------------------------------------------------------------------------------


def _rows(conn, table: Table) -> Iterator[tuple]:
    result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(select(table).order_by(*_pk_order(table)))
    for row in result:
        yield tuple(row)


def backup_key(environ=None) -> bytes | None:
    """The server's backup key (P06_BACKUP_KEY_FILE's content, else P06_BACKUP_KEY), or None when none is
    configured. A key shorter than 32 characters is refused: it could be guessed."""
    environ = os.environ if environ is None else environ
    path = (environ.get(KEY_FILE_ENV) or "").strip()
    if path:
        try:
            text = Path(path).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise DumpError(f"Không đọc được tệp khóa sao lưu {path} ({exc}).", f"Cannot read the backup key file {path} ({exc}).") from exc
    else:
        text = (environ.get(KEY_ENV) or "").strip()
    if not text:
        return None
    if len(text) < MIN_KEY_CHARS:
        raise DumpError(f"Khóa sao lưu quá ngắn: cần ít nhất {MIN_KEY_CHARS} ký tự (ví dụ: openssl rand -hex 32).",
                        f"The backup key is too short: at least {MIN_KEY_CHARS} characters (e.g. openssl rand -hex 32).")
    return text.encode("utf-8")


def key_id(key: bytes) -> str:
    """A short name of a key (not the key): which key signed a dump, to tell two servers' keys apart."""
    return hashlib.sha256(b"p06-backup-key-id:" + key).hexdigest()[:12]


def _mac(key: bytes, manifest_bytes: bytes) -> str:
    return hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()


def _owner_only(path: str | Path) -> IO[bytes]:
    """A new file, readable and writable by its owner only, whatever the umask (O_EXCL: never an existing one)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")


def export_db(engine: Engine, target: str | Path | IO[bytes], *, key: bytes | None = None) -> dict:
    """Write the whole database to `target` (a path, created with mode 0600, or a binary file object);
    signed with `key` when given. Returns the manifest (with `signed` and the `key_id` added)."""
    if isinstance(target, (str, Path)):
        with _owner_only(target) as fh:
            return export_db(engine, fh, key=key)
    revision = migrate.current_revision(engine)
    if revision is None:
        raise DumpError("Cơ sở dữ liệu chưa có lược đồ (chưa chạy init-db): không có gì để sao lưu.",
                        "The database has no schema (init-db was never run): nothing to back up.")
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": revision,
        "created_at": dt.datetime.now(dt.timezone.utc).isoformat(),
        "source_backend": engine.dialect.name,
        "tables": {},
    }
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        # One read transaction for every table: a consistent snapshot on PostgreSQL (REPEATABLE READ) and
        # on SQLite (one read transaction in WAL mode).
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                if engine.dialect.name == "sqlite":
                    # pysqlite opens a transaction only before a write: open the read transaction here.
                    conn.exec_driver_sql("BEGIN")
                for table in tables():
                    columns = [c.name for c in table.columns]
                    encoders = [_encoder(c) for c in table.columns]
                    digest, n = hashlib.sha256(), 0
                    name = f"tables/{table.name}.jsonl"
                    with zf.open(name, "w", force_zip64=True) as part:
                        buf = io.BytesIO()
                        for row in _rows(conn, table):
                            line = json.dumps([enc(v) for enc, v in zip(encoders, row)], ensure_ascii=False,
                                              separators=(",", ":")).encode("utf-8") + b"\n"
                            buf.write(line)
                            n += 1
                            if buf.tell() > 1 << 20:
                                digest.update(buf.getvalue())
                                part.write(buf.getvalue())
                                buf = io.BytesIO()
                        digest.update(buf.getvalue())
                        part.write(buf.getvalue())
                    manifest["tables"][table.name] = {"part": name, "columns": columns, "rows": n,
                                                      "sha256": digest.hexdigest()}
        manifest_bytes = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
        zf.writestr(MANIFEST, manifest_bytes)
        if key is not None:
            zf.writestr(SIGNATURE, json.dumps({"algorithm": ALGORITHM, "key_id": key_id(key), "mac": _mac(key, manifest_bytes)}))
    return {**manifest, "signed": key is not None, **({"key_id": key_id(key)} if key is not None else {})}


# --- import ------------------------------------------------------------------------------------------


def read_manifest(zf: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(zf.read(MANIFEST))
    except (KeyError, ValueError) as exc:
        raise DumpError("Tệp không phải bản sao lưu của bảng điều khiển (thiếu hoặc hỏng manifest.json).",
                        "The file is not a dashboard backup (manifest.json missing or damaged).") from exc
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise DumpError(f"Định dạng bản sao lưu không được hỗ trợ: {manifest.get('format')} {manifest.get('format_version')}.",
                        f"Unsupported backup format: {manifest.get('format')} {manifest.get('format_version')}.")
    return manifest


def _open_zip(source) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DumpError(f"Không đọc được tệp sao lưu: {exc}.", f"Cannot read the backup file: {exc}.") from exc


def check_signature(zf: zipfile.ZipFile, key: bytes | None, allow_unsigned: bool = False) -> bool:
    """Whether the dump is signed with `key` (True), or unsigned and taken because `allow_unsigned` (False);
    DumpError otherwise: unsigned, signed with another key, altered since it was signed, or no key here."""
    try:
        signature = json.loads(zf.read(SIGNATURE))
    except KeyError:
        signature = None
    except ValueError as exc:
        raise DumpError("Chữ ký của bản sao lưu bị hỏng.", "The backup's signature is damaged.") from exc
    if signature is None:
        if allow_unsigned:
            return False
        raise DumpError("Bản sao lưu không có chữ ký nên không biết có bị sửa hay không; nếu chắc chắn về nguồn gốc, dùng --allow-unsigned.",
                        "The backup is not signed, so whether it was altered cannot be told; if you are sure where it comes from, use --allow-unsigned.")
    if key is None:
        if allow_unsigned:
            return False
        raise DumpError(f"Máy chủ chưa có khóa sao lưu ({KEY_ENV} hoặc {KEY_FILE_ENV}) nên không kiểm tra được chữ ký.",
                        f"This server has no backup key ({KEY_ENV} or {KEY_FILE_ENV}), so the signature cannot be checked.")
    expected = _mac(key, zf.read(MANIFEST))
    if signature.get("algorithm") != ALGORITHM or not hmac.compare_digest(str(signature.get("mac", "")), expected):
        other = signature.get("key_id") not in (None, key_id(key))
        raise DumpError(
            "Chữ ký của bản sao lưu không khớp: " + ("tệp được ký bằng khóa khác (máy chủ khác)." if other else "tệp đã bị sửa sau khi ký."),
            "The backup's signature does not match: " + ("it was signed with another key (another server)." if other else "the file was altered after it was signed."))
    return True


def verify(source: str | Path | IO[bytes], *, key: bytes | None = None, allow_unsigned: bool = False) -> dict:
    """Check the signature (see `check_signature`), then every part against the manifest (row count and
    SHA-256); returns the manifest (with `signed`) or raises."""
    with _open_zip(source) as zf:
        manifest = read_manifest(zf)
        manifest["signed"] = check_signature(zf, key, allow_unsigned)
        expected = {t.name for t in tables()}
        missing = sorted(expected - set(manifest["tables"]))
        if missing:
            raise DumpError(f"Bản sao lưu thiếu bảng: {', '.join(missing)}.", f"The backup lacks tables: {', '.join(missing)}.")
        for name, info in manifest["tables"].items():
            digest, n = hashlib.sha256(), 0
            try:
                with zf.open(info["part"]) as part:
                    for line in part:
                        digest.update(line)
                        n += 1
            except (KeyError, zipfile.BadZipFile, OSError, EOFError) as exc:
                raise DumpError(f"Phần {info['part']} của bản sao lưu bị thiếu hoặc hỏng ({exc}).",
                                f"Part {info['part']} of the backup is missing or damaged ({exc}).") from exc
            if digest.hexdigest() != info["sha256"] or n != info["rows"]:
                raise DumpError(f"Bảng {name} trong bản sao lưu không khớp manifest (số dòng hoặc SHA-256): tệp đã bị sửa hoặc hỏng.",
                                f"Table {name} in the backup does not match the manifest (row count or SHA-256): the file was altered or damaged.")
        return manifest


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table (tables the schema does not have yet are left out)."""
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables() if t.name in present}


def import_db(engine: Engine, source: str | Path | IO[bytes], *, key: bytes | None = None,
              allow_unsigned: bool = False) -> dict:
    """Restore a dump into an EMPTY database (no schema yet, or migrated with no row); returns the manifest.
    Refuses, before writing anything, a dump not signed with `key` (unless `allow_unsigned` and it is not
    signed at all, or no key is given), a non-empty target, a dump of another schema revision, or a dump
    whose parts do not match their manifest."""
    if hasattr(source, "seek"):
        source.seek(0)
    manifest = verify(source, key=key, allow_unsigned=allow_unsigned)
    if hasattr(source, "seek"):
        source.seek(0)
    revision = manifest["schema_revision"]
    current = migrate.current_revision(engine)
    if current is None:
        # A database with no schema: built at the dump's revision, brought to head after the rows are in.
        migrate.upgrade(engine, revision)
    elif current != revision:
        raise DumpError(
            f"Bản sao lưu có lược đồ phiên bản {revision}, cơ sở dữ liệu đích đang ở {current}: hãy nạp vào một cơ sở dữ liệu trống chưa có lược đồ.",
            f"The backup is at schema revision {revision} and the target database at {current}: restore into an empty database with no schema.")
    filled = {name: n for name, n in row_counts(engine).items() if n}
    if filled:
        listed = ", ".join(f"{k}: {v}" for k, v in sorted(filled.items())[:5])
        raise DumpError(
            f"Cơ sở dữ liệu đích không trống ({listed}); chỉ nạp bản sao lưu vào cơ sở dữ liệu trống để không ghi đè dữ liệu.",
            f"The target database is not empty ({listed}); a backup is only restored into an empty database, so that nothing is overwritten.")
    with _open_zip(source) as zf, engine.begin() as conn:
        for table in tables():
            _restore_table(conn, zf, table, manifest["tables"][table.name])
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn)
    if revision != migrate.head_revision():
        migrate.upgrade(engine)
    return manifest


def _restore_table(conn, zf: zipfile.ZipFile, table: Table, info: dict) -> None:
    names = info["columns"]
    unknown = [n for n in names if n not in table.c]
    if unknown:
        raise DumpError(f"Bảng {table.name} trong bản sao lưu có cột lạ: {', '.join(unknown)}.",
                        f"Table {table.name} in the backup has unknown columns: {', '.join(unknown)}.")
    decoders = [_decoder(table.c[n]) for n in names]
    # Columns referring to the same table (a unit's parent, former unit, successor) are filled in after
    # every row of the table is in, since rows may refer to each other in any order.
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table and fk.parent.name in names]
    later: list[dict] = []
    batch: list[dict] = []
    insert = table.insert()
    with zf.open(info["part"]) as part:
        for line in part:
            row = {n: dec(v) for n, dec, v in zip(names, decoders, json.loads(line))}
            if self_refs:
                refs = {n: row[n] for n in self_refs if row[n] is not None}
                if refs:
                    later.append({**{f"k_{c.name}": row[c.name] for c in table.primary_key.columns}, **refs})
                    for n in refs:
                        row[n] = None
            batch.append(row)
            if len(batch) >= BATCH:
                conn.execute(insert, batch)
                batch = []
    if batch:
        conn.execute(insert, batch)
    for row in later:
        where = [table.c[c.name] == bindparam(f"k_{c.name}") for c in table.primary_key.columns]
        values = {k: v for k, v in row.items() if not k.startswith("k_")}
        conn.execute(update(table).where(*where).values({k: bindparam(k) for k in values}), row)


def _reset_sequences(conn) -> None:
    """PostgreSQL: serial ids continue after the highest restored id."""
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) == 1 and pk[0].name == "id":
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "
                f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 1), "
                f"(SELECT MAX({pk[0].name}) FROM {table.name}) IS NOT NULL)"))


# --- comparison --------------------------------------------------------------------------------------


def table_rows(engine: Engine, table: Table) -> list[tuple]:
    """Every row of `table` ordered by primary key, values as Python objects (times in UTC)."""
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(*_pk_order(table)))]


def compare(a: Engine, *others: Engine) -> list[str]:
    """The differences between database `a` and each of `others`, table by table and row by row (empty
    when identical). Differences name the table, the row's key and the columns, never the values (password
    hashes)."""
    out = []
    ra = migrate.current_revision(a)
    for n, b in enumerate(others, 1):
        if migrate.current_revision(b) != ra:
            out.append(f"[{n}] schema revision: {ra} != {migrate.current_revision(b)}")
    for table in tables():
        rows_a = table_rows(a, table)
        pk_idx = [list(table.columns).index(c) for c in table.primary_key.columns]
        keys_a = {tuple(r[i] for i in pk_idx) for r in rows_a}
        for n, b in enumerate(others, 1):
            rows_b = table_rows(b, table)
            if len(rows_a) != len(rows_b):
                out.append(f"[{n}] {table.name}: {len(rows_a)} rows != {len(rows_b)} rows")
            by_key_b = {tuple(r[i] for i in pk_idx): r for r in rows_b}
            for r in rows_a:
                key = tuple(r[i] for i in pk_idx)
                other = by_key_b.get(key)
                if other is None:
                    out.append(f"[{n}] {table.name} {key}: missing")
                    continue
                cols = [c.name for c, x, y in zip(table.columns, r, other) if not _same(x, y)]
                if cols:
                    out.append(f"[{n}] {table.name} {key}: columns differ: {', '.join(cols)}")
            extra = [k for k in by_key_b if k not in keys_a]
            if extra:
                out.append(f"[{n}] {table.name}: {len(extra)} rows only there, e.g. {extra[0]}")
    return out


def _same(x, y) -> bool:
    """Equal values of the same kind (1 and 1.0 alike; True and 1 not)."""
    if x != y:
        return False
    if isinstance(x, bool) or isinstance(y, bool):
        return type(x) is type(y)
    return True
