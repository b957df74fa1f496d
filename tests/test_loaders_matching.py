"""The small pieces of tolerant reading, case by case: figures typed as text, months written as text,
headers in an office's own wording, unit names as people write them and as history changed them."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pandas as pd
import pytest

from domain.registry import load_registry
from domain.units import nghe_an_units
from loaders.headers import HeaderMatcher
from loaders.matching import UnitIndex
from loaders.numbers import periods_in_text, read_number, read_period

REGISTRY = load_registry()


@pytest.fixture(scope="module")
def index():
    units = nghe_an_units()
    frame = pd.DataFrame([u.__dict__ for u in units])
    frame["level"] = [u.level for u in units]
    return UnitIndex(frame)


@pytest.mark.parametrize("cell, number, blank, issue", [
    (62950, 62950.0, False, None), (62950.0, 62950.0, False, None), ("62.950", 62950.0, False, None),
    ("1.234.567", 1234567.0, False, None), ("1 234 567", 1234567.0, False, None), ("1,234,567", 1234567.0, False, None),
    ("62,950", None, False, "ambiguous_number"), ("12,5", 12.5, False, None), ("12.5", 12.5, False, None),
    ("-5", -5.0, False, None), ("(5)", -5.0, False, None), ("−1.000", -1000.0, False, None), ("-", None, True, None),
    ("–", None, True, None), ("", None, True, None), (None, None, True, None), ("  ", None, True, None),
    ("75%", None, False, "not_a_number"), ("abc", None, False, "not_a_number"), (True, None, False, "not_a_number"),
    (dt.datetime(2024, 5, 1), None, False, "not_a_number"), (float("nan"), None, False, "not_a_number"),
    ("\u00a062\u00a0950 ", 62950.0, False, None),
])
def test_figures_typed_as_people_type_them(cell, number, blank, issue):
    reading = read_number(cell)
    assert (reading.number, reading.blank, reading.issue) == (number, blank, issue)


@pytest.mark.parametrize("cell, period", [
    ("2024-05", "2024-05"), ("05/2024", "2024-05"), ("5/2024", "2024-05"), ("T5/2024", "2024-05"),
    ("Tháng 5/2024", "2024-05"), ("tháng 05 năm 2024", "2024-05"), (dt.datetime(2024, 5, 1), "2024-05"),
    ("13/2024", None), ("Quý II", None), ("2024", None),
])
def test_months_written_as_text(cell, period):
    assert read_period(cell) == period


@pytest.mark.parametrize("title, found", [
    ("BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06 THÁNG 5/2024", ["2024-05"]),
    ("Nghệ An, ngày 03 tháng 6 năm 2024", []),  # a signing date, not the reporting month
    ("Báo cáo tháng 5 và tháng 6/2024", ["2024-06"]),
    ("MONTH 07/2025 REPORT", ["2025-07"]),
])
def test_months_named_in_titles(title, found):
    assert periods_in_text(title) == found


@pytest.mark.parametrize("header, element", [
    ("Tổng số hồ sơ TTHC tiếp nhận", "dossiers_received"), ("dossiers_received", "dossiers_received"),
    ("Dossiers received online", "dossiers_received_online"), ("Nộp qua dịch vụ công trực tuyến", "dossiers_received_online"),
    (unicodedata.normalize("NFD", "Số hồ sơ tiếp nhận trực tuyến"), "dossiers_received_online"),
    ("SỐ HỒ SƠ  TOÀN TRÌNH", "dossiers_full_online"), ("Hồ sơ giải quyết đúng hạn", "dossiers_resolved_on_time"),
    ("Đã giải quyết", "dossiers_resolved"), ("Số hóa kết quả", "results_digitized"), ("Hồ sơ được số hóa", "dossiers_digitized"),
    ("Hồ sơ có phí, lệ phí", "dossiers_with_fee"), ("Thanh toán trực tuyến", "dossiers_paid_online"),
    ("Công dân từ 14 tuổi", "citizens_eligible_id"), ("Đã cấp CCCD", "id_cards_issued"),
    ("Tài khoản định danh mức 2 đã kích hoạt", "vneid_l2_activated"), ("Hồ sơ định danh mức 2 đã thu nhận", "vneid_l2_applications"),
    ("Chi trả an sinh không dùng tiền mặt", "social_paid_noncash"), ("Viện phí không dùng tiền mặt", "hospital_payments_noncash"),
    ("Học phí", "school_fee_payments"),
])
def test_headers_in_an_office_wording(header, element):
    m = HeaderMatcher(REGISTRY).match([header])
    assert (m.kind, m.value) == ("element", element)


@pytest.mark.parametrize("parts, element", [
    (["Tiếp nhận hồ sơ", "Tổng số"], "dossiers_received"),
    (["Tiếp nhận hồ sơ", "Trực tuyến"], "dossiers_received_online"),
    (["Tiếp nhận hồ sơ", "Toàn trình"], "dossiers_full_online"),
    (["Thanh toán viện phí", "Không dùng tiền mặt"], "hospital_payments_noncash"),
    (["Kết quả thực hiện", "Số hồ sơ được số hóa"], "dossiers_digitized"),  # "figures" over a header adds nothing
    (["Tổng số hồ sơ TTHC tiếp nhận", "dossiers_received"], "dossiers_received"),  # the template's code row
])
def test_group_headers_over_sub_headers(parts, element):
    m = HeaderMatcher(REGISTRY).match(parts)
    assert (m.kind, m.value) == ("element", element)


@pytest.mark.parametrize("header, kind", [
    ("Tỷ lệ hồ sơ trực tuyến (%)", "ignore"), ("Ghi chú", "ignore"), ("Viện phí và học phí", "ambiguous"),
    ("dossiers_recieved", "unknown_element"), ("Lũy kế năm", "unrecognised"), ("Mã ĐVHC", "role"),
])
def test_headers_not_taken_as_figures(header, kind):
    assert HeaderMatcher(REGISTRY).match([header]).kind == kind


def test_a_mapping_wins_over_every_reading():
    m = HeaderMatcher(REGISTRY, {"Lũy kế năm": "ignore", "Nhận qua bưu điện": "dossiers_received"})
    assert m.match(["LŨY KẾ NĂM"]).kind == "ignore"
    assert m.match(["Nhận qua Bưu điện"]).value == "dossiers_received"


@pytest.mark.parametrize("text, period, status, code", [
    ("Cửa Lò", "2024-10", "ok", "413"), ("Cửa Lò", "2025-01", "not_valid", "413"), ("Cửa Lò", "2025-08", "ok", "16732"),
    ("Phường Cửa Lò", "2025-03", "not_yet_valid", "16732"), ("TX Cửa Lò", "2025-08", "not_valid", "413"),
    ("Quỳnh Lưu", "2025-06", "ok", "421"), ("Quỳnh Lưu", "2025-07", "ok", "17179"), ("Huyện Quỳnh Lưu", "2025-07", "not_valid", "421"),
    ("421", "2025-07", "not_valid", "421"), ("421.0", "2024-01", "ok", "421"), ("Sở Giao thông vận tải", "2025-02", "ok", "40-SGTVT"),
    ("Sở Giao thông vận tải", "2025-03", "not_valid", "40-SGTVT"), ("Không Có", "2024-01", "unknown", None),
])
def test_units_by_name_in_their_month(index, text, period, status, code):
    res = index.resolve(text, period)
    assert (res.status, res.code) == (status, code)


def test_what_reports_after_a_unit_ended(index):
    assert index.successors_of("413") == ["412"]
    assert index.successors_of("40-SGTVT") == ["40-SXD"]
    assert len(index.successors_of("417")) == 12  # Kỳ Sơn's communes


@pytest.mark.parametrize("n", [0, 7, 999, 1000, 62950, 1234567, -5, -1234, 10**15])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_problem_numbers_read_like_every_other_number(n, lang):
    import i18n
    from loaders.problems import int_text

    assert int_text(n, lang) == i18n.fmt_int(n, lang)
