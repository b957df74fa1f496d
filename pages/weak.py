"""Đơn vị yếu: the month's flagged units, ranked, with their reasons, severity and how long they have been
flagged; the standing agency's follow-up of each flag (open, notified, improving, resolved; note, who,
when), kept in the database through services.followups; export of the list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from domain.safe_text import guard_cell
from services import exports, followups, visibility
from services.errors import ServiceError
from ui import badges, data, filters, lang, session, styled, weak_view
from ui.downloads import download_buttons

language = lang.current()
t = lang.t

key = data.version()
months = data.periods_with_data(key)
st.title(t("weak.title"))
actor = session.current_actor()
if not months:
    st.info(t("app.no_data"))
    st.stop()
if not session.allowed(actor, "view", language):
    st.stop()
engine = data.engine()
scope = visibility.view_scope(engine, actor)
sees_followups = session.allowed(actor, "view_followups", language, show=False)

top = st.columns([2, 3])
period = filters.month_picker("weak_period", months, language, container=top[0])
today = data.local_today(key)
weak = data.weak_localities_on(key, period, today)
units = data.units(key)
settings = data.settings(key)
history = followups.history(engine, actor) if sees_followups else None
followed = weak_view.run_followups(history, weak.units, period) if sees_followups else None
table = scope.filter(weak_view.board(weak.units, units, followed, period))
reasons = scope.filter(weak.reasons)
name_col = "name_vi" if language == "vi" else "name_en"

# --- filters (folded away: on a phone the list comes first) --------------------------------------------
with st.expander(t("weak.filters"), icon=":material/filter_list:"):
    provinces = sorted(table["province_code"].dropna().unique())
    if len(provinces) > 1:
        province_names = dict(zip(units["code"], units[name_col]))
        province = filters.choice("weak_province", provinces, param="province", label=t("weak.province"),
                                  format_func=lambda c: province_names.get(c, c))
        table = table[table["province_code"] == province]
    levels = ["all"] + [lv for lv in ("district", "commune", "department") if (table["level"] == lv).any()]
    level = filters.choice("weak_level", levels, param="level", label=t("weak.level"), widget="segmented",
                           format_func=lambda lv: t("weak.all_levels") if lv == "all" else t(f"level.{lv}"))
    severities = filters.multi_choice("weak_severity", list(badges.SEVERITY_ORDER), param="sev", label=t("weak.severity"),
                                      format_func=lambda s: badges.severity_text(s, language),
                                      default=list(badges.SEVERITY_ORDER), placeholder=t("filters.choose"))
    statuses = list(followups.STATUSES)
    if sees_followups:
        statuses = filters.multi_choice("weak_followup", list(followups.STATUSES), param="fu", label=t("weak.followup"),
                                        format_func=lambda s: badges.followup_text(s, language),
                                        default=list(followups.STATUSES), placeholder=t("filters.choose"))
shown = table[table["severity"].isin(severities)]
if level != "all":
    shown = shown[shown["level"] == level]
if sees_followups:
    shown = shown[shown["followup_status"].isin(statuses)]
shown = shown.reset_index(drop=True)

# --- summary ------------------------------------------------------------------------------------------
counts = shown["severity"].value_counts()
summary = " · ".join(f"{badges.severity_text(s, language)}: **{i18n.fmt_int(counts.get(s, 0), language)}**"
                     for s in badges.SEVERITY_ORDER)
with top[1]:
    st.markdown(t("weak.summary", count=i18n.fmt_int(len(shown), language), period=i18n.fmt_period(period, language)) +
                "  \n" + summary)

if shown.empty:
    st.success(t("weak.none"), icon=":material/check_circle:")
    st.stop()

# --- the list -----------------------------------------------------------------------------------------
summaries, sentences = data.weak_reason_texts(key, period, today, language)
view = pd.DataFrame({
    t("weak.col_unit"): [f"{r}. {n}" for r, n in zip(shown["rank"], shown[name_col])],
    t("weak.col_severity"): [badges.severity_text(s, language) for s in shown["severity"]],
    t("weak.col_points"): shown["points"],
    t("weak.col_months"): [t("weak.months_since", months=m, since=i18n.fmt_period_short(s))
                           for m, s in zip(shown["months_flagged"], shown["since"])],
})
if sees_followups:
    view[t("weak.col_followup")] = [badges.followup_text(s, language) for s in shown["followup_status"]]
view[t("weak.col_reasons")] = [summaries.get(c, "") for c in shown["unit_code"]]
if sees_followups:
    view[t("weak.col_followup_by")] = [
        "" if pd.isna(by) else t("weak.by_at", who=by, when=i18n.fmt_datetime(at))
        for by, at in zip(shown["followup_by"], shown["followup_at"])
    ]
    view[t("weak.col_note")] = shown["followup_note"].fillna("").map(guard_cell).to_numpy()


fills = ((t("weak.col_severity"), "severity"),) + (((t("weak.col_followup"), "followup"),) if sees_followups else ())
styled.styled_dataframe(view, fills, pinned=(t("weak.col_unit"),), height=min(38 + 35 * len(view), 560),
                        widths=((t("weak.col_unit"), "medium"), (t("weak.col_points"), "small"), (t("weak.col_reasons"), "large")),
                        help_texts=((t("weak.col_points"), t("weak.points_help")),))
st.caption(t("weak.caption", gap=i18n.fmt_number(settings["weak_gap_pp"], language),
             bottom=settings["weak_bottom_n"], falling=settings["weak_falling_months"],
             high=settings["weak_severity_high"], medium=settings["weak_severity_medium"]))

if session.allowed(actor, "export", language, show=False):
    export = view.assign(**{t("weak.col_reasons"): shown["unit_code"].map(lambda c: "; ".join(sentences.get(c, [])))})
    export.insert(0, t("weak.col_rank"), shown["rank"])
    export.insert(1, t("weak.col_code"), shown["unit_code"])
    export[t("weak.col_unit")] = shown[name_col].to_numpy()
    download_buttons(
        export, f"don_vi_yeu_{period}", language, "weak_download", integer_columns=[t("weak.col_points")],
        title=t("weak.export_title", period=i18n.fmt_period(period, language)),
        on_click=lambda: exports.record_export(engine, actor, "weak_units", period, rows=len(export)), deferred=True,
    )

# --- one unit: every reason, the follow-up history, a new follow-up ---------------------------------------
st.divider()
st.subheader(t("weak.detail"))
flash = st.session_state.pop("weak_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")
names = dict(zip(shown["unit_code"], [f"{r}. {n}" for r, n in zip(shown["rank"], shown[name_col])]))
unit = filters.choice("weak_unit", list(names), param="unit", label=t("weak.unit"), format_func=names.__getitem__)
row = shown.set_index("unit_code").loc[unit]
st.markdown(lang.md("weak.detail_head", name=row[name_col], severity=badges.severity_text(row["severity"], language),
              points=row["points"], months=row["months_flagged"], since=i18n.fmt_period_short(row["since"])))
st.markdown("\n".join(f"- {s}" for s in sentences.get(unit, [])))
st.page_link("pages/unit_profile.py", label=t("weak.open_profile"), icon=":material/badge:",
             query_params={"unit": unit, "period": period})

if sees_followups:
    mine = history[history["unit_code"] == unit].iloc[::-1]
    if len(mine):
        st.markdown(f"**{t('weak.history')}**")
        st.dataframe(pd.DataFrame({
            t("weak.col_when"): [i18n.fmt_datetime(x) for x in mine["created_at"]],
            t("weak.col_month"): [i18n.fmt_period_short(p) for p in mine["period"]],
            t("weak.col_followup"): [badges.followup_text(s, language) for s in mine["status"]],
            t("weak.col_note"): mine["note"].map(guard_cell),
            t("weak.col_who"): mine["created_by"].map(guard_cell),
        }), hide_index=True, width="stretch")
    else:
        st.caption(t("weak.no_history"))
    may_write = session.allowed(actor, "manage_flags", language, show=False)
    with st.expander(t("weak.record"), expanded=may_write, icon=":material/edit_note:"):
        with st.form("weak_followup_form", clear_on_submit=True, border=False):
            current = row["followup_status"]
            status = st.radio(t("weak.new_status"), list(followups.STATUSES), index=list(followups.STATUSES).index(current),
                              format_func=lambda s: badges.followup_text(s, language), horizontal=True,
                              key=f"weak_new_status_{unit}")
            note = st.text_area(t("weak.note"), max_chars=followups.MAX_NOTE, placeholder=t("weak.note_placeholder"),
                                key="weak_note")
            saved = st.form_submit_button(t("weak.save"), type="primary", icon=":material/save:")
        if saved:
            try:
                followups.add_followup(engine, actor, unit, period, status, note)
            except ServiceError as exc:
                st.error(exc.markdown(language), icon=":material/block:")
            else:
                st.session_state["weak_flash"] = lang.md("weak.saved", name=row[name_col], status=badges.followup_text(status, language),
                                                   period=i18n.fmt_period_short(period))
                st.rerun()
