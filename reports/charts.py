"""Chart images for the Word report, drawn with matplotlib (Agg, no window, nothing fetched): the
province's trend per indicator and the ranking of the localities. Text in the report's language with its
number convention (86,1% in Vietnamese); DejaVu Sans, bundled with matplotlib, has every Vietnamese
glyph. PNG bytes, identical for identical content (no timestamp in the file).
"""

from __future__ import annotations

import io
import math
import textwrap

import numpy as np
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

import i18n
from presentation.numbers import month_text, pct
from reports.content import ReportContent
from reports.style import STATUS_COLOUR

DPI = 200
WIDTH_IN = 6.3  # 16 cm: the text width of an A4 page with the decree's margins
RC = {
    "font.family": "DejaVu Sans",
    "font.size": 7.5,
    "axes.titlesize": 7.5,
    "axes.labelsize": 7,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#e0e0e0",
    "grid.linewidth": 0.6,
    "svg.hashsalt": "p06",
}
RANK_ALL_UP_TO = 25  # rank every unit up to this many; beyond, the best and worst RANK_SHOWN each
RANK_SHOWN = 10


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def _percent_axis(axis, lang: str, span: float) -> None:
    """Percent ticks with as many decimals as the range needs (99,5% and 99,6% must not both read 100%)."""
    digits = 0 if span >= 0.04 else 1 if span >= 0.004 else 2
    # No rate exceeds 100 %: the room above the target line carries no tick label.
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: pct(v, lang, digits) if v <= 1.0 + 1e-9 else ""))


def trend_chart(content: ReportContent) -> bytes | None:
    """Small multiples: each indicator with figures, its monthly province value and its annual target."""
    lang = content.lang
    trend = content.trend
    shown = [r for r in content.indicators if trend.loc[trend["indicator_code"] == r.code, "value"].notna().any()]
    if not shown:
        return None
    months = sorted(trend["period"].unique())
    x = np.arange(len(months))
    ncols = 3
    nrows = math.ceil(len(shown) / ncols)
    ticks = sorted({0, len(months) // 2, len(months) - 1})
    height = 0.75 + 1.7 * nrows
    with rc_context(RC):
        # A fixed grid (the panels are alike): a constrained layout would cost a second per chart.
        fig = Figure(figsize=(WIDTH_IN, height))
        fig.subplots_adjust(left=0.085, right=0.955, top=1 - 0.38 / height, bottom=0.5 / height,
                            wspace=0.45, hspace=0.75)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for ax, result in zip(axes.flat, shown):
            rows = trend[trend["indicator_code"] == result.code].set_index("period").reindex(months)
            values = rows["value"].to_numpy(dtype=float)
            targets = rows["target"].to_numpy(dtype=float)
            ax.plot(x, values, color="#1f4e79", marker="o", markersize=2.2, linewidth=1.3)
            if np.isfinite(targets).any():
                ax.step(x, targets, where="mid", color="#b2182b", linestyle="--", linewidth=0.9)
            finite = np.concatenate([values[np.isfinite(values)], targets[np.isfinite(targets)]])
            low, high = float(finite.min()), float(finite.max())
            pad = max((high - low) * 0.15, 0.002)
            ax.set_ylim(max(0.0, low - pad), min(1.0 + pad, high + pad))
            ax.yaxis.set_major_locator(MaxNLocator(4))
            _percent_axis(ax.yaxis, lang, high - low + 2 * pad)
            ax.set_xticks(ticks, [i18n.fmt_period_short(months[i]) for i in ticks])
            ax.set_title("\n".join(textwrap.wrap(result.short_name, 26)), loc="left", fontweight="bold")
            last = int(np.flatnonzero(np.isfinite(values))[-1])
            ax.annotate(pct(values[last], lang, 1), (x[last], values[last]), textcoords="offset points",
                        xytext=(0, 4), ha="center", fontsize=6.5, color="#1f4e79")
        for ax in list(axes.flat)[len(shown):]:
            ax.set_visible(False)
        fig.legend(handles=[Line2D([], [], color="#1f4e79", marker="o", markersize=3, label=i18n.t("reports.chart.value", lang)),
                            Line2D([], [], color="#b2182b", linestyle="--", label=i18n.t("reports.chart.target", lang))],
                   loc="lower center", ncols=2, frameon=False)
        return _png(fig)


def ranking_rows(content: ReportContent):
    """The units the ranking chart and table show: all of them up to RANK_ALL_UP_TO, else the RANK_SHOWN best
    and the RANK_SHOWN worst; and how many are left out between them."""
    result = content.indicator(content.ranking_indicator)
    ranked = result.units[result.units["rank"].notna()]
    if len(ranked) <= RANK_ALL_UP_TO:
        return ranked, None, 0
    return ranked.head(RANK_SHOWN), ranked.tail(RANK_SHOWN), len(ranked) - 2 * RANK_SHOWN


def ranking_chart(content: ReportContent) -> bytes | None:
    """Horizontal bars of the ranking indicator for the localities, coloured by status, with the target."""
    lang = content.lang
    result = content.indicator(content.ranking_indicator)
    top, bottom, hidden = ranking_rows(content)
    if top.empty:
        return None
    labels, values, colours = [], [], []
    for frame in (top, bottom):
        if frame is None:
            continue
        if frame is bottom:
            labels.append(i18n.t("reports.chart.gap", lang, count=i18n.fmt_int(hidden, lang)))
            values.append(np.nan)
            colours.append("white")
        for r in frame.itertuples():
            labels.append(f"{int(r.rank)}. {' '.join(str(r.name).split())}")  # no tab or line break in a label
            values.append(float(r.value))
            colours.append(STATUS_COLOUR.get(r.status, STATUS_COLOUR["no_data"]))
    y = np.arange(len(labels))
    with rc_context(RC):
        fig = Figure(figsize=(WIDTH_IN, 0.7 + 0.19 * len(labels)), layout="constrained")
        ax = fig.subplots()
        ax.barh(y, np.nan_to_num(values), color=colours, height=0.7)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        for yi, v in zip(y, values):
            if np.isfinite(v):
                ax.text(v + 0.006, yi, pct(v, lang, 1), va="center", fontsize=6.5,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6})
        target = result.province.get("target")
        if target is not None and np.isfinite(float(target)):
            ax.axvline(float(target), color="#333333", linestyle="--", linewidth=0.9, zorder=0.5)
        ax.set_xlim(0, 1.1)
        ax.xaxis.set_major_locator(MaxNLocator(6))
        _percent_axis(ax.xaxis, lang, 1.0)
        ax.set_xlabel(i18n.t("reports.chart.ranking_axis", lang, month=month_text(content.period, lang)))
        present = [s for s in ("met", "on_track", "at_risk", "behind") if s in set(top["status"]) | set(
            bottom["status"] if bottom is not None else [])]
        handles = [Patch(color=STATUS_COLOUR[s], label=i18n.t(f"status.{s}", lang)) for s in present]
        if target is not None and np.isfinite(float(target)):
            handles.append(Line2D([], [], color="#333333", linestyle="--", label=i18n.t("reports.chart.target", lang)))
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False)
        return _png(fig)
