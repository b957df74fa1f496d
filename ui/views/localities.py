"""Địa phương: units of one level compared on an indicator (ranked bars with the target), across all
indicators (a status heat map), and in a sortable table that downloads as CSV and Excel."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

import i18n
from domain.safe_text import md_escape
from presentation import numbers
from ui import charts, data
from ui.cards import status_legend_markdown
from ui.data import DataKey
from ui.theme import status_style, status_text
from ui.views import common

EDGE = 10  # units shown at each end of a long ranking
SHOW = ("edges", "all")


@st.cache_data(show_spinner=False, max_entries=64)
def ranking(key: DataKey, period: str, level: str, indicator: str, lang: str, allowed: frozenset[str] | None = None) -> pd.DataFrame:
    """The level's units for one indicator, best first (metrics' rank; units without figures last), with
    the name shown on the chart (`label`: rank and name) and the hover text; only units in `allowed`
    (None: all)."""
    k = common.within(data.kpis(key, period, level), allowed)
    rows = k[k["indicator_code"] == indicator].copy()
    names = common.unit_names(key, lang)
    rows["name"] = rows["unit_code"].map(lambda c: names.get(c, c))
    rows["rank_sort"] = rows["rank"].astype("float64").fillna(float("inf"))
    rows = rows.sort_values(["rank_sort", "name"]).drop(columns="rank_sort").reset_index(drop=True)
    rows["unit_label"] = [f"{int(r)}. {n}" if numbers.known(r) else n for r, n in zip(rows["rank"], rows["name"])]
    # A unit that did not report ranks on a stock figure carried from an earlier month: its bar says so.
    rows["label"] = [numbers.with_carried(lb, m, lang) for lb, m in zip(rows["unit_label"], rows["carried_from"])]
    rows["hover"] = [
        charts.hover_text(
            r.name,
            f"{i18n.t('charts.value', lang)}: {numbers.with_carried(numbers.pct(r.value, lang), r.carried_from, lang)}",
            f"{i18n.t('charts.target', lang)}: {numbers.target_pct(r.target, lang)} ({numbers.signed_points(r.gap_pp, lang)})" if numbers.known(r.target) else "",
            f"{i18n.t('charts.status', lang)}: {status_text(r.status, lang)}",
            i18n.t("charts.rank_of", lang, rank=int(r.rank), peers=int(r.peers)) if numbers.known(r.rank) else "",
            i18n.t("charts.ratio", lang, numerator=numbers.integer(r.numerator, lang), denominator=numbers.integer(r.denominator, lang)),
            i18n.t("charts.change", lang, change=numbers.signed_points(r.change_mom_pp, lang)) if numbers.known(r.change_mom_pp) else "",
        )
        for r in rows.itertuples()
    ]
    return rows


def ranked_count(key: DataKey, period: str, level: str, indicator: str, lang: str, allowed: frozenset[str] | None = None) -> int:
    rows = ranking(key, period, level, indicator, lang, allowed)
    return int(rows["value"].notna().sum())


@st.cache_data(show_spinner=False, max_entries=128)
def long_ranking(key: DataKey, period: str, level: str, indicator: str, lang: str, allowed: frozenset[str] | None = None) -> bool:
    """Whether the ranking is long enough to show its two ends only (the "show" switch appears)."""
    return ranked_count(key, period, level, indicator, lang, allowed) > 2 * EDGE + 5


def _shown(key: DataKey, period: str, level: str, indicator: str, show: str, lang: str,
           allowed: frozenset[str] | None) -> tuple[pd.DataFrame, int | None, int]:
    """The rows drawn, where the gap goes (after the top rows) and how many units the gap hides."""
    rows = ranking(key, period, level, indicator, lang, allowed)
    ranked = rows[rows["value"].notna()]
    if show == "all" or not long_ranking(key, period, level, indicator, lang, allowed):
        return ranked, None, 0
    return pd.concat([ranked.head(EDGE), ranked.tail(EDGE)]), EDGE, len(ranked) - 2 * EDGE


@st.cache_data(show_spinner=False, max_entries=64)
def _bars(key: DataKey, period: str, level: str, indicator: str, show: str, lang: str,
          allowed: frozenset[str] | None = None):
    """The bar chart's figure and the unit code of each bar label (for the drill-through)."""
    rows, gap_after, hidden = _shown(key, period, level, indicator, show, lang, allowed)
    if rows.empty:
        return None, {}
    fig = charts.ranked_bars(rows, lang, gap_label=i18n.t("charts.gap_rows", lang, count=hidden) if gap_after else None,
                             gap_after=gap_after)
    return fig, _codes(rows)


