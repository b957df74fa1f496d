"""Kiểm tra số liệu (issue 19): the month's signals (metrics.anomalies) with their verification status, the
history chart of one signalled figure beside its peers, and the table people read. Nothing here decides a
signal or a status: metrics.anomalies and services.verification do; presentation.anomalies words them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import i18n
from domain.registry import Registry
from metrics import anomalies, months
from presentation import anomalies as words
from presentation.numbers import decimal, integer, pct
from storage import frames
from ui import data
from ui.charts import CONFIG, hover_text
from ui.data import DataKey
from ui.theme import plotly_layout

HISTORY_MONTHS = 13


@st.cache_data(show_spinner=False, max_entries=32)
def month_signals(key: DataKey, period: str) -> pd.DataFrame:
    """Every signal of the month (verified ones included: the page hides them unless asked)."""
    return anomalies.signals(data.inputs(key), period, revisions=frames.load_revisions(data.engine(), [period]))


def table(shown: pd.DataFrame, names: Mapping[str, str], registry: Registry, lang: str, config) -> pd.DataFrame:
    t = lambda k: i18n.t(k, lang)  # noqa: E731
    return pd.DataFrame({
        t("review.col.priority"): [decimal(p, lang, 2) for p in shown["priority"]],
        t("review.col.unit"): [f"{names.get(c, c)} ({c})" for c in shown["unit_code"]],
        t("review.col.status"): [words.status_name(s, lang) for s in shown["status"]],
        t("review.col.signal"): [words.signal_name(s, lang) for s in shown["signal"]],
        t("review.col.sentence"): [words.sentence(r, registry, lang, config) for r in shown.itertuples(index=False)],
        t("review.col.impact"): [words.impact_sentence(r, registry, lang) for r in shown.itertuples(index=False)],
    })


def label(row, names: Mapping[str, str], registry: Registry, lang: str) -> str:
    return f"{names.get(row.unit_code, row.unit_code)} · {words.subject_name(row, registry, lang)} · {words.signal_name(row.signal, lang)}"


def history_chart(key: DataKey, row, names: Mapping[str, str], registry: Registry, lang: str) -> go.Figure | None:
    """The figure (an element's value or a rate) over the last 13 months: the unit, its peers' median and
    their 25–75 % range (same level and province, those that reported)."""
    if row.subject_kind not in ("element", "indicator"):
        return None
    cube = data.inputs(key).cube
    end = months.index(row.period)
    lo = end - HISTORY_MONTHS + 1
    slab = cube.slab(lo, end)
    if row.subject_kind == "element":
        series = slab[:, :, cube.elements.index(row.subject)]
        is_rate = False
    else:
        i = cube.indicator_codes.index(row.subject)
        num, den = slab[:, :, cube.numerator[i]], slab[:, :, cube.denominator[i]]
        with np.errstate(all="ignore"):
            series = np.where(den > 0, num / den, np.nan)
        is_rate = True
    u = int(np.flatnonzero(cube.unit_codes == row.unit_code)[0])
    peers = (cube.unit_level == cube.unit_level[u]) & (cube.unit_province == cube.unit_province[u])
    x = [f"{months.period(m)[5:7]}/{months.period(m)[:4]}" for m in range(lo, end + 1)]
    with np.errstate(all="ignore"), _quiet():
        q25, q50, q75 = (np.nanpercentile(series[:, peers], q, axis=1) for q in (25, 50, 75))
    fmt = (lambda v: pct(v, lang)) if is_rate else (lambda v: integer(v, lang))
    own = series[:, u]
    t = lambda k: i18n.t(k, lang)  # noqa: E731
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=q75, mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False))
    fig.add_trace(go.Scatter(x=x, y=q25, mode="lines", line={"width": 0}, fill="tonexty", fillcolor="rgba(31,78,121,0.12)",
                             name=t("review.chart_peer_band"), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=x, y=q50, mode="lines", line={"color": "#7f7f7f", "dash": "dash"}, name=t("review.chart_peer_median"),
                             hovertext=[hover_text(m, fmt(v)) for m, v in zip(x, q50)], hoverinfo="text"))
    name = names.get(row.unit_code, row.unit_code)
    fig.add_trace(go.Scatter(x=x, y=own, mode="lines+markers", line={"color": "#c0392b", "width": 3}, name=name,
                             hovertext=[hover_text(f"{name} · {m}", fmt(v)) for m, v in zip(x, own)], hoverinfo="text"))
    title = i18n.t("review.chart_title", lang, subject=words.subject_name(row, registry, lang), unit=name)
    axis = {"tickformat": ".0%"} if is_rate else {"separatethousands": True}
    fig.update_layout(**plotly_layout(lang, title={"text": title, "font": {"size": 14}}, height=340,
                                      yaxis={**axis, "gridcolor": "#e0e0e0"}, xaxis={"title": t("review.chart_month")}))
    return fig


class _quiet:
    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc):
        return self._w.__exit__(*exc)


def draw_chart(fig: go.Figure) -> None:
    st.plotly_chart(fig, config=CONFIG, width="stretch")


# --- the ⚠ mark wherever a page ranks a figure under verification -------------------------------------------

MARK = " ⚠"


def open_verifications(actor, period: str) -> pd.DataFrame:
    """The month's figures still under verification, for a reader who may see the review (others: none)."""
    from services import permissions, verification

    if not permissions.permits(actor, "view_followups"):
        return pd.DataFrame(columns=verification.COLUMNS)
    return verification.under_verification(verification.current(data.engine(), actor, period))


def marked_units(open_rows: pd.DataFrame, registry: Registry, indicator: str | None = None) -> set[str]:
    """Units with a figure under verification (that enters `indicator`, when one is given)."""
    if open_rows.empty:
        return set()
    if indicator is None:
        return set(open_rows["unit_code"])
    ind = registry.indicator_by_code[indicator]
    enters = {indicator, ind.numerator, ind.denominator, "*"}
    return set(open_rows.loc[open_rows["subject"].isin(enters), "unit_code"])


def mark_names(names: Mapping[str, str], units: set[str]) -> dict[str, str]:
    return {c: (n + MARK if c in units else n) for c, n in names.items()}
