"""The Word draft of the monthly report, as the standing agency (provincial police) sends it to the
provincial Project 06 steering committee, laid out as an administrative document under Decree
30/2020/NĐ-CP: A4, margins 20/20/30/15 mm, Times New Roman; the header block (issuing body under its
parent bodies, with a short rule; the national motto with its rule), the number and the place-date line
in italics, the kind and subject of the document, a body of 14 pt, page numbers from page 2, the
recipients and the signature block. The staff edit the draft: the number and the day are left blank.

Everything in the body is generated from the report content (reports.content, reports.wording): results
per indicator, returns, the ranking, the departments, shortcomings, the weak units with reasons, tasks,
and the tables and two chart images (reports.charts).
"""

from __future__ import annotations

import datetime as dt
import io

from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

import i18n
from i18n import t
from presentation.numbers import (
    clean_text,
    integer,
    missing,
    month_text,
    pct,
    signed_number,
    target_pct,
    with_carried,
)
from reports import docx_parts as parts
from reports.charts import ranking_rows
from reports.content import ReportContent
from reports.style import STATUS_FILL
from reports.wording import (
    Point,
    completeness_sentences,
    department_sentence,
    indicator_sentence,
    inline,
    main_reasons,
    noun,
    path_note,
    shortcomings,
    tasks,
)

BODY_PT = 14
TABLE_PT = 12
TEXT_WIDTH_CM = 16.5  # 21 cm − 3 cm − 1.5 cm
HEADER_COLUMNS = [7.0, 9.5]
WEAK_TABLE_MAX = 10  # the rest are in the annex
LETTERS = {"vi": "a b c d đ e g h i k l m n o p q r s t u v x y".split(), "en": list("abcdefghijklmnopqrstuvwxyz")}
HEADER_FILL = "D9D9D9"


def col(key: str, lang: str) -> str:
    return i18n.t(f"reports.col.{key}", lang)


def _fitting(text: str, bold: bool, width_cm: float) -> float:
    """The decree's 13 pt for a line of the header block, else 12 pt, else 11 pt (a long province name, or
    English), whichever fits its column; a line longer still wraps rather than shrink further."""
    return next((size for size in (13, 12) if parts.text_width_cm(text, size, bold) <= width_cm - 0.1), 11)


