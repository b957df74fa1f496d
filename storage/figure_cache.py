"""A copy of the figures on local disk, so that a freshly started server process does not read every value
from the database before its first page (issue 15: at national scale 2.9 M values, 4–6 s and a 0.7 GB peak
while PostgreSQL's COPY is parsed; from this file 0.1–0.2 s, mapped from disk).

What is kept: the two large frames of `frames.load_figures` (the long values and the submission scope) as
they were at one values version, in Arrow IPC files (a format read without executing anything: a file put
there by someone else can at worst hold wrong figures, never run code, and it is checked against the
database before use). A process that finds a copy takes it and then catches up exactly as a running process
does (`frames.load_changes` past the copy's version: the submissions stored since, or everything read
again when a change cannot be followed), so the figures it shows are those of the database, never the
copy's alone.

Which database a copy belongs to is told by three things read from the database itself: a random number
kept in the `counter` table (`database_instance`, written once), the values version, and the last
submission at or below that version (its id and time of receipt). A database restored from a backup keeps
its number but goes back in versions: a copy from beyond the database's version is ignored and deleted,
and one whose last submission differs (the same version reached again by other submissions after a
restore) is ignored.

Only worth it for large data: copies are written when the figures hold `P06_FIGURE_CACHE_MIN_ROWS` values
or more (default 200,000: the sample province reads its figures in a fraction of a second). The folder is
`P06_FIGURE_CACHE_DIR`, default `data/cache` in the project (writable under the systemd unit); `0` turns the
cache off. The processes of one machine share it; each writes a file under a temporary name and renames
it, so a reader never sees half a file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import secrets
import threading
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from storage import models
from storage.db import PROJECT_DIR

LOG = logging.getLogger("p06.figure_cache")
INSTANCE = "database_instance"
FORMAT = "1"  # bumped when the frames' columns or types change: older copies are then ignored
_WRITE_LOCK = threading.Lock()


def directory() -> Path | None:
    """Where copies go, or None when the cache is turned off."""
    where = os.environ.get("P06_FIGURE_CACHE_DIR", "")
    if where == "0":
        return None
    return Path(where) if where else PROJECT_DIR / "data" / "cache"


def min_rows() -> int:
    try:
        return int(os.environ.get("P06_FIGURE_CACHE_MIN_ROWS", "200000"))
    except ValueError:
        return 200_000


def _folder_for(values: pd.DataFrame) -> Path | None:
    """Where a copy of `values` goes, or None when none is kept (turned off, or too few values)."""
    folder = directory()
    return None if folder is None or len(values) < min_rows() else folder


def instance(engine: Engine, create: bool = False) -> int | None:
    """The database's random number (None if it has none yet and `create` is false)."""
    counter = models.Counter.__table__
    stmt = select(counter.c.value).where(counter.c.name == INSTANCE)
    with engine.connect() as conn:
        value = conn.execute(stmt).scalar()
    if value is not None or not create:
        return None if value is None else int(value)
    try:
        with engine.begin() as conn:
            conn.execute(counter.insert(), {"name": INSTANCE, "value": secrets.randbits(62)})
    except IntegrityError:  # another process wrote it first: theirs stands
        pass
    with engine.connect() as conn:
        value = conn.execute(stmt).scalar()
    return None if value is None else int(value)


def _last_submission(engine: Engine, version: int) -> str:
    """The submission stamped last at or below `version`, as text ("" when none)."""
    s = models.Submission
    with engine.connect() as conn:
        row = conn.execute(select(s.id, s.received_at).where(s.values_seq <= version)
                           .order_by(s.values_seq.desc()).limit(1)).first()
    if row is None:
        return ""
    received = row.received_at
    if isinstance(received, dt.datetime):
        received = received.astimezone(dt.UTC).isoformat()
    return f"{row.id}@{received}"


def _stem(url: str, instance_id: int) -> str:
    """The files' common name: the database's address (without its password) and its number."""
    from sqlalchemy.engine import make_url

    safe = make_url(url).render_as_string(hide_password=True)
    return f"figures-{hashlib.sha256(safe.encode()).hexdigest()[:16]}-{instance_id}"


def _paths(folder: Path, stem: str, version: int) -> tuple[Path, Path]:
    return folder / f"{stem}-v{version}.values.arrow", folder / f"{stem}-v{version}.scope.arrow"


