"""An audit event's detail (stored as JSON, `services.audit.record`) as words people read in the audit tab:
`{"method": "password", "rehashed": false}` reads "Cách đăng nhập: mật khẩu · Đổi mã băm mật khẩu: không".

A known key has its label in the catalogue (`audit_detail.key.<key>`), and a known value of a few keys
(`reason`, `method`, `role`, `op`, `format`) its word (`audit_detail.<key>.<value>`). Anything else still reads:
an unknown key as its name with spaces ("new thing: 3"), yes/no for true/false, counts with the language's
thousands separator, lists joined with commas, a time in Vietnam time, nested objects one level down in
brackets. Text that is not JSON (an older row) is shown as it is."""

from __future__ import annotations

import datetime as dt
import json
import re

import i18n
from presentation import numbers

SEPARATOR = " · "
WORDED_VALUES = ("reason", "method", "role", "op", "format", "outcome")
_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_SHA = re.compile(r"^[0-9a-f]{64}$")
MAX_LIST = 10  # items of a list shown before "…"


def detail_text(detail, lang: str) -> str:
    """The detail of one audit event as words, parts separated by " · " (empty for no detail)."""
    if detail is None:
        return ""
    if isinstance(detail, str):
        text = detail.strip()
        if not text:
            return ""
        try:
            detail = json.loads(text)
        except ValueError:
            return text
    if not isinstance(detail, dict):
        return _value(None, detail, lang)
    return SEPARATOR.join(f"{key_label(k, lang)}: {_value(k, v, lang)}" for k, v in detail.items())


def key_label(key: str, lang: str) -> str:
    """The words for a detail key: its catalogue label, else the key with spaces for underscores."""
    catalog_key = f"audit_detail.key.{key}"
    if i18n.has(catalog_key):
        return i18n.t(catalog_key, lang)
    return str(key).replace("_", " ").strip() or "?"


def _value(key: str | None, value, lang: str) -> str:
    if value is None:
        return numbers.NO_FIGURE
    if isinstance(value, bool):
        return i18n.t("audit_detail.yes" if value else "audit_detail.no", lang)
    if isinstance(value, int):
        return numbers.integer(value, lang)
    if isinstance(value, float):
        return numbers.decimal(value, lang, 2)
    if isinstance(value, list):
        shown = [_value(key, v, lang) for v in value[:MAX_LIST]]
        if len(value) > MAX_LIST:
            shown.append(i18n.t("audit_detail.more", lang, count=numbers.integer(len(value) - MAX_LIST, lang)))
        return ", ".join(shown) if shown else numbers.NO_FIGURE
    if isinstance(value, dict):
        inner = SEPARATOR.join(f"{key_label(k, lang)}: {_value(k, v, lang)}" for k, v in value.items())
        return f"({inner})"
    text = str(value)
    if key in WORDED_VALUES and i18n.has(f"audit_detail.{key}.{text}"):
        return i18n.t(f"audit_detail.{key}.{text}", lang)
    if key == "role" and i18n.has(f"access.role.{text}"):
        return i18n.t(f"access.role.{text}", lang)
    if key == "source" and text == "local":
        return i18n.t("audit_detail.source_local", lang)
    if _SHA.match(text):
        return text[:12] + "…"  # a file's fingerprint: the start is enough to tell two files apart
    if _ISO_TIME.match(text):
        try:
            return i18n.fmt_datetime(dt.datetime.fromisoformat(text), lang)
        except ValueError:
            return text
    return text
