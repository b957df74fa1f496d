"""The Excel pack of the monthly report (the annex of the Word report): a summary sheet, one sheet per
indicator with every unit ranked, the units to push with their reasons and follow-up, the returns
(completeness and timeliness), the departments, and the province's 12-month trend.

Leaders edit and print it, so: native Excel charts (openpyxl.chart: they stay editable), status cells
coloured by conditional formatting (the status is written in the cell too), frozen headers, A4 landscape
fitted to the page width with the header repeated on every page, numbers stored as numbers with number
formats (Excel shows them in the reader's regional convention: 1.234.567 and 86,13% on a Vietnamese
system). Every text cell goes through the formula-injection guard (domain.safe_text) and loses the control
characters XML cannot hold.
"""

from __future__ import annotations

import io
import math
import re

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

import i18n
from domain import periods
from domain.safe_text import guard_cell
from i18n import t
from presentation.numbers import carried_note, clean_text, missing, month_text
from reports import tables
from reports.content import IndicatorResult, ReportContent
from reports.style import SEVERITY_FILL, STATUS_FILL, SUBMISSION_FILL
from reports.wording import noun

# Number formats. The locale tag [$-42A] (Vietnamese) makes LibreOffice show 86,13% and 1.234.567 whatever
# its own locale; Excel shows separators by the reader's regional settings either way.
_LOCALE_TAG = {"vi": "[$-42A]", "en": ""}
_FORMATS = {"pct": "0.00%", "pp": "+0.00;-0.00;0.00", "int": "#,##0", "datetime": "dd/mm/yyyy hh:mm"}


def fmt(kind: str, lang: str) -> str:
    return _LOCALE_TAG.get(lang, "") + _FORMATS[kind]
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def col(key: str, lang: str) -> str:
    return i18n.t(f"reports.col.{key}", lang)


def safe(value):
    """A cell value: text without XML-illegal characters and guarded against formula injection."""
    if isinstance(value, str):
        return guard_cell(clean_text(value))
    return value


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid, unique sheet name (at most 31 characters, none of []:*?/\\), cut after a whole word
    ("09 Kích hoạt trên hồ sơ thu nhận" -> "09 Kích hoạt trên hồ sơ thu", not "... thu nhậ")."""
    base = _words_within(" ".join(_SHEET_FORBIDDEN.sub(" ", text).split()), 31) or "Sheet"
    name, k = base, 2
    while name.casefold() in taken:
        suffix = f" ({k})"
        name, k = _words_within(base, 31 - len(suffix)) + suffix, k + 1
    taken.add(name.casefold())
    return name


def _words_within(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at the end of a word (a single word longer than the
    limit is cut where it must be)."""
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else text[:limit]
    return cut.rstrip(" –-,;") if len(cut) <= limit else text[:limit]


# -- shared layout ------------------------------------------------------------------------------------


def _local(value):
    """Aware UTC times shown in Vietnam time, as Excel has no time zones."""
    if missing(value):
        return None
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(i18n.VN_TZ)
    return ts.tz_localize(None).to_pydatetime()


def _texts(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell without XML-illegal characters (write_sheet then guards it)."""
    return frame.map(lambda v: clean_text(v) if isinstance(v, str) else v)


def _write(ws, frame: pd.DataFrame, title: str, notes: list[str], formats: dict[str, str], widths: dict[str, float],
           wrap: tuple[str, ...] = ()) -> int:
    """The table through reports.tables.write_sheet (guarded cells, bold frozen header), then widths and
    wrapping for the long text columns. Returns the header row."""
    header = tables.write_sheet(ws, _texts(frame), title=safe(title), notes=[safe(n) for n in notes],
                                number_formats=formats)
    lines = [1] * len(frame)
    for j, name in enumerate(frame.columns, 1):
        letter = get_column_letter(j)
        ws.column_dimensions[letter].width = widths.get(name, 14)
        if name in wrap:
            for row in ws.iter_rows(min_row=header + 1, max_row=header + len(frame), min_col=j, max_col=j):
                row[0].alignment = Alignment(wrap_text=True, vertical="top")
            width = widths.get(name, 14)
            for k, text in enumerate(frame[name].tolist()):
                lines[k] = max(lines[k], _wrapped_lines(text, width))
    # Neither Excel nor LibreOffice grows a row for wrapped text written by a program: give the height, and
    # align the row's other cells to its top, beside the first line of the wrapped text.
    top = Alignment(vertical="top")
    for k, n in enumerate(lines):
        if n > 1:
            ws.row_dimensions[header + 1 + k].height = 13 * n + 2
            for cell in ws[header + 1 + k]:
                if not cell.alignment.wrap_text:
                    cell.alignment = top
    ws.row_dimensions[header].height = 45
    return header


def _wrapped_lines(text, width_chars: float) -> int:
    """How many lines `text` takes in a wrapped column `width_chars` wide (Excel's width unit is about one
    digit of the default font; Vietnamese text runs a little wider)."""
    if not isinstance(text, str) or not text:
        return 1
    per_line = max(1.0, width_chars * 1.05)
    return sum(max(1, math.ceil(len(line) / per_line)) for line in text.split("\n"))


def _print_setup(ws, header: int, lang: str, area: str | None = None) -> None:
    """A4 landscape, fitted to the page width, header row repeated, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header}:{header}"
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.oddFooter.center.text = t("reports.xlsx.footer", lang)
    ws.oddFooter.center.size = 9
    if area:
        ws.print_area = area


