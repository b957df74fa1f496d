"""Xu hướng: any indicators for any units of a level over a span of months, each indicator a chart with
the targets, the glide path (one unit) and each unit's December outlook at its current pace; and the
outlook as a table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from presentation import numbers
from ui import charts, data
from ui.data import DataKey
from ui.views import common
from ui.views.overview import trend_series

DEFAULT_UNITS = 3
MAX_UNITS = 8
MAX_INDICATORS = 4


@st.cache_data(show_spinner=False, max_entries=32)
def unit_options(key: DataKey, level: str, last: str, lang: str, allowed: frozenset[str] | None = None) -> dict[str, str]:
    """The groups of `level` that exist in `last` (code -> name), in name order."""
    k = common.within(data.kpis(key, last, level), allowed)
    names = common.unit_names(key, lang)
    codes = sorted(k["unit_code"].drop_duplicates(), key=lambda c: names.get(c, c))
    return {c: names.get(c, c) for c in codes}


@st.cache_data(show_spinner=False, max_entries=32)
def default_units(key: DataKey, level: str, last: str, indicator: str, allowed: frozenset[str] | None = None) -> list[str]:
    """The lowest-ranked units on the first indicator in the last month: the ones a leader asks about."""
    k = common.within(data.kpis(key, last, level), allowed)
    rows = k[(k["indicator_code"] == indicator) & k["rank"].notna()].sort_values("rank", ascending=False)
    return rows["unit_code"].head(DEFAULT_UNITS).tolist() or k["unit_code"].drop_duplicates().head(DEFAULT_UNITS).tolist()


def province_code(key: DataKey, last: str) -> str:
    return data.kpis(key, last, "province")["unit_code"].iloc[0]


def _series(key: DataKey, first: str, last: str, indicator: str, level: str, units: tuple[str, ...], with_province: bool,
            lang: str) -> pd.DataFrame:
    parts = []
    if units:
        parts.append(trend_series(key, last, indicator, level, units, lang, first))
    if with_province:
        parts.append(trend_series(key, last, indicator, "province", (province_code(key, last),), lang, first))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _outlook(key: DataKey, last: str, indicator: str, level: str, units: tuple[str, ...], with_province: bool) -> pd.DataFrame:
    parts = []
    if units:
        o = data.outlook(key, last, level)
        parts.append(o[(o["indicator_code"] == indicator) & o["unit_code"].isin(units)])
    if with_province:
        o = data.outlook(key, last, "province")
        parts.append(o[o["indicator_code"] == indicator])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


@st.cache_data(show_spinner=False, max_entries=32)
def draw_charts(key: DataKey, first: str, last: str, indicators: tuple[str, ...], level: str, units: tuple[str, ...],
                with_province: bool, lang: str) -> None:
    names = common.indicator_names(key, lang)
    for indicator in indicators:
        st.markdown(f"#### {names[indicator]}")
        series = _series(key, first, last, indicator, level, units, with_province, lang)
        if series.empty or series["value"].notna().sum() == 0:
            st.info(i18n.t("leaders.trends.no_data", lang))
            continue
        # Units that did not exist in part of the span (communes before 07/2025) simply start later.
        series = series[series["value"].notna() | series["target"].notna()]
        outlook = _outlook(key, last, indicator, level, units, with_province)
        fig = charts.trend_chart(series, lang, outlook=outlook, glide=series["unit_code"].nunique() == 1, height=380)
        st.plotly_chart(fig, config=charts.CONFIG)
    st.caption(i18n.t("leaders.trends.caption", lang))


@st.cache_data(show_spinner=False, max_entries=32)
def outlook_table(key: DataKey, last: str, indicators: tuple[str, ...], level: str, units: tuple[str, ...],
                  with_province: bool, lang: str) -> pd.DataFrame:
    """Per indicator and unit: the value in the last month, the target, the December projection at the
    current pace, the monthly gain still needed, and whether the target will be met."""
    names = common.unit_names(key, lang)
    ind = common.indicator_names(key, lang)
    rows = pd.concat([_outlook(key, last, i, level, units, with_province) for i in indicators], ignore_index=True)
    if rows.empty:
        return pd.DataFrame()

    def verdict(r) -> str:
        if not numbers.known(r.target) or not numbers.known(r.projected_december):
            return "–"
        return i18n.t("leaders.trends.on_course" if bool(r.on_course) else "leaders.trends.off_course", lang)

    c = {k: i18n.t(f"leaders.trends.col_{k}", lang) for k in ("indicator", "unit", "value", "target", "projected", "needed", "verdict")}
    return pd.DataFrame({
        c["indicator"]: rows["indicator_code"].map(ind),
        c["unit"]: rows["unit_code"].map(lambda u: names.get(u, u)),
        c["value"]: [numbers.pct(v, lang) for v in rows["value"]],
        c["target"]: [numbers.target_pct(v, lang) for v in rows["target"]],
        c["projected"]: [numbers.pct(v, lang) for v in rows["projected_december"]],
        c["needed"]: [numbers.signed_points(v, lang) if numbers.known(v) and v > 0 else "–" for v in rows["needed_gain_pp"]],
        c["verdict"]: [verdict(r) for r in rows.itertuples()],
    })


@st.cache_data(show_spinner=False, max_entries=32)
def draw_outlook(key: DataKey, last: str, indicators: tuple[str, ...], level: str, units: tuple[str, ...],
                 with_province: bool, lang: str) -> None:
    table = outlook_table(key, last, indicators, level, units, with_province, lang)
    if table.empty:
        return
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(i18n.t("leaders.trends.outlook_caption", lang, period=i18n.fmt_period_short(last)))
