"""KPI cards and status badges: an indicator's value, target, status (colour, icon and word), change
since last month and a sparkline of its last months, in a bordered box that stacks on a phone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import streamlit as st

import i18n
from domain.safe_text import md_escape as safe_md_escape
from ui.theme import STATUS_ORDER, status_text

# st.badge and markdown badges take named colours; these are the nearest to ui.theme's status colours.
BADGE_COLOUR = {"met": "green", "on_track": "blue", "at_risk": "orange", "behind": "red", "no_target": "gray", "no_data": "gray"}


@dataclass(frozen=True)
class Card:
    code: str  # indicator code
    label: str  # indicator name
    value: str  # formatted, "–" for no data
    status: str
    delta: str | None = None  # formatted change since last month, None when there is none
    direction: int = 0  # sign of the change: -1, 0, 1
    lines: tuple[str, ...] = ()  # captions under the badge: target first
    spark: tuple[float, ...] = ()  # recent monthly values, oldest first
    help: str | None = None
    gap: float | None = None  # against the target, in points (negative: short of it), for ordering


def badge_markdown(status: str, lang: str, suffix: str = "") -> str:
    """A markdown badge: colour, icon and word (":red-badge[✖ Chậm]")."""
    text = status_text(status, lang) + suffix
    return f":{BADGE_COLOUR.get(status, 'gray')}-badge[{md_escape(text)}]"


def status_counts_markdown(statuses: Iterable[str], lang: str) -> str:
    """One badge per status present, with how many: ":red-badge[✖ Chậm: 3] :orange-badge[⚠ Có nguy cơ: 2]"."""
    counts: dict[str, int] = {}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return " ".join(badge_markdown(s, lang, f": {counts[s]}") for s in STATUS_ORDER if counts.get(s))


def status_legend_markdown(lang: str, statuses: Sequence[str] = STATUS_ORDER) -> str:
    return " ".join(badge_markdown(s, lang) for s in statuses)


def md_escape(text: str) -> str:
    """Text shown through st.markdown as it is (names come from the database): domain.safe_text.md_escape
    (links, images, HTML, autolinks, directives), braces too."""
    return safe_md_escape(text).replace("{", "\\{").replace("}", "\\}")


def kpi_card(card: Card, lang: str) -> None:
    """Name (wrapping, never cut), value with the change and the sparkline, status badge, target lines;
    packed without gaps so that twelve cards stay scrollable on a phone."""
    with st.container(border=True, gap=None):
        st.markdown(f"**{md_escape(card.label)}**", help=card.help)
        colour, arrow = ("gray", "off")
        if card.delta is not None and card.direction > 0:
            colour, arrow = "green", "up"
        elif card.delta is not None and card.direction < 0:
            colour, arrow = "red", "down"
        st.metric(
            card.label, card.value, delta=card.delta, delta_color=colour, delta_arrow=arrow,
            delta_description=i18n.t("cards.since_last_month", lang) if card.delta is not None else None,
            chart_data=list(card.spark) if len(card.spark) > 1 else None, chart_type="line", label_visibility="collapsed",
        )
        # The target alone (a reader scans for it), then the status badge with the other lines beside it:
        # one element fewer per line, which a page of twelve cards notices.
        target, *details = card.lines or ("",)
        if target:
            st.caption(target)
        st.markdown("  \n".join([badge_markdown(card.status, lang)] + [f":small[:gray[{md_escape(d)}]]" for d in details]))


def card_grid(cards: Sequence[Card], lang: str, columns: int = 3) -> None:
    """Cards in rows of `columns` (Streamlit stacks the columns on a narrow screen, one card a row)."""
    for start in range(0, len(cards), columns):
        cols = st.columns(columns)
        for col, card in zip(cols, cards[start:start + columns]):
            with col:
                kpi_card(card, lang)
