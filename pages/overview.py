"""Tổng quan: for the steering committee's leaders, the province's indicators for a month against their
targets (cards with status, change and sparkline), one indicator's trend with its target, glide path and
December outlook, and what changed since last month. Every figure comes from metrics via ui.views."""

from __future__ import annotations

import streamlit as st

import i18n
from ui import data, filters, frame
from ui.views import common, country, overview

page = frame.start("overview.heading", country_title_key="country.title")
language, key, months, allowed, t = page.lang, page.key, page.months, page.allowed, page.t

picker, _ = st.columns([1, 2])
period = filters.month_picker("overview_period", months, language, container=picker)
st.caption(common.as_of_caption(key, language))
if page.country:  # several provinces, none opened: the nation, the provinces ranked, one click down
    country.draw(key, period, language)
    st.stop()

order = filters.choice("overview_order", overview.ORDERS, param="order", label=t("leaders.overview.order"),
                       format_func=lambda o: t(f"leaders.overview.order_{o}"), widget="segmented")
overview.draw_cards(key, period, language, order=order)

st.subheader(t("leaders.overview.returns_heading"))
overview.draw_returns(key, period, language, allowed, data.local_today(key))

st.subheader(t("leaders.overview.trend_heading"))
chooser, _ = st.columns([2, 1])
indicator = filters.indicator_picker("overview_indicator", data.registry(key), language,
                                     default=overview.default_indicator(key, period), container=chooser)
overview.draw_trend(key, period, indicator, language)

st.subheader(t("leaders.overview.changes_heading", period=i18n.fmt_period_short(period)))
overview.draw_changes(key, period, language, allowed, data.local_today(key))
st.caption(t("overview.caption"))
