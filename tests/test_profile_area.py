"""Drill-through on Hồ sơ đơn vị (issue 12): a former district-level unit after 07/2025 shows its area as
continued by its communes for the chosen month (no jump back to 06/2025), with links down to each commune and
back up, and breadcrumbs."""

from __future__ import annotations

import pytest

import i18n
import metrics
from presentation import numbers
from tests.access_helpers import fast_hashing  # noqa: F401 - autouse fixture
from tests.test_pages_agency import (  # noqa: F401
    LATEST,
    STANDING,
    inputs_of,
    names_of,
    open_page,
    sample,
)


@pytest.mark.slow
def test_a_former_district_after_the_reform_shows_its_area_for_the_chosen_month(sample):  # noqa: F811
    at = open_page("pages/unit_profile.py", STANDING, unit="415", period=LATEST)  # Huyện Quế Phong, 10/2026
    assert at.selectbox(key="profile_unit").value == "415"
    assert at.selectbox(key="profile_period").value == LATEST  # not 06/2025
    expected = metrics.kpis(inputs_of(sample), LATEST, level="former_district")
    expected = expected[expected["unit_code"] == "415"].reset_index(drop=True)
    table = at.dataframe[0].value
    # A stock figure of the area that holds a commune's figure carried from an earlier month says so (issue 16).
    assert list(table["Kết quả"]) == [numbers.with_carried(i18n.fmt_pct(v, "vi"), c, "vi")
                                      for v, c in zip(expected["value"], expected["carried_from"])]
    assert "tổng của 5 xã, phường" in at.info[0].value
    assert any(c.value == "Tỉnh Nghệ An › Địa bàn Huyện Quế Phong cũ" for c in at.caption)
    names = names_of(sample)
    links = [el for el in at.get("page_link")]
    labels = {el.proto.label for el in links}
    assert {names[c] for c in ("16738", "16744", "16750", "16756", "16774")} <= labels


@pytest.mark.slow
def test_a_commune_links_up_to_its_former_district_for_the_same_month(sample):  # noqa: F811
    at = open_page("pages/unit_profile.py", STANDING, unit="16744", period=LATEST)
    assert any(c.value == "Tỉnh Nghệ An › Địa bàn Huyện Quế Phong cũ › Xã Thông Thụ" for c in at.caption)
    up = [el for el in at.get("page_link") if el.proto.label.startswith("Lên: Huyện Quế Phong")]
    assert len(up) == 1


@pytest.mark.slow
def test_a_commune_says_which_communes_of_before_the_reform_it_was_formed_from(sample):  # noqa: F811
    at = open_page("pages/unit_profile.py", STANDING, unit="16732", period=LATEST)  # Phường Cửa Lò
    formed = [c.value for c in at.caption if c.value.startswith("Hình thành từ")]
    assert len(formed) == 1
    assert "Hình thành từ 7 xã, phường, thị trấn trước 01/07/2025" in formed[0]
    assert "Thành phố Vinh: Phường Nghi Thủy, Phường Nghi Tân" in formed[0]
