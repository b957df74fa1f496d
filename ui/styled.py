"""Tables whose status cells carry a light fill beside their symbol and word (ui/badges.py), drawn through a
cache: styling every cell of a 130 × 14 grid costs a quarter of a second per rerun, while replaying the
drawn element (Streamlit replays what a cached function drew) costs next to nothing. Keyed by the frame's
content, so a new follow-up or a new submission (new cells) draws afresh."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import badges

STYLES = {"severity": badges.SEVERITY, "followup": badges.FOLLOWUP, "submission": badges.SUBMISSION}
ALL = "*"


def styled_dataframe(frame: pd.DataFrame, fills: tuple[tuple[str, str], ...], *, pinned: tuple[str, ...] = (),
                     widths: tuple[tuple[str, object], ...] = (), height: int | None = None,
                     help_texts: tuple[tuple[str, str], ...] = (), select_key: str | None = None) -> int | None:
    """Draw `frame` (index hidden) with the cells of each (column, style) in `fills` filled by their badge's
    colour (column "*": every column); `pinned` columns stay in view when scrolling sideways. With
    `select_key`, a row can be selected and its position in `frame` is returned (the drill-through); a
    widget is never replayed from a cache, so that table is styled on every run."""
    if select_key is None:
        _replayed(frame, fills, pinned=pinned, widths=widths, height=height, help_texts=help_texts)
        return None
    styler, config = _styled(frame, fills, pinned, widths, help_texts)
    event = st.dataframe(styler, hide_index=True, width="stretch", height=height if height is not None else "auto",
                         column_config=config, on_select="rerun", selection_mode="single-row", key=select_key)
    rows = event.selection.rows if event and event.selection else []
    return rows[0] if rows and 0 <= rows[0] < len(frame) else None


@st.cache_data(show_spinner=False, max_entries=64)
def _replayed(frame: pd.DataFrame, fills: tuple[tuple[str, str], ...], *, pinned: tuple[str, ...] = (),
              widths: tuple[tuple[str, object], ...] = (), height: int | None = None,
              help_texts: tuple[tuple[str, str], ...] = ()) -> None:
    styler, config = _styled(frame, fills, pinned, widths, help_texts)
    st.dataframe(styler, hide_index=True, width="stretch", height=height if height is not None else "auto",
                 column_config=config)


def _styled(frame: pd.DataFrame, fills, pinned, widths, help_texts):
    """The Styler and the column configuration."""
    styler = frame.style
    for column, style in fills:
        subset = None if column == ALL else [column]
        styler = styler.map(lambda v, m=STYLES[style]: badges.cell_fill(v, m), subset=subset)
    config = {}
    width_of, help_of = dict(widths), dict(help_texts)
    for column in {*pinned, *width_of, *help_of}:
        config[column] = st.column_config.Column(width=width_of.get(column), pinned=column in pinned or None,
                                                 help=help_of.get(column))
    return styler, config
