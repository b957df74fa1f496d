"""How a figure reads, in Vietnamese or English: the one formatter behind pages, CLI and reports.

The convention (DOMAIN.md §1), the same on every screen, in every command and in every report:
- a rate: two decimals, "72,35%" / "72.35%";
- a target: as it was set, with no trailing zeros: "85%", "55,5%", "72,35%";
- a difference of two rates: percentage points with two decimals, so that it can be checked against the
  two rates shown: signed "+0,24 điểm %" / "−1,10 pp" (`signed_points`), unsigned after a verb
  ("tăng 0,24 điểm %", `points`), or a bare signed number under a header that names the unit ("+0,24");
- a count: "1.234.567" / "1,234,567";
- no figure: "–".
Numbers people type are read back in the same convention (`parse_number`).
"""

from __future__ import annotations

import re

import pandas as pd
from babel.numbers import NumberFormatError, format_decimal, parse_decimal

import i18n

PP_DIGITS = 2  # decimals of a percentage-point difference, everywhere
NO_FIGURE = "–"
_LOCALE = {"vi": "vi_VN", "en": "en_US"}
# XML 1.0 forbids these; a unit name or a follow-up note holding one would make openpyxl or python-docx fail.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def missing(x) -> bool:
    """None, NaN, pd.NA, NaT: no figure."""
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def known(x) -> bool:
    """The opposite of `missing`: there is a figure."""
    return not missing(x)


def clean_text(value) -> str:
    """A str with the characters XML 1.0 cannot hold removed (tabs and line breaks kept)."""
    return _ILLEGAL_XML.sub("", "" if value is None else str(value))


def pct(x, lang: str, digits: int = 2) -> str:
    """0.8613 -> "86,13%" / "86.13%"; no data -> "–"."""
    return i18n.fmt_pct(None if missing(x) else float(x), lang, digits)


def target_pct(x, lang: str) -> str:
    """A target as it was set: 0.85 -> "85%", 0.555 -> "55,5%", 0.7235 -> "72,35%"."""
    if missing(x):
        return NO_FIGURE
    hundred = float(x) * 100
    digits = next((d for d in (0, 1) if abs(hundred * 10**d - round(hundred * 10**d)) < 1e-6), 2)
    return i18n.fmt_pct(float(x), lang, digits)


def points(pp, lang: str, digits: int = PP_DIGITS) -> str:
    """A number of percentage points without sign, for after a verb: 0.2389 -> "0,24 điểm %" / "0.24 pp"."""
    if missing(pp):
        return NO_FIGURE
    return f"{i18n.fmt_number(abs(float(pp)), lang, digits)} {i18n.t('unit.pp', lang)}"


def signed_points(pp, lang: str, digits: int = PP_DIGITS) -> str:
    """A signed difference in points (the metrics' `*_pp` columns): "+0,24 điểm %", "−1,10 pp", "±0,00 điểm %"."""
    if missing(pp):
        return NO_FIGURE
    return i18n.fmt_pp(float(pp) / 100.0, lang, digits)


def signed_number(pp, lang: str, digits: int = PP_DIGITS) -> str:
    """Signed points without the unit, for a column whose header names it: "+0,24", "−0,90", "±0,00"."""
    if missing(pp):
        return NO_FIGURE
    value = round(float(pp), digits)
    sign = "+" if value > 0 else "−" if value < 0 else "±"
    return sign + i18n.fmt_number(abs(value), lang, digits)


def direction(pp, digits: int = PP_DIGITS) -> int:
    """The sign of a change as shown (a change that rounds to zero is no change): 1, -1 or 0."""
    if missing(pp) or round(float(pp), digits) == 0:
        return 0
    return 1 if float(pp) > 0 else -1


def arrow(pp) -> str:
    """▲ / ▼ / ▬: the direction of a change in a symbol, so that it does not rest on colour."""
    return {1: "▲", -1: "▼", 0: "▬"}[direction(pp)]


def integer(n, lang: str) -> str:
    """1234567 -> "1.234.567" / "1,234,567"; no figure -> "–"."""
    return i18n.fmt_int(None if missing(n) else n, lang)


def decimal(x, lang: str, digits: int = 1) -> str:
    """A plain number with `digits` decimals: a score "91,30", a threshold "10"."""
    return i18n.fmt_number(None if missing(x) else float(x), lang, digits)


