"""The monthly report pack, opened as a reader opens it: every figure of the Excel annex and of the Word
draft is the metrics engine's for the same month (province, every unit, departments, weak units, returns,
trend); Vietnamese text keeps its diacritics and holds no English; the layout is the one asked for (A4,
Times New Roman, the decree's header block; frozen headers, print set-up, native charts, conditional
formats); the same data gives the same files."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

import pandas as pd
import pytest

import i18n
import metrics
from reports.pack import build_pack, file_names
from storage import frames
from tests.reports_files import (
    doc_paragraphs,
    doc_tables,
    doc_text,
    document,
    table,
    text_cells,
    workbook,
    zip_members,
)

# The PostgreSQL half runs in the full suite; the inner loop runs the SQLite half (conftest.py).
pytestmark = pytest.mark.slow_on_postgresql

AS_OF = dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc)  # every deadline passed: no return pending
CREATED = dt.datetime(2026, 11, 6, 1, 0, tzinfo=dt.timezone.utc)
# 10/2026: 130 communes and wards after the reform; 12/2024: 20 district-level units once Cửa Lò (413)
# merged into Vinh (412).
CASES = [("2026-10", "commune"), ("2024-12", "district")]
LANGS = ["vi", "en"]


def col(key: str, lang: str) -> str:
    return i18n.t(f"reports.col.{key}", lang)


def close(a, b) -> bool:
    if a is None or (isinstance(a, float) and pd.isna(a)):
        return b is None or pd.isna(b)
    return b is not None and not pd.isna(b) and a == pytest.approx(float(b), rel=1e-9, abs=1e-12)


@pytest.fixture(scope="module")
def sample(sample_engine):
    """The engine's inputs for the sample, and its packs built on demand (once per month and language)."""
    inputs = metrics.Inputs(**frames.metric_frames(sample_engine))
    cache = {}

    def pack(period: str, lang: str):
        if (period, lang) not in cache:
            cache[(period, lang)] = build_pack(inputs, period, lang, synthetic=True, as_of=AS_OF, created=CREATED)
        return cache[(period, lang)]

    names = {lang: dict(zip(inputs.units["code"], inputs.units["name_vi" if lang == "vi" else "name_en"]))
             for lang in LANGS}
    return inputs, pack, names


def _ranked(frame: pd.DataFrame) -> pd.DataFrame:
    """The engine's rows of one indicator in rank order (1 first, units without figures last, ties by code)."""
    return frame.assign(_n=frame["rank"].isna()).sort_values(["_n", "rank", "unit_code"]).drop(columns="_n")


# -- the Excel annex ----------------------------------------------------------------------------------


