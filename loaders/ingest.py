"""Ingestion: files in, a report out; accepted files stored, rejected ones leaving no trace.

    report = ingest_files(engine, [("vinh_2024-05.xlsx", data)], submitted_by="ubnd.vinh", dry_run=True)

`ingest_files` is `check_files` (read and validate, store nothing) followed by `store_checked` (store the
accepted files of that very report): an upload checked once is confirmed without being read again.

Each file is read (readers), its table found (layout), its records extracted (parse), its month, form and
units settled and every rule checked (validation); the files of one call are validated together. A file
with any error is rejected whole. An accepted file is stored in one transaction (storage.submissions):
the same file twice changes nothing (SHA-256), a resubmission replaces values and keeps the earlier ones
as revisions, the original bytes are kept, and warnings are stored with it. A month that is locked, or a
unit the submitter may not report for, is refused; `checks(session)` (access control) runs inside the
writing transaction and may refuse too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from domain import periods
from domain.clock import local_date
from domain.errors import ServiceError
from loaders import mappings as saved_mappings
from loaders.headers import IGNORE, HeaderMatcher
from loaders.matching import UnitIndex, unit_index
from loaders.parse import ParsedFile, Unmatched, parse_item, parse_one
from loaders.pool import MIN_ITEMS, isolated_map, parallel_map
from loaders.problems import LoaderError, Problem, Text, problem_sort_key
from loaders.readers import Limits
from loaders.validation import Context, Given, Resolved, resolve, validate
from storage import frames
from storage.db import Engine
from storage.retry import RetriesExhausted
from storage.submissions import (
    SubmissionIn,
    ValueIn,
    known_hashes,
    locked_months,
    record_submissions,
    values_of,
)

ACCEPTED, REJECTED, DUPLICATE = "accepted", "rejected", "duplicate"


@dataclass(frozen=True)
class SourceFile:
    name: str
    content: bytes
    # Trusted bulk loads only (the sample province): when the file was received. Uploads leave it None
    # and are stamped with the time they are stored.
    received_at: dt.datetime | None = None


class Values(Sequence):
    """The figures a file would store, column by column: a ValueIn is made when one is read (the write reads
    them once), so that a compiled workbook's 2,000 figures are not 2,000 objects held from the check to
    the write."""

    __slots__ = ("element_code", "period", "unit_code", "value")

    def __init__(self, values: Iterable[ValueIn] = ()):
        self.unit_code: list[str] = []
        self.period: list[str] = []
        self.element_code: list[str] = []
        self.value: list[int] = []
        for v in values:
            self.unit_code.append(v.unit_code)
            self.period.append(v.period)
            self.element_code.append(v.element_code)
            self.value.append(v.value)

    def __len__(self) -> int:
        return len(self.value)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return ValueIn(self.unit_code[i], self.period[i], self.element_code[i], self.value[i])

    def __iter__(self):
        return map(ValueIn, self.unit_code, self.period, self.element_code, self.value)

    def __eq__(self, other) -> bool:
        if isinstance(other, (Values, list, tuple)):
            return list(self) == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Values({list(self)!r})"


@dataclass
class FileOutcome:
    name: str
    sha256: str
    size: int
    status: str  # accepted | rejected | duplicate
    stored: bool = False
    kind: str | None = None  # xlsx | xls | ods | csv
    form: str | None = None
    periods: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    values: Sequence[ValueIn] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    sheets_read: list[str] = field(default_factory=list)
    submission: SubmissionIn | None = None  # what is (or would be) written
    submission_id: int | None = None
    duplicate_of: int | None = None
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    refusal: Exception | None = None  # the exception a `checks` callable raised, for the caller to audit

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def as_dict(self) -> dict:
        return {
            "file": self.name, "sha256": self.sha256, "size": self.size, "status": self.status, "stored": self.stored,
            "format": self.kind, "form": self.form, "periods": self.periods, "units": self.units,
            "values": len(self.values), "submission_id": self.submission_id, "duplicate_of": self.duplicate_of,
            "added": self.added, "changed": self.changed, "unchanged": self.unchanged,
            "errors": len(self.errors), "warnings": len(self.warnings),
            "problems": [p.as_dict() for p in self.problems],
            "unmatched_headers": [
                {"sheet": u.sheet, "row": u.row, "column": u.column, "header": u.header, "kind": u.kind} for u in self.unmatched
            ],
        }


@dataclass
class IngestReport:
    dry_run: bool
    files: list[FileOutcome]

    @property
    def problems(self) -> list[Problem]:
        return [p for f in self.files for p in f.problems]

    def counts(self) -> dict:
        return {
            "files": len(self.files),
            "accepted": sum(f.status == ACCEPTED for f in self.files),
            "rejected": sum(f.status == REJECTED for f in self.files),
            "duplicate": sum(f.status == DUPLICATE for f in self.files),
            "stored": sum(f.stored for f in self.files),
            "values": sum(len(f.values) for f in self.files if f.status == ACCEPTED),
            "errors": sum(len(f.errors) for f in self.files),
            "warnings": sum(len(f.warnings) for f in self.files),
        }

    @property
    def ok(self) -> bool:
        return all(f.status != REJECTED for f in self.files)

    def as_dict(self) -> dict:
        return {"dry_run": self.dry_run, "counts": self.counts(), "files": [f.as_dict() for f in self.files]}


def _sources(files: Iterable) -> list[SourceFile]:
    out = []
    for f in files:
        if isinstance(f, SourceFile):
            out.append(f)
        else:
            out.append(SourceFile(*f))
    return out


def ingest_files(
    engine: Engine,
    files: Sequence[SourceFile | tuple],
    *,
    submitted_by: str,
    dry_run: bool = False,
    period: str | None = None,
    form: str | None = None,
    unit: str | None = None,
    mapping: dict[str, str] | None = None,
    save_mapping: bool = False,
    allowed_units: set[str] | None = None,
    checks: Callable | None = None,
    source: str = "upload",
    transaction: str = "file",
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    isolate: bool = False,
) -> IngestReport:
    """Read, validate and (unless `dry_run`) store `files` (SourceFile or (name, bytes[, received_at])):
    `check_files`, then `store_checked`. With `save_mapping`, `mapping` is stored for the office after an
    accepted file."""
    report = check_files(engine, files, submitted_by=submitted_by, period=period, form=form, unit=unit, mapping=mapping,
                         allowed_units=allowed_units, source=source, workers=workers, progress=progress, isolate=isolate)
    if not dry_run:
        store_checked(engine, report, checks=checks, transaction=transaction,
                      save_mapping=mapping if save_mapping else None, saved_by=submitted_by)
    return report


def check_files(
    engine: Engine,
    files: Sequence[SourceFile | tuple],
    *,
    submitted_by: str,
    period: str | None = None,
    form: str | None = None,
    unit: str | None = None,
    mapping: dict[str, str] | None = None,
    allowed_units: set[str] | None = None,
    source: str = "upload",
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    isolate: bool = False,
) -> IngestReport:
    """Read and validate `files`; store nothing. The report's accepted files hold what would be written
    (`FileOutcome.submission`, the bytes read included), for `store_checked`.

    `period`/`form`/`unit`: what the submitter states for files that do not state it themselves (a file
    that does must agree). `mapping`: header -> element code (or "ignore") for headers in an office's own
    wording. `allowed_units`: the units the submitter may report for (None = any). `workers`: processes
    reading a large batch. `progress(done, total)` follows the reading. `isolate`: parse in the worker
    process with the time and memory limits (uploads to the web server).
    """
    sources = _sources(files)
    if period is not None:
        period = periods.make(*periods.parse(period))
    settings = frames.settings(engine)
    limits = Limits.from_settings(settings)
    registry = frames.load_registry(engine)
    index = unit_index(frames.load_units(engine))
    ctx = Context(registry, index, set(allowed_units) if allowed_units is not None else None, set(locked_months(engine)))
    given = Given(period, form, unit)
    offset = settings["timezone_offset_hours"]
    now = dt.datetime.now(dt.timezone.utc)

    mapping = dict(mapping or {})
    bad_targets = sorted({v for v in mapping.values() if v and v != IGNORE and v not in registry.element_by_code})
    offices = [submitted_by, *(sorted(allowed_units) if allowed_units else []), unit or ""]
    base_mapping = {**saved_mappings.load(engine, offices, form), **mapping}
    matcher = HeaderMatcher(registry, base_mapping)  # shared: its memo makes every file after the first cheap

    outcomes: list[FileOutcome] = []
    to_read: list[tuple[FileOutcome, SourceFile]] = []
    known = known_hashes(engine, [hashlib.sha256(s.content).hexdigest() for s in sources])
    first_in_call: dict[str, str] = {}
    for src in sources:
        sha = hashlib.sha256(src.content).hexdigest()
        outcome = FileOutcome(src.name, sha, len(src.content), REJECTED)
        outcomes.append(outcome)
        if bad_targets:
            outcome.problems = [Problem("unknown_element", src.name, params={"code": ", ".join(bad_targets)})]
        elif sha in known:
            _mark_duplicate(outcome, known[sha], ctx)
        elif sha in first_in_call:
            outcome.status = DUPLICATE
            outcome.problems = [Problem("duplicate_in_upload", src.name, params={"other": first_in_call[sha]})]
        else:
            first_in_call[sha] = src.name
            to_read.append((outcome, src))

    resolved: list[tuple[FileOutcome, Resolved, SourceFile]] = []
    parsed_all = _parse_all([src for _, src in to_read], matcher, index, limits, workers, progress, isolate)
    for (outcome, src), parsed in zip(to_read, parsed_all):
        if isinstance(parsed, LoaderError):
            outcome.problems = parsed.problems
            continue
        now_period = periods.of_date(local_date(src.received_at or now, offset))
        res = _resolve_with_unit_mappings(parsed, src, engine, matcher, index, limits, ctx, given, now_period)
        outcome.kind = res.parsed.kind
        resolved.append((outcome, res, src))

    ctx.previous = _previous_values(engine, [r for _, r, _ in resolved])
    validate([r for _, r, _ in resolved], ctx)
    for outcome, res, src in resolved:
        _settle(outcome, res, src, submitted_by, source)
    for o in outcomes:
        o.problems.sort(key=problem_sort_key)
    return IngestReport(True, outcomes)


def store_checked(engine: Engine, report: IngestReport, *, checks: Callable | None = None, transaction: str = "file",
                  save_mapping: dict[str, str] | None = None, saved_by: str = "") -> IngestReport:
    """Store the accepted files of a report from `check_files`, exactly as checked (the bytes and values it
    holds, not the files read again). Explicitly locked months are refused inside each writing transaction,
    then `checks(session)` runs there and may refuse by raising a ServiceError (access control) or a
    LoaderError. `transaction`: "file" (one per file) or "batch" (accepted files written together, one
    transaction per month; bulk loads). `save_mapping`: header -> element stored for the office of each
    stored file."""
    accepted = [o for o in report.files if o.status == ACCEPTED and o.submission is not None]
    if accepted:
        _write(engine, accepted, checks, transaction)
        if save_mapping:
            for o in accepted:
                if o.stored and o.form:
                    office = o.units[0] if len(o.units) == 1 else saved_by
                    saved_mappings.save(engine, office, o.form, save_mapping, saved_by)
    for o in report.files:
        o.problems.sort(key=problem_sort_key)
    report.dry_run = False
    return report


def _parse_all(sources: list[SourceFile], matcher: HeaderMatcher, index: UnitIndex, limits: Limits, workers: int,
               progress: Callable[[int, int], None] | None, isolate: bool = False) -> list[ParsedFile | LoaderError]:
    """Read and parse every file (in order); a large batch in `workers` processes (a bulk load is bound
    by openpyxl's reading, which one process does at one core's speed)."""
    items = [(s.name, s.content) for s in sources]
    if isolate and limits.parse_seconds and len(items) < MIN_ITEMS:
        # Uploads to the web server (`isolate`): in the worker process, with the time and memory limits
        # (issue 17), so that a hostile file does not hold the server that draws everyone's pages.
        return isolated_map(parse_item, items, (matcher, index, limits), seconds=limits.parse_seconds,
                            memory_mb=limits.parse_memory_mb, on_limit=lambda item, kind: _over_limit(item[0], kind, limits))
    return parallel_map(parse_item, items, (matcher, index, limits), workers, progress)


def _over_limit(name: str, kind: str, limits: Limits) -> LoaderError:
    if kind == "time":
        return LoaderError([Problem("parse_too_long", name, params={"seconds": limits.parse_seconds})])
    return LoaderError([Problem("parse_too_large", name, params={"memory_mb": limits.parse_memory_mb})])



def _resolve_with_unit_mappings(parsed: ParsedFile, src: SourceFile, engine, matcher: HeaderMatcher, index, limits, ctx,
                                given, now_period) -> Resolved:
    res = resolve(parsed, ctx, given, now_period)
    if parsed.unmatched:
        # The office may have saved a mapping under its unit: read once more with it.
        units = sorted({res.unit_of(r.id) for r in parsed.refs} - {None})
        extra = saved_mappings.load(engine, units, res.form)
        if extra and any(k not in matcher.mapping for k in extra):
            again = parse_one(src.name, src.content, matcher.with_mapping(extra), index, limits)
            if not isinstance(again, LoaderError):
                res = resolve(again, ctx, given, now_period)
    return res


def _mark_duplicate(outcome: FileOutcome, known: tuple, ctx: Context) -> None:
    sid, received_at, by = known
    outcome.status = DUPLICATE
    outcome.duplicate_of = sid
    outcome.problems = [Problem("duplicate_file", outcome.name, params={"id": sid, "at": _vn_time(received_at), "by": by})]


def _vn_time(value: dt.datetime) -> Text:
    import i18n

    return Text(i18n.fmt_datetime(value, "vi"), i18n.fmt_datetime(value, "en"))


def _settle(outcome: FileOutcome, res: Resolved, src: SourceFile, submitted_by: str, source: str) -> None:
    """Decide the file's fate from its problems and gather what would be written."""
    outcome.problems = res.problems
    outcome.unmatched = res.parsed.unmatched
    outcome.sheets_read = res.parsed.sheets_read
    outcome.form = res.form
    cells = res.parsed.cells
    values = Values()
    scope = set()
    if cells:
        # Which unit and month each unit row's cells are for (None: not stored), then the cells that hold a
        # number (NaN: blank, or not a usable number) for a unit row that is stored, as columns.
        refs = np.array(cells.ref, dtype=np.intp)
        codes = np.full(int(refs.max()) + 1, None, dtype=object)
        months = np.full(len(codes), None, dtype=object)
        for ref in set(cells.ref):
            code, p = res.unit_of(ref), res.ref_periods.get(ref)
            if code is not None and p is not None:
                codes[ref], months[ref] = code, p
        number = np.array(cells.number, dtype=float)
        stored = np.array([c is not None for c in codes], dtype=bool)
        keep = np.flatnonzero(stored[refs] & ~np.array(cells.blank, dtype=bool) & ~np.isnan(number))
        kept = refs[keep]
        values.unit_code = codes[kept].tolist()
        values.period = months[kept].tolist()
        values.element_code = np.array(cells.element, dtype=object)[keep].tolist()
        values.value = list(map(int, number[keep].tolist()))
        stored_refs = np.unique(kept)
        scope = set(zip(codes[stored_refs].tolist(), months[stored_refs].tolist()))
    outcome.values = values
    outcome.units = sorted({u for u, _ in scope})
    outcome.periods = sorted({p for _, p in scope})
    if any(p.is_error for p in res.problems):
        outcome.status = REJECTED
        return
    outcome.status = ACCEPTED
    outcome.submission = SubmissionIn(
        form_code=res.form, filename=src.name, content=src.content, submitted_by=submitted_by, values=values,
        received_at=src.received_at, source=source, warnings=[p.as_dict() for p in outcome.warnings], scope=sorted(scope),
    )


