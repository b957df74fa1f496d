"""Plotly figures for the leaders' pages, built from metrics frames; nothing here computes a figure.

Conventions every chart keeps:
- numbers in the reader's convention: axis ticks by the layout's separators (72% / 72,5%), hover texts and
  bar labels formatted by `i18n` (72,35% in Vietnamese, 72.35% in English), months as 10/2026;
- a status is never shown by colour alone: bar labels and heat-map cells carry the status icon, legends
  and hover texts the status word;
- no plotly toolbar (its tooltips are English only and it offers nothing a leader needs); nothing fetched.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

import i18n
from domain import periods as periods_mod
from ui.theme import STATUS_ORDER, plotly_layout, status_style, status_text

CONFIG = {"displayModeBar": False, "responsive": True}
BAR_HEIGHT = 26  # px per bar: room for a two-line name at 13 px
HEAT_ROW = 24
SERIES_COLOURS = ("#1f4e79", "#c0504d", "#2e8b57", "#8064a2", "#d2691e", "#4bacc6", "#7f6000", "#e377c2", "#17becf", "#7f7f7f")
TARGET_COLOUR = "#444444"
GLIDE_COLOUR = "#8c8c8c"


def _pct(x, lang: str, digits: int = 2) -> str:
    return i18n.fmt_pct(x, lang, digits)


def _target(x, lang: str) -> str:
    """A target as it was set: 85%, 95,5%."""
    if x is None or not np.isfinite(x):
        return "–"
    hundred = float(x) * 100
    return i18n.fmt_pct(x, lang, 0 if abs(hundred - round(hundred)) < 1e-9 else 1 if abs(hundred * 10 - round(hundred * 10)) < 1e-9 else 2)


def _plot_text(text) -> str:
    """A name a user typed (a unit renamed by an administrator), for a plotly label: plotly draws a subset of
    HTML in labels (`<a href>` among it), so the text is escaped and shows as typed."""
    return html.escape(str(text), quote=False)


def hover_text(title: str, *lines: str) -> str:
    """A hover box: the title in bold, then the lines (plain text, escaped for plotly's HTML subset)."""
    return "<br>".join([f"<b>{html.escape(title)}</b>", *(html.escape(x) for x in lines if x)])


def _percent_axis(values: Sequence[float], *, floor_zero: bool) -> dict:
    """A percentage axis: from 0 (bars) or from a little below the lowest value (lines), to 100% or a
    little above the highest; 1% steps shown with decimals only when the span is narrow."""
    finite = [v for v in values if v is not None and np.isfinite(v)]
    hi = max(finite + [0.0])
    lo = 0.0 if floor_zero or not finite else max(0.0, min(finite) - 0.05)
    top = max(1.0, hi) if floor_zero else min(max(hi + 0.03, lo + 0.1), max(1.0, hi) + 0.02)
    span = top - lo
    return {"tickformat": ".0%" if span > 0.08 else ".1%", "range": [lo, top], "gridcolor": "#e0e0e0",
            "zeroline": False, "fixedrange": True}


# --- ranked bars -------------------------------------------------------------------------------------


def ranked_bars(rows: pd.DataFrame, lang: str, *, gap_label: str | None = None, gap_after: int | None = None) -> go.Figure:
    """Horizontal bars, best at the top, coloured by status with the icon in the label, the target as a
    line (the same for all) or a tick per bar (units with their own targets).

    `rows`: one row per unit in the order shown, columns `label` (name shown), `value`, `target`, `status`,
    `hover` (the hover box's text, lines joined by <br>). With `gap_after`, an empty row named `gap_label`
    separates the top from the bottom rows."""
    rows = rows.assign(label=[_plot_text(x) for x in rows["label"]])  # names as typed, not as plotly's HTML
    labels = rows["label"].tolist()
    if gap_after is not None and gap_label:
        labels = labels[:gap_after] + [gap_label] + labels[gap_after:]
    fig = go.Figure()
    for status in STATUS_ORDER:
        part = rows[rows["status"] == status]
        if part.empty:
            continue
        style = status_style(status)
        fig.add_trace(go.Bar(
            x=part["value"].fillna(0).tolist(), y=part["label"].tolist(), orientation="h", name=status_text(status, lang),
            marker={"color": style.colour}, customdata=part["hover"].tolist(), hovertemplate="%{customdata}<extra></extra>",
        ))
    targets = rows["target"].dropna()
    if not targets.empty:
        if targets.nunique() == 1:
            t = float(targets.iloc[0])
            fig.add_vline(x=t, line={"color": TARGET_COLOUR, "dash": "dash", "width": 2})
            # The line's name goes in the legend (an annotation on the line would sit on the axis labels).
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line={"color": TARGET_COLOUR, "dash": "dash", "width": 2},
                                     name=f"{i18n.t('charts.target', lang)}: {_target(t, lang)}", hoverinfo="skip"))
        else:
            with_target = rows[rows["target"].notna()]
            fig.add_trace(go.Scatter(
                x=with_target["target"].tolist(), y=with_target["label"].tolist(), mode="markers",
                name=i18n.t("charts.target", lang), marker={"symbol": "line-ns-open", "size": 18, "line": {"width": 3, "color": TARGET_COLOUR}},
                customdata=[[_target(v, lang)] for v in with_target["target"]],
                hovertemplate=f"{i18n.t('charts.target', lang)}: %{{customdata[0]}}<extra></extra>",
            ))
    n = len(labels)
    fig.update_layout(**plotly_layout(
        lang, height=BAR_HEIGHT * n + 110, barmode="overlay", bargap=0.25,
        margin={"l": 10, "r": 30, "t": 30, "b": 40},
        legend={"orientation": "h", "yanchor": "bottom", "y": 0, "yref": "container", "xanchor": "left", "x": 0, "title": None},
    ))
    xaxis = _percent_axis(rows["value"].tolist() + targets.tolist(), floor_zero=True)
    top = xaxis["range"][1]
    # Values with the status symbol in a column of their own right of the axis: beside each bar they would
    # collide with the target line whenever a unit sits near its target.
    fig.add_trace(go.Scatter(
        x=[top * 1.015] * len(rows), y=rows["label"].tolist(), mode="text", textposition="middle right",
        text=[f"{_pct(v, lang, 1)} {status_style(s).icon}" for v, s in zip(rows["value"], rows["status"])],
        textfont={"size": 12}, showlegend=False, hoverinfo="skip", cliponaxis=False, name="labels",
    ))
    xaxis["range"] = [0, top * 1.16]
    fig.update_xaxes(**xaxis, side="top")
    fig.update_yaxes(categoryorder="array", categoryarray=labels, autorange="reversed", automargin=True, fixedrange=True,
                     tickfont={"size": 13})
    return fig