@pytest.mark.parametrize("period, level", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_the_summary_sheet_gives_the_engine_s_province_figures_and_extremes(sample, period, level, lang):
    inputs, pack, names = sample
    wb = workbook(pack(period, lang).xlsx)
    rows = table(wb.worksheets[0], col("no", lang))
    province = metrics.kpis(inputs, period).set_index("indicator_code")
    units = metrics.kpis(inputs, period, level=level)
    assert len(rows) == len(inputs.registry.indicators)
    statuses = {s: i18n.t(f"status.{s}", lang) for s in metrics.STATUSES}
    for row, ind in zip(rows, inputs.registry.indicators):
        p = province.loc[ind.code]
        assert row[col("indicator", lang)] == ind.name(lang)
        assert close(row[col("province_value", lang)], p["value"])
        assert close(row[col("target", lang)], p["target"])
        assert close(row[col("gap", lang)], p["gap_pp"])
        assert close(row[col("expected", lang)], p["expected"])
        assert close(row[col("change_mom", lang)], p["change_mom_pp"])
        assert close(row[col("change_yoy", lang)], p["change_yoy_pp"])
        assert row[col("status", lang)] == statuses[p["status"]]
        if not pd.isna(p["value"]):
            assert row[col("numerator", lang)] == int(p["numerator"])
            assert row[col("denominator", lang)] == int(p["denominator"])
        ranked = _ranked(units[units["indicator_code"] == ind.code])
        ranked = ranked[ranked["rank"].notna() & ranked["carried_from"].isna()]  # who reported: a carried figure names no one
        if len(ranked):
            best, worst = ranked.iloc[0], ranked.iloc[-1]
            assert row[col("best", lang)] == names[lang][best["unit_code"]]
            assert close(row[col("best_value", lang)], best["value"])
            assert row[col("worst", lang)] == names[lang][worst["unit_code"]]
            assert close(row[col("worst_value", lang)], worst["value"])
            assert row[col("peers", lang)] == int(best["peers"])


@pytest.mark.parametrize("period, level", CASES)
def test_every_indicator_sheet_ranks_every_unit_as_the_engine_does(sample, period, level):
    inputs, pack, names = sample
    lang = "vi"
    wb = workbook(pack(period, lang).xlsx)
    province = metrics.kpis(inputs, period).set_index("indicator_code")
    localities = metrics.kpis(inputs, period, level=level)
    departments = metrics.kpis(inputs, period, level="department")
    statuses = {s: i18n.t(f"status.{s}", lang) for s in metrics.STATUSES}
    for k, ind in enumerate(inputs.registry.indicators, 1):
        ws = wb.worksheets[k]
        assert ws.title.startswith(f"{k:02d} ")
        rows = table(ws, col("rank", lang))
        expected = localities[localities["indicator_code"] == ind.code]
        if expected["value"].isna().all() and departments.loc[departments["indicator_code"] == ind.code, "value"].notna().any():
            expected = departments[departments["indicator_code"] == ind.code]  # only departments report it
        else:
            total = rows.pop()
            p = province.loc[ind.code]
            assert total[col("unit", lang)] == i18n.t("reports.xlsx.province_row", lang)
            assert close(total[col("value", lang)], p["value"]) and total[col("status", lang)] == statuses[p["status"]]
        expected = _ranked(expected)
        assert [r[col("unit_code", lang)] for r in rows] == expected["unit_code"].tolist()
        for row, e in zip(rows, expected.itertuples()):
            assert row[col("unit", lang)] == names[lang][e.unit_code]
            assert (row[col("rank", lang)] is None) if pd.isna(e.rank) else row[col("rank", lang)] == int(e.rank)
            for key, field in (("value", "value"), ("target", "target"), ("gap", "gap_pp"), ("expected", "expected"),
                               ("change_mom", "change_mom_pp"), ("change_yoy", "change_yoy_pp")):
                assert close(row[col(key, lang)], getattr(e, field)), (ind.code, e.unit_code, key)
            if not pd.isna(e.value):
                assert row[col("numerator", lang)] == int(e.numerator)
                assert row[col("denominator", lang)] == int(e.denominator)
            assert row[col("status", lang)] == statuses[e.status]


@pytest.mark.parametrize("period, level", CASES)
def test_the_weak_sheet_lists_every_flagged_unit_with_every_reason(sample, period, level):
    inputs, pack, names = sample
    lang = "vi"
    wb = workbook(pack(period, lang).xlsx)
    rows = table(wb[i18n.t("reports.sheet.weak", lang)], col("rank", lang))
    weak = metrics.weak_localities(inputs, period, as_of=AS_OF)
    assert len(rows) == len(weak.units) > 0
    n_reasons = weak.reasons.groupby("unit_code").size()
    for row, e in zip(rows, weak.units.itertuples()):
        assert row[col("rank", lang)] == e.rank
        assert row[col("unit_code", lang)] == e.unit_code
        assert row[col("unit", lang)] == names[lang][e.unit_code]
        assert row[col("points", lang)] == e.points
        assert row[col("severity", lang)] == i18n.t(f"metrics.severity.{e.severity}", lang)
        assert row[col("months_flagged", lang)] == e.months_flagged
        assert len(row[col("reasons", lang)].split("\n")) == n_reasons[e.unit_code] == row[col("n_reasons", lang)]
        assert row[col("followup_status", lang)] is None  # the sample has no follow-up yet
    assert {e.level for e in weak.units.itertuples()} == {level, "department"}


@pytest.mark.parametrize("period, level", CASES)
def test_the_returns_sheet_gives_completeness_and_timeliness(sample, period, level):
    inputs, pack, names = sample
    lang = "vi"
    ws = workbook(pack(period, lang).xlsx)[i18n.t("reports.sheet.returns", lang)]
    summary = table(ws, col("form", lang))
    expected = metrics.completeness(inputs, period, as_of=AS_OF, by=["form_code"])
    forms = {f.code: f.name(lang) for f in inputs.registry.forms}
    assert [r[col("form", lang)] for r in summary[: len(expected)]] == [forms[c] for c in expected["form_code"]]
    for row, e in zip(summary, expected.itertuples()):
        for key in ("submitted", "on_time", "late", "missing", "pending"):
            assert row[col(key, lang)] == getattr(e, key)
        assert row[col("expected_units", lang)] == e.expected
        assert close(row[col("completeness", lang)], e.completeness) and close(row[col("timeliness", lang)], e.timeliness)
    units = table(ws, col("form", lang), nth=2)  # the unit list under the summary
    per_unit = metrics.completeness_units(inputs, [period], as_of=AS_OF)
    assert len(units) == len(per_unit)
    labels = {s: i18n.t(f"metrics.submission.{s}", lang) for s in ("on_time", "late", "missing", "pending")}
    got = pd.Series([r[col("submission", lang)] for r in units]).value_counts().to_dict()
    assert got == {labels[s]: n for s, n in per_unit["status"].value_counts().items()}
    late = per_unit[per_unit["status"] == "late"].set_index("unit_code")["days_late"]
    for r in units:
        if r[col("unit_code", lang)] in late.index:
            assert r[col("days_late", lang)] == int(late[r[col("unit_code", lang)]])


@pytest.mark.parametrize("period, level", CASES)
def test_the_departments_sheet_and_the_trend_sheet(sample, period, level):
    inputs, pack, names = sample
    lang = "vi"
    wb = workbook(pack(period, lang).xlsx)
    rows = table(wb[i18n.t("reports.sheet.departments", lang)], col("unit_code", lang))
    departments = metrics.kpis(inputs, period, level="department")
    departments = departments[departments["value"].notna()]
    inds = {i.name(lang): i.code for i in inputs.registry.indicators}
    got = {(r[col("unit_code", lang)], inds[r[col("indicator", lang)]]): r for r in rows}
    assert set(got) == set(zip(departments["unit_code"], departments["indicator_code"]))
    for e in departments.itertuples():
        r = got[(e.unit_code, e.indicator_code)]
        assert close(r[col("value", lang)], e.value) and r[col("numerator", lang)] == int(e.numerator)
        assert r[col("unit", lang)] == names[lang][e.unit_code]

    rows = table(wb[i18n.t("reports.sheet.trend", lang)], col("month", lang))
    trend = metrics.trend(inputs, period, level="province", n_months=12)
    assert [r[col("month", lang)] for r in rows] == [i18n.fmt_period_short(p) for p in sorted(trend["period"].unique())]
    short = {i.code: i18n.t(f"reports.short_name.{i.code}", lang) for i in inputs.registry.indicators}
    for e in trend[trend["value"].notna()].itertuples():
        row = rows[sorted(trend["period"].unique()).index(e.period)]
        assert close(row[short[e.indicator_code]], e.value)


@pytest.mark.parametrize("lang, tag", [("vi", "[$-42A]"), ("en", "")])
def test_the_workbook_is_ready_to_print_and_edit(sample, lang, tag):
    inputs, pack, _ = sample
    data = pack("2026-10", lang)
    wb = workbook(data.xlsx)
    assert data.xlsx_name == file_names("2026-10", lang)[0]
    for ws in wb.worksheets:
        assert ws.freeze_panes, ws.title
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.print_title_rows
    charts = {ws.title: len(ws._charts) for ws in wb.worksheets}
    summary = wb.worksheets[0]
    assert charts[summary.title] == 1 and charts[i18n.t("reports.sheet.trend", lang)] == 1
    assert all(charts[wb.worksheets[k].title] == 1 for k in range(1, 11))  # every indicator localities report
    formats = {c.number_format for row in summary.iter_rows() for c in row}
    assert f"{tag}0.00%" in formats and f"{tag}#,##0" in formats and f"{tag}+0.00;-0.00;0.00" in formats
    status_rules = [r for rng in summary.conditional_formatting for r in rng.rules]
    labels = {i18n.t(f"status.{s}", lang) for s in ("met", "on_track", "at_risk", "behind")}
    assert {re.search(r'="(.*)"', r.formula[0]).group(1) for r in status_rules} == labels
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)


