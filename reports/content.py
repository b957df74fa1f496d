"""The monthly report as data: every figure the workbook and the document show, taken from the metrics
engine for one province and month, with the names in the report's language. The workbook, the document
and the charts only lay this out; the sentences are built from it by `reports.wording`. Deterministic:
the same inputs give the same content (rows in a fixed order, ties broken by unit code).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import pandas as pd

import i18n
import metrics
from domain import periods
from domain.clock import local_date
from domain.units import valid_mask
from presentation.numbers import clean_text, missing

TOP_N = 3  # best and worst units named in each indicator's sentence and on the summary sheet
TREND_MONTHS = 12

UNIT_FIELDS = ["rank", "peers", "unit_code", "name", "value", "numerator", "denominator", "target", "gap_pp", "expected",
               "change_mom_pp", "change_yoy_pp", "status", "n_carried", "carried_from", "start_basis", "start_period"]
PROVINCE_FIELDS = ["value", "numerator", "denominator", "target", "gap_pp", "expected", "status", "change_mom_pp",
                   "change_yoy_pp", "n_units", "n_reporting", "n_carried", "carried_from", "start_basis", "start_period"]
WEAK_FIELDS = ["rank", "unit_code", "name", "level", "points", "severity", "months_flagged", "n_reasons", "rules",
               "followup_status", "followup_note", "followup_at"]
SUBMISSION_FIELDS = ["form_code", "unit_code", "name", "level", "status", "first_received_at", "days_late"]
VERIFICATION_FIELDS = ["unit_code", "name", "level", "subject", "subject_name", "signal", "signal_name", "text",
                       "status", "status_name", "note", "created_by", "created_at", "indicators"]
MARK = " ⚠"

Progress = Callable[[float, str], None]


@dataclass(frozen=True, eq=False)
class IndicatorResult:
    """One indicator: the province's figure, every locality and department ranked, the best and worst."""

    code: str
    name: str
    short_name: str
    province: Mapping  # PROVINCE_FIELDS of the province's row
    units: pd.DataFrame  # UNIT_FIELDS, the localities of the month (districts or communes), rank order
    departments: pd.DataFrame  # UNIT_FIELDS, the departments, rank order
    ranked_level: str | None  # where best/worst come from: the locality level, else "department", else None
    best: pd.DataFrame  # up to TOP_N rows of that level that reported this month (no carried figure), best first
    worst: pd.DataFrame  # up to TOP_N such rows, worst first

    @property
    def has_province_value(self) -> bool:
        return not missing(self.province.get("value"))


@dataclass(frozen=True, eq=False)
class ReportContent:
    period: str
    lang: str
    province_code: str
    province_name: str  # "Tỉnh Nghệ An" / "Nghe An Province"
    place: str  # "Nghệ An" / "Nghe An": the place of the date line
    locality_level: str  # "district" before the 2025 reform, "commune" after
    synthetic: bool  # every figure comes from the sample generator
    indicators: tuple[IndicatorResult, ...]
    trend: pd.DataFrame  # the province: period, indicator_code, value, target (TREND_MONTHS months)
    weak_units: pd.DataFrame  # WEAK_FIELDS, ranked
    weak_reasons: pd.DataFrame  # the engine's reasons plus `text` (the sentence) and `name`
    completeness: pd.DataFrame  # per form: form_code, form_name, expected, submitted, on_time, late, missing, pending, completeness, timeliness
    submissions: pd.DataFrame  # SUBMISSION_FIELDS, every expected unit
    outlook: pd.DataFrame  # the province: indicator_code, value, target, months_left, needed_gain_pp, projected_december, on_course
    deadline_day: int
    falling_months: int
    weak_gap_pp: float
    ranking_indicator: str  # the indicator of the ranking chart and table
    steering_tasks: object = None  # reports.task_section.TaskSection, when the register was read (issue 13)
    # The follow-up queue (issue 12): opened and closed this month, overdue now (names), causes reported.
    followup_summary: dict | None = None
    unit_names: dict | None = None
    # The data-credibility review (issue 19): figures under verification (VERIFICATION_FIELDS), None when the
    # reader was not given them; a unit whose figure for an indicator is among them is marked ⚠ where ranked.
    under_verification: pd.DataFrame | None = None

    @property
    def header_name(self) -> str:
        """The province as the header block names it: "TỈNH NGHỆ AN" (UBND TỈNH NGHỆ AN, CÔNG AN TỈNH NGHỆ AN);
        in English the place, "NGHE AN" (NGHE AN PEOPLE'S COMMITTEE, NGHE AN PROVINCIAL POLICE)."""
        return (self.province_name if self.lang == "vi" else self.place).upper()

    @property
    def year(self) -> int:
        return periods.year(self.period)

    @property
    def next_period(self) -> str:
        return periods.add(self.period, 1)

    @property
    def due_next(self) -> dt.date:
        """When next month's figures are due (the deadline the tasks give)."""
        return periods.due_date(self.next_period, self.deadline_day)

    def indicator(self, code: str) -> IndicatorResult:
        return next(r for r in self.indicators if r.code == code)