# --- heat map ----------------------------------------------------------------------------------------


def status_heatmap(cells: pd.DataFrame, unit_labels: Sequence[str], indicator_labels: Mapping[str, str], lang: str) -> go.Figure:
    """Units (rows, in the order given) × indicators (columns), each cell coloured by status and carrying
    the status icon and the value. `cells`: `label`, `indicator_code`, `value`, `status`, `hover` (text)."""
    columns = list(indicator_labels)
    cells = cells.assign(label=[_plot_text(x) for x in cells["label"]])  # names as typed, not as plotly's HTML
    rows = [_plot_text(x) for x in unit_labels]
    code = {s: i for i, s in enumerate(STATUS_ORDER)}
    grid = cells.pivot_table(index="label", columns="indicator_code", values="status", aggfunc="first").reindex(index=rows, columns=columns)
    # A row with no cells at all (the gap between the top and the bottom units) stays blank.
    z = grid.apply(lambda col: col.map(lambda s: code.get(s, code["no_data"]) if isinstance(s, str) else np.nan)).to_numpy(dtype=float)
    present = set(cells["label"])
    text_of = dict(zip(zip(cells["label"], cells["indicator_code"]), zip(cells["value"], cells["status"])))
    hover_of = dict(zip(zip(cells["label"], cells["indicator_code"]), cells["hover"]))
    text, hover = [], []
    for r in rows:
        text.append([_cell_text(*text_of.get((r, c), (np.nan, "no_data")), lang) if r in present else "" for c in columns])
        hover.append([hover_of.get((r, c), "") for c in columns])
    n = len(STATUS_ORDER)
    scale = []
    for i, status in enumerate(STATUS_ORDER):
        colour = status_style(status).colour
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    x = [indicator_labels[c] for c in columns]
    fig = go.Figure(go.Heatmap(
        z=z, x=x, y=rows, zmin=-0.5, zmax=n - 0.5, colorscale=scale, showscale=False,
        text=text, texttemplate="%{text}", textfont={"size": 12, "color": "white"}, hoverinfo="skip", xgap=2, ygap=2,
    ))
    # plotly selects no heat-map cell, so a click layer lies over it: one invisible point at the centre of each
    # drawn cell. With no hover distance cut-off the nearest centre is the cell under the pointer, so a click
    # anywhere in a cell selects its unit (the drill-through) and the hover text is the cell's.
    points = [(xi, r, hover[i][j]) for i, r in enumerate(rows) if r in present for j, xi in enumerate(x)]
    invisible = {"marker": {"opacity": 0}}
    fig.add_trace(go.Scatter(
        x=[p[0] for p in points], y=[p[1] for p in points], customdata=[p[2] for p in points], mode="markers",
        marker={"size": 24, "opacity": 0, "symbol": "square"}, selected=invisible, unselected=invisible,
        hovertemplate="%{customdata}<extra></extra>", showlegend=False,
    ))
    fig.update_layout(**plotly_layout(lang, height=HEAT_ROW * len(rows) + 140, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                                      hovermode="closest", hoverdistance=-1, clickmode="event+select"))
    fig.update_xaxes(side="top", tickangle=0, fixedrange=True, tickfont={"size": 12})
    fig.update_yaxes(autorange="reversed", fixedrange=True, automargin=True)
    return fig


