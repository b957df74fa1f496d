"""users add | list | set-role | set-units | deactivate | activate | reset-password | clear-lockout | demo.

The CLI is the operator's console and acts as the administrator `cli:<os user>` (whoever can run it
holds the database's credentials anyway); every change is audited under that name. A password is never
an argument (it would stay in the shell history and the process list): it is typed at a prompt, twice,
or piped in with --password-stdin.
"""

from __future__ import annotations

import getpass
import sys

import i18n
from commands.common import engine_for, print_json, print_table, refuse
from services.permissions import roles

LIST_FIELDS = ["username", "display_name", "role", "units", "active", "is_demo", "failed_logins", "locked_until",
               "created_at", "last_login_at", "password_changed_at", "sso"]


def register(sub) -> None:
    users = sub.add_parser("users", help="user accounts: add, list, roles, units, passwords, demo accounts")
    usub = users.add_subparsers(dest="users_command", required=True, metavar="SUBCOMMAND")

    p = usub.add_parser("add", help="add a user (the first administrator too); the password is prompted for")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=list(roles()))
    p.add_argument("--unit", action="append", default=[], metavar="CODE", help="a unit a submitter reports for (repeat)")
    p.add_argument("--display-name", default="")
    _password_source(p, allow_none=True)
    p.set_defaults(handler=add)

    p = usub.add_parser("list", help="list users with role, units and sign-in state")
    p.add_argument("--json", action="store_true", help=f"JSON list of objects with fields {', '.join(LIST_FIELDS)}")
    p.set_defaults(handler=list_users)

    p = usub.add_parser("set-role", help="change a user's role (ends their sessions)")
    p.add_argument("--username", required=True)
    p.add_argument("--role", required=True, choices=list(roles()))
    p.add_argument("--unit", action="append", default=[], metavar="CODE", help="units, when the new role is submitter")
    p.set_defaults(handler=set_role)

    p = usub.add_parser("set-units", help="replace the units a submitter reports for")
    p.add_argument("--username", required=True)
    p.add_argument("--unit", action="append", required=True, metavar="CODE")
    p.set_defaults(handler=set_units)

    for name, helptext in (("deactivate", "stop a user from signing in (ends their sessions)"),
                           ("activate", "let a deactivated user sign in again"),
                           ("clear-lockout", "release a user locked out by failed sign-ins")):
        p = usub.add_parser(name, help=helptext)
        p.add_argument("--username", required=True)
        p.set_defaults(handler=_simple(name))

    p = usub.add_parser("reset-password", help="set a user's password (prompted for; ends their sessions)")
    p.add_argument("--username", required=True)
    _password_source(p, allow_none=False)
    p.set_defaults(handler=reset_password)

    p = usub.add_parser("demo", help="create the documented demo accounts (only on a database holding just the sample)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=demo)


def _password_source(p, allow_none: bool) -> None:
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of standard input")
    if allow_none:
        p.add_argument("--no-password", action="store_true",
                       help="no local password: the user signs in through single sign-on only")


class _NoPassword(Exception):
    def __init__(self, key: str):
        self.key = key


def _read_password(args, username: str) -> str:
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise _NoPassword("access.cli.password_empty")
        return password
    if not sys.stdin.isatty():
        raise _NoPassword("access.cli.password_needs_tty")
    first = getpass.getpass(i18n.t("access.cli.password_prompt", args.lang, username=username))
    second = getpass.getpass(i18n.t("access.cli.password_again", args.lang))
    if first != second:
        raise _NoPassword("access.cli.password_mismatch")
    if not first:
        raise _NoPassword("access.cli.password_empty")
    return first


def _both(key: str, **params) -> str:
    return f"{i18n.t(key, 'vi', **params)} / {i18n.t(key, 'en', **params)}"


def _run(args, work) -> int:
    """Run `work(engine, actor)`, turning a refusal or invalid input into exit status 1 with the reason."""
    from domain.errors import ServiceError
    from services.users import cli_actor
    from storage.setup import ensure_db

    engine = engine_for(args)
    ensure_db(engine)
    try:
        return work(engine, cli_actor()) or 0
    except ServiceError as exc:
        return refuse(exc.both())
    except _NoPassword as exc:
        return refuse(_both(exc.key))


def add(args) -> int:
    from services import users

    def work(engine, actor):
        password = None if args.no_password else _read_password(args, args.username)
        users.add_user(engine, actor, args.username, args.role, password=password, display_name=args.display_name,
                       unit_codes=args.unit)
        print(i18n.t("access.cli.user_added", args.lang, username=args.username.strip().lower(),
                     role=i18n.t(f"access.role.{args.role}", args.lang)))

    return _run(args, work)


def list_users(args) -> int:
    from services import users

    def work(engine, actor):
        frame = users.list_users(engine, actor)
        rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
        if args.json:
            print_json(rows)
            return
        for r in rows:
            r["units"] = ",".join(r["units"])
        print_table(rows, ["username", "role", "units", "active", "is_demo", "failed_logins", "locked_until", "last_login_at"])

    return _run(args, work)


def set_role(args) -> int:
    from services import users

    def work(engine, actor):
        users.set_role(engine, actor, args.username, args.role, unit_codes=args.unit)
        print(i18n.t("access.cli.user_changed", args.lang, username=args.username))

    return _run(args, work)


def set_units(args) -> int:
    from services import users

    def work(engine, actor):
        users.bind_units(engine, actor, args.username, args.unit)
        print(i18n.t("access.cli.user_changed", args.lang, username=args.username))

    return _run(args, work)


def _simple(name: str):
    def handler(args) -> int:
        from services import users

        function = {"deactivate": users.deactivate, "activate": users.activate, "clear-lockout": users.clear_lockout}[name]

        def work(engine, actor):
            function(engine, actor, args.username)
            print(i18n.t("access.cli.user_changed", args.lang, username=args.username))

        return _run(args, work)

    return handler


def reset_password(args) -> int:
    from services import users

    def work(engine, actor):
        users.reset_password(engine, actor, args.username, _read_password(args, args.username))
        print(i18n.t("access.cli.user_changed", args.lang, username=args.username))

    return _run(args, work)


def demo(args) -> int:
    from services.demo import ensure_demo_accounts

    def work(engine, actor):
        created = ensure_demo_accounts(engine)
        if args.json:
            print_json({"created": created})
        elif created:
            print(i18n.t("access.cli.demo_created", args.lang, users=", ".join(created)))
        else:
            print(i18n.t("access.cli.demo_none", args.lang))

    return _run(args, work)
