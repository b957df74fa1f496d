"""Bản đồ: an indicator on the map of the province for a month, coloured by status or by value; works
on a closed network (no base map, tiles or fonts are fetched). Every figure comes from metrics."""

from __future__ import annotations

import streamlit as st

from services import permissions
from ui import data, filters, frame
from ui.views import common, localities, maps

page = frame.start("leaders.map.title")
language, key, months, allowed, t = page.lang, page.key, page.months, page.allowed, page.t

top = st.columns([1, 2])
period = filters.month_picker("map_period", months, language, container=top[0])
levels = [lv for lv in maps.MAP_LEVELS if lv in common.levels(key, period)]
if not levels:
    st.info(t("leaders.map.nothing"))
    st.stop()
sub_level = levels[-1]  # communes once they report, else the district-level units
units = data.units(key)
provinces = units[units["level"] == "province"]
national = len(provinces) > 1  # a deployment of several provinces: the country first, then one province
if national:
    levels = [maps.NATIONAL_LEVEL, *levels]
labels = common.level_labels(key, period, language)
if national:
    labels[maps.NATIONAL_LEVEL] = t("map.level_national")
level = filters.choice("map_level", levels, param="level", label=t("filters.level"), format_func=labels.__getitem__,
                       widget="segmented", container=top[1])
middle = st.columns([2, 1])
indicator = filters.indicator_picker("map_indicator", data.registry(key), language,
                                     codes=localities.measured(key, period, level) or None, container=middle[0])
colour_by = filters.choice("map_colour", maps.COLOUR_BY, param="colour", label=t("leaders.map.colour_by"),
                           format_func=lambda c: t(f"leaders.map.colour_{c}"), widget="segmented", container=middle[1])
focus = None
if national and level != maps.NATIONAL_LEVEL:
    names = dict(zip(provinces["code"], provinces["name_vi" if language == "vi" else "name_en"]))
    focus = filters.choice("map_province", sorted(names), param="mprov", label=t("app.province"),
                           format_func=names.__getitem__)
st.caption(common.as_of_caption(key, language))
maps.draw_map(key, period, level, indicator, colour_by, language, allowed,
              clickable="unit_profile" in permissions.pages_for(page.actor.role if page.actor else None), focus=focus,
              sub_level=sub_level)
