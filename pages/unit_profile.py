"""Hồ sơ đơn vị: one unit: its history, every indicator of the month against its target with its rank,
trends, flags, completeness of its returns, and where each figure came from (the file, who, when, earlier
values, the original file to download again)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from domain import periods
from domain.safe_text import guard_cell, md_escape
from domain.text import fold
from domain.units import base_name
from services import followups, lineage, visibility
from services.errors import ServiceError
from ui import badges, data, filters, lang, profile_view, session, weak_view

REPORTING_LEVELS = ("commune", "department", "district")
HISTORY_MONTHS = 12
TREND_MONTHS = 24

language = lang.current()
t = lang.t

key = data.version()
months = data.periods_with_data(key)
st.title(t("profile.title"))
actor = session.current_actor()
if not months:
    st.info(t("app.no_data"))
    st.stop()
if not session.allowed(actor, "view", language):
    st.stop()
engine = data.engine()
scope = visibility.view_scope(engine, actor)
units = data.units(key)
registry = data.registry(key)
name_col = "name_vi" if language == "vi" else "name_en"
names = dict(zip(units["code"], units[name_col]))

# --- which unit, which month --------------------------------------------------------------------------
reporting = units[units["level"].isin(REPORTING_LEVELS) & units["code"].map(scope.allows)]
if reporting.empty:
    st.info(t("profile.no_units"))
    st.stop()
order = {lv: i for i, lv in enumerate(REPORTING_LEVELS)}
reporting = reporting.assign(
    _o=reporting["level"].map(order), _closed=reporting["valid_to"].notna(),
    _name=[fold(base_name(n, ty)) for n, ty in zip(reporting["name_vi"], reporting["type"])],
).sort_values(["_closed", "_o", "_name"])
labels = {r.code: f"{getattr(r, name_col)} ({r.code}) · {t(f'level.{r.level}')}" for r in reporting.itertuples()}
pick_unit, pick_month = st.columns([3, 2])
unit = filters.choice("profile_unit", list(labels), param="unit", label=t("profile.unit"), format_func=labels.__getitem__,
                      container=pick_unit)
info = units.set_index("code").loc[unit]
valid_months = [p for p in months if (info["valid_from"] is None or periods.last_day(p) >= info["valid_from"])
                and (info["valid_to"] is None or periods.first_day(p) <= info["valid_to"])]
if not valid_months:
    st.info(t("profile.no_months"))
    st.stop()
period = filters.month_picker("profile_period", valid_months, language, container=pick_month)
level = info["level"]


def _unit_ref(code) -> str:
    return md_escape(f"{names.get(code, code)} ({code})")


def _given(code) -> bool:
    return code is not None and not pd.isna(code) and code != ""


# --- who the unit is ----------------------------------------------------------------------------------
facts = [t(f"unit_type.{info['type']}"), t("profile.code", code=unit)]
if info["valid_from"] is not None:
    facts.append(t("profile.valid_from", date=i18n.fmt_date(info["valid_from"])))
if info["valid_to"] is not None:
    facts.append(t("profile.valid_to", date=i18n.fmt_date(info["valid_to"])))
st.markdown(f"### {md_escape(info[name_col])}\n" + " · ".join(md_escape(f) for f in facts))
history = []
if _given(info["former_unit_code"]):
    history.append(t("profile.former", unit=_unit_ref(info["former_unit_code"])))
if _given(info["successor_code"]):
    history.append(t("profile.successor", unit=_unit_ref(info["successor_code"])))
absorbed = units[units["successor_code"] == unit]
if len(absorbed):
    history.append(t("profile.absorbed", units=", ".join(_unit_ref(c) for c in absorbed["code"])))
communes = units[units["former_unit_code"] == unit]
if len(communes):
    history.append(t("profile.continued_by", count=len(communes)))
for line in history:
    st.caption(line)


# --- every indicator of the month -------------------------------------------------------------------------
indicator_names = {i.code: i.name(language) for i in registry.indicators}
st.markdown(f"**{t('profile.kpis_heading', period=i18n.fmt_period(period, language))}**")
table, measured = profile_view.indicator_table(key, period, level, unit, language)
st.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * len(table),
             column_config={t("profile.col_indicator"): st.column_config.TextColumn(width=320, pinned=True)})
st.caption(t("profile.kpis_caption"))

# --- trends -------------------------------------------------------------------------------------------
st.markdown(f"**{t('profile.trend_heading')}**")
indicator = filters.indicator_picker("profile_indicator", registry, language, codes=list(measured) or list(indicator_names),
                                     container=st.columns([3, 2])[0])
if not profile_view.draw_trend(key, period, level, unit, indicator, TREND_MONTHS, info[name_col], language):
    st.info(t("profile.no_trend"))

# --- flags, follow-ups, completeness ------------------------------------------------------------------
today = data.local_today(key)
tab_flags, tab_lineage = st.tabs([t("profile.tab_flags"), t("profile.tab_lineage")])
with tab_flags:
    weak = data.weak_localities_on(key, period, today)
    flag = weak.units[weak.units["unit_code"] == unit]
    if flag.empty:
        st.success(t("profile.not_flagged", period=i18n.fmt_period(period, language)), icon=":material/check_circle:")
    else:
        f = flag.iloc[0]
        st.markdown(t("profile.flagged", severity=badges.severity_text(f["severity"], language), points=f["points"],
                      rank=f["rank"], count=len(weak.units), months=f["months_flagged"],
                      since=i18n.fmt_period_short(weak_view.flagged_since(period, f["months_flagged"]))))
        sentences = weak_view.reason_sentences(weak.reasons[weak.reasons["unit_code"] == unit], indicator_names, language,
                                               int(data.settings(key)["weak_falling_months"]))
        st.markdown("\n".join(f"- {s}" for s in sentences.get(unit, [])))
    if session.allowed(actor, "view_followups", language, show=False):
        notes = followups.history(engine, actor, unit_code=unit).iloc[::-1]
        if len(notes):
            st.markdown(f"**{t('weak.history')}**")
            st.dataframe(pd.DataFrame({
                t("weak.col_when"): [i18n.fmt_datetime(x) for x in notes["created_at"]],
                t("weak.col_month"): [i18n.fmt_period_short(p) for p in notes["period"]],
                t("weak.col_followup"): [badges.followup_text(s, language) for s in notes["status"]],
                t("weak.col_note"): notes["note"].map(guard_cell),
                t("weak.col_who"): notes["created_by"].map(guard_cell),
            }), hide_index=True, width="stretch")
    window = tuple(p for p in periods.span(periods.add(period, -(HISTORY_MONTHS - 1)), period))
    returns = profile_view.returns_table(key, window, today, unit, language)
    st.markdown(f"**{t('profile.returns_heading')}**")
    if returns.empty:
        st.caption(t("profile.no_returns"))
    else:
        st.dataframe(returns, hide_index=True, width="stretch")

# --- lineage: which file each figure came from --------------------------------------------------------
with tab_lineage:
    try:
        trace = lineage.lineage(engine, actor, unit, period)
    except ServiceError as exc:
        st.error(exc.markdown(language))
        st.stop()
    st.markdown(f"**{t('profile.lineage_heading', period=i18n.fmt_period(period, language))}**")
    if trace.values.empty:
        st.info(t("profile.no_values", period=i18n.fmt_period(period, language)))
    else:
        elements = {e.code: e.name(language) for e in registry.elements}
        st.dataframe(pd.DataFrame({
            t("profile.col_element"): trace.values["element_code"].map(elements),
            t("profile.col_figure"): [i18n.fmt_int(v, language) for v in trace.values["value"]],
            t("profile.col_file"): trace.values["filename"].map(guard_cell),
            t("profile.col_submission"): trace.values["submission_id"],
            t("profile.col_by"): trace.values["submitted_by"].map(guard_cell),
            t("profile.col_received"): [i18n.fmt_datetime(x) for x in trace.values["received_at"]],
            t("profile.col_source"): [t(f"profile.source.{s}") if i18n.has(f"profile.source.{s}") else s for s in trace.values["source"]],
            t("profile.col_revisions"): trace.values["n_revisions"],
        }), hide_index=True, width="stretch", height=38 + 35 * len(trace.values),
            column_config={t("profile.col_element"): st.column_config.TextColumn(width=300, pinned=True)})

    if len(trace.revisions):
        st.markdown(f"**{t('profile.revisions_heading')}**")
        elements = {e.code: e.name(language) for e in registry.elements}
        r = trace.revisions.iloc[::-1]
        st.dataframe(pd.DataFrame({
            t("profile.col_element"): r["element_code"].map(elements),
            t("profile.col_change_value"): [f"{i18n.fmt_int(a, language)} → {i18n.fmt_int(b, language)}"
                                            for a, b in zip(r["old_value"], r["new_value"])],
            t("profile.col_change_file"): [guard_cell(f"{a} → {b}") for a, b in zip(r["old_filename"], r["new_filename"])],
            t("profile.col_replaced_by"): r["replaced_by"].map(guard_cell),
            t("profile.col_replaced_at"): [i18n.fmt_datetime(x) for x in r["replaced_at"]],
        }), hide_index=True, width="stretch")

    if len(trace.submissions):
        st.markdown(f"**{t('profile.files_heading')}**")
        may_download = session.allowed(actor, "export", language, show=False)
        for s in trace.submissions.itertuples():
            with st.container(border=True):
                st.markdown(lang.md("profile.file_line", file=s.filename, id=s.id, who=s.submitted_by,
                              when=i18n.fmt_datetime(s.received_at)))
                st.caption(t("profile.file_counts", current=s.current_values, replaced=s.replaced_values,
                             total=s.n_values, sha=s.sha256[:12]))
                if may_download:
                    st.download_button(
                        t("profile.download_file"),
                        data=lambda sid=s.id: lineage.original_file(engine, actor, sid).content,
                        file_name=s.filename, mime="application/octet-stream", icon=":material/download:",
                        key=f"profile_file_{s.id}",
                    )
        if not may_download:
            st.caption(t("profile.download_not_allowed"))