def _colour_by_label(ws, column: int, first: int, last: int, fills: dict[str, tuple[str, str]], labels: dict[str, str],
                     also: tuple[int, ...] = ()) -> None:
    """Conditional formatting: cells of `column` (and of the columns `also`) coloured by the label written
    in `column`."""
    if last < first:
        return
    key = get_column_letter(column)
    for code, (fill, font) in fills.items():
        label = labels[code].replace('"', '""')
        rule = FormulaRule(formula=[f'${key}{first}="{label}"'],
                           fill=PatternFill(fill_type="solid", start_color=fill, end_color=fill),
                           font=Font(color=font, bold=True))
        for c in (column, *also):
            letter = get_column_letter(c)
            ws.conditional_formatting.add(f"{letter}{first}:{letter}{last}", rule)


def _status_labels(lang: str) -> dict[str, str]:
    return {s: i18n.t(f"status.{s}", lang) for s in ("met", "on_track", "at_risk", "behind", "no_target", "no_data")}


def _index(frame: pd.DataFrame, name: str) -> int:
    return list(frame.columns).index(name) + 1


# -- sheets -------------------------------------------------------------------------------------------


def _summary(ws, content: ReportContent) -> None:
    lang = content.lang
    statuses = _status_labels(lang)
    rows = []
    for k, r in enumerate(content.indicators, 1):
        p = r.province
        best = r.best.iloc[0] if len(r.best) else None
        worst = r.worst.iloc[0] if len(r.worst) else None
        rows.append({
            col("no", lang): k,
            col("indicator", lang): r.name,
            col("province_value", lang): p.get("value"),
            col("numerator", lang): p.get("numerator") if r.has_province_value else None,
            col("denominator", lang): p.get("denominator") if r.has_province_value else None,
            col("target", lang): p.get("target"),
            col("gap", lang): p.get("gap_pp"),
            col("expected", lang): p.get("expected"),
            col("status", lang): statuses.get(p.get("status") or "no_data"),
            col("change_mom", lang): p.get("change_mom_pp"),
            col("change_yoy", lang): p.get("change_yoy_pp"),
            col("ranked_among", lang): i18n.t(f"level.{r.ranked_level}", lang) if r.ranked_level else None,
            col("peers", lang): int(best["peers"]) if best is not None else None,
            col("best", lang): best["name"] if best is not None else None,
            col("best_value", lang): best["value"] if best is not None else None,
            col("worst", lang): worst["name"] if worst is not None else None,
            col("worst_value", lang): worst["value"] if worst is not None else None,
        })
    frame = pd.DataFrame(rows)
    pct_cols = ["province_value", "target", "expected", "best_value", "worst_value"]
    formats = {col(c, lang): fmt("pct", lang) for c in pct_cols}
    formats |= {col(c, lang): fmt("pp", lang) for c in ("gap", "change_mom", "change_yoy")}
    formats |= {col(c, lang): fmt("int", lang) for c in ("numerator", "denominator", "peers")}
    widths = {col("no", lang): 6, col("indicator", lang): 44, col("best", lang): 26, col("worst", lang): 26,
              col("ranked_among", lang): 16}
    notes = [t("reports.xlsx.subtitle", lang), t("reports.xlsx.rule_note", lang)]
    if content.synthetic:
        notes.append(i18n.t("app.synthetic_notice", lang))
    header = _write(ws, frame, t("reports.xlsx.title", lang, province=content.province_name.upper(),
                                 month=month_text(content.period, lang)), notes, formats, widths,
                    wrap=(col("indicator", lang),))
    last = header + len(frame)
    ws.freeze_panes = ws.cell(row=header + 1, column=3)
    _colour_by_label(ws, _index(frame, col("status", lang)), header + 1, last, STATUS_FILL, statuses,
                     also=(_index(frame, col("province_value", lang)),))
    chart = BarChart()
    chart.type = "bar"
    chart.style = 10
    chart.title = t("reports.xlsx.chart_summary", lang)
    chart.height, chart.width = 11, 24
    for name in (col("province_value", lang), col("target", lang)):
        j = _index(frame, name)
        chart.add_data(Reference(ws, min_col=j, min_row=header, max_row=last), titles_from_data=True)
    j = _index(frame, col("indicator", lang))
    chart.set_categories(Reference(ws, min_col=j, min_row=header + 1, max_row=last))
    chart.x_axis.scaling.orientation = "maxMin"  # first indicator at the top, as in the table
    chart.y_axis.scaling.min, chart.y_axis.scaling.max = 0, 1
    chart.y_axis.number_format = "0%"
    chart.x_axis.delete = chart.y_axis.delete = False
    ws.add_chart(chart, f"B{last + 3}")
    _print_setup(ws, header, lang)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _unit_table(rows: pd.DataFrame, content: ReportContent, result: IndicatorResult, level: str) -> pd.DataFrame:
    lang = content.lang
    statuses = _status_labels(lang)
    carried = t("reports.xlsx.carried", lang)
    frame = pd.DataFrame({
        col("rank", lang): rows["rank"].astype("Int64").astype(object).where(rows["rank"].notna(), None),
        col("unit_code", lang): rows["unit_code"].astype(str),
        col("unit", lang): rows["name"],
        col("value", lang): rows["value"],
        col("numerator", lang): rows["numerator"].where(rows["value"].notna(), None),
        col("denominator", lang): rows["denominator"].where(rows["value"].notna(), None),
        col("target", lang): rows["target"],
        col("gap", lang): rows["gap_pp"],
        col("expected", lang): rows["expected"],
        col("change_mom", lang): rows["change_mom_pp"],
        col("change_yoy", lang): rows["change_yoy_pp"],
        col("status", lang): rows["status"].map(lambda s: statuses.get(s, s)),
        col("note", lang): [_capital(carried_note(m, lang)) if not missing(m) else (carried if not missing(n) and n > 0 else None)
                            for m, n in zip(rows["carried_from"], rows["n_carried"])],
    })
    p = result.province
    if level != "department":
        total = {c: None for c in frame.columns} | {
            col("unit", lang): t("reports.xlsx.province_row", lang), col("unit_code", lang): content.province_code,
            col("value", lang): p.get("value"), col("target", lang): p.get("target"), col("gap", lang): p.get("gap_pp"),
            col("expected", lang): p.get("expected"), col("change_mom", lang): p.get("change_mom_pp"),
            col("change_yoy", lang): p.get("change_yoy_pp"),
            col("status", lang): statuses.get(p.get("status") or "no_data"),
            col("numerator", lang): p.get("numerator") if result.has_province_value else None,
            col("denominator", lang): p.get("denominator") if result.has_province_value else None,
            col("note", lang): carried if not missing(p.get("n_carried")) and p.get("n_carried") > 0 else None,
        }
        frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    return frame


