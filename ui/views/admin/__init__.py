"""The sections of the Quản trị page (pages/admin.py), one module each: targets, settings, units, users.
Each draws its tables from the data layer or the services and writes only through the services, which
authorise and audit; a section shows a service's refusal or objection as it says it, in the reader's
language."""

from __future__ import annotations

import streamlit as st

FLASH = "admin_flash"


def flash(message: str) -> None:
    """Say `message` after the rerun that follows a write (so that the tables show the new state)."""
    st.session_state[FLASH] = message
    st.rerun()


def show_flash() -> None:
    message = st.session_state.pop(FLASH, None)
    if message:
        st.success(message, icon=":material/check_circle:")
