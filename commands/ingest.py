"""template, ingest, boundaries: the loaders at the command line.

`ingest` acts as the user given with --as (their role and units apply, as on the upload page) or, without
it, as the operator `cli:<os user>`; it goes through access control (services.submissions) where that
is present. Exit status 0 when every file was accepted (or was already stored), 1 when any was rejected.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import i18n
from commands.common import engine_for, print_json, refuse
from domain import periods
from domain.errors import ServiceError


def register(sub) -> None:
    p = sub.add_parser("template", help="write a submission template (.xlsx) for a form and month")
    p.add_argument("--form", required=True, help="form code: locality or department")
    p.add_argument("--period", required=True, help="reporting month YYYY-MM")
    p.add_argument("--unit", default=None, metavar="CODE", help="one unit's template (default: every unit of the form)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
    p.set_defaults(handler=template)

    p = sub.add_parser("ingest", help="read, validate and store submitted files (.xlsx, .csv)")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--dry-run", action="store_true", help="check the files and show what would be stored; store nothing")
    p.add_argument("--as", dest="as_user", default=None, metavar="USER", help="submit as this user (their units apply)")
    p.add_argument("--period", default=None, help="month YYYY-MM, for files that do not state it")
    p.add_argument("--form", default=None, help="form code, for files that do not state it")
    p.add_argument("--unit", default=None, metavar="CODE", help="unit, for a single-unit file that does not state it")
    p.add_argument("--map", action="append", default=[], metavar="HEADER=ELEMENT",
                   help="read a column headed HEADER as ELEMENT (an element code, or 'ignore'); repeatable")
    p.add_argument("--save-mapping", action="store_true", help="keep the --map mappings for the office's next files")
    p.add_argument("--error-workbook", default=None, metavar="DIR",
                   help="write an error workbook (offending cells highlighted) for each file with problems into DIR")
    p.add_argument("--json", action="store_true", help="print the report as JSON (see README: ingest --json)")
    p.set_defaults(handler=ingest)

    p = sub.add_parser("boundaries", help="store unit polygons for the map from a GeoJSON file")
    p.add_argument("file", metavar="FILE.geojson")
    p.add_argument("--dry-run", action="store_true", help="match only; store nothing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=boundaries)


def _both(key: str, **params) -> str:
    return f"{i18n.t(key, 'vi', **params)} / {i18n.t(key, 'en', **params)}"


def _period(text: str | None) -> str | None:
    if text is None:
        return None
    periods.parse(text)
    return text.strip()


def template(args) -> int:
    from loaders.template import TemplateError
    from storage import frames

    try:
        period = _period(args.period)
    except ValueError:
        return refuse(_both("loaders.cli.bad_period", value=args.period))
    engine = engine_for(args)
    registry = frames.load_registry(engine)
    if args.form not in registry.form_by_code:
        return refuse(_both("loaders.cli.bad_form", value=args.form, forms=", ".join(registry.form_by_code)))
    try:
        data = _template_bytes(engine, args.form, period, args.unit, args.lang)
    except TemplateError as exc:
        return refuse(str(exc))
    except ServiceError as exc:
        return refuse(exc.both())
    Path(args.output).write_bytes(data)
    print(i18n.t("loaders.cli.template_written", args.lang, file=args.output))
    return 0


def _template_bytes(engine, form: str, period: str, unit: str | None, lang: str) -> bytes:
    """Through access control: authorised and audited as the operator."""
    from services.templates import template_for
    from services.users import cli_actor

    return template_for(engine, cli_actor(), form, period, unit=unit, lang=lang)


def _mapping(pairs: list[str]) -> dict[str, str] | None:
    out = {}
    for pair in pairs:
        if "=" not in pair:
            raise ValueError(pair)
        header, element = pair.rsplit("=", 1)
        out[header.strip()] = element.strip()
    return out


def _actor(engine, username: str | None):
    """The user to act as (role and units from the database), or the CLI operator."""
    from services.users import actor_of, cli_actor

    return cli_actor() if username is None else actor_of(engine, username)


def ingest(args) -> int:
    from loaders.ingest import REJECTED, SourceFile

    try:
        period = _period(args.period)
        mapping = _mapping(args.map)
    except ValueError as exc:
        return refuse(_both("loaders.cli.bad_argument", value=str(exc.args[0]) if exc.args else ""))
    files, paths = [], []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            return refuse(_both("loaders.cli.no_file", file=name))
        files.append(SourceFile(path.name, path.read_bytes()))
        paths.append(name)
    engine = engine_for(args)
    actor = _actor(engine, args.as_user)
    if actor is None:
        return refuse(_both("loaders.cli.unknown_user", user=args.as_user))
    options = dict(dry_run=args.dry_run, period=period, form=args.form, unit=args.unit, mapping=mapping,
                   save_mapping=args.save_mapping)
    try:
        report = _submit(engine, actor, files, options)
    except ServiceError as exc:  # a refusal: its reason, in both languages
        return refuse(exc.both())
    except Exception as exc:  # noqa: BLE001 - a fault is reported, never a traceback
        if os.environ.get("P06_DEBUG"):
            raise
        return refuse(_both("loaders.cli.failed", reason=type(exc).__name__))
    if len(report.files) != len(files):  # one outcome per file, in the order given: paired by position
        return refuse(_both("loaders.cli.failed", reason="outcomes"))
    if args.error_workbook:
        _error_workbooks(report, files, paths, Path(args.error_workbook), args.lang)
    if args.json:
        print_json(report.as_dict())  # one entry per file, in the order given
    else:
        _print_report(report, args.lang, paths)
    return 1 if any(f.status == REJECTED for f in report.files) else 0


def _submit(engine, actor, files, options):
    """Through access control: the actor's units, every lock rule, the audit trail."""
    from services.submissions import submit_files

    return submit_files(engine, actor, files, source="cli", **options)


