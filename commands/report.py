"""report: the monthly report pack for a month, the Excel annex and the Word draft, written into a folder.

For the standing agency's monthly job, e.g. from cron on the 6th (the day after the deadline):

    0 7 6 * *  cd /srv/p06 && .venv/bin/python cli.py report --period $(date -d 'last month' +\\%Y-\\%m) -o /srv/p06/bao-cao

It acts as the operator `cli:<os user>` or, with --as-user, as that user (their role must allow exports);
every file written is recorded in the audit trail as an export. Exit status 0 when both files were
written, 1 when refused (the reason on stderr, in Vietnamese and English).
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import sys
from pathlib import Path

import i18n
from commands.common import engine_for, print_json, refuse


def register(sub) -> None:
    p = sub.add_parser("report", help="write the monthly report of a month: the Excel annex and the Word draft")
    p.add_argument("--period", required=True, metavar="YYYY-MM", help="the month reported on")
    p.add_argument("--lang", dest="report_lang", choices=["vi", "en"], default=None,
                   help="language of the report (default: the --lang given before the command, else vi)")
    p.add_argument("-o", "--output", required=True, metavar="DIR", help="folder to write both files into (created if needed)")
    p.add_argument("--province", help="province code (default: the only province in the database)")
    p.add_argument("--as-user", dest="as_user", default=None, metavar="USER",
                   help="act as this user (their role must allow exports); default: the operator")
    p.add_argument("--json", action="store_true", help="print {period, lang, synthetic, files: [...]} as JSON")
    p.set_defaults(handler=report)


def _both(key: str, **params) -> str:
    return f"{i18n.t(key, 'vi', **params)} / {i18n.t(key, 'en', **params)}"


def _progress(lang: str):
    """A progress line on stderr when someone watches (a terminal); silent under cron."""
    if not sys.stderr.isatty():
        return None

    def show(fraction: float, text: str) -> None:
        print(f"\r{fraction:>4.0%} {text}".ljust(60), end="\n" if fraction >= 1 else "", file=sys.stderr, flush=True)

    return show


def _write(folder: Path, name: str, data: bytes) -> Path:
    """Write through a temporary file and rename, so a reader (a mail job, a share) never sees half a file."""
    path = folder / name
    tmp = folder / f".{name}.tmp"
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return path


def _cannot_write(folder: Path, exc: OSError) -> int:
    kind = {errno.EACCES: "permission", errno.EPERM: "permission", errno.ENOSPC: "disk_full",
            errno.EROFS: "read_only"}.get(exc.errno, "other")
    return refuse(" / ".join(i18n.t("reports.cli.cannot_write", lang, folder=str(folder),
                                    reason=i18n.t(f"reports.cli.reason.{kind}", lang, code=errno.errorcode.get(exc.errno, "?")))
                             for lang in ("vi", "en")))


def report(args) -> int:
    from domain.errors import ServiceError
    from presentation.inputs import open_inputs
    from reports.pack import build_pack, file_names
    from services import exports, followups, tasks, verification
    from services.guard import authorize
    from services.sample_mode import synthetic_figures
    from services.users import actor_of, cli_actor

    lang = args.report_lang or args.lang
    engine = engine_for(args)
    try:  # reads only: a report never sets up or migrates the database
        inputs = open_inputs(engine, args.period, args.province).inputs
    except ServiceError as exc:
        return refuse(exc.both())
    actor = cli_actor() if args.as_user is None else actor_of(engine, args.as_user)
    if actor is None:
        return refuse(_both("loaders.cli.unknown_user", user=args.as_user))
    folder = Path(args.output)
    if folder.exists() and not folder.is_dir():
        return refuse(_both("reports.cli.not_a_folder", folder=str(folder)))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return _cannot_write(folder, exc)
    now = dt.datetime.now(dt.timezone.utc)
    try:
        authorize(engine, actor, "export", target=f"monthly_report/{args.period}", detail={"what": "monthly_report"})
        follow = followups.current(engine, actor)  # every month: overdue follow-ups of earlier months count too
        review = tasks.month_review(engine, actor, args.period)
        checks = verification.current(engine, actor, args.period)  # figures under verification (issue 19)
        pack = build_pack(inputs, args.period, lang, followups=follow, task_review=review, verifications=checks,
                          synthetic=synthetic_figures(engine), as_of=now, progress=_progress(lang))
        for fmt in ("xlsx", "docx"):
            exports.record_export(engine, actor, "monthly_report", args.period, fmt=fmt,
                                  rows=len(pack.content.weak_units))
    except ServiceError as exc:
        return refuse(exc.both())
    xlsx_name, docx_name = file_names(args.period, lang)
    try:
        written = [_write(folder, xlsx_name, pack.xlsx), _write(folder, docx_name, pack.docx)]
    except OSError as exc:
        return _cannot_write(folder, exc)
    if args.json:
        print_json({"period": args.period, "lang": lang, "synthetic": pack.content.synthetic,
                    "files": [str(p) for p in written]})
    else:
        for path in written:
            print(i18n.t("reports.cli.written", args.lang, file=str(path)))
    return 0
