"""Kiểm tra số liệu: figures that look too good (issue 19). The month's signals ranked by what they would
change if wrong; for one of them the submitted cell (file, submission, who, when), its history beside its
peers, and the verification: cần xác minh → đã xác minh đúng / đã yêu cầu sửa (with the resubmission linked),
audited. The standing agency verifies; leaders read. Every rule is in metrics.anomalies and
services.verification."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from domain.errors import ServiceError
from metrics.anomalies import AnomalyConfig, settle, signal_share
from presentation import anomalies as words
from presentation.numbers import pct
from services import lineage, permissions, verification
from ui import data, filters, frame
from ui.views import review as view

page = frame.start("review.title", action="view_followups")
language, key, months, actor, t = page.lang, page.key, page.months, page.actor, page.t
engine = data.engine()
may_verify = permissions.permits(actor, "verify_figures")
st.caption(t("review.intro"))
if not may_verify:
    st.info(t("review.read_only"), icon=":material/visibility:")

flash = st.session_state.pop("review_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")

top = st.columns([2, 3])
period = filters.month_picker("review_period", months, language, container=top[0])
inputs = data.inputs(key)
registry = inputs.registry
config = AnomalyConfig.from_settings(data.settings(key))
units = data.units(key)
names = dict(zip(units["code"], units["name_vi" if language == "vi" else "name_en"]))

found = view.month_signals(key, period)
steps = verification.current(engine, actor, period)
with top[1]:
    show_weak = filters.toggle("review_weak", param="weak", label=t("review.show_weak"))
    show_verified = filters.toggle("review_verified", param="verified", label=t("review.show_verified"))
listed = found if show_verified else settle(found, steps)
listed = words.with_status(listed, steps)
if not show_weak:
    listed = listed[listed["strength"] != "weak"].reset_index(drop=True)

flagged, reported = signal_share(settle(found, steps), inputs, period)
open_count = int(steps["status"].isin(verification.UNDER_VERIFICATION).sum()) if len(steps) else 0
st.markdown(t("review.summary", signals=i18n.fmt_int(len(listed), language), units=i18n.fmt_int(flagged, language),
              reported=i18n.fmt_int(reported, language), share=pct(flagged / reported if reported else None, language, 1),
              open=i18n.fmt_int(open_count, language)))

if listed.empty:
    st.info(t("review.none"))
    st.stop()

st.dataframe(view.table(listed, names, registry, language, config), hide_index=True, width="stretch",
             height=min(38 + 35 * len(listed), 460))

# --- one signal: the cell, its history, its verification ----------------------------------------------------
st.divider()
st.subheader(t("review.detail"))
labels = {str(k): view.label(r, names, registry, language) for k, r in enumerate(listed.itertuples(index=False))}
picked = filters.choice("review_pick", list(labels), param="signal", label=t("review.pick"), format_func=labels.__getitem__)
row = listed.iloc[int(picked)]
item = next(listed.iloc[[int(picked)]].itertuples(index=False))
st.markdown(f"**{words.sentence(item, registry, language, config)}**  \n{words.impact_sentence(item, registry, language)}")

trace = lineage.lineage(engine, actor, row["unit_code"], period)
files = trace.submissions.set_index("id") if len(trace.submissions) else None
if pd.notna(row["submission_id"]) and files is not None and int(row["submission_id"]) in files.index:
    sub = files.loc[int(row["submission_id"])]
    st.markdown(page.md("review.lineage", submission=int(row["submission_id"]), file=sub["filename"],
                        received=i18n.fmt_datetime(sub["received_at"], language), who=sub["submitted_by"]))
    if row["subject_kind"] != "return":
        element = row["subject"] if row["subject_kind"] == "element" else registry.indicator_by_code[row["subject"]].numerator
        st.caption(page.md("review.lineage_cell", element=registry.element_by_code[element].name(language),
                           unit=row["unit_code"], period=i18n.fmt_period_short(period)))
    if permissions.permits(actor, "export"):
        st.download_button(t("review.download"), data=lambda sid=int(row["submission_id"]): lineage.original_file(engine, actor, sid).content,
                           file_name=sub["filename"], mime="application/octet-stream", icon=":material/download:",
                           key=f"review_file_{int(row['submission_id'])}", on_click="ignore")
else:
    st.caption(t("review.no_lineage"))

fig = view.history_chart(key, item, names, registry, language)
if fig is not None:
    view.draw_chart(fig)

st.markdown(f"**{t('review.steps')}**")
mine = verification.history(engine, actor, period, row["unit_code"])
mine = mine[(mine["subject"] == row["subject"]) & (mine["signal"] == row["signal"])]
if len(mine):
    st.dataframe(pd.DataFrame({
        t("review.col.when"): [i18n.fmt_datetime(x, language) for x in mine["created_at"]],
        t("review.col.status"): [words.status_name(s, language) for s in mine["status"]],
        t("review.col.note"): mine["note"],
        t("review.col.who"): mine["created_by"],
    }), hide_index=True, width="stretch")
    if mine.iloc[-1]["status"] == "correction_requested":
        current = steps[(steps["unit_code"] == row["unit_code"]) & (steps["subject"] == row["subject"]) & (steps["signal"] == row["signal"])]
        again = current.iloc[0] if len(current) else None
        if again is not None and again["resubmission_id"] is not None:
            st.info(t("review.resubmitted", submission=int(again["resubmission_id"]),
                      received=i18n.fmt_datetime(again["resubmitted_at"], language)), icon=":material/sync:")
        else:
            st.caption(t("review.awaiting"))
else:
    st.caption(words.status_name(None, language))

if may_verify:
    with st.form(f"review_form_{picked}", clear_on_submit=True):
        st.markdown(f"**{t('review.workflow')}**")
        status = st.radio(t("review.new_status"), list(verification.STATUSES), horizontal=True,
                          format_func=lambda s: words.status_name(s, language), key=f"review_status_{picked}")
        note = st.text_area(t("review.note"), max_chars=verification.MAX_NOTE, key=f"review_note_{picked}")
        saved = st.form_submit_button(t("review.save"), type="primary", icon=":material/fact_check:")
    if saved:
        try:
            verification.record(engine, actor, row["unit_code"], period, row["subject"], row["signal"], status,
                                value_key=row["value_key"], note=note,
                                submission_id=None if pd.isna(row["submission_id"]) else int(row["submission_id"]))
        except ServiceError as exc:
            st.error(exc.message(language), icon=":material/block:")
        else:
            st.session_state["review_flash"] = t("review.saved", status=words.status_name(status, language))
            st.rerun()
