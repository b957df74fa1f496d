"""Tổng quan at the country level (a deployment holding several provinces, none opened): the nation's
indicators against the target the provinces' own targets add up to, the provinces ranked per indicator and
by composite score, and one click down into a province (which then looks like a single-province
installation: ui/frame.opened_province)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

import i18n
from presentation import numbers
from ui import charts, data, filters, frame
from ui.cards import Card, card_grid, status_counts_markdown
from ui.data import DataKey
from ui.theme import status_text
from ui.views import common
from ui.views.overview import SPARK_MONTHS, _card

NATION_MONTHS = SPARK_MONTHS + 1  # the sparkline's months and the month before them (the change)


def province_names(key: DataKey, lang: str) -> dict[str, str]:
    provinces = data.provinces(key)
    return dict(zip(provinces["code"], provinces["name_vi" if lang == "vi" else "name_en"]))


@st.cache_data(show_spinner=False, max_entries=32)
def cards(key: DataKey, period: str, lang: str) -> list[Card]:
    """One card per indicator: the nation's figure, its target, and how many provinces meet theirs."""
    table = data.nation_trend(key, period, n_months=NATION_MONTHS)
    names = common.indicator_names(key, lang)
    out = []
    for row in table[table["period"] == period].itertuples():
        history = table[(table["indicator_code"] == row.indicator_code) & table["value"].notna()]
        spark = tuple(round(float(v) * 100, 2) for v in history.sort_values("period")["value"].tail(SPARK_MONTHS))
        card = _card(row, names.get(row.indicator_code, row.indicator_code), spark, lang)
        lines = card.lines[:-1] + (
            i18n.t("country.provinces_reporting", lang, n=numbers.integer(row.n_reporting, lang),
                   total=numbers.integer(row.n_units, lang)),
        )
        if row.status not in ("no_data", "no_target"):
            lines += (i18n.t("country.provinces_met", lang, met=numbers.integer(row.n_met, lang),
                             total=numbers.integer(row.n_reporting, lang), behind=numbers.integer(row.n_behind, lang)),)
        out.append(replace(card, lines=lines))
    return out


def ranked(key: DataKey, period: str, indicator: str, lang: str) -> pd.DataFrame:
    """The provinces for one indicator, best first, as `charts.ranked_bars` draws them (plus `unit_code`)."""
    rows = data.kpis(key.whole, period, "province")
    rows = rows[rows["indicator_code"] == indicator].sort_values(["value", "unit_code"], ascending=[False, True], na_position="last")
    names = province_names(key, lang)
    hover = [
        charts.hover_text(names.get(r.unit_code, r.unit_code),
                          f"{numbers.pct(r.value, lang)} · {status_text(r.status, lang)}",
                          f"{i18n.t('overview.target', lang)}: {numbers.target_pct(r.target, lang)}",
                          f"{i18n.t('overview.numerator', lang)}: {numbers.integer(r.numerator, lang)} · "
                          f"{i18n.t('overview.denominator', lang)}: {numbers.integer(r.denominator, lang)}")
        for r in rows.itertuples()
    ]
    return pd.DataFrame({"unit_code": rows["unit_code"].to_numpy(), "label": [names.get(c, c) for c in rows["unit_code"]],
                         "value": rows["value"].to_numpy(), "target": rows["target"].to_numpy(),
                         "status": rows["status"].to_numpy(), "hover": hover})


def scores(key: DataKey, period: str, lang: str) -> pd.DataFrame:
    """The provinces by composite score, best first: rank, name, score, change, indicators met and behind."""
    board = data.scorecard(key.whole, period, levels=("province",)).scores
    if board.empty:
        return pd.DataFrame()
    board = board.sort_values(["rank", "unit_code"], na_position="last")
    kpis = data.kpis(key.whole, period, "province")
    met = kpis[kpis["status"] == "met"].groupby("unit_code").size()
    behind = kpis[kpis["status"] == "behind"].groupby("unit_code").size()
    names = province_names(key, lang)
    col = lambda c: i18n.t(f"country.column.{c}", lang)
    return pd.DataFrame({
        "code": board["unit_code"].to_numpy(),
        col("rank"): [numbers.integer(r, lang) if pd.notna(r) else "–" for r in board["rank"]],
        col("province"): [names.get(c, c) for c in board["unit_code"]],
        col("score"): [numbers.decimal(s, lang, 1) if pd.notna(s) else "–" for s in board["score"]],
        col("change"): [numbers.signed_number(c, lang, 1) if pd.notna(c) else "–" for c in board["change"]],
        col("met"): [int(met.get(c, 0)) for c in board["unit_code"]],
        col("behind"): [int(behind.get(c, 0)) for c in board["unit_code"]],
    })


def _open_from_bars(widget: str, codes: dict[str, str]) -> None:
    event = st.session_state.get(widget)
    points = event.selection.points if event and event.selection else []
    for point in points:
        code = codes.get(point.get("y"))
        if code:
            frame.open_province(code)
            return


def _open_from_table(widget: str, codes: list[str]) -> None:
    row = common.selected_row(st.session_state.get(widget))
    if row is not None and 0 <= row < len(codes):
        frame.open_province(codes[row])


def draw(key: DataKey, period: str, lang: str) -> None:
    """The country page: the nation's cards, the provinces ranked for one indicator, the composite ranking."""
    names = province_names(key, lang)
    st.subheader(i18n.t("country.heading", lang, n=numbers.integer(len(names), lang)))
    shown = cards(key, period, lang)
    st.markdown(status_counts_markdown([c.status for c in shown], lang))
    card_grid(shown, lang)
    st.caption(i18n.t("country.explain", lang))

    st.subheader(i18n.t("country.ranking_heading", lang))
    chooser, _ = st.columns([2, 1])
    indicator = filters.indicator_picker("country_indicator", data.registry(key), lang, container=chooser,
                                         codes=[c.code for c in shown if c.status != "no_data"] or None)
    rows = ranked(key, period, indicator, lang)
    if not rows.empty:
        st.caption(i18n.t("country.click_bar", lang))
        codes = dict(zip((charts._plot_text(x) for x in rows["label"]), rows["unit_code"]))
        st.plotly_chart(charts.ranked_bars(rows, lang), key="country_bars", on_select=lambda: _open_from_bars("country_bars", codes),
                        selection_mode="points", config=charts.CONFIG)

    st.subheader(i18n.t("country.score_heading", lang))
    board = scores(key, period, lang)
    if board.empty:
        st.info(i18n.t("country.no_scores", lang))
        return
    st.caption(i18n.t("country.score_explain", lang))
    codes_in_order = board["code"].tolist()
    st.dataframe(board.drop(columns=["code"]), hide_index=True, key="country_scores", on_select=lambda: _open_from_table("country_scores", codes_in_order),
                 selection_mode="single-row", width="stretch",
                 height=min(36 * (len(board) + 1) + 3, 1300))
