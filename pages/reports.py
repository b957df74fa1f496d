"""Báo cáo tháng: the monthly report pack of a month (the Word draft and its Excel annex), generated with a
progress bar and downloaded, each download recorded in the audit trail; and publishing the report, which
locks the month. What goes into the files is reports.pack's; who may do what is the services'."""

from __future__ import annotations

import datetime as dt

import streamlit as st

import i18n
from domain.errors import ServiceError
from presentation.numbers import month_text
from reports.pack import build_pack
from services import exports, followups, locks, sample_mode, tasks, verification
from services.guard import authorize
from services.permissions import permits
from ui import data, filters, frame

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PACK = "report_pack"  # session_state: (key, pack) of the last pack generated in this session

page = frame.start("reports.page.title", action="export")
language, key, months, actor, t = page.lang, page.key, page.months, page.actor, page.t
engine = data.engine()

top = st.columns([2, 2])
period = filters.month_picker("report_period", months, language, container=top[0])
report_lang = top[1].segmented_control(t("reports.page.language"), list(i18n.LANGUAGES), required=True,
                                       default=language, key="report_lang",
                                       format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code])
st.caption(t("reports.page.caption", month=month_text(period, language)))

wanted = (key.url, key.province, period, report_lang)
if st.button(t("reports.page.generate"), type="primary", icon=":material/description:", key="report_generate"):
    bar = st.progress(0.0, text=t("reports.progress.indicators"))
    try:
        authorize(engine, actor, "export", target=f"monthly_report/{period}", detail={"what": "monthly_report"})
        pack = build_pack(data.inputs(key), period, report_lang, followups=followups.current(engine, actor),
                          task_review=tasks.month_review(engine, actor, period),
                          verifications=verification.current(engine, actor, period),
                          synthetic=sample_mode.synthetic_figures(engine), as_of=dt.datetime.now(dt.timezone.utc),
                          progress=lambda fraction, text: bar.progress(min(1.0, fraction), text=text))
    except ServiceError as exc:
        bar.empty()
        st.error(exc.markdown(language))
        st.stop()
    bar.empty()
    st.session_state[PACK] = (wanted, pack, key.version, dt.datetime.now(dt.timezone.utc))


def _record(fmt: str, month: str) -> None:
    """Each download goes into the audit trail (the service refuses, and audits, one not allowed)."""
    try:
        exports.record_export(engine, actor, "monthly_report", month, fmt=fmt)
    except ServiceError as exc:
        st.session_state["report_refused"] = exc.markdown(language)


stored = st.session_state.get(PACK)
if stored and stored[0] == wanted:
    _, pack, version, made_at = stored
    st.success(t("reports.page.ready", month=month_text(period, language), at=i18n.fmt_datetime(made_at)))
    if version != key.version:
        st.warning(t("reports.page.stale"))
    if pack.content.synthetic:
        st.caption(t("app.synthetic_notice"))
    left, right = st.columns(2)
    left.download_button(t("reports.page.download_docx"), data=pack.docx, file_name=pack.docx_name, mime=DOCX,
                         icon=":material/article:", key="report_docx", on_click=_record, args=("docx", period),
                         width="stretch")
    right.download_button(t("reports.page.download_xlsx"), data=pack.xlsx, file_name=pack.xlsx_name, mime=XLSX,
                          icon=":material/table_view:", key="report_xlsx", on_click=_record, args=("xlsx", period),
                          width="stretch")
if st.session_state.get("report_refused"):
    st.error(st.session_state.pop("report_refused"))

# --- publishing: the report goes out and the month's figures lock ---------------------------------------
st.divider()
st.subheader(t("reports.page.publish_heading"))
state = locks.lock_state(engine, period)
st.markdown(t("reports.page.lock_state", month=month_text(period, language),
              state=i18n.t(f"access.lock_kind.{state.kind}", language)))
if state.kind == locks.PUBLISHED:
    st.caption(page.md("reports.page.published_by", who=state.changed_by or "–", at=i18n.fmt_datetime(state.changed_at)))
elif permits(actor, "publish"):
    st.caption(t("reports.page.publish_caption"))
    sure = st.checkbox(t("reports.page.publish_confirm", month=month_text(period, language)), key="report_publish_sure")
    if st.button(t("reports.page.publish"), disabled=not sure, icon=":material/lock:", key="report_publish"):
        try:
            locks.publish(engine, actor, period)
        except ServiceError as exc:
            st.error(exc.markdown(language))
        else:
            st.rerun()
