"""Tổng quan: the province's cards, its trend for one indicator, and what changed this month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

import i18n
from domain import periods as periods_mod
from metrics.config import FLAG_RULES
from presentation import numbers
from ui import charts, data
from ui.cards import Card, card_grid, md_escape, status_counts_markdown
from ui.data import DataKey
from ui.views import common

SPARK_MONTHS = 12
CHANGES_SHOWN = 5
FLAGS_SHOWN = 8
ORDERS = ("registry", "worst")  # the cards in the registry's order, or the worst first (status, then gap)
WORST_FIRST = {s: i for i, s in enumerate(("behind", "at_risk", "on_track", "met", "no_target", "no_data"))}
NAMED_MISSING = 12  # units named in "not submitted yet"; the rest counted


# --- cards ------------------------------------------------------------------------------------------


def _card(row, label: str, spark: tuple[float, ...], lang: str, source: str | None = None) -> Card:
    change = row.change_mom_pp
    lines = [f"{i18n.t('overview.target', lang)}: {numbers.target_pct(row.target, lang)}"]
    if numbers.known(row.expected) and row.status not in ("met", "no_data"):
        lines.append(i18n.t("cards.glide_gap", lang, expected=numbers.pct(row.expected, lang), gap=numbers.signed_points(row.gap_pp, lang)))
    elif numbers.known(row.gap_pp):
        lines.append(i18n.t("cards.gap", lang, gap=numbers.signed_points(row.gap_pp, lang)))
    if numbers.known(row.change_yoy_pp):
        lines.append(i18n.t("cards.year_ago", lang, change=numbers.signed_points(row.change_yoy_pp, lang)))
    if source:
        lines.append(source)
    reporting = i18n.t("cards.reporting", lang, n=row.n_reporting, total=row.n_units)
    if row.n_carried:
        reporting += " " + i18n.t("cards.carried", lang, n=row.n_carried)
    lines.append(reporting)  # on the card, not only in the tooltip: a leader reads how complete the figure is
    help_text = (f"{i18n.t('overview.numerator', lang)}: {numbers.integer(row.numerator, lang)} · "
                 f"{i18n.t('overview.denominator', lang)}: {numbers.integer(row.denominator, lang)}")
    return Card(
        code=row.indicator_code, label=label, value=numbers.pct(row.value, lang), status=row.status,
        delta=numbers.signed_points(change, lang) if numbers.known(change) else None,
        direction=numbers.direction(change),
        lines=tuple(lines), spark=spark, help=help_text,
        gap=float(row.gap_pp) if numbers.known(row.gap_pp) else None,
    )


def _sparks(trend: pd.DataFrame) -> dict[tuple[str, str], tuple[float, ...]]:
    """(unit, indicator) -> its known values in month order, in percent (a pair with none is left out)."""
    known = trend[trend["value"].notna()].sort_values(["unit_code", "indicator_code", "period"])
    return {key: tuple(round(float(v) * 100, 2) for v in values)
            for key, values in known.groupby(["unit_code", "indicator_code"], sort=False)["value"]}


@st.cache_data(show_spinner=False, max_entries=64)
def cards(key: DataKey, period: str, lang: str) -> list[Card]:
    """One card per indicator of the registry: the province's localities together; an indicator that only
    departments report (hospital and school fees) shows the reporting department's own figure, named."""
    names = common.indicator_names(key, lang)
    units = common.unit_names(key, lang)
    province = data.kpis(key, period, "province")
    sparks = _sparks(data.trend(key, period, "province", n_months=SPARK_MONTHS))
    departments = data.kpis(key, period, "department")
    dept_sparks = None  # the departments' trend, read once for every indicator only a department reports
    out = []
    for row in province.itertuples():
        if row.status != "no_data":
            out.append(_card(row, names[row.indicator_code], sparks.get((row.unit_code, row.indicator_code), ()), lang))
            continue
        reporting = departments[(departments["indicator_code"] == row.indicator_code) & departments["value"].notna()]
        if len(reporting) == 1:
            dept = next(reporting.itertuples())
            if dept_sparks is None:
                dept_sparks = _sparks(data.trend(key, period, "department", n_months=SPARK_MONTHS))
            out.append(_card(dept, names[row.indicator_code], dept_sparks.get((dept.unit_code, dept.indicator_code), ()), lang,
                             source=i18n.t("cards.reported_by", lang, unit=units.get(dept.unit_code, dept.unit_code))))
        else:
            card = _card(row, names[row.indicator_code], (), lang)
            if len(reporting):
                listed = " · ".join(f"{units.get(r.unit_code, r.unit_code)}: {numbers.pct(r.value, lang)}" for r in reporting.itertuples())
                card = replace(card, lines=card.lines + (i18n.t("cards.departments", lang, list=listed),))
            out.append(card)
    return out


