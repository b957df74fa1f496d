"""The monthly report's sentences as a reader takes them (issue 16): the follow-up status is never worded
as flag novelty; an indicator only departments report counts among those below their path when a
department is; the document is dated the day it is made. Built on the small hand-made province of
tests/metrics_province.py (a pack in about a second), with the clock moved by the test."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from metrics import Inputs
from reports.content import build_content
from reports.pack import build_pack
from reports.wording import shortcomings, tasks, weak_summary
from tests.metrics_province import (
    REGISTRY,
    TARGETS,
    UNITS,
    province,
    scope_frame,
    values_frame,
)
from tests.reports_files import doc_paragraphs, doc_tables, doc_text

UTC = dt.timezone.utc
AS_OF = dt.datetime(2027, 1, 1, tzinfo=UTC)


def _plain(points) -> str:
    return " ".join(p.plain() for p in points)


# -- 12: follow-up status and flag novelty, worded apart ------------------------------------------------


@pytest.fixture(scope="module")
def content_with_flags():
    """The small province's 07/2025 content with a flag list as the standing agency meets it: one unit
    newly flagged, two flagged for months, one of them already notified, none followed up otherwise."""
    content = build_content(province(), "2025-07", "vi", as_of=AS_OF)
    weak = pd.DataFrame({
        "rank": [1, 2, 3], "unit_code": ["C1", "C2", "C3"], "name": ["Xã Một A", "Xã Một B", "Phường Hai"],
        "level": "commune", "points": [3, 3, 2], "severity": ["high", "medium", "low"], "months_flagged": [1, 4, 5],
        "n_reasons": 1, "rules": "below_target", "followup_status": [None, None, "notified"],
        "followup_note": None, "followup_at": None,
    })
    return lambda lang: dataclasses.replace(content, lang=lang, weak_units=weak)


def test_the_weak_summary_counts_units_newly_flagged_apart_from_long_runs(content_with_flags):
    text = weak_summary(content_with_flags("vi"))
    assert "1 đơn vị mới bị nêu tháng này, 2 đơn vị bị nêu liên tục từ 3 tháng trở lên" in text
    assert "1 newly flagged this month, 2 flagged for 3 months or more" in weak_summary(content_with_flags("en"))


def test_the_follow_up_task_words_the_follow_up_status_not_novelty(content_with_flags):
    text = _plain(tasks(content_with_flags("vi")))
    # Two units flagged for 4 and 5 months: one never notified, one notified. Never "mới nêu" (read as
    # "newly flagged") for a unit flagged for months.
    assert "đôn đốc 2 đơn vị bị nêu liên tục từ 3 tháng trở lên (tình trạng theo dõi: 1 đơn vị chưa nhắc nhở, " \
           "1 đơn vị đã nhắc nhở)" in text
    assert "mới nêu" not in text.lower()
    english = _plain(tasks(content_with_flags("en")))
    assert "(follow-up: 1 not yet notified, 1 notified)" in english


# -- 13: indicators only departments report count among those below their path --------------------------


def _province_with_hospital_fees(noncash_july: int) -> Inputs:
    """The small province, P1 also reporting hospital payments: 30 of 100 without cash in 12/2024, then
    `noncash_july` of 100 in 07/2025, against a target of 60 % for 2025 (the path in July: 30 + 30 × 7/12
    = 47,5 %)."""
    extra = pd.DataFrame(
        [("P1", "2024-12", "hospital_payments", 100), ("P1", "2024-12", "hospital_payments_noncash", 30),
         ("P1", "2025-07", "hospital_payments", 100), ("P1", "2025-07", "hospital_payments_noncash", noncash_july)],
        columns=["unit_code", "period", "element_code", "value"])
    values = pd.concat([values_frame(), extra], ignore_index=True).astype({"value": "int64"})
    targets = pd.concat([TARGETS, pd.DataFrame([("hospital_noncash_rate", 2025, "99", 0.60)], columns=TARGETS.columns)],
                        ignore_index=True)
    return Inputs(units=UNITS, values=values, registry=REGISTRY, targets=targets, scope=scope_frame(), settings={})


def test_a_department_only_indicator_below_its_path_is_counted_in_section_ii(tmp_path):
    content = build_content(_province_with_hospital_fees(35), "2025-07", "vi", as_of=AS_OF)
    lagging = shortcomings(content)[0]
    # ID cards province-wide (88,67 % against 93,45 %) and hospital fees at Sở Một (35 % against 47,5 %).
    assert lagging.text == "2 chỉ tiêu toàn tỉnh chưa đạt lộ trình đề ra:"
    assert "- tỷ lệ thanh toán viện phí không dùng tiền mặt của Sở Một đạt 35,00%, lộ trình 47,50%." in lagging.items
    assert any(item.startswith("- tỷ lệ cấp thẻ Căn cước đạt") for item in lagging.items)
    english = shortcomings(build_content(_province_with_hospital_fees(35), "2025-07", "en", as_of=AS_OF))[0]
    assert english.text.startswith("2 of the province's indicators")


def test_a_department_only_indicator_on_its_path_is_not_counted():
    content = build_content(_province_with_hospital_fees(50), "2025-07", "vi", as_of=AS_OF)
    lagging = shortcomings(content)[0]
    assert lagging.text == "1 chỉ tiêu toàn tỉnh chưa đạt lộ trình đề ra:"
    assert not any("viện phí" in item for item in lagging.items)


# -- 15: the date line is the day the report is made ----------------------------------------------------


@pytest.mark.parametrize("made, line", [
    # 18:30 UTC on 05/12 is 01:30 on 06/12 in Vietnam (UTC+7).
    (dt.datetime(2026, 12, 5, 18, 30, tzinfo=UTC), "Thử Nghiệm, ngày 06 tháng 12 năm 2026"),
    (dt.datetime(2026, 12, 5, 16, 30, tzinfo=UTC), "Thử Nghiệm, ngày 05 tháng 12 năm 2026"),
    (dt.datetime(2027, 1, 14, 3, 0, tzinfo=UTC), "Thử Nghiệm, ngày 14 tháng 01 năm 2027"),
])
def test_the_report_is_dated_the_day_it_is_made_and_covers_its_month(made, line):
    pack = build_pack(province(), "2025-07", "vi", as_of=AS_OF, created=made)
    header = doc_tables(pack.docx)[0]
    assert header[1][1] == line
    paragraphs = doc_paragraphs(pack.docx)
    assert "Kết quả thực hiện Đề án 06 tháng 07 năm 2025" in paragraphs
    assert "báo cáo kết quả thực hiện Đề án 06 tháng 07/2025 trên địa bàn tỉnh" in doc_text(pack.docx)


def test_the_english_report_is_dated_the_day_it_is_made():
    pack = build_pack(province(), "2025-07", "en", as_of=AS_OF, created=dt.datetime(2026, 12, 6, 2, 0, tzinfo=UTC))
    assert doc_tables(pack.docx)[0][1][1].endswith(", 6 December 2026")  # the small province has no English name


# -- 14: a figure carried from an earlier month names no one and is marked -------------------------------
# In 02/2025 Huyện Hai (D2) sent nothing: its ID-card pair is carried from 01/2025 (83,67 %), below Huyện
# Một's reported 96,08 %.


def test_a_unit_that_did_not_report_is_not_named_lowest_on_a_carried_figure():
    pack = build_pack(province(), "2025-02", "vi", as_of=AS_OF)
    sentence = next(line for line in doc_text(pack.docx).split("\n") if line.startswith("g) Tỷ lệ cấp thẻ Căn cước"))
    assert "Huyện Hai" not in sentence and "thấp nhất" not in sentence  # one unit reported: no best or worst
    assert "Chưa gửi số liệu: Huyện Hai." in doc_text(pack.docx)


def test_the_annex_marks_the_carried_figure_with_its_month():
    from tests.reports_files import table, workbook

    wb = workbook(build_pack(province(), "2025-02", "vi", as_of=AS_OF).xlsx)
    sheet = next(ws for ws in wb.worksheets if ws.title.endswith("Cấp thẻ Căn cước"))
    rows = {r["Mã đơn vị"]: r for r in table(sheet, "Hạng")}
    assert rows["D2"]["Ghi chú"] == "Số liệu tháng 01/2025"
    assert rows["D1"]["Ghi chú"] is None
    english = workbook(build_pack(province(), "2025-02", "en", as_of=AS_OF).xlsx)
    sheet = next(ws for ws in english.worksheets if ws.title.endswith("ID cards issued"))
    assert {r["Unit code"]: r["Note"] for r in table(sheet, "Rank")}["D2"] == "Figures of January 2025"


def test_a_flag_on_a_carried_figure_carries_the_mark():
    content = build_content(province(), "2025-02", "vi", as_of=AS_OF)
    reasons = content.weak_reasons[(content.weak_reasons["unit_code"] == "D2")
                                   & (content.weak_reasons["indicator_code"] == "id_card_coverage")]
    assert len(reasons) and all(text.endswith("(số liệu tháng 01/2025)") for text in reasons["text"])
    others = content.weak_reasons[content.weak_reasons["indicator_code"] != "id_card_coverage"]
    assert not any("số liệu tháng" in text for text in others["text"])


# -- 17: a glide path that starts at the first month with figures says so --------------------------------
# Figures start in 07/2024: no December 2023, so every 2024 path starts at 07/2024.


def test_the_report_says_a_path_starts_at_the_first_month_with_figures():
    first = build_pack(province(), "2024-07", "vi", as_of=AS_OF)
    sentence = next(line for line in doc_text(first.docx).split("\n") if line.startswith("a) Tỷ lệ hồ sơ tiếp nhận trực tuyến"))
    assert ("đúng lộ trình (mức cần đạt tháng này: 47,50%), tháng này là tháng đầu tiên có số liệu (không có số liệu "
            "tháng 12/2023) nên lộ trình tính từ chính tháng này và luôn được đánh giá đúng lộ trình") in sentence
    # A later month of the same year: one note under the indicators (the online rate is the only one with
    # a 2024 target in the small province).
    later = doc_paragraphs(build_pack(province(), "2024-11", "vi", as_of=AS_OF).docx)
    assert ("Ghi chú: không có số liệu tháng 12/2023 nên lộ trình năm 2024 của tỷ lệ hồ sơ tiếp nhận trực tuyến tính "
            "từ tháng đầu tiên có số liệu (07/2024); tháng 07/2024 luôn được đánh giá đúng lộ trình.") in later
    # Paths from a December say nothing of the kind (07/2025: from December 2024).
    assert "tháng đầu tiên có số liệu" not in doc_text(build_pack(province(), "2025-07", "vi", as_of=AS_OF).docx)
    english = doc_paragraphs(build_pack(province(), "2024-11", "en", as_of=AS_OF).docx)
    assert any(p.startswith("Note: there are no figures for December 2023, so the 2024 glide path of") for p in english)


def test_a_behind_flag_on_such_a_path_says_where_the_path_starts():
    import metrics
    from presentation.flags import reason_sentence

    inputs = province(weak_bottleneck_share=0)  # the bottleneck rule off: each district's own lag is flagged
    reasons = metrics.weak_localities(inputs, "2024-11", as_of=AS_OF).reasons
    behind = reasons[(reasons["rule"] == "behind") & (reasons["unit_code"] == "D1")]
    assert list(behind["path_from"]) == ["2024-07"]
    text = reason_sentence(next(behind.itertuples()), {"online_dossier_rate": "Hồ sơ trực tuyến"}, "vi", 2)
    assert text.endswith("(lộ trình tính từ tháng đầu tiên có số liệu là 07/2024 vì không có số liệu tháng 12/2023, "
                         "nên tháng 07/2024 luôn được đánh giá đúng lộ trình)")
