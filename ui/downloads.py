"""Download buttons for what a page shows: CSV and Excel side by side, built by reports.tables (guarded
against formula injection), and the export recorded in the audit trail when an actor is signed in."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import streamlit as st

import i18n
from reports import tables


def download_buttons(frame: pd.DataFrame, basename: str, lang: str, key: str, *, percent_columns: Iterable[str] = (),
                     integer_columns: Iterable[str] = (), title: str | None = None, on_click=None,
                     deferred: bool = False) -> None:
    """Two buttons: `<basename>.csv` and `<basename>.xlsx` with the same rows and columns as shown.
    `deferred`: build the files only when a button is clicked (Streamlit calls the builder then), not at
    every rerun: a workbook of a few hundred rows takes tens of milliseconds."""
    percent_columns, integer_columns = tuple(percent_columns), tuple(integer_columns)

    def csv() -> bytes:
        return tables.to_csv(frame)

    def xlsx() -> bytes:
        return tables.to_xlsx(frame, basename[:31], percent_columns=percent_columns, integer_columns=integer_columns, title=title)

    left, right = st.columns(2)
    left.download_button(
        i18n.t("download.csv", lang), data=csv if deferred else csv(), file_name=f"{basename}.csv", mime="text/csv",
        key=f"{key}_csv", icon=":material/download:", on_click=on_click or "ignore", width="stretch",
    )
    right.download_button(
        i18n.t("download.xlsx", lang),
        data=xlsx if deferred else xlsx(),
        file_name=f"{basename}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx", icon=":material/table_view:", on_click=on_click or "ignore", width="stretch",
    )
