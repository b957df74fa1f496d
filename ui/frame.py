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
from ui import data, lang, session
from ui.data import DataKey


@dataclass(frozen=True)
class Page:
    lang: str
    key: DataKey  # the data version every cached frame is keyed by
    months: list[str]  # the months holding figures, oldest first
    actor: Actor | None
    scope: ViewScope | None  # what the actor may see (None for a page that shows no unit's figures)

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


def start(title_key: str, *, action: str | None = "view", needs_data: bool = True, title: bool = True) -> Page:
    """The page's frame, after its title and checks; `st.stop()` when the actor may not `action` (None: the
    page checks finer rights itself) or, with `needs_data`, when nothing has been reported yet."""
    language = lang.current()
    if title:
        st.title(i18n.t(title_key, language))
    actor = session.current_actor()
    if action is not None and not session.allowed(actor, action, language):
        st.stop()
    key = data.version()
    months = data.periods_with_data(key)
    if needs_data and not months:
        st.info(i18n.t("app.no_data", language))
        st.stop()
    scope = view_scope(data.engine(), actor) if action == "view" else None
    return Page(language, key, months, actor, scope)