def _indicator_sheet(ws, content: ReportContent, result: IndicatorResult) -> None:
    lang = content.lang
    rows, level = result.units, content.locality_level
    if not rows["value"].notna().any() and result.departments["value"].notna().any():
        rows, level = result.departments, "department"  # an indicator only departments report
    frame = _unit_table(rows, content, result, level)
    formats = {col(c, lang): fmt("pct", lang) for c in ("value", "target", "expected")}
    formats |= {col(c, lang): fmt("pp", lang) for c in ("gap", "change_mom", "change_yoy")}
    formats |= {col(c, lang): fmt("int", lang) for c in ("numerator", "denominator")}
    widths = {col("rank", lang): 7, col("unit_code", lang): 11, col("unit", lang): 30, col("note", lang): 30}
    header = _write(ws, frame, t("reports.xlsx.indicator_title", lang, indicator=result.name, noun=noun(level, lang),
                                 month=month_text(content.period, lang)),
                    [t("reports.xlsx.rule_note", lang)], formats, widths, wrap=(col("note", lang),))
    last = header + len(frame)
    if level != "department":
        for cell in ws[last]:
            cell.font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=header + 1, column=4)
    statuses = _status_labels(lang)
    _colour_by_label(ws, _index(frame, col("status", lang)), header + 1, last, STATUS_FILL, statuses,
                     also=(_index(frame, col("value", lang)),))
    ranked = int(rows["rank"].notna().sum())
    if ranked:
        chart = BarChart()
        chart.type = "col"
        chart.style = 10
        chart.title = t("reports.xlsx.chart_units", lang, indicator=result.short_name, noun=noun(level, lang))
        chart.height, chart.width = 12, max(16, min(60, 0.45 * ranked))
        j = _index(frame, col("value", lang))
        chart.add_data(Reference(ws, min_col=j, min_row=header, max_row=header + ranked), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=_index(frame, col("unit", lang)), min_row=header + 1,
                                       max_row=header + ranked))
        chart.y_axis.number_format = "0%"
        chart.y_axis.scaling.min = 0
        chart.x_axis.delete = chart.y_axis.delete = False
        chart.legend = None
        ws.add_chart(chart, f"{get_column_letter(len(frame.columns) + 2)}{header}")
    _print_setup(ws, header, lang, area=f"A1:{get_column_letter(len(frame.columns))}{last}")


