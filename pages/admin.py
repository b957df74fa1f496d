"""Quản trị: targets per indicator and year (with per-unit overrides and the deciding document), the
settings an administrator may change (deadlines, thresholds, limits), the units (with their history;
setting up another province), the users and the audit trail. Every change goes through the services, which authorise and
audit; a tab is shown to whoever may do what it does."""

from __future__ import annotations

import streamlit as st

from ui import frame, session
from ui.views.admin import audit, settings, show_flash, targets, units, users

page = frame.start("admin.title", action=None, needs_data=False)
language, actor, t = page.lang, page.actor, page.t

SECTIONS = (  # (catalog key of the tab, the action it needs, the module drawing it)
    ("admin.tab_targets", "edit_targets", targets),
    ("admin.tab_settings", "configure", settings),
    ("admin.tab_units", "configure", units),
    ("admin.tab_users", "manage_users", users),
    ("admin.tab_audit", "view_audit", audit),
)

visible = [s for s in SECTIONS if session.allowed(actor, s[1], language, show=False)]
if not visible:
    session.allowed(actor, "configure", language)
    st.stop()
show_flash()
for tab, (_, _, module) in zip(st.tabs([t(label) for label, _, _ in visible]), visible):
    with tab:
        module.section(language, actor)
