"""Nộp số liệu: download the template, upload filled-in files, check them (dry run), confirm; then the
units × months grid of completeness and timeliness (ui/views/completeness_grid.py)."""

from __future__ import annotations

import streamlit as st

from ui import frame, session
from ui.views import completeness_grid, upload

page = frame.start("submissions.title", action=None, needs_data=False)
language, actor = page.lang, page.actor
# The standing agency opens the page for the grid and the templates; only a role that submits uploads.
if session.allowed(actor, "download_template", language, show=False):
    upload.template_section(language)
if session.allowed(actor, "submit", language, show=False):
    st.divider()
    upload.upload_flow(language)

# Who has submitted, who was late, who has not (units × months), below the upload flow.
st.divider()
completeness_grid.grid_section(language)
