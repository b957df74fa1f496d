"""Bảng xếp hạng (issue 12): the composite score per level, ranked, with its parts, the change since last
month and the progress rank, as the metrics give them; in the menu of leaders and the standing agency."""

from __future__ import annotations

import pytest

import i18n
import metrics
from tests.access_helpers import fast_hashing  # noqa: F401 - autouse fixture
from tests.test_pages_agency import (  # noqa: F401
    LATEST,
    LEADER,
    STANDING,
    inputs_of,
    names_of,
    open_page,
    sample,
)


@pytest.mark.slow
def test_the_league_table_is_the_scorecard_ranked_with_its_parts(sample):  # noqa: F811
    at = open_page("pages/league.py", LEADER)
    assert at.title[0].value == "Bảng xếp hạng"
    card = metrics.scorecard(inputs_of(sample), LATEST)
    communes = card.scores[(card.scores["level"] == "commune") & card.scores["score"].notna()].sort_values(["rank", "unit_code"])
    names = names_of(sample)
    table = at.dataframe[0].value
    assert len(table) == len(communes)
    assert list(table.columns[:2]) == ["Đơn vị", "Điểm"]  # the unit and its score first: what a phone shows
    assert list(table["Đơn vị"][:5]) == [names[c] for c in communes["unit_code"][:5]]
    assert list(table["Điểm"]) == [i18n.fmt_number(x, "vi", 2) for x in communes["score"]]  # 99,96: Vietnamese decimals
    assert {"Tiến độ, kết quả giải quyết", "Số hóa hồ sơ", "Cung cấp dịch vụ trực tuyến", "Thay đổi so với tháng trước",
            "Hạng tiến bộ"} <= set(table.columns)
    # The parts add up to the score.
    def number(text):
        return float(text.replace(".", "").replace(",", "."))

    parts = table[["Tiến độ, kết quả giải quyết", "Số hóa hồ sơ", "Cung cấp dịch vụ trực tuyến"]].map(number).sum(axis=1)
    assert list(parts) == pytest.approx(list(table["Điểm"].map(number)), abs=0.05)
    assert "chênh lệch" in at.markdown[0].value
    at.button_group(key="league_level").set_value("department").run()
    assert not at.exception
    departments = card.scores[(card.scores["level"] == "department") & card.scores["score"].notna()]
    assert len(at.dataframe[0].value) == len(departments)


@pytest.mark.slow
def test_the_league_table_before_the_reform_ranks_district_level_units(sample):  # noqa: F811
    at = open_page("pages/league.py", STANDING, period="2025-03")
    assert not at.exception
    assert at.button_group(key="league_level").value in ("district", ["district"])
    assert len(at.dataframe[0].value) == 20