def _write(engine: Engine, accepted: list[FileOutcome], checks: Callable | None, transaction: str) -> None:
    """Store accepted files, each with a SubmissionIn built from its values and warnings."""
    if transaction == "batch":
        by_month: dict[str, list[FileOutcome]] = {}
        for o in accepted:
            by_month.setdefault(o.periods[0] if o.periods else "", []).append(o)
        groups = list(by_month.values())
    else:
        groups = [[o] for o in accepted]
    if len(groups) == 1:
        _write_groups(engine, groups, checks)
        return
    # Many transactions (a file each, or a month each): one connection for all of them, not a checkout and
    # a ping per file (each transaction still begins, commits or rolls back on its own).
    with engine.connect() as conn:
        _write_groups(conn, groups, checks)


def _write_groups(bind, groups: list[list[FileOutcome]], checks: Callable | None) -> None:
    for group in groups:
        months = sorted({p for o in group for p in o.periods})
        try:
            results = record_submissions(bind, [o.submission for o in group],
                                         checks=_in_transaction(group[0].name, months, checks))
        except LoaderError as exc:
            for o in group:
                o.status = REJECTED
                o.problems = [Problem(p.code, o.name, period=p.period, params=p.params) for p in exc.problems] + o.problems
            continue
        except _Refusal as refusal:
            for o in group:
                o.status, o.refusal = REJECTED, refusal.original
                o.problems = [Problem("refused", o.name, params={"reason": refusal.text})] + o.problems
            continue
        except RetriesExhausted:
            # The database stayed locked through every retry (many writers at once): nothing of these files
            # was written; say so, so that the submitter sends them again, instead of failing the whole call.
            for o in group:
                o.status = REJECTED
                o.problems = [Problem("database_busy", o.name)] + o.problems
            continue
        for o, result in zip(group, results):
            _apply(o, result)


