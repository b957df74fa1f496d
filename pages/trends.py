"""Xu hướng: any indicators for any units over time, with targets, glide path and the December outlook
at the current pace. Every figure comes from metrics via ui.views."""

from __future__ import annotations

import streamlit as st

from domain import periods
from ui import data, filters, frame
from ui.views import common, overview, trends

page = frame.start("leaders.trends.title")
language, key, months, allowed, t = page.lang, page.key, page.months, page.allowed, page.t
registry = data.registry(key)

first, last = filters.month_range("trends_months", months, language,
                                  default=(overview.trend_start(key, months[-1]), months[-1]))
labels = common.level_labels(key, last, language)
levels = ["province"] + [lv for lv in common.levels(key, last) if lv != "province"]
level = filters.choice("trends_level", levels, param="level", label=t("filters.level"), format_func=labels.__getitem__,
                       widget="segmented")
indicators = filters.indicators_picker("trends_indicators", registry, language, max_selections=trends.MAX_INDICATORS,
                                       default=[overview.default_indicator(key, last)])
units: list[str] = []
with_province = True
if level != "province":
    options = trends.unit_options(key, level, last, language, allowed)
    default = trends.default_units(key, level, last, indicators[0], allowed) if indicators else []
    pick, switch = st.columns([2, 1])
    units = filters.units_picker("trends_units", options, language, default=default, container=pick,
                                 max_selections=trends.MAX_UNITS)
    with switch:
        with_province = filters.toggle("trends_province", param="pline", label=t("leaders.trends.with_province"), default=True)
st.caption(common.as_of_caption(key, language))

if not indicators:
    st.info(t("leaders.trends.choose_indicator"))
    st.stop()
if level != "province" and not units and not with_province:
    st.info(t("leaders.trends.choose_unit"))
    st.stop()

trends.draw_charts(key, first, last, tuple(indicators), level, tuple(units), with_province, language)
st.subheader(t("leaders.trends.outlook_heading", year=periods.year(last)))
trends.draw_outlook(key, last, tuple(indicators), level, tuple(units), with_province, language)