def change_phrase(pp, lang: str, against: str) -> str | None:
    """"tăng 0,24 điểm % so với tháng trước" (or "giảm", "không đổi"); None when there is nothing to compare."""
    if missing(pp):
        return None
    value = float(pp)
    if round(value, PP_DIGITS) == 0:
        return i18n.t("reports.change.flat", lang, against=against)
    key = "reports.change.up" if value > 0 else "reports.change.down"
    return i18n.t(key, lang, points=points(value, lang), against=against)


def name_list(names: list[str], lang: str, limit: int | None = None) -> str:
    """"A, B và C" / "A, B and C"; beyond `limit` names: "A, B, C và 12 đơn vị khác"."""
    names = [n for n in names if n]
    if limit is not None and len(names) > limit:
        shown = names[:limit]
        return ", ".join(shown) + " " + i18n.t("reports.list.and_more", lang, count=i18n.fmt_int(len(names) - limit, lang))
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " " + i18n.t("reports.list.and", lang) + " " + names[-1]


def month_text(period: str, lang: str) -> str:
    """"10/2026" (vi) / "October 2026" (en): how a sentence names a month."""
    if lang == "vi":
        return f"{period[5:7]}/{period[:4]}"
    return i18n.fmt_period(period, lang)


def carried_note(carried_from, lang: str) -> str | None:
    """A figure carried from an earlier month, marked wherever it is shown (pages, report, exports):
    "số liệu tháng 09/2026" / "figures of September 2026"; None for a figure reported this month."""
    if missing(carried_from) or not carried_from:
        return None
    return i18n.t("carried.note", lang, month=month_text(str(carried_from), lang))


def with_carried(text: str, carried_from, lang: str) -> str:
    """"45,00%" -> "45,00% (số liệu tháng 09/2026)" for a carried figure; the text as it is otherwise."""
    note = carried_note(carried_from, lang)
    return f"{text} ({note})" if note else text


def path_note(start_basis, start_period, lang: str) -> str | None:
    """A glide path that starts at the unit's first month with figures (it has no December of the year
    before: metrics.indicators, `start_basis` "first_month"), said wherever its status is shown: that
    month always reads on track. None for a path from a December."""
    if start_basis != "first_month" or missing(start_period) or not start_period:
        return None
    period = str(start_period)
    return i18n.t("glide.first_month", lang, month=month_text(period, lang),
                  december=month_text(f"{int(period[:4]) - 1}-12", lang))


def inline(name: str) -> str:
    """An indicator's name inside a sentence: "Tỷ lệ số hóa hồ sơ" -> "tỷ lệ số hóa hồ sơ" (an acronym
    such as "TTHC" or "ID" keeps its capitals)."""
    if len(name) > 1 and name[0].isupper() and name[1].islower():
        return name[0].lower() + name[1:]
    return name


def path_notes(items, lang: str, limit: int = 15) -> str | None:
    """One note for the glide paths that start at the first month with figures, grouped by that month:
    "Ghi chú: không có số liệu tháng 12/2023 nên lộ trình năm 2024 của tỷ lệ …, tỷ lệ … tính từ tháng đầu
    tiên có số liệu (01/2024); tháng 01/2024 luôn được đánh giá đúng lộ trình." `items`: (indicator name,
    start_basis, start_period) of what is shown. None when no path starts so."""
    by_start: dict[str, list[str]] = {}
    for name, basis, start in items:
        if basis == "first_month" and isinstance(start, str) and start:
            names = by_start.setdefault(start, [])
            if inline(name) not in names:
                names.append(inline(name))
    if not by_start:
        return None
    return " ".join(i18n.t("glide.note", lang, december=month_text(f"{int(start[:4]) - 1}-12", lang), year=start[:4],
                           indicators=name_list(names, lang, limit), month=month_text(start, lang))
                    for start, names in sorted(by_start.items()))


# -- numbers people type --------------------------------------------------------------------------------


def number_text(x, lang: str) -> str:
    """10 -> "10", 0.5 -> "0,5" (vi) / "0.5" (en), 100000 -> "100.000": as a person would type it."""
    return format_decimal(x, format="#,##0.######", locale=_LOCALE[lang])


def parse_number(text: str, lang: str) -> float | None:
    """The number in `text` (a trailing % or spaces allowed), or None when it is not one in `lang`'s
    convention (in Vietnamese "72.5" is refused rather than read as 725)."""
    cleaned = str(text or "").strip().removesuffix("%").strip().replace("\u00a0", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        return float(parse_decimal(cleaned, locale=_LOCALE[lang], strict=True))
    except (NumberFormatError, ValueError):
        return None
