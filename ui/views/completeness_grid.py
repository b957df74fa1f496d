"""The units × months grid of returns on the "Nộp số liệu" page: who submitted on time, who was late (and by
how many days), who has not submitted, whose return is not yet due; with each month's completeness and
timeliness. Every cell is a symbol and a word on a light fill (never colour alone); figures come from
metrics.completeness_units, judged as of today (a return not yet due is "not yet due", not "missing")."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from domain import periods
from metrics import completeness_summary
from services import exports, visibility
from ui import badges, data, filters, session, styled
from ui.downloads import download_buttons

WINDOWS = ("6", "12", "24")
LEVELS = ("district", "commune", "department")


def cell_text(status: str, days_late, lang: str) -> str:
    """What a grid cell says: "✔ Đúng hạn", "⚠ Muộn 3 ngày", "✖ Chưa nộp", "○ Chưa đến hạn"."""
    if status == "late" and not pd.isna(days_late):
        return f"{badges.SUBMISSION['late'].icon} {i18n.t('grid.late_days', lang, days=int(days_late))}"
    return badges.SUBMISSION[status].text(lang)


def month_summary(rows: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per month: completeness, timeliness, units expected, late, missing, not yet due (rows named)."""
    t = lambda k: i18n.t(k, lang)  # noqa: E731
    summary = completeness_summary(rows, by=["period"]).set_index("period")
    return pd.DataFrame(
        [[i18n.fmt_pct(v, lang, 1) for v in summary["completeness"]],
         [i18n.fmt_pct(v, lang, 1) for v in summary["timeliness"]],
         [i18n.fmt_int(v, lang) for v in summary["expected"]],
         [i18n.fmt_int(v, lang) for v in summary["late"]],
         [i18n.fmt_int(v, lang) for v in summary["missing"]],
         [i18n.fmt_int(v, lang) for v in summary["pending"]]],
        columns=[i18n.fmt_period_short(p) for p in summary.index],
        index=[t("grid.completeness"), t("grid.timeliness"), t("grid.expected"), t("grid.late"), t("grid.missing"),
               t("grid.pending")],
    )


def grid_frame(rows: pd.DataFrame, months: tuple[str, ...], names: dict[str, str], statuses: tuple[str, ...],
               lang: str) -> pd.DataFrame:
    """One row per unit with a return of one of `statuses` in the window (most missing, then most late
    first), one column per month ("" where the unit was not expected), and "on time / expected"."""
    keep = rows.loc[rows["status"].isin(statuses), "unit_code"].unique()
    rows = rows[rows["unit_code"].isin(keep)]
    cells = rows.assign(text=[cell_text(s, d, lang) for s, d in zip(rows["status"], rows["days_late"])])
    wide = cells.pivot(index="unit_code", columns="period", values="text").reindex(columns=list(months), fill_value="").fillna("")
    on_time = rows.groupby("unit_code")["on_time"].sum()
    expected = rows.groupby("unit_code").size()
    badness = ((rows["status"] == "missing") * 100 + (rows["status"] == "late")).groupby(rows["unit_code"]).sum()
    order = sorted(wide.index, key=lambda c: (-badness[c], names.get(c, c)))
    grid = pd.DataFrame({i18n.t("grid.col_unit", lang): [f"{names.get(c, c)} ({c})" for c in order]})
    for p in months:
        grid[i18n.fmt_period_short(p)] = wide.loc[order, p].to_numpy()
    grid[i18n.t("grid.col_on_time", lang)] = [f"{int(on_time[c])}/{int(expected[c])}" for c in order]
    return grid


