"""How statuses and charts look, in one place. A status is never shown by colour alone: it carries an
icon and a word too (colour-blind readers, black-and-white printouts)."""

from __future__ import annotations

from dataclasses import dataclass

import i18n


@dataclass(frozen=True)
class StatusStyle:
    colour: str  # for fills and chart marks
    icon: str  # a plain Unicode symbol that survives copy-paste, print and export
    label_key: str  # i18n catalog key


STATUS = {
    "met": StatusStyle("#1b7837", "✔", "status.met"),
    "on_track": StatusStyle("#4393c3", "↗", "status.on_track"),
    "at_risk": StatusStyle("#e08214", "⚠", "status.at_risk"),
    "behind": StatusStyle("#b2182b", "✖", "status.behind"),
    "no_target": StatusStyle("#8c8c8c", "○", "status.no_target"),
    "no_data": StatusStyle("#bdbdbd", "–", "status.no_data"),
}
STATUS_ORDER = ("behind", "at_risk", "on_track", "met", "no_target", "no_data")


def status_style(status: str | None) -> StatusStyle:
    return STATUS.get(status or "no_data", STATUS["no_data"])


def status_text(status: str | None, lang: str) -> str:
    """"✔ Đạt", "⚠ Có nguy cơ", ...: icon and word."""
    style = status_style(status)
    return f"{style.icon} {i18n.t(style.label_key, lang)}"


# Plotly: number separators (decimal, thousands) per language, system fonts only (nothing downloaded).
SEPARATORS = {"vi": ",.", "en": ".,"}
FONT = "Source Sans Pro, Segoe UI, Roboto, Helvetica, Arial, sans-serif"


def plotly_layout(lang: str, **overrides) -> dict:
    """Layout settings every chart shares: Vietnamese or English separators, readable fonts, compact margins,
    legend below the plot (so charts stay readable at phone width)."""
    layout = {
        "separators": SEPARATORS.get(lang, SEPARATORS["vi"]),
        "font": {"family": FONT, "size": 13},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.15, "xanchor": "left", "x": 0},
        "hoverlabel": {"font": {"family": FONT}},
        "plot_bgcolor": "white",
    }
    layout.update(overrides)
    return layout


PERCENT_AXIS = {"tickformat": ".0%", "rangemode": "tozero", "gridcolor": "#e0e0e0"}
