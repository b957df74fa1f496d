"""The monthly report pack: the Excel annex and the Word draft for one province and month, built from the
metrics engine's frames in a few seconds. `build_pack` is what the CLI (`python cli.py report`) and the
monthly-report page call; it reports its progress (fraction done, what it is doing) for a progress bar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

import i18n
import metrics
from domain.clock import local_date, utcnow
from reports import charts
from reports.content import Progress, ReportContent, build_content
from reports.document import build_document
from reports.workbook import build_workbook


@dataclass(frozen=True, eq=False)
class ReportPack:
    period: str
    lang: str
    xlsx: bytes
    docx: bytes
    xlsx_name: str
    docx_name: str
    content: ReportContent


def file_names(period: str, lang: str) -> tuple[str, str]:
    """("phu-luc-bao-cao-de-an-06-2026-10.xlsx", "bao-cao-de-an-06-2026-10.docx") in Vietnamese."""
    return i18n.t("reports.file.xlsx", lang, period=period), i18n.t("reports.file.docx", lang, period=period)


def build_pack(inputs: metrics.Inputs, period: str, lang: str = "vi", *, followups: pd.DataFrame | None = None,
               task_review=None, verifications: pd.DataFrame | None = None, synthetic: bool = False,
               as_of: dt.datetime | None = None, issued_on: dt.date | None = None, created: dt.datetime | None = None, progress: Progress | None = None) -> ReportPack:
    """Both files for `period`. `followups`: services.followups.current(engine, actor, period) (the
    standing agency's follow-up of each flagged unit); `synthetic`: say in both files that the figures are
    the sample's; `as_of`: judge returns not yet due as pending (the CLI and page pass now); `created`: the
    moment the pack is made (the clock's now when None), which dates the document: "Nghệ An, ngày 06 tháng 12
    năm 2026" for a pack made on 06/12/2026 in the province's zone, whatever month it reports on; `issued_on`:
    another date for the document; `verifications`: services.verification.current(engine, actor, period) (the
    annex of figures under verification, and ⚠ where they are ranked)."""
    step = progress or (lambda fraction, text: None)
    made = utcnow(created)
    content = build_content(inputs, period, lang, followups=followups, synthetic=synthetic, as_of=as_of, progress=step,
                            verifications=verifications)
    if task_review is not None:  # services.tasks.month_review(engine, actor, period): the section on tasks
        from dataclasses import replace

        from reports.content import unit_names
        from reports.task_section import task_section

        content = replace(content, steering_tasks=task_section(task_review, unit_names(inputs.units, lang)))
    step(0.4, i18n.t("reports.progress.charts", lang))
    images = {"trend": charts.trend_chart(content), "ranking": charts.ranking_chart(content)}
    step(0.55, i18n.t("reports.progress.workbook", lang))
    xlsx = build_workbook(content)
    step(0.8, i18n.t("reports.progress.document", lang))
    if issued_on is None:
        issued_on = local_date(made, inputs.config.timezone_offset_hours)
    docx = build_document(content, images, issued_on=issued_on, created=made)
    step(1.0, i18n.t("reports.progress.done", lang))
    xlsx_name, docx_name = file_names(period, lang)
    return ReportPack(period, lang, xlsx, docx, xlsx_name, docx_name, content)
