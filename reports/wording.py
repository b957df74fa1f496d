"""The sentences of the monthly report, generated from its content (reports.content) with the catalog's
phrases: one paragraph per indicator (value, target, status, changes, best and worst units), the returns,
the weak units, the shortcomings the flags point to and the tasks they call for. Nothing here is written
by hand for a particular month: change the data and the words follow."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pandas as pd

import i18n
from domain import periods
from i18n import t
from presentation.numbers import (
    change_phrase,
    inline,
    integer,
    missing,
    month_text,
    name_list,
    path_notes,
    pct,
    points,
    target_pct,
)
from reports.content import IndicatorResult, ReportContent

LONG_FLAGGED_MONTHS = 3  # "flagged for N months or more in a row" singles a unit out for follow-up
NAME_LIMIT = 15  # unit names listed in one sentence before "and N others"
NOT_ON_TRACK = ("at_risk", "behind")


@dataclass(frozen=True)
class Point:
    """A numbered point of the report: a sentence, optionally followed by dashed items."""

    text: str
    items: tuple[str, ...] = ()

    def plain(self) -> str:
        return " ".join((self.text, *self.items))


def noun(level: str | None, lang: str) -> str:
    """"xã, phường" / "đơn vị cấp huyện" / "sở, ngành": the units of a level, in a sentence."""
    return t(f"reports.noun.{level or 'unit'}", lang)


# -- results ------------------------------------------------------------------------------------------


def _status_phrase(status: str, expected, lang: str) -> str | None:
    if status in ("met", "on_track", "at_risk", "behind"):
        return t(f"reports.status_phrase.{status}", lang, expected=pct(expected, lang))
    return None


def _target_phrase(target, year: int, lang: str) -> str:
    if missing(target):
        return t("reports.result.no_target", lang, year=year)
    return t("reports.result.target", lang, year=year, target=target_pct(target, lang))


def _changes(mom, yoy, period: str, lang: str) -> str | None:
    parts = [change_phrase(mom, lang, t("reports.against.month", lang)),
             change_phrase(yoy, lang, t("reports.against.year", lang, year=int(period[:4]) - 1))]
    parts = [p for p in parts if p]
    return ", ".join(parts) if parts else None


def _units(frame: pd.DataFrame, lang: str) -> str:
    return ", ".join(t("reports.result.unit_value", lang, name=r.name, value=pct(r.value, lang)) for r in frame.itertuples())


def _best_worst(result: IndicatorResult, lang: str) -> str | None:
    """"Cao nhất …; thấp nhất …" among the units that reported (a carried figure names no one)."""
    pool = result.departments if result.ranked_level == "department" else result.units
    reported = int((pool["rank"].notna() & pool["carried_from"].isna()).sum())
    if reported < 2:
        return None
    return t("reports.result.best_worst", lang, noun=noun(result.ranked_level, lang), best=_units(result.best, lang),
             worst=_units(result.worst, lang))


def _figure(name: str, row, year: int, period: str, lang: str, key: str) -> str:
    """"X đạt 86,13% (100.215/116.356); chỉ tiêu năm 2026 là 85%, đã đạt chỉ tiêu; tăng … so với tháng trước"."""
    head = t(key, lang, name=name, value=pct(row["value"], lang), numerator=integer(row["numerator"], lang),
             denominator=integer(row["denominator"], lang))
    judged = [_target_phrase(row["target"], year, lang)]
    status = _status_phrase(row["status"], row["expected"], lang)
    if status:
        # In the month a glide path starts from (no December before it) the status is on track by
        # construction: the sentence says so. Later months are noted once under the list (`path_note`).
        starts_now = row.get("start_basis") == "first_month" and row.get("start_period") == period
        note = t("reports.path.now", lang, december=month_text(f"{year - 1}-12", lang)) if starts_now else None
        judged.append(f"{status}, {note}" if note else status)
    parts = [head, ", ".join(judged)]
    changes = _changes(row["change_mom_pp"], row["change_yoy_pp"], period, lang)
    if changes:
        parts.append(changes)
    return "; ".join(parts)


def indicator_sentence(content: ReportContent, result: IndicatorResult) -> str:
    """The paragraph for one indicator."""
    lang, year, period = content.lang, content.year, content.period
    if result.has_province_value:
        text = _figure(result.name, result.province, year, period, lang, "reports.result.province")
    else:
        reported = result.departments[result.departments["value"].notna()]
        if reported.empty:
            return t("reports.result.no_data", lang, indicator=result.name)
        parts = [_figure(r["name"], r, year, period, lang, "reports.result.unit") for r in reported.to_dict("records")]
        text = t("reports.result.departments_only", lang, indicator=result.name, departments="; ".join(parts))
    extra = _best_worst(result, lang)
    return f"{text}. {extra}." if extra else f"{text}."


def path_note(content: ReportContent) -> str | None:
    """Under the indicators: which glide paths of the year start at the first month with figures (there is
    no December before them), so that "on track" is read for what it is. None when every path starts
    from a December, or starts this month (the sentence itself says so then)."""
    items = []
    for r in content.indicators:
        rows = [r.province] if r.has_province_value else r.departments[r.departments["value"].notna()].to_dict("records")
        items += [(r.name, row.get("start_basis"), row.get("start_period")) for row in rows
                  if isinstance(row.get("start_period"), str) and row.get("start_period") < content.period
                  and not missing(row.get("target"))]
    return path_notes(items, content.lang, NAME_LIMIT)


def department_sentence(content: ReportContent) -> str | None:
    """How many departments reported, and the best and worst on the dossier indicators they share."""
    lang = content.lang
    shared = [r for r in content.indicators if r.departments["rank"].notna().sum() >= 2]
    if not shared:
        return None
    reported = set()
    for r in shared:
        reported |= set(r.departments.loc[r.departments["value"].notna(), "unit_code"])
    best = Counter(r.departments.iloc[0]["name"] for r in shared)
    return t("reports.result.departments", lang, count=integer(len(reported), lang), indicators=integer(len(shared), lang),
             leaders=name_list([n for n, _ in best.most_common(3)], lang))


# -- returns ------------------------------------------------------------------------------------------


def _form_noun(content: ReportContent, form_code: str) -> str:
    levels = set(content.submissions.loc[content.submissions["form_code"] == form_code, "level"])
    return noun("department" if levels == {"department"} else content.locality_level, content.lang)


def completeness_sentences(content: ReportContent) -> list[str]:
    """The returns of the month: one sentence per form, then who has not sent and who was late."""
    lang = content.lang
    out = [t("reports.returns.due", lang, month=month_text(content.period, lang),
             due=i18n.fmt_date(periods.due_date(content.period, content.deadline_day)))]
    for r in content.completeness.itertuples():
        if r.expected == 0:
            continue
        out.append(t("reports.returns.form", lang, submitted=integer(r.submitted, lang), expected=integer(r.expected, lang),
                     noun=_form_noun(content, r.form_code), completeness=pct(r.completeness, lang),
                     on_time=integer(r.on_time, lang), timeliness=pct(r.timeliness, lang)))
    subs = content.submissions
    missing_names = subs.loc[subs["status"] == "missing", "name"].tolist()
    late = subs[subs["status"] == "late"]
    pending = subs.loc[subs["status"] == "pending", "name"].tolist()
    if missing_names:
        out.append(t("reports.returns.missing", lang, units=name_list(missing_names, lang, NAME_LIMIT)))
    if len(late):
        named = [t("reports.returns.late_unit", lang, name=r.name, days=integer(r.days_late, lang)) for r in late.itertuples()]
        out.append(t("reports.returns.late", lang, units=name_list(named, lang, NAME_LIMIT)))
    if pending:
        out.append(t("reports.returns.pending", lang, count=integer(len(pending), lang)))
    return out


# -- weak units, shortcomings, tasks ------------------------------------------------------------------


def weak_summary(content: ReportContent) -> str:
    lang, units = content.lang, content.weak_units
    if units.empty:
        return t("reports.weak.none", lang, month=month_text(content.period, lang))
    counts = units["severity"].value_counts()
    long = int((units["months_flagged"] >= LONG_FLAGGED_MONTHS).sum())
    new = int((units["months_flagged"] <= 1).sum())  # flagged this month, not the month before
    return t("reports.weak.summary", lang, count=integer(len(units), lang), high=integer(counts.get("high", 0), lang),
             medium=integer(counts.get("medium", 0), lang), low=integer(counts.get("low", 0), lang),
             new=integer(new, lang), long=integer(long, lang), months=LONG_FLAGGED_MONTHS)


def main_reasons(content: ReportContent, unit_code: str, limit: int = 3) -> list[str]:
    """A unit's reasons with the most points first (the engine's order among equals), at most `limit`,
    and "N other reasons" for the rest."""
    reasons = content.weak_reasons[content.weak_reasons["unit_code"] == unit_code]
    reasons = reasons.assign(_o=range(len(reasons))).sort_values(["points", "_o"], ascending=[False, True], kind="stable")
    texts = reasons["text"].tolist()
    if len(texts) > limit:
        return texts[:limit] + [t("reports.weak.more_reasons", content.lang, count=integer(len(texts) - limit, content.lang))]
    return texts


def shortcomings(content: ReportContent) -> list[Point]:
    """What the flags say is wrong this month, most general first."""
    lang, out = content.lang, []
    lagging = [(r, items) for r in content.indicators if (items := _lagging_items(r, lang))]
    if lagging:
        items = [item for _, found in lagging for item in found]
        out.append(Point(t("reports.issue.lagging", lang, count=integer(len(lagging), lang)), _items(items)))
    if not content.weak_units.empty:
        out.append(Point(weak_summary(content)))
    reasons = content.weak_reasons
    names = {r.code: r.name for r in content.indicators}
    below = reasons[reasons["rule"] == "below_target"]["indicator_code"].value_counts()
    if len(below):
        items = [t("reports.issue.count_item", lang, indicator=inline(names.get(code, code)), count=integer(n, lang))
                 for code, n in _top(below, 3)]
        out.append(Point(t("reports.issue.below", lang, gap=i18n.fmt_number(content.weak_gap_pp, lang, 0),
                           indicators="; ".join(items))))
    falling = reasons[reasons["rule"] == "falling"]
    if len(falling):
        code, n = _top(falling["indicator_code"].value_counts(), 1)[0]
        out.append(Point(t("reports.issue.falling", lang, count=integer(falling["unit_code"].nunique(), lang),
                           months=content.falling_months, indicator=inline(names.get(code, code)), n=integer(n, lang))))
    subs = content.submissions
    n_missing, n_late = int((subs["status"] == "missing").sum()), int((subs["status"] == "late").sum())
    if n_missing or n_late:
        out.append(Point(t("reports.issue.returns", lang, missing=integer(n_missing, lang), late=integer(n_late, lang),
                           month=month_text(content.period, lang))))
    out += _followup_points(content)
    return out or [Point(t("reports.issue.none", lang))]


def _lagging_items(result: IndicatorResult, lang: str) -> list[str]:
    """An indicator below its glide path, as the items of "N chỉ tiêu toàn tỉnh chưa đạt lộ trình": the
    province's figure, or, for an indicator only departments report (hospital and school fees), each
    department below its path, named, as its sentence of section I says."""
    if result.has_province_value:
        if result.province.get("status") not in NOT_ON_TRACK:
            return []
        return [t("reports.issue.lagging_item", lang, indicator=inline(result.name), value=pct(result.province["value"], lang),
                  expected=pct(result.province["expected"], lang))]
    depts = result.departments
    below = depts[depts["value"].notna() & depts["status"].isin(NOT_ON_TRACK)].sort_values("unit_code", kind="stable")
    return [t("reports.issue.lagging_unit_item", lang, indicator=inline(result.name), unit=r["name"],
              value=pct(r["value"], lang), expected=pct(r["expected"], lang)) for r in below.to_dict("records")]


def _followup_points(content: ReportContent) -> list[Point]:
    """The follow-up queue (issue 12): opened, closed, overdue (named), causes summed."""
    s, lang = content.followup_summary, content.lang
    if not s or not (s["opened"] or s["overdue"]):
        return []
    names = content.unit_names or {}
    overdue = s["overdue"]
    listed = t("reports.followups.names", lang, names=", ".join(names.get(c, c) for c in overdue)) if overdue else ""
    out = [Point(t("reports.followups.line", lang, opened=integer(s["opened"], lang), closed=integer(s["closed"], lang),
                   overdue=integer(len(overdue), lang), names=listed))]
    if s["causes"]:
        causes = "; ".join(f"{t(f'followup.causes.{c}', lang).lower()} ({integer(n, lang)})" for c, n in s["causes"].items())
        out.append(Point(t("reports.followups.causes", lang, causes=causes)))
    return out


def _items(items: list[str]) -> tuple[str, ...]:
    """Dashed items of a point: each ends with ";", the last with "."."""
    return tuple(f"- {text}{'.' if i == len(items) - 1 else ';'}" for i, text in enumerate(items))


def _top(counts: pd.Series, n: int) -> list[tuple[str, int]]:
    """The `n` most frequent, ties by code: deterministic."""
    frame = counts.rename("n").rename_axis("code").reset_index().sort_values(["n", "code"], ascending=[False, True])
    return [(r.code, int(r.n)) for r in frame.head(n).itertuples()]


def tasks(content: ReportContent) -> list[Point]:
    """The tasks for next month that the figures call for."""
    lang, out = content.lang, []
    due = i18n.fmt_date(content.due_next)
    outlook = content.outlook.set_index("indicator_code") if len(content.outlook) else None
    names = {r.code: r for r in content.indicators}
    gains = []
    for code, r in names.items():
        if outlook is None or code not in outlook.index or r.province.get("status") in ("met", "no_target", "no_data", None):
            continue
        o = outlook.loc[code]
        if int(o["months_left"]) > 0:
            if missing(o["needed_gain_pp"]) or float(o["needed_gain_pp"]) <= 0:
                continue
            gains.append(t("reports.task.raise_item", lang, indicator=inline(r.name), value=pct(r.province["value"], lang),
                           target=target_pct(r.province["target"], lang), gain=points(o["needed_gain_pp"], lang),
                           months=int(o["months_left"]), year=content.year))
        else:  # December: the year is over, the target missed
            gains.append(t("reports.task.carry_item", lang, indicator=inline(r.name), value=pct(r.province["value"], lang),
                           target=target_pct(r.province["target"], lang), year=content.year, next_year=content.year + 1))
    if gains:
        out.append(Point(t("reports.task.raise", lang), _items(gains)))
    weak = content.weak_units
    high = weak[weak["severity"] == "high"]
    if len(high):
        out.append(Point(t("reports.task.high", lang, units=name_list(high["name"].tolist(), lang, NAME_LIMIT), due=due)))
    long = weak[(weak["months_flagged"] >= LONG_FLAGGED_MONTHS) & (weak["followup_status"].fillna("open") != "resolved")]
    if len(long):
        statuses = long["followup_status"].fillna("open").value_counts()
        follow = ", ".join(t("reports.task.followup_count", lang, count=integer(statuses[s], lang),
                             status=i18n.t(f"access.followup_status.{s}", lang).lower())
                           for s in ("open", "notified", "improving") if statuses.get(s, 0))
        out.append(Point(t("reports.task.follow", lang, count=integer(len(long), lang), months=LONG_FLAGGED_MONTHS, statuses=follow)))
    subs = content.submissions
    late = subs.loc[subs["status"].isin(["missing", "late"]), "name"].tolist()
    if late:
        out.append(Point(t("reports.task.returns", lang, units=name_list(late, lang, NAME_LIMIT),
                           month=month_text(content.period, lang), next=month_text(content.next_period, lang), due=due)))
    out.append(Point(t("reports.task.standing", lang)))
    return out