def _error_workbooks(report, files, paths, folder: Path, lang: str) -> None:
    """One error workbook per file with a problem, paired with its file by position (never by name: two
    files of one name from two folders each get their own), under a name no other file of the batch takes."""
    from loaders.error_workbook import build

    folder.mkdir(parents=True, exist_ok=True)
    taken: set[str] = set()
    for outcome, src, path in zip(report.files, files, paths):
        if not outcome.errors and not outcome.warnings:
            continue
        stem = Path(outcome.name).stem
        name, n = f"{stem}_loi.xlsx", 1
        while name in taken:
            n += 1
            name = f"{stem}_loi_{n}.xlsx"
        taken.add(name)
        target = folder / name
        target.write_bytes(build(src.name, src.content, outcome.problems, lang))
        print(i18n.t("loaders.cli.error_workbook_written", lang, file=str(target)), file=sys.stderr)


def _print_report(report, lang: str, paths=None) -> None:
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    for f, path in zip(report.files, paths or [f.name for f in report.files]):
        status = t(f"loaders.status.{f.status}" + ("_dry" if report.dry_run and f.status == "accepted" else ""))
        what = ""
        if f.values:
            what = t("loaders.cli.what", values=i18n.fmt_int(len(f.values), lang), units=len(f.units),
                     months=", ".join(i18n.fmt_period_short(p) for p in f.periods) or "–")
        print(f"{path}: {status}{what}")
        if f.stored:
            print("  " + t("loaders.cli.stored", id=f.submission_id, added=f.added, changed=f.changed, unchanged=f.unchanged))
        for p in f.problems:
            print(f"  - {p.text(lang)}")
    c = report.counts()
    print(t("loaders.cli.summary", files=c["files"], accepted=c["accepted"], rejected=c["rejected"],
            duplicate=c["duplicate"], values=i18n.fmt_int(c["values"], lang)))


def boundaries(args) -> int:
    from loaders.boundaries import BoundaryError, load_boundaries

    path = Path(args.file)
    if not path.is_file():
        return refuse(_both("loaders.cli.no_file", file=args.file))
    try:
        report = load_boundaries(engine_for(args), path.read_bytes(), source=path.name, dry_run=args.dry_run)
    except BoundaryError as exc:
        return refuse(_both(exc.key, **exc.params))
    if args.json:
        print_json(report.as_dict())
        return 0
    t = lambda key, **kw: i18n.t(key, args.lang, **kw)  # noqa: E731
    for m in report.matched:
        print(t("loaders.boundaries.matched", feature=m["feature"], name=m["name"], unit=f"{m['unit_name']} ({m['unit_code']})"))
    for m in report.unmatched:
        print(t(f"loaders.boundaries.unmatched_{m['reason']}", feature=m["feature"], name=m["name"],
                candidates=", ".join(m["candidates"]) or "–"))
    for u in report.without_shape:
        print(t("loaders.boundaries.without_shape", unit=f"{u['unit_name']} ({u['unit_code']})"))
    print(t("loaders.boundaries.summary", matched=len(report.matched), unmatched=len(report.unmatched),
            without=len(report.without_shape), stored=report.stored))
    return 0