def _cell_text(value, status: str, lang: str) -> str:
    if value is None or not np.isfinite(value):
        return status_style("no_data").icon
    return f"{status_style(status).icon} {i18n.fmt_number(value * 100, lang, 1)}"


# --- time series ------------------------------------------------------------------------------------


def month_axis(first: str, last: str) -> list[str]:
    """Month labels "MM/YYYY" from `first` to `last`, in order (the x axis is categorical: no English
    month names from plotly's date axis, and no gap logic to explain)."""
    return [i18n.fmt_period_short(p) for p in periods_mod.span(first, last)]


def trend_chart(series: pd.DataFrame, lang: str, *, title: str | None = None, outlook: pd.DataFrame | None = None,
                glide: bool = True, height: int = 360) -> go.Figure:
    """Monthly values of one indicator for one or more units, with targets, the glide path and the
    December outlook.

    `series`: `period`, `unit_code`, `label` (unit name), `value`, `target`, `expected` (glide path), sorted
    by period. `outlook` (optional): `unit_code`, `period` (the month projected from), `value`,
    `projected_december`, `target`. The glide path is drawn when `glide` and there is one unit only;
    targets once when all units share them, else one faint line per unit."""
    series = series.assign(label=[_plot_text(x) for x in series["label"]])  # names as typed, not as plotly's HTML
    first, last = series["period"].min(), series["period"].max()
    end = last
    if outlook is not None and not outlook.empty:
        end = max(end, periods_mod.make(periods_mod.year(last), 12))
    xs = month_axis(first, end)
    units = list(dict.fromkeys(series["unit_code"]))
    single = len(units) == 1
    fig = go.Figure()
    shared_target = series.groupby("period")["target"].nunique(dropna=False).max() <= 1
    for k, unit in enumerate(units):
        part = series[series["unit_code"] == unit]
        colour = SERIES_COLOURS[k % len(SERIES_COLOURS)] if not single else SERIES_COLOURS[0]
        label = part["label"].iloc[0]
        x = [i18n.fmt_period_short(p) for p in part["period"]]
        fig.add_trace(go.Scatter(
            x=x, y=part["value"].tolist(), mode="lines+markers", name=label, line={"color": colour, "width": 2.5},
            marker={"size": 5}, connectgaps=False,
            customdata=[[label, _pct(v, lang)] for v in part["value"]],
            hovertemplate="<b>%{customdata[0]}</b><br>%{x}: %{customdata[1]}<extra></extra>",
        ))
        if (single or not shared_target) and part["target"].notna().any():
            fig.add_trace(_target_trace(part, x, lang, name=i18n.t("charts.target", lang) if single else f"{i18n.t('charts.target', lang)} – {label}",
                                        colour=TARGET_COLOUR if single else colour, faint=not single))
        if single and glide and part["expected"].notna().any():
            # One segment per year: each year's glide path starts afresh from the previous December's
            # value, and a line from December to January would draw a climb that nobody planned.
            years = part["period"].str[:4]
            for n, year in enumerate(dict.fromkeys(years)):
                seg = part[years == year]
                fig.add_trace(go.Scatter(
                    x=[i18n.fmt_period_short(p) for p in seg["period"]], y=seg["expected"].tolist(), mode="lines",
                    name=i18n.t("charts.glide", lang), legendgroup="glide", showlegend=n == 0,
                    line={"color": GLIDE_COLOUR, "dash": "dot", "width": 2}, connectgaps=False,
                    customdata=[[_pct(v, lang)] for v in seg["expected"]],
                    hovertemplate=f"{i18n.t('charts.glide', lang)} %{{x}}: %{{customdata[0]}}<extra></extra>",
                ))
        if outlook is not None and not outlook.empty:
            row = outlook[outlook["unit_code"] == unit]
            if not row.empty and np.isfinite(row["projected_december"].iloc[0]) and np.isfinite(row["value"].iloc[0]):
                r = row.iloc[0]
                if r["period"] < end:
                    px = [i18n.fmt_period_short(r["period"]), i18n.fmt_period_short(end)]
                    fig.add_trace(go.Scatter(
                        x=px, y=[r["value"], r["projected_december"]], mode="lines+markers",
                        name=i18n.t("charts.outlook", lang), legendgroup="outlook",
                        line={"color": colour, "dash": "dash", "width": 2}, marker={"symbol": ["circle", "diamond-open"], "size": [1, 11]},
                        customdata=[[label, _pct(v, lang)] for v in (r["value"], r["projected_december"])],
                        hovertemplate=f"<b>%{{customdata[0]}}</b><br>{i18n.t('charts.outlook', lang)} %{{x}}: %{{customdata[1]}}<extra></extra>",
                        showlegend=single or k == 0,
                    ))
    if not single and shared_target and series["target"].notna().any():
        one = series[series["unit_code"] == units[0]]
        fig.add_trace(_target_trace(one, [i18n.fmt_period_short(p) for p in one["period"]], lang,
                                    name=i18n.t("charts.target", lang), colour=TARGET_COLOUR, faint=False))
    values = series["value"].tolist() + series["target"].dropna().tolist()
    if outlook is not None and not outlook.empty:
        values += outlook["projected_december"].dropna().tolist()
    fig.update_layout(**plotly_layout(lang, height=height, title={"text": title, "font": {"size": 15}} if title else None,
                                      margin={"l": 10, "r": 10, "t": 70 if title else 40, "b": 10}, hovermode="closest",
                                      legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "xanchor": "left", "x": 0}))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=xs, range=[-0.5, len(xs) - 0.5], fixedrange=True,
                     tickangle=-45 if len(xs) > 14 else 0, nticks=min(len(xs), 18))
    fig.update_yaxes(**_percent_axis(values, floor_zero=False))
    return fig


def _target_trace(part: pd.DataFrame, x: list[str], lang: str, *, name: str, colour: str, faint: bool) -> go.Scatter:
    return go.Scatter(
        x=x, y=part["target"].tolist(), mode="lines", name=name, line_shape="hv",
        line={"color": colour, "dash": "dash", "width": 1.5 if faint else 2}, opacity=0.6 if faint else 1.0,
        customdata=[[_target(v, lang)] for v in part["target"]],
        hovertemplate=f"{name} %{{x}}: %{{customdata[0]}}<extra></extra>",
    )