def _weak_sheet(ws, content: ReportContent) -> None:
    lang = content.lang
    units, reasons = content.weak_units, content.weak_reasons
    by_unit = {code: group["text"].tolist() for code, group in reasons.groupby("unit_code", sort=False)}
    severities = {s: i18n.t(f"metrics.severity.{s}", lang) for s in ("high", "medium", "low")}
    follow = {s: i18n.t(f"access.followup_status.{s}", lang) for s in ("open", "notified", "improving", "resolved")}
    frame = pd.DataFrame({
        col("rank", lang): units["rank"].astype(int),
        col("unit_code", lang): units["unit_code"].astype(str),
        col("unit", lang): units["name"],
        col("level", lang): units["level"].map(lambda lv: i18n.t(f"level.{lv}", lang)),
        col("points", lang): units["points"].astype(int),
        col("severity", lang): units["severity"].map(severities),
        col("months_flagged", lang): units["months_flagged"].astype(int),
        col("n_reasons", lang): units["n_reasons"].astype(int),
        col("reasons", lang): units["unit_code"].map(lambda c: "\n".join(f"• {x}" for x in by_unit.get(c, []))),
        col("followup_status", lang): units["followup_status"].map(lambda s: follow.get(s) if isinstance(s, str) else None),
        col("followup_note", lang): units["followup_note"].map(lambda s: s if isinstance(s, str) and s else None),
        col("followup_at", lang): units["followup_at"].map(_local),
    })
    widths = {col("rank", lang): 7, col("unit_code", lang): 11, col("unit", lang): 28, col("level", lang): 12,
              col("points", lang): 8, col("severity", lang): 11, col("months_flagged", lang): 11,
              col("n_reasons", lang): 8, col("reasons", lang): 80, col("followup_status", lang): 16,
              col("followup_note", lang): 40, col("followup_at", lang): 17}
    header = _write(ws, frame, t("reports.xlsx.weak_title", lang, month=month_text(content.period, lang)),
                    [t("reports.xlsx.weak_note", lang)], {col("followup_at", lang): fmt("datetime", lang)}, widths,
                    wrap=(col("reasons", lang), col("followup_note", lang)))
    ws.freeze_panes = ws.cell(row=header + 1, column=4)
    _colour_by_label(ws, _index(frame, col("severity", lang)), header + 1, header + len(frame), SEVERITY_FILL, severities)
    _print_setup(ws, header, lang)


