"""Numbers typed by people, in their own convention: "72,5" and "1.234.567" in Vietnamese, "72.5" and
"1,234,567" in English. Streamlit's number input shows and reads only "72.5", so the administrator's forms
use text fields read here."""

from __future__ import annotations

import math

from babel.numbers import NumberFormatError, format_decimal, parse_decimal

import i18n

_LOCALE = {"vi": "vi_VN", "en": "en_US"}


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


def target_text(value, lang: str) -> str:
    """A target as decided: 85% rather than 85,00%; 72,5% as typed."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    digits = next((d for d in (0, 1) if abs(value * 100 * 10**d - round(value * 100 * 10**d)) < 1e-6), 2)
    return i18n.fmt_pct(value, lang, digits)
