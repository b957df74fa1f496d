"""The `submit` action: figures go in only for units the actor may submit for, only into open months.

`submit(engine, actor, sub)` takes a parsed, validated submission (storage.submissions.SubmissionIn)
and stores it through the storage write path. Before anything is written it checks the matrix (a
submitter: only their own units) and the period locks; the locks are checked again inside the write
transaction (`checks`), so a month locked a moment earlier by someone else still refuses. A refused
file changes nothing; the refusal is audited. An accepted one is audited as `submit`, or `revise`
when it replaced values already held (the replaced values are in `value_revision`).

Files (workbooks, CSV) go through `submit_files`, which hands them to the loaders
(`loaders.ingest.ingest_files`: read, validate, store through the same write path) with the actor's
units as `allowed_units` and the lock rules as `checks`, and audits each file's outcome.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import Engine

from services import audit
from services.clock import utcnow
from services.errors import Refused
from services.guard import authorize, refuse
from services.lock_state import LockRules, states_in
from services.permissions import Actor, scope as cell
from storage.submissions import SubmissionIn, SubmissionResult, record_submission


def scope_of(sub: SubmissionIn) -> tuple[list[str], list[str]]:
    """The units and months a submission writes to."""
    pairs = {(v.unit_code, v.period) for v in sub.values} | set(sub.scope)
    return sorted({u for u, _ in pairs}), sorted({p for _, p in pairs})


def lock_check(engine: Engine, months: list[str], now: dt.datetime):
    """A `checks(session)` for the storage write path: refuses when any of `months` is locked, read
    inside the writing transaction."""
    rules = LockRules.of(engine)
    today = rules.local_date(now)

    def checks(session) -> None:
        locked = [p for p, s in states_in(session, months, rules, today).items() if s.locked]
        if locked:
            raise Refused("access.refused.locked", reason="locked", periods=locked)

    return checks


def submit(engine: Engine, actor: Actor | None, sub: SubmissionIn, *, now: dt.datetime | None = None) -> SubmissionResult:
    """Store `sub` as submitted by `actor` (its `submitted_by` is the actor, whatever it said)."""
    now = utcnow(now)
    units, months = scope_of(sub)
    target = sub.filename[:300]
    authorize(engine, actor, "submit", unit_codes=units, period=months, target=target,
              detail={"form": sub.form_code, "sha256": sub.sha256}, now=now)
    sub = dataclasses.replace(sub, submitted_by=actor.username, received_at=sub.received_at or now)
    try:
        result = record_submission(engine, sub, checks=lock_check(engine, months, now))
    except Refused as refusal:
        raise refuse(engine, actor, "submit", refusal, target=target,
                     detail={"units": units, "periods": months, "sha256": sub.sha256}, now=now) from None
    audit.record(engine, actor, "revise" if result.changed else "submit", target, "ok", {
        "form": sub.form_code, "sha256": sub.sha256, "units": units, "periods": months,
        "submission_id": result.submission_id, "duplicate_of": result.duplicate_of,
        "added": result.added, "changed": result.changed, "unchanged": result.unchanged,
    }, now=now)
    return result


# --- files through the loaders ---------------------------------------------------------------------------

SOURCES = ("upload", "cli")


def submit_files(engine: Engine, actor: Actor | None, files, *, dry_run: bool = False, period: str | None = None,
                 form: str | None = None, unit: str | None = None, mapping: dict | None = None,
                 save_mapping: bool = False, source: str = "upload", now: dt.datetime | None = None):
    """Workbooks and CSV files from an actor, through the loaders (loaders.ingest.ingest_files), with
    the matrix's unit scope and every lock rule applied. Returns the loaders' IngestReport; a file
    refused here (a unit the actor may not report for, a locked month) is in it as rejected, with the
    loaders' own located problem, and the refusal is in the audit trail.

    The loaders check explicitly locked months themselves but know nothing of the automatic lock, and
    their `checks(session)` hook is not told which months a file writes. So the files are first read
    as a dry run; files touching a month locked by any rule are refused here; the rest are then written
    with `checks` re-reading the lock state of their months inside the writing transaction."""
    from loaders.ingest import ACCEPTED, REJECTED, ingest_files
    from loaders.problems import Problem

    if source not in SOURCES:  # "sample" is the sample loader's alone: it decides whether demo accounts may exist
        raise ValueError(f"source must be one of {SOURCES}: {source!r}")
    now = utcnow(now)
    files = list(files)
    names = ", ".join(_name(f) for f in files)[:300]
    authorize(engine, actor, "submit", unit_codes=[unit] if unit else None, period=None, target=names,
              detail={"files": len(files), "dry_run": dry_run}, now=now)
    allowed = None if cell(actor.role, "submit") == "any" else set(actor.unit_codes)
    # An upload through the web server is parsed in the worker process with time and memory limits (issue 17).
    options = dict(submitted_by=actor.username, period=period, form=form, unit=unit, mapping=mapping,
                   allowed_units=allowed, source=source, isolate=source == "upload")
    preview = ingest_files(engine, files, dry_run=True, **options)
    rules = LockRules.of(engine)
    today = rules.local_date(now)
    months = sorted({p for o in preview.files for p in o.periods})
    with engine.connect() as conn:
        locked = {p for p, s in states_in(conn, months, rules, today).items() if s.locked}
    for outcome in preview.files:
        hit = sorted(set(outcome.periods) & locked)
        if outcome.status == ACCEPTED and hit:
            outcome.status = REJECTED
            outcome.problems = [Problem("period_locked", outcome.name, period=p, params={"month": f"{p[5:7]}/{p[:4]}"})
                                for p in hit] + outcome.problems
    if dry_run:
        _audit_refusals(engine, actor, preview.files, now, dry_run=True)
        return preview

    go = [i for i, o in enumerate(preview.files) if o.status == ACCEPTED]
    if go:
        written = ingest_files(engine, [files[i] for i in go], save_mapping=save_mapping,
                               checks=lock_check(engine, sorted({p for i in go for p in preview.files[i].periods}), now),
                               **options)
        for i, outcome in zip(go, written.files):
            preview.files[i] = outcome
    preview.dry_run = False
    _audit_refusals(engine, actor, preview.files, now, dry_run=False)
    for outcome in preview.files:
        if outcome.stored or outcome.duplicate_of is not None:
            audit.record(engine, actor, "revise" if outcome.changed else "submit", outcome.name[:300], "ok", {
                "form": outcome.form, "sha256": outcome.sha256, "units": outcome.units, "periods": outcome.periods,
                "submission_id": outcome.submission_id, "duplicate_of": outcome.duplicate_of, "added": outcome.added,
                "changed": outcome.changed, "unchanged": outcome.unchanged, "warnings": len(outcome.warnings),
            }, now=now)
        elif outcome.status == REJECTED and not _refusal_reason(outcome):
            audit.record(engine, actor, "submit", outcome.name[:300], "failed", {
                "sha256": outcome.sha256, "errors": sorted({p.code for p in outcome.errors}),
            }, now=now)
    return preview


def _name(f) -> str:
    return getattr(f, "name", None) or (f[0] if isinstance(f, (tuple, list)) and f else "?")


def _refusal_reason(outcome) -> str | None:
    """"unit" or "locked" when the file was refused by access control rather than for its content."""
    codes = {p.code for p in outcome.errors}
    if "unit_not_allowed" in codes:
        return "unit"
    if "period_locked" in codes or isinstance(outcome.refusal, Refused):
        return "locked"
    return None


def _audit_refusals(engine: Engine, actor: Actor, outcomes, now: dt.datetime, dry_run: bool) -> None:
    for outcome in outcomes:
        reason = _refusal_reason(outcome)
        if reason is None:
            continue
        units = sorted({p.unit for p in outcome.errors if p.code == "unit_not_allowed" and p.unit}) or outcome.units
        audit.record(engine, actor, "submit", outcome.name[:300], "refused", {
            "reason": reason, "units": units, "periods": outcome.periods, "sha256": outcome.sha256, "dry_run": dry_run,
        }, now=now)
