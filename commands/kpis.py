"""kpis, flags, completeness, scorecard, outlook: the metrics engine from the command line.

Every command has a `--json` form with stable field names (the codes of DOMAIN.md; see README, "Command
line"): rates are fractions (0.8613 = 86,13 %), differences `*_pp` are percentage points, missing values
are null.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

import i18n
from commands.common import engine_for, print_json, print_table, refuse
from domain import periods
from domain.errors import Invalid
from presentation.flags import reason_sentence
from presentation.inputs import has_figures, open_inputs
from presentation.numbers import (
    decimal,
    integer,
    month_text,
    pct,
    signed_points,
    target_pct,
)
from presentation.records import records

LEVEL_CHOICES = ["province", "district", "former_district", "commune", "department", "former_province"]
KIND_CHOICES = ["month", "quarter", "ytd", "year"]

KPI_FIELDS = [
    "period", "kind", "level", "unit_code", "name_vi", "indicator_code", "numerator", "denominator", "value",
    "target", "target_source", "gap_pp", "expected", "start_value", "start_basis", "start_period", "status",
    "change_mom_pp", "change_yoy_pp", "rank", "peers", "n_units", "n_reporting", "n_carried", "carried_from",
]
FLAG_FIELDS = ["rank", "unit_code", "name_vi", "level", "points", "severity", "months_flagged", "top_indicator",
               "top_shortfall", "top_share", "top_weight", "change"]
REASON_FIELDS = ["rule", "indicator_code", "value", "target", "gap_pp", "expected", "status", "rank", "peers",
                 "change_pp", "days_late", "points", "shortfall", "shortfall_glide", "share", "bottleneck", "carried_from",
                 "path_from"]
BOTTLENECK_FIELDS = ["level", "indicator_code", "target", "peers", "missing_target", "missing_share", "shortfall",
                     "shortfall_glide", "pareto_units", "bottleneck", "top_units"]
SHORTFALL_FIELDS = ["level", "unit_code", "name_vi", "indicator_code", "numerator", "denominator", "value", "target",
                    "expected", "shortfall", "shortfall_glide", "share", "share_glide", "weight", "peer_rank", "carrier",
                    "bottleneck"]
COMPLETENESS_FIELDS = ["form_code", "expected", "submitted", "on_time", "late", "missing", "pending", "completeness",
                       "timeliness"]
SUBMISSION_FIELDS = ["form_code", "unit_code", "name_vi", "level", "status", "first_received_at", "last_received_at",
                     "n_submissions", "days_late"]
SCORE_FIELDS = ["rank", "unit_code", "name_vi", "level", "score", "earned", "measurable", "coverage", "peers",
                "score_prev", "change", "progress_rank", "progress_peers"]
PART_FIELDS = ["group_code", "indicator_code", "value", "points_max", "points"]
OUTLOOK_FIELDS = ["unit_code", "name_vi", "indicator_code", "value", "start_value", "start_period", "target",
                  "months_left", "pace_pp", "projected_december", "projected_gap_pp", "needed_gain_pp", "on_course"]


def register(sub) -> None:
    def common(p, json_help: str) -> None:
        p.add_argument("--period", required=True, metavar="YYYY-MM", help="the month (the end of the window)")
        p.add_argument("--province", help="province code (default: the only province in the database)")
        p.add_argument("--json", action="store_true", help=json_help)

    p = sub.add_parser("kpis", help="every indicator for a month (or a window ending in it) against its target")
    common(p, "JSON list of objects with fields " + ", ".join(KPI_FIELDS))
    p.add_argument("--level", choices=LEVEL_CHOICES, default="province", help="default: province")
    p.add_argument("--kind", choices=KIND_CHOICES, default="month", help="window ending at --period (default: month)")
    p.add_argument("--ytd", action="store_true", help="year to date (same as --kind ytd)")
    p.add_argument("--merged", action="store_true",
                   help="fold units merged away into their successors' history (Vinh with Cửa Lò's history)")
    p.set_defaults(handler=kpis)

    p = sub.add_parser("flags", help="weak localities for a month: ranked, with reasons and severity")
    common(p, "JSON object {period, units: [{" + ", ".join(FLAG_FIELDS) + ", reasons: [{" + ", ".join(REASON_FIELDS)
           + "}]}], bottlenecks: [{" + ", ".join(BOTTLENECK_FIELDS) + "}], changes: {new, still, improved, resolved}, "
           "resolved: [unit codes], peer_groups: [{level, units, flagged, high}]}")
    p.set_defaults(handler=flags)

    p = sub.add_parser("shortfall", help="how far each unit is from each target, in the indicator's own units, and its share")
    common(p, "JSON object {period, lines: [{level, indicator_code, pareto_units, text}], units: [{"
           + ", ".join(SHORTFALL_FIELDS) + "}]}")
    p.add_argument("--indicator", metavar="CODE", help="one indicator (default: all)")
    p.set_defaults(handler=shortfall)

    p = sub.add_parser("completeness", help="completeness and timeliness of a month's returns, per form and unit")
    common(p, "JSON object {period, due_date, forms: [{" + ", ".join(COMPLETENESS_FIELDS) + "}], units: [{"
           + ", ".join(SUBMISSION_FIELDS) + "}]}")
    p.set_defaults(handler=completeness)

    p = sub.add_parser("scorecard", help="composite score 0–100 per unit (modelled on Decision 766/QĐ-TTg)")
    common(p, "JSON list of objects with fields " + ", ".join(SCORE_FIELDS) + ", parts: [{" + ", ".join(PART_FIELDS) + "}]")
    p.add_argument("--level", choices=LEVEL_CHOICES, default=None, help="default: the reporting units of the month")
    p.set_defaults(handler=scorecard)

    p = sub.add_parser("outlook", help="each indicator projected to December at the current pace")
    common(p, "JSON list of objects with fields " + ", ".join(OUTLOOK_FIELDS))
    p.add_argument("--level", choices=LEVEL_CHOICES, default="province", help="default: province")
    p.set_defaults(handler=outlook)


# -- shared -------------------------------------------------------------------------------------------


def _inputs(args, need_figures: bool = True):
    """The engine's inputs for the command's province and its unit names (refused with the reason)."""
    opened = open_inputs(engine_for(args), args.period, args.province, need_figures=need_figures)
    return opened.inputs, opened.names


def _run(handler):
    def wrapped(args) -> int:
        try:
            return handler(args)
        except Invalid as exc:
            return refuse(exc.message(args.lang))

    return wrapped


def _indicator_names(inputs, lang: str) -> dict[str, str]:
    return {i.code: i.name(lang) for i in inputs.registry.indicators}


# -- kpis ---------------------------------------------------------------------------------------------


@_run
def kpis(args) -> int:
    import metrics

    inputs, names = _inputs(args)
    kind = "ytd" if args.ytd else args.kind
    table = metrics.kpis(inputs, args.period, level=args.level, kind=kind, merged=args.merged)
    table = table.assign(name_vi=table["unit_code"].map(names))
    if args.json:
        print_json(records(table, KPI_FIELDS))
        return 0
    lang = args.lang
    inds = _indicator_names(inputs, lang)
    level, when = i18n.t(f"level.{args.level}", lang), i18n.fmt_period(args.period, lang)
    if kind == "month":
        print(i18n.t("metrics.cli.kpis_heading", lang, level=level, period=when))
    else:
        print(i18n.t("metrics.cli.kpis_heading_window", lang, level=level, kind=i18n.t(f"metrics.kind.{kind}", lang), period=when))
    rows = [{
        "unit_code": r.unit_code, "name": names.get(r.unit_code, ""), "indicator": inds[r.indicator_code],
        "value": pct(r.value, lang), "target": target_pct(r.target, lang), "gap": signed_points(r.gap_pp, lang),
        "status": i18n.t(f"status.{r.status}", lang), "rank": "" if pd.isna(r.rank) else f"{r.rank}/{r.peers}",
        "numerator": integer(r.numerator, lang), "denominator": integer(r.denominator, lang),
    } for r in table.itertuples()]
    print_table(rows, ["unit_code", "name", "indicator", "value", "target", "gap", "status", "rank", "numerator", "denominator"])
    return 0


# -- flags --------------------------------------------------------------------------------------------


@_run
def flags(args) -> int:
    import metrics
    from domain import periods as periods_mod

    inputs, names = _inputs(args, need_figures=False)
    now = dt.datetime.now(dt.timezone.utc)
    result = metrics.weak_localities(inputs, args.period, as_of=now)
    before = metrics.weak_localities(inputs, periods_mod.add(args.period, -1), as_of=now)
    changes = metrics.flag_changes(result, before)
    units = result.units.assign(name_vi=result.units["unit_code"].map(names),
                                change=result.units["unit_code"].map(changes.set_index("unit_code")["change"]))
    if args.json:
        by_unit = {code: records(group, REASON_FIELDS) for code, group in result.reasons.groupby("unit_code", sort=False)}
        out = []
        for row in records(units, FLAG_FIELDS):
            out.append({**row, "reasons": by_unit.get(row["unit_code"], [])})
        table = metrics.shortfall(inputs, args.period) if has_figures(inputs, args.period) else None
        neck = metrics.bottlenecks(inputs, args.period, table) if table is not None else pd.DataFrame(columns=BOTTLENECK_FIELDS)
        print_json({"period": args.period, "units": out, "bottlenecks": records(neck, BOTTLENECK_FIELDS),
                    "changes": metrics.change_counts(changes),
                    "resolved": changes.loc[changes["change"] == "resolved", "unit_code"].tolist(),
                    "peer_groups": _peer_groups(inputs, args.period, result.units)})
        return 0
    lang = args.lang
    inds = _indicator_names(inputs, lang)
    months_falling = inputs.config.weak_falling_months
    print(i18n.t("metrics.cli.flags_heading", lang, period=month_text(args.period, lang), count=len(units)))
    reasons = result.reasons.groupby("unit_code", sort=False)
    for r in units.itertuples():
        print(f"{r.rank:>3}. {r.unit_code} {r.name_vi} · {i18n.t(f'metrics.severity.{r.severity}', lang)} "
              f"({r.points}) · {r.months_flagged}")
        for reason in reasons.get_group(r.unit_code).itertuples():
            print(f"       – {reason_sentence(reason, inds, lang, months_falling)}")
    return 0


def _peer_groups(inputs, period: str, units: pd.DataFrame) -> list[dict]:
    """Per reporting level: units existing that month, how many are flagged, how many are high."""
    from metrics import months

    cube, m = inputs.cube, months.index(period)
    exists = (cube.valid_from <= m) & (m <= cube.valid_to)
    out = []
    for level in ("district", "commune", "department"):
        n = int((exists & (cube.unit_level == level)).sum())
        if not n:
            continue
        mine = units[units["level"] == level]
        out.append({"level": level, "units": n, "flagged": len(mine), "high": int((mine["severity"] == "high").sum())})
    return out


@_run
def shortfall(args) -> int:
    import metrics
    from presentation import push

    inputs, names = _inputs(args)
    codes = [i.code for i in inputs.registry.indicators]
    if args.indicator and args.indicator not in codes:
        raise Invalid("push.cli.unknown_indicator", code=args.indicator, codes=", ".join(codes))
    table = metrics.shortfall(inputs, args.period)
    if args.indicator:
        table = table[table["indicator_code"] == args.indicator]
    table = table.assign(name_vi=table["unit_code"].map(names))
    lang = args.lang
    lines = []
    for (level, code), g in table.groupby(["level", "indicator_code"], sort=False):
        if g["shortfall"].sum() <= 0:
            continue
        n = int(metrics.bottlenecks(inputs, args.period, g)["pareto_units"].iloc[0])
        lines.append({"level": level, "indicator_code": code, "pareto_units": n, "shortfall": float(g["shortfall"].sum()),
                      "text": push.pareto_line(n, code, lang)})
    if args.json:
        print_json({"period": args.period, "lines": lines, "units": records(table, SHORTFALL_FIELDS)})
        return 0
    inds = _indicator_names(inputs, lang)
    print(i18n.t("push.cli.shortfall_heading", lang, period=i18n.fmt_period(args.period, lang)))
    for line in lines:
        print(f"– {inds[line['indicator_code']]} ({i18n.t('level.' + line['level'], lang)}): {line['text']}; "
              f"{push.shortfall_text(line['shortfall'], line['indicator_code'], lang)}")
    print()
    shown = table[table["shortfall"] > 0]
    rows = [{**r, "at_glide_path": r["shortfall_glide"]} for r in push.shortfall_records(shown, names.to_dict(), inds, lang)]
    print_table(rows, ["unit_code", "name", "indicator", "value", "target", "shortfall", "at_glide_path", "share"])
    return 0


# -- completeness -------------------------------------------------------------------------------------


@_run
def completeness(args) -> int:
    import metrics

    inputs, names = _inputs(args, need_figures=False)
    units = metrics.completeness_units(inputs, [args.period], as_of=dt.datetime.now(dt.timezone.utc))
    units = units.assign(name_vi=units["unit_code"].map(names))
    summary = metrics.completeness_summary(units, by=["form_code"])
    due = periods.due_date(args.period, inputs.config.deadline_day)
    if args.json:
        print_json({"period": args.period, "due_date": due.isoformat(), "forms": records(summary, COMPLETENESS_FIELDS),
                    "units": records(units, SUBMISSION_FIELDS)})
        return 0
    lang = args.lang
    forms = {f.code: f.name(lang) for f in inputs.registry.forms}
    print(i18n.t("metrics.cli.completeness_heading", lang, period=month_text(args.period, lang), due=i18n.fmt_date(due)))
    print_table([{
        "form": forms.get(r.form_code, r.form_code), "expected": r.expected, "submitted": r.submitted, "on_time": r.on_time,
        "late": r.late, "missing": r.missing, "pending": r.pending,
        "completeness": pct(r.completeness, lang), "timeliness": pct(r.timeliness, lang),
    } for r in summary.itertuples()], ["form", "expected", "submitted", "on_time", "late", "missing", "pending", "completeness", "timeliness"])
    print()
    late = units[units["status"] != "on_time"]
    print_table([{
        "unit_code": r.unit_code, "name": r.name_vi, "status": i18n.t(f"metrics.submission.{r.status}", lang),
        "received": i18n.fmt_datetime(r.first_received_at) if not pd.isna(r.first_received_at) else "",
        "days_late": "" if pd.isna(r.days_late) else r.days_late,
    } for r in late.itertuples()], ["unit_code", "name", "status", "received", "days_late"])
    return 0


# -- scorecard, outlook -------------------------------------------------------------------------------


@_run
def scorecard(args) -> int:
    import metrics

    inputs, names = _inputs(args)
    try:
        card = metrics.scorecard(inputs, args.period, levels=args.level or metrics.REPORTING_LEVELS)
    except ValueError as exc:
        raise Invalid("metrics.cli.bad_config", problem=exc) from None
    scores = card.scores.assign(name_vi=card.scores["unit_code"].map(names))
    if args.json:
        parts = {code: records(group, PART_FIELDS) for code, group in card.parts.groupby("unit_code", sort=False)}
        print_json([{**row, "parts": parts.get(row["unit_code"], [])} for row in records(scores, SCORE_FIELDS)])
        return 0
    lang = args.lang
    print(i18n.t("metrics.cli.score_heading", lang, period=month_text(args.period, lang)))
    print_table([{
        "rank": "" if pd.isna(r.rank) else f"{r.rank}/{r.peers}", "unit_code": r.unit_code, "name": r.name_vi,
        "level": i18n.t(f"level.{r.level}", lang), "score": decimal(r.score, lang, 2),
        "change": decimal(r.change, lang, 2),
        "progress": "" if pd.isna(r.progress_rank) else f"{r.progress_rank}/{r.progress_peers}",
    } for r in scores.itertuples()], ["rank", "unit_code", "name", "level", "score", "change", "progress"])
    return 0


@_run
def outlook(args) -> int:
    import metrics

    inputs, names = _inputs(args)
    table = metrics.outlook(inputs, args.period, level=args.level)
    table = table.assign(name_vi=table["unit_code"].map(names))
    if args.json:
        print_json(records(table, OUTLOOK_FIELDS))
        return 0
    lang = args.lang
    inds = _indicator_names(inputs, lang)
    print(i18n.t("metrics.cli.outlook_heading", lang, period=i18n.fmt_period(args.period, lang)))
    print_table([{
        "unit_code": r.unit_code, "name": r.name_vi, "indicator": inds[r.indicator_code], "value": pct(r.value, lang),
        "december": pct(r.projected_december, lang), "target": target_pct(r.target, lang),
        "needed_per_month": signed_points(r.needed_gain_pp, lang),
    } for r in table.itertuples()], ["unit_code", "name", "indicator", "value", "december", "target", "needed_per_month"])
    return 0
