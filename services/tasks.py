"""Steering documents, the tasks they assign and the pilot models: "rõ người, rõ việc, rõ thời gian, rõ sản
phẩm" (DOMAIN.md §8). The rules live here; pages, the CLI and the report only call these functions.

Rights (services/permissions.toml): `manage_tasks` registers documents, creates and assigns tasks and pilot
models, imports task lists (the standing agency, administrators); `update_tasks` reports a status with a
note and evidence ("own": a submitter only for tasks their unit leads); reading is `view` (a submitter sees
the tasks their units lead or cooperate on). Every change is audited and bumps the data version.

Statuses. A unit reports `not_started`, `in_progress` or `done`, each change with the day it took effect
(province time), kept as history. What is shown adds two that are computed, never typed:
`done_late` (done after the deadline) and `overdue` (not done and the deadline has passed: from the day
after the deadline, in the province's time zone). A change takes effect on a day of some month; a locked
month's statuses are not rewritten (`update_tasks` respects period locks), so a change can only be dated in
an open month, and what a locked month's report said stays what the history says as of that month.

Status from the figures: a task tied to an indicator and a target (e.g. `hospital_noncash_rate` ≥ 60 % from
05/2024) is judged each month by the metric engine for its lead unit; `met_since` is the first month of the
run of months met that reaches the latest month with figures. It stands beside the reported status.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from domain import periods
from domain.errors import Invalid
from domain.tasks import TaskIn
from domain.text import fold
from services import audit
from services.clock import local_today, setting, utcnow
from services.guard import authorize
from services.permissions import Actor
from services.visibility import view_scope
from storage import models
from storage.db import session_factory
from storage.version import bump_data_version

KINDS = ("directive", "plan", "official_letter", "conclusion_notice")
REPORTED = ("not_started", "in_progress", "done")
STATUSES = ("not_started", "in_progress", "done", "done_late", "overdue")  # as shown
OPEN = ("not_started", "in_progress", "overdue")
MODEL_STATUSES = ("piloting", "completed", "scaled")
MAX_TEXT = 4000
MAX_NOTE = 4000

TASK_COLUMNS = [
    "id", "document_id", "document_number", "document_kind", "position", "text", "lead_unit_code", "lead_label",
    "cooperating_codes", "cooperating_text", "deadline", "product", "indicator_code", "target_value", "from_period",
    "reported_status", "status_on", "status", "days_overdue", "created_by", "created_at",
]
HISTORY_COLUMNS = ["id", "task_id", "status", "effective_on", "note", "evidence_file_id", "evidence_filename",
                   "changed_by", "changed_at"]
MODEL_COLUMNS = ["id", "name", "lead_unit_code", "deployed_codes", "document_id", "status", "status_on", "created_by",
                 "created_at"]
JUDGEMENT_COLUMNS = ["task_id", "indicator_code", "target_value", "period", "value", "met", "met_since", "months_met",
                     "basis"]

# What people type for a status (CLI, import): codes, Vietnamese, English, without diacritics or case.
_STATUS_WORDS = {
    "not_started": ("not_started", "chua thuc hien", "chua trien khai", "not started", "todo"),
    "in_progress": ("in_progress", "dang thuc hien", "dang trien khai", "in progress", "doing"),
    "done": ("done", "hoan thanh", "da hoan thanh", "completed", "complete"),
    "done_late": ("done_late", "hoan thanh qua han", "done late"),
    "overdue": ("overdue", "qua han", "cham tien do"),
}
_MODEL_WORDS = {
    "piloting": ("piloting", "dang thi diem", "thi diem", "pilot"),
    "completed": ("completed", "da hoan thanh", "hoan thanh", "done"),
    "scaled": ("scaled", "nhan rong", "da nhan rong", "scaled up"),
}
_KIND_WORDS = {
    "directive": ("directive", "chi thi"),
    "plan": ("plan", "ke hoach"),
    "official_letter": ("official_letter", "cong van", "official letter"),
    "conclusion_notice": ("conclusion_notice", "thong bao ket luan", "thong bao", "conclusion notice"),
}


def _word(text: str | None, words: dict[str, tuple[str, ...]]) -> str | None:
    key = fold(str(text or "")).replace("_", " ")
    for code, options in words.items():
        if key in {fold(o).replace("_", " ") for o in options}:
            return code
    return None


def status_code(text: str | None) -> str | None:
    """The status code a text names (code, Vietnamese or English, any case, with or without diacritics)."""
    return _word(text, _STATUS_WORDS)


def model_status_code(text: str | None) -> str | None:
    return _word(text, _MODEL_WORDS)


def kind_code(text: str | None) -> str | None:
    return _word(text, _KIND_WORDS)


def shown_status(reported: str, status_on: dt.date | None, deadline: dt.date | None, today: dt.date) -> str:
    """What a task's status reads on `today`: `done_late` when done after its deadline, `overdue` when not
    done and `today` is after the deadline (the deadline day itself is still on time)."""
    if reported == "done":
        return "done_late" if deadline is not None and status_on is not None and status_on > deadline else "done"
    if deadline is not None and today > deadline:
        return "overdue"
    return reported


def _codes(text: str | None) -> list[str]:
    return [c for c in (text or "").split(",") if c]


# --- writing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file handed to the register (a document's text, a status change's evidence)."""

    filename: str
    content: bytes


