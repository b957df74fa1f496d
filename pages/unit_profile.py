"""Hồ sơ đơn vị: one unit: its history, every indicator of the month against its target with its rank,
trends, flags, completeness of its returns, and where each figure came from (the file, who, when, earlier
values, the original file to download again)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from domain import periods
from domain.errors import ServiceError
from domain.safe_text import guard_cell, md_escape
from domain.text import fold
from domain.units import base_name, valid_in
from presentation import flags
from services import followups, lineage, tasks
from ui import badges, data, filters, frame, session
from ui.views import profile as profile_view
from ui.views import tasks as task_view

# A former province (a deployment holding the history of a merged province) is followed like a former district:
# its district-level units before 07/2025, the communes that came from them after.
REPORTING_LEVELS = ("commune", "department", "district", "former_province")
HISTORY_MONTHS = 12
TREND_MONTHS = 24

page = frame.start("profile.title")
language, key, months, actor, scope, t = page.lang, page.key, page.months, page.actor, page.scope, page.t
engine = data.engine()
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
by_code = units.set_index("code")
info = by_code.loc[unit]
districts = units[(units["parent_code"] == unit) & (units["level"] == "district")]
former_province = info["level"] == "former_province"
communes = units[units["former_unit_code"].isin(districts["code"] if former_province else [unit])]
# A former district-level unit (or province) is followed after its end through the communes that continue its area.
continued = info["level"] in ("district", "former_province") and len(communes) > 0
valid_months = [p for p in months if valid_in(info["valid_from"], None if continued else info["valid_to"], p)]
if not valid_months:
    st.info(t("profile.no_months"))
    st.stop()
period = filters.month_picker("profile_period", valid_months, language, container=pick_month)
level = info["level"]
as_area = continued and info["valid_to"] is not None and periods.first_day(period) > info["valid_to"]
# The area: the sum of its communes that month (the level former_province sums its districts, then its communes).
figures_level = "former_district" if as_area and not former_province else level
trend_level = "former_district" if continued and not former_province else level


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
if len(communes):
    history.append(t("profile.continued_by", count=len(communes)))
if info["level"] == "commune":
    formed = profile_view.formed_from(info["province_code"], unit, info["name_vi"], names, language)
    if formed:
        history.append(formed)
for line in history:
    st.caption(line)

# --- where this is: up to the former district-level unit, down to the communes that continue it ------------
province_code = info["province_code"]
crumbs = [md_escape(names.get(province_code, province_code))]  # names an administrator typed: shown as typed
parent = info["parent_code"]
parent_is_former = _given(parent) and parent in by_code.index and by_code.at[parent, "level"] == "former_province"
if parent_is_former:
    crumbs.append(md_escape(names[parent]))
if _given(info["former_unit_code"]):
    crumbs.append(page.md("push.profile.area_of", name=names.get(info["former_unit_code"], info["former_unit_code"])))
crumbs.append(md_escape(info[name_col]) if not as_area else page.md("push.profile.area_of", name=info[name_col]))
st.caption(" › ".join(crumbs))
if _given(info["former_unit_code"]) and scope.allows(info["former_unit_code"]):
    st.page_link("pages/unit_profile.py", label=page.md("push.profile.up", name=names.get(info["former_unit_code"])),
                 icon=":material/arrow_upward:", query_params={"unit": info["former_unit_code"], "period": period})
if parent_is_former and scope.allows(parent):
    st.page_link("pages/unit_profile.py", label=page.md("push.profile.up_former_province", name=names[parent]),
                 icon=":material/arrow_upward:", query_params={"unit": parent, "period": period})
if as_area:
    st.info(page.md("push.profile.area_note", name=info[name_col], period=i18n.fmt_period(period, language),
                    count=len(communes)), icon=":material/merge:")
if former_province and len(districts):
    with st.expander(t("push.profile.districts", count=len(districts)), expanded=not as_area, icon=":material/south:"):
        for d in districts.sort_values("name_vi").itertuples():
            if scope.allows(d.code):
                st.page_link("pages/unit_profile.py", label=md_escape(getattr(d, name_col)), icon=":material/location_city:",
                             query_params={"unit": d.code, "period": period})
if continued and (as_area or period >= "2025-07"):
    with st.expander(t("push.profile.communes", count=len(communes)), expanded=as_area, icon=":material/south:"):
        for c in communes.sort_values("name_vi").itertuples():
            if scope.allows(c.code):
                st.page_link("pages/unit_profile.py", label=md_escape(getattr(c, name_col)), icon=":material/location_on:",
                             query_params={"unit": c.code, "period": period})


# --- accountability: the unit's tasks beside its flags and its score ("vai trò, trách nhiệm người đứng đầu") ---
today = data.local_today(key)
unit_tasks = tasks.list_tasks(engine, actor, today=today, unit=unit)
counts = tasks.accountability(unit_tasks, unit)
weak_now = data.weak_localities_on(key, period, today)
flag_now = weak_now.units[weak_now.units["unit_code"] == unit]
scores = data.scorecard(key, period).scores
score_now = scores[scores["unit_code"] == unit]
st.markdown(f"**{t('profile.accountability_heading', period=i18n.fmt_period(period, language))}**")
if session.allowed(actor, "view_followups", language, show=False):  # the head named, for who may see follow-ups
    leaders = followups.unit_leaders(engine, actor)
    head = leaders[leaders["unit_code"] == unit]
    st.markdown(page.md("profile.accountability_head", name=head.iloc[0]["name"], position=head.iloc[0]["position"] or "–")
                if len(head) else t("followup.leader_none"))
c_open, c_overdue, c_flag, c_score = st.columns(4)
c_open.metric(t("tasks.count.open"), i18n.fmt_int(counts["open"], language))
c_overdue.metric(t("tasks.count.overdue"), i18n.fmt_int(counts["overdue"], language))
c_flag.metric(t("profile.accountability_flag"), t("profile.accountability_not_flagged") if flag_now.empty else
              badges.severity_text(flag_now.iloc[0]["severity"], language))
c_score.metric(t("profile.accountability_score"), "–" if score_now.empty or pd.isna(score_now.iloc[0]["score"])
               else i18n.fmt_number(float(score_now.iloc[0]["score"]), language, 1))
st.caption(task_view.accountability_line(counts, language))

# --- every indicator of the month -------------------------------------------------------------------------
indicator_names = {i.code: i.name(language) for i in registry.indicators}
st.markdown(f"**{t('profile.kpis_heading', period=i18n.fmt_period(period, language))}**")
table, measured = profile_view.indicator_table(key, period, figures_level, unit, language)
# A value carried from an earlier month carries its mark ("99,48% (số liệu tháng 09/2026)"): room for it.
marked = table[t("profile.col_value")].str.contains("(", regex=False).any()
st.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * len(table),
             column_config={t("profile.col_indicator"): st.column_config.TextColumn(width=320, pinned=True),
                            **({t("profile.col_value"): st.column_config.TextColumn(width=230)} if marked else {})})
st.caption(t("profile.kpis_caption"))
notes = profile_view.path_notes(key, period, figures_level, unit, language)
if notes:
    st.caption(notes)

# --- trends -------------------------------------------------------------------------------------------
st.markdown(f"**{t('profile.trend_heading')}**")
indicator = filters.indicator_picker("profile_indicator", registry, language, codes=list(measured) or list(indicator_names),
                                     container=st.columns([3, 2])[0])
if not profile_view.draw_trend(key, period, trend_level, unit, indicator, TREND_MONTHS,
                               info[name_col], language):
    st.info(t("profile.no_trend"))

# --- flags, follow-ups, completeness ------------------------------------------------------------------
tab_flags, tab_lineage, tab_tasks = st.tabs([t("profile.tab_flags"), t("profile.tab_lineage"),
                                             t("profile.tasks_heading", count=len(unit_tasks))])
with tab_flags:
    weak = data.weak_localities_on(key, period, today)
    flag = weak.units[weak.units["unit_code"] == unit]
    if former_province:
        st.caption(t("push.profile.former_province_flags"))
    elif as_area:
        st.caption(t("push.profile.area_flags"))
    elif flag.empty:
        st.success(t("profile.not_flagged", period=i18n.fmt_period(period, language)), icon=":material/check_circle:")
    else:
        f = flag.iloc[0]
        st.markdown(t("profile.flagged", severity=badges.severity_text(f["severity"], language), points=f["points"],
                      rank=f["rank"], count=len(weak.units), months=f["months_flagged"],
                      since=i18n.fmt_period_short(flags.flagged_since(period, f["months_flagged"]))))
        sentences = flags.reason_sentences(weak.reasons[weak.reasons["unit_code"] == unit], indicator_names, language,
                                               int(data.settings(key)["weak_falling_months"]))
        st.markdown("\n".join(f"- {s}" for s in sentences.get(unit, [])))
    if session.allowed(actor, "view_followups", language, show=False):
        notes = followups.history(engine, actor, unit_code=unit).iloc[::-1]
        if len(notes):
            st.markdown(f"**{t('weak.history')}**")
            st.dataframe(badges.followup_history(notes, language), hide_index=True, width="stretch")
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
                st.markdown(page.md("profile.file_line", file=s.filename, id=s.id, who=s.submitted_by,
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

# --- the unit's tasks (leading or cooperating) ------------------------------------------------------------
with tab_tasks:
    if unit_tasks.empty:
        st.info(t("tasks.none"))
    else:
        judged = tasks.judge_indicators(data.inputs(key), unit_tasks, period)
        view = task_view.table(unit_tasks, names, judged, language)
        task_view.draw_table(view, t("tasks.col.status"), min(38 + 35 * len(view), 420))
    st.page_link("pages/tasks.py", label=t("profile.open_tasks"), icon=":material/task_alt:", query_params={"unit": unit})
