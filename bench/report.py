"""The monthly report pack for a province month, against bare writers of the same content in the same run.

Measured on the sample province (Nghệ An, 10/2026: 130 communes and 12 departments), from a SQLite file:
- `pack`: `reports.pack.build_pack` from the engine's inputs (the cube already built, as the page has it):
  the content from the metrics engine, two chart images, the Excel annex and the Word draft;
- `cli`: what `python cli.py report` costs in all: reading the frames from the database, building the
  inputs and the cube, then the pack;
- and its parts: `content` (the engine's frames and the sentences), `charts` (two PNGs), `workbook`,
  `document`.
References, each given the same content: `plain openpyxl` writes the same rows into the same sheets with
`ws.append` and nothing else (no formats, widths, guard, conditional formats, charts, print set-up);
`bare python-docx` writes the same paragraphs, the same table cells and the same two images into a default
document (no styles, fonts, header block, shading, widths). Medians of --repeat calls after a warm-up, as wall
time and as the process's CPU time (which the other work of a shared machine disturbs far less).

    python bench/report.py [--repeat 5] [--period 2026-10]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, median_seconds, print_table, sample_database  # noqa: E402


def median_cpu(fn, repeat: int) -> float:
    """The median CPU time of this process for one call, after a warm-up."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def _plain(value):
    """A value openpyxl takes: None for every kind of missing, Python numbers."""
    from presentation.numbers import missing

    if missing(value):
        return None
    return value.item() if hasattr(value, "item") else value


def plain_workbook(content) -> bytes:
    """The same rows in the same sheets, appended with openpyxl and nothing more."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in content.indicators:
        p = r.province
        ws.append([_plain(v) for v in (r.name, p.get("value"), p.get("numerator"), p.get("denominator"), p.get("target"),
                                       p.get("gap_pp"), p.get("expected"), p.get("status"), p.get("change_mom_pp"),
                                       p.get("change_yoy_pp"))])
    for r in content.indicators:
        sheet = wb.create_sheet(r.short_name[:31])
        for row in r.units.itertuples(index=False):
            sheet.append([_plain(v) for v in row])
    sheet = wb.create_sheet("weak")
    reasons = content.weak_reasons.groupby("unit_code")["text"].apply("\n".join)
    for row in content.weak_units.itertuples(index=False):
        sheet.append([_plain(v) for v in (row.rank, row.unit_code, row.name, row.level, row.points, row.severity,
                                          row.months_flagged, reasons.get(row.unit_code, ""))])
    sheet = wb.create_sheet("returns")
    for row in content.submissions.itertuples(index=False):
        received = None if _plain(row.first_received_at) is None else row.first_received_at.tz_localize(None).to_pydatetime()
        sheet.append([_plain(v) for v in (row.form_code, row.unit_code, row.name, row.level, row.status)]
                     + [received, _plain(row.days_late)])
    sheet = wb.create_sheet("trend")
    for row in content.trend.itertuples(index=False):
        sheet.append([_plain(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def bare_document(content, images: dict) -> bytes:
    """The same paragraphs, table cells and images in a default python-docx document."""
    from docx import Document
    from docx.shared import Cm

    from reports import wording

    doc = Document()
    for r in content.indicators:
        doc.add_paragraph(wording.indicator_sentence(content, r))
    for text in wording.completeness_sentences(content):
        doc.add_paragraph(text)
    for point in wording.shortcomings(content) + wording.tasks(content):
        doc.add_paragraph(point.plain())
    rows = [[r.name, str(r.province.get("value")), str(r.province.get("target")), str(r.province.get("status"))]
            for r in content.indicators]
    ranked = content.indicator(content.ranking_indicator).units.head(20)
    rows += [[str(x) for x in (r.rank, r.name, r.value, r.status)] for r in ranked.itertuples()]
    high = content.weak_units[content.weak_units["severity"] == "high"].head(10)
    rows += [[r.name, str(r.points), str(r.months_flagged), "\n".join(wording.main_reasons(content, r.unit_code, 2))]
             for r in high.itertuples()]
    table = doc.add_table(rows=len(rows), cols=4)
    for row, values in zip(table.rows, rows):
        for cell, value in zip(row.cells, values):
            cell.text = value
    for png in images.values():
        if png:
            doc.add_picture(io.BytesIO(png), width=Cm(16))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--period", default="2026-10")
    args = parser.parse_args()

    import metrics
    from reports import charts
    from reports.content import build_content
    from reports.document import build_document
    from reports.pack import build_pack
    from reports.workbook import build_workbook
    from storage import frames
    from storage.db import make_engine

    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    engine = make_engine(sample_database())
    period = args.period
    inputs = metrics.Inputs(**frames.metric_frames(engine))
    inputs.cube  # noqa: B018 - built once, as the page's cached inputs are
    content = build_content(inputs, period, "vi", synthetic=True)
    images = {"trend": charts.trend_chart(content), "ranking": charts.ranking_chart(content)}

    def cli_like():
        fresh = metrics.Inputs(**frames.metric_frames(engine))
        return build_pack(fresh, period, "vi", synthetic=True)

    calls = {
        "pack": lambda: build_pack(inputs, period, "vi", synthetic=True),
        "cli": cli_like,
        "content": lambda: build_content(inputs, period, "vi", synthetic=True),
        "charts": lambda: (charts.trend_chart(content), charts.ranking_chart(content)),
        "workbook": lambda: build_workbook(content),
        "document": lambda: build_document(content, images),
        "plain openpyxl": lambda: plain_workbook(content),
        "bare python-docx": lambda: bare_document(content, images),
    }
    # Wall time, and the process's CPU time, which other work on a shared machine disturbs far less.
    wall = {k: median_seconds(fn, args.repeat) for k, fn in calls.items()}
    cpu = {k: median_cpu(fn, args.repeat) for k, fn in calls.items()}
    ref_wall = wall["plain openpyxl"] + wall["bare python-docx"]
    ref_cpu = cpu["plain openpyxl"] + cpu["bare python-docx"]
    labels = [
        ("pack", "pack (from the page's cached inputs)", "plain openpyxl + bare python-docx", ref_wall, ref_cpu),
        ("cli", "python cli.py report (frames read from SQLite, cube, pack)", "same", ref_wall, ref_cpu),
        ("content", "  content (engine frames, sentences)", "", None, None),
        ("charts", "  charts (two PNG)", "", None, None),
        ("workbook", "  workbook", "plain openpyxl", wall["plain openpyxl"], cpu["plain openpyxl"]),
        ("document", "  document", "bare python-docx", wall["bare python-docx"], cpu["bare python-docx"]),
        ("plain openpyxl", "plain openpyxl, same rows", "", None, None),
        ("bare python-docx", "bare python-docx, same text and images", "", None, None),
    ]
    rows = [{"what": label, "wall": f"{wall[k]:.2f} s", "cpu": f"{cpu[k]:.2f} s", "reference": ref,
             "ratio (wall)": "" if rw is None else f"{wall[k] / rw:.1f}",
             "ratio (cpu)": "" if rc is None else f"{cpu[k] / rc:.1f}"}
            for k, label, ref, rw, rc in labels]
    print(f"{machine()}; {period}, {len(content.indicator(content.ranking_indicator).units)} localities; "
          f"median of {args.repeat} after a warm-up; {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"load average before: {load}")
    print_table(rows, ["what", "wall", "cpu", "reference", "ratio (wall)", "ratio (cpu)"])


if __name__ == "__main__":
    main()
