"""Every user-facing string comes from `catalog.toml` and the `catalog_<feature>.toml` files beside it
(Vietnamese first, English beside it; a key may be defined in one file only); numbers,
percentages and dates are formatted with babel in the Vietnamese or English convention
(1.234.567 and 72,35% in Vietnamese; 1,234,567 and 72.35% in English; dates dd/mm/yyyy in both)."""

from __future__ import annotations

import datetime as dt
import decimal
import math
import tomllib
from functools import lru_cache
from pathlib import Path

from babel.numbers import format_decimal, format_percent

CATALOG_FILE = Path(__file__).with_name("catalog.toml")


def catalog_files() -> list[Path]:
    """The main catalogue first, then one file per feature (`catalog_tasks.toml`, ...), in name order."""
    return [CATALOG_FILE, *sorted(CATALOG_FILE.parent.glob("catalog_*.toml"))]
LANGUAGES = ("vi", "en")
DEFAULT_LANG = "vi"
VN_TZ = dt.timezone(dt.timedelta(hours=7))
_LOCALE = {"vi": "vi_VN", "en": "en_US"}


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    flat: dict[str, dict[str, str]] = {}

    def walk(prefix: str, node: dict, source: Path) -> None:
        if "vi" in node and isinstance(node["vi"], str):
            if prefix in flat:
                raise ValueError(f"{source.name}: text key {prefix!r} is defined twice")
            flat[prefix] = node
            return
        for key, child in node.items():
            walk(f"{prefix}.{key}" if prefix else key, child, source)

    for path in catalog_files():
        with open(path, "rb") as fh:
            walk("", tomllib.load(fh), path)
    return flat


def t(key: str, lang: str = DEFAULT_LANG, **params) -> str:
    """The text for `key` in `lang`, with `{name}` placeholders filled. A missing key is a bug: KeyError."""
    entry = catalog()[key]
    text = entry.get(lang) or entry["vi"]
    return text.format(**params) if params else text


def has(key: str) -> bool:
    return key in catalog()


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


# A decimal context wide enough for any number a file may hold (babel quantizes in the current context,
# whose 28 digits a 30-digit cell would overflow).
_WIDE = decimal.Context(prec=4000, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def _wide():
    return decimal.localcontext(_WIDE)


def fmt_int(n, lang: str = DEFAULT_LANG) -> str:
    """1234567 -> "1.234.567" (vi) / "1,234,567" (en); missing -> "–"."""
    if _missing(n):
        return "–"
    if isinstance(n, float) and math.isinf(n):
        return "∞" if n > 0 else "−∞"
    with _wide():
        return format_decimal(n if isinstance(n, int) else int(round(float(n))), locale=_LOCALE[lang])


def fmt_pct(x, lang: str = DEFAULT_LANG, digits: int = 2) -> str:
    """0.7235 -> "72,35%" (vi) / "72.35%" (en); missing (no data) -> "–"."""
    if _missing(x):
        return "–"
    pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
    with _wide():
        return format_percent(float(x), pattern, locale=_LOCALE[lang])


def fmt_pp(x, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """A difference of two rates in percentage points, signed: 0.0123 -> "+1,2 điểm %" / "+1.2 pp"."""
    if _missing(x):
        return "–"
    points = round(float(x) * 100, digits)  # the sign of what is shown: -0.0004 is "±0,0", not "−0,0"
    sign = "+" if points > 0 else "−" if points < 0 else "±"
    number = format_decimal(abs(points), "#,##0." + "0" * digits, locale=_LOCALE[lang])
    return f"{sign}{number} {t('unit.pp', lang)}"


def fmt_number(x, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    if _missing(x):
        return "–"
    with _wide():
        return format_decimal(float(x), "#,##0." + "0" * digits, locale=_LOCALE[lang])


def fmt_date(d, lang: str = DEFAULT_LANG) -> str:
    """dd/mm/yyyy in both languages (the convention of Vietnamese documents)."""
    if d is None:
        return "–"
    if isinstance(d, dt.datetime):
        d = d.astimezone(VN_TZ).date() if d.tzinfo else d.date()
    return d.strftime("%d/%m/%Y")


def fmt_datetime(d: dt.datetime | None, lang: str = DEFAULT_LANG) -> str:
    """Vietnam time, dd/mm/yyyy HH:MM."""
    if d is None:
        return "–"
    if d.tzinfo is not None:
        d = d.astimezone(VN_TZ)
    return d.strftime("%d/%m/%Y %H:%M")


def fmt_period(period: str, lang: str = DEFAULT_LANG) -> str:
    """"2026-10" -> "Tháng 10/2026" / "October 2026"."""
    year, month = int(period[:4]), int(period[5:7])
    if lang == "vi":
        return t("period.month", lang, month=f"{month:02d}", year=year)
    return dt.date(year, month, 1).strftime("%B %Y")


def fmt_period_short(period: str) -> str:
    """"2026-10" -> "10/2026" (both languages; axis labels)."""
    return f"{period[5:7]}/{period[:4]}"


def unit_name(row, lang: str = DEFAULT_LANG) -> str:
    """The name of a unit row (mapping or namedtuple with name_vi/name_en)."""
    get = row.get if hasattr(row, "get") else lambda k: getattr(row, k)
    return get("name_vi") if lang == "vi" else get("name_en")