def _returns_sheet(ws, content: ReportContent) -> None:
    lang = content.lang
    due = i18n.fmt_date(periods.due_date(content.period, content.deadline_day))
    summary = pd.DataFrame({
        col("form", lang): content.completeness["form_name"],
        col("expected_units", lang): content.completeness["expected"].astype(int),
        col("submitted", lang): content.completeness["submitted"].astype(int),
        col("on_time", lang): content.completeness["on_time"].astype(int),
        col("late", lang): content.completeness["late"].astype(int),
        col("missing", lang): content.completeness["missing"].astype(int),
        col("pending", lang): content.completeness["pending"].astype(int),
        col("completeness", lang): content.completeness["completeness"],
        col("timeliness", lang): content.completeness["timeliness"],
    })
    formats = {col("completeness", lang): fmt("pct", lang), col("timeliness", lang): fmt("pct", lang)}
    title = t("reports.xlsx.returns_title", lang, month=month_text(content.period, lang), due=due)
    top = _write(ws, summary, title, [], formats, {col("form", lang): 30})
    forms = dict(zip(content.completeness["form_code"], content.completeness["form_name"]))
    labels = {s: i18n.t(f"metrics.submission.{s}", lang) for s in ("on_time", "late", "missing", "pending")}
    subs = content.submissions
    units = pd.DataFrame({
        col("form", lang): subs["form_code"].map(lambda f: forms.get(f, f)),
        col("unit_code", lang): subs["unit_code"].astype(str),
        col("unit", lang): subs["name"],
        col("level", lang): subs["level"].map(lambda lv: i18n.t(f"level.{lv}", lang)),
        col("submission", lang): subs["status"].map(labels),
        col("received", lang): subs["first_received_at"].map(_local),
        col("days_late", lang): subs["days_late"].map(lambda d: None if missing(d) else int(d)),
    })
    start = top + len(summary) + 2
    for j, name in enumerate(units.columns, 1):
        c = ws.cell(row=start, column=j, value=safe(name))
        c.font = Font(bold=True)
        c.fill = tables.HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(units.itertuples(index=False), start + 1):
        for j, value in enumerate(row, 1):
            c = ws.cell(row=i, column=j, value=safe(None if missing(value) else value))
            if j == _index(units, col("received", lang)):
                c.number_format = fmt("datetime", lang)
    for j, name in enumerate(units.columns, 1):
        letter = get_column_letter(j)
        wide = {col("unit", lang): 30, col("received", lang): 18, col("form", lang): 30}
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, wide.get(name, 14))
    ws.row_dimensions[start].height = 30
    ws.freeze_panes = ws.cell(row=start + 1, column=1)
    _colour_by_label(ws, _index(units, col("submission", lang)), start + 1, start + len(units), SUBMISSION_FILL, labels)
    _print_setup(ws, start, lang)


def _departments_sheet(ws, content: ReportContent) -> None:
    lang = content.lang
    statuses = _status_labels(lang)
    parts = []
    for k, r in enumerate(content.indicators):
        d = r.departments[r.departments["value"].notna()]
        parts.append(d.assign(_ind=k, indicator=r.name))
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if len(rows):
        rows = rows.sort_values(["unit_code", "_ind"], kind="stable")
    frame = pd.DataFrame({
        col("unit_code", lang): rows.get("unit_code", pd.Series(dtype=str)).astype(str),
        col("unit", lang): rows.get("name"),
        col("indicator", lang): rows.get("indicator"),
        col("value", lang): rows.get("value"),
        col("numerator", lang): rows.get("numerator"),
        col("denominator", lang): rows.get("denominator"),
        col("target", lang): rows.get("target"),
        col("gap", lang): rows.get("gap_pp"),
        col("change_mom", lang): rows.get("change_mom_pp"),
        col("status", lang): rows.get("status", pd.Series(dtype=str)).map(lambda s: statuses.get(s, s)),
        col("rank", lang): rows.get("rank", pd.Series(dtype=float)).map(lambda v: None if missing(v) else int(v)),
        col("peers", lang): rows.get("peers", pd.Series(dtype=float)).map(lambda v: None if missing(v) else int(v)),
    })
    formats = {col(c, lang): fmt("pct", lang) for c in ("value", "target")}
    formats |= {col(c, lang): fmt("pp", lang) for c in ("gap", "change_mom")}
    formats |= {col(c, lang): fmt("int", lang) for c in ("numerator", "denominator")}
    widths = {col("unit_code", lang): 12, col("unit", lang): 34, col("indicator", lang): 44}
    header = _write(ws, frame, t("reports.xlsx.departments_title", lang, month=month_text(content.period, lang)),
                    [t("reports.xlsx.rule_note", lang)], formats, widths, wrap=(col("indicator", lang),))
    ws.freeze_panes = ws.cell(row=header + 1, column=3)
    _colour_by_label(ws, _index(frame, col("status", lang)), header + 1, header + len(frame), STATUS_FILL, statuses,
                     also=(_index(frame, col("value", lang)),))
    _print_setup(ws, header, lang)