def _text(value, key: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    out = " ".join(str(value or "").split()) if key != "note" else str(value or "").strip()
    if required and not out:
        raise Invalid(f"tasks.invalid.{key}_required")
    if len(out) > limit:
        raise Invalid("tasks.invalid.too_long", max=limit)
    return out


def _store_file(session, engine: Engine, upload: Upload | None, actor: Actor, now: dt.datetime) -> int | None:
    if upload is None:
        return None
    content = bytes(upload.content or b"")
    limit = int(setting(engine, "max_upload_mb")) * 1024 * 1024
    if not content:
        raise Invalid("tasks.invalid.empty_file", file=str(upload.filename)[:100])
    if len(content) > limit:
        raise Invalid("tasks.invalid.file_too_large", file=str(upload.filename)[:100], max_mb=limit // 1048576)
    name = (str(upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip() or "evidence")[:300]
    row = models.AttachedFile(filename=name, sha256=hashlib.sha256(content).hexdigest(), size=len(content),
                              content=content, uploaded_by=actor.username, uploaded_at=now)
    session.add(row)
    session.flush()
    return row.id


def _unit(session, code: str | None) -> str:
    code = str(code or "").strip()
    if not code or session.get(models.Unit, code) is None:
        raise Invalid("tasks.invalid.unknown_unit", unit=code[:40] or "–")
    return code


def _date(value, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise Invalid(f"tasks.invalid.{key}", value=str(value)[:30]) from None


def add_document(engine: Engine, actor: Actor | None, number: str, issued_on: dt.date, issuer: str, kind: str,
                 title: str, *, file: Upload | None = None, now: dt.datetime | None = None) -> int:
    """Register a steering document; returns its id. The same number and date twice is refused."""
    authorize(engine, actor, "manage_tasks", target=f"document/{number}"[:300], now=now)
    now = utcnow(now)
    number = _text(number, "number", limit=100)
    issued_on = _date(issued_on, "bad_date")
    issuer = _text(issuer, "issuer", limit=300)
    title = _text(title, "title")
    kind_ = kind if kind in KINDS else kind_code(kind)
    if kind_ is None:
        raise Invalid("tasks.invalid.kind", kind=str(kind)[:40], kinds=list(KINDS))
    with session_factory(engine).begin() as session:
        d = models.SteeringDocument
        if session.execute(select(d.id).where(d.number == number, d.issued_on == issued_on)).first() is not None:
            raise Invalid("tasks.invalid.duplicate_document", number=number, date=issued_on.strftime("%d/%m/%Y"))
        file_id = _store_file(session, engine, file, actor, now)
        row = d(number=number, issued_on=issued_on, issuer=issuer, kind=kind_, title=title, file_id=file_id,
                created_by=actor.username, created_at=now)
        session.add(row)
        session.flush()
        bump_data_version(session, values=False)
        audit.record(session, actor, "manage_tasks", f"document/{row.id}", "ok", {
            "op": "add_document", "id": row.id, "number": number, "issued_on": issued_on.isoformat(), "kind": kind_,
            "file": None if file is None else file.filename}, now=now)
        return row.id


def _checked_task(session, task: TaskIn) -> dict:
    text = _text(task.text, "text")
    lead = _unit(session, task.lead_unit_code)
    cooperating = [_unit(session, c) for c in dict.fromkeys(task.cooperating_codes) if c and c != lead]
    if task.document_id is not None and session.get(models.SteeringDocument, int(task.document_id)) is None:
        raise Invalid("tasks.invalid.unknown_document", id=str(task.document_id))
    indicator, target, first = task.indicator_code or None, task.target_value, task.from_period or None
    if indicator is not None:
        if session.get(models.Indicator, indicator) is None:
            raise Invalid("tasks.invalid.unknown_indicator", indicator=str(indicator)[:40])
        try:
            target = float(target)
        except (TypeError, ValueError):
            raise Invalid("tasks.invalid.target", value=str(target)[:30]) from None
        if not math.isfinite(target) or not 0.0 <= target <= 1.0:
            raise Invalid("tasks.invalid.target", value=str(target)[:30])
        if first is not None and not periods.is_period(first):
            raise Invalid("tasks.invalid.from_period", value=str(first)[:20])
    else:
        target, first = None, None
    deadline = None if task.deadline is None else _date(task.deadline, "bad_date")
    return {
        "document_id": task.document_id, "position": _text(task.position, "position", required=False, limit=20),
        "text": text, "lead_unit_code": lead, "lead_label": _text(task.lead_label, "lead_label", required=False, limit=300),
        "cooperating_codes": ",".join(cooperating),
        "cooperating_text": _text(task.cooperating_text, "cooperating", required=False),
        "deadline": deadline, "product": _text(task.product, "product", required=False),
        "indicator_code": indicator, "target_value": target, "from_period": first,
    }


def _insert_task(session, actor: Actor, fields: dict, now: dt.datetime, today: dt.date) -> int:
    # A task exists from the day its document assigned it (registered later, it is still that month's task).
    since = today
    if fields["document_id"] is not None:
        since = min(today, session.get(models.SteeringDocument, int(fields["document_id"])).issued_on)
    row = models.Task(**fields, status="not_started", status_on=since, created_by=actor.username, created_at=now)
    session.add(row)
    session.flush()
    session.add(models.TaskStatusChange(task_id=row.id, status="not_started", effective_on=since, note="",
                                        changed_by=actor.username, changed_at=now))
    return row.id


def add_task(engine: Engine, actor: Actor | None, task: TaskIn, *, now: dt.datetime | None = None) -> int:
    """Create and assign a task (status `not_started` from today); returns its id."""
    authorize(engine, actor, "manage_tasks", target=f"task/{task.lead_unit_code}"[:300], now=now)
    today = local_today(engine, now)
    now = utcnow(now)
    with session_factory(engine).begin() as session:
        fields = _checked_task(session, task)
        task_id = _insert_task(session, actor, fields, now, today)
        bump_data_version(session, values=False)
        audit.record(session, actor, "manage_tasks", f"task/{task_id}", "ok", {
            "op": "add_task", "id": task_id, **{k: v for k, v in fields.items() if k != "text"},
            "text": fields["text"][:200]}, now=now)
        return task_id


def add_tasks(engine: Engine, actor: Actor | None, tasks: Iterable[TaskIn], *, source: str = "",
              now: dt.datetime | None = None) -> list[int]:
    """Create several tasks in one transaction (an imported list): all or none. Returns their ids."""
    tasks = list(tasks)
    authorize(engine, actor, "manage_tasks", target=f"tasks/{source}"[:300], now=now)
    today = local_today(engine, now)
    now = utcnow(now)
    with session_factory(engine).begin() as session:
        ids = [_insert_task(session, actor, _checked_task(session, t), now, today) for t in tasks]
        bump_data_version(session, values=False)
        audit.record(session, actor, "manage_tasks", f"tasks/{source}"[:300], "ok",
                     {"op": "import_tasks", "source": source, "ids": ids, "count": len(ids)}, now=now)
        return ids


def _effective(engine: Engine, effective_on, now: dt.datetime | None) -> dt.date:
    today = local_today(engine, now)
    day = today if effective_on is None else _date(effective_on, "bad_date")
    if day > today:
        raise Invalid("tasks.invalid.future_date", date=day.strftime("%d/%m/%Y"))
    return day


def _latest_change(session, change, parent_column, parent_id: int) -> tuple[str, dt.date]:
    """(status, effective_on) of the latest change in effect (latest effective day, then latest recorded):
    a change dated in the past does not override a later one."""
    latest = session.execute(
        select(change).where(parent_column == parent_id).order_by(change.effective_on.desc(), change.id.desc()).limit(1)
    ).scalar_one()
    return latest.status, latest.effective_on


def set_status(engine: Engine, actor: Actor | None, task_id: int, status: str, note: str, *,
               evidence: Upload | None = None, effective_on: dt.date | None = None,
               now: dt.datetime | None = None) -> None:
    """Report a task's status (`not_started`, `in_progress`, `done`) with a note and optionally evidence,
    taking effect on `effective_on` (default today, province time; never in the future). Only the lead
    unit's submitter, the standing agency and administrators; refused for a day of a locked month."""
    with engine.connect() as conn:
        row = conn.execute(select(models.Task.lead_unit_code).where(models.Task.id == int(task_id))).first()
    if row is None:
        raise Invalid("tasks.invalid.unknown_task", id=str(task_id)[:20])
    code = status if status in STATUSES else status_code(status)
    if code in ("done_late", "overdue"):
        raise Invalid("tasks.invalid.computed_status", status=str(status)[:30])
    if code not in REPORTED:
        raise Invalid("tasks.invalid.status", status=str(status)[:30], statuses=list(REPORTED))
    day = _effective(engine, effective_on, now)
    authorize(engine, actor, "update_tasks", unit_codes=[row.lead_unit_code], period=periods.of_date(day),
              target=f"task/{task_id}", now=now)
    note = _text(note, "note", limit=MAX_NOTE)
    now = utcnow(now)
    with session_factory(engine).begin() as session:
        task = session.get(models.Task, int(task_id), with_for_update=True)
        before = {"status": task.status, "status_on": task.status_on.isoformat() if task.status_on else None}
        file_id = _store_file(session, engine, evidence, actor, now)
        session.add(models.TaskStatusChange(task_id=task.id, status=code, effective_on=day, note=note,
                                            evidence_file_id=file_id, changed_by=actor.username, changed_at=now))
        session.flush()
        task.status, task.status_on = _latest_change(session, models.TaskStatusChange, models.TaskStatusChange.task_id, task.id)
        bump_data_version(session, values=False)
        audit.record(session, actor, "update_tasks", f"task/{task.id}", "ok", {
            "op": "set_status", "id": task.id, "unit": task.lead_unit_code, "status": code,
            "effective_on": day.isoformat(), "note": note[:500], "before": before,
            "evidence": None if evidence is None else evidence.filename}, now=now)


def add_pilot_model(engine: Engine, actor: Actor | None, name: str, lead_unit_code: str,
                    deployed_codes: Iterable[str] = (), *, status: str = "piloting", document_id: int | None = None,
                    now: dt.datetime | None = None) -> int:
    """Register a pilot model (mô hình điểm) with its lead unit and the units where it is deployed."""
    authorize(engine, actor, "manage_tasks", target=f"model/{name}"[:300], now=now)
    today = local_today(engine, now)
    now = utcnow(now)
    name = _text(name, "name", limit=300)
    code = status if status in MODEL_STATUSES else model_status_code(status)
    if code is None:
        raise Invalid("tasks.invalid.model_status", status=str(status)[:30], statuses=list(MODEL_STATUSES))
    with session_factory(engine).begin() as session:
        lead = _unit(session, lead_unit_code)
        deployed = [_unit(session, c) for c in dict.fromkeys(deployed_codes) if c]
        if session.execute(select(models.PilotModel.id).where(models.PilotModel.name == name)).first() is not None:
            raise Invalid("tasks.invalid.duplicate_model", name=name[:100])
        row = models.PilotModel(name=name, lead_unit_code=lead, deployed_codes=",".join(deployed), document_id=document_id,
                                status=code, status_on=today, created_by=actor.username, created_at=now)
        session.add(row)
        session.flush()
        session.add(models.PilotModelChange(model_id=row.id, status=code, effective_on=today, note="",
                                            changed_by=actor.username, changed_at=now))
        bump_data_version(session, values=False)
        audit.record(session, actor, "manage_tasks", f"model/{row.id}", "ok", {
            "op": "add_model", "id": row.id, "name": name, "lead": lead, "deployed": deployed, "status": code}, now=now)
        return row.id


def set_model_status(engine: Engine, actor: Actor | None, model_id: int, status: str, note: str, *,
                     evidence: Upload | None = None, effective_on: dt.date | None = None,
                     now: dt.datetime | None = None) -> None:
    """A pilot model's status change (piloting, completed, scaled), with the same rules as a task's."""
    with engine.connect() as conn:
        row = conn.execute(select(models.PilotModel.lead_unit_code).where(models.PilotModel.id == int(model_id))).first()
    if row is None:
        raise Invalid("tasks.invalid.unknown_model", id=str(model_id)[:20])
    code = status if status in MODEL_STATUSES else model_status_code(status)
    if code is None:
        raise Invalid("tasks.invalid.model_status", status=str(status)[:30], statuses=list(MODEL_STATUSES))
    day = _effective(engine, effective_on, now)
    authorize(engine, actor, "update_tasks", unit_codes=[row.lead_unit_code], period=periods.of_date(day),
              target=f"model/{model_id}", now=now)
    note = _text(note, "note", limit=MAX_NOTE)
    now = utcnow(now)
    with session_factory(engine).begin() as session:
        model = session.get(models.PilotModel, int(model_id), with_for_update=True)
        before = model.status
        file_id = _store_file(session, engine, evidence, actor, now)
        session.add(models.PilotModelChange(model_id=model.id, status=code, effective_on=day, note=note,
                                            evidence_file_id=file_id, changed_by=actor.username, changed_at=now))
        session.flush()
        model.status, model.status_on = _latest_change(session, models.PilotModelChange, models.PilotModelChange.model_id, model.id)
        bump_data_version(session, values=False)
        audit.record(session, actor, "update_tasks", f"model/{model.id}", "ok", {
            "op": "set_model_status", "id": model.id, "status": code, "before": before, "effective_on": day.isoformat(),
            "note": note[:500], "evidence": None if evidence is None else evidence.filename}, now=now)


# --- reading ----------------------------------------------------------------------------------------


def documents(engine: Engine, actor: Actor | None, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every steering document, newest first: id, number, issued_on, issuer, kind, title, file_id, filename."""
    view_scope(engine, actor, now=now)
    d, f = models.SteeringDocument, models.AttachedFile
    stmt = (select(d.id, d.number, d.issued_on, d.issuer, d.kind, d.title, d.file_id, f.filename)
            .outerjoin(f, f.id == d.file_id).order_by(d.issued_on.desc(), d.id.desc()))
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).all(),
                            columns=["id", "number", "issued_on", "issuer", "kind", "title", "file_id", "filename"])


def _all_tasks(engine: Engine) -> pd.DataFrame:
    t, d = models.Task, models.SteeringDocument
    stmt = (select(t.id, t.document_id, d.number, d.kind, t.position, t.text, t.lead_unit_code, t.lead_label,
                   t.cooperating_codes, t.cooperating_text, t.deadline, t.product, t.indicator_code, t.target_value,
                   t.from_period, t.status, t.status_on, t.created_by, t.created_at)
            .outerjoin(d, d.id == t.document_id).order_by(t.deadline.is_(None), t.deadline, t.id))
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    cols = ["id", "document_id", "document_number", "document_kind", "position", "text", "lead_unit_code", "lead_label",
            "cooperating_codes", "cooperating_text", "deadline", "product", "indicator_code", "target_value",
            "from_period", "reported_status", "status_on", "created_by", "created_at"]
    return _nones(pd.DataFrame(rows, columns=cols))


def _nones(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values as None (pandas reads a text column's NULL as NaN, which is truthy and not JSON)."""
    frame = frame.astype(object)
    return frame.where(frame.notna(), None)


def _as_of(engine: Engine, frame: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """Replace the reported status by the one in force on `day` (the history up to that day)."""
    h = models.TaskStatusChange
    stmt = (select(h.task_id, h.status, h.effective_on).where(h.effective_on <= day)
            .order_by(h.task_id, h.effective_on, h.id))
    with engine.connect() as conn:
        rows = pd.DataFrame(conn.execute(stmt).all(), columns=["task_id", "status", "effective_on"])
    latest = rows.drop_duplicates("task_id", keep="last").set_index("task_id")
    known = frame["id"].isin(latest.index)
    frame = frame[known].copy()  # a task created after `day` did not exist yet
    frame["reported_status"] = frame["id"].map(latest["status"])
    frame["status_on"] = frame["id"].map(latest["effective_on"])
    return frame


def _rows(mask: list[bool]) -> np.ndarray:
    """A row mask (an empty Python list would select no columns instead of no rows)."""
    return np.asarray(mask, dtype=bool)


def list_tasks(engine: Engine, actor: Actor | None, *, today: dt.date | None = None, as_of: dt.date | None = None,
               document_id: int | None = None, unit: str | None = None, status: str | None = None,
               due_in: str | None = None, overdue: bool = False, now: dt.datetime | None = None) -> pd.DataFrame:
    """The tasks the actor may see (TASK_COLUMNS), soonest deadline first. `today` (default: the province's
    today) decides what is overdue; `as_of` reads the statuses in force on that day instead of the latest
    (a month's report). Filters: `document_id`; `unit` (leading or cooperating); `status` (as shown);
    `due_in` ("YYYY-MM": deadline in that month); `overdue` (status `overdue`)."""
    scope = view_scope(engine, actor, now=now)
    today = as_of or today or local_today(engine, now)
    frame = _all_tasks(engine)
    if as_of is not None:
        frame = _as_of(engine, frame, as_of)
    frame["cooperating_codes"] = frame["cooperating_codes"].map(_codes)
    if not scope.everything:
        frame = frame[_rows([scope.allows(lead) or any(scope.allows(c) for c in coop)
                             for lead, coop in zip(frame["lead_unit_code"], frame["cooperating_codes"])])]
    frame["status"] = [shown_status(r, s, d, today) for r, s, d in
                       zip(frame["reported_status"], frame["status_on"], frame["deadline"])]
    frame["days_overdue"] = [(today - d).days if s == "overdue" else 0 for s, d in zip(frame["status"], frame["deadline"])]
    if document_id is not None:
        frame = frame[frame["document_id"] == int(document_id)]
    if unit:
        frame = frame[_rows([lead == unit or unit in coop for lead, coop in zip(frame["lead_unit_code"], frame["cooperating_codes"])])]
    if status:
        wanted = status if status in STATUSES else status_code(status)
        if wanted is None:
            raise Invalid("tasks.invalid.status", status=str(status)[:30], statuses=list(STATUSES))
        frame = frame[frame["status"] == wanted]
    if due_in:
        if not periods.is_period(due_in):
            raise Invalid("tasks.invalid.from_period", value=str(due_in)[:20])
        first, last = periods.first_day(due_in), periods.last_day(due_in)
        frame = frame[_rows([d is not None and first <= d <= last for d in frame["deadline"]])]
    if overdue:
        frame = frame[frame["status"] == "overdue"]
    return _nones(frame[TASK_COLUMNS].reset_index(drop=True))


def task_history(engine: Engine, actor: Actor | None, task_id: int, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every status change of one task, oldest first (HISTORY_COLUMNS)."""
    with engine.connect() as conn:
        lead = conn.execute(select(models.Task.lead_unit_code).where(models.Task.id == int(task_id))).scalar()
    if lead is None:
        raise Invalid("tasks.invalid.unknown_task", id=str(task_id)[:20])
    scope = view_scope(engine, actor, now=now)
    h, f = models.TaskStatusChange, models.AttachedFile
    stmt = (select(h.id, h.task_id, h.status, h.effective_on, h.note, h.evidence_file_id, f.filename, h.changed_by,
                   h.changed_at).outerjoin(f, f.id == h.evidence_file_id).where(h.task_id == int(task_id))
            .order_by(h.effective_on, h.id))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(stmt).all(), columns=HISTORY_COLUMNS)
    if not scope.everything:
        visible = list_tasks(engine, actor, now=now)
        if int(task_id) not in set(visible["id"]):
            view_scope(engine, actor, unit_codes=[lead], now=now)  # refused and audited
    return frame


def attached_file(engine: Engine, actor: Actor | None, file_id: int, *, now: dt.datetime | None = None) -> Upload:
    """An attached file (a document's text, a change's evidence) for download. Reading it is `view` (the
    register is read by every role); each download is recorded in the audit trail."""
    view_scope(engine, actor, now=now)
    with engine.connect() as conn:
        row = conn.execute(select(models.AttachedFile.filename, models.AttachedFile.content)
                           .where(models.AttachedFile.id == int(file_id))).first()
    if row is None:
        raise Invalid("tasks.invalid.unknown_file", id=str(file_id)[:20])
    audit.record(engine, actor, "download_file", f"file/{int(file_id)}", "ok", {"file": row.filename}, now=now)
    return Upload(row.filename, bytes(row.content))


def pilot_models(engine: Engine, actor: Actor | None, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every pilot model (MODEL_COLUMNS; `deployed_codes` as a list)."""
    view_scope(engine, actor, now=now)
    m = models.PilotModel
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(select(*[getattr(m, c) for c in MODEL_COLUMNS]).order_by(m.id)).all(),
                             columns=MODEL_COLUMNS)
    frame["deployed_codes"] = frame["deployed_codes"].map(_codes)
    return frame


def model_counts(frame: pd.DataFrame) -> dict[str, int]:
    return {s: int((frame["status"] == s).sum()) for s in MODEL_STATUSES}


def status_counts(frame: pd.DataFrame) -> dict[str, int]:
    return {s: int((frame["status"] == s).sum()) for s in STATUSES}


def accountability(frame: pd.DataFrame, unit_code: str) -> dict[str, int]:
    """What a unit leads, counted by status (a list_tasks frame): the head's accountability line."""
    own = frame[frame["lead_unit_code"] == unit_code]
    counts = status_counts(own)
    return {"total": len(own), "open": int(own["status"].isin(OPEN).sum()), **counts}


# --- status from the figures ---------------------------------------------------------------------------

_LEVEL_OF = {"province": "province", "district": "district", "commune": "commune", "department": "department"}


def judge_indicators(inputs, tasks: pd.DataFrame, last_period: str | None) -> pd.DataFrame:
    """For every task tied to an indicator and a target: its lead unit's value in `last_period` (or the
    latest month with figures before it), whether it meets the target, and since when without a break
    (JUDGEMENT_COLUMNS). `inputs`: metrics.Inputs; months judged from the task's `from_period`. A lead unit
    that does not report the indicator itself (the Department of Labour leads the social-security rate the
    localities report) answers for the province's figure: `basis` says which ("unit" or "province")."""
    import metrics

    tied = tasks[tasks["indicator_code"].notna() & tasks["target_value"].notna()]
    if tied.empty or not last_period:
        return pd.DataFrame([], columns=JUDGEMENT_COLUMNS)
    units = inputs.units.set_index("code")
    province = getattr(inputs, "province_code", None)
    wanted: dict[str, set[str]] = {}
    spans: dict[int, list[str]] = {}
    for r in tied.itertuples():
        if r.lead_unit_code not in units.index:
            continue
        level = _LEVEL_OF.get(units.at[r.lead_unit_code, "level"])
        first = r.from_period or periods.make(periods.year(last_period), 1)
        if level is None or first > last_period:
            continue
        spans[r.id] = periods.span(first, last_period)
        for lv in {level, "province"}:
            wanted.setdefault(lv, set()).update(spans[r.id])
    tables = {}
    for level, months in wanted.items():
        table = metrics.indicator_table(inputs, sorted(months), level=level)
        tables[level] = table.loc[table["value"].notna(), ["period", "unit_code", "indicator_code", "value"]]

    def series(level: str, unit: str, r) -> pd.DataFrame:
        table = tables[level]
        return table[(table["unit_code"] == unit) & (table["indicator_code"] == r.indicator_code)
                     & table["period"].isin(spans[r.id])].sort_values("period")

    out = []
    for r in tied.itertuples():
        if r.id not in spans:
            continue
        basis, rows = "unit", series(_LEVEL_OF[units.at[r.lead_unit_code, "level"]], r.lead_unit_code, r)
        if rows.empty and province is not None and r.lead_unit_code != province:
            basis, rows = "province", series("province", province, r)
        if rows.empty:
            out.append([r.id, r.indicator_code, float(r.target_value), None, None, None, None, 0, None])
            continue
        met = (rows["value"].astype(float) >= float(r.target_value) - 1e-12).tolist()
        since, run = None, 0
        for p, ok in zip(rows["period"], met):
            if ok:
                since = since or p
                run += 1
            else:
                since, run = None, 0
        last = rows.iloc[-1]
        out.append([r.id, r.indicator_code, float(r.target_value), last["period"], float(last["value"]), bool(met[-1]),
                    since, run, basis])
    frame = pd.DataFrame(out, columns=JUDGEMENT_COLUMNS).astype(object)
    return frame.where(frame.notna(), None)


# --- the month in review (report section) -----------------------------------------------------------


@dataclass(frozen=True)
class MonthTasks:
    """A month's tasks for the report: those completed in the month and those overdue at its end."""

    period: str
    completed: pd.DataFrame  # TASK_COLUMNS, status done or done_late, completed in the month
    overdue: pd.DataFrame  # TASK_COLUMNS, overdue on the month's last day
    total: int
    models: dict[str, int]


def month_review(engine: Engine, actor: Actor | None, period: str, *, now: dt.datetime | None = None) -> MonthTasks:
    """Tasks as they stood at the end of `period` (the statuses in force on its last day): completed in the
    month, overdue then. A later change dated in an open month does not alter a past month's review."""
    end = periods.last_day(period)
    start = periods.first_day(period)
    frame = list_tasks(engine, actor, as_of=end, now=now)
    done = frame[frame["status"].isin(("done", "done_late"))
                 & frame["status_on"].map(lambda d: d is not None and start <= d <= end)]
    late = frame[frame["status"] == "overdue"].sort_values(["deadline", "id"])
    return MonthTasks(period, done.reset_index(drop=True), late.reset_index(drop=True), len(frame),
                      model_counts(pilot_models(engine, actor, now=now)))


# --- export ---------------------------------------------------------------------------------------------


def overdue_workbook(engine: Engine, actor: Actor | None, lang: str = "vi", *, today: dt.date | None = None,
                     now: dt.datetime | None = None) -> tuple[bytes, int]:
    """The overdue tasks as an Excel workbook (an audited export; every text cell guarded against formula
    injection). Returns the bytes and the number of tasks."""
    import i18n
    from reports import tables
    from services.exports import record_export
    from storage import frames

    frame = list_tasks(engine, actor, today=today, overdue=True, now=now)
    names = dict(zip(*[frames.load_units(engine)[c] for c in ("code", "name_vi" if lang == "vi" else "name_en")]))
    record_export(engine, actor, "overdue_tasks", fmt="xlsx", rows=len(frame), now=now)
    t = lambda key: i18n.t(f"tasks.col.{key}", lang)
    out = pd.DataFrame({
        t("id"): frame["id"].astype(int),
        t("document"): frame["document_number"].fillna(""),
        t("text"): frame["text"],
        t("lead"): [label or names.get(c, c) for c, label in zip(frame["lead_unit_code"], frame["lead_label"])],
        t("cooperating"): [", ".join([names.get(c, c) for c in coop] + ([txt] if txt else []))
                           for coop, txt in zip(frame["cooperating_codes"], frame["cooperating_text"])],
        t("deadline"): [i18n.fmt_date(d, lang) for d in frame["deadline"]],
        t("days_overdue"): frame["days_overdue"].astype(int),
        t("product"): frame["product"],
        t("status"): [i18n.t(f"tasks.status.{s}", lang) for s in frame["reported_status"]],
    })
    title = i18n.t("tasks.export.title", lang, date=i18n.fmt_date(today or local_today(engine, now), lang))
    data = tables.to_xlsx(out, i18n.t("tasks.export.sheet", lang)[:31], integer_columns=[t("id"), t("days_overdue")],
                          title=title)
    return data, len(frame)


# --- import ---------------------------------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import read (loaders.task_list.TaskList: rows and located problems) and what it stored."""

    tasks: object  # loaders.task_list.TaskList
    stored_ids: list[int]
    dry_run: bool

    @property
    def accepted(self) -> bool:
        return not self.tasks.errors


def import_tasks(engine: Engine, actor: Actor | None, filename: str, content: bytes, *, document_id: int | None = None,
                 dry_run: bool = False, now: dt.datetime | None = None) -> ImportResult:
    """Read an office's task list (STT, nội dung, đơn vị chủ trì, phối hợp, thời hạn, sản phẩm) and store
    its tasks in one transaction, or nothing when any row has an error (every problem located: sheet,
    row, column). `dry_run`: read and check only."""
    from loaders.readers import Limits
    from loaders.task_list import read_task_list
    from storage import frames

    authorize(engine, actor, "manage_tasks", target=f"import/{filename}"[:300], now=now)
    if document_id is not None:
        with engine.connect() as conn:
            if conn.execute(select(models.SteeringDocument.id).where(models.SteeringDocument.id == int(document_id))).first() is None:
                raise Invalid("tasks.invalid.unknown_document", id=str(document_id))
    read = read_task_list(filename, content, frames.load_units(engine), frames.load_registry(engine),
                          document_id=document_id, limits=Limits.from_settings(frames.settings(engine)))
    if read.errors or dry_run:
        return ImportResult(read, [], dry_run)
    ids = add_tasks(engine, actor, [r.task for r in read.rows], source=filename, now=now)
    return ImportResult(read, ids, dry_run)
