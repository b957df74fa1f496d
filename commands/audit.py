"""audit search | export: the audit trail from the command line (read as the operator, and the export
recorded like any other)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import i18n
from commands.common import engine_for, print_json, print_table, refuse


def register(sub) -> None:
    group = sub.add_parser("audit", help="the audit trail: search, export")
    asub = group.add_subparsers(dest="audit_command", required=True, metavar="SUBCOMMAND")

    p = asub.add_parser("search", help="events, newest first")
    _filters(p)
    p.add_argument("--json", action="store_true", help="JSON list of objects with fields id, at, username, action, target, outcome, detail")
    p.set_defaults(handler=search)

    p = asub.add_parser("export", help="events as CSV or XLSX (formula-injection guarded)")
    _filters(p)
    p.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    p.add_argument("--output", required=True, help="file to write ('-' for standard output)")
    p.set_defaults(handler=export)


def _filters(p) -> None:
    p.add_argument("--username")
    p.add_argument("--action", help="e.g. sign_in, submit, revise, edit_targets, manage_flags, unlock, export, manage_users")
    p.add_argument("--outcome", choices=["ok", "refused", "failed"])
    p.add_argument("--since", metavar="YYYY-MM-DD", help="from this day (local time), inclusive")
    p.add_argument("--until", metavar="YYYY-MM-DD", help="to this day (local time), inclusive")
    p.add_argument("--text", help="words in the target or details (case and diacritics ignored)")
    p.add_argument("--limit", type=int, default=10_000)


def _filter_values(args) -> dict:
    out = {"username": args.username, "action": args.action, "outcome": args.outcome, "text": args.text, "limit": args.limit}
    for name in ("since", "until"):
        value = getattr(args, name)
        if value is not None:
            try:
                out[name] = dt.date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"--{name}: '{value}' không phải ngày dạng YYYY-MM-DD / is not a date in the form YYYY-MM-DD") from None
    return out


def _run(args, work) -> int:
    from domain.errors import ServiceError
    from services.users import cli_actor
    from storage.setup import ensure_db

    try:
        filters = _filter_values(args)
    except ValueError as exc:
        return refuse(str(exc))
    engine = engine_for(args)
    ensure_db(engine)
    try:
        return work(engine, cli_actor(), filters) or 0
    except ServiceError as exc:
        return refuse(exc.both())


def search(args) -> int:
    from services import trail

    def work(engine, actor, filters):
        frame = trail.search(engine, actor, **filters)
        rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
        for r in rows:
            r["at"] = r["at"].to_pydatetime() if hasattr(r["at"], "to_pydatetime") else r["at"]
        if args.json:
            print_json(rows)
        else:
            for r in rows:
                r["at"] = i18n.fmt_datetime(r["at"])
            print_table(rows, ["at", "username", "action", "outcome", "target", "detail"])

    return _run(args, work)


def export(args) -> int:
    from services import trail

    def work(engine, actor, filters):
        data = trail.export(engine, actor, args.format, args.lang, **filters)
        if args.output == "-":
            sys.stdout.buffer.write(data)
        else:
            Path(args.output).write_bytes(data)

    return _run(args, work)
