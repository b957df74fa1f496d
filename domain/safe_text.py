"""Text that goes into a spreadsheet someone will open: guarded against formula injection.

A cell whose text starts with `=`, `+`, `-`, `@`, a tab or a carriage return can be taken for a formula
by Excel or LibreOffice (OWASP, "CSV Injection"), and openpyxl itself writes a string starting with `=`
as a formula. Every text cell of every export (CSV or XLSX: audit trail, reports, page downloads) goes
through `guard_cell`, which puts an apostrophe in front of such text so that it is shown as typed.
Numbers are left alone: a negative number is a number, not a formula.
"""

from __future__ import annotations

import re

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def guard_cell(value):
    """`value` unchanged unless it is text starting like a formula; then the same text after an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def guard_frame(frame):
    """A copy of a pandas DataFrame with every text cell (and every column name) guarded.
    Duck-typed, so that this bottom layer imports nothing."""
    out = frame.map(guard_cell)
    out.columns = [guard_cell(c) for c in frame.columns]
    return out


# --- text shown on a page --------------------------------------------------------------------------------
# Stored text that users typed or uploaded (file names, notes, user names, unit names, column headers) is
# shown exactly as typed. Streamlit renders markdown (and its own directives: `:red[..]`, `:material/..:`,
# emoji short codes, `$..$` maths) in st.markdown / caption / info / success / error / toast and in widget
# labels, where a link or an image is a request to another server and a fake "sign in again" link.
# CommonMark lets any ASCII punctuation be backslash-escaped, and an escaped character stands for itself.
# Escaped here: what opens a link, an image or HTML (`[ ] < >`), autolinks (the `:` of a scheme, the `@`
# of an e-mail), emphasis and code (`* _ ~ \``), maths and directives (`$ :`), tables and
# headings (`| #`), entities (`&`), the backslash itself, and a list marker at the start; line breaks become
# spaces (one line stays one line). Dots, commas, hyphens, slashes and brackets () stay as they are, so that
# a name reads the same in the page's source as on screen.
# Escapes are not enough for autolinks: GitHub-flavoured markdown (remark-gfm, as Streamlit renders it)
# finds `https://…`, `www.…` and `name@host.tld` in the text once escapes are resolved. A WORD JOINER
# (U+2060, invisible, no width) after `:` before `//`, after `www` and after `@` breaks those patterns
# without changing what is seen (Chromium test: tests/test_security_browser.py).
_MD_SPECIAL = frozenset("\\`*_[]<>#|~$:@&")
_JOINER = "\u2060"
_AUTOLINK = re.compile(r"(:)(?=//)|(www)(?=\.)|(@)", re.IGNORECASE)
_LIST_START = re.compile(r"^(\s*\d*)([-+.)])(?=\s|$)")


def md_escape(value) -> str:
    """`value` as text for Streamlit markdown that renders exactly as typed (no link, image, HTML, format)."""
    if value is None:
        return ""
    text = " ".join(str(value).splitlines())
    text = _AUTOLINK.sub(lambda m: m.group(0) + _JOINER, text)
    out = "".join("\\" + ch if ch in _MD_SPECIAL and not _intraword_underscore(text, i) else ch for i, ch in enumerate(text))
    return _LIST_START.sub(lambda m: m.group(1) + "\\" + m.group(2), out, count=1)


def _intraword_underscore(text: str, i: int) -> bool:
    """An `_` between two letters or digits (ky_son_t5.xlsx) never makes emphasis: left as it is."""
    return text[i] == "_" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum()


def md_params(params: dict) -> dict:
    """The text values of a catalogue call's parameters escaped for markdown (numbers left alone)."""
    return {k: md_escape(v) if isinstance(v, str) else v for k, v in params.items()}


def html_text(value) -> str:
    """`value` escaped for an HTML context (plotly labels and hover boxes, map tooltips), shown as typed."""
    import html

    return html.escape("" if value is None else str(value), quote=True)
