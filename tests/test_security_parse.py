"""Parse cost inside every limit (issue 17, item 5): a workbook's cells are counted in its XML before
openpyxl reads any (a lying or missing dimension does not help), and uploads to the web server are parsed in a
worker process with a time limit and a memory limit, so that one hostile file cannot hold the server. The figures of a
hostile file parsed beside another user's pages: bench/hostile.py."""

from __future__ import annotations

import pytest

from loaders import pool
from loaders.ingest import ingest_files
from loaders.problems import LoaderError
from loaders.readers import Limits, read_book
from testkit.bad_files import GOOD, Sheet, single_unit, xlsx
from testkit.hostile_files import grid
from tests.access_helpers import set_setting


@pytest.mark.parametrize("dimension", ["auto", None, "A1:B2"], ids=["true", "missing", "lying"])
def test_a_workbook_over_the_cell_budget_is_refused_before_it_is_read(dimension):
    content = grid(10_000, 120, dimension=dimension)  # 1.2 million cells, 4 MB
    with pytest.raises(LoaderError) as refused:
        read_book("bang_lon.xlsx", content, Limits())
    problem = refused.value.problems[0]
    assert (problem.code, problem.file, problem.sheet) == ("too_many_cells", "bang_lon.xlsx", "Số liệu")
    assert "1.000.000" in problem.message("vi") and "1,000,000" in problem.message("en")


def test_the_cell_budget_is_a_setting_and_an_ordinary_return_is_far_below_it(engine):
    set_setting(engine, "max_cells", 10_000)
    report = ingest_files(engine, [("lon.xlsx", grid(200, 60)), ("ky_son.xlsx", xlsx(Sheet("Số liệu", single_unit(
        "417", "Huyện Kỳ Sơn", "2024-05", GOOD))))], submitted_by="test", dry_run=True)
    assert [p.code for p in report.files[0].errors] == ["too_many_cells"]
    assert report.files[1].status == "accepted"


@pytest.mark.slow
def test_a_file_reading_past_its_time_is_stopped_and_refused_and_the_next_one_is_read(engine):
    set_setting(engine, "parse_seconds", 3)
    slow = grid(60_000, 15)  # 900,000 cells: inside the budget, about ten seconds of openpyxl
    good = xlsx(Sheet("Số liệu", single_unit("417", "Huyện Kỳ Sơn", "2024-05", GOOD)))
    report = ingest_files(engine, [("cham.xlsx", slow), ("ky_son.xlsx", good)], submitted_by="test", dry_run=True,
                           isolate=True)  # as an upload to the web server is
    problem = report.files[0].errors[0]
    assert (problem.code, problem.file) == ("parse_too_long", "cham.xlsx")
    assert "3 giây" in problem.message("vi") and "3 seconds" in problem.message("en")
    assert report.files[1].status == "accepted"  # a fresh worker read the next file


def _allocate(state, item):
    return len(bytearray(item * 1024 * 1024))


@pytest.mark.slow  # starts a worker process at the lowest priority: tens of seconds beside other work
def test_a_parse_needing_more_memory_than_allowed_is_stopped_not_the_server():
    over = pool.isolated_map(_allocate, [1500, 10], None, seconds=60, memory_mb=800, on_limit=lambda item, kind: kind)
    assert over == ["memory", 10 * 1024 * 1024]  # refused; the worker after it reads on

