"""The loaders read a wide table's figures column by column, check the batch's cells as arrays and render a
warning's texts once per language: the same figures, the same problems and the same messages as reading,
checking and rendering cell by cell. A compiled workbook with text typed the Vietnamese way, dashes, a group
row, a totals row that does not add up, decomposed (NFD) names and `Ð`; a batch whose second month compares
with its first; the number columns against `read_number` cell by cell; and the caches kept for the process
(header matches, unit indexes) giving what a fresh matcher and index give."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from loaders.headers import HeaderMatcher
from loaders.ingest import ingest_files
from loaders.matching import UnitIndex, unit_index
from loaders.numbers import read_number, read_numbers
from loaders.parse import parse_book
from loaders.readers import read_book
from storage import frames
from testkit.bad_files import GOOD, LOCALITY, Sheet, compiled, nfd, xlsx

DISTRICTS = [("412", "Thành phố Vinh"), ("414", nfd("Thị xã Thái Hòa")), ("423", "huyện   tân   kỳ"),
             ("427", "Huyện Ðô Lương")]
COLUMN = {e: 3 + i for i, e in enumerate(LOCALITY)}  # where each element stands in a row of `compiled`
STOCKS = ("citizens_eligible_id", "id_cards_issued", "vneid_l2_applications", "vneid_l2_activated")


def _messy_compiled() -> bytes:
    values = {code: dict(GOOD) for code, _ in DISTRICTS}
    values["427"]["social_beneficiaries"] = None
    values["427"]["social_paid_noncash"] = None
    rows = compiled("2024-05", DISTRICTS, values, total=True)
    at = {r[1]: r for r in rows if len(r) > 1 and r[1] in values}
    at["412"][COLUMN["dossiers_received"]] = "1.000"
    at["412"][COLUMN["dossiers_received_online"]] = "800"
    at["412"][COLUMN["dossiers_full_online"]] = "–"
    at["412"][COLUMN["dossiers_resolved"]] = 950.0
    at["414"][COLUMN["dossiers_received"]] = "1 000"
    at["414"][COLUMN["citizens_eligible_id"]] = "50.000"
    at["414"][COLUMN["id_cards_issued"]] = "48.000"
    at["423"][COLUMN["dossiers_received"]] = " 1,000,000 "
    rows[-1][COLUMN["dossiers_digitized"]] = 2799  # the totals row is one short here
    header = next(i for i, r in enumerate(rows) if r and r[0] == "STT")
    rows.insert(header + 1, [None, None, "I. Cấp huyện"] + [None] * len(LOCALITY))
    return xlsx(Sheet("Tổng hợp", rows))


def _month(period: str, flows: float, stocks: float) -> bytes:
    values = {code: {e: int(v * (stocks if e in STOCKS else flows)) for e, v in GOOD.items()} for code, _ in DISTRICTS}
    return xlsx(Sheet("S", compiled(period, DISTRICTS, values)))


def _stored_warnings(engine, filename: str) -> list[dict]:
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT warnings FROM submission WHERE filename = :f"), {"f": filename}).scalar_one()
    return json.loads(raw) if isinstance(raw, str) else raw


def _values(engine) -> dict:
    v = frames.load_values(engine)
    return {(u, p, e): x for u, p, e, x in zip(v["unit_code"], v["period"], v["element_code"], v["value"])}


def test_a_messy_compiled_workbook_gives_the_same_figures_and_messages(engine):
    report = ingest_files(engine, [("tong_hop.xlsx", _messy_compiled())], submitted_by="test")
    outcome = report.files[0]
    assert outcome.status == "accepted", [p.text("en") for p in outcome.errors]
    assert outcome.units == ["412", "414", "423", "427"] and len(outcome.values) == 57
    got = _values(engine)
    assert got[("412", "2024-05", "dossiers_received")] == 1000  # "1.000"
    assert ("412", "2024-05", "dossiers_full_online") not in got  # "–" is no figure
    assert got[("412", "2024-05", "dossiers_resolved")] == 950  # 950.0
    assert got[("414", "2024-05", "dossiers_received")] == 1000  # "1 000", under an NFD name
    assert got[("414", "2024-05", "citizens_eligible_id")] == 50000  # "50.000"
    assert got[("423", "2024-05", "dossiers_received")] == 1_000_000  # " 1,000,000 "
    assert got[("427", "2024-05", "vneid_l2_activated")] == 35000  # "Ðô Lương" with U+00D0
    assert ("427", "2024-05", "social_beneficiaries") not in got
    assert [(p.code, p.unit, p.element, p.cell) for p in outcome.problems] == [
        ("missing_expected", "412", "dossiers_full_online", None),
        ("missing_expected", "427", "social_beneficiaries", None),
        ("missing_expected", "427", "social_paid_noncash", None),
        ("totals_mismatch", None, "dossiers_received", "D9"),
        ("totals_mismatch", None, "dossiers_full_online", "F9"),
        ("totals_mismatch", None, "dossiers_digitized", "I9"),
    ]
    by_cell = {(p.code, p.element): p for p in outcome.problems}
    digitized = by_cell[("totals_mismatch", "dossiers_digitized")]
    assert digitized.message("vi") == ("Dòng tổng ghi 'Số hồ sơ được số hóa thành phần hồ sơ' là 2.799, lệch 1 so với tổng "
                                       "các đơn vị (2.800); dòng tổng không được nhập.")
    received = by_cell[("totals_mismatch", "dossiers_received")]
    assert received.message("en") == ("The totals row gives 'Administrative-procedure dossiers received (all channels)' "
                                      "as 4,000, 999,000 off the units' sum (1,003,000); totals rows are not loaded.")
    missing = by_cell[("missing_expected", "social_beneficiaries")]
    assert (missing.sheet, missing.row) == ("Tổng hợp", 8)
    assert missing.message("vi") == ("Huyện Đô Lương (427): thiếu số liệu 'Số đối tượng hưởng chính sách an sinh xã hội' "
                                     "tháng 05/2024.")
    assert missing.message("en") == "Do Luong District (427): 'Social-security beneficiaries paid this month' is missing for 05/2024."
    # What is stored is what the report shows, each text rendered as message() and hint() render it.
    stored = _stored_warnings(engine, "tong_hop.xlsx")
    assert stored == [p.as_dict() for p in outcome.warnings]
    for p, d in zip(outcome.warnings, stored):
        assert (d["message_vi"], d["message_en"], d["hint_vi"], d["hint_en"]) == (
            p.message("vi"), p.message("en"), p.hint("vi"), p.hint("en"))


def test_the_cells_read_by_column_are_the_cells_read_one_by_one(engine):
    registry, units = frames.load_registry(engine), frames.load_units(engine)
    parsed = parse_book(read_book("t.xlsx", _messy_compiled()), HeaderMatcher(registry), UnitIndex(units))
    cells = list(parsed.cells)
    assert len(cells) == len(parsed.cells) == 4 * len(LOCALITY)
    assert all(c.reading == read_number(c.raw) for c in cells)
    assert [(c.row, c.column) for c in cells[:2]] == [(5, 4), (5, 5)]  # row by row, left to right
    assert [(t.row, t.element, t.reading.number) for t in parsed.totals][:2] == [(9, "dossiers_received", 4000.0),
                                                                               (9, "dossiers_received_online", 3200.0)]


def test_a_month_compares_with_the_month_before_it_in_the_batch_and_in_the_database(engine):
    first = ingest_files(engine, [("t04.xlsx", _month("2024-04", 1, 1))], submitted_by="test")
    assert first.files[0].status == "accepted" and not first.files[0].problems
    report = ingest_files(engine, [("t05.xlsx", _month("2024-05", 2, 0.9)), ("t06.xlsx", _month("2024-06", 0.5, 1))],
                          submitted_by="test")
    may, june = report.files
    assert may.status == june.status == "accepted"
    # May against April, held in the database: every flow doubled, every stock fell.
    assert sorted({p.code for p in may.problems}) == ["large_change", "stock_fell"] and len(may.problems) == 60
    d4 = next(p for p in may.problems if p.cell == "D4")
    assert d4.message("vi") == ("Thành phố Vinh (412): 'Tổng số hồ sơ TTHC tiếp nhận' thay đổi +100% so với tháng 04/2024 "
                                "(1.000 → 2.000).")
    # June against May, in the same batch.
    assert {p.code for p in june.problems} == {"large_change"} and len(june.problems) == 44
    e4 = next(p for p in june.problems if p.cell == "E4")
    assert e4.message("en") == "Vinh City (412): 'Dossiers received online' changed by −75% from 05/2024 (1,600 → 400)."
    assert _stored_warnings(engine, "t06.xlsx") == [p.as_dict() for p in june.warnings]


_CELLS = st.one_of(
    st.none(), st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.sampled_from([2**63 - 1, 2**63, -2**63, 2**53 + 1, 10**400, -0.0, dt.datetime(2024, 5, 1), dt.date(2024, 5, 1),
                     "62.950", "1.234.567", "62,950", "1 234", " 800 ", "-", "–", "", "x", "(1.234)", "12,5", "khoảng 950"]),
    st.text(max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(values=st.lists(_CELLS, max_size=12))
def test_a_column_of_cells_reads_as_each_cell_reads(values):
    number, blank, issue = read_numbers(values)
    for v, n, b, i in zip(values, number.tolist(), blank.tolist(), issue):
        one = read_number(v)
        assert (None if math.isnan(n) else n, b, i) == (one.number, one.blank, one.issue), v


def test_the_header_memo_kept_for_the_process_follows_the_mapping(engine):
    registry = frames.load_registry(engine)
    header = ["Nhận qua bưu điện"]
    assert HeaderMatcher(registry).match(header).kind != "element"
    mapped = HeaderMatcher(registry, {"Nhận qua bưu điện": "dossiers_received"})
    assert (mapped.match(header).kind, mapped.match(header).value) == ("element", "dossiers_received")
    assert HeaderMatcher(registry).match(header) == HeaderMatcher(registry).match(header)
    assert HeaderMatcher(registry).match(header).kind != "element"


def test_the_unit_index_kept_for_the_process_is_rebuilt_when_the_units_change(engine):
    units = frames.load_units(engine)
    index = unit_index(units)
    assert unit_index(frames.load_units(engine)) is index
    renamed = units.copy()
    renamed.loc[renamed["code"] == "412", "name_vi"] = "Thành phố Vinh Mới"
    other = unit_index(renamed)
    assert other is not index
    assert other.resolve("Thành phố Vinh Mới", "2024-05").code == "412"
    assert index.resolve("Thành phố Vinh Mới", "2024-05").status == "unknown"


@pytest.mark.parametrize("transaction", ["file", "batch"])
def test_a_batch_stores_the_same_figures_either_way(engine, transaction):
    report = ingest_files(engine, [("a.xlsx", _month("2024-04", 1, 1)), ("b.xlsx", _messy_compiled())],
                          submitted_by="test", transaction=transaction)
    assert [f.status for f in report.files] == ["accepted", "accepted"]
    assert sum(len(f.values) for f in report.files) == len(_values(engine)) == 60 + 57
