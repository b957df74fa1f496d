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
import hashlib

from sqlalchemy import Engine

import i18n
from domain import periods
from domain.errors import Invalid, Refused
from services import audit
from services.clock import utcnow
from services.guard import authorize, refuse
from services.lock_state import LockRules, states_in
from services.permissions import Actor
from services.permissions import scope as cell
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
    """Workbooks and CSV files from an actor, through the loaders, with the matrix's unit scope and every
    lock rule applied: `check_upload`, then (unless `dry_run`) `confirm_upload` of that very report.
    Returns the loaders' IngestReport; a file refused here (a unit the actor may not report for, a locked
    month) is in it as rejected, with the loaders' own located problem, and the refusal is in the audit trail."""
    now = utcnow(now)
    report = _check(engine, actor, files, dry_run=dry_run, period=period, form=form, unit=unit, mapping=mapping,
                    source=source, now=now)
    if dry_run:
        _audit_refusals(engine, actor, report.files, now, dry_run=True)
        return report
    return _store(engine, actor, report, save_mapping=mapping if save_mapping else None, now=now)


def check_upload(engine: Engine, actor: Actor | None, files, *, period: str | None = None, form: str | None = None,
                 unit: str | None = None, mapping: dict | None = None, source: str = "upload",
                 now: dt.datetime | None = None):
    """Read and validate the files once, as `actor`, and say what would be stored (nothing is). The report
    keeps the checked bytes and figures: `confirm_upload` stores exactly those."""
    return submit_files(engine, actor, files, dry_run=True, period=period, form=form, unit=unit, mapping=mapping,
                        source=source, now=now)


def confirm_upload(engine: Engine, actor: Actor | None, report, files, *, save_mapping: dict | None = None,
                   now: dt.datetime | None = None):
    """Store the accepted files of a report from `check_upload` without reading them again. `files` are the
    files as they are now ((name, bytes) pairs, as uploaded): each accepted file must still be the one
    checked (same name and SHA-256), else nothing is stored. The actor's rights and every lock are checked
    again, inside the writing transaction for the locks."""
    now = utcnow(now)
    current = {(name, hashlib.sha256(content).hexdigest()) for name, content in ((_name(f), _content(f)) for f in files)}
    for outcome in report.files:
        held = outcome.submission
        if outcome.status != "accepted":
            continue
        if held is None or hashlib.sha256(held.content).hexdigest() != outcome.sha256 or (outcome.name, outcome.sha256) not in current:
            raise Invalid("access.upload.changed_since_check", file=outcome.name[:200])
    units = sorted({u for o in report.files if o.status == "accepted" for u in o.units})
    authorize(engine, actor, "submit", unit_codes=units or None, period=None, target=_names(report.files),
              detail={"files": len(report.files), "dry_run": False, "checked": True}, now=now)
    return _store(engine, actor, report, save_mapping=save_mapping, now=now)


def _check(engine: Engine, actor: Actor | None, files, *, dry_run: bool, period, form, unit, mapping, source, now):
    """Authorise, read and validate once; files touching a month locked by any rule become rejected. The
    loaders know only explicit locks; the lock rules (explicit, published, automatic) are services'."""
    from loaders.ingest import ACCEPTED, REJECTED, check_files
    from loaders.problems import Problem

    if source not in SOURCES:  # "sample" is the sample loader's alone: it decides whether demo accounts may exist
        raise ValueError(f"source must be one of {SOURCES}: {source!r}")
    files = list(files)
    authorize(engine, actor, "submit", unit_codes=[unit] if unit else None, period=None,
              target=", ".join(_name(f) for f in files)[:300], detail={"files": len(files), "dry_run": dry_run}, now=now)
    allowed = None if cell(actor.role, "submit") == "any" else set(actor.unit_codes)
    # An upload through the web server is parsed in the worker process with time and memory limits (issue 17).
    report = check_files(engine, files, submitted_by=actor.username, period=period, form=form, unit=unit,
                         mapping=mapping, allowed_units=allowed, source=source, isolate=source == "upload")
    rules = LockRules.of(engine)
    months = sorted({p for o in report.files for p in o.periods})
    with engine.connect() as conn:
        locked = {p for p, s in states_in(conn, months, rules, rules.local_date(now)).items() if s.locked}
    today = rules.local_date(now)
    for outcome in report.files:
        hit = sorted(set(outcome.periods) & locked)
        if outcome.status == ACCEPTED and hit:
            outcome.status = REJECTED
            outcome.problems = [Problem("period_locked", outcome.name, period=p, params={"month": f"{p[5:7]}/{p[:4]}"})
                                for p in hit] + outcome.problems
        elif outcome.status == ACCEPTED:
            outcome.problems = _lateness(outcome, rules.deadline_day, today) + outcome.problems
            if source == "upload":  # said to the person uploading, before Confirm (issue 19)
                from services.verification import upload_warnings

                outcome.problems = outcome.problems + upload_warnings(engine, outcome)
    return report


