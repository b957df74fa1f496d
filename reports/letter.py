"""The standing agency's reminder letter (công văn đôn đốc) to one flagged unit, in Word, in the same Decree
30/2020 layout as the monthly report (reports.document): the header block of the provincial police, the
number with the subject line ("V/v …") under it, the addressee ("Kính gửi: …"), the unit's figures against
its targets with its shortfall in the indicator's own units, the deadline to improve, the recipients and
the signature block. The staff edit the draft: the number and the day are left blank.

Pure: from metric frames (metrics.shortfall) to .docx bytes; knows nothing of Streamlit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd
from docx.enum.text import WD_ALIGN_PARAGRAPH

import i18n
from domain import periods
from i18n import t
from presentation import push
from presentation.numbers import clean_text, missing, pct, target_pct
from reports import docx_parts as parts
from reports.document import TABLE_PT, _Writer

LETTER_INDICATORS_MAX = 8


@dataclass(frozen=True)
class LetterLine:
    indicator: str  # the indicator's name
    value: str  # "45,73%"
    target: str  # "85%"
    shortfall: str  # "359 hồ sơ trực tuyến"
    share: str  # "4,10%"


@dataclass(frozen=True)
class LetterContent:
    lang: str
    province_name: str  # "Tỉnh Nghệ An"
    place: str  # "Nghệ An"
    period: str  # the month the figures are for
    unit_code: str
    unit_name: str
    unit_level: str
    deadline: dt.date
    lines: tuple[LetterLine, ...]
    reasons: tuple[str, ...] = field(default_factory=tuple)
    synthetic: bool = False

    @property
    def header_name(self) -> str:
        return (self.province_name if self.lang == "vi" else self.place).upper()

    @property
    def next_period(self) -> str:
        return periods.add(self.period, 1)

    @property
    def addressee(self) -> str:
        key = "department" if self.unit_level == "department" else "locality"
        return t(f"letter.addressee.{key}", self.lang, name=self.unit_name)


def default_deadline(period: str, deadline_day: int) -> dt.date:
    """The improvement is to show in the next month's figures: their due date."""
    return periods.due_date(periods.add(period, 1), deadline_day)


def letter_content(shortfall: pd.DataFrame, unit_code: str, *, unit_name: str, unit_level: str, period: str,
                   province_name: str, place: str, indicator_names: dict[str, str], lang: str, deadline: dt.date,
                   reasons: list[str] | None = None, synthetic: bool = False) -> LetterContent:
    """The letter's content for `unit_code` from metrics.shortfall's frame of the month: every indicator the
    unit misses, the largest share of its group's shortfall first."""
    mine = shortfall[(shortfall["unit_code"] == unit_code) & (shortfall["shortfall"] > 0)]
    mine = mine.sort_values(["share", "indicator_code"], ascending=[False, True]).head(LETTER_INDICATORS_MAX)
    lines = tuple(LetterLine(
        indicator=indicator_names.get(r.indicator_code, r.indicator_code), value=pct(r.value, lang),
        target=target_pct(r.target, lang), shortfall=f"{push.count(r.shortfall, lang)} {push.noun(r.indicator_code, lang)}",
        share="–" if missing(r.share) else pct(r.share, lang),
    ) for r in mine.itertuples())
    return LetterContent(lang=lang, province_name=province_name, place=place, period=period, unit_code=unit_code,
                         unit_name=unit_name, unit_level=unit_level, deadline=deadline, lines=lines,
                         reasons=tuple(reasons or ()), synthetic=synthetic)


class _LetterWriter(_Writer):
    def subject_line(self) -> None:
        """"V/v đôn đốc …" under the number, in the left column (Decree 30: a công văn's subject)."""
        c = self.c
        left = self.doc.tables[0].rows[1].cells[0]
        p = left.add_paragraph()
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, before=2, line=1.0)
        parts.add_run(p, t("letter.subject", self.lang, month=i18n.fmt_period_short(c.period)), size=12)

    def number_line(self) -> None:
        left = self.doc.tables[0].rows[1].cells[0]
        left.paragraphs[0].runs[0].text = t("letter.number", self.lang)

    def addressee(self) -> None:
        p = self.doc.add_paragraph()
        parts.paragraph_format(p, align=WD_ALIGN_PARAGRAPH.CENTER, before=18, after=12, line=1.0)
        parts.add_run(p, t("letter.to", self.lang), size=14)
        parts.add_run(p, clean_text(self.c.addressee), size=14, bold=True)
        if self.c.synthetic:
            self.body(t("reports.doc.synthetic", self.lang), indent=False, italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=12)

    def figures(self) -> None:
        c, lang = self.c, self.lang
        headers = [t("letter.col.indicator", lang), t("letter.col.value", lang), t("letter.col.target", lang),
                   t("letter.col.shortfall", lang), t("letter.col.share", lang)]
        rows = [[x.indicator, x.value, x.target, x.shortfall, x.share] for x in c.lines]
        self.table(headers, rows, [5.3, 2.2, 2.2, 4.4, 2.4], aligns=["left", "right", "right", "right", "right"], size=TABLE_PT)

    def signature(self) -> None:
        lang = self.lang
        self.signature_block([t("letter.recipient_above", lang), t("letter.recipient_committee", lang),
                              t("reports.doc.recipient_archive", lang)])


def build_letter(content: LetterContent, *, issued_on: dt.date | None = None, created: dt.datetime | None = None) -> bytes:
    """The reminder letter as .docx bytes."""
    c, lang = content, content.lang
    w = _LetterWriter(content)  # the report's writer reads lang, header_name, place, next_period, synthetic
    w.header_block(issued_on)
    w.number_line()
    w.subject_line()
    w.addressee()
    month = i18n.fmt_period_short(c.period)
    if c.lines:
        w.body(t("letter.intro", lang, month=month, unit=c.unit_name))
        w.figures()
    else:
        w.body(t("letter.intro_no_shortfall", lang, month=month, unit=c.unit_name))
    if c.reasons:
        w.body(t("letter.reasons_lead", lang))
        for reason in c.reasons:
            w.body(f"- {reason}")
    w.body(t("letter.request", lang, addressee=c.addressee, year=c.period[:4], deadline=i18n.fmt_date(c.deadline),
             next_month=i18n.fmt_period_short(c.next_period)))
    w.body(t("letter.closing", lang), keep_next=True)
    w.signature()
    return parts.finished(w.doc, title=t("letter.subject", lang, month=month),
                          author=t("reports.doc.issuer", lang, province=c.header_name), lang=lang, created=created)


def filename(unit_code: str, period: str, lang: str) -> str:
    return f"{'cong-van-don-doc' if lang == 'vi' else 'reminder-letter'}-{unit_code}-{period}.docx"
