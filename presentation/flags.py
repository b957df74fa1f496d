"""The weak-unit list as people read it, on the pages, in the CLI and in the monthly report: the metrics'
ranked flags (metrics.weak_localities) joined with unit names, each reason as one sentence from the
catalog (`reason_sentence`, the only place a reason is worded), and the agency's follow-up of each flag.

Which follow-up a flag shows: the latest one recorded for the unit in the months of its current run of
flags (a unit notified last month and still flagged this month shows "notified", with the month it was
recorded); a follow-up from before the run (the unit was cleared, then flagged again) no longer applies.
Pure functions of frames, so that the page stays thin and the rules are tested without a browser.
"""

from __future__ import annotations

import pandas as pd

import i18n
from domain import periods
from metrics.config import FLAG_RULES
from presentation.numbers import (
    missing,
    month_text,
    path_note,
    pct,
    signed_points,
    target_pct,
    with_carried,
)

FOLLOWUP_COLUMNS = ["followup_status", "followup_note", "followup_by", "followup_at", "followup_period"]


def flagged_since(period: str, months_flagged: int) -> str:
    """The first month of the current run of flags (months_flagged ≥ 1)."""
    return periods.add(period, -(max(int(months_flagged), 1) - 1))


def run_followups(history: pd.DataFrame, weak_units: pd.DataFrame, period: str) -> pd.DataFrame:
    """Per flagged unit, the latest follow-up recorded for a month of its current run (FOLLOWUP_COLUMNS,
    indexed by unit_code; units without one are absent). `history`: services.followups.history, oldest first."""
    if history.empty or weak_units.empty:
        return pd.DataFrame(columns=FOLLOWUP_COLUMNS, index=pd.Index([], name="unit_code"))
    since = pd.Series([flagged_since(period, m) for m in weak_units["months_flagged"]], index=weak_units["unit_code"])
    rows = history[history["unit_code"].isin(since.index)]
    rows = rows[(rows["period"] <= period) & (rows["period"] >= rows["unit_code"].map(since))]
    latest = rows.sort_values(["created_at", "id"]).drop_duplicates("unit_code", keep="last").set_index("unit_code")
    out = latest.rename(columns={"status": "followup_status", "note": "followup_note", "created_by": "followup_by",
                                 "created_at": "followup_at", "period": "followup_period"})
    return out[FOLLOWUP_COLUMNS]


def reason_sentence(row, indicators: dict[str, str], lang: str, falling_months: int) -> str:
    """One reason a unit is flagged, as the catalog's sentence (`metrics.reason.<rule>`)."""
    if row.rule == "missing":
        return i18n.t("metrics.reason.missing", lang, period=month_text(row.period, lang))
    if row.rule == "late":
        return i18n.t("metrics.reason.late", lang, days="?" if missing(row.days_late) else int(row.days_late))
    from presentation.push import reason_params

    text = with_carried(i18n.t(
        f"metrics.reason.{row.rule}", lang, **reason_params(row, lang),
        indicator=indicators.get(row.indicator_code, row.indicator_code),
        value=pct(row.value, lang), target=target_pct(row.target, lang),
        gap=signed_points(row.gap_pp, lang),
        expected=pct(row.expected, lang), rank="?" if missing(row.rank) else int(row.rank),
        peers="?" if missing(row.peers) else int(row.peers), months=falling_months,
        change=signed_points(row.change_pp, lang),
    ), getattr(row, "carried_from", None), lang)
    if row.rule == "behind":  # a glide path from the unit's first month with figures says so
        note = path_note("first_month", getattr(row, "path_from", None), lang)
        text = f"{text} ({note})" if note else text
    return text


def reason_sentences(reasons: pd.DataFrame, indicator_names: dict[str, str], lang: str, falling_months: int) -> pd.Series:
    """unit_code -> the unit's reasons as sentences (a list), in the metrics' order of rules."""
    if reasons.empty:
        return pd.Series(dtype=object)
    texts = [reason_sentence(r, indicator_names, lang, falling_months) for r in reasons.itertuples()]
    return pd.Series(texts, index=reasons.index).groupby(reasons["unit_code"], sort=False).agg(list)


def reason_summary(reasons: pd.DataFrame, lang: str) -> pd.Series:
    """unit_code -> a short line for a table cell: "Nộp muộn 12 ngày; Thấp hơn chỉ tiêu (5); Giảm liên tiếp (2)"."""
    if reasons.empty:
        return pd.Series(dtype=object)
    out = {}
    for unit, group in reasons.groupby("unit_code", sort=False):
        parts = []
        counts = group["rule"].value_counts()
        for rule in FLAG_RULES:
            n = int(counts.get(rule, 0))
            if not n:
                continue
            if rule == "late":
                days = group.loc[group["rule"] == "late", "days_late"].iloc[0]
                parts.append(i18n.t("agency.late_days", lang, days=int(days)) if not pd.isna(days) else i18n.t("metrics.rule.late", lang))
            elif rule == "missing":
                parts.append(i18n.t("metrics.rule.missing", lang))
            else:
                parts.append(f"{i18n.t(f'metrics.rule.{rule}', lang)} ({n})")
        out[unit] = "; ".join(parts)
    return pd.Series(out, dtype=object)


def board(weak_units: pd.DataFrame, units: pd.DataFrame, followups: pd.DataFrame | None, period: str) -> pd.DataFrame:
    """The ranked flags with the unit's name and province, the first month of the run, and (when the
    reader may see them) the follow-up columns."""
    named = units.set_index("code")
    out = weak_units.assign(
        name_vi=weak_units["unit_code"].map(named["name_vi"]),
        name_en=weak_units["unit_code"].map(named["name_en"]),
        province_code=weak_units["unit_code"].map(named["province_code"]),
        since=[flagged_since(period, m) for m in weak_units["months_flagged"]],
    )
    if followups is not None:
        out = out.join(followups, on="unit_code")
        out["followup_status"] = out["followup_status"].fillna("open")
    return out.reset_index(drop=True)
