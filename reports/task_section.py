"""The report's section on the tasks of steering documents: what was completed in the month and what was
overdue at its end, each with the lead unit named. Built from `services.tasks.month_review` (the statuses
as they stood on the month's last day: a later change does not rewrite a published month) and written
into the document by reports/document.py. Small on purpose: two sentences and a short table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import i18n
from presentation.numbers import clean_text, month_text

MAX_ROWS = 12  # the overdue table's rows; the rest are counted in a line under it


@dataclass(frozen=True)
class TaskLine:
    unit: str
    text: str
    deadline: dt.date | None
    on: dt.date | None  # completed on (completed) or None
    days_overdue: int = 0
    late: bool = False


@dataclass(frozen=True)
class TaskSection:
    period: str
    completed: tuple[TaskLine, ...]
    overdue: tuple[TaskLine, ...]
    total: int
    models: Mapping[str, int]


def task_section(review, unit_names: Mapping[str, str]) -> TaskSection:
    """From a services.tasks.MonthTasks and the units' names in the report's language."""
    end = dt.date(int(review.period[:4]), int(review.period[5:7]), 1)
    end = (end.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)

    def unit(row) -> str:
        return clean_text(row["lead_label"] or unit_names.get(row["lead_unit_code"], row["lead_unit_code"]))

    completed = tuple(TaskLine(unit(r), clean_text(r["text"]), r["deadline"], r["status_on"], late=r["status"] == "done_late")
                      for r in review.completed.to_dict("records"))
    overdue = tuple(TaskLine(unit(r), clean_text(r["text"]), r["deadline"], None, (end - r["deadline"]).days)
                    for r in review.overdue.to_dict("records"))
    return TaskSection(review.period, completed, overdue, review.total, dict(review.models))


def _short(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sentences(section: TaskSection, lang: str) -> list[str]:
    t = i18n.t
    month = month_text(section.period, lang)
    out = []
    if section.completed:
        items = "; ".join(f"{line.unit}: {_short(line.text, 80)}" + (t("reports.tasks.late_mark", lang) if line.late else "")
                          for line in section.completed)
        out.append(t("reports.tasks.completed", lang, month=month, count=len(section.completed), items=items))
    else:
        out.append(t("reports.tasks.none_completed", lang, month=month))
    if section.overdue:
        units = list(dict.fromkeys(line.unit for line in section.overdue))
        out.append(t("reports.tasks.overdue", lang, count=len(section.overdue), date=i18n.fmt_date(_month_end(section.period), lang),
                     units=", ".join(units)))
    else:
        out.append(t("reports.tasks.none_overdue", lang, date=i18n.fmt_date(_month_end(section.period), lang)))
    if sum(section.models.values()):
        out.append(t("reports.tasks.models", lang, total=sum(section.models.values()), **section.models))
    return out


def _month_end(period: str) -> dt.date:
    first = dt.date(int(period[:4]), int(period[5:7]), 1)
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def overdue_rows(section: TaskSection, lang: str) -> tuple[list[str], list[list]]:
    headers = [i18n.t(f"reports.tasks.col.{c}", lang) for c in ("no", "unit", "task", "deadline", "days")]
    rows = [[str(i), line.unit, _short(line.text), i18n.fmt_date(line.deadline, lang), i18n.fmt_int(line.days_overdue, lang)]
            for i, line in enumerate(section.overdue[:MAX_ROWS], 1)]
    return headers, rows
