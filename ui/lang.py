"""The language of this session: Vietnamese first, English on request, mirrored in the URL (?lang=en)."""

from __future__ import annotations

import streamlit as st

import i18n
from domain.safe_text import md_params


def current() -> str:
    lang = st.session_state.get("lang") or st.query_params.get("lang", i18n.DEFAULT_LANG)
    return lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANG


def selector() -> str:
    """The language switch in the sidebar; returns the chosen language."""
    lang = current()
    choice = st.sidebar.radio(
        i18n.t("app.language", lang),
        options=list(i18n.LANGUAGES),
        index=list(i18n.LANGUAGES).index(lang),
        format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code],
        horizontal=True,
        key="lang_selector",
    )
    st.session_state["lang"] = choice
    if choice == i18n.DEFAULT_LANG:
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = choice
    return choice


def t(key: str, **params) -> str:
    return i18n.t(key, current(), **params)


def md(key: str, **params) -> str:
    """`t` for markdown (st.markdown, caption, info, error, labels): the parameters (names, files, notes a user
    typed) shown as typed, never as a link, an image or formatting."""
    return i18n.t(key, current(), **md_params(params))