def draw_bars(key: DataKey, period: str, level: str, indicator: str, show: str, lang: str,
              allowed: frozenset[str] | None = None) -> None:
    """The ranked bars; clicking a bar opens that unit's profile for the same month (issue 12)."""
    fig, codes = _bars(key, period, level, indicator, show, lang, allowed)
    everything = ranking(key, period, level, indicator, lang, allowed)
    if fig is None:
        st.info(i18n.t("leaders.localities.no_data", lang))
        return
    event = st.plotly_chart(fig, config=charts.CONFIG, on_select="rerun", selection_mode="points",
                            key=f"localities_bars_{level}_{indicator}")
    st.caption(i18n.t("push.drill.bars_hint", lang))
    missing = everything[everything["value"].isna()]
    if len(missing):
        st.caption(i18n.t("leaders.localities.without_figures", lang, count=len(missing), names=", ".join(md_escape(n) for n in missing["name"])))
    _open_profile(event, codes, period)


@st.cache_data(show_spinner=False, max_entries=64)
def _heatmap(key: DataKey, period: str, level: str, indicator: str, show: str, lang: str,
             allowed: frozenset[str] | None = None):
    """Every indicator with figures at this level, for the units of the bar chart in the same order; and the
    unit code of each row label (for the drill-through)."""
    rows, gap_after, hidden = _shown(key, period, level, indicator, show, lang, allowed)
    if rows.empty:
        return None, {}, ""
    k = data.kpis(key, period, level)
    measured = k.groupby("indicator_code", sort=False)["value"].apply(lambda v: v.notna().any())
    columns = [c for c in k["indicator_code"].drop_duplicates() if measured.get(c, False)]
    short = common.short_names(key, lang)
    names = dict(zip(rows["unit_code"], rows["unit_label"]))  # a row holds every indicator: marks go in its cells
    cells = k[k["unit_code"].isin(names) & k["indicator_code"].isin(columns)].copy()
    cells["label"] = cells["unit_code"].map(names)
    full = common.indicator_names(key, lang)
    cells["hover"] = [
        charts.hover_text(f"{lb} – {full[c]}", f"{i18n.t('charts.value', lang)}: {numbers.with_carried(numbers.pct(v, lang), m, lang)}",
                          f"{i18n.t('charts.target', lang)}: {numbers.target_pct(t, lang)}", status_text(s, lang))
        for lb, c, v, t, s, m in zip(cells["label"], cells["indicator_code"], cells["value"], cells["target"], cells["status"],
                                     cells["carried_from"])
    ]
    labels = list(rows["unit_label"])
    if gap_after:
        labels = labels[:gap_after] + [i18n.t("charts.gap_rows", lang, count=hidden)] + labels[gap_after:]
    fig = charts.status_heatmap(cells, labels, {c: _wrap(short[c]) for c in columns}, lang)
    gap = i18n.t("charts.gap_rows", lang, count=hidden) if gap_after else None
    chips = unit_chips_html(rows, cells, columns, short, lang, gap_after=gap_after, gap_label=gap)
    return fig, _codes(rows), chips