def _copies(folder: Path, stem: str) -> list[int]:
    """The versions held for this database, newest first (both files present)."""
    versions = []
    for path in folder.glob(f"{stem}-v*.values.arrow"):
        try:
            version = int(path.name[len(stem) + 2:].split(".", 1)[0])
        except ValueError:
            continue
        if _paths(folder, stem, version)[1].exists():
            versions.append(version)
    return sorted(versions, reverse=True)


def save(engine: Engine, url: str, version: int, values: pd.DataFrame, scope: pd.DataFrame) -> Path | None:
    """Keep `values` and `scope`, the figures of values version `version`, for the processes started later;
    older copies of the same database are removed. Best effort: returns the values file, or None when
    nothing was written (turned off, too small, the folder not writable)."""
    folder = _folder_for(values)
    if folder is None:
        return None
    import pyarrow as pa

    try:
        instance_id = instance(engine, create=True)
        if instance_id is None:
            return None
        stem = _stem(url, instance_id)
        meta = {b"p06_format": FORMAT.encode(), b"p06_version": str(version).encode(),
                b"p06_last": _last_submission(engine, version).encode()}
        folder.mkdir(parents=True, exist_ok=True)
        targets = _paths(folder, stem, version)
        with _WRITE_LOCK:
            if all(p.exists() for p in targets):
                return targets[0]
            # The scope first, the values last: a reader looks for the values file and then needs both.
            try:
                for frame, target in ((scope, targets[1]), (values, targets[0])):
                    _write(frame, target, meta)
            except BaseException:
                targets[1].unlink(missing_ok=True)  # a scope without its values is no copy
                raise
            for older in _copies(folder, stem):
                if older < version:
                    for path in _paths(folder, stem, older):
                        path.unlink(missing_ok=True)
        return targets[0]
    except (OSError, pa.ArrowException, ValueError) as exc:
        LOG.warning("figure cache: not written (%s)", exc)
        return None


def _write(frame: pd.DataFrame, target: Path, meta: dict[bytes, bytes]) -> None:
    """`frame` as an Arrow IPC file at `target`, written under a temporary name and renamed; a write cut
    short (a full disk) leaves no part behind."""
    import pyarrow as pa
    from pyarrow import feather

    table = pa.Table.from_pandas(frame, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **meta})
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        feather.write_feather(table, temporary, compression="uncompressed")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def save_in_background(engine: Engine, url: str, version: int, values: pd.DataFrame,
                       scope: pd.DataFrame) -> threading.Thread | None:
    """`save` in a daemon thread (the page that read the figures does not wait for the disk)."""
    if _folder_for(values) is None:
        return None
    thread = threading.Thread(target=save, args=(engine, url, version, values, scope),
                              name="p06-figure-cache", daemon=True)
    thread.start()
    return thread


def load(engine: Engine, url: str, current: int) -> tuple[int, pd.DataFrame, pd.DataFrame] | None:
    """The newest copy of this database's figures at or below values version `current`, checked against the
    database: (its version, values, scope), or None. The caller catches up from its version."""
    folder = directory()
    if folder is None or not folder.is_dir():
        return None
    try:
        instance_id = instance(engine)
        if instance_id is None:
            return None
        stem = _stem(url, instance_id)
        for version in _copies(folder, stem):
            paths = _paths(folder, stem, version)
            if version > current:  # from beyond the database: it was restored from an older backup
                for path in paths:
                    path.unlink(missing_ok=True)
                continue
            frames = [_read(path, version) for path in paths]
            if any(f is None for f in frames):
                continue
            (values, values_last), (scope, scope_last) = frames
            if values_last != scope_last or values_last != _last_submission(engine, version):
                continue
            return version, values, scope
    except OSError as exc:
        LOG.warning("figure cache: not read (%s)", exc)
    return None


def _read(path: Path, version: int) -> tuple[pd.DataFrame, str] | None:
    import pyarrow as pa

    try:
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
        meta = table.schema.metadata or {}
        if meta.get(b"p06_format") != FORMAT.encode() or meta.get(b"p06_version") != str(version).encode():
            return None
        frame = table.to_pandas()
        return frame, meta.get(b"p06_last", b"").decode()
    except (OSError, pa.ArrowException, ValueError, KeyError) as exc:
        LOG.warning("figure cache: %s unreadable (%s)", path.name, exc)
        return None