def _apply(o: FileOutcome, result) -> None:
    if result.duplicate:
        o.status, o.duplicate_of = DUPLICATE, result.duplicate_of
        return
    o.stored = True
    o.submission_id, o.added, o.changed, o.unchanged = result.submission_id, result.added, result.changed, result.unchanged


class _Refusal(Exception):
    def __init__(self, original: Exception, text: Text):
        self.original, self.text = original, text
        super().__init__(text.en)


def _in_transaction(name: str, months: list[str], checks: Callable | None):
    """Inside the writing transaction: refuse locked months, then the caller's checks."""

    def run(session) -> None:
        locked = locked_months(session, months)
        if locked:
            raise LoaderError([Problem("period_locked", name, period=p, params={"month": f"{p[5:7]}/{p[:4]}"}) for p in locked])
        if checks is None:
            return
        try:
            checks(session)
        except ServiceError as exc:  # access control's refusal, in both languages
            raise _Refusal(exc, Text(exc.message("vi"), exc.message("en"))) from exc

    return run


def _previous_values(engine: Engine, files: list[Resolved]) -> dict[tuple[str, str, str], int]:
    """The database's values for the month before each unit × month of the batch (for the warnings)."""
    wanted = set()
    for f in files:
        for ref in f.parsed.refs:
            code, p = f.unit_of(ref.id), f.ref_periods.get(ref.id)
            if code and p:
                wanted.add((code, periods.add(p, -1)))
    return values_of(engine, wanted)
