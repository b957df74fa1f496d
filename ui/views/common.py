"""Names, levels and number texts the leaders' pages share, cached per data version."""

from __future__ import annotations

import math

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
    return {lv: filters.level_label(lv, lang, units, period) for lv in ("province", "district", "former_district", "commune", "department")}


def reporting_level(key: DataKey, period: str) -> str:
    """The level of the localities that report in `period`: communes from 07/2025, district-level units
    before."""
    return "commune" if "commune" in levels(key, period) else "district"


def months(key: DataKey) -> list[str]:
    return data.periods_with_data(key)


def previous(period: str) -> str:
    return periods_mod.add(period, -1)


# --- number texts ----------------------------------------------------------------------------------------


def finite(x) -> bool:
    return x is not None and x is not pd.NA and not (isinstance(x, float) and math.isnan(x))


def pct(x, lang: str, digits: int = 2) -> str:
    return i18n.fmt_pct(x, lang, digits) if finite(x) else "–"


def target_pct(x, lang: str) -> str:
    """A target as it was set: 85% (not 85,00%), 95,5% when it has a decimal."""
    if not finite(x):
        return "–"
    hundred = float(x) * 100
    digits = 0 if abs(hundred - round(hundred)) < 1e-9 else 1 if abs(hundred * 10 - round(hundred * 10)) < 1e-9 else 2
    return i18n.fmt_pct(x, lang, digits)


def points(x_pp, lang: str, digits: int = 1) -> str:
    """A change in percentage points (the metrics' `*_pp` columns): "+1,2 điểm %" / "−0.9 pp"."""
    if not finite(x_pp):
        return "–"
    x = float(x_pp)
    return i18n.fmt_pp(0.0 if round(x, digits) == 0 else x / 100, lang, digits)


def direction(x_pp, digits: int = 1) -> int:
    """The sign of a change as shown (a change that rounds to 0,0 is no change)."""
    if not finite(x_pp) or round(float(x_pp), digits) == 0:
        return 0
    return 1 if x_pp > 0 else -1


def signed(x_pp, lang: str, digits: int = 1) -> str:
    """Percentage points as a signed number without the unit (a column header names it): "+1,2", "−0,9"."""
    if not finite(x_pp):
        return "–"
    x = round(float(x_pp), digits)
    sign = "+" if x > 0 else "−" if x < 0 else "±"
    return sign + i18n.fmt_number(abs(x), lang, digits)


def integer(x, lang: str) -> str:
    return i18n.fmt_int(x, lang) if finite(x) else "–"


def arrow(x) -> str:
    """▲ / ▼ / ▬: the direction of a change in a symbol, so that it does not rest on colour."""
    if direction(x) == 0:
        return "▬"
    return "▲" if x > 0 else "▼"


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


def page_scope(lang: str):
    """(actor, allowed units) for this run: stops the page with the reason when the actor may not view;
    `allowed` is None when every unit may be seen, else the actor's units and the province (a submitter)."""
    from services import visibility
    from ui import session

    actor = session.current_actor()
    if not session.allowed(actor, "view", lang):
        st.stop()
    scope = visibility.view_scope(data.engine(), actor)
    return actor, (None if scope.everything else frozenset(scope.unit_codes | scope.province_codes))


def within(frame: pd.DataFrame, allowed: frozenset[str] | None, column: str = "unit_code") -> pd.DataFrame:
    return frame if allowed is None else frame[frame[column].isin(allowed)]
