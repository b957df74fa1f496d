"""Submission templates a district office can fill in without a manual.

Two layouts, both read back exactly by the loader:
- *compiled*: one row per unit (every unit valid in the month and assigned the form), elements across,
  a totals row with formulas;
- *single unit*: one element per row, the unit stated above the table.

Either has Vietnamese headers with a row of element codes under them (the codes make the round trip
exact whatever a header's wording becomes), the month, form and unit stated above the table, Excel data
validation on every figure cell (whole numbers ≥ 0), locked headers (only the yellow cells are open), and
an instructions sheet. Workbooks are streamed (openpyxl write-only), which keeps bulk generation fast.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Mapping

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.writer.excel import ExcelWriter

import i18n
from domain import periods
from domain.registry import Form, Registry
from storage.frames import units_valid_in

_THIN = Side(style="thin", color="9E9E9E")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TITLE = Font(bold=True, size=13)
_BOLD = Font(bold=True)
_CODE = Font(italic=True, size=8, color="757575")
_NOTE = Font(italic=True, size=9, color="555555")
_HEADER_FILL = PatternFill("solid", fgColor="E0E0E0")
_INPUT_FILL = PatternFill("solid", fgColor="FFF9C4")
_WRAP = Alignment(wrap_text=True, vertical="center", horizontal="center")
_OPEN = Protection(locked=False)
NUMBER_FORMAT = "#,##0"


class TemplateError(ValueError):
    """The template asked for cannot be built (a unit not assigned the form in that month); the message is
    in both languages."""


def form_units(registry: Registry, units: pd.DataFrame, form: str, period: str) -> pd.DataFrame:
    """The units expected to report `form` for `period`: valid in the month, of a level the form is for."""
    f = registry.form_by_code[form]
    valid = units_valid_in(units, period)
    return valid[valid["level"].isin(f.levels)].sort_values("code")


def build_template(
    registry: Registry,
    units: pd.DataFrame,
    form: str,
    period: str,
    unit: str | None = None,
    values: Mapping | None = None,
    lang: str = "vi",
    deadline_day: int = 5,
    stamp: dt.datetime | None = None,
) -> bytes:
    """The .xlsx template of `form` for `period`: compiled (every unit of the form) or, with `unit`, the
    single-unit layout. `values` pre-fills figures (element -> value for one unit; unit -> element -> value
    for a compiled workbook): used for the sample province and tests, an office leaves it None. `stamp`
    fixes the file's timestamps, so that the same arguments give the same bytes (the same SHA-256)."""
    f = registry.form_by_code[form]
    rows = form_units(registry, units, form, period)
    month = f"{period[5:7]}/{period[:4]}"
    if unit is not None:
        match = rows[rows["code"] == unit]
        if match.empty:
            raise TemplateError(" / ".join(i18n.t("template.unit_not_in_form", lang_, unit=unit, form=form, month=month)
                                           for lang_ in ("vi", "en")))
        body = _SingleUnit(registry, f, match.iloc[0], values or {}, lang)
    else:
        if rows.empty:
            raise TemplateError(" / ".join(i18n.t("template.no_units", lang_, form=form, month=month) for lang_ in ("vi", "en")))
        body = _Compiled(registry, f, rows, values or {}, lang)
    wb = Workbook(write_only=True)
    body.write(wb.create_sheet(i18n.t("template.sheet_data", lang)), period, deadline_day)
    _instructions(wb.create_sheet(i18n.t("template.sheet_help", lang)), registry, f, period, lang, deadline_day)
    return _save(wb, stamp)


class _StampedZip(zipfile.ZipFile):
    """A zip whose members all carry one timestamp (openpyxl would stamp each with the current time)."""

    stamp = (1980, 1, 1, 0, 0, 0)

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, date_time=self.stamp)
            zinfo_or_arcname.compress_type = self.compression
        return super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as fh:
            self.writestr(arcname or str(filename), fh.read())


