"""Figures as the monthly report writes them, in Vietnamese or English: 86,13% / 86.13%, "+0,24 điểm %",
1.234.567, lists of unit names; and text made safe to put into an Office file (no control character that
XML cannot hold)."""

from __future__ import annotations

import math
import re

import pandas as pd

import i18n

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


def clean_text(value) -> str:
    """A str with the characters XML 1.0 cannot hold removed (tabs and line breaks kept)."""
    return _ILLEGAL_XML.sub("", "" if value is None else str(value))


def pct(x, lang: str, digits: int = 2) -> str:
    """0.8613 -> "86,13%" / "86.13%"; no data -> "–"."""
    return i18n.fmt_pct(None if missing(x) else float(x), lang, digits)


def target_pct(x, lang: str) -> str:
    """A target as it was set: 0.85 -> "85%", 0.555 -> "55,50%"."""
    if missing(x):
        return "–"
    whole = abs(float(x) * 100 - round(float(x) * 100)) < 1e-9
    return pct(x, lang, 0 if whole else 2)


def points(pp, lang: str, digits: int = 2) -> str:
    """A number of percentage points without sign: 0.2389 -> "0,24 điểm %" / "0.24 pp"."""
    if missing(pp):
        return "–"
    number = i18n.fmt_number(abs(float(pp)), lang, digits)
    return f"{number} {i18n.t('unit.pp', lang)}"


def signed_points(pp, lang: str, digits: int = 2) -> str:
    """A signed difference in points: "+0,24 điểm %", "−1,10 điểm %"."""
    if missing(pp):
        return "–"
    return i18n.fmt_pp(float(pp) / 100.0, lang, digits)


def signed_number(pp, lang: str, digits: int = 2) -> str:
    """A signed number of points for a table whose header names the unit: "+0,24", "−0,90", "±0,00"."""
    if missing(pp):
        return "–"
    value = float(pp)
    sign = "+" if round(value, digits) > 0 else "−" if round(value, digits) < 0 else "±"
    return sign + i18n.fmt_number(abs(value), lang, digits)


def change_phrase(pp, lang: str, against: str) -> str | None:
    """"tăng 0,24 điểm % so với tháng trước" (or "giảm", "không đổi"); None when there is nothing to compare."""
    if missing(pp):
        return None
    value = float(pp)
    if round(value, 2) == 0:
        return i18n.t("reports.change.flat", lang, against=against)
    key = "reports.change.up" if value > 0 else "reports.change.down"
    return i18n.t(key, lang, points=points(value, lang), against=against)


def integer(n, lang: str) -> str:
    return i18n.fmt_int(None if missing(n) else n, lang)


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
    """"10/2026" (vi) / "October 2026" (en): how the body of the report names a month."""
    if lang == "vi":
        return f"{period[5:7]}/{period[:4]}"
    return i18n.fmt_period(period, lang)


def finite(x) -> float | None:
    """A float, or None when missing or not finite."""
    if missing(x):
        return None
    value = float(x)
    return value if math.isfinite(value) else None
