"""Đơn vị yếu: the month's flagged units, ranked, with their reasons, severity and how long they have been
flagged; the standing agency's follow-up of each flag (open, notified, improving, resolved; note, who,
when), kept in the database through services.followups; export of the list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from domain.errors import ServiceError
from domain.safe_text import guard_cell
from presentation import flags, push
from reports import letter
from services import exports, followups
from ui import badges, data, filters, frame, session, styled
from ui.downloads import download_buttons
from ui.views import common
from ui.views import review as review_view

page = frame.start("weak.title")
language, key, months, actor, scope, t = page.lang, page.key, page.months, page.actor, page.scope, page.t
engine = data.engine()
sees_followups = session.allowed(actor, "view_followups", language, show=False)

top = st.columns([2, 3])
period = filters.month_picker("weak_period", months, language, container=top[0])
today = data.local_today(key)
weak = data.weak_localities_on(key, period, today)
units = data.units(key)
settings = data.settings(key)
history = followups.history(engine, actor) if sees_followups else None
followed = flags.run_followups(history, weak.units, period) if sees_followups else None
table = scope.filter(flags.board(weak.units, units, followed, period))
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
show_all = filters.toggle("weak_all", param="all", label=t("push.show_all"), container=top[0])
shown = table[table["severity"].isin(severities)] if show_all else table[table["severity"] == "high"]
changes = data.weak_changes_on(key, period, today)
change_of = changes.set_index("unit_code")
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
    change_counts = {c: int((scope.filter(changes)["change"] == c).sum()) for c in ("new", "still", "improved", "resolved")}
    st.caption(push.change_line(change_counts, language))

# --- province-wide bottlenecks, once, at the top ----------------------------------------------------------
every_shortfall = data.bottlenecks(key, period)
necks = every_shortfall[every_shortfall["bottleneck"]]
indicator_names = {i.code: i.name(language) for i in data.registry(key).indicators}
unit_names = dict(zip(units["code"], units[name_col]))
if len(necks):
    short = common.short_names(key, language)
    listed = ", ".join(dict.fromkeys(short.get(c, c) for c in necks["indicator_code"]))
    # Folded (one line naming them) so that on a phone the list to push stays near the top.
    with st.expander(f"{t('push.bottlenecks_title')} ({i18n.fmt_int(len(necks), language)}): {listed}", expanded=False,
                     icon=":material/traffic:"):
        st.markdown("\n".join(f"- {push.bottleneck_line(r, indicator_names, unit_names, language)} "
                               f"{push.pareto_line(r['pareto_units'], r['indicator_code'], language)}."
                               for _, r in necks.iterrows()))
others = every_shortfall[~every_shortfall["bottleneck"]]
if len(others):
    with st.expander(t("push.page.pareto_title", count=i18n.fmt_int(len(others), language)), icon=":material/bar_chart:"):
        st.markdown("\n".join(
            f"- {indicator_names.get(r['indicator_code'], r['indicator_code'])} ({t('push.level_units.' + r['level'])}): "
            f"{push.shortfall_text(r['shortfall'], r['indicator_code'], language)}; "
            f"{push.pareto_line(r['pareto_units'], r['indicator_code'], language)}"
            for _, r in others.iterrows()))
if not show_all:
    st.caption(t("push.page.push_only"))

if shown.empty:
    st.success(t("weak.none"), icon=":material/check_circle:")
    st.stop()

# --- the list -----------------------------------------------------------------------------------------
summaries, sentences = data.weak_reason_texts(key, period, today, language)
# A unit with a figure under verification (issue 19) is marked where it is ranked, as on the league table.
checking = review_view.marked_units(review_view.open_verifications(actor, period), data.registry(key))
view = pd.DataFrame({
    t("weak.col_unit"): [f"{r}. {n}{review_view.MARK if c in checking else ''}"
                         for r, n, c in zip(shown["rank"], shown[name_col], shown["unit_code"])],
    t("weak.col_severity"): [badges.severity_text(s, language) for s in shown["severity"]],
    t("weak.col_points"): shown["points"],
    t("weak.col_months"): [t("weak.months_since", months=m, since=i18n.fmt_period_short(s))
                           for m, s in zip(shown["months_flagged"], shown["since"])],
})
if sees_followups:
    view[t("weak.col_followup")] = [badges.followup_text(s, language) for s in shown["followup_status"]]
view[t("push.col_change")] = [push.change_text(change_of["change"].get(c), change_of["months_flagged"].get(c), language)
                              for c in shown["unit_code"]]
view[t("push.col_shortfall")] = ["" if pd.isna(i) else push.shortfall_text(s, i, language)
                                 for s, i in zip(shown["top_shortfall"], shown["top_indicator"])]
view[t("push.col_share")] = [i18n.fmt_pct(x, language) if not pd.isna(x) else "–" for x in shown["top_share"]]
view[t("weak.col_reasons")] = [summaries.get(c, "") for c in shown["unit_code"]]
if sees_followups:
    view[t("weak.col_followup_by")] = [
        "" if pd.isna(by) else t("weak.by_at", who=by, when=i18n.fmt_datetime(at))
        for by, at in zip(shown["followup_by"], shown["followup_at"])
    ]
    view[t("weak.col_note")] = shown["followup_note"].fillna("").map(guard_cell).to_numpy()


fills = ((t("weak.col_severity"), "severity"),) + (((t("weak.col_followup"), "followup"),) if sees_followups else ())
picked = styled.styled_dataframe(
    view, fills, pinned=(t("weak.col_unit"),), height=min(38 + 35 * len(view), 560),
    widths=((t("weak.col_unit"), "medium"), (t("weak.col_points"), "small"), (t("weak.col_reasons"), "large")),
    help_texts=((t("weak.col_points"), t("weak.points_help")), (t("push.col_share"), t("push.share_help"))),
    select_key=f"weak_list_{period}")
st.caption(t("push.drill.table_hint") + (" " + t("review.marker_note") if checking & set(shown["unit_code"]) else ""))
if picked is not None:
    common.open_profile(shown["unit_code"].iloc[picked], period)
st.caption(t("push.page.caption_rules", gap=i18n.fmt_number(settings["weak_gap_pp"], language),
             bottom=settings["weak_bottom_n"], falling=settings["weak_falling_months"],
             high=settings["weak_severity_high"], medium=settings["weak_severity_medium"],
             factor=i18n.fmt_number(settings["weak_large_share_factor"], language),
             neck=i18n.fmt_pct(settings["weak_bottleneck_share"], language, 0),
             cap=i18n.fmt_pct(settings["weak_high_max_share"], language, 0)))

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

    high_codes = tuple(shown.loc[shown["severity"] == "high", "unit_code"])
    if high_codes:
        st.download_button(t("letter.download_all", count=len(high_codes)),
                           lambda: data.reminder_letters_zip(key, period, high_codes, today, language),
                           file_name=f"cong-van-don-doc-{period}.zip" if language == "vi" else f"reminder-letters-{period}.zip",
                           mime="application/zip", icon=":material/folder_zip:", key="weak_letters_all",
                           on_click=lambda: exports.record_export(engine, actor, "reminder_letter", period, fmt="zip",
                                                                 unit_codes=list(high_codes), rows=len(high_codes)))

# --- one unit: every reason, the follow-up history, a new follow-up ---------------------------------------
st.divider()
st.subheader(t("weak.detail"))
flash = st.session_state.pop("weak_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")
names = dict(zip(shown["unit_code"], [f"{r}. {n}" for r, n in zip(shown["rank"], shown[name_col])]))
unit = filters.choice("weak_unit", list(names), param="unit", label=t("weak.unit"), format_func=names.__getitem__)
row = shown.set_index("unit_code").loc[unit]
st.markdown(page.md("weak.detail_head", name=row[name_col], severity=badges.severity_text(row["severity"], language),
              points=row["points"], months=row["months_flagged"], since=i18n.fmt_period_short(row["since"])))
st.markdown("\n".join(f"- {s}" for s in sentences.get(unit, [])))
st.page_link("pages/unit_profile.py", label=t("weak.open_profile"), icon=":material/badge:",
             query_params={"unit": unit, "period": period})
if session.allowed(actor, "export", language, show=False):
    from reports.letter import filename as letter_filename

    st.download_button(t("letter.download"), lambda: data.reminder_letter(key, period, unit, today, language)[1],
                       file_name=letter_filename(unit, period, language), icon=":material/description:",
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document", key="weak_letter",
                       on_click=lambda: exports.record_export(engine, actor, "reminder_letter", period, fmt="docx",
                                                             unit_codes=[unit], rows=1))

if sees_followups:
    mine = history[history["unit_code"] == unit].iloc[::-1]
    if len(mine):
        st.markdown(f"**{t('weak.history')}**")
        st.dataframe(badges.followup_history(mine, language), hide_index=True, width="stretch")
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
            when = st.columns(3)
            due = when[0].date_input(t("followup.due"), value=letter.default_deadline(period, int(settings["deadline_day"])),
                                     format="DD/MM/YYYY", key="weak_due")
            letter_no = when[1].text_input(t("followup.letter_no"), max_chars=60, key="weak_letter_no",
                                           placeholder="123/CAT-PV06")
            letter_date = when[2].date_input(t("followup.letter_date"), value=None, format="DD/MM/YYYY", key="weak_letter_date")
            why = st.columns([2, 3])
            cause = why[0].selectbox(t("followup.cause"), [None, *followups.CAUSES], key="weak_cause",
                                     format_func=lambda c: "–" if c is None else t(f"followup.causes.{c}"))
            cause_text = why[1].text_input(t("followup.cause_text"), max_chars=followups.MAX_NOTE, key="weak_cause_text")
            saved = st.form_submit_button(t("weak.save"), type="primary", icon=":material/save:")
        if saved:
            try:
                followups.add_followup(engine, actor, unit, period, status, note, due_date=due, letter_no=letter_no,
                                       letter_date=letter_date, cause=cause, cause_text=cause_text)
            except ServiceError as exc:
                st.error(exc.markdown(language), icon=":material/block:")
            else:
                st.session_state["weak_flash"] = page.md("weak.saved", name=row[name_col], status=badges.followup_text(status, language),
                                                   period=i18n.fmt_period_short(period))
                st.rerun()

    # --- the unit's responsible leader, to whom its follow-ups are assigned ------------------------------
    leaders = followups.unit_leaders(engine, actor).set_index("unit_code")
    mine_leader = leaders.loc[unit] if unit in leaders.index else None
    st.markdown(f"**{t('followup.leader')}**: " + (f"{mine_leader['name']}, {mine_leader['position']}" if mine_leader is not None
                                                  else t("followup.leader_none")))
    if may_write:
        with st.popover(t("followup.leader_save"), icon=":material/person_edit:"):
            with st.form("weak_leader_form", border=False):
                leader_name = st.text_input(t("followup.leader_name"), value="" if mine_leader is None else mine_leader["name"],
                                            max_chars=followups.MAX_NAME, key=f"weak_leader_name_{unit}")
                leader_position = st.text_input(t("followup.leader_position"), max_chars=followups.MAX_NAME,
                                                value="" if mine_leader is None else mine_leader["position"],
                                                key=f"weak_leader_position_{unit}")
                if st.form_submit_button(t("followup.leader_save"), icon=":material/save:"):
                    try:
                        followups.set_unit_leader(engine, actor, unit, leader_name, leader_position)
                    except ServiceError as exc:
                        st.error(exc.message(language), icon=":material/block:")
                    else:
                        st.session_state["weak_flash"] = t("followup.leader_saved", name=row[name_col])
                        st.rerun()

    # --- the follow-up queue: every unit followed up, overdue first ------------------------------------------
    st.divider()
    st.subheader(t("followup.queue_title"))
    queue = scope.filter(followups.queue(history, today))
    if queue.empty:
        st.caption(t("followup.queue_none"))
    else:
        st.markdown(t("followup.queue_summary", open=i18n.fmt_int(int((~queue["closed"]).sum()), language),
                      overdue=i18n.fmt_int(int(queue["overdue"].sum()), language),
                      closed=i18n.fmt_int(int(queue["closed"].sum()), language)))
        all_names = dict(zip(units["code"], units[name_col]))
        table_q = pd.DataFrame({
            t("followup.col_unit"): [all_names.get(c, c) for c in queue["unit_code"]],
            t("followup.col_leader"): [f"{leaders.loc[c, 'name']}, {leaders.loc[c, 'position']}" if c in leaders.index else "–"
                                       for c in queue["unit_code"]],
            t("followup.col_status"): [badges.followup_text(x, language) for x in queue["status"]],
            t("followup.col_month"): [i18n.fmt_period_short(p) for p in queue["period"]],
            t("followup.col_due"): [("⚠ " + t("followup.overdue") + " · " if o else "") + (i18n.fmt_date(d) if not pd.isna(d) else "–")
                                    for d, o in zip(queue["due_date"], queue["overdue"])],
            t("followup.col_letter"): ["–" if pd.isna(n) or not n else t("followup.letter_ref", no=n, date=i18n.fmt_date(d) if not pd.isna(d) else "–")
                                       for n, d in zip(queue["letter_no"], queue["letter_date"])],
            t("followup.col_cause"): ["; ".join(x for x in (t(f"followup.causes.{c}") if isinstance(c, str) and c else "",
                                                            tx if isinstance(tx, str) else "") if x) or "–"
                                      for c, tx in zip(queue["cause"], queue["cause_text"])],
        })
        overdue_rows = queue["overdue"].to_numpy()
        styled_q = table_q.style.apply(lambda r: ["background-color: #f4c7c3" if overdue_rows[r.name] else "" for _ in r], axis=1)
        st.dataframe(styled_q, hide_index=True, width="stretch", key="weak_queue")
