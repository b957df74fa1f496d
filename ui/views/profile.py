"""The figures of the Hồ sơ đơn vị page, worded and cached per data version, unit, month and language
(province figures every reader of the unit may see; nothing of any user's own): a rerun that only opens a
tab or picks another indicator replays them instead of formatting them again."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

import i18n
from domain import units_history
from domain.safe_text import md_escape
from presentation.numbers import path_notes as grouped_path_notes
from presentation.numbers import signed_points, target_pct, with_carried
from ui import badges, charts, data
from ui.data import DataKey
from ui.theme import status_text


def formed_from(province_code: str, unit: str, name_vi: str, names: dict[str, str], lang: str) -> str | None:
    """"Formed from 7 communes … of before 01/07/2025: Thành phố Vinh: Phường Nghi Thủy, …" for one of today's
    communes (by the official conversion, domain/units_history.py), as markdown with the names escaped; None
    when the package does not know it."""
    olds = units_history.former_communes_of(province_code, unit, name_vi)
    if not olds:
        return None
    by_district: dict[str, list[str]] = {}
    for c in olds:
        name = md_escape(c.name_vi) if c.whole else i18n.t("push.profile.part_of", lang, name=md_escape(c.name_vi))
        by_district.setdefault(c.district_code, []).append(name)
    groups = "; ".join(f"{md_escape(names.get(d, d))}: {', '.join(n)}" for d, n in by_district.items())
    return i18n.t("push.profile.formed_from", lang, count=len(olds), units=groups)


@st.cache_data(show_spinner=False, max_entries=64)
def indicator_table(key: DataKey, period: str, level: str, unit: str, lang: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Every indicator of the month for the unit (value, target, gap, status, rank, change, numerator and
    denominator), and the indicators it has figures for."""
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    kpis = data.kpis(key, period, level=level)
    mine = kpis[kpis["unit_code"] == unit].reset_index(drop=True)
    names = {i.code: i.name(lang) for i in data.registry(key).indicators}
    table = pd.DataFrame({
        t("profile.col_indicator"): mine["indicator_code"].map(names),
        t("profile.col_value"): [with_carried(i18n.fmt_pct(v, lang), m, lang) for v, m in zip(mine["value"], mine["carried_from"])],
        t("profile.col_target"): [target_pct(v, lang) for v in mine["target"]],
        t("profile.col_gap"): [signed_points(v, lang) for v in mine["gap_pp"]],
        t("profile.col_status"): [status_text(s, lang) for s in mine["status"]],
        t("profile.col_rank"): ["–" if pd.isna(r) else t("profile.rank_of", rank=int(r), peers=int(p))
                                for r, p in zip(mine["rank"], mine["peers"])],
        t("profile.col_change"): [signed_points(v, lang) for v in mine["change_mom_pp"]],
        t("profile.col_numerator"): [i18n.fmt_int(v, lang) for v in mine["numerator"]],
        t("profile.col_denominator"): [i18n.fmt_int(v, lang) for v in mine["denominator"]],
    })
    measured = tuple(mine.loc[mine["denominator"] > 0, "indicator_code"])
    return table, measured


@st.cache_data(show_spinner=False, max_entries=64)
def path_notes(key: DataKey, period: str, level: str, unit: str, lang: str) -> str | None:
    """The unit's glide paths that start at its first month with figures (no December of the year before),
    said once: their status that month always reads on track. None when there is none."""
    kpis = data.kpis(key, period, level=level)
    mine = kpis[(kpis["unit_code"] == unit) & kpis["target"].notna()]
    names = {i.code: i.name(lang) for i in data.registry(key).indicators}
    return grouped_path_notes([(names.get(c, c), b, p) for c, b, p in
                               zip(mine["indicator_code"], mine["start_basis"], mine["start_period"])], lang)


@st.cache_data(show_spinner=False, max_entries=64)
def draw_trend(key: DataKey, period: str, level: str, unit: str, indicator: str, months: int, label: str, lang: str) -> bool:
    """The unit's monthly values of one indicator over `months` months to `period`, with target and glide
    path; False (nothing drawn) when there is no figure."""
    trend = data.trend(key, period, level=level, n_months=months)
    series = trend[(trend["unit_code"] == unit) & (trend["indicator_code"] == indicator)]
    series = series[series["n_units"] > 0].assign(label=label).sort_values("period")
    if not series["value"].notna().any():
        return False
    st.plotly_chart(charts.trend_chart(series, lang), config=charts.CONFIG, width="stretch")
    return True


@st.cache_data(show_spinner=False, max_entries=64)
def returns_table(key: DataKey, window: tuple[str, ...], day: dt.date, unit: str, lang: str) -> pd.DataFrame:
    """The unit's returns over the months of `window`, newest first, judged on local date `day`."""
    t = lambda k: i18n.t(k, lang)  # noqa: E731
    rows = data.completeness_units_on(key, window, day)
    rows = rows[rows["unit_code"] == unit].sort_values("period", ascending=False)
    forms = {f.code: f.name(lang) for f in data.registry(key).forms}
    return pd.DataFrame({
        t("profile.col_month"): [i18n.fmt_period_short(p) for p in rows["period"]],
        t("profile.col_form"): rows["form_code"].map(forms).to_numpy(),
        t("profile.col_return"): [badges.submission_text(s, lang, d) for s, d in zip(rows["status"], rows["days_late"])],
        t("profile.col_due"): [i18n.fmt_date(d) for d in rows["due_date"]],
        t("profile.col_received"): [i18n.fmt_datetime(None if pd.isna(x) else x.to_pydatetime()) for x in rows["first_received_at"]],
        t("profile.col_times"): rows["n_submissions"].to_numpy(),
    })
