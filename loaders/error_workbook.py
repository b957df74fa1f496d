"""The error workbook: the submitted sheet with every offending cell highlighted and commented (in
Vietnamese and English), preceded by a sheet listing every problem with a link to its cell. A submitter
downloads it, fixes the cells in place and submits again.

A file the loader refused before reading (too large, a zip bomb, damaged, not a workbook) is never opened
again here: its error workbook holds the list of problems only. Text copied from a submitted CSV and every
message cell is guarded against formula injection.
"""

from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

import i18n
from domain.safe_text import guard_cell
from loaders.problems import Problem
from loaders.readers import Limits, read_book

ERROR_FILL = PatternFill("solid", fgColor="F8B4B4")
WARNING_FILL = PatternFill("solid", fgColor="FFE08A")
# Problems that mean the file must not be opened again (or cannot be).
_UNREADABLE = {"file_too_large", "empty_file", "encrypted_file", "not_spreadsheet", "save_as_xlsx",
               "damaged_file", "zip_bomb", "too_many_rows", "too_many_columns", "not_utf8"}


def build(filename: str, content: bytes, problems: list[Problem], lang: str = "vi", limits: Limits = Limits()) -> bytes:
    """The error workbook for one submitted file."""
    wb = None
    if not any(p.code in _UNREADABLE for p in problems):
        try:
            wb = _reopen(filename, content, limits)
        except Exception:  # noqa: BLE001 - the list of problems is still worth giving
            wb = None
    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)
    _mark(wb, problems)
    _problem_sheet(wb, filename, problems, lang)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _reopen(filename: str, content: bytes, limits: Limits):
    """The submitted file as an editable workbook: the .xlsx itself (values, styles, no macros, no
    external links), or a CSV's rows laid into a sheet of the same name."""
    if content[:2] == b"PK":
        return load_workbook(io.BytesIO(content), keep_vba=False, keep_links=False, rich_text=False)
    book = read_book(filename, content, limits)
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in book.sheets:
        ws = wb.create_sheet(_sheet_title(sheet.name))
        for row in sheet.rows:
            ws.append([guard_cell(v) for v in row])
    return wb


def _sheet_title(name: str) -> str:
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in name)
    return cleaned[:31] or "CSV"


def _mark(wb, problems: list[Problem]) -> None:
    by_cell: dict[tuple[str, int, int], list[Problem]] = defaultdict(list)
    for p in problems:
        if p.sheet is None or p.row is None:
            continue
        title = p.sheet if p.sheet in wb.sheetnames else _sheet_title(p.sheet)
        if title in wb.sheetnames:
            by_cell[(title, p.row, p.column or 1)].append(p)
    for (title, row, col), found in by_cell.items():
        ws = wb[title]
        cell = ws.cell(row=row, column=col)
        if type(cell).__name__ == "MergedCell":
            continue
        cell.fill = ERROR_FILL if any(p.is_error for p in found) else WARNING_FILL
        text = "\n\n".join(f"{p.message('vi')} {p.hint('vi')}\n— {p.message('en')} {p.hint('en')}" for p in found)
        comment = Comment(text[:32000], i18n.t("app.short_title"))
        comment.width, comment.height = 420, 220
        cell.comment = comment


def _problem_sheet(wb, filename: str, problems: list[Problem], lang: str) -> None:
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    ws = wb.create_sheet(_sheet_title(t("loaders.error_workbook.sheet")), 0)
    ws.append([guard_cell(t("loaders.error_workbook.title", file=filename))])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    headers = [t(f"loaders.error_workbook.col_{c}") for c in
               ("severity", "sheet", "cell", "unit", "element", "period", "message", "hint", "message_other", "hint_other")]
    ws.append(headers)
    for c in range(1, len(headers) + 1):
        ws.cell(row=3, column=c).font = Font(bold=True)
    other = "en" if lang == "vi" else "vi"
    for p in problems:
        ws.append([guard_cell(v) for v in (
            t(f"loaders.severity.{p.severity}"), p.sheet or "", p.cell or (str(p.row) if p.row else ""), p.unit or "",
            p.element or "", p.period or "", p.message(lang), p.hint(lang), p.message(other), p.hint(other),
        )])
        row = ws.max_row
        ws.cell(row=row, column=1).fill = ERROR_FILL if p.is_error else WARNING_FILL
        if p.sheet and p.row and p.sheet in wb.sheetnames:
            link = ws.cell(row=row, column=3)
            link.hyperlink = f"#'{p.sheet}'!{get_column_letter(p.column or 1)}{p.row}"
            link.font = Font(color="0563C1", underline="single")
    for col, width in zip("ABCDEFGHIJ", (10, 16, 8, 14, 26, 10, 70, 60, 70, 60)):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=4):
        for cell in row[6:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A4"
