"""The receipt a submitter keeps on screen after Confirm (issue 16 item 5): what was stored, when, and
whether it came in on time, as lines of label and value. Pure: the page gives the stored file's outcome,
the time the database recorded, the deadline rule and the unit names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import i18n
from domain import periods
from domain.clock import local_date
from presentation import numbers


@dataclass(frozen=True)
class Receipt:
    file: str
    submission_id: int
    lines: tuple[tuple[str, str], ...]  # (label, value), in reading order
    units: tuple[str, ...]  # the unit codes the file reported (each gets a link to its profile)
    late: bool


def timeliness(period: str, received_at: dt.datetime, deadline_day: int, offset_hours: float, lang: str) -> tuple[str, bool]:
    """"Đúng hạn (hạn nộp 05/12/2026)" or "Muộn 3 ngày (hạn nộp 05/12/2026)", by the province's date of
    receipt; and whether it is late."""
    due = periods.due_date(period, deadline_day)
    received = local_date(received_at, offset_hours)
    days = (received - due).days
    if days > 0:
        return i18n.t("receipt.late", lang, days=numbers.integer(days, lang), due=i18n.fmt_date(due, lang)), True
    return i18n.t("receipt.on_time", lang, due=i18n.fmt_date(due, lang)), False


def receipt(outcome, *, received_at: dt.datetime, deadline_day: int, offset_hours: float, unit_names: dict[str, str],
            lang: str) -> Receipt:
    """The receipt of one stored file (`loaders.ingest.FileOutcome` with its submission number)."""
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    n = lambda x: numbers.integer(x, lang)  # noqa: E731
    lines = [
        (t("receipt.number"), str(outcome.submission_id)),
        (t("receipt.values"), t("receipt.values_text", stored=n(len(outcome.values)), added=n(outcome.added),
                                 changed=n(outcome.changed), unchanged=n(outcome.unchanged))),
        (t("receipt.received_at"), i18n.fmt_datetime(received_at, lang)),
    ]
    late = False
    for period in outcome.periods:
        text, is_late = timeliness(period, received_at, deadline_day, offset_hours, lang)
        late = late or is_late
        lines.append((t("receipt.month", month=numbers.month_text(period, lang)), text))
    units = tuple(outcome.units)
    if units:
        lines.append((t("receipt.units"), ", ".join(f"{unit_names.get(u, u)} ({u})" for u in units)))
    if outcome.warnings:
        lines.append((t("receipt.warnings"), n(len(outcome.warnings))))
    return Receipt(outcome.name, outcome.submission_id, tuple(lines), units, late)