# -- the Word draft -----------------------------------------------------------------------------------


def _pct(x, lang, digits=2):
    return i18n.fmt_pct(x, lang, digits)


@pytest.mark.parametrize("period, level", CASES)
@pytest.mark.parametrize("lang", LANGS)
def test_each_indicator_has_a_sentence_with_the_engine_s_figures(sample, period, level, lang):
    inputs, pack, names = sample
    text = "\n".join(doc_paragraphs(pack(period, lang).docx))
    province = metrics.kpis(inputs, period).set_index("indicator_code")
    units = metrics.kpis(inputs, period, level=level)
    departments = metrics.kpis(inputs, period, level="department")
    for ind in inputs.registry.indicators:
        sentence = next(line for line in text.split("\n") if re.match(rf"^\S+\) {re.escape(ind.name(lang))}", line))
        p = province.loc[ind.code]
        if not pd.isna(p["value"]):
            assert _pct(p["value"], lang) in sentence
            assert f"{i18n.fmt_int(p['numerator'], lang)}" in sentence and i18n.fmt_int(p["denominator"], lang) in sentence
            if not pd.isna(p["change_mom_pp"]) and round(abs(p["change_mom_pp"]), 2) > 0:
                assert i18n.fmt_number(abs(p["change_mom_pp"]), lang, 2) in sentence
            ranked = _ranked(units[units["indicator_code"] == ind.code])
            ranked = ranked[ranked["rank"].notna() & ranked["carried_from"].isna()]
            for r in list(ranked.head(3).itertuples()) + list(ranked.tail(3).itertuples()):
                assert f"{names[lang][r.unit_code]} ({_pct(r.value, lang)})" in sentence
        else:
            reported = departments[(departments["indicator_code"] == ind.code) & departments["value"].notna()]
            for r in reported.itertuples():
                assert names[lang][r.unit_code] in sentence and _pct(r.value, lang) in sentence