def _trend_sheet(ws, content: ReportContent) -> None:
    lang = content.lang
    trend = content.trend
    months = sorted(trend["period"].unique())
    shown = [r for r in content.indicators if trend.loc[trend["indicator_code"] == r.code, "value"].notna().any()]
    wide = trend.pivot(index="period", columns="indicator_code", values="value").reindex(months)
    frame = pd.DataFrame({col("month", lang): [i18n.fmt_period_short(p) for p in months]})
    for r in shown:
        frame[r.short_name] = wide[r.code].to_numpy() if r.code in wide.columns else None
    formats = {r.short_name: fmt("pct", lang) for r in shown}
    widths = {col("month", lang): 10} | {r.short_name: 15 for r in shown}
    first, last = (months[0], months[-1]) if months else (content.period, content.period)
    header = _write(ws, frame, t("reports.xlsx.trend_title", lang, first=month_text(first, lang), last=month_text(last, lang)),
                    [], formats, widths)
    ws.freeze_panes = ws.cell(row=header + 1, column=2)
    end = header + len(frame)
    if shown and len(frame):
        chart = LineChart()
        chart.title = t("reports.xlsx.chart_trend", lang)
        chart.style = 12
        chart.height, chart.width = 12, 26
        chart.add_data(Reference(ws, min_col=2, max_col=1 + len(shown), min_row=header, max_row=end), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=header + 1, max_row=end))
        chart.y_axis.number_format = "0%"
        chart.x_axis.delete = chart.y_axis.delete = False
        ws.add_chart(chart, f"A{end + 3}")
    _print_setup(ws, header, lang)


def _verification_sheet(ws, content: ReportContent) -> None:
    """The figures under verification (issue 19): unit, figure, signal and its sentence, status, note."""
    lang = content.lang
    rows = content.under_verification
    frame = pd.DataFrame({
        col("unit_code", lang): rows["unit_code"].astype(str),
        col("unit", lang): rows["name"],
        t("review.col.subject", lang): rows["subject_name"],
        t("review.col.signal", lang): rows["signal_name"],
        t("review.col.sentence", lang): rows["text"],
        t("review.col.status", lang): rows["status_name"],
        t("review.col.note", lang): rows["note"],
        t("review.col.when", lang): rows["created_at"].map(_local),
    })
    widths = {col("unit_code", lang): 11, col("unit", lang): 28, t("review.col.subject", lang): 34,
              t("review.col.signal", lang): 26, t("review.col.sentence", lang): 70, t("review.col.status", lang): 18,
              t("review.col.note", lang): 40, t("review.col.when", lang): 17}
    notes = [t("review.annex.intro", lang)] + ([] if len(rows) else [t("review.annex.none", lang)])
    header = _write(ws, frame, t("review.annex.title", lang), notes, {t("review.col.when", lang): fmt("datetime", lang)},
                    widths, wrap=(t("review.col.sentence", lang), t("review.col.note", lang)))
    _print_setup(ws, header, lang)


def build_workbook(content: ReportContent) -> bytes:
    """The pack as .xlsx bytes."""
    lang = content.lang
    wb = Workbook()
    taken: set[str] = set()
    summary = wb.active
    summary.title = sheet_title(t("reports.sheet.summary", lang), taken)
    _summary(summary, content)
    for k, result in enumerate(content.indicators, 1):
        _indicator_sheet(wb.create_sheet(sheet_title(f"{k:02d} {result.short_name}", taken)), content, result)
    _weak_sheet(wb.create_sheet(sheet_title(t("reports.sheet.weak", lang), taken)), content)
    _returns_sheet(wb.create_sheet(sheet_title(t("reports.sheet.returns", lang), taken)), content)
    _departments_sheet(wb.create_sheet(sheet_title(t("reports.sheet.departments", lang), taken)), content)
    _trend_sheet(wb.create_sheet(sheet_title(t("reports.sheet.trend", lang), taken)), content)
    if content.under_verification is not None:
        _verification_sheet(wb.create_sheet(sheet_title(t("review.annex.sheet", lang), taken)), content)
    wb.properties.title = safe(t("reports.xlsx.title", lang, province=content.province_name.upper(),
                                 month=month_text(content.period, lang)))
    wb.properties.creator = safe(t("reports.doc.issuer", lang, province=content.header_name))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