class _Writer:
    """Appends the parts of the report to a python-docx Document in the report's style."""

    def __init__(self, content: ReportContent):
        self.c = content
        self.lang = content.lang
        self.doc = Document()
        parts.setup_styles(self.doc, self.lang, BODY_PT)
        section = self.doc.sections[0]
        parts.setup_page(section)
        parts.page_number_header(section)

    # -- text -----------------------------------------------------------------------------------------

    def body(self, text: str, *, indent: bool = True, italic: bool = False, bold: bool = False, after: float = 6,
             align=WD_ALIGN_PARAGRAPH.JUSTIFY, size: float = BODY_PT, keep_next: bool = False):
        p = self.doc.add_paragraph()
        parts.paragraph_format(p, align=align, after=after, line=1.15, indent_first=1.0 if indent else 0,
                               keep_next=keep_next)
        parts.add_run(p, clean_text(text), size=size, bold=bold, italic=italic)
        return p

    def heading(self, text: str, level: int = 1):
        p = self.doc.add_heading(level=level)
        parts.add_run(p, clean_text(text), size=BODY_PT, bold=True)
        return p

    def point(self, number: int, point: Point) -> None:
        self.body(f"{number}. {point.text}", keep_next=bool(point.items))
        for item in point.items:
            self.body(item)

    def caption(self, text: str, *, above: bool) -> None:
        p = self.doc.add_paragraph()
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, before=0 if above else 2, after=4 if above else 10,
                               line=1.0, keep_next=above)
        parts.add_run(p, clean_text(text), size=13, bold=above, italic=not above)

    # -- header block ---------------------------------------------------------------------------------

    def header_block(self, issued_on: dt.date | None) -> None:
        c, lang = self.c, self.lang
        province = c.header_name
        table = parts.layout_table(self.doc, 2, HEADER_COLUMNS)
        left, right = table.rows[0].cells
        left_w, right_w = HEADER_COLUMNS
        lines = [(t("reports.doc.parent", lang, province=province), False), (t("reports.doc.committee", lang), False),
                 (t("reports.doc.issuer", lang, province=province), True)]
        for k, (text, bold) in enumerate(lines):
            p = left.paragraphs[0] if k == 0 else left.add_paragraph()
            parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, line=1.0)
            parts.add_run(p, text, size=_fitting(text, bold, left_w), bold=bold)
        issuer = lines[-1][0]
        size = _fitting(issuer, True, left_w)
        parts.rule(left, min(parts.text_width_cm(issuer, size, bold=True), left_w) * 0.4, left_w)
        p = right.paragraphs[0]
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, line=1.0)
        motto = t("reports.doc.motto_1", lang)
        parts.add_run(p, motto, size=_fitting(motto, True, right_w), bold=True)
        p = right.add_paragraph()
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, line=1.0)
        motto = t("reports.doc.motto_2", lang)
        parts.add_run(p, motto, size=14, bold=True)
        parts.rule(right, parts.text_width_cm(motto, 14, bold=True), right_w)
        left, right = table.rows[1].cells
        p = left.paragraphs[0]
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, before=6, line=1.0)
        parts.add_run(p, t("reports.doc.number", lang), size=13)
        p = right.paragraphs[0]
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, before=6, line=1.0)
        parts.add_run(p, self._date_line(issued_on), size=14, italic=True)

    def _date_line(self, issued_on: dt.date | None) -> str:
        """"Nghệ An, ngày 06 tháng 12 năm 2026": the day the report is made (reports.pack passes it). Without
        a date, the day is left blank for the staff in the month after the one reported on."""
        c, lang = self.c, self.lang
        when = issued_on or dt.date(int(c.next_period[:4]), int(c.next_period[5:7]), 1)
        month = f"{when.month:02d}" if lang == "vi" else when.strftime("%B")
        if issued_on is None:
            return t("reports.doc.date_blank", lang, place=c.place, month=month, year=when.year)
        return t("reports.doc.date", lang, place=c.place, day=f"{when.day:02d}" if lang == "vi" else when.day, month=month,
                 year=when.year)

    def title(self) -> None:
        c, lang = self.c, self.lang
        p = self.doc.add_paragraph()
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, line=1.0)
        parts.add_run(p, t("reports.doc.kind", lang), size=14, bold=True)
        month = c.period[5:7] if lang == "vi" else dt.date(c.year, int(c.period[5:7]), 1).strftime("%B")
        subject = t("reports.doc.subject", lang, month=month, year=c.year)
        p = self.doc.add_paragraph()
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, line=1.0)
        parts.add_run(p, subject, size=14, bold=True)
        parts.rule(self.doc, parts.text_width_cm(subject, 14, bold=True) * 0.4, TEXT_WIDTH_CM)
        if c.synthetic:
            self.body(t("reports.doc.synthetic", lang), indent=False, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=12)
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)

    # -- tables ---------------------------------------------------------------------------------------

    def table(self, headers: list[str], rows: list[list], widths: list[float], *, aligns: list[str] | None = None,
              shades: list[list[str | None]] | None = None, size: float = TABLE_PT):
        """A bordered table: bold shaded header repeated on every page; rows kept whole."""
        table = parts.grid_table(self.doc, 1 + len(rows), widths)
        aligns = aligns or ["left"] * len(headers)
        align_of = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER, "right": WD_ALIGN_PARAGRAPH.RIGHT}
        parts.repeat_header(table.rows[0])
        for cell, text in zip(table.rows[0].cells, headers):
            self._cell(cell, text, WD_ALIGN_PARAGRAPH.CENTER, size, bold=True)
            parts.shade(cell, HEADER_FILL)
        for i, values in enumerate(rows):
            row = table.rows[i + 1]
            parts.keep_row_together(row)
            for j, (cell, value) in enumerate(zip(row.cells, values)):
                self._cell(cell, value, align_of[aligns[j]], size)
                if shades and shades[i][j]:
                    parts.shade(cell, shades[i][j])
        return table

    @staticmethod
    def _cell(cell, value, align, size: float, bold: bool = False) -> None:
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        lines = value if isinstance(value, list) else [value]
        for k, text in enumerate(lines):
            p = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
            parts.paragraph_format(p, align=align, before=1, after=1, line=1.0)
            parts.add_run(p, clean_text("" if text is None else text), size=size, bold=bold)

    def _status(self, status: str | None) -> str:
        return i18n.t(f"status.{status or 'no_data'}", self.lang)

    @staticmethod
    def _fill(status: str | None) -> str | None:
        return STATUS_FILL.get(status or "", (None,))[0]

    def summary_table(self) -> None:
        c, lang = self.c, self.lang
        self.caption(t("reports.doc.table_summary", lang, month=month_text(c.period, lang)), above=True)
        rows, shades = [], []
        for k, r in enumerate(c.indicators, 1):
            p = r.province
            rows.append([str(k), r.name, pct(p.get("value"), lang), target_pct(p.get("target"), lang),
                         self._status(p.get("status")), signed_number(p.get("change_mom_pp"), lang)])
            shades.append([None, None, None, None, self._fill(p.get("status")), None])
        self.table([col("no", lang), col("indicator", lang), col("province_value", lang), col("target", lang),
                    col("status", lang), col("change_mom_short", lang)], rows, [1.2, 6.4, 2.3, 1.9, 2.3, 2.4],
                   aligns=["center", "left", "right", "right", "center", "right"], shades=shades)

    def ranking_table(self) -> None:
        c, lang = self.c, self.lang
        result = c.indicator(c.ranking_indicator)
        top, bottom, hidden = ranking_rows(c)
        self.caption(t("reports.doc.table_ranking", lang, indicator=result.short_name, noun=noun(c.locality_level, lang),
                       month=month_text(c.period, lang)), above=True)
        rows, shades = [], []

        def add(frame) -> None:
            for r in frame.itertuples():
                rows.append([str(int(r.rank)), r.name, with_carried(pct(r.value, lang), r.carried_from, lang),
                             signed_number(r.gap_pp, lang),
                             signed_number(r.change_mom_pp, lang), self._status(r.status)])
                shades.append([None] * 5 + [self._fill(r.status)])

        add(top)
        if bottom is not None:
            rows.append(["", t("reports.doc.ranking_gap", lang, count=integer(hidden, lang)), "", "", "", ""])
            shades.append([None] * 6)
            add(bottom)
        self.table([col("rank", lang), col("unit", lang), col("value", lang), col("gap_short", lang),
                    col("change_mom_short", lang), col("status", lang)], rows, [1.5, 5.2, 2.2, 2.6, 2.6, 2.4],
                   aligns=["center", "left", "right", "right", "right", "center"], shades=shades)

    def departments_table(self) -> None:
        c, lang = self.c, self.lang
        shared = [r for r in c.indicators if r.departments["rank"].notna().sum() >= 2]
        if not shared:
            return
        codes: list[str] = []
        names: dict[str, str] = {}
        for r in shared:
            for code, name in zip(r.departments["unit_code"], r.departments["name"]):
                if code not in names:
                    names[code] = name
                    codes.append(code)
        codes.sort()
        values = {(r.code, code): row for r in shared for code, row in zip(r.departments["unit_code"],
                                                                          r.departments.to_dict("records"))}
        rows, shades = [], []
        for code in codes:
            cells = [names[code]]
            fill = [None]
            for r in shared:
                row = values.get((r.code, code))
                cells.append(pct(row["value"], lang) if row is not None else "–")
                fill.append(self._fill(row["status"]) if row is not None and not missing(row["value"]) else None)
            rows.append(cells)
            shades.append(fill)
        width = (TEXT_WIDTH_CM - 4.5) / len(shared)
        self.caption(t("reports.doc.table_departments", lang, month=month_text(c.period, lang)), above=True)
        self.table([col("unit", lang)] + [r.short_name for r in shared], rows, [4.5] + [width] * len(shared),
                   aligns=["left"] + ["right"] * len(shared), shades=shades, size=11)
        targets = "; ".join(f"{r.short_name}: {target_pct(r.province.get('target'), lang)}" for r in shared
                            if not missing(r.province.get("target")))
        if targets:
            self.caption(f"{col('target', lang)}: {targets}", above=False)

    def weak_table(self) -> None:
        c, lang = self.c, self.lang
        high = c.weak_units[c.weak_units["severity"] == "high"]
        if high.empty:
            return
        follow = {s: i18n.t(f"access.followup_status.{s}", lang) for s in ("open", "notified", "improving", "resolved")}
        self.body(t("reports.doc.weak_lead", lang), keep_next=True)
        self.caption(t("reports.doc.table_weak", lang, month=month_text(c.period, lang)), above=True)
        rows = []
        for k, r in enumerate(high.head(WEAK_TABLE_MAX).itertuples(), 1):
            status = follow.get(r.followup_status) if isinstance(r.followup_status, str) else "–"
            note = r.followup_note if isinstance(r.followup_note, str) and r.followup_note else None
            rows.append([str(k), r.name, str(int(r.points)), str(int(r.months_flagged)),
                         [f"- {x}" for x in main_reasons(c, r.unit_code, 2)], [status] + ([note] if note else [])])
        self.table([col("no", lang), col("unit", lang), col("points", lang), col("months_flagged", lang),
                    col("main_reasons", lang), col("followup_status", lang)], rows, [1.2, 3.2, 1.4, 1.7, 6.9, 2.1],
                   aligns=["center", "left", "center", "center", "left", "left"], size=11)
        if len(high) > WEAK_TABLE_MAX:
            self.caption(t("reports.doc.weak_more", lang, count=integer(len(high) - WEAK_TABLE_MAX, lang),
                           sheet=t("reports.sheet.weak", lang)), above=False)

    def figure(self, png: bytes | None, caption: str) -> None:
        if not png:
            return
        p = self.doc.add_paragraph()
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, before=6, line=1.0, keep_next=True)
        p.add_run().add_picture(io.BytesIO(png), width=Cm(16))
        self.caption(caption, above=False)

    # -- closing --------------------------------------------------------------------------------------

    def signature_block(self, recipients: list[str] | None = None) -> None:
        """Nơi nhận (the report's recipients unless others are given) on the left, the signer on the right."""
        c, lang = self.c, self.lang
        table = parts.layout_table(self.doc, 1, [8.5, 8.0])
        parts.keep_row_together(table.rows[0])
        left, right = table.rows[0].cells
        p = left.paragraphs[0]
        parts.paragraph_format(p, line=1.0)
        parts.add_run(p, t("reports.doc.recipients_title", lang), size=12, bold=True, italic=True)
        lines = recipients or [
            t("reports.doc.recipient_1", lang), t("reports.doc.recipient_2", lang), t("reports.doc.recipient_3", lang),
            t("reports.doc.recipient_4", lang), t("reports.doc.recipient_5", lang),
            t("reports.doc.recipient_localities", lang, addressee=t(f"reports.addressee.{c.locality_level}", lang)),
            t("reports.doc.recipient_archive", lang)]
        for line in lines:
            p = left.add_paragraph()
            parts.paragraph_format(p, line=1.0)
            parts.add_run(p, line, size=11)
        p = right.paragraphs[0]
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, line=1.0)
        parts.add_run(p, t("reports.doc.signer", lang), size=14, bold=True)
        for _ in range(4):  # room for the signature and the seal; the name is written under it
            parts.paragraph_format(right.add_paragraph(), line=1.0)


