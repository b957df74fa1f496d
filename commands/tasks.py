"""tasks import | list | set-status | export-overdue: the register of steering documents' tasks at the
command line (services/tasks.py holds the rules). Acts as the operator `cli:<os user>` (administrator's
rights) or, with --as, as a user (their role and units apply, as on the Nhiệm vụ page).

JSON is strict (no NaN): a missing value is null. Exit status 0 on success, 1 when refused or rejected.
"""

from __future__ import annotations

import sys
from pathlib import Path

import i18n
from commands.common import engine_for, print_json, print_table, refuse

LIST_FIELDS = [
    "id", "document_number", "position", "text", "lead_unit_code", "lead_unit_name", "lead_label", "cooperating_codes",
    "cooperating_text", "deadline", "product", "indicator_code", "target_value", "from_period", "reported_status",
    "status_on", "status", "days_overdue", "figures_period", "figures_value", "figures_met", "figures_met_since",
    "figures_basis",
]


def register(sub) -> None:
    group = sub.add_parser("tasks", help="steering documents' tasks: import, list, set status, export overdue")
    tsub = group.add_subparsers(dest="tasks_command", required=True, metavar="SUBCOMMAND")

    p = tsub.add_parser("import", help="import tasks from an office's Excel list (STT, nội dung, chủ trì, phối hợp, thời hạn, sản phẩm)")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--document", type=int, default=None, metavar="ID", help="the steering document the tasks come from")
    p.add_argument("--dry-run", action="store_true", help="read and check only; store nothing")
    p.add_argument("--as", dest="as_user", default=None, metavar="USER", help="act as this user")
    p.add_argument("--json", action="store_true", help="the report as JSON: tasks read, problems located, ids stored")
    p.set_defaults(handler=import_)

    p = tsub.add_parser("list", help="list tasks (soonest deadline first)")
    p.add_argument("--unit", default=None, metavar="CODE", help="tasks this unit leads or cooperates on")
    p.add_argument("--status", default=None, metavar="S", help="not_started | in_progress | done | done_late | overdue")
    p.add_argument("--overdue", action="store_true", help="overdue tasks only (the day after the deadline, province time)")
    p.add_argument("--due", default=None, metavar="YYYY-MM", help="tasks due in this month")
    p.add_argument("--document", type=int, default=None, metavar="ID")
    p.add_argument("--as", dest="as_user", default=None, metavar="USER", help="list as this user sees it")
    p.add_argument("--json", action="store_true", help=f"JSON list of objects with fields {', '.join(LIST_FIELDS)}")
    p.set_defaults(handler=list_)

    p = tsub.add_parser("set-status", help="report a task's status with a note")
    p.add_argument("id", type=int, metavar="ID")
    p.add_argument("status", metavar="STATUS", help="not_started | in_progress | done (Vietnamese words work too)")
    p.add_argument("--note", required=True, help="what was done (recorded with the change)")
    p.add_argument("--evidence", default=None, metavar="FILE", help="a file that shows it")
    p.add_argument("--on", dest="effective_on", default=None, metavar="YYYY-MM-DD", help="the day it took effect (default today)")
    p.add_argument("--as", dest="as_user", default=None, metavar="USER", help="act as this user (their units apply)")
    p.set_defaults(handler=set_status)

    p = tsub.add_parser("export-overdue", help="write the overdue tasks to an Excel workbook (audited export)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    p.add_argument("--as", dest="as_user", default=None, metavar="USER")
    p.set_defaults(handler=export_overdue)


def _actor(engine, username):
    from services.users import actor_of, cli_actor

    if username is None:
        return cli_actor()
    who = actor_of(engine, username)
    if who is None:
        raise LookupError(username)
    return who


def _both(key: str, **params) -> str:
    return f"{i18n.t(key, 'vi', **params)} / {i18n.t(key, 'en', **params)}"


def _setup(args):
    from storage.setup import ensure_db

    engine = engine_for(args)
    ensure_db(engine)
    try:
        return engine, _actor(engine, args.as_user)
    except LookupError:
        return engine, None


def import_(args) -> int:
    from domain.errors import ServiceError
    from services import tasks

    path = Path(args.file)
    if not path.is_file():
        return refuse(_both("tasks.cli.no_file", file=args.file))
    engine, actor = _setup(args)
    if actor is None:
        return refuse(_both("tasks.cli.unknown_user", user=args.as_user))
    try:
        result = tasks.import_tasks(engine, actor, path.name, path.read_bytes(), document_id=args.document,
                                    dry_run=args.dry_run)
    except ServiceError as exc:
        return refuse(exc.both())
    read = result.tasks
    if args.json:
        print_json({
            "file": read.file, "sheet": read.sheet, "accepted": result.accepted, "dry_run": result.dry_run,
            "tasks": [{"row": r.row, "text": r.task.text, "lead_unit_code": r.task.lead_unit_code,
                       "cooperating_codes": list(r.task.cooperating_codes), "cooperating_text": r.task.cooperating_text,
                       "deadline": r.task.deadline, "product": r.task.product, "indicator_code": r.task.indicator_code,
                       "target_value": r.task.target_value, "from_period": r.task.from_period} for r in read.rows],
            "problems": [p.as_dict() for p in read.problems],
            "stored_ids": result.stored_ids,
        })
    else:
        for p in read.problems:
            print(p.text(args.lang), file=sys.stderr)
        key = ("tasks.cli.rejected" if not result.accepted else "tasks.cli.checked" if result.dry_run else "tasks.cli.imported")
        print(i18n.t(key, args.lang, file=read.file, count=len(read.rows), stored=len(result.stored_ids),
                     errors=len(read.errors)))
    return 0 if result.accepted else 1


def _rows(engine, actor, frame) -> list[dict]:
    from services import tasks
    from storage import frames

    names = dict(zip(*[frames.load_units(engine)[c] for c in ("code", "name_vi")]))
    judged = {}
    if frame["indicator_code"].notna().any():
        import metrics

        inputs = metrics.Inputs(**frames.metric_frames(engine))
        latest = frames.latest_period(engine)
        j = tasks.judge_indicators(inputs, frame, latest)
        judged = {r.task_id: r for r in j.itertuples()}
    out = []
    for r in frame.to_dict("records"):
        row = {k: r.get(k) for k in LIST_FIELDS if k in r}
        row["lead_unit_name"] = names.get(r["lead_unit_code"], r["lead_unit_code"])
        row["cooperating_codes"] = list(r["cooperating_codes"])
        j = judged.get(r["id"])
        row["figures_period"] = None if j is None else j.period
        row["figures_value"] = None if j is None else j.value
        row["figures_met"] = None if j is None or j.met is None else bool(j.met)
        row["figures_met_since"] = None if j is None else j.met_since
        row["figures_basis"] = None if j is None else j.basis
        out.append({k: row.get(k) for k in LIST_FIELDS})
    return out


def list_(args) -> int:
    from domain.errors import ServiceError
    from services import tasks

    engine, actor = _setup(args)
    if actor is None:
        return refuse(_both("tasks.cli.unknown_user", user=args.as_user))
    try:
        frame = tasks.list_tasks(engine, actor, unit=args.unit, status=args.status, overdue=args.overdue,
                                 due_in=args.due, document_id=args.document)
    except ServiceError as exc:
        return refuse(exc.both())
    rows = _rows(engine, actor, frame)
    if args.json:
        print_json(rows)
        return 0
    table = [{
        "id": r["id"], "deadline": i18n.fmt_date(r["deadline"]) if r["deadline"] else i18n.t("tasks.standing_task", args.lang),
        "status": i18n.t(f"tasks.status.{r['status']}", args.lang), "lead": r["lead_label"] or r["lead_unit_name"],
        "days_overdue": r["days_overdue"] or "", "task": (r["text"][:70] + "…") if len(r["text"]) > 70 else r["text"],
    } for r in rows]
    print_table(table, ["id", "deadline", "status", "days_overdue", "lead", "task"])
    return 0


def set_status(args) -> int:
    import datetime as dt

    from domain.errors import ServiceError
    from services import tasks

    engine, actor = _setup(args)
    if actor is None:
        return refuse(_both("tasks.cli.unknown_user", user=args.as_user))
    evidence = None
    if args.evidence:
        path = Path(args.evidence)
        if not path.is_file():
            return refuse(_both("tasks.cli.no_file", file=args.evidence))
        evidence = tasks.Upload(path.name, path.read_bytes())
    try:
        on = dt.date.fromisoformat(args.effective_on) if args.effective_on else None
    except ValueError:
        return refuse(_both("tasks.invalid.bad_date", value=args.effective_on))
    try:
        tasks.set_status(engine, actor, args.id, args.status, args.note, evidence=evidence, effective_on=on)
    except ServiceError as exc:
        return refuse(exc.both())
    row = tasks.list_tasks(engine, actor)
    row = row[row["id"] == args.id]
    shown = row.iloc[0]["status"] if len(row) else tasks.status_code(args.status)
    print(i18n.t("tasks.cli.status_set", args.lang, id=args.id, status=i18n.t(f"tasks.status.{shown}", args.lang)))
    return 0


def export_overdue(args) -> int:
    from domain.errors import ServiceError
    from services import tasks

    engine, actor = _setup(args)
    if actor is None:
        return refuse(_both("tasks.cli.unknown_user", user=args.as_user))
    try:
        data, count = tasks.overdue_workbook(engine, actor, args.lang)
    except ServiceError as exc:
        return refuse(exc.both())
    Path(args.output).write_bytes(data)
    print(i18n.t("tasks.cli.exported", args.lang, file=args.output, count=count))
    return 0
