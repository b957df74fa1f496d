"""Nhiệm vụ: the tasks steering documents assign ("rõ người, rõ việc, rõ thời gian, rõ sản phẩm"), their
status as the lead unit reports it and, where a task has an indicator, as the figures say; a timeline of
deadlines; the pilot models; the register of documents. The standing agency and administrators assign
and import; a lead unit's submitter reports progress with evidence; leaders and viewers read.
Every rule is in services/tasks.py."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from domain import periods
from domain.errors import ServiceError
from domain.tasks import TaskIn
from loaders.problems import problem_sort_key
from services import permissions, tasks
from ui import data, filters, frame
from ui.views import tasks as task_view

page = frame.start("tasks.title", needs_data=False)
language, key, actor, t = page.lang, page.key, page.actor, page.t
st.caption(t("tasks.motto"))
engine = data.engine()
today = data.local_today(key)
units = data.units(key)
name_col = "name_vi" if language == "vi" else "name_en"
names = dict(zip(units["code"], units[name_col]))
may_assign = permissions.permits(actor, "manage_tasks")
may_update = permissions.permits(actor, "update_tasks")

flash = st.session_state.pop("tasks_flash", None)
if flash:
    st.success(flash, icon=":material/check_circle:")

everything = tasks.list_tasks(engine, actor, today=today)
documents = tasks.documents(engine, actor)
months = data.periods_with_data(key)
judged = tasks.judge_indicators(data.inputs(key), everything, months[-1] if months else None)

tab_names = [t("tasks.tab.list"), t("tasks.tab.models"), t("tasks.tab.documents")]
if may_assign:
    tab_names.append(t("tasks.tab.assign"))
tabs = st.tabs(tab_names)

# --- the list ---------------------------------------------------------------------------------------------
with tabs[0]:
    counts = tasks.status_counts(everything)
    st.markdown(t("tasks.summary", total=i18n.fmt_int(len(everything), language),
                  open=i18n.fmt_int(counts["not_started"] + counts["in_progress"], language),
                  overdue=i18n.fmt_int(counts["overdue"], language),
                  done=i18n.fmt_int(counts["done"] + counts["done_late"], language)))

    with st.expander(t("tasks.filters"), icon=":material/filter_list:", expanded=False):
        left, right = st.columns(2)
        doc_labels = {"all": t("tasks.all_documents")}
        doc_labels.update({str(r.id): f"{r.number} ({i18n.fmt_date(r.issued_on, language)})" for r in documents.itertuples()})
        document = filters.choice("tasks_document", list(doc_labels), param="doc", label=t("tasks.col.document"),
                                  format_func=doc_labels.__getitem__, container=left)
        involved = sorted({c for c in everything["lead_unit_code"]} | {c for coop in everything["cooperating_codes"] for c in coop},
                          key=lambda c: names.get(c, c))
        unit_labels = {"all": t("tasks.all_units")} | {c: f"{names.get(c, c)} ({c})" for c in involved}
        unit = filters.choice("tasks_unit", list(unit_labels), param="unit", label=t("tasks.unit_filter"),
                              format_func=unit_labels.__getitem__, container=right)
        statuses = filters.multi_choice("tasks_status", list(tasks.STATUSES), param="status", label=t("tasks.col.status"),
                                        format_func=lambda s: task_view.status_text(s, language), default=list(tasks.STATUSES),
                                        placeholder=t("filters.choose"))
        a, b = st.columns(2)
        due_month = filters.toggle("tasks_due_month", param="due", label=t("tasks.due_this_month"), container=a)
        only_overdue = filters.toggle("tasks_overdue", param="overdue", label=t("tasks.only_overdue"), container=b)
    shown = tasks.list_tasks(engine, actor, today=today, document_id=None if document == "all" else int(document),
                             unit=None if unit == "all" else unit, due_in=periods.of_date(today) if due_month else None,
                             overdue=only_overdue)
    shown = shown[shown["status"].isin(statuses)].reset_index(drop=True)

    if shown.empty:
        st.info(t("tasks.none"))
    else:
        view = task_view.table(shown, names, judged, language)
        task_view.draw_table(view, t("tasks.col.status"), min(38 + 35 * len(view), 460))
        st.caption(t("tasks.caption"))
        fig = task_view.timeline(shown, names, today, language)
        if fig is not None:
            st.markdown(f"**{t('tasks.timeline')}**")
            task_view.draw_timeline(fig)

    if permissions.permits(actor, "export") and counts["overdue"]:
        stamp = today.strftime("%Y-%m-%d")
        st.download_button(
            t("tasks.export.button", count=counts["overdue"]),
            data=lambda: tasks.overdue_workbook(engine, actor, language, today=today)[0],
            file_name=i18n.t("tasks.export.file", language, date=stamp) + ".xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table_view:", key="tasks_export_overdue", on_click="ignore",
        )

    # --- one task: details, history, a status report --------------------------------------------------
    if not shown.empty:
        st.divider()
        st.subheader(t("tasks.detail"))
        labels = {int(r.id): f"#{r.id} · {r.text[:80]}{'…' if len(r.text) > 80 else ''}" for r in shown.itertuples()}
        # A lead unit's submitter starts on the first of its own tasks still open (what they came to update).
        own_open = [int(r.id) for r in shown.itertuples()
                    if r.reported_status != "done" and permissions.permits(actor, "update_tasks", [r.lead_unit_code])]
        picked = filters.choice("tasks_pick", [str(i) for i in labels], param="task", label=t("tasks.pick"),
                                format_func=lambda i: labels[int(i)],
                                default=str(own_open[0]) if own_open and actor.role == "submitter" else None)
        task = shown[shown["id"] == int(picked)].iloc[0]
        lines = [
            f"**{task['text']}**",
            f"{t('tasks.col.lead')}: {task_view.lead_name(task, names)}",
            f"{t('tasks.col.deadline')}: {task_view.deadline_text(task['deadline'], language)} · "
            f"{t('tasks.col.status')}: {task_view.status_text(task['status'], language)}",
        ]
        if task["product"]:
            lines.append(f"{t('tasks.col.product')}: {task['product']}")
        if task["indicator_code"]:
            indicator_names = {i.code: i.name(language) for i in data.registry(key).indicators}
            lines.append(t("tasks.target_line", indicator=indicator_names.get(task["indicator_code"], task["indicator_code"]),
                           target=i18n.fmt_pct(task["target_value"], language, 0),
                           period=i18n.fmt_period_short(task["from_period"]) if task["from_period"] else "–"))
            figures = task_view.figures_text(judged, int(task["id"]), language)
            if figures:
                lines.append(f"{t('tasks.col.figures')}: {figures}")
        history = tasks.task_history(engine, actor, int(task["id"])).iloc[::-1]
        if len(history) and history.iloc[0]["note"]:
            last = history.iloc[0]
            lines.append(t("tasks.latest", date=i18n.fmt_date(last["effective_on"], language), who=last["changed_by"],
                           note=last["note"]))
        st.markdown("  \n".join(lines))
        st.markdown(f"**{t('tasks.history')}**")
        st.dataframe(pd.DataFrame({
            t("tasks.col.when"): [i18n.fmt_date(d, language) for d in history["effective_on"]],
            t("tasks.col.status"): [task_view.STATUS[s].text(language) for s in history["status"]],
            t("tasks.col.note"): history["note"],
            t("tasks.col.evidence"): history["evidence_filename"].fillna(""),
            t("tasks.col.who"): history["changed_by"],
            t("tasks.col.recorded"): [i18n.fmt_datetime(x) for x in history["changed_at"]],
        }), hide_index=True, width="stretch")
        for h in history[history["evidence_file_id"].notna()].itertuples():
            st.download_button(t("tasks.download_evidence", file=h.evidence_filename),
                               data=lambda fid=int(h.evidence_file_id): tasks.attached_file(engine, actor, fid).content,
                               file_name=h.evidence_filename, mime="application/octet-stream", icon=":material/download:",
                               key=f"tasks_evidence_{h.id}", on_click="ignore")

        if permissions.permits(actor, "update_tasks", [task["lead_unit_code"]]):
            with st.form(f"tasks_update_{task['id']}", clear_on_submit=True):
                st.markdown(f"**{t('tasks.report')}**")
                current = task["reported_status"]
                new_status = st.radio(t("tasks.new_status"), list(tasks.REPORTED), index=list(tasks.REPORTED).index(current),
                                      format_func=lambda s: task_view.status_text(s, language), horizontal=True,
                                      key=f"tasks_new_status_{task['id']}")
                note = st.text_area(t("tasks.col.note"), max_chars=tasks.MAX_NOTE, placeholder=t("tasks.note_placeholder"),
                                    key=f"tasks_note_{task['id']}")
                evidence = st.file_uploader(t("tasks.evidence_upload"), key=f"tasks_evidence_upload_{task['id']}")
                effective = st.date_input(t("tasks.effective_on"), value=today, max_value=today, format="DD/MM/YYYY",
                                          key=f"tasks_effective_{task['id']}")
                saved = st.form_submit_button(t("tasks.save"), type="primary", icon=":material/save:")
            if saved:
                try:
                    upload = tasks.Upload(evidence.name, evidence.getvalue()) if evidence is not None else None
                    tasks.set_status(engine, actor, int(task["id"]), new_status, note, evidence=upload, effective_on=effective)
                except ServiceError as exc:
                    st.error(exc.message(language), icon=":material/block:")
                else:
                    st.session_state["tasks_flash"] = t("tasks.saved", id=int(task["id"]),
                                                        status=task_view.status_text(new_status, language))
                    st.rerun()
        elif may_update:
            st.caption(t("tasks.not_yours"))

# --- pilot models -------------------------------------------------------------------------------------------
with tabs[1]:
    models_frame = tasks.pilot_models(engine, actor)
    counts = tasks.model_counts(models_frame)
    st.markdown(" · ".join(f"{task_view.model_text(s, language)}: **{i18n.fmt_int(n, language)}**" for s, n in counts.items()))
    if models_frame.empty:
        st.info(t("tasks.no_models"))
    else:
        st.dataframe(pd.DataFrame({
            t("tasks.col.name"): models_frame["name"],
            t("tasks.col.lead"): models_frame["lead_unit_code"].map(lambda c: names.get(c, c)),
            t("tasks.col.deployed"): [", ".join(names.get(c, c) for c in d) for d in models_frame["deployed_codes"]],
            t("tasks.col.status"): [task_view.model_text(s, language) for s in models_frame["status"]],
            t("tasks.col.status_on"): [i18n.fmt_date(d, language) for d in models_frame["status_on"]],
        }), hide_index=True, width="stretch")
        mine = models_frame[[permissions.permits(actor, "update_tasks", [c]) for c in models_frame["lead_unit_code"]]]
        if len(mine):
            with st.form("tasks_model_form", clear_on_submit=True):
                st.markdown(f"**{t('tasks.model_report')}**")
                model_labels = dict(zip(mine["id"].astype(int), mine["name"]))
                model_id = st.selectbox(t("tasks.col.name"), list(model_labels), format_func=model_labels.__getitem__,
                                        key="tasks_model_pick")
                model_status = st.radio(t("tasks.new_status"), list(tasks.MODEL_STATUSES), horizontal=True,
                                        format_func=lambda s: task_view.model_text(s, language), key="tasks_model_status")
                model_note = st.text_area(t("tasks.col.note"), max_chars=tasks.MAX_NOTE, key="tasks_model_note")
                model_evidence = st.file_uploader(t("tasks.evidence_upload"), key="tasks_model_evidence")
                if st.form_submit_button(t("tasks.save"), type="primary", icon=":material/save:"):
                    try:
                        upload = tasks.Upload(model_evidence.name, model_evidence.getvalue()) if model_evidence else None
                        tasks.set_model_status(engine, actor, int(model_id), model_status, model_note, evidence=upload)
                    except ServiceError as exc:
                        st.error(exc.message(language), icon=":material/block:")
                    else:
                        st.session_state["tasks_flash"] = t("tasks.model_saved", name=model_labels[int(model_id)],
                                                            status=task_view.model_text(model_status, language))
                        st.rerun()

# --- documents ------------------------------------------------------------------------------------------------
with tabs[2]:
    if documents.empty:
        st.info(t("tasks.no_documents"))
    else:
        n_tasks = everything["document_id"].value_counts()
        st.dataframe(pd.DataFrame({
            t("tasks.col.number"): documents["number"],
            t("tasks.col.issued_on"): [i18n.fmt_date(d, language) for d in documents["issued_on"]],
            t("tasks.col.kind"): [t(f"tasks.kind.{k}") for k in documents["kind"]],
            t("tasks.col.issuer"): documents["issuer"],
            t("tasks.col.title"): documents["title"],
            t("tasks.count.total"): [int(n_tasks.get(i, 0)) for i in documents["id"]],
            t("tasks.col.file"): documents["filename"].fillna(""),
        }), hide_index=True, width="stretch")
        for d in documents[documents["file_id"].notna()].itertuples():
            st.download_button(t("tasks.download_evidence", file=d.filename),
                               data=lambda fid=int(d.file_id): tasks.attached_file(engine, actor, fid).content,
                               file_name=d.filename, mime="application/octet-stream", icon=":material/download:",
                               key=f"tasks_document_file_{d.id}", on_click="ignore")

# --- assign: a document, a task, an imported list (standing agency, administrators) -----------------------------
if may_assign:
    with tabs[3]:
        unit_options = units[units["valid_to"].isna() | (units["valid_to"].map(lambda d: d is not None and d >= today))]
        level_order = {"department": 0, "province": 1, "district": 2, "commune": 3}  # departments lead most tasks
        unit_options = unit_options.assign(_o=unit_options["level"].map(level_order)).sort_values(["_o", "code"])
        unit_label = {c: f"{n} ({c})" for c, n in zip(unit_options["code"], unit_options[name_col])}
        doc_choice = {0: t("tasks.no_document")} | {int(r.id): f"{r.number} ({i18n.fmt_date(r.issued_on, language)})"
                                                     for r in documents.itertuples()}

        st.markdown(f"**{t('tasks.new_task')}**")
        with st.form("tasks_new_task", clear_on_submit=True):
            doc_id = st.selectbox(t("tasks.col.document"), list(doc_choice), format_func=doc_choice.__getitem__,
                                  key="tasks_new_doc")
            text = st.text_area(t("tasks.col.text"), max_chars=tasks.MAX_TEXT, key="tasks_new_text")
            lead = st.selectbox(t("tasks.col.lead"), list(unit_label), format_func=unit_label.__getitem__, key="tasks_new_lead")
            coop = st.multiselect(t("tasks.col.cooperating"), list(unit_label), format_func=unit_label.__getitem__,
                                  key="tasks_new_coop", placeholder=t("filters.choose"))
            coop_text = st.text_input(t("tasks.cooperating_other"), key="tasks_new_coop_text")
            c1, c2 = st.columns(2)
            deadline = c1.date_input(t("tasks.col.deadline"), value=None, format="DD/MM/YYYY", key="tasks_new_deadline")
            standing = c2.checkbox(t("tasks.standing_task"), key="tasks_new_standing")
            product = st.text_input(t("tasks.col.product"), key="tasks_new_product")
            with st.expander(t("tasks.indicator_optional")):
                registry = data.registry(key)
                indicator_choice = {"": t("tasks.no_indicator")} | {i.code: i.name(language) for i in registry.indicators}
                indicator = st.selectbox(t("tasks.indicator"), list(indicator_choice), format_func=indicator_choice.__getitem__,
                                         key="tasks_new_indicator")
                target_pct = st.number_input(t("tasks.target_pct"), min_value=0.0, max_value=100.0, value=None, step=1.0,
                                             key="tasks_new_target")
                from_month = st.text_input(t("tasks.from_month"), placeholder="2026-01", key="tasks_new_from")
            created = st.form_submit_button(t("tasks.create"), type="primary", icon=":material/add_task:")
        if created:
            if deadline is None and not standing:
                st.error(t("tasks.deadline_needed"), icon=":material/block:")
            else:
                try:
                    new_id = tasks.add_task(engine, actor, TaskIn(
                        text=text, lead_unit_code=lead, deadline=None if standing else deadline,
                        document_id=doc_id or None, cooperating_codes=tuple(coop), cooperating_text=coop_text,
                        product=product, indicator_code=indicator or None,
                        target_value=None if target_pct is None else target_pct / 100, from_period=from_month.strip() or None))
                except ServiceError as exc:
                    st.error(exc.message(language), icon=":material/block:")
                else:
                    st.session_state["tasks_flash"] = t("tasks.created", id=new_id, unit=unit_label[lead])
                    st.rerun()

        st.divider()
        st.markdown(f"**{t('tasks.new_document')}**")
        with st.form("tasks_new_document", clear_on_submit=True):
            a, b = st.columns(2)
            number = a.text_input(t("tasks.col.number"), key="tasks_doc_number")
            issued = b.date_input(t("tasks.col.issued_on"), value=today, max_value=today, format="DD/MM/YYYY", key="tasks_doc_date")
            kind = st.radio(t("tasks.col.kind"), list(tasks.KINDS), format_func=lambda k: t(f"tasks.kind.{k}"), horizontal=True,
                            key="tasks_doc_kind")
            issuer = st.text_input(t("tasks.col.issuer"), key="tasks_doc_issuer")
            title = st.text_area(t("tasks.col.title"), key="tasks_doc_title")
            file = st.file_uploader(t("tasks.document_file"), key="tasks_doc_file")
            registered = st.form_submit_button(t("tasks.register"), type="primary", icon=":material/note_add:")
        if registered:
            try:
                tasks.add_document(engine, actor, number, issued, issuer, kind, title,
                                   file=tasks.Upload(file.name, file.getvalue()) if file is not None else None)
            except ServiceError as exc:
                st.error(exc.message(language), icon=":material/block:")
            else:
                st.session_state["tasks_flash"] = t("tasks.registered", number=number)
                st.rerun()

        st.divider()
        st.markdown(f"**{t('tasks.import')}**")
        st.caption(t("tasks.import_help"))
        generation = st.session_state.setdefault("tasks_import_generation", 0)  # a new uploader once a list is stored
        upload = st.file_uploader(t("tasks.import_file"), type=["xlsx", "xlsm", "csv"], key=f"tasks_import_file_{generation}")
        import_doc = st.selectbox(t("tasks.col.document"), list(doc_choice), format_func=doc_choice.__getitem__,
                                  key="tasks_import_doc")
        if upload is not None:
            try:
                checked = tasks.import_tasks(engine, actor, upload.name, upload.getvalue(), document_id=import_doc or None,
                                             dry_run=True)
            except ServiceError as exc:
                st.error(exc.message(language), icon=":material/block:")
            else:
                read = checked.tasks
                if read.problems:
                    problems = sorted(read.problems, key=problem_sort_key)
                    st.dataframe(pd.DataFrame({
                        t("tasks.problem.severity"): [i18n.t(f"loaders.severity.{p.severity}", language) for p in problems],
                        t("tasks.problem.where"): [p.where(language) for p in problems],
                        t("tasks.problem.what"): [p.message(language) for p in problems],
                        t("tasks.problem.todo"): [p.hint(language) for p in problems],
                    }), hide_index=True, width="stretch")
                if read.errors:
                    st.error(t("tasks.import_rejected", errors=len(read.errors)), icon=":material/block:")
                else:
                    st.success(t("tasks.import_ready", count=len(read.rows)), icon=":material/check_circle:")
                    if st.button(t("tasks.import_store", count=len(read.rows)), type="primary", key="tasks_import_store"):
                        try:
                            stored = tasks.import_tasks(engine, actor, upload.name, upload.getvalue(),
                                                        document_id=import_doc or None)
                        except ServiceError as exc:
                            st.error(exc.message(language), icon=":material/block:")
                        else:
                            st.session_state["tasks_flash"] = t("tasks.imported", count=len(stored.stored_ids))
                            st.session_state["tasks_import_generation"] = generation + 1
                            st.rerun()
