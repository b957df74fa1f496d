"""The "Nộp số liệu" page's two pieces: the template download and the upload flow (files in, a dry run
with a preview and every located problem, column mappings for headers in an office's own wording, then a
confirm that stores). Rules live in the loaders (and access control in services); this is display only.

The submitter is the signed-in actor (`ui.session.current_actor`): templates come from
`services.templates.template_for` and files go through `services.submissions.submit_files` (the actor's
units, the lock rules, the audit trail). A submitter is offered only their own units.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

import pandas as pd
import streamlit as st

import i18n
from domain import clock, periods
from domain.errors import ServiceError
from domain.safe_text import guard_cell, md_escape
from loaders.readers import ACCEPTED_EXTENSIONS
from presentation.problems import problem_lines
from presentation.receipt import receipt
from services import permissions
from services.submissions import check_upload, confirm_upload
from storage import frames
from ui import data, session

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
UPLOAD_TYPES = list(ACCEPTED_EXTENSIONS)  # loaders.readers: the file types the loaders read
IGNORE = "ignore"
FIRST_MONTH = "2024-01"


def _t(key: str, lang: str, **kw) -> str:
    return i18n.t(key, lang, **kw)


def _months(settings: dict) -> list[str]:
    """Reporting months from the first one to the current month (Vietnam time), newest first."""
    now = periods.of_date(clock.local_date(None, settings["timezone_offset_hours"]))
    return periods.span(FIRST_MONTH, now)[::-1]


def template_section(lang: str) -> None:
    """Pick a form, a month and (optionally) one unit; download the template."""
    from loaders.template import form_units

    version = data.version()
    registry, units, settings = data.registry(version), data.units(version), data.settings(version)
    st.subheader(_t("submissions.template_heading", lang))
    cols = st.columns(3)
    form = cols[0].selectbox(_t("submissions.form", lang), [f.code for f in registry.forms],
                             format_func=lambda c: registry.form_by_code[c].name(lang), key="tpl_form")
    months = _months(settings)
    period = cols[1].selectbox(_t("period.picker", lang), months, index=min(1, len(months) - 1),
                               format_func=lambda p: i18n.fmt_period(p, lang), key="tpl_period")
    rows = form_units(registry, units, form, period)
    names = {r.code: (r.name_vi if lang == "vi" else r.name_en) for r in rows.itertuples()}
    actor = session.current_actor()
    if actor is not None and permissions.scope(actor.role, "download_template") == "own":
        names = {c: n for c, n in names.items() if c in actor.unit_codes}  # a submitter: their own units
        choices = list(names)
    else:
        choices = [""] + list(names)
    unit = cols[2].selectbox(_t("submissions.unit", lang), choices,
                             format_func=lambda c: _t("submissions.all_units", lang, count=len(names)) if c == "" else f"{names[c]} ({c})",
                             key="tpl_unit")
    suffix = f"_{unit}" if unit else ""
    if not choices:
        st.info(_t("submissions.no_units_for_form", lang), icon=":material/info:")
        return

    def content() -> bytes:
        from services.templates import (
            template_for,  # authorised for the signed-in user, and audited
        )

        return template_for(data.engine(), actor, form, period, unit=unit or None, lang=lang)

    st.download_button(_t("submissions.download_template", lang), content,
                       file_name=f"bieu_{form}_{period}{suffix}.xlsx", mime=XLSX, icon=":material/download:",
                       key="tpl_download")
    st.caption(_t("submissions.template_caption", lang))


def _service(call, lang: str):
    """The service's result, or None after telling the user why nothing could be done (a refusal from
    access control, or a fault: shown as a message, never as a traceback; the fault goes to the server log)."""
    try:
        return call(data.engine(), session.current_actor())
    except ServiceError as exc:
        st.error(exc.markdown(lang))
    except Exception:  # noqa: BLE001 - the page reports, it does not crash
        logging.getLogger(__name__).exception("upload failed")
        st.error(_t("submissions.failed", lang))
    return None


def _key(files: list[tuple[str, bytes]], options: dict) -> str:
    digest = hashlib.sha256()
    for name, content in files:
        digest.update(name.encode() + hashlib.sha256(content).digest())
    digest.update(json.dumps(options, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def upload_flow(lang: str) -> None:
    """Files in → dry run (preview, problems, error workbooks, column mappings) → confirm → stored."""
    version = data.version()
    registry, units, settings = data.registry(version), data.units(version), data.settings(version)
    st.subheader(_t("submissions.upload_heading", lang))
    uploaded = st.file_uploader(_t("submissions.files", lang), type=UPLOAD_TYPES, accept_multiple_files=True,
                                key="upload_files", help=_t("submissions.files_help", lang, max_mb=settings["max_upload_mb"]))
    cols = st.columns(3)
    months = _months(settings)
    period = cols[0].selectbox(_t("submissions.month_if_missing", lang), [None] + months,
                               format_func=lambda p: _t("submissions.from_file", lang) if p is None else i18n.fmt_period(p, lang),
                               key="upload_period")
    form = cols[1].selectbox(_t("submissions.form_if_missing", lang), [None] + [f.code for f in registry.forms],
                             format_func=lambda c: _t("submissions.from_file", lang) if c is None else registry.form_by_code[c].name(lang),
                             key="upload_form")
    unit_names = {r.code: (r.name_vi if lang == "vi" else r.name_en) for r in units.itertuples() if r.level != "province"}
    unit = cols[2].selectbox(_t("submissions.unit_if_missing", lang), [None] + sorted(unit_names),
                             format_func=lambda c: _t("submissions.from_file", lang) if c is None else f"{unit_names[c]} ({c})",
                             key="upload_unit")
    if not uploaded:
        st.caption(_t("submissions.upload_caption", lang))
        _show_stored(lang)
        return
    files = [(f.name, f.getvalue()) for f in uploaded]
    mapping: dict[str, str] = st.session_state.setdefault("upload_mapping", {})
    options = {"period": period, "form": form, "unit": unit, "mapping": dict(mapping) or None}
    key = _key(files, options)
    check = st.button(_t("submissions.check", lang), type="primary", icon=":material/fact_check:", key="upload_check")
    if check or st.session_state.pop("upload_autocheck", False):
        with st.spinner(_t("submissions.checking", lang)):
            report = _service(lambda engine, actor: check_upload(engine, actor, files, **options), lang)
        st.session_state.pop("upload_result", None)
        if report is None:
            st.session_state.pop("upload_report", None)
            return
        st.session_state["upload_report"] = (key, report)
    held = st.session_state.get("upload_report")
    if held is None or held[0] != key:
        _show_stored(lang)
        return
    report = held[1]
    _show_report(report, [content for _, content in files], registry, units, lang)
    _mapping_editor(report, registry, form, lang)
    accepted = [f for f in report.files if f.status == "accepted"]
    for f in accepted:  # said before Confirm, apart from the table: the return is past its deadline
        for p in f.problems:
            if p.code == "late_submission":
                st.warning(f"**{md_escape(f.name)}** — {md_escape(p.message(lang))}", icon=":material/schedule:")
        unusual = [p for p in f.problems if p.code.startswith("anomaly_")]  # issue 19: figures to look at again
        if unusual:
            st.warning("\n".join([f"**{md_escape(f.name)}** — {i18n.t('review.upload.heading', lang)}"]
                                 + [f"- {md_escape(p.message(lang))}" for p in unusual]), icon=":material/fact_check:")
    if accepted:
        save = bool(st.session_state.get("upload_mapping")) and st.checkbox(
            _t("submissions.save_mapping", lang), value=True, key="upload_save_mapping")
        label = _t("submissions.confirm", lang, count=len(accepted))
        if st.button(label, type="primary", icon=":material/cloud_upload:", key="upload_confirm"):
            saved = dict(st.session_state.get("upload_mapping") or {}) if save else None
            with st.spinner(_t("submissions.storing", lang)):  # stores what was checked: the files are not read again
                result = _service(lambda engine, actor: confirm_upload(engine, actor, report, files, save_mapping=saved), lang)
            if result is None:
                return
            st.session_state["upload_result"] = result
            st.session_state.pop("upload_report", None)
            st.session_state["upload_mapping"] = {}
            st.rerun()
    else:
        st.warning(_t("submissions.nothing_to_store", lang))


def _show_stored(lang: str) -> None:
    """What the last Confirm did: a receipt per stored file (number, figures, time, on time or late, a link to
    each unit's profile), which stays until another file is chosen; duplicates and refusals said apart."""
    result = st.session_state.get("upload_result")
    if result is None:
        return
    for f in result.files:
        if f.stored:
            _receipt(f, lang)
        elif f.status == "duplicate":
            st.info(f"{md_escape(f.name)}: " + " ".join(p.markdown(lang) for p in f.problems))
        else:
            st.error(f"{md_escape(f.name)}: " + " ".join(p.markdown(lang) for p in f.errors))


def _receipt(f, lang: str) -> None:
    version = data.version()
    settings = data.settings(version)
    units = data.units(version)
    names = dict(zip(units["code"], units["name_vi" if lang == "vi" else "name_en"]))
    stored = frames.submissions(data.engine(), f.units[0] if f.units else None, f.periods[0] if f.periods else None)
    stored = stored[stored["id"] == f.submission_id]
    received = stored.iloc[0]["received_at"].to_pydatetime() if len(stored) else clock.utcnow()
    if received.tzinfo is None:
        received = received.replace(tzinfo=dt.timezone.utc)
    paper = receipt(f, received_at=received, deadline_day=settings["deadline_day"],
                    offset_hours=settings["timezone_offset_hours"], unit_names=names, lang=lang)
    with st.container(border=True, key=f"upload_receipt_{paper.submission_id}"):
        st.success(_t("receipt.title", lang, file=md_escape(paper.file)), icon=":material/task_alt:")
        st.markdown("\n".join(f"- **{md_escape(label)}:** {md_escape(value)}" for label, value in paper.lines))
        for code in paper.units[:10]:
            st.page_link("pages/unit_profile.py", label=md_escape(_t("receipt.profile_link", lang, unit=names.get(code, code))),
                         icon=":material/badge:", query_params={"unit": code, "period": max(f.periods)} if f.periods else {"unit": code})
        st.caption(_t("receipt.keep", lang))


def _show_report(report, contents: list[bytes], registry, units: pd.DataFrame, lang: str) -> None:
    """`contents`: the files' bytes in the order given; report.files has one outcome per file in that order
    (paired by position: two files of one name stay apart)."""
    names = dict(zip(units["code"], units["name_vi" if lang == "vi" else "name_en"]))
    for i, f in enumerate(report.files):
        status = _t(f"loaders.status.{f.status}" + ("_dry" if f.status == "accepted" else ""), lang)
        with st.container(border=True):
            icon = {"accepted": "✔", "rejected": "✖", "duplicate": "="}[f.status]
            st.markdown(f"**{icon} {md_escape(f.name)}** — {status}")
            if f.values:
                st.caption(_t("loaders.cli.what", lang, values=i18n.fmt_int(len(f.values), lang), units=len(f.units),
                              months=", ".join(i18n.fmt_period_short(p) for p in f.periods)).lstrip(" —"))
                st.dataframe(_preview(f, registry, names, lang), hide_index=True, width="stretch")
            if f.problems:
                _show_problems(f.problems, names, registry, lang)
            if f.errors or f.warnings:
                content = contents[i] if i < len(contents) else b""

                def workbook(f=f, content=content) -> bytes:
                    from loaders.error_workbook import build

                    return build(f.name, content, f.problems, lang)

                st.download_button(_t("submissions.error_workbook", lang), workbook, file_name=f"{f.name.rsplit('.', 1)[0]}_loi.xlsx",
                                   mime=XLSX, icon=":material/download:", key=f"upload_errors_{i}")


SHOWN_PROBLEMS = 20  # listed in full; the rest one click away
SEVERITY_ICON = {"error": "✖", "warning": "⚠", "info": "ℹ"}


def _show_problems(problems, names: dict, registry, lang: str) -> None:
    """What stops the whole file first and apart; then every problem as a whole sentence (a list wraps
    on a phone where a table cuts), near-identical warnings grouped; the table for scanning below."""
    elements = {e.code: e.name(lang) for e in registry.elements}
    lines = problem_lines(problems, names, elements, lang)
    for line in (ln for ln in lines if ln.whole_file):
        st.error(f"{md_escape(line.message)} {md_escape(line.hint)}", icon=":material/block:")
    rest = [ln for ln in lines if not ln.whole_file]
    st.markdown("\n".join(_bullet(ln, lang) for ln in rest[:SHOWN_PROBLEMS]))
    if len(rest) > SHOWN_PROBLEMS:
        with st.expander(_t("submissions.more_problems", lang, count=i18n.fmt_int(len(rest) - SHOWN_PROBLEMS, lang))):
            st.markdown("\n".join(_bullet(ln, lang) for ln in rest[SHOWN_PROBLEMS:]))
    with st.expander(_t("submissions.problem_table", lang)):
        st.dataframe(_problem_table(problems, names, registry, lang), hide_index=True, width="stretch")


def _bullet(line, lang: str) -> str:
    where = " · ".join(md_escape(x) for x in (line.where, line.unit, line.element) if x)
    severity = _t(f"loaders.severity.{line.severity}", lang)
    return f"- {SEVERITY_ICON[line.severity]} **{severity}** · {where} — {md_escape(line.message)} _{md_escape(line.hint)}_"


def _preview(f, registry, names: dict, lang: str) -> pd.DataFrame:
    frame = pd.DataFrame([(v.unit_code, v.period, v.element_code, v.value) for v in f.values],
                         columns=["unit", "period", "element", "value"])
    wide = frame.pivot_table(index=["unit", "period"], columns="element", values="value", aggfunc="last")
    order = [e.code for e in registry.elements if e.code in wide.columns]
    wide = wide[order].reset_index()
    out = pd.DataFrame({
        _t("submissions.col_unit", lang): [f"{names.get(u, u)} ({u})" for u in wide["unit"]],
        _t("submissions.col_month", lang): [i18n.fmt_period_short(p) for p in wide["period"]],
    })
    for code in order:
        out[registry.element_by_code[code].name(lang)] = [i18n.fmt_int(v, lang) for v in wide[code]]
    return out


def _problem_table(problems, names: dict, registry, lang: str) -> pd.DataFrame:
    rows = []
    for p in problems:
        element = registry.element_by_code.get(p.element)
        rows.append({
            _t("loaders.error_workbook.col_severity", lang): _t(f"loaders.severity.{p.severity}", lang),
            _t("submissions.col_where", lang): guard_cell(p.where(lang)),
            _t("submissions.col_unit", lang): names.get(p.unit, p.unit or ""),
            _t("loaders.error_workbook.col_element", lang): element.name(lang) if element else (p.element or ""),
            _t("loaders.error_workbook.col_message", lang): guard_cell(p.message(lang)),
            _t("loaders.error_workbook.col_hint", lang): p.hint(lang),
        })
    return pd.DataFrame(rows)


def _mapping_editor(report, registry, form: str | None, lang: str) -> None:
    """For headers nobody could match: which element each one holds (or to read past it)."""
    unmatched = {}
    for f in report.files:
        for u in f.unmatched:
            unmatched.setdefault(u.header, (f.form or form, u))
    if not unmatched:
        return
    st.markdown(f"**{_t('submissions.mapping_heading', lang)}**")
    st.caption(_t("submissions.mapping_caption", lang))
    mapping: dict[str, str] = st.session_state.setdefault("upload_mapping", {})
    pending = dict(mapping)
    for i, (header, (form_code, u)) in enumerate(sorted(unmatched.items())):
        f_obj = registry.form_by_code.get(form_code) if form_code else None
        codes = list(f_obj.elements) if f_obj else [e.code for e in registry.elements]
        options = ["", *codes, IGNORE]
        current = pending.get(header, "")
        choice = st.selectbox(
            _t("submissions.mapping_for", lang, header=md_escape(header), sheet=md_escape(u.sheet)),
            options, index=options.index(current) if current in options else 0,
            format_func=lambda c: _t("submissions.mapping_choose", lang) if c == "" else (
                _t("submissions.mapping_ignore", lang) if c == IGNORE else f"{registry.element_by_code[c].name(lang)} ({c})"),
            key=f"upload_map_{i}")
        if choice:
            pending[header] = choice
        else:
            pending.pop(header, None)
    if st.button(_t("submissions.recheck", lang), icon=":material/refresh:", key="upload_recheck"):
        st.session_state["upload_mapping"] = pending
        st.session_state["upload_autocheck"] = True
        st.rerun()
