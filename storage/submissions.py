"""The write path for accepted submissions: one transaction per file, all or nothing.

A file already stored (same SHA-256) changes nothing. A value for a unit, month and element that is
already held is replaced, and the earlier value is kept as a revision saying who replaced it and when.
Elements a resubmission leaves out keep their earlier values (nothing is lost by a partial file).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from storage import models
from storage.retry import in_transaction
from storage.version import bump_data_version


@dataclass(frozen=True)
class ValueIn:
    unit_code: str
    period: str
    element_code: str
    value: int


@dataclass
class SubmissionIn:
    form_code: str
    filename: str
    content: bytes
    submitted_by: str
    values: Sequence[ValueIn]
    received_at: dt.datetime | None = None
    source: str = "upload"
    warnings: list[dict] = field(default_factory=list)
    # (unit_code, period) pairs reported, even where every value was left blank; values add theirs.
    scope: Iterable[tuple[str, str]] = ()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass(frozen=True)
class SubmissionResult:
    submission_id: int | None
    duplicate_of: int | None = None
    added: int = 0
    changed: int = 0
    unchanged: int = 0

    @property
    def duplicate(self) -> bool:
        return self.duplicate_of is not None


def record_submission(
    engine: Engine | Connection,
    sub: SubmissionIn,
    checks: Callable[[Session], None] | None = None,
    attempts: int = 8,
) -> SubmissionResult:
    """Store one accepted file and its values in one transaction, retrying where the database asks to.
    `checks(session)` runs inside the transaction first (period locks, permissions) and may raise to
    refuse the file; it then changes nothing."""
    return record_submissions(engine, [sub], checks, attempts)[0]


def record_submissions(
    engine: Engine | Connection,
    subs: Sequence[SubmissionIn],
    checks: Callable[[Session], None] | None = None,
    attempts: int = 8,
) -> list[SubmissionResult]:
    """The bulk path: several files in one transaction (all or none), each deduplicated and revisioned as
    if stored alone, in order. One commit instead of one per file is what makes bulk loads fast on
    PostgreSQL, where every commit waits for the disk. `engine` may be a Connection outside a transaction:
    a caller storing many files one transaction each reuses it (no checkout and ping per file)."""

    def work(session: Session) -> list[SubmissionResult]:
        if checks is not None:
            checks(session)
        return _write_many(session, subs)

    return in_transaction(engine, work, attempts=attempts, delay=0.05, unique_violation=True)


def _write_many(session: Session, subs: Sequence[SubmissionIn]) -> list[SubmissionResult]:
    """Store files in order, as if one after another, with a handful of statements for the lot."""
    # Core statements on the session's connection: the ORM's unit of work costs more than the SQL here.
    conn = session.connection()
    shas = [sub.sha256 for sub in subs]
    known = dict(conn.execute(_KNOWN, {"shas": sorted(set(shas))}).all())
    fresh: list[int] = []  # indexes into subs of files to store
    first_of: dict[str, int] = {}
    for i, sha in enumerate(shas):
        if sha not in known and sha not in first_of:
            first_of[sha] = i
            fresh.append(i)
    if not fresh:
        return [SubmissionResult(submission_id=None, duplicate_of=known[sha]) for sha in shas]

    now = dt.datetime.now(dt.timezone.utc)
    prepared = []  # (index, received_at, values, scope)
    for i in fresh:
        sub = subs[i]
        values = _last_wins(sub.values)
        scope = sorted({(v.unit_code, v.period) for v in values} | set(sub.scope))
        prepared.append((i, sub.received_at or now, values, scope))
    ids = conn.execute(
        _INSERT_SUB,
        [
            {
                "form_code": subs[i].form_code,
                "filename": subs[i].filename[:300],
                "sha256": shas[i],
                "size": len(subs[i].content),
                "submitted_by": subs[i].submitted_by,
                "received_at": received_at,
                "source": subs[i].source,
                "n_values": len(values),
                "warnings": json.dumps(subs[i].warnings, ensure_ascii=False, default=str),
            }
            for i, received_at, values, _ in prepared
        ],
    ).scalars().all()
    sid_of = {i: sid for (i, *_), sid in zip(prepared, ids)}
    conn.execute(_INSERT_FILE, [{"submission_id": sid_of[i], "content": subs[i].content} for i, *_ in prepared])
    _insert_rows(conn, _SCOPE, _SCOPE_COLUMNS, [(sid_of[i], u, p) for i, _, _, scope in prepared for u, p in scope])

    held = _current_values(conn, sorted({key for *_, scope in prepared for key in scope}))
    new_rows: dict[tuple, tuple] = {}
    updates: dict[tuple, dict] = {}
    revisions = []
    counts = {}
    for i, received_at, values, _ in prepared:
        sid = sid_of[i]
        by = subs[i].submitted_by
        added = changed = unchanged = 0
        for v in values:
            key = (v.unit_code, v.period, v.element_code)
            old = held.get(key)
            if old is None:
                new_rows[key] = (v.unit_code, v.period, v.element_code, v.value, sid)
                added += 1
            else:
                old_value, old_sid = old
                if old_value == v.value:
                    unchanged += 1
                else:
                    changed += 1
                if key in new_rows:  # first stored earlier in this same batch
                    new_rows[key] = (v.unit_code, v.period, v.element_code, v.value, sid)
                else:
                    updates[key] = {"k_unit": v.unit_code, "k_period": v.period, "k_element": v.element_code,
                                    "value": v.value, "submission_id": sid}
                revisions.append((v.unit_code, v.period, v.element_code, old_value, old_sid, v.value, sid, by, received_at))
            held[key] = (v.value, sid)
        counts[i] = SubmissionResult(submission_id=sid, added=added, changed=changed, unchanged=unchanged)
    _insert_rows(conn, _VAL, _VALUE_COLUMNS, list(new_rows.values()))
    if updates:
        conn.execute(_UPDATE_VALUE, list(updates.values()))
    _insert_rows(conn, _REV, _REVISION_COLUMNS, revisions)
    seq = bump_data_version(session)
    # The watermark a server process catches up from (storage/frames.load_changes).
    conn.execute(_STAMP, {"ids": list(sid_of.values()), "seq": seq})

    out = []
    for i, sha in enumerate(shas):
        if i in counts:
            out.append(counts[i])
        elif sha in known:
            out.append(SubmissionResult(submission_id=None, duplicate_of=known[sha]))
        else:
            out.append(SubmissionResult(submission_id=None, duplicate_of=sid_of[first_of[sha]]))
    return out


_SUB = models.Submission.__table__
_VAL = models.DataValue.__table__
# Statements built once: constructing and keying a statement on every call costs more than running it
# for a one-unit file.
_KNOWN = select(_SUB.c.sha256, _SUB.c.id).where(_SUB.c.sha256.in_(bindparam("shas", expanding=True)))
_INSERT_SUB = insert(_SUB).returning(_SUB.c.id, sort_by_parameter_order=True)
_INSERT_FILE = insert(models.SubmissionFile.__table__)
_STAMP = update(_SUB).where(_SUB.c.id.in_(bindparam("ids", expanding=True))).values(values_seq=bindparam("seq"))
_SCOPE = models.SubmissionScope.__table__
_REV = models.ValueRevision.__table__
_SCOPE_COLUMNS = ("submission_id", "unit_code", "period")
_VALUE_COLUMNS = ("unit_code", "period", "element_code", "value", "submission_id")
_REVISION_COLUMNS = ("unit_code", "period", "element_code", "old_value", "old_submission_id", "new_value",
                     "new_submission_id", "replaced_by", "replaced_at")
# At or above this many rows, PostgreSQL gets them by COPY (one stream; a pipelined INSERT per row costs
# about 40 µs each, the 2,000 values of a compiled workbook 80 ms); below it, one executemany.
COPY_MIN_ROWS = 64
_CURRENT = (
    select(_VAL.c.unit_code, _VAL.c.period, _VAL.c.element_code, _VAL.c.value, _VAL.c.submission_id)
    .where(_VAL.c.unit_code.in_(bindparam("units", expanding=True)), _VAL.c.period.in_(bindparam("periods", expanding=True)))
    .order_by(_VAL.c.unit_code, _VAL.c.period, _VAL.c.element_code)
)
_CURRENT_LOCKED = _CURRENT.with_for_update()
_UPDATE_VALUE = (
    update(_VAL)
    .where(
        _VAL.c.unit_code == bindparam("k_unit"),
        _VAL.c.period == bindparam("k_period"),
        _VAL.c.element_code == bindparam("k_element"),
    )
    .values(value=bindparam("value"), submission_id=bindparam("submission_id"))
)


def _insert_rows(conn: Connection, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert `rows` (tuples in `columns` order) into `table` on the transaction's connection, with the
    columns' own bind conversions (an aware UTC time becomes SQLite's naive text, as through an INSERT
    statement), without SQLAlchemy building a parameter dictionary per row: the driver's executemany, or
    on PostgreSQL COPY for a large set. The rows stored are the same either way."""
    if not rows:
        return
    dialect = conn.dialect
    processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
    if any(processors):
        rows = [tuple(v if f is None or v is None else f(v) for f, v in zip(processors, row)) for row in rows]
    names = ", ".join(columns)
    if dialect.name == "postgresql" and len(rows) >= COPY_MIN_ROWS:
        sql = f"COPY {table.name} ({names}) FROM STDIN"
        base_error = dialect.loaded_dbapi.Error
        try:
            with conn.connection.driver_connection.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        except base_error as exc:  # wrapped as a statement's error would be (storage.retry decides on it)
            raise DBAPIError.instance(sql, None, exc, base_error, dialect=dialect) from exc
        return
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    conn.exec_driver_sql(f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(columns))})", rows)