def locality_level(units: pd.DataFrame, period: str) -> str:
    """The level the province's localities report at in `period`: communes once any exists, else districts."""
    valid = valid_mask(units, periods.first_day(period), periods.last_day(period))
    return "commune" if ((units["level"] == "commune") & valid).any() else "district"


def unit_names(units: pd.DataFrame, lang: str) -> dict[str, str]:
    column = "name_vi" if lang == "vi" or "name_en" not in units.columns else "name_en"
    if column not in units.columns:
        return {c: c for c in units["code"]}
    return {code: clean_text(name) for code, name in zip(units["code"], units[column])}


def short_name(indicator, lang: str) -> str:
    """The indicator's short label for sheet names and chart panels (catalog), else its name."""
    key = f"reports.short_name.{indicator.code}"
    return i18n.t(key, lang) if i18n.has(key) else indicator.name(lang)


def _ranked(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    out = frame.assign(name=frame["unit_code"].map(lambda c: names.get(c, c)))
    out = out.assign(_norank=out["rank"].isna()).sort_values(["_norank", "rank", "unit_code"], kind="stable")
    return out[UNIT_FIELDS].reset_index(drop=True)


def _best_worst(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The highest and lowest units that reported this month: a unit whose figure is carried from an
    earlier month (it did not report) is never named best or worst on it; it keeps its marked row in the
    tables."""
    ranked = table[table["rank"].notna() & table["carried_from"].isna()]
    best = ranked.head(TOP_N).reset_index(drop=True)
    worst = ranked.iloc[::-1].head(TOP_N).reset_index(drop=True)
    return best, worst


def _indicator_results(inputs: metrics.Inputs, period: str, lang: str, level: str, province_code: str,
                       names: Mapping[str, str]) -> tuple[IndicatorResult, ...]:
    province = metrics.kpis(inputs, period, level="province")
    province = province[province["unit_code"] == province_code].set_index("indicator_code")
    localities = metrics.kpis(inputs, period, level=level)
    departments = metrics.kpis(inputs, period, level="department")
    out = []
    for ind in inputs.registry.indicators:
        units = _ranked(localities[localities["indicator_code"] == ind.code], names)
        depts = _ranked(departments[departments["indicator_code"] == ind.code], names)
        if units["rank"].notna().any():
            ranked_level, pool = level, units
        elif depts["rank"].notna().any():
            ranked_level, pool = "department", depts
        else:
            ranked_level, pool = None, units
        best, worst = _best_worst(pool)
        row = province.loc[ind.code] if ind.code in province.index else pd.Series(dtype=object)
        out.append(IndicatorResult(
            code=ind.code, name=ind.name(lang), short_name=short_name(ind, lang),
            province={f: row.get(f) for f in PROVINCE_FIELDS},
            units=units, departments=depts, ranked_level=ranked_level, best=best, worst=worst,
        ))
    return tuple(out)


def _weak(inputs: metrics.Inputs, period: str, as_of, names: Mapping[str, str], followups: pd.DataFrame | None,
          reason_text: Callable) -> tuple[pd.DataFrame, pd.DataFrame]:
    flagged = metrics.weak_localities(inputs, period, as_of=as_of)
    units = flagged.units.assign(name=flagged.units["unit_code"].map(lambda c: names.get(c, c)))
    follow = _latest_followups(followups, period)
    units = units.assign(
        followup_status=units["unit_code"].map(lambda c: follow.get(c, {}).get("status")),
        followup_note=units["unit_code"].map(lambda c: follow.get(c, {}).get("note")),
        followup_at=units["unit_code"].map(lambda c: follow.get(c, {}).get("created_at")),
    )
    reasons = flagged.reasons
    reasons = reasons.assign(name=reasons["unit_code"].map(lambda c: names.get(c, c)),
                             text=[reason_text(r) for r in reasons.itertuples()])
    return units[WEAK_FIELDS].reset_index(drop=True), reasons.reset_index(drop=True)


def _latest_followups(followups: pd.DataFrame | None, period: str) -> dict[str, dict]:
    """unit_code -> the latest follow-up row of `period` (services.followups.current gives one per unit)."""
    if followups is None or followups.empty:
        return {}
    rows = followups[followups["period"] == period]
    if "created_at" in rows.columns:
        rows = rows.sort_values(["created_at"] + (["id"] if "id" in rows.columns else []), kind="stable")
    return {r["unit_code"]: {"status": r.get("status"), "note": clean_text(r.get("note") or ""),
                             "created_at": r.get("created_at")}
            for r in rows.to_dict("records")}


def _submissions(inputs: metrics.Inputs, period: str, as_of, names: Mapping[str, str], lang: str):
    units = metrics.completeness_units(inputs, [period], as_of=as_of)
    summary = metrics.completeness_summary(units, by=["form_code"])
    forms = {f.code: f.name(lang) for f in inputs.registry.forms}
    summary = summary.assign(form_name=summary["form_code"].map(lambda c: forms.get(c, c)))
    units = units.assign(name=units["unit_code"].map(lambda c: names.get(c, c)))
    order = {s: i for i, s in enumerate(("missing", "late", "pending", "on_time"))}
    units = units.assign(_o=units["status"].map(order)).sort_values(["form_code", "_o", "unit_code"], kind="stable")
    return summary.reset_index(drop=True), units[SUBMISSION_FIELDS].reset_index(drop=True)


def _under_verification(inputs: metrics.Inputs, period: str, lang: str, names: Mapping[str, str],
                        verifications: pd.DataFrame) -> pd.DataFrame:
    """The month's figures whose latest verification is still open (cần xác minh, đã yêu cầu sửa), each with
    its signal's sentence when the figure still signals, and the indicators it enters (where it is marked)."""
    from metrics.anomalies import signals
    from presentation import anomalies as words

    rows = verifications[(verifications["period"] == period)
                         & verifications["status"].isin(("to_verify", "correction_requested"))]
    if rows.empty:
        return pd.DataFrame(columns=VERIFICATION_FIELDS)
    found = signals(inputs, period)
    by_key = {(r.unit_code, r.subject, r.signal): r for r in found.itertuples(index=False)}
    registry = inputs.registry
    level_of = dict(zip(inputs.units["code"], inputs.units["level"]))
    uses: dict[str, list[str]] = {}
    for ind in registry.indicators:
        uses.setdefault(ind.numerator, []).append(ind.code)
        uses.setdefault(ind.denominator, []).append(ind.code)
    out = []
    for v in rows.itertuples(index=False):
        signal = by_key.get((v.unit_code, v.subject, v.signal))
        kind = "return" if v.subject == "*" else "indicator" if v.subject in registry.indicator_by_code else "element"
        subject_name = words.subject_name(pd.Series({"subject_kind": kind, "subject": v.subject}), registry, lang) \
            if kind != "return" else i18n.t("review.col.subject", lang)
        indicators = [v.subject] if kind == "indicator" else uses.get(v.subject, []) if kind == "element" \
            else [i.code for i in registry.indicators]
        out.append({
            "unit_code": v.unit_code, "name": names.get(v.unit_code, v.unit_code), "level": level_of.get(v.unit_code),
            "subject": v.subject, "subject_name": subject_name, "signal": v.signal,
            "signal_name": words.signal_name(v.signal, lang),
            "text": words.sentence(signal, registry, lang) if signal is not None else "",
            "status": v.status, "status_name": words.status_name(v.status, lang), "note": clean_text(v.note or ""),
            "created_by": v.created_by, "created_at": v.created_at, "indicators": indicators,
        })
    return pd.DataFrame(out, columns=VERIFICATION_FIELDS)


def _mark(results: tuple[IndicatorResult, ...], marked: pd.DataFrame) -> tuple[IndicatorResult, ...]:
    """Every ranking with ⚠ after the name of a unit whose figure for that indicator is under verification."""
    from dataclasses import replace

    pairs = {(r.unit_code, code) for r in marked.itertuples(index=False) for code in r.indicators}
    if not pairs:
        return results

    def mark(frame: pd.DataFrame, code: str) -> pd.DataFrame:
        hit = frame["unit_code"].map(lambda u: (u, code) in pairs)
        return frame.assign(name=frame["name"].where(~hit, frame["name"] + MARK))

    return tuple(replace(r, units=mark(r.units, r.code), departments=mark(r.departments, r.code),
                         best=mark(r.best, r.code), worst=mark(r.worst, r.code)) for r in results)


def build_content(inputs: metrics.Inputs, period: str, lang: str = "vi", *, followups: pd.DataFrame | None = None,
                  synthetic: bool = False, as_of: dt.datetime | None = None, ranking_indicator: str | None = None,
                  progress: Progress | None = None, verifications: pd.DataFrame | None = None) -> ReportContent:
    """Everything the report shows for `period`, from the engine. `followups`: the standing agency's current
    follow-up per unit (services.followups.current); `as_of`: judge returns not yet due as pending."""
    from presentation.flags import reason_sentence

    step = progress or (lambda fraction, text: None)
    units = inputs.units
    province_code = inputs.province_code or units.loc[units["level"] == "province", "code"].iloc[0]
    names = unit_names(units, lang)
    level = locality_level(units, period)
    cfg = inputs.config
    step(0.05, i18n.t("reports.progress.indicators", lang))
    indicators = _indicator_results(inputs, period, lang, level, province_code, names)
    trend = metrics.trend(inputs, period, level="province", n_months=TREND_MONTHS)
    trend = trend[trend["unit_code"] == province_code][["period", "indicator_code", "value", "target"]].reset_index(drop=True)
    outlook = metrics.outlook(inputs, period, level="province")
    outlook = outlook[outlook["unit_code"] == province_code].reset_index(drop=True)
    step(0.2, i18n.t("reports.progress.weak", lang))
    inds = {i.code: i.name(lang) for i in inputs.registry.indicators}
    weak_units, weak_reasons = _weak(inputs, period, as_of, names, followups,
                                     lambda r: reason_sentence(r, inds, lang, cfg.weak_falling_months))
    completeness, submissions = _submissions(inputs, period, as_of, names, lang)
    marked = None
    if verifications is not None:  # services.verification.current: the standing agency's review (issue 19)
        marked = _under_verification(inputs, period, lang, names, verifications)
        indicators = _mark(indicators, marked)
    province_row = units[units["code"] == province_code].iloc[0]
    province_name = names.get(province_code, province_code)
    return ReportContent(
        period=period, lang=lang, province_code=province_code, province_name=province_name,
        place=place_name(province_row, lang), locality_level=level, synthetic=synthetic, indicators=indicators,
        trend=trend, weak_units=weak_units, weak_reasons=weak_reasons, completeness=completeness,
        submissions=submissions, outlook=outlook, deadline_day=cfg.deadline_day,
        falling_months=cfg.weak_falling_months, weak_gap_pp=cfg.weak_gap_pp,
        ranking_indicator=ranking_indicator or inputs.registry.indicators[0].code,
        followup_summary=_followup_summary(followups, period, as_of, cfg.timezone_offset_hours), unit_names=names,
        under_verification=marked,
    )


def _followup_summary(followups: pd.DataFrame | None, period: str, as_of: dt.datetime | None,
                      offset_hours: int) -> dict | None:
    """metrics.followups.summary of the rows given (None when the reader may not see follow-ups)."""
    if followups is None:
        return None
    from metrics.followups import summary

    return summary(followups, period, local_date(as_of, offset_hours))


def place_name(row, lang: str) -> str:
    """"Tỉnh Nghệ An" -> "Nghệ An"; "Thành phố Hà Nội" -> "Hà Nội"; "Nghe An Province" -> "Nghe An"."""
    if lang == "vi":
        name = str(row.get("name_vi", row.get("code")))
        for prefix in ("Tỉnh ", "Thành phố "):
            if name.startswith(prefix):
                return name[len(prefix):]
        return name
    name = str(row.get("name_en") or row.get("code"))
    for suffix in (" Province", " City"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