def _save(wb: Workbook, stamp: dt.datetime | None) -> bytes:
    when = (stamp or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    wb.properties.created = wb.properties.modified = when
    wb.properties.creator = i18n.t("app.title")
    out = io.BytesIO()
    archive = _StampedZip(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    archive.stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    ExcelWriter(wb, archive).save()
    return out.getvalue()


def _cell(ws, value, font=None, fill=None, border=None, alignment=None, number_format=None, protection=None):
    c = WriteOnlyCell(ws, value=value)
    if font is not None:
        c.font = font
    if fill is not None:
        c.fill = fill
    if border is not None:
        c.border = border
    if alignment is not None:
        c.alignment = alignment
    if number_format is not None:
        c.number_format = number_format
    if protection is not None:
        c.protection = protection
    return c


def _dimension(ws, rows: int, columns: int) -> None:
    """Streamed sheets carry no <dimension> unless told: without it every reader scans the whole sheet
    once more to find its size (Excel always writes one)."""
    ref = f"A1:{get_column_letter(columns)}{rows}"
    ws.calculate_dimension = lambda: ref


def _protect(ws) -> None:
    """Lock everything but the open cells; leave formatting and sorting-free navigation to the user. No
    password: protection is against slips, not against the office itself."""
    p = ws.protection
    p.sheet = True
    p.formatColumns = False
    p.formatRows = False
    p.selectLockedCells = False
    p.selectUnlockedCells = False


def _validation(ws, ref: str, lang: str) -> None:
    dv = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                        showErrorMessage=True, showInputMessage=True,
                        errorTitle=i18n.t("template.validation_title", lang), error=i18n.t("template.validation_error", lang),
                        promptTitle=i18n.t("template.validation_prompt_title", lang),
                        prompt=i18n.t("template.validation_prompt", lang))
    dv.add(ref)
    ws.data_validations.append(dv)


def _statements(ws, lines: list[tuple[str, object]], value_col: int) -> None:
    for label, value in lines:
        row = [None] * value_col
        row[0] = _cell(ws, f"{label}:", font=_BOLD)
        row[value_col - 1] = _cell(ws, value)
        ws.append(row)


def _due(period: str, deadline_day: int) -> str:
    return i18n.fmt_date(periods.due_date(period, deadline_day))


class _Compiled:
    def __init__(self, registry: Registry, form: Form, units: pd.DataFrame, values: Mapping, lang: str):
        self.registry, self.form, self.units, self.values, self.lang = registry, form, units, values, lang

    def write(self, ws, period: str, deadline_day: int) -> None:
        t = lambda key, **kw: i18n.t(key, self.lang, **kw)  # noqa: E731
        elements = [self.registry.element_by_code[c] for c in self.form.elements]
        width = 3 + len(elements)
        _dimension(ws, 9 + len(self.units), width)
        for col, w in zip(range(1, width + 1), [6, 12, 30] + [16] * len(elements)):
            ws.column_dimensions[get_column_letter(col)].width = w
        ws.freeze_panes = "D9"
        last = get_column_letter(width)
        ws.append([_cell(ws, t("template.title", month=period[5:7], year=period[:4]), font=_TITLE)])
        ws.merged_cells.add(f"A1:{last}1")
        ws.append([_cell(ws, self.form.name(self.lang), font=_BOLD)])
        ws.merged_cells.add(f"A2:{last}2")
        _statements(ws, [(t("template.label_period"), period), (t("template.label_form"), self.form.code),
                         (t("template.label_due"), _due(period, deadline_day))], 3)
        ws.append([_cell(ws, t("template.codes_note", row=8), font=_NOTE)])  # row 6: what the grey row 8 is
        headers = [t("template.col_stt"), t("template.col_unit_code"), t("template.col_unit_name")] + [e.name(self.lang) for e in elements]
        ws.row_dimensions[7].height = 75
        ws.append([_cell(ws, h, font=_BOLD, fill=_HEADER_FILL, border=_BORDER, alignment=_WRAP) for h in headers])
        codes = ["stt", "unit_code", "unit_name"] + [e.code for e in elements]
        ws.append([_cell(ws, c, font=_CODE, fill=_HEADER_FILL, border=_BORDER) for c in codes])
        first = 9
        for n, u in enumerate(self.units.itertuples(index=False), start=1):
            mine = self.values.get(u.code, {})
            row = [_cell(ws, n, border=_BORDER), _cell(ws, u.code, border=_BORDER),
                   _cell(ws, u.name_vi if self.lang == "vi" else u.name_en, border=_BORDER)]
            row += [_cell(ws, mine.get(e.code), fill=_INPUT_FILL, border=_BORDER, number_format=NUMBER_FORMAT, protection=_OPEN)
                    for e in elements]
            ws.append(row)
        end = first + len(self.units) - 1
        total = [None, None, _cell(ws, t("template.total"), font=_BOLD, border=_BORDER)]
        total += [_cell(ws, f"=SUM({get_column_letter(c)}{first}:{get_column_letter(c)}{end})", font=_BOLD, border=_BORDER,
                        number_format=NUMBER_FORMAT) for c in range(4, width + 1)]
        ws.append(total)
        _validation(ws, f"D{first}:{last}{end}", self.lang)
        _protect(ws)


class _SingleUnit:
    def __init__(self, registry: Registry, form: Form, unit, values: Mapping, lang: str):
        self.registry, self.form, self.unit, self.values, self.lang = registry, form, unit, values, lang

    def write(self, ws, period: str, deadline_day: int) -> None:
        t = lambda key, **kw: i18n.t(key, self.lang, **kw)  # noqa: E731
        code = self.unit.code
        elements = [self.registry.element_by_code[c] for c in self.form.elements if self.form.expects(c, code) or c in self.values]
        _dimension(ws, 10 + len(elements), 5)
        for col, w in zip(range(1, 6), [6, 52, 30, 22, 18]):
            ws.column_dimensions[get_column_letter(col)].width = w
        ws.freeze_panes = "A11"
        ws.append([_cell(ws, t("template.title", month=period[5:7], year=period[:4]), font=_TITLE)])
        ws.merged_cells.add("A1:E1")
        ws.append([_cell(ws, self.form.name(self.lang), font=_BOLD)])
        ws.merged_cells.add("A2:E2")
        name = self.unit.name_vi if self.lang == "vi" else self.unit.name_en
        _statements(ws, [(t("template.label_unit"), name), (t("template.label_unit_code"), code),
                         (t("template.label_period"), period), (t("template.label_form"), self.form.code),
                         (t("template.label_due"), _due(period, deadline_day))], 3)
        headers = [t("template.col_stt"), t("template.col_element_name"), t("template.col_element"), t("template.col_kind"),
                   t("template.col_value")]
        ws.append([])
        ws.append([_cell(ws, h, font=_BOLD, fill=_HEADER_FILL, border=_BORDER, alignment=_WRAP) for h in headers])
        codes = [_cell(ws, c, font=_CODE, fill=_HEADER_FILL, border=_BORDER) for c in ("stt", "element_name", "element", "kind", "value")]
        # What the grey row of codes is, on its first cell (a note in a row of its own would read as a statement).
        codes[0].comment = Comment(t("template.codes_note", row=10), "Đề án 06")
        ws.append(codes)
        first = 11
        for n, e in enumerate(elements, start=1):
            ws.append([
                _cell(ws, n, border=_BORDER),
                _cell(ws, e.name(self.lang), border=_BORDER, alignment=Alignment(wrap_text=True)),
                _cell(ws, e.code, font=_CODE, border=_BORDER),
                _cell(ws, t(f"template.kind_{e.kind}"), border=_BORDER),
                _cell(ws, self.values.get(e.code), fill=_INPUT_FILL, border=_BORDER, number_format=NUMBER_FORMAT, protection=_OPEN),
            ])
        _validation(ws, f"E{first}:E{first + len(elements) - 1}", self.lang)
        _protect(ws)


def _instructions(ws, registry: Registry, form: Form, period: str, lang: str, deadline_day: int) -> None:
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    pairs = [(n, d) for n, d in registry.ratio_pairs() if n in form.elements and d in form.elements]
    _dimension(ws, 10 + len(pairs), 1)
    ws.column_dimensions["A"].width = 120
    ws.append([_cell(ws, t("template.help_title"), font=_TITLE)])
    ws.append([t("template.help_due", month=period[5:7], year=period[:4], due=_due(period, deadline_day))])
    for k in range(1, 7):
        ws.append([t(f"template.help_{k}", sheet=t("template.sheet_data"))])
    ws.append([])
    ws.append([_cell(ws, t("template.help_rules"), font=_BOLD)])
    for num, den in pairs:
        part, total = registry.element_by_code[num], registry.element_by_code[den]
        ws.append([t("template.help_rule", part=part.name(lang), total=total.name(lang))])
    _protect(ws)