def _last_wins(values: Sequence[ValueIn]) -> list[ValueIn]:
    by_key = {}
    for v in values:
        by_key[(v.unit_code, v.period, v.element_code)] = v
    return list(by_key.values())


def _current_values(conn, scope: list[tuple[str, str]]) -> dict[tuple[str, str, str], tuple[int, int]]:
    """Values already held for the scope, locked against concurrent writers where the database can."""
    if not scope:
        return {}
    wanted = set(scope)
    units = sorted({u for u, _ in scope})
    periods = sorted({p for _, p in scope})
    out = {}
    stmt = _CURRENT_LOCKED if conn.dialect.name == "postgresql" else _CURRENT
    for chunk_start in range(0, len(units), 500):
        chunk = units[chunk_start : chunk_start + 500]
        for unit, period, element, value, sid in conn.execute(stmt, {"units": chunk, "periods": periods}):
            if (unit, period) in wanted:
                out[(unit, period, element)] = (value, sid)
    return out


# -- what the loaders read before they validate --------------------------------------------------------


def known_hashes(engine: Engine, shas: list[str]) -> dict[str, tuple]:
    """SHA-256 -> (submission id, received at, submitted by) for the files already stored."""
    s = models.Submission
    out = {}
    with engine.connect() as conn:
        for start in range(0, len(shas), 500):
            chunk = shas[start : start + 500]
            for row in conn.execute(select(s.sha256, s.id, s.received_at, s.submitted_by).where(s.sha256.in_(chunk))):
                out[row.sha256] = (row.id, row.received_at, row.submitted_by)
    return out