def _lateness(outcome, deadline_day: int, today: dt.date) -> list:
    """A warning per month of the file whose return is past its deadline today (said before Confirm)."""
    from loaders.problems import Problem

    out = []
    for p in outcome.periods:
        due = periods.due_date(p, deadline_day)
        if today > due:
            out.append(Problem("late_submission", outcome.name, period=p, params={
                "month": f"{p[5:7]}/{p[:4]}", "due": i18n.fmt_date(due), "today": i18n.fmt_date(today),
                "days": (today - due).days}))
    return out


def _store(engine: Engine, actor: Actor, report, *, save_mapping: dict | None, now: dt.datetime):
    """Store a checked report's accepted files (every lock re-read inside each writing transaction) and
    audit every file's outcome."""
    from loaders.ingest import ACCEPTED, store_checked

    months = sorted({p for o in report.files if o.status == ACCEPTED for p in o.periods})
    store_checked(engine, report, checks=lock_check(engine, months, now), save_mapping=save_mapping,
                  saved_by=actor.username)
    # Every file's event in one transaction (the same rows, in the same order): not a connection, a
    # transaction and, on PostgreSQL, a wait for the disk per file of a large upload.
    with engine.begin() as conn:
        _audit_outcomes(conn, actor, report, now)
    return report


def _audit_outcomes(conn, actor: Actor, report, now: dt.datetime) -> None:
    from loaders.ingest import REJECTED

    _audit_refusals(conn, actor, report.files, now, dry_run=False)
    for outcome in report.files:
        if outcome.stored or outcome.duplicate_of is not None:
            audit.record(conn, actor, "revise" if outcome.changed else "submit", outcome.name[:300], "ok", {
                "form": outcome.form, "sha256": outcome.sha256, "units": outcome.units, "periods": outcome.periods,
                "submission_id": outcome.submission_id, "duplicate_of": outcome.duplicate_of, "added": outcome.added,
                "changed": outcome.changed, "unchanged": outcome.unchanged, "warnings": len(outcome.warnings),
            }, now=now)
        elif outcome.status == REJECTED and not _refusal_reason(outcome):
            audit.record(conn, actor, "submit", outcome.name[:300], "failed", {
                "sha256": outcome.sha256, "errors": sorted({p.code for p in outcome.errors}),
            }, now=now)


def _names(outcomes) -> str:
    return ", ".join(o.name for o in outcomes)[:300]


def _content(f) -> bytes:
    return getattr(f, "content", None) if hasattr(f, "content") else f[1]


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


def _audit_refusals(bind, actor: Actor, outcomes, now: dt.datetime, dry_run: bool) -> None:
    """`bind`: the engine (a transaction per event) or a connection inside the caller's transaction."""
    for outcome in outcomes:
        reason = _refusal_reason(outcome)
        if reason is None:
            continue
        units = sorted({p.unit for p in outcome.errors if p.code == "unit_not_allowed" and p.unit}) or outcome.units
        audit.record(bind, actor, "submit", outcome.name[:300], "refused", {
            "reason": reason, "units": units, "periods": outcome.periods, "sha256": outcome.sha256, "dry_run": dry_run,
        }, now=now)