def draw_heatmap(key: DataKey, period: str, level: str, indicator: str, show: str, lang: str,
                 allowed: frozenset[str] | None = None) -> None:
    """The heat map; clicking a cell opens that unit's profile for the same month (issue 12). Both the grid
    and a list are drawn; CSS (ui.chrome) shows the grid on a wide screen and the list of chips below 640 px,
    where a grid of ~14 columns cannot be read (the server cannot know the width)."""
    fig, codes, chips = _heatmap(key, period, level, indicator, show, lang, allowed)
    if fig is None:
        return
    with st.container(key="heatmap_wide"):
        event = st.plotly_chart(fig, config=charts.CONFIG, on_select="rerun", selection_mode="points",
                                key=f"localities_heatmap_{level}_{indicator}_{show}")
        st.markdown(status_legend_markdown(lang))
        st.caption(i18n.t("leaders.localities.heatmap_caption", lang) + " " + i18n.t("push.drill.heatmap_hint", lang))
    with st.container(key="heatmap_narrow"):
        st.caption(i18n.t("firstday.heatmap.narrow_caption", lang))
        st.markdown(status_legend_markdown(lang))
        st.html(chips)
    _open_profile(event, codes, period)


def _codes(rows: pd.DataFrame) -> dict[str, str]:
    """Each row label → its unit code, as typed and as plotly gives it back (escaped for its HTML subset)."""
    codes = dict(zip(rows["label"], rows["unit_code"]))
    return {**codes, **{html.escape(str(label), quote=False): code for label, code in codes.items()}}


def _open_profile(event, codes: dict[str, str], period: str) -> None:
    """A chart's selected point → that unit's profile for the same month."""
    points = event.selection.points if event and event.selection else []
    common.open_profile(next((codes.get(p.get("y")) for p in points if codes.get(p.get("y"))), None), period)


def unit_chips_html(rows: pd.DataFrame, cells: pd.DataFrame, columns: list[str], short: dict[str, str], lang: str,
                    *, gap_after: int | None = None, gap_label: str | None = None) -> str:
    """The heat map as a list for a phone: each unit (in the chart's order) in bold, then one chip per
    indicator in its status colour with its symbol, short name and value ("✖ Trực tuyến 41,20%"); the
    units left out between the two ends of a long ranking are said where they are left out. Plain HTML
    (styled by the classes in ui.chrome), escaped: 130 units × 14 chips as markdown badges took the
    browser seconds to draw even while hidden."""
    by_unit = {u: g.set_index("indicator_code") for u, g in cells.groupby("unit_code", sort=False)}
    blocks = []
    for code, label in zip(rows["unit_code"], rows["label"]):
        mine = by_unit.get(code)
        chips = []
        for c in columns:
            if mine is None or c not in mine.index:
                continue
            cell = mine.loc[c]
            status = cell["status"] if isinstance(cell["status"], str) else "no_data"
            text = f"{status_style(status).icon} {short[c]} {numbers.pct(cell['value'], lang)}"
            chips.append(f'<span class="p06-chip p06-{html.escape(status)}">{html.escape(text)}</span>')
        if gap_after is not None and len(blocks) == gap_after and gap_label:
            blocks.append(f'<p class="p06-gap">{html.escape(gap_label)}</p>')
        blocks.append(f'<p class="p06-unit"><b>{html.escape(label)}</b><br>{" ".join(chips)}</p>')
    return '<div class="p06-chips">' + "".join(blocks) + "</div>"


