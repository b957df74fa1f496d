"""A task list as offices keep it in Excel: STT, nội dung, đơn vị chủ trì, phối hợp, thời hạn, sản phẩm
(optionally chỉ tiêu, mục tiêu, từ tháng), under a title, maybe a two-row header ("Đơn vị" merged over
"Chủ trì | Phối hợp"), a row numbering the columns, group headings ("I. NHIỆM VỤ CHUNG").

Read with the loaders' tolerant reading (loaders.readers: sizes, zip bombs, CSV encodings; loaders.layout:
merged cells, numbering rows, group labels; loaders.matching: unit names as people write them), into
`TaskIn` rows or located problems (file, sheet, row, column, what to do, in Vietnamese and English).
Nothing here writes: services.tasks.import_tasks stores the rows when there is no error.

A cell naming several lead units ("Sở Y tế; Sở GD&ĐT") gives one task per unit. Cooperating bodies that
are not units (the State Bank's branch, "các sở, ngành liên quan") are kept as text, with a warning.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from domain import periods
from domain.registry import Registry
from domain.tasks import TaskIn
from domain.text import fold
from loaders.layout import HEADER_SCAN_ROWS, _is_numbering_row, _Texts, is_group_label
from loaders.matching import UnitIndex
from loaders.problems import ERROR, WARNING, LoaderError, Problem
from loaders.readers import Limits, read_book

# Severity of every rule of the task list (texts: loaders.problem.<code>, loaders.hint.<code>).
TASK_RULES = {
    "task_no_table": ERROR,
    "task_no_rows": ERROR,
    "task_text_missing": ERROR,
    "task_lead_missing": ERROR,
    "task_lead_unknown": ERROR,
    "task_lead_ambiguous": ERROR,
    "task_deadline_missing": ERROR,
    "task_deadline_unreadable": ERROR,
    "task_indicator_unknown": ERROR,
    "task_target_unreadable": ERROR,
    "task_cooperating_as_text": WARNING,
}

ROLES = ("position", "text", "lead", "cooperating", "deadline", "product", "indicator", "target", "from_period")
REQUIRED = ("text", "lead", "deadline")


@dataclass(frozen=True)
class TaskProblem(Problem):
    """A located problem of a task list (the loaders' Problem, with the task list's own rules)."""

    @property
    def severity(self) -> str:
        return TASK_RULES.get(self.code) or super().severity


def _role(text: str) -> str | None:
    """What a header cell names (folded text, any language the offices write)."""
    t = fold(text)
    if not t:
        return None
    if t in ("stt", "tt", "so tt", "so thu tu", "no", "no.", "#") or t.startswith("so thu tu"):
        return "position"
    if "phoi hop" in t or "cooperat" in t:
        return "cooperating"
    if "chu tri" in t or "thuc hien" in t and ("don vi" in t or "co quan" in t) or t.startswith("lead"):
        return "lead"
    if "tu thang" in t or "from month" in t or "ap dung tu" in t:
        return "from_period"
    if "thoi han" in t or "thoi gian" in t or "han hoan thanh" in t or "deadline" in t or t == "han":
        return "deadline"
    if "san pham" in t or "product" in t or "ket qua dau ra" in t:
        return "product"
    if "muc tieu" in t or "gia tri" in t or t.startswith("target"):
        return "target"
    if "chi tieu" in t or "indicator" in t:
        return "indicator"
    if "noi dung" in t or "nhiem vu" in t or "cong viec" in t or t in ("task", "tasks"):
        return "text"
    return None


@dataclass
class TaskRow:
    """One task read from the list, with where it came from (row) for the report."""

    row: int
    task: TaskIn


@dataclass
class TaskList:
    file: str
    sheet: str | None = None
    rows: list[TaskRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def _columns(texts: _Texts, band: tuple[int, ...]) -> dict[str, int]:
    width = max(len(texts.row(r)) for r in band)
    found: dict[str, int] = {}
    for c in range(1, width + 1):
        parts = [texts.row(r)[c - 1] for r in band if c - 1 < len(texts.row(r)) and texts.row(r)[c - 1]]
        # The lowest part names the column best ("Chủ trì" under "Đơn vị"); the parts together, if not.
        role = None
        for part in reversed(parts):
            role = _role(part)
            if role:
                break
        if role and role not in found:
            found[role] = c
    return found


def _find_header(sheet) -> tuple[tuple[int, ...], dict[str, int]] | None:
    last = min(len(sheet.rows), HEADER_SCAN_ROWS)
    texts = _Texts(sheet, last)
    best = None
    for r in range(1, last + 1):
        for band in ((r,), (r, r + 1)):
            if band[-1] > last or not all(any(texts.row(x)) for x in band):
                continue
            cols = _columns(texts, band)
            if not all(k in cols for k in ("text", "lead")) or len(cols) < 3:
                continue
            score = (len(cols), -len(band))
            if best is None or score > best[0]:
                best = (score, band, cols)
        if best is not None and best[1][0] == r:
            break  # the first row that reads as a header is the header
    return None if best is None else (best[1], best[2])


def _cell(sheet, row: int, col: int | None):
    if col is None:
        return None
    value = sheet.value(row, col)
    if isinstance(value, str):
        value = " ".join(value.split())
        return value or None
    return value


_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_MY = re.compile(r"(?:thang\s*)?(\d{1,2})\s*[/.\-]\s*(\d{4})")
_MONTH_WORDS = re.compile(r"thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_QUARTER = re.compile(r"quy\s*(iv|iii|ii|i|[1-4])\s*(?:[/.\-]|nam)?\s*(\d{4})")
_YEAR = re.compile(r"(?:nam|truoc|trong)\s*(\d{4})|^(\d{4})$")
_STANDING = ("thuong xuyen", "hang thang", "hang quy", "hang nam", "lien tuc", "standing", "ongoing", "regularly")
_ROMAN_Q = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


class _Unreadable(ValueError):
    pass


def read_deadline(value) -> tuple[bool, dt.date | None]:
    """(True, date) for a deadline; (True, None) for a standing task ("Thường xuyên"); raises _Unreadable.
    "Trước ngày 15/5/2024", "15/05/2024", "Tháng 5/2024" (its last day), "Quý II/2024", "Năm 2025"."""
    if isinstance(value, dt.datetime):
        return True, value.date()
    if isinstance(value, dt.date):
        return True, value
    text = fold(str(value)).replace(". ", ".")
    if any(w in text for w in _STANDING):
        return True, None
    raw = str(value)
    for rx, order in ((_DMY, "dmy"), (_ISO, "ymd")):
        m = rx.search(raw)
        if m:
            a, b, c = (int(x) for x in m.groups())
            d, mo, y = (a, b, c) if order == "dmy" else (c, b, a)
            try:
                return True, dt.date(y, mo, d)
            except ValueError:
                raise _Unreadable(raw) from None
    for rx in (_MONTH_WORDS, _MY):
        m = rx.search(text) if rx is _MONTH_WORDS else rx.search(raw.lower().replace("tháng", "thang"))
        if m:
            mo, y = int(m.group(1)), int(m.group(2))
            if not 1 <= mo <= 12:
                raise _Unreadable(raw)
            return True, dt.date(y, mo, calendar.monthrange(y, mo)[1])
    m = _QUARTER.search(text)
    if m:
        q = _ROMAN_Q.get(m.group(1)) or int(m.group(1))
        y = int(m.group(2))
        return True, dt.date(y, 3 * q, calendar.monthrange(y, 3 * q)[1])
    m = _YEAR.search(text)
    if m:
        return True, dt.date(int(m.group(1) or m.group(2)), 12, 31)
    raise _Unreadable(raw)


def _target(value) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        x = float(value)
    else:
        text = str(value).strip().replace("%", "").replace("≥", "").replace(">=", "").strip().replace(",", ".")
        x = float(text)
        if "%" in str(value):
            x /= 100
    if x > 1:
        x /= 100
    if not 0 <= x <= 1:
        raise ValueError(value)
    return x


_SPLIT = re.compile(r"\s*(?:;|\n|,|\s\+\s)\s*")


def read_task_list(name: str, content: bytes, units: pd.DataFrame, registry: Registry, *,
                   document_id: int | None = None, limits: Limits = Limits()) -> TaskList:
    """The tasks of the first sheet that holds a task list, or the problems that stop it."""
    try:
        book = read_book(name, content, limits)
    except LoaderError as exc:
        return TaskList(name, problems=list(exc.problems))
    out = TaskList(name, problems=list(book.notes))
    found = None
    for sheet in book.sheets:
        header = _find_header(sheet)
        if header is not None:
            found = (sheet, header)
            break
    if found is None:
        sheet = book.sheets[0] if book.sheets else None
        out.problems.append(TaskProblem("task_no_table", file=name, sheet=sheet.name if sheet else None))
        return out
    sheet, (band, cols) = found
    out.sheet = sheet.name
    index = UnitIndex(units)
    indicators = {i.code: i.code for i in registry.indicators}
    for i in registry.indicators:
        indicators[fold(i.name_vi)] = i.code
        indicators[fold(i.name_en)] = i.code

    def problem(code: str, row: int, role: str | None = None, **params) -> None:
        out.problems.append(TaskProblem(code, file=name, sheet=sheet.name, row=row,
                                        column=cols.get(role) if role else None, params=params))

    first = band[-1] + 1
    while first <= len(sheet.rows) and _is_numbering_row(sheet.rows[first - 1]):
        first += 1
    for r in range(first, len(sheet.rows) + 1):
        get = {role: _cell(sheet, r, c) for role, c in cols.items()}
        if all(v is None for v in get.values()):
            continue
        text, lead_text, deadline_cell = get.get("text"), get.get("lead"), get.get("deadline")
        position = "" if get.get("position") is None else str(get["position"]).strip()
        if isinstance(get.get("position"), float) and get["position"].is_integer():
            position = str(int(get["position"]))
        # A group heading: "I", "A", "II. Nhiệm vụ cụ thể", a title row with no lead and no deadline.
        if lead_text is None and deadline_cell is None and (
                text is None or is_group_label(position + " " + str(text)) or is_group_label(str(text))
                or re.fullmatch(r"[A-ZĐ]|[IVX]+", position or "-") or str(text).isupper()):
            continue
        if text is None:
            problem("task_text_missing", r, "text")
            continue
        if lead_text is None:
            problem("task_lead_missing", r, "lead")
            continue
        okay = True
        try:
            _, deadline = read_deadline(deadline_cell) if deadline_cell is not None else (False, None)
            if deadline_cell is None:
                problem("task_deadline_missing", r, "deadline")
                okay = False
        except _Unreadable:
            problem("task_deadline_unreadable", r, "deadline", value=str(deadline_cell)[:60])
            okay, deadline = False, None
        when = periods.of_date(deadline) if deadline else None
        leads = []
        for part in [p for p in _SPLIT.split(str(lead_text)) if p] or [str(lead_text)]:
            res = index.resolve(part, when) if when else index.resolve(part)
            if res.status in ("not_valid", "not_yet_valid") and res.code:
                res = index.resolve(part)  # a unit that existed when the task was given: keep it
                if res.status != "ok":
                    res = type(res)("ok", res.candidates[0]) if len(res.candidates) == 1 else res
            if res.status == "ok":
                leads.append(res.code)
            elif res.status == "ambiguous":
                problem("task_lead_ambiguous", r, "lead", value=part, candidates=list(res.candidates))
                okay = False
            else:
                problem("task_lead_unknown", r, "lead", value=part)
                okay = False
        coop_codes, coop_text = [], []
        if get.get("cooperating") is not None:
            for part in [p for p in _SPLIT.split(str(get["cooperating"])) if p]:
                res = index.resolve(part)
                if res.status == "ok":
                    coop_codes.append(res.code)
                else:
                    coop_text.append(part)
            if coop_text:
                problem("task_cooperating_as_text", r, "cooperating", value=", ".join(coop_text))
        indicator, target, from_period = None, None, None
        if get.get("indicator") is not None:
            indicator = indicators.get(str(get["indicator"]).strip()) or indicators.get(fold(str(get["indicator"])))
            if indicator is None:
                problem("task_indicator_unknown", r, "indicator", value=str(get["indicator"])[:60])
                okay = False
            elif get.get("target") is not None:
                try:
                    target = _target(get["target"])
                except (TypeError, ValueError):
                    problem("task_target_unreadable", r, "target", value=str(get["target"])[:30])
                    okay = False
            else:
                problem("task_target_unreadable", r, "target", value="")
                okay = False
            if get.get("from_period") is not None:
                from loaders.numbers import read_period

                from_period = read_period(get["from_period"])
            from_period = from_period or (periods.of_date(deadline) if deadline else None)
        if not okay:
            continue
        for lead in dict.fromkeys(leads):
            out.rows.append(TaskRow(r, TaskIn(
                text=str(text), lead_unit_code=lead, deadline=deadline, document_id=document_id, position=position,
                cooperating_codes=tuple(c for c in coop_codes if c != lead), cooperating_text=", ".join(coop_text),
                product="" if get.get("product") is None else str(get["product"]), indicator_code=indicator,
                target_value=target, from_period=from_period)))
    if not out.rows and not out.errors:
        out.problems.append(TaskProblem("task_no_rows", file=name, sheet=sheet.name))
    return out
