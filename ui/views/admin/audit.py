"""Nhật ký (audit trail, services.trail): search by user, action, outcome, local days and free text
(case and diacritics ignored), the newest events first; the result downloads as CSV or XLSX, and the
download is itself recorded as an export."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

import i18n
from domain.errors import ServiceError
from domain.safe_text import guard_cell
from services import audit as audit_service
from presentation.audit_detail import detail_text
from services import permissions, trail
from ui import data

SHOWN = 500  # rows drawn on the page; the download holds every match
# The matrix's actions and the account events the trail records besides them.
ACTIONS = permissions.actions() + ("sign_in", "sign_out", "change_password")


def section(lang: str, actor) -> None:
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    engine = data.engine()
    with st.form("audit_search"):
        cols = st.columns(3)
        username = cols[0].text_input(t("access.audit.column.username"), key="audit_user")
        action = cols[1].selectbox(t("access.audit.column.action"), ("",) + ACTIONS, key="audit_action",
                                   format_func=lambda a: t("admin.audit.any") if a == "" else t(f"access.action.{a}"))
        outcome = cols[2].selectbox(t("access.audit.column.outcome"), ("",) + audit_service.OUTCOMES, key="audit_outcome",
                                    format_func=lambda o: t("admin.audit.any") if o == "" else t(f"access.outcome.{o}"))
        cols = st.columns(3)
        today = data.local_today(data.version())  # the province's date: "until today" must include tonight's events
        since = cols[0].date_input(t("admin.audit.since"), value=today - dt.timedelta(days=30), format="DD/MM/YYYY", key="audit_since")
        until = cols[1].date_input(t("admin.audit.until"), value=today, format="DD/MM/YYYY", key="audit_until")
        text = cols[2].text_input(t("admin.audit.text"), key="audit_text")
        st.form_submit_button(t("admin.audit.search"), icon=":material/search:")
    filters = {"username": username or None, "action": action or None, "outcome": outcome or None,
               "since": since or None, "until": until or None, "text": text or None}
    try:
        found = trail.search(engine, actor, **filters)
    except ServiceError as exc:
        st.error(exc.markdown(lang))
        return
    st.caption(t("admin.audit.count", count=i18n.fmt_int(len(found), lang), shown=i18n.fmt_int(min(len(found), SHOWN), lang)))
    shown = found.head(SHOWN)
    st.dataframe(pd.DataFrame({
        t("access.audit.column.at"): [i18n.fmt_datetime(x.to_pydatetime(), lang) for x in shown["at"]],
        t("access.audit.column.username"): shown["username"].fillna("").map(guard_cell),
        t("access.audit.column.action"): [t(f"access.action.{a}") if i18n.has(f"access.action.{a}") else a for a in shown["action"]],
        t("access.audit.column.target"): shown["target"].map(guard_cell),
        t("access.audit.column.outcome"): [t(f"access.outcome.{o}") if i18n.has(f"access.outcome.{o}") else o for o in shown["outcome"]],
        t("access.audit.column.detail"): [guard_cell(detail_text(d, lang)) for d in shown["detail"]],
    }), hide_index=True, width="stretch")
    cols = st.columns(2)
    for col, fmt, mime in ((cols[0], "csv", "text/csv"),
                           (cols[1], "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")):
        col.download_button(
            t("admin.audit.download", format=fmt.upper()),
            lambda fmt=fmt: trail.export(engine, actor, fmt, lang, **filters),
            file_name=f"nhat-ky-{today.isoformat()}.{fmt}", mime=mime, icon=":material/download:", key=f"audit_dl_{fmt}",
        )
