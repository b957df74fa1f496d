"""The units with their history (validity, the unit each merged into, the former district-level unit of each
commune), filtered by level, province and name; and setting up another province from the
vietnam-provinces package (services.units.import_province), with a progress bar."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from domain.errors import ServiceError
from domain.safe_text import md_params
from domain.text import fold
from domain.units import valid_mask
from services import units as units_service
from ui import data, filters
from ui.views.admin import flash

LEVELS = ("province", "district", "commune", "department")


def _current(units: pd.DataFrame, day) -> pd.Series:
    return valid_mask(units, day)


@st.cache_data(show_spinner=False, max_entries=32)
def unit_table(key: data.DataKey, level: str, state: str, search: str, day, lang: str) -> pd.DataFrame:
    """The units of `level` ("all": every level) that are current on `day`, merged or abolished, or either
    (`state`), whose code or name contains `search` (ignoring case and diacritics), with their history."""
    t = lambda k: i18n.t(k, lang)  # noqa: E731
    units = data.units(key)
    name_col = "name_vi" if lang == "vi" else "name_en"
    names = dict(zip(units["code"], units[name_col]))
    order = {lv: i for i, lv in enumerate(LEVELS)}
    shown = units.assign(_o=units["level"].map(order), _now=_current(units, day)).sort_values(["_o", "province_code", name_col])
    if level != "all":
        shown = shown[shown["level"] == level]
    if state != "all":
        shown = shown[shown["_now"] if state == "current" else ~shown["_now"]]
    if search:
        needle = fold(search)
        shown = shown[[needle in fold(f"{c} {a} {b}") for c, a, b in zip(shown["code"], shown["name_vi"], shown["name_en"])]]

    def ref(code) -> str:
        return "" if code is None or pd.isna(code) else f"{names.get(code, code)} ({code})"

    return pd.DataFrame({
        t("admin.units.col_code"): shown["code"].to_numpy(),
        t("admin.units.col_name"): shown[name_col].to_numpy(),
        t("admin.units.col_type"): [t(f"unit_type.{x}") for x in shown["type"]],
        t("admin.units.col_province"): [names.get(c, c) for c in shown["province_code"]],
        t("admin.units.col_from"): [i18n.fmt_date(d) if d is not None else "" for d in shown["valid_from"]],
        t("admin.units.col_to"): [i18n.fmt_date(d) if d is not None else "" for d in shown["valid_to"]],
        t("admin.units.col_former"): [ref(c) for c in shown["former_unit_code"]],
        t("admin.units.col_successor"): [ref(c) for c in shown["successor_code"]],
    })


REVIEW = "admin_units_review"  # the last import's review list, kept for the session


def section(lang: str, actor) -> None:
    t = lambda k, **kw: i18n.t(k, lang, **md_params(kw))  # noqa: E731 - shown as markdown: names as typed
    key = data.version()
    engine = data.engine()
    units = data.units(key)
    today = data.local_today(key)
    current = units[_current(units, today)]
    counts = current["level"].value_counts()
    st.markdown(t("admin.units.summary", **{lv: i18n.fmt_int(counts.get(lv, 0), lang) for lv in LEVELS},
                  total=i18n.fmt_int(len(units), lang)))

    cols = st.columns([2, 2, 3])
    level = filters.choice("admin_units_level", ["all", *LEVELS], param="ulevel", label=t("admin.units.level"),
                           format_func=lambda lv: t("weak.all_levels") if lv == "all" else t(f"unit_type.{lv}") if lv == "province" else t(f"level.{lv}"),
                           container=cols[0])
    state = filters.choice("admin_units_state", ["all", "current", "former"], param="ustate", label=t("admin.units.state"),
                           format_func=lambda s: t(f"admin.units.state_{s}"), container=cols[1])
    search = cols[2].text_input(t("admin.units.search"), key="admin_units_search", placeholder=t("admin.units.search_placeholder"))
    shown = unit_table(key, level, state, search.strip(), today, lang)
    st.dataframe(shown, hide_index=True, width="stretch", height=420,
                 column_config={t("admin.units.col_name"): st.column_config.TextColumn(width="medium", pinned=True)})
    st.caption(t("admin.units.count", count=i18n.fmt_int(len(shown), lang)))

    st.markdown(f"**{t('admin.units.import_heading')}**")
    st.caption(t("admin.units.import_caption"))
    present = units_service.provinces_in_database(engine)
    available = [(code, name) for code, name in units_service.available_provinces() if code not in present]
    labels = dict(available)
    with st.form("admin_import_form", border=True):
        code = st.selectbox(t("admin.units.province"), list(labels), format_func=lambda c: f"{labels[c]} ({c})",
                            key="admin_import_province")
        submitted = st.form_submit_button(t("admin.units.import"), icon=":material/download_for_offline:")
    if submitted and code:
        bar = st.progress(0.0, text=t("admin.units.importing", done=0, total="…"))

        def progress(done: int, total: int) -> None:
            bar.progress(done / total, text=t("admin.units.importing", done=i18n.fmt_int(done, lang), total=i18n.fmt_int(total, lang)))

        try:
            result = units_service.import_province(engine, actor, code, progress=progress)
        except ServiceError as exc:
            bar.empty()
            st.error(exc.markdown(lang), icon=":material/block:")
        else:
            st.session_state[REVIEW] = result["review"]
            formers = ", ".join(f"{f['name_vi']} ({f['code']})" for f in result["former_provinces"])
            flash(t("admin.units.imported", name=result["name_vi"], code=result["province"],
                    communes=i18n.fmt_int(result["communes"], lang), districts=i18n.fmt_int(result["district_units"], lang),
                    formers=t("admin.units.imported_formers", names=formers) if formers else ""))
    review = st.session_state.get(REVIEW)
    if review:
        with st.expander(t("admin.units.review_heading", count=i18n.fmt_int(len(review), lang)), expanded=True):
            st.caption(t("admin.units.review_caption"))
            table = pd.DataFrame({
                t("admin.units.col_code"): [r["code"] for r in review],
                t("admin.units.col_name"): [r["name_vi"] for r in review],
                t("admin.units.col_reason"): [t(f"admin.units.reason_{r['reason']}", detail=r["detail"]) for r in review],
            })
            st.dataframe(table, hide_index=True, width="stretch")
            st.download_button(t("admin.units.review_download"), table.to_csv(index=False).encode("utf-8-sig"),
                               file_name="don_vi_can_xem_lai.csv", mime="text/csv", icon=":material/download:")