@st.cache_data(show_spinner=False, max_entries=64)
def tables(key: data.DataKey, months: tuple[str, ...], day, form: str, level: str, statuses: tuple[str, ...], lang: str,
           allowed: frozenset[str] | None) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(month summary, grid) for the form and level ("all": every level) among the `allowed` units (None:
    all); None when no unit was expected. Province data, cached per data version and local day."""
    rows = data.completeness_units_on(key, months, day)
    rows = rows[rows["form_code"] == form]
    if allowed is not None:
        rows = rows[rows["unit_code"].isin(allowed)]
    if level != "all":
        rows = rows[rows["level"] == level]
    if rows.empty:
        return None
    units = data.units(key)
    names = dict(zip(units["code"], units["name_vi" if lang == "vi" else "name_en"]))
    return month_summary(rows, lang), grid_frame(rows, months, names, statuses, lang)


def grid_section(lang: str) -> None:
    """Filters (last month, window, form, level, statuses), the month summary, the grid, its download."""
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    st.subheader(t("grid.heading"))
    actor = session.current_actor()
    if not session.allowed(actor, "view", lang):
        return
    key = data.version()
    engine = data.engine()
    scope = visibility.view_scope(engine, actor)
    allowed = None if scope.everything else frozenset(scope.unit_codes | scope.province_codes)
    registry = data.registry(key)
    today = data.local_today(key)
    first = min(f.valid_from for f in registry.forms)
    over = periods.add(periods.of_date(today), -1)  # the latest month that has ended
    ends = periods.span(first, over)[::-1] if over >= first else [first]

    top = st.columns([2, 2, 3])
    end = filters.choice("grid_end", ends, param="period", label=t("grid.last_month"),
                         format_func=lambda p: i18n.fmt_period(p, lang), container=top[0])
    window = filters.choice("grid_window", list(WINDOWS), param="months", label=t("grid.window"), default="12",
                            widget="segmented", format_func=lambda n: t("grid.n_months", n=n), container=top[1])
    forms = [f.code for f in registry.forms]
    form = filters.choice("grid_form", forms, param="form", label=t("grid.form"), widget="segmented",
                          format_func=lambda c: registry.form_by_code[c].name(lang), container=top[2])
    months = tuple(p for p in periods.span(periods.add(end, -(int(window) - 1)), end) if p >= first)
    rows = data.completeness_units_on(key, months, today)
    rows = rows[rows["form_code"] == form]
    levels = [lv for lv in LEVELS if (scope.filter(rows)["level"] == lv).any()]
    level = "all"
    if len(levels) > 1:
        bottom = st.columns([3, 4])
        level = filters.choice("grid_level", ["all", *levels], param="level", label=t("grid.level"), widget="segmented",
                               format_func=lambda lv: t("weak.all_levels") if lv == "all" else t(f"level.{lv}"),
                               container=bottom[0])
        where = bottom[1]
    else:
        where = st.columns([4, 3])[0]
    statuses = filters.multi_choice("grid_status", list(badges.SUBMISSION_ORDER), param="status", label=t("grid.status"),
                                    format_func=lambda s: badges.SUBMISSION[s].text(lang),
                                    default=list(badges.SUBMISSION_ORDER), container=where,
                                    placeholder=t("filters.choose"))
    built = tables(key, months, today, form, level, tuple(statuses), lang, allowed)
    if built is None:
        st.info(t("grid.nothing_expected"))
        return
    summary, grid = built
    st.dataframe(summary, width="stretch")
    if grid.empty:
        st.success(t("grid.none_with_status"), icon=":material/check_circle:")
        return
    deadline_day = int(data.settings(key)["deadline_day"])
    st.caption(t("grid.caption", units=i18n.fmt_int(len(grid), lang), due=i18n.fmt_date(periods.due_date(end, deadline_day)),
                 day=deadline_day))
    styled.styled_dataframe(grid, ((styled.ALL, "submission"),), pinned=(t("grid.col_unit"),),
                            widths=((t("grid.col_unit"), "medium"),), height=min(38 + 35 * len(grid), 600))
    if session.allowed(actor, "export", lang, show=False):
        download_buttons(grid, f"tinh_hinh_nop_{form}_{months[0]}_{months[-1]}", lang, "grid_download",
                         title=t("grid.export_title", first=i18n.fmt_period_short(months[0]), last=i18n.fmt_period_short(months[-1])),
                         on_click=lambda: exports.record_export(engine, actor, "completeness_grid", end, rows=len(grid)),
                         deferred=True)