def _wrap(text: str, width: int = 14) -> str:
    """Break a column name over lines of about `width` characters (plotly wraps nothing by itself)."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


# --- the table ---------------------------------------------------------------------------------------


def _columns(lang: str) -> dict[str, str]:
    keys = ("rank", "code", "unit", "value", "target", "gap", "expected", "status", "change", "numerator", "denominator",
            "note")
    return {k: i18n.t(f"leaders.localities.col_{k}", lang) for k in keys}


@st.cache_data(show_spinner=False, max_entries=64)
def table(key: DataKey, period: str, level: str, indicator: str, lang: str, allowed: frozenset[str] | None = None) -> pd.DataFrame:
    """What the table shows and the downloads hold: numbers as numbers (fractions for rates, points for
    differences), so that sorting and spreadsheets work; the page formats them for reading."""
    rows = ranking(key, period, level, indicator, lang, allowed)
    c = _columns(lang)
    return pd.DataFrame({
        c["rank"]: rows["rank"].astype("Int64"),
        c["code"]: rows["unit_code"],
        c["unit"]: rows["name"],
        c["value"]: rows["value"],
        c["target"]: rows["target"],
        c["gap"]: rows["gap_pp"].round(2),
        c["expected"]: rows["expected"],
        c["status"]: [status_text(s, lang) for s in rows["status"]],
        c["change"]: rows["change_mom_pp"].round(2),
        c["numerator"]: rows["numerator"].astype("Int64"),
        c["denominator"]: rows["denominator"].astype("Int64"),
        c["note"]: [numbers.carried_note(m, lang) for m in rows["carried_from"]],
    })


def percent_columns(lang: str) -> list[str]:
    c = _columns(lang)
    return [c["value"], c["target"], c["expected"]]


def integer_columns(lang: str) -> list[str]:
    c = _columns(lang)
    return [c["rank"], c["numerator"], c["denominator"]]


@st.cache_resource(show_spinner=False, max_entries=32)
def _styled(key: DataKey, period: str, level: str, indicator: str, lang: str, allowed: frozenset[str] | None = None):
    """The table's cells keep their numbers (a click on a header sorts by value) and show them in the reader's
    convention through a Styler. Building it costs about a tenth of a second, so it is kept per data version
    (a Styler holds its formatters, which pickle does not take: a resource, read and never changed)."""
    frame = table(key, period, level, indicator, lang, allowed)
    c = _columns(lang)
    fmt = {col: (lambda v: numbers.pct(v, lang)) for col in (c["value"], c["expected"])}
    fmt[c["target"]] = lambda v: numbers.target_pct(v, lang)
    fmt[c["gap"]] = lambda v: numbers.signed_number(v, lang)
    fmt[c["change"]] = lambda v: numbers.signed_number(v, lang)
    for col in (c["numerator"], c["denominator"]):
        fmt[col] = lambda v: numbers.integer(v, lang)
    fmt[c["rank"]] = lambda v: str(int(v)) if numbers.known(v) else "–"
    # The unit and its value first and pinned: on a phone they are what fits, the rest scrolls sideways.
    shown = frame.drop(columns=[c["code"]])
    first = [c["unit"], c["value"]]
    return shown[first + [col for col in shown.columns if col not in first]].style.format(fmt, na_rep="–"), list(frame[c["code"]])


def draw_table(key: DataKey, period: str, level: str, indicator: str, lang: str, allowed: frozenset[str] | None = None) -> None:
    """The table, sortable by any column; selecting a row opens that unit's profile for the same month."""
    styled, codes = _styled(key, period, level, indicator, lang, allowed)
    c = _columns(lang)
    event = st.dataframe(styled, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                         key=f"localities_table_{level}_{indicator}",
                         column_config={c["unit"]: st.column_config.TextColumn(pinned=True),
                                        c["value"]: st.column_config.Column(pinned=True)})
    st.caption(i18n.t("push.drill.table_hint", lang))
    row = common.selected_row(event)
    if row is not None and 0 <= row < len(codes):
        common.open_profile(codes[row], period)


@st.cache_data(show_spinner=False, max_entries=64)
def measured(key: DataKey, period: str, level: str) -> list[str]:
    """The indicators with figures for some unit of the level that month, in registry order (communes
    report no hospital fees; departments no ID cards)."""
    k = data.kpis(key, period, level)
    with_data = set(k.loc[k["value"].notna(), "indicator_code"])
    return [c for c in k["indicator_code"].drop_duplicates() if c in with_data]
