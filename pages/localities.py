"""Địa phương: the units of one level compared for a month. Per indicator a ranked bar chart with the
target (the two ends of a long ranking, or all of it), a heat map of units × indicators by status, and a
sortable table that downloads as CSV and Excel. Every figure comes from metrics via ui.views."""

from __future__ import annotations

import streamlit as st

import i18n
from services import exports
from ui import data, filters, frame, session
from ui.downloads import download_buttons
from ui.views import common, localities
from ui.views import review as review_view

page = frame.start("leaders.localities.title")
language, key, months, allowed, t = page.lang, page.key, page.months, page.allowed, page.t

top = st.columns([1, 2])
period = filters.month_picker("localities_period", months, language, container=top[0])
levels = common.levels(key, period)
labels = common.level_labels(key, period, language)
level = filters.choice("localities_level", levels, param="level", label=t("filters.level"), format_func=labels.__getitem__,
                       widget="segmented", container=top[1])
measured = localities.measured(key, period, level)
if not measured:
    st.info(t("leaders.localities.no_data"))
    st.stop()
middle = st.columns([2, 1])
indicator = filters.indicator_picker("localities_indicator", data.registry(key), language, codes=measured, container=middle[0])
show = "all"
if localities.long_ranking(key, period, level, indicator, language, allowed):
    show = filters.choice("localities_show", localities.SHOW, param="show", label=t("leaders.localities.show"),
                          format_func=lambda s: t(f"leaders.localities.show_{s}", n=localities.EDGE), widget="segmented",
                          container=middle[1])
st.caption(common.as_of_caption(key, language))

indicator_name = common.indicator_names(key, language)[indicator]
st.subheader(t("leaders.localities.ranking_heading", indicator=indicator_name, level=labels[level], period=i18n.fmt_period_short(period)))
localities.draw_bars(key, period, level, indicator, show, language, allowed)
checking = review_view.marked_units(review_view.open_verifications(page.actor, period), data.registry(key), indicator)
shown_units = set(localities.ranking(key, period, level, indicator, language, allowed)["unit_code"])
if checking & shown_units:
    names = common.unit_names(key, language)
    st.caption(t("review.marker_list", units=", ".join(names.get(c, c) for c in sorted(checking & shown_units))))

st.subheader(t("leaders.localities.heatmap_heading"))
localities.draw_heatmap(key, period, level, indicator, show, language, allowed)

st.subheader(t("leaders.localities.table_heading", indicator=indicator_name))
localities.draw_table(key, period, level, indicator, language, allowed)
if session.allowed(page.actor, "export", language, show=False):
    rows = localities.table(key, period, level, indicator, language, allowed)
    engine = data.engine()
    download_buttons(
        rows, f"dia-phuong_{period}_{level}_{indicator}", language, "localities_download",
        percent_columns=localities.percent_columns(language), integer_columns=localities.integer_columns(language),
        title=t("leaders.localities.export_title", indicator=indicator_name, level=labels[level], period=i18n.fmt_period(period, language)),
        on_click=lambda: exports.record_export(engine, page.actor, "localities", period, rows=len(rows)), deferred=True,
    )
