"""What every page shares around its content, drawn once per run by app.py: the app's own CSS (the file
uploader in Vietnamese, the phone layout) and the small scripts the server side needs in the browser (the
session cookie, ui.auth; the menu closing after a choice on a phone), in a container nobody sees."""

from __future__ import annotations

import streamlit as st

import i18n
from ui import auth

SCRIPTS_KEY = "p06_scripts"  # the hidden container: Streamlit gives it the class st-key-p06_scripts


def draw(lang: str) -> None:
    st.html(f"<style>{_css(lang)}</style>")
    with st.container(key=SCRIPTS_KEY):
        auth.cookie_script()


def _css(lang: str) -> str:
    return f""".st-key-{SCRIPTS_KEY} {{ display: none; }}"""
