"""anomalies: the data-credibility review from the command line (issue 19): the month's signals, ranked by
what they would change if wrong, each with its sentence, the submission it came from and its verification
status. Figures verified as correct (and unchanged since) are left out, as on the review page."""

from __future__ import annotations

import i18n
from commands.common import engine_for, print_json, print_table, refuse
from domain.errors import Invalid

FIELDS_HELP = ("JSON object {period, units_reported, units_signalled, share, signals: [{period, unit_code, name_vi, "
               "level, subject_kind, subject, signal, strength, score, value, expected, reference, numerator, denominator, "
               "months, submission_id, value_key, impact_indicator, impact_pp, rank, rank_if_wrong, rank_shift, peers, "
               "priority, status, text, impact_text}]}")


def register(sub) -> None:
    p = sub.add_parser("anomalies", help="figures that look too good: the month's signals, ranked, with their reasons")
    p.add_argument("--period", required=True, metavar="YYYY-MM", help="the month")
    p.add_argument("--unit", metavar="CODE", help="one unit only")
    p.add_argument("--province", help="province code (default: the only province in the database)")
    p.add_argument("--weak", action="store_true", help="include weak signals (last digits) in the table (JSON always has them)")
    p.add_argument("--json", action="store_true", help=FIELDS_HELP)
    p.set_defaults(handler=anomalies)


def review(engine, period: str, province: str | None = None, unit: str | None = None):
    """(signals with their verification status, reported units, opened inputs) for `period`."""
    from metrics import anomalies as signals_mod
    from presentation.anomalies import with_status
    from presentation.inputs import open_inputs
    from services import verification
    from storage import frames

    opened = open_inputs(engine, period, province)
    if unit is not None and unit not in set(opened.inputs.units["code"]):
        raise Invalid("access.targets.unknown_unit", unit=str(unit)[:40])
    found = signals_mod.signals(opened.inputs, period, unit=unit, revisions=frames.load_revisions(engine, [period]))
    verified = verification.latest(engine, period)
    found = with_status(signals_mod.settle(found, verified), verified)
    return found, opened


def anomalies(args) -> int:
    from metrics.anomalies import AnomalyConfig, signal_share
    from presentation import anomalies as words
    from presentation.numbers import month_text, pct

    lang = args.lang
    try:
        found, opened = review(engine_for(args), args.period, args.province, args.unit)
    except Invalid as exc:
        return refuse(exc.message(lang))
    inputs = opened.inputs
    names = opened.names.to_dict()
    config = AnomalyConfig.from_settings(inputs.settings)
    flagged, reported = signal_share(found, inputs, args.period)
    if args.unit:
        reported = 1
    share = flagged / reported if reported else None
    if args.json:
        print_json({"period": args.period, "units_reported": reported, "units_signalled": flagged, "share": share,
                    "signals": words.records(found, names, inputs.registry, lang, config)})
        return 0
    shown = found if args.weak else found[found["strength"] != "weak"]
    print(i18n.t("review.cli.heading", lang, period=month_text(args.period, lang), signals=len(found), units=flagged,
                 reported=reported, share=pct(share, lang, 1)))
    rows = [{
        "unit": f"{r.unit_code} {names.get(r.unit_code, '')}", "signal": words.signal_name(r.signal, lang),
        "text": words.sentence(r, inputs.registry, lang, config), "if_wrong": words.impact_sentence(r, inputs.registry, lang),
        "status": words.status_name(r.status, lang), "submission": "" if r.submission_id is None else str(int(r.submission_id)),
    } for r in shown.itertuples(index=False)]
    if rows:
        print_table(rows, ["unit", "signal", "text", "if_wrong", "status", "submission"])
    return 0
