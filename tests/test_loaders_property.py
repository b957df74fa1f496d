"""Property: no cell content makes the loader raise anything but its own located error. Random cells go into
the unit column and the figure columns of a workbook and of a CSV file, and random bytes go in whole; the
loader either accepts the file or reports located problems (file, and sheet/row/column for a cell)."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from loaders.headers import HeaderMatcher
from loaders.ingest import ingest_files
from loaders.matching import UnitIndex
from loaders.parse import parse_book
from loaders.problems import LoaderError
from loaders.readers import read_book
from storage import frames
from testkit.bad_files import LOCALITY, NAMES, Sheet, csv_bytes, xlsx

CELL_LEVEL = {"not_a_number", "ambiguous_number", "not_whole", "negative_value", "value_too_large", "formula_no_value",
              "duplicate_row", "numerator_above_denominator", "unknown_unit", "unit_ambiguous", "unit_not_valid",
              "unit_not_yet_valid", "unit_conflict", "row_without_unit", "stock_fell", "large_change", "totals_mismatch"}

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30).map(lambda s: ILLEGAL_CHARACTERS_RE.sub("", s))
numbers_as_text = st.builds(lambda n, sep: f"{n:,}".replace(",", sep), st.integers(-10**9, 10**12), st.sampled_from([",", ".", " ", ""]))
cells = st.one_of(
    st.none(), st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)), text, numbers_as_text,
    st.sampled_from(["-", "–", "x", "62.950", "1.234.567", "62,950", "1,5", "=1+2", "=SUM(A1:A2)", "75%", "(5)", "Huyện Kỳ Sơn",
                     "Tổng cộng", "I. Cấp huyện", "412", "16681", "40-SYT", "Cửa Lò"]),
)
units = st.one_of(st.sampled_from(["Huyện Kỳ Sơn", "412", "TX Cửa Lò", "Xã Quế Phong", "Tổng cộng", "", "Sở Y tế"]), text, cells)
grids = st.lists(st.tuples(units, st.lists(cells, min_size=3, max_size=3)), min_size=1, max_size=6)
periods = st.sampled_from([None, "2024-05", "2025-08", "2099-01"])


def _rows(grid, title) -> list[list]:
    rows = [[title], ["Đơn vị", *(NAMES[e] for e in LOCALITY[:3])]]
    return rows + [[unit, *figures] for unit, figures in grid]


def _check(report) -> None:
    for outcome in report.files:
        assert outcome.status in ("accepted", "rejected", "duplicate")
        for p in outcome.problems:
            assert p.file == outcome.name and p.message("vi") and p.message("en") and p.hint("vi") and p.hint("en")
            if p.code in CELL_LEVEL and p.code != "totals_mismatch":
                assert p.sheet and p.row, p.as_dict()


@pytest.mark.slow  # 60 random workbooks through the whole loader, per backend
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(grid=grids, period=periods, title=st.sampled_from(["BÁO CÁO THÁNG 5/2024", "", "Tháng 13/2024", "THÁNG 07/2025"]))
def test_no_cell_content_makes_the_loader_raise(engine, grid, period, title):
    rows = _rows(grid, title)
    files = [("random.xlsx", xlsx(Sheet("Số liệu", rows)))]
    files.append(("random.csv", csv_bytes([[("" if v is None else str(v)) for v in r] for r in rows])))
    _check(ingest_files(engine, files, submitted_by="hypothesis", dry_run=True, period=period))


@settings(max_examples=150, deadline=None)
@given(data=st.one_of(
    st.binary(max_size=3000),
    st.binary(max_size=200).map(lambda b: b"PK\x03\x04" + b),
    st.binary(max_size=200).map(lambda b: b"\xd0\xcf\x11\xe0" + b),
    st.text(alphabet=string.printable + "ĐđăâêôơưÀÁẠ\t;,", max_size=2000).map(lambda s: s.encode("utf-8")),
))
def test_no_bytes_make_the_reader_raise_anything_but_its_own_error(data):
    import pandas as pd

    from domain.registry import load_registry
    from domain.units import nghe_an_units

    registry = load_registry()
    units = pd.DataFrame([u.__dict__ for u in nghe_an_units()])
    units["level"] = [u.level for u in nghe_an_units()]
    try:
        book = read_book("x", data)
        parse_book(book, HeaderMatcher(registry), UnitIndex(units))
    except LoaderError as exc:
        assert exc.problems and all(p.file == "x" for p in exc.problems)


def test_a_truncated_copy_of_every_prefix_of_a_real_workbook_is_refused_cleanly(engine):
    """Cutting a valid workbook anywhere (an upload broken off) gives a located 'damaged' message."""
    registry, units = frames.load_registry(engine), frames.load_units(engine)
    from loaders.template import build_template

    data = build_template(registry, units, "locality", "2024-05", unit="417")
    cuts = list(range(10, len(data), max(1, len(data) // 40)))
    report = ingest_files(engine, [(f"cut_{n}.xlsx", data[:n]) for n in cuts], submitted_by="t", dry_run=True)
    assert all(f.status == "rejected" for f in report.files)
    assert {p.code for f in report.files for p in f.errors} <= {"damaged_file", "empty_file", "not_spreadsheet", "not_utf8"}