@pytest.mark.parametrize("period, level", CASES)
def test_the_key_tables_of_the_draft(sample, period, level):
    inputs, pack, names = sample
    lang = "vi"
    tables = doc_tables(pack(period, lang).docx)
    province = metrics.kpis(inputs, period).set_index("indicator_code")
    summary = next(t for t in tables if t[0][:2] == [col("no", lang), col("indicator", lang)])
    for row, ind in zip(summary[1:], inputs.registry.indicators):
        p = province.loc[ind.code]
        assert row[1] == ind.name(lang) and row[2] == _pct(p["value"], lang)
        assert row[4] == i18n.t(f"status.{p['status']}", lang)
    ranking = next(t for t in tables if t[0][:2] == [col("rank", lang), col("unit", lang)])
    first = inputs.registry.indicators[0].code
    ranked = _ranked(metrics.kpis(inputs, period, level=level).query("indicator_code == @first"))
    ranked = ranked[ranked["rank"].notna()]
    shown = [r for r in ranking[1:] if r[0]]
    expected = ranked if len(ranked) <= 25 else pd.concat([ranked.head(10), ranked.tail(10)])
    assert [(r[0], r[1], r[2]) for r in shown] == [(str(int(e.rank)), names[lang][e.unit_code], _pct(e.value, lang))
                                                   for e in expected.itertuples()]
    weak = metrics.weak_localities(inputs, period, as_of=AS_OF).units
    high = weak[weak["severity"] == "high"].head(10)
    flagged = next(t for t in tables if t[0][:2] == [col("no", lang), col("unit", lang)])
    assert [r[1] for r in flagged[1:]] == [names[lang][c] for c in high["unit_code"]]
    assert [int(r[2]) for r in flagged[1:]] == high["points"].tolist()


