"""Bảng xếp hạng: the composite score (Decision 766 model, metrics/scorecard.toml) per level, ranked, with
its parts per group, the change since last month and the progress ranking; a row opens the unit's profile
for the same month."""

from __future__ import annotations

import streamlit as st

import i18n
from metrics.scorecard import load_scorecard
from presentation import push
from ui import data, filters, frame
from ui.views import common
from ui.views import review as review_view

page = frame.start("league.title")
language, key, months, allowed, t = page.lang, page.key, page.months, page.allowed, page.t

top = st.columns([1, 2])
period = filters.month_picker("league_period", months, language, container=top[0])
levels = [lv for lv in ("district", "commune", "department") if lv in common.levels(key, period, ("district", "commune", "department"))]
labels = common.level_labels(key, period, language)
level = filters.choice("league_level", levels, param="level", label=t("league.level"), format_func=labels.__getitem__,
                       widget="segmented", container=top[1])

card = data.scorecard(key, period)
scores = card.scores[card.scores["level"] == level]
parts = card.parts[card.parts["level"] == level]
if allowed is not None:
    scores = scores[scores["unit_code"].isin(allowed)]
units = data.units(key)
name_col = "name_vi" if language == "vi" else "name_en"
unit_names = dict(zip(units["code"], units[name_col]))
checking = review_view.marked_units(review_view.open_verifications(page.actor, period), data.registry(key))
unit_names = review_view.mark_names(unit_names, checking)
spec = load_scorecard(registry=data.registry(key))
group_names = {g.code: (g.name_vi if language == "vi" else g.name_en) for g in spec.groups if g.criteria}
table = push.league_rows(scores, parts, unit_names, group_names, language)
if table.empty:
    st.info(t("league.no_scores"))
    st.stop()

ranked = scores[scores["score"].notna()].sort_values(["rank", "unit_code"])
best, worst = ranked.iloc[0], ranked.iloc[-1]
st.markdown(t("league.summary", n=i18n.fmt_int(len(table), language), best=i18n.fmt_number(best["score"], language, 2),
              top=unit_names.get(best["unit_code"]), worst=i18n.fmt_number(worst["score"], language, 2),
              bottom=unit_names.get(worst["unit_code"]), spread=i18n.fmt_number(best["score"] - worst["score"], language, 1)))
# The unit and its score first and pinned: on a phone they are what fits, the rest scrolls sideways.
first = [t("league.col_unit"), t("league.col_score")]
table = table[first + [col for col in table.columns if col not in first]]
config = {t("league.col_unit"): st.column_config.Column(pinned=True, width="medium"),
          t("league.col_score"): st.column_config.Column(pinned=True)}
event = st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 600), column_config=config,
                     on_select="rerun", selection_mode="single-row", key="league_table")
st.caption(t("league.caption"))
if checking & set(scores["unit_code"]):
    st.caption(t("review.marker_note"))
picked = common.selected_row(event)
if picked is not None:
    common.open_profile(table.index[picked], period)
