"""Where every page starts: one call gives the page its language, data key, months, actor and what the
actor may see, with the checks always in the same order: the title, then the right to open the page
(stopped with the reason), then the figures (stopped with "no data yet" when there are none).

    page = frame.start("leaders.map.title")
    period = filters.month_picker("map_period", page.months, page.lang)
    maps.draw_map(page.key, period, ..., page.lang, page.allowed)
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

import i18n
from domain.safe_text import md_params
from services.permissions import Actor
from services.visibility import ViewScope, view_scope
from ui import data, filters, lang, session
from ui.data import DataKey

NATION = "VN"  # the picker's code for "every province" (province codes are two digits)


@dataclass(frozen=True)
class Page:
    lang: str
    key: DataKey  # the data version every cached frame is keyed by
    months: list[str]  # the months holding figures, oldest first
    actor: Actor | None
    scope: ViewScope | None  # what the actor may see (None for a page that shows no unit's figures)
    country: bool = False  # a deployment of several provinces, seen as a whole (no province opened)

    @property
    def allowed(self) -> frozenset[str] | None:
        """The unit codes the actor may see, or None for every unit."""
        if self.scope is None or self.scope.everything:
            return None
        return frozenset(self.scope.unit_codes | self.scope.province_codes)

    def t(self, key: str, **params) -> str:
        return i18n.t(key, self.lang, **params)

    def md(self, key: str, **params) -> str:
        """`t` for markdown: the parameters (names, files, notes a user typed) shown as typed, never as a
        link, an image or formatting."""
        return i18n.t(key, self.lang, **md_params(params))


def start(title_key: str, *, action: str | None = "view", needs_data: bool = True, title: bool = True,
          country_title_key: str | None = None) -> Page:
    """The page's frame, after its title and checks; `st.stop()` when the actor may not `action` (None: the
    page checks finer rights itself) or, with `needs_data`, when nothing has been reported yet."""
    language = lang.current()
    heading = st.empty() if title else None
    if heading is not None:
        heading.title(i18n.t(title_key, language))
    actor = session.current_actor()
    if action is not None and not session.allowed(actor, action, language):
        st.stop()
    key = data.version()
    months = data.periods_with_data(key)
    if needs_data and not months:
        st.info(i18n.t("app.no_data", language))
        st.stop()
    scope = view_scope(data.engine(), actor) if action == "view" else None
    country = False
    # Every page of figures (not the administration's or the upload's, action None) opens a province.
    seen = scope if scope is not None or action is None or actor is None else view_scope(data.engine(), actor)
    if seen is not None:
        key = opened_province(key, seen, language)
        country = key.province is None and len(data.provinces(key)) > 1
        if country and heading is not None and country_title_key:
            heading.title(i18n.t(country_title_key, language))
    return Page(language, key, months, actor, scope, country)


def opened_province(key: DataKey, scope: ViewScope, language: str) -> DataKey:
    """In a deployment holding several provinces, the province the reader has opened (a picker in the
    sidebar, mirrored as `?prov=`): the key then gives that province's figures alone. A national account
    may also choose the whole country; a province's account has its own province only."""
    provinces = data.provinces(key)
    if len(provinces) < 2:
        return key
    names = dict(zip(provinces["code"], provinces["name_vi" if language == "vi" else "name_en"]))
    codes = [c for c in names if scope.everything or c in scope.province_codes]
    if not codes:
        return key
    options = [NATION, *codes] if scope.everything else codes
    names[NATION] = i18n.t("country.nation", language)
    chosen = filters.choice(f"{PROVINCE_WIDGET}_{st.session_state.get(OPENED, 0)}", options, param=PROVINCE_PARAM,
                            label=i18n.t("country.picker", language), format_func=names.__getitem__, container=st.sidebar)
    return key._replace(province=None if chosen == NATION else chosen)


PROVINCE_WIDGET = "p06_province"
PROVINCE_PARAM = "prov"
OPENED = "_p06_opened"  # how many times a click opened a province: part of the picker's key


def open_province(code: str) -> None:
    """For a widget's callback (a bar, a row, a shape clicked): open province `code` at the next run. The
    picker is drawn afresh under a new key: the browser still holds the old widget's value and would send
    it back at the next page change, had the old widget's state been set from here."""
    st.session_state[OPENED] = st.session_state.get(OPENED, 0) + 1
    filters.remember(PROVINCE_PARAM, code)
