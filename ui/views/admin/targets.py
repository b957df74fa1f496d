"""Targets per indicator and year: the province-wide target, per-unit overrides, the document that decided
each, who set it and when; a form to set one (services.targets.set_target, audited with before and after);
the latest changes from the audit trail."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import streamlit as st

import i18n
from domain.errors import ServiceError
from domain.safe_text import md_escape
from domain.units import valid_mask
from presentation.numbers import number_text, parse_number, target_pct
from services import targets as targets_service
from services import trail
from ui import data, filters, session
from ui.views.admin import flash

PROVINCE_WIDE = "__province__"
REGISTRY_SETTER = "registry"  # storage.setup: the sample targets copied from domain/registry.toml


def _valid_in_year(units: pd.DataFrame, year: int) -> pd.DataFrame:
    return units[valid_mask(units, dt.date(year, 1, 1), dt.date(year, 12, 31))]


def setter(who: str, lang: str) -> str:
    """Who set a target; the registry's sample targets (set at installation) by name."""
    return i18n.t("admin.targets.by_registry", lang) if who == REGISTRY_SETTER else who


@st.cache_data(show_spinner=False, max_entries=16)
def target_tables(key: data.DataKey, year: int, lang: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The province-wide targets of `year` (one row per indicator and province) and the per-unit overrides,
    worded for the page."""
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    units, targets = data.units(key), data.targets(key)
    names = dict(zip(units["code"], units["name_vi" if lang == "vi" else "name_en"]))
    indicators = {i.code: i.name(lang) for i in data.registry(key).indicators}
    provinces = units.loc[units["level"] == "province", "code"].tolist()
    rows = targets[targets["year"] == year]
    wide = rows[rows["unit_code"].isin(provinces)].set_index(["indicator_code", "unit_code"])
    overrides = rows[~rows["unit_code"].isin(provinces)]
    table = []
    for code, name in indicators.items():
        for province in provinces:
            r = wide.loc[(code, province)] if (code, province) in wide.index else None
            entry = {t("admin.targets.col_indicator"): name}
            if len(provinces) > 1:
                entry[t("admin.targets.col_province")] = names.get(province, province)
            entry.update({
                t("admin.targets.col_value"): target_pct(r["value"], lang) if r is not None else "–",
                t("admin.targets.col_decision"): r["decision"] if r is not None else t("admin.targets.none"),
                t("admin.targets.col_set_by"): setter(r["set_by"], lang) if r is not None else "",
                t("admin.targets.col_set_at"): i18n.fmt_datetime(r["set_at"]) if r is not None else "",
                t("admin.targets.col_overrides"): int((overrides["indicator_code"] == code).sum()),
            })
            table.append(entry)
    overridden = pd.DataFrame({
        t("admin.targets.col_unit"): [f"{names.get(c, c)} ({c})" for c in overrides["unit_code"]],
        t("admin.targets.col_indicator"): overrides["indicator_code"].map(indicators).to_numpy(),
        t("admin.targets.col_value"): [target_pct(v, lang) for v in overrides["value"]],
        t("admin.targets.col_decision"): overrides["decision"].to_numpy(),
        t("admin.targets.col_set_by"): [setter(x, lang) for x in overrides["set_by"]],
        t("admin.targets.col_set_at"): [i18n.fmt_datetime(x) for x in overrides["set_at"]],
    })
    return pd.DataFrame(table), overridden


def section(lang: str, actor) -> None:
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    key = data.version()
    engine = data.engine()
    registry, units, targets = data.registry(key), data.units(key), data.targets(key)
    name_col = "name_vi" if lang == "vi" else "name_en"
    names = dict(zip(units["code"], units[name_col]))
    indicators = {i.code: i.name(lang) for i in registry.indicators}
    this_year = data.local_today(key).year
    years = sorted({int(y) for y in targets["year"]} | {this_year, this_year + 1}, reverse=True)
    year = int(filters.choice("admin_year", [str(y) for y in years], param="year", label=t("admin.targets.year"),
                              format_func=str, default=str(this_year), container=st.columns([1, 3])[0]))
    provinces = units.loc[units["level"] == "province", "code"].tolist()
    st.markdown(f"**{t('admin.targets.heading', year=year)}**")
    table, overrides = target_tables(key, year, lang)
    st.dataframe(table, hide_index=True, width="stretch", height=38 + 35 * len(table),
                 column_config={t("admin.targets.col_indicator"): st.column_config.TextColumn(width=320, pinned=True)})
    if len(overrides):
        st.markdown(f"**{t('admin.targets.overrides_heading', count=len(overrides))}**")
        st.dataframe(overrides, hide_index=True, width="stretch")
    else:
        st.caption(t("admin.targets.no_overrides"))

    st.markdown(f"**{t('admin.targets.form_heading', year=year)}**")
    candidates = _valid_in_year(units[units["level"] != "province"], year).sort_values(["level", name_col])
    unit_options = [PROVINCE_WIDE if len(provinces) == 1 else p for p in provinces] + candidates["code"].tolist()

    level_of = dict(zip(units["code"], units["level"]))
    labels = {code: t("admin.targets.province_wide") if code == PROVINCE_WIDE
              else t("admin.targets.province_wide_of", province=names.get(code, code)) if code in provinces
              else f"{names.get(code, code)} ({code}) · {t('level.' + level_of[code])}" for code in unit_options}
    unit_label = labels.__getitem__

    with st.form("admin_target_form", border=True):
        cols = st.columns(2)
        indicator = cols[0].selectbox(t("admin.targets.col_indicator"), list(indicators), format_func=indicators.__getitem__,
                                      key="admin_target_indicator")
        unit = cols[1].selectbox(t("admin.targets.col_unit"), unit_options, format_func=unit_label, key="admin_target_unit")
        cols = st.columns([1, 3])
        value_text = cols[0].text_input(t("admin.targets.value_pct"), placeholder=number_text(72.5, lang),
                                        key="admin_target_value")
        decision = cols[1].text_input(t("admin.targets.col_decision"), placeholder=t("admin.targets.decision_placeholder"),
                                      key="admin_target_decision")
        st.caption(t("admin.targets.form_caption"))
        submitted = st.form_submit_button(t("admin.targets.save"), type="primary", icon=":material/save:")
    if submitted:
        value = parse_number(value_text, lang)
        if value is None or not 0 <= value <= 100:
            st.error(t("admin.targets.bad_percent", value=md_escape(value_text.strip())), icon=":material/error:")
        else:
            code = provinces[0] if unit == PROVINCE_WIDE else unit
            try:
                targets_service.set_target(engine, actor, indicator, year, value / 100.0, unit_code=code, decision=decision)
            except ServiceError as exc:
                st.error(exc.markdown(lang), icon=":material/block:")
            else:
                flash(t("admin.targets.saved", indicator=indicators[indicator], unit=md_escape(unit_label(unit)), year=year,
                        value=target_pct(value / 100.0, lang)))

    if session.allowed(actor, "view_audit", lang, show=False):
        changes = trail.search(engine, actor, action="edit_targets", outcome="ok", limit=20)
        if len(changes):
            st.markdown(f"**{t('admin.targets.changes_heading')}**")
            details = [json.loads(d) for d in changes["detail"]]
            st.dataframe(pd.DataFrame({
                t("admin.targets.col_set_at"): [i18n.fmt_datetime(x.to_pydatetime()) for x in changes["at"]],
                t("admin.targets.col_set_by"): changes["username"],
                t("admin.targets.col_indicator"): [indicators.get(d.get("indicator"), d.get("indicator")) for d in details],
                t("admin.targets.col_unit"): [names.get(d.get("unit"), d.get("unit")) for d in details],
                t("admin.targets.col_year"): [str(d.get("year", "")) for d in details],
                t("admin.targets.col_change"): [
                    f"{target_pct((d.get('before') or {}).get('value'), lang)} → {target_pct(d.get('value'), lang)}"
                    for d in details],
                t("admin.targets.col_decision"): [d.get("decision", "") for d in details],
            }), hide_index=True, width="stretch")