@pytest.mark.parametrize("period, level", CASES)
def test_returns_shortcomings_and_tasks_come_from_the_flags(sample, period, level):
    inputs, pack, names = sample
    lang = "vi"
    text = doc_text(pack(period, lang).docx)
    summary = metrics.completeness(inputs, period, as_of=AS_OF, by=["form_code"])
    for e in summary.itertuples():
        assert f"{e.submitted}/{e.expected} " in text and _pct(e.completeness, lang) in text
    per_unit = metrics.completeness_units(inputs, [period], as_of=AS_OF)
    for code in per_unit.loc[per_unit["status"] == "missing", "unit_code"]:
        assert names[lang][code] in text
    weak = metrics.weak_localities(inputs, period, as_of=AS_OF).units
    counts = weak["severity"].value_counts()
    assert f"Có {len(weak)} đơn vị cần đôn đốc: {counts.get('high', 0)} đơn vị mức cao" in text
    lagging = metrics.kpis(inputs, period)
    for e in lagging[lagging["status"].isin(["at_risk", "behind"])].itertuples():
        assert f"đạt {_pct(e.value, lang)}, lộ trình {_pct(e.expected, lang)}" in text
    outlook = metrics.outlook(inputs, period).set_index("indicator_code")
    for code, o in outlook.iterrows():
        if not pd.isna(o["needed_gain_pp"]) and o["needed_gain_pp"] > 0 and o["months_left"] > 0:
            assert f"cần tăng bình quân {i18n.fmt_number(o['needed_gain_pp'], lang, 2)} điểm %" in text
        elif o["months_left"] == 0 and not pd.isna(o["target"]) and o["value"] < o["target"]:  # December
            target = i18n.fmt_pct(o["target"], lang, 0)
            assert f"chưa đạt chỉ tiêu năm {period[:4]} ({_pct(o['value'], lang)}/{target})" in text


