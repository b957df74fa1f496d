"""How the standing agency's codes look: severity of a flag, a return's submission status, a follow-up's
status. As for indicator statuses (ui/theme.py), never by colour alone: each has a plain Unicode symbol
and a word from the catalog, and a light fill for table cells."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

import i18n
from domain.safe_text import guard_cell


@dataclass(frozen=True)
class Badge:
    icon: str  # a plain symbol that survives copy-paste, print and export
    label_key: str  # i18n catalog key
    fill: str  # light background for a table cell (text stays black)

    def text(self, lang: str) -> str:
        return f"{self.icon} {i18n.t(self.label_key, lang)}"


SEVERITY = {
    "high": Badge("▲▲", "metrics.severity.high", "#f4c7c3"),
    "medium": Badge("▲", "metrics.severity.medium", "#fde0b6"),
    "low": Badge("△", "metrics.severity.low", "#fff6c8"),
}
SEVERITY_ORDER = ("high", "medium", "low")

SUBMISSION = {
    "on_time": Badge("✔", "metrics.submission.on_time", "#d9f0d3"),
    "late": Badge("⚠", "metrics.submission.late", "#fde0b6"),
    "missing": Badge("✖", "metrics.submission.missing", "#f4c7c3"),
    "pending": Badge("○", "metrics.submission.pending", "#eeeeee"),
}
SUBMISSION_ORDER = ("missing", "late", "pending", "on_time")

FOLLOWUP = {
    "open": Badge("●", "access.followup_status.open", "#f4c7c3"),
    "notified": Badge("✉", "access.followup_status.notified", "#fde0b6"),
    "improving": Badge("↗", "access.followup_status.improving", "#dbe9f6"),
    "resolved": Badge("✔", "access.followup_status.resolved", "#d9f0d3"),
    "no_change": Badge("✖", "access.followup_status.no_change", "#e0e0e0"),
}


def severity_text(severity: str, lang: str) -> str:
    return SEVERITY[severity].text(lang)


def submission_text(status: str, lang: str, days_late=None) -> str:
    """"✔ Đúng hạn", "⚠ Nộp muộn 3 ngày", "✖ Chưa nộp", "○ Chưa đến hạn"."""
    badge = SUBMISSION[status]
    if status == "late" and days_late is not None and not pd.isna(days_late):
        return f"{badge.icon} {i18n.t('agency.late_days', lang, days=int(days_late))}"
    return badge.text(lang)


def followup_text(status: str, lang: str) -> str:
    return FOLLOWUP[status].text(lang)


def followup_history(notes, lang: str):
    """Follow-up notes (services.followups.history rows) as the table both the weak-unit list and the unit
    profile show: when, month, status, note, who."""
    import pandas as pd

    t = lambda key: i18n.t(key, lang)  # noqa: E731
    return pd.DataFrame({
        t("weak.col_when"): [i18n.fmt_datetime(x) for x in notes["created_at"]],
        t("weak.col_month"): [i18n.fmt_period_short(p) for p in notes["period"]],
        t("weak.col_followup"): [followup_text(s, lang) for s in notes["status"]],
        t("weak.col_note"): notes["note"].map(guard_cell),  # text people typed: never a formula on screen
        t("weak.col_who"): notes["created_by"].map(guard_cell),
    })


def cell_fill(text, styles: dict[str, Badge]) -> str:
    """The CSS fill of a table cell whose text starts with one of `styles`' icons (for pandas' Styler)."""
    if isinstance(text, str):
        for badge in styles.values():
            if text.startswith(badge.icon + " "):
                return f"background-color: {badge.fill}"
    return ""
