"""A file's problems as a submitter reads them: what stops the whole file first and apart, then each
located error, then the warnings, with near-identical warnings grouped ("21 đơn vị chưa có 6 chỉ tiêu:
…" rather than 126 lines), every message whole. Pure: the upload page lays it out."""

from __future__ import annotations

from dataclasses import dataclass

import i18n
from loaders.problems import ERROR, INFO, WARNING, Problem
from presentation.numbers import integer, name_list

ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
GROUPED = "missing_expected"  # one line per set of missing elements, naming the units
# About the whole submission wherever the loaders located them (a locked or future month is found on each
# unit's row): said once, first and apart.
WHOLE_FILE = {"period_locked", "future_period", "refused", "database_busy"}
UNITS_NAMED = 8


@dataclass(frozen=True)
class ProblemLine:
    severity: str
    where: str
    unit: str
    element: str
    message: str
    hint: str
    whole_file: bool  # stops the whole file (no cell or unit): said first, apart from the rest


def problem_lines(problems: list[Problem], unit_names: dict[str, str], element_names: dict[str, str],
                  lang: str) -> list[ProblemLine]:
    """Whole-file errors first, then errors, warnings and notes in the loaders' order; the warnings of
    `GROUPED` gathered per set of missing elements when several units share it."""
    lines, missing = [], {}
    for p in problems:
        if p.code == GROUPED and p.unit:
            missing.setdefault((p.file, p.period, p.unit), []).append(p)
            continue
        lines.append(_line(p, unit_names, element_names, lang))
    by_set: dict[tuple, list[str]] = {}
    firsts: dict[tuple, Problem] = {}
    for (file, period, unit), ps in missing.items():
        key = (file, period, tuple(sorted({p.element for p in ps})))
        by_set.setdefault(key, []).append(unit)
        firsts.setdefault(key, ps[0])
    for key, units in by_set.items():
        first = firsts[key]
        if len(units) == 1 and len(key[2]) == 1:
            lines.append(_line(first, unit_names, element_names, lang))
            continue
        elements = [element_names.get(e, e) for e in key[2]]
        lines.append(ProblemLine(
            WARNING, first.file, name_list([unit_names.get(u, u) for u in units], lang, UNITS_NAMED),
            name_list(elements, lang, 3),
            i18n.t("loaders.grouped.missing_expected", lang, units=integer(len(units), lang), count=integer(len(elements), lang),
                   elements="; ".join(elements), month=f"{first.period[5:7]}/{first.period[:4]}" if first.period else ""),
            first.hint(lang), False))
    seen, out = set(), []
    for line in sorted(lines, key=lambda ln: (not ln.whole_file, ORDER[ln.severity])):
        if line.whole_file and line.message in seen:
            continue
        seen.add(line.message)
        out.append(line)
    return out


def _line(p: Problem, unit_names: dict[str, str], element_names: dict[str, str], lang: str) -> ProblemLine:
    return ProblemLine(p.severity, p.where(lang), unit_names.get(p.unit, p.unit or ""),
                       element_names.get(p.element, p.element or ""), p.message(lang), p.hint(lang),
                       p.is_error and (p.code in WHOLE_FILE or (p.row is None and p.unit is None and p.element is None)))