@pytest.mark.parametrize("lang", LANGS)
def test_the_draft_is_laid_out_as_an_administrative_document(sample, lang):
    _, pack, _ = sample
    data = pack("2026-10", lang).docx
    doc = document(data)
    section = doc.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert [round(m.cm, 1) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)] == [2.0, 2.0, 3.0, 1.5]
    styles = doc.styles.element.xml
    fonts = re.findall(r"<w:rFonts [^>]*/>", styles)
    assert fonts and all(f'w:{a}="Times New Roman"' in f for f in fonts for a in ("ascii", "hAnsi", "cs", "eastAsia"))
    assert "Theme" not in "".join(fonts) and "w:cstheme" not in "".join(fonts)
    body = doc.element.body.xml
    assert '<w:sz w:val="28"/>' in body  # 14 pt body
    header_block, *_, signature = doc_tables(data)
    left, right = header_block[0]
    if lang == "vi":
        assert left.split("\n")[:3] == ["UBND TỈNH NGHỆ AN", "BAN CHỈ ĐẠO ĐỀ ÁN 06", "CÔNG AN TỈNH NGHỆ AN"]
        assert right.split("\n")[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
        assert header_block[1][0].startswith("Số:") and header_block[1][0].endswith("/BC-CAT")
        assert header_block[1][1] == "Nghệ An, ngày 06 tháng 11 năm 2026"  # CREATED, in Vietnam's zone
        assert signature[0][0].startswith("Nơi nhận:") and "GIÁM ĐỐC" in signature[0][1]
        paragraphs = doc_paragraphs(data)
        assert "BÁO CÁO" in paragraphs and "Kết quả thực hiện Đề án 06 tháng 10 năm 2026" in paragraphs
    else:
        assert "SOCIALIST REPUBLIC OF VIET NAM" in right and "NGHE AN PROVINCIAL POLICE" in left
    date_runs = doc.tables[0].rows[1].cells[1].paragraphs[0].runs
    assert date_runs and all(r.italic for r in date_runs)
    issuer = doc.tables[0].rows[0].cells[0].paragraphs[2].runs[0]
    assert issuer.bold
    assert i18n.t("reports.doc.synthetic", lang) in doc_paragraphs(data)
    assert len(doc.inline_shapes) == 2  # the province trend and the ranking
    header = section.first_page_header.is_linked_to_previous, section.header.paragraphs[0]._p.xml
    assert section.different_first_page_header_footer and "PAGE" in header[1]


def test_no_synthetic_note_for_real_figures(sample):
    inputs, _, _ = sample
    real = build_pack(inputs, "2026-10", "vi", synthetic=False, as_of=AS_OF, created=CREATED)
    assert i18n.t("reports.doc.synthetic", "vi") not in doc_text(real.docx)
    assert i18n.t("app.synthetic_notice", "vi") not in text_cells(workbook(real.xlsx))


# -- Vietnamese, and the same every time --------------------------------------------------------------


def _english_words() -> set[str]:
    """Words of the English texts the report uses that no Vietnamese text of the catalog contains."""
    catalog = i18n.catalog()
    prefixes = ("reports.", "status.", "level.", "metrics.", "access.followup_status.", "app.synthetic")
    en, vi = set(), set()
    for key, entry in catalog.items():
        vi |= set(re.findall(r"[A-Za-z]{3,}", entry["vi"].lower()))
        if key.startswith(prefixes):
            en |= set(re.findall(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", " ", entry.get("en", "")).lower()))
    return en - vi


@pytest.mark.parametrize("period, level", CASES)
def test_vietnamese_files_keep_their_diacritics_and_hold_no_english(sample, period, level):
    inputs, pack, names = sample
    data = pack(period, "vi")
    texts = text_cells(workbook(data.xlsx)) + [doc_text(data.docx)]
    registry_en = set()
    for ind in inputs.registry.indicators:
        registry_en |= set(re.findall(r"[a-z]{3,}", ind.name_en.lower()))
    english = (_english_words() | registry_en) - set(re.findall(r"[a-z]{3,}", " ".join(names["vi"].values()).lower()))
    found = {w for text in texts for w in re.findall(r"[A-Za-z]{3,}", text) if w.lower() in english}
    assert found == set()
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    whole = "\n".join(texts)
    for code in metrics.kpis(inputs, period, level=level)["unit_code"].unique()[:40]:
        assert unicodedata.normalize("NFC", names["vi"][code]) in whole
    for word in ("Tỷ lệ hồ sơ tiếp nhận trực tuyến", "Độc lập - Tự do - Hạnh phúc", "Đánh giá", "Chỉ tiêu năm"):
        assert word in whole


@pytest.mark.parametrize("lang", LANGS)
def test_the_same_data_gives_the_same_files(sample, lang):
    inputs, pack, _ = sample
    first = pack("2026-10", lang)
    again = build_pack(inputs, "2026-10", lang, synthetic=True, as_of=AS_OF, created=CREATED)
    assert zip_members(first.docx) == zip_members(again.docx)
    assert zip_members(first.xlsx) == zip_members(again.xlsx)


@pytest.mark.parametrize("lang", LANGS)
def test_sheet_names_end_on_a_whole_word(sample, lang):
    """Excel allows 31 characters: a long indicator name is cut after a word, never inside one."""
    inputs, pack, _ = sample
    names = workbook(pack("2026-10", lang).xlsx).sheetnames
    words = {w for ind in inputs.registry.indicators for w in ind.name(lang).split()} | {
        w for entry in i18n.catalog().values() for w in (entry.get(lang) or "").split()}
    for name in names:
        assert len(name) <= 31
        for word in name.split()[1:]:  # the first is the sheet's number
            assert word in words or word.startswith("("), (name, word)