def values_of(engine: Engine, wanted: set[tuple[str, str]]) -> dict[tuple[str, str, str], int]:
    """(unit, month, element) -> the value held, for the unit × month pairs of `wanted`."""
    if not wanted:
        return {}
    v = models.DataValue
    units = sorted({u for u, _ in wanted})
    months = sorted({p for _, p in wanted})
    out = {}
    with engine.connect() as conn:
        for start in range(0, len(units), 500):
            stmt = select(v.unit_code, v.period, v.element_code, v.value).where(
                v.unit_code.in_(units[start : start + 500]), v.period.in_(months))
            for u, p, e, value in conn.execute(stmt):
                if (u, p) in wanted:
                    out[(u, p, e)] = value
    return out


_LOCKED_IN = select(models.PeriodLock.__table__.c.period).where(
    models.PeriodLock.__table__.c.period.in_(bindparam("months", expanding=True)), models.PeriodLock.__table__.c.locked.is_(True))


def locked_months(bind, months: Iterable[str] | None = None) -> list[str]:
    """The months an administrator locked explicitly (all of them, or those among `months`), read through
    `bind` (an engine, or a session inside the writing transaction)."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return locked_months(conn, months)
    conn = bind.connection() if isinstance(bind, Session) else bind
    if months is None:
        pl = models.PeriodLock
        return sorted(conn.execute(select(pl.period).where(pl.locked.is_(True))).scalars())
    return sorted(conn.execute(_LOCKED_IN, {"months": list(months)}).scalars())
