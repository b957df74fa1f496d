"""A file's problems as the submitter reads them (presentation/problems.py): whole-file errors first and
once, near-identical warnings grouped, every other problem kept whole and in order."""

from __future__ import annotations

from loaders.problems import Problem
from presentation.problems import problem_lines

ELEMENTS = {"citizens_eligible_id": "Số công dân thuộc diện cấp thẻ Căn cước", "id_cards_issued": "Số thẻ Căn cước đã cấp",
            "dossiers_received": "Tổng số hồ sơ TTHC tiếp nhận"}
UNITS = {f"4{i:02d}": f"Huyện {i}" for i in range(12, 33)}


def test_a_missing_column_for_every_unit_is_one_line_naming_units_and_elements():
    problems = [Problem("missing_expected", "t.xlsx", "S", 5 + i, None, unit, element, "2024-05")
                for i, unit in enumerate(UNITS) for element in ("citizens_eligible_id", "id_cards_issued")]
    lines = problem_lines(problems, UNITS, ELEMENTS, "vi")
    assert len(lines) == 1
    assert lines[0].message == ("21 đơn vị chưa có 2 chỉ tiêu tháng 05/2024: Số công dân thuộc diện cấp thẻ Căn cước; "
                                "Số thẻ Căn cước đã cấp.")
    assert lines[0].severity == "warning" and "Huyện 12" in lines[0].unit


def test_a_locked_month_found_on_every_row_is_said_once_and_first():
    located = [Problem("negative_value", "t.xlsx", "S", 7, 4, "412", "dossiers_received", "2024-05", {"value": "-5", "element": "x"})]
    locked = [Problem("period_locked", "t.xlsx", "S", 5 + i, 2, unit, None, "2024-05", {"month": "05/2024"}) for i, unit in enumerate(UNITS)]
    lines = problem_lines(located + locked, UNITS, ELEMENTS, "vi")
    assert [ln.whole_file for ln in lines] == [True, False]
    assert "05/2024 đã khóa sổ" in lines[0].message and "là số âm" in lines[1].message


def test_one_unit_missing_one_element_stays_a_located_line():
    lines = problem_lines([Problem("missing_expected", "t.xlsx", "S", 9, 5, "412", "id_cards_issued", "2024-05",
                                   {"unit": "Huyện 12", "element": "Số thẻ Căn cước đã cấp", "month": "05/2024"})],
                          UNITS, ELEMENTS, "vi")
    assert len(lines) == 1 and lines[0].where == "t.xlsx › S › ô E9"
