"""periods status | lock | unlock: the lock state of months, and an administrator's lock and unlock
(with a reason; audited as the operator `cli:<os user>`)."""

from __future__ import annotations

import i18n
from commands.common import engine_for, print_json, print_table, refuse
from domain import periods
from presentation.numbers import month_text

JSON_FIELDS = ["period", "locked", "kind", "reason", "changed_by", "changed_at", "locks_on"]


def register(sub) -> None:
    group = sub.add_parser("periods", help="month locks: status, lock, unlock")
    psub = group.add_subparsers(dest="periods_command", required=True, metavar="SUBCOMMAND")

    p = psub.add_parser("status", help="lock state of months (default: the last 12 months)")
    p.add_argument("--first", metavar="YYYY-MM")
    p.add_argument("--last", metavar="YYYY-MM")
    p.add_argument("--json", action="store_true", help=f"JSON list of objects with fields {', '.join(JSON_FIELDS)}")
    p.set_defaults(handler=status)

    for name, helptext in (("lock", "lock a month by hand"), ("unlock", "unlock a locked month for corrections")):
        p = psub.add_parser(name, help=helptext)
        p.add_argument("period", metavar="YYYY-MM")
        p.add_argument("--reason", required=True, help="why (recorded in the audit trail)")
        p.set_defaults(handler=change, operation=name)


def _check(*values) -> str | None:
    for v in values:
        if v is not None and not periods.is_period(v):
            return f"'{v}' không phải tháng dạng YYYY-MM / is not a month in the form YYYY-MM"
    return None


def status(args) -> int:
    from services.clock import local_today
    from services.lock_state import lock_states
    from storage.setup import ensure_db

    bad = _check(args.first, args.last)
    if bad:
        return refuse(bad)
    engine = engine_for(args)
    ensure_db(engine)
    today = local_today(engine)
    last = args.last or periods.of_date(today)
    first = args.first or periods.add(last, -11)
    states = lock_states(engine, periods.span(first, last), today)
    rows = [{"period": s.period, "locked": s.locked, "kind": s.kind, "reason": s.reason, "changed_by": s.changed_by,
             "changed_at": s.changed_at, "locks_on": s.locks_on} for s in states.values()]
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            r["kind"] = i18n.t(f"access.lock_kind.{r['kind']}", args.lang)
            r["changed_at"] = i18n.fmt_datetime(r["changed_at"]) if r["changed_at"] else None
            r["locks_on"] = i18n.fmt_date(r["locks_on"]) if r["locks_on"] else None
        print_table(rows, ["period", "kind", "locks_on", "changed_by", "changed_at", "reason"])
    return 0


def change(args) -> int:
    from domain.errors import ServiceError
    from services import locks
    from services.users import cli_actor
    from storage.setup import ensure_db

    engine = engine_for(args)
    ensure_db(engine)
    try:
        (locks.lock if args.operation == "lock" else locks.unlock)(engine, cli_actor(), args.period, args.reason)
    except ServiceError as exc:
        return refuse(exc.both())
    state = locks.lock_state(engine, args.period)
    print(i18n.t("access.cli.period_changed", args.lang, period=month_text(args.period, args.lang),
                 state=i18n.t(f"access.lock_kind.{state.kind}", args.lang)))
    return 0
