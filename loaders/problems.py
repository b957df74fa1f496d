"""Located problems: what is wrong, where (file, sheet, row, column, unit, element, month), and what to do,
in Vietnamese and English from the catalog (`loaders.problem.<code>`, `loaders.hint.<code>`).

Errors reject the file (nothing is written); warnings are stored with the submission and shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils import get_column_letter

import i18n
from domain.safe_text import md_escape

ERROR, WARNING, INFO = "error", "warning", "info"

# Every rule the loader applies, with its severity (DOMAIN.md §5 and the file-level rules of issue #3).
RULES: dict[str, str] = {
    # the file itself
    "file_too_large": ERROR,
    "empty_file": ERROR,
    "encrypted_file": ERROR,
    "not_spreadsheet": ERROR,
    "save_as_xlsx": ERROR,
    "damaged_file": ERROR,
    "zip_bomb": ERROR,
    "too_many_rows": ERROR,
    "too_many_columns": ERROR,
    "too_many_cells": ERROR,
    "parse_too_long": ERROR,
    "parse_too_large": ERROR,
    "not_utf8": ERROR,
    "no_table": ERROR,
    "no_values": ERROR,
    "macros_ignored": WARNING,
    "macros_refused": ERROR,
    "external_link": WARNING,
    # what the file is about: month, form, unit
    "period_missing": ERROR,
    "period_conflict": ERROR,
    "period_unreadable": ERROR,
    "future_period": ERROR,
    "period_locked": ERROR,
    "form_missing": ERROR,
    "form_unknown": ERROR,
    "form_conflict": ERROR,
    "unit_missing": ERROR,
    "unit_conflict": ERROR,
    # headers and rows
    "column_unrecognised": ERROR,
    "header_ambiguous": ERROR,
    "duplicate_column": ERROR,
    "unknown_element": ERROR,
    "element_not_in_form": ERROR,
    "row_unrecognised": ERROR,
    "row_without_unit": ERROR,
    "subtotal_ignored": WARNING,
    # units
    "unknown_unit": ERROR,
    "unit_ambiguous": ERROR,
    "unit_not_valid": ERROR,
    "unit_not_yet_valid": ERROR,
    "unit_not_allowed": ERROR,
    "unit_wrong_form": ERROR,
    # values (DOMAIN.md §5 hard errors)
    "not_a_number": ERROR,
    "ambiguous_number": ERROR,
    "not_whole": ERROR,
    "negative_value": ERROR,
    "value_too_large": ERROR,
    "formula_no_value": ERROR,
    "duplicate_row": ERROR,
    "numerator_above_denominator": ERROR,
    # refusals from access control inside the write transaction
    "refused": ERROR,
    # the database stayed locked through every retry (many writers at once): nothing was written
    "database_busy": ERROR,
    # the same bytes again: nothing to do (not an error; the file is simply not stored twice)
    "duplicate_file": INFO,
    "duplicate_in_upload": INFO,
    # DOMAIN.md §5 warnings
    "stock_fell": WARNING,
    "large_change": WARNING,
    "missing_expected": WARNING,
    "totals_mismatch": WARNING,
    # said before Confirm: the month's return is past its deadline (the file is still taken)
    "late_submission": WARNING,
    # said before Confirm (issue 19): the strongest signals of the data-credibility review, for the figures
    # of this file against the unit's own history (metrics.anomalies); warnings only, never refusals
    "anomaly_history": WARNING,
    "anomaly_copy_forward": WARNING,
    "anomaly_pinned_rate": WARNING,
    "anomaly_jump_to_target": WARNING,
    "anomaly_stock_jump": WARNING,
}


@dataclass(frozen=True)
class Text:
    """A parameter that reads differently in each language (a unit's or an element's name)."""

    vi: str
    en: str

    def __str__(self) -> str:
        return self.vi


_GROUP = {"vi": ".", "en": ","}


def int_text(n: int, lang: str) -> str:
    """An integer with the language's thousands separator (1.234.567 / 1,234,567): what i18n.fmt_int
    gives, without babel's cost per call (a bulk load renders thousands of warnings; a test holds the two
    equal)."""
    return f"{n:,}".replace(",", _GROUP[lang])


def _render(value: Any, lang: str) -> str:
    if isinstance(value, Text):
        return value.vi if lang == "vi" else value.en
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return int_text(value, lang)
    if isinstance(value, float):
        return int_text(int(value), lang) if value.is_integer() else i18n.fmt_number(value, lang, 1)
    if isinstance(value, dt.date):
        return i18n.fmt_date(value, lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(_render(v, lang) for v in value)
    return str(value)


@dataclass(frozen=True)
class Problem:
    code: str
    file: str
    sheet: str | None = None
    row: int | None = None
    column: int | None = None  # 1-based
    unit: str | None = None  # unit code, or the text written when no unit matched
    element: str | None = None
    period: str | None = None
    params: dict = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return RULES[self.code]

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def cell(self) -> str | None:
        if self.row is None or self.column is None:
            return None
        return f"{get_column_letter(self.column)}{self.row}"

    def message(self, lang: str) -> str:
        return i18n.t(f"loaders.problem.{self.code}", lang, **{k: _render(v, lang) for k, v in self.params.items()})

    def markdown(self, lang: str) -> str:
        """The message for a page's markdown: file names, sheet names and headers shown as typed."""
        return md_escape(self.message(lang))

    def hint(self, lang: str) -> str:
        return i18n.t(f"loaders.hint.{self.code}", lang, **{k: _render(v, lang) for k, v in self.params.items()})

    def where(self, lang: str) -> str:
        """"a.xlsx › Số liệu › ô D7" / "a.xlsx › Số liệu › cell D7"."""
        parts = [self.file]
        if self.sheet:
            parts.append(self.sheet)
        if self.cell:
            parts.append(i18n.t("loaders.where.cell", lang, cell=self.cell))
        elif self.row is not None:
            parts.append(i18n.t("loaders.where.row", lang, row=self.row))
        elif self.column is not None:
            parts.append(i18n.t("loaders.where.column", lang, column=get_column_letter(self.column)))
        return " › ".join(parts)

    def text(self, lang: str) -> str:
        """One line for a terminal or a log: where, what, what to do."""
        label = i18n.t(f"loaders.severity.{self.severity}", lang)
        return f"{label}: {self.where(lang)}: {self.message(lang)} {self.hint(lang)}"

    def as_dict(self) -> dict:
        """The stable JSON form (CLI `--json`, stored warnings). The parameters are rendered once per language
        for the message and the hint (a bulk load stores about a thousand warnings)."""
        vi = {k: _render(v, "vi") for k, v in self.params.items()}
        en = {k: _render(v, "en") for k, v in self.params.items()}
        return {
            "severity": self.severity,
            "code": self.code,
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": get_column_letter(self.column) if self.column else None,
            "cell": self.cell,
            "unit": self.unit,
            "element": self.element,
            "period": self.period,
            "message_vi": i18n.t(f"loaders.problem.{self.code}", "vi", **vi),
            "message_en": i18n.t(f"loaders.problem.{self.code}", "en", **en),
            "hint_vi": i18n.t(f"loaders.hint.{self.code}", "vi", **vi),
            "hint_en": i18n.t(f"loaders.hint.{self.code}", "en", **en),
        }


class LoaderError(Exception):
    """A file that cannot be read or understood: the loader's own, located error. Carries the problems."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(p.text("en") for p in self.problems))

    def __reduce__(self):
        # Sent back from the worker process that parsed the file (loaders/pool.py): rebuilt from its problems.
        return (LoaderError, (self.problems,))


def problem_sort_key(p: Problem) -> tuple:
    return (p.file, 0 if p.is_error else 1, p.sheet or "", p.row or 0, p.column or 0, p.code)
