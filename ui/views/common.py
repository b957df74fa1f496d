"""Names, levels and number texts the leaders' pages share, cached per data version."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from domain import periods as periods_mod
from ui import data, filters
from ui.data import DataKey


@st.cache_data(show_spinner=False, max_entries=8)
def unit_names(key: DataKey, lang: str) -> dict[str, str]:
    """Unit code -> name in `lang` (every unit, past ones too)."""
    units = data.units(key)
    column = "name_vi" if lang == "vi" else "name_en"
    return dict(zip(units["code"], units[column]))


@st.cache_data(show_spinner=False, max_entries=8)
def indicator_names(key: DataKey, lang: str) -> dict[str, str]:
    return {i.code: i.name(lang) for i in data.registry(key).indicators}


@st.cache_data(show_spinner=False, max_entries=8)
def short_names(key: DataKey, lang: str) -> dict[str, str]:
    """Short indicator names for narrow places (heat-map columns); the full name when the catalog has no
    short one (an indicator an administrator added)."""
    return {i.code: i18n.t(f"leaders.short.{i.code}", lang) if i18n.has(f"leaders.short.{i.code}") else i.name(lang)
            for i in data.registry(key).indicators}


@st.cache_data(show_spinner=False, max_entries=64)
def levels(key: DataKey, period: str, choices: tuple[str, ...] = filters.COMPARISON_LEVELS) -> list[str]:
    """The levels of `choices` that have units in `period`."""
    return filters.levels_in(data.units(key), period, choices)


@st.cache_data(show_spinner=False, max_entries=64)
def level_labels(key: DataKey, period: str, lang: str) -> dict[str, str]:
    units = data.units(key)
    return {lv: filters.level_label(lv, lang, units, period) for lv in ("province", "district", "former_district", "commune", "department", "former_province")}


def reporting_level(key: DataKey, period: str) -> str:
    """The level of the localities that report in `period`: communes from 07/2025, district-level units
    before."""
    return "commune" if "commune" in levels(key, period) else "district"


def months(key: DataKey) -> list[str]:
    return data.periods_with_data(key)


def previous(period: str) -> str:
    return periods_mod.add(period, -1)


@st.cache_data(show_spinner=False, max_entries=4)
def sample_only(key: DataKey) -> bool:
    """The database holds the synthetic sample province and nothing else: pages say so."""
    from services.sample_mode import sample_only as _sample_only

    return _sample_only(data.engine())


def as_of_caption(key: DataKey, lang: str) -> str:
    held = months(key)
    text = i18n.t("app.data_as_of", lang, period=i18n.fmt_period(held[-1], lang)) if held else ""
    if sample_only(key):
        text += " · " + i18n.t("app.synthetic_notice", lang)
    return text


def within(frame: pd.DataFrame, allowed: frozenset[str] | None, column: str = "unit_code") -> pd.DataFrame:
    return frame if allowed is None else frame[frame[column].isin(allowed)]


PROFILE_PAGE = "pages/unit_profile.py"


def selected_row(event) -> int | None:
    """The position of the row a single-row `st.dataframe(on_select="rerun")` has selected, if any."""
    rows = event.selection.rows if event and event.selection else []
    return rows[0] if rows else None


def open_profile(unit_code: str | None, period: str) -> None:
    """The drill-through: a unit picked on a chart, map or table opens its profile for the same month."""
    if unit_code:
        st.switch_page(PROFILE_PAGE, query_params={"unit": unit_code, "period": period})
