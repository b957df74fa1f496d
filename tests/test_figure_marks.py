"""Marks on a figure, on the pages (issue 16):
- item 14: a stock figure carried from an earlier month (the unit sent nothing this month) is marked as
  such wherever it is shown: the engine says which month it comes from (`carried_from`), and the pages show
  "số liệu tháng 09/2026" beside it. In the sample, communes 17071 and 16774 sent nothing for 10/2026: their
  ID-card figures are September's, and they rank last and second to last on them;
- item 17: a glide path that starts at the unit's first month with figures (the sample starts in 01/2024:
  no December 2023) is said to do so on the unit's profile, where its status is shown."""

from __future__ import annotations

import pandas as pd
import pytest

import metrics
from tests.metrics_province import province, row
from tests.test_pages_leaders import (  # noqa: F401
    PAGES,
    _release_app_connections,
    open_page,
    shown_bars,
)

CARRIED = "17071"


@pytest.mark.parametrize("kind", ["month", "quarter"])
def test_the_engine_says_which_month_a_carried_figure_comes_from(kind):
    districts = metrics.kpis(province(), "2025-02", level="district", kind=kind)
    assert row(districts, "D2", "id_card_coverage")["carried_from"] == "2025-01"  # D2 sent nothing in 02/2025
    assert pd.isna(row(districts, "D1", "id_card_coverage")["carried_from"])  # D1 reported
    assert pd.isna(row(districts, "D1", "online_dossier_rate")["carried_from"])  # flows are never carried
    whole = metrics.kpis(province(), "2025-02", kind=kind)
    assert row(whole, "99", "id_card_coverage")["carried_from"] == "2025-01"  # the province holds a carried figure
    assert pd.isna(row(metrics.kpis(province(), "2025-01"), "99", "id_card_coverage")["carried_from"])


def test_the_localities_ranking_marks_a_carried_figure(monkeypatch, sample_url):
    at = open_page(monkeypatch, sample_url, PAGES["localities"],
                   {"period": "2026-10", "ind": "id_card_coverage", "show": "all"})
    carried = [label for label in shown_bars(at) if "(số liệu tháng 09/2026)" in label]
    assert len(carried) == 3 and any(label.startswith("130. ") for label in carried)
    table = next(d.value for d in at.dataframe if "Ghi chú" in d.value.columns)
    notes = table.set_index("Hạng")["Ghi chú"]
    assert notes.loc[130] == "số liệu tháng 09/2026"
    assert notes.dropna().tolist() == ["số liệu tháng 09/2026"] * 3


def test_the_unit_profile_marks_a_carried_figure(monkeypatch, sample_url):
    at = open_page(monkeypatch, sample_url, "pages/unit_profile.py", {"unit": CARRIED, "period": "2026-10"})
    table = at.dataframe[0].value.set_index("Chỉ tiêu")
    assert table.loc["Tỷ lệ cấp thẻ Căn cước", "Kết quả"].endswith("% (số liệu tháng 09/2026)")
    assert "số liệu tháng" not in table.loc["Tỷ lệ hồ sơ tiếp nhận trực tuyến", "Kết quả"]


def test_the_unit_profile_says_which_paths_start_at_the_first_month_with_figures(monkeypatch, sample_url):
    at = open_page(monkeypatch, sample_url, "pages/unit_profile.py", {"unit": "412", "period": "2024-10"})
    notes = [c.value for c in at.caption if c.value.startswith("Ghi chú: không có số liệu tháng 12/2023")]
    assert len(notes) == 1  # one note for every path of the year, not one per indicator
    assert notes[0].startswith("Ghi chú: không có số liệu tháng 12/2023 nên lộ trình năm 2024 của tỷ lệ hồ sơ tiếp "
                               "nhận trực tuyến, tỷ lệ hồ sơ giải quyết đúng hạn")
    assert notes[0].endswith("tính từ tháng đầu tiên có số liệu (01/2024); tháng 01/2024 luôn được đánh giá đúng lộ trình.")
    assert "toàn trình" not in notes[0]  # an indicator without a target has no path
    later = open_page(monkeypatch, sample_url, "pages/unit_profile.py", {"unit": "16681", "period": "2026-10"})
    assert not [c.value for c in later.caption if "tháng đầu tiên có số liệu" in c.value]