def build_document(content: ReportContent, charts: dict[str, bytes | None], *, issued_on: dt.date | None = None,
                   created: dt.datetime | None = None) -> bytes:
    """The report as .docx bytes. `charts`: {"trend": png, "ranking": png} (reports.charts)."""
    c, lang = content, content.lang
    w = _Writer(content)
    w.header_block(issued_on)
    w.title()
    month = month_text(c.period, lang)
    w.body(t("reports.doc.intro", lang, month=month))

    w.heading(t("reports.doc.section_results", lang))
    w.heading(t("reports.doc.sub_returns", lang), 2)
    for sentence in completeness_sentences(c):
        w.body(sentence)
    w.heading(t("reports.doc.sub_indicators", lang), 2)
    letters = LETTERS[lang]
    for k, result in enumerate(c.indicators):
        letter = letters[k] if k < len(letters) else str(k + 1)
        w.body(f"{letter}) {indicator_sentence(c, result)}")
    note = path_note(c)
    if note:
        w.body(note, italic=True)
    w.summary_table()
    months = sorted(c.trend["period"].unique())
    if months:
        w.figure(charts.get("trend"), t("reports.doc.figure_trend", lang, first=month_text(months[0], lang),
                                        last=month_text(months[-1], lang)))
    ranking = c.indicator(c.ranking_indicator)
    level_noun = noun(c.locality_level, lang)
    w.heading(t("reports.doc.sub_ranking", lang, noun=level_noun), 2)
    w.body(t("reports.doc.ranking_lead", lang, noun=level_noun, indicator=inline(ranking.name)))
    w.figure(charts.get("ranking"), t("reports.doc.figure_ranking", lang, indicator=ranking.short_name, noun=level_noun,
                                      month=month))
    w.ranking_table()
    departments = department_sentence(c)
    if departments:
        w.heading(t("reports.doc.sub_departments", lang), 2)
        w.body(departments)
        w.departments_table()

    if c.steering_tasks is not None:
        from reports.task_section import overdue_rows, sentences

        w.heading(t("reports.tasks.heading", lang, number=5 if departments else 4), 2)
        for sentence in sentences(c.steering_tasks, lang):
            w.body(sentence)
        if c.steering_tasks.overdue:
            headers, rows = overdue_rows(c.steering_tasks, lang)
            w.caption(t("reports.tasks.table_caption", lang), above=True)
            w.table(headers, rows, [1.0, 3.6, 7.6, 2.3, 1.9], aligns=["center", "left", "left", "center", "right"])
            more = len(c.steering_tasks.overdue) - len(rows)
            if more > 0:
                w.body(t("reports.tasks.more", lang, count=more), italic=True)

    w.heading(t("reports.doc.section_issues", lang))
    for k, point in enumerate(shortcomings(c), 1):
        w.point(k, point)
    w.weak_table()

    w.heading(t("reports.doc.section_tasks", lang))
    for k, point in enumerate(tasks(c), 1):
        w.point(k, point)
    w.body(t("reports.doc.annex", lang), italic=True)
    if c.under_verification is not None and len(c.under_verification):
        w.body(t("review.annex.doc", lang, count=len(c.under_verification)), italic=True)
    w.body(t("reports.doc.closing", lang, month=month), keep_next=True)
    w.signature_block()

    subject = t("reports.doc.subject", lang, month=c.period[5:7] if lang == "vi" else
                dt.date(c.year, int(c.period[5:7]), 1).strftime("%B"), year=c.year)
    return parts.finished(w.doc, title=subject, author=t("reports.doc.issuer", lang, province=c.header_name), lang=lang,
                          created=created)