def ordered(shown: list[Card], order: str) -> list[Card]:
    """The cards as the registry lists them, or the worst first: behind, at risk, on track, met, then
    those without a target or figures; within a status the largest shortfall against the target first."""
    if order != "worst":
        return list(shown)
    return sorted(shown, key=lambda c: (WORST_FIRST.get(c.status, len(WORST_FIRST)), c.gap if c.gap is not None else float("inf")))


@st.cache_data(show_spinner=False, max_entries=32)
def draw_cards(key: DataKey, period: str, lang: str, columns: int = 3, order: str = "registry") -> None:
    shown = ordered(cards(key, period, lang), order)
    st.markdown(status_counts_markdown([c.status for c in shown], lang))
    card_grid(shown, lang, columns)


@st.cache_data(show_spinner=False, max_entries=32)
def draw_returns(key: DataKey, period: str, lang: str, allowed: frozenset[str] | None, today: dt.date) -> None:
    """Who has reported this month and who has not yet (missing, late or not yet due), for every reader:
    a leader asks it in the meeting."""
    units = common.within(data.completeness_units_on(key, (period,), today), allowed)
    if units.empty:
        return
    names = common.unit_names(key, lang)
    done = units["status"].isin(["on_time", "late"])
    st.markdown(i18n.t("leaders.overview.returns", lang, n=numbers.integer(int(done.sum()), lang),
                       total=numbers.integer(len(units), lang), period=i18n.fmt_period_short(period)))
    for status in ("missing", "pending", "late"):
        codes = units.loc[units["status"] == status, "unit_code"].tolist()
        if codes:
            named = numbers.name_list([names.get(c, c) for c in codes], lang, NAMED_MISSING)
            st.caption(i18n.t(f"leaders.overview.returns_{status}", lang, count=numbers.integer(len(codes), lang),
                              units=md_escape(named)))


# --- trend ------------------------------------------------------------------------------------------


WHOLE_SERIES_MONTHS = 48  # a trend shows every month held up to this many, then from January of the previous year


def trend_start(key: DataKey, period: str) -> str:
    """The first month with figures, when the whole series up to `period` fits a chart; else January of the
    previous year."""
    held = [p for p in common.months(key) if p <= period]
    if held and len(periods_mod.span(held[0], period)) <= WHOLE_SERIES_MONTHS:
        return held[0]
    first = periods_mod.make(periods_mod.year(period) - 1, 1)
    return max(first, held[0]) if held else first


@st.cache_data(show_spinner=False, max_entries=64)
def default_indicator(key: DataKey, period: str) -> str:
    """The first indicator of the registry with figures for the province that month."""
    province = data.kpis(key, period, "province")
    with_data = province.loc[province["status"] != "no_data", "indicator_code"]
    return with_data.iloc[0] if len(with_data) else province["indicator_code"].iloc[0]


def trend_series(key: DataKey, period: str, indicator: str, level: str, unit_codes: tuple[str, ...], lang: str,
                 first: str, glide_year_only: bool = True) -> pd.DataFrame:
    """`period, unit_code, label, value, target, expected` for the chart; the glide path kept for the
    year of `period` only (each year has its own, and joining them draws a saw)."""
    tr = data.trend(key, period, level, first=first)
    tr = tr[(tr["indicator_code"] == indicator) & tr["unit_code"].isin(unit_codes)]
    names = common.unit_names(key, lang)
    out = tr[["period", "unit_code", "value", "target", "expected"]].copy()
    if glide_year_only:
        out.loc[out["period"].str[:4] != period[:4], "expected"] = float("nan")
    out["label"] = out["unit_code"].map(lambda c: names.get(c, c))
    out["order"] = out["unit_code"].map({c: i for i, c in enumerate(unit_codes)})
    return out.sort_values(["order", "period"]).drop(columns="order").reset_index(drop=True)


@st.cache_data(show_spinner=False, max_entries=64)
def draw_trend(key: DataKey, period: str, indicator: str, lang: str) -> None:
    province = data.kpis(key, period, "province")
    code = province["unit_code"].iloc[0]
    series = trend_series(key, period, indicator, "province", (code,), lang, trend_start(key, period))
    outlook = data.outlook(key, period, "province")
    outlook = outlook[outlook["indicator_code"] == indicator]
    if series["value"].notna().sum() == 0:
        st.info(i18n.t("leaders.overview.trend_no_data", lang))
        return
    fig = charts.trend_chart(series, lang, outlook=outlook)
    st.plotly_chart(fig, config=charts.CONFIG, key=None)
    row = outlook.iloc[0] if len(outlook) else None
    if row is not None and numbers.known(row["projected_december"]) and numbers.known(row["target"]) and row["months_left"] > 0:
        key_text = "leaders.overview.outlook_on_course" if bool(row["on_course"]) else "leaders.overview.outlook_short"
        st.caption(i18n.t(key_text, lang, projected=numbers.pct(row["projected_december"], lang),
                          target=numbers.target_pct(row["target"], lang), needed=numbers.signed_points(row["needed_gain_pp"], lang)))
    st.caption(i18n.t("leaders.overview.trend_caption", lang))


# --- what changed --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    gains: tuple[str, ...]
    drops: tuple[str, ...]
    comparable: bool  # the units existed last month too
    new_flags: tuple[str, ...]
    n_new: int
    n_cleared: int
    n_flagged: int
    flags_comparable: bool


@st.cache_data(show_spinner=False, max_entries=32)
def changes(key: DataKey, period: str, lang: str, allowed: frozenset[str] | None = None, today: dt.date | None = None) -> Changes:
    """Biggest gains and drops among the localities of the month, and the units flagged this month but
    not the month before, judged on local date `today` as the weak-localities page does (a return not
    yet due is not missing); only units in `allowed` (None: all)."""
    level = common.reporting_level(key, period)
    k = common.within(data.kpis(key, period, level), allowed)
    names = common.unit_names(key, lang)
    indicators = common.indicator_names(key, lang)
    moved = k[k["change_mom_pp"].notna() & (k["change_mom_pp"] != 0)]

    def line(r) -> str:
        return (f"**{md_escape(names.get(r.unit_code, r.unit_code))}** · {md_escape(indicators[r.indicator_code])}: "
                f"{md_escape(numbers.pct(r.value, lang))} ({numbers.arrow(r.change_mom_pp)} {md_escape(numbers.signed_points(r.change_mom_pp, lang))})")

    gains = tuple(line(r) for r in moved[moved["change_mom_pp"] > 0].nlargest(CHANGES_SHOWN, "change_mom_pp").itertuples())
    drops = tuple(line(r) for r in moved[moved["change_mom_pp"] < 0].nsmallest(CHANGES_SHOWN, "change_mom_pp").itertuples())

    today = today or data.local_today(key)
    now = common.within(data.weak_localities_on(key, period, today).units, allowed)
    prev_period = common.previous(period)
    comparable_flags = prev_period in common.months(key)
    before = common.within(data.weak_localities_on(key, prev_period, today).units, allowed) if comparable_flags else now.iloc[0:0]
    new = now[~now["unit_code"].isin(before["unit_code"])] if comparable_flags else now.iloc[0:0]
    cleared = before[~before["unit_code"].isin(now["unit_code"])]
    rule_names = {r: i18n.t(f"metrics.rule.{r}", lang) for r in FLAG_RULES}

    def flag_line(r) -> str:
        rules = ", ".join(rule_names.get(x, x) for x in str(r.rules).split(",") if x)
        return (f"**{md_escape(names.get(r.unit_code, r.unit_code))}** · {md_escape(i18n.t(f'metrics.severity.{r.severity}', lang))} "
                f"({md_escape(i18n.t('leaders.overview.points', lang, points=r.points))}): {md_escape(rules)}")

    return Changes(
        gains=gains, drops=drops, comparable=bool(k["change_mom_pp"].notna().any()),
        new_flags=tuple(flag_line(r) for r in new.head(FLAGS_SHOWN).itertuples()), n_new=len(new), n_cleared=len(cleared),
        n_flagged=len(now), flags_comparable=comparable_flags,
    )


@st.cache_data(show_spinner=False, max_entries=32)
def draw_changes(key: DataKey, period: str, lang: str, allowed: frozenset[str] | None = None, today: dt.date | None = None) -> None:
    c = changes(key, period, lang, allowed, today)
    level = common.reporting_level(key, period)
    st.caption(i18n.t("leaders.overview.changes_caption", lang, level=common.level_labels(key, period, lang)[level],
                      previous=i18n.fmt_period_short(common.previous(period))))
    left, middle, right = st.columns(3)
    with left:
        st.markdown(f"**{i18n.t('leaders.overview.gains', lang)}**")
        _bullets(c.gains if c.comparable else (), i18n.t("leaders.overview.no_comparison" if not c.comparable else "leaders.overview.none", lang))
    with middle:
        st.markdown(f"**{i18n.t('leaders.overview.drops', lang)}**")
        _bullets(c.drops if c.comparable else (), i18n.t("leaders.overview.no_comparison" if not c.comparable else "leaders.overview.none", lang))
    with right:
        st.markdown(f"**{i18n.t('leaders.overview.new_flags', lang, count=c.n_new)}**")
        if not c.flags_comparable:
            st.caption(i18n.t("leaders.overview.no_previous_month", lang))
        else:
            _bullets(c.new_flags, i18n.t("leaders.overview.none", lang))
            if c.n_new > len(c.new_flags):
                st.caption(i18n.t("leaders.overview.more", lang, count=c.n_new - len(c.new_flags)))
            st.caption(i18n.t("leaders.overview.flag_totals", lang, flagged=c.n_flagged, cleared=c.n_cleared))


def _bullets(lines, empty: str) -> None:
    if lines:
        st.markdown("\n".join(f"- {line}" for line in lines))
    else:
        st.caption(empty)
