"""The upload receipt's words (issue 16 item 5): number, figures stored with added/changed/unchanged, the
time received, on time or N days late by the province's date, the units."""

from __future__ import annotations

import datetime as dt

import pytest

from loaders.ingest import FileOutcome
from presentation.receipt import receipt, timeliness
from storage.submissions import ValueIn

UTC = dt.timezone.utc


def _outcome(periods=("2026-11",), units=("16681",)):
    values = [ValueIn(u, p, "dossiers_received", 1500) for u in units for p in periods]
    values += [ValueIn(u, p, "dossiers_received_online", 1200) for u in units for p in periods]
    return FileOutcome("vinh_11-2026.csv", "ab" * 32, 90, "accepted", stored=True, periods=list(periods),
                       units=list(units), values=values, submission_id=2895, added=1, changed=1, unchanged=0)


@pytest.mark.parametrize("received, expected, late", [
    (dt.datetime(2026, 12, 5, 16, 59, tzinfo=UTC), "Đúng hạn (hạn nộp 05/12/2026)", False),  # 23:59 on the 5th in Vietnam
    (dt.datetime(2026, 12, 5, 17, 0, tzinfo=UTC), "Muộn 1 ngày (hạn nộp 05/12/2026)", True),  # 00:00 on the 6th
    (dt.datetime(2026, 12, 20, 3, 0, tzinfo=UTC), "Muộn 15 ngày (hạn nộp 05/12/2026)", True),
])
def test_on_time_or_late_by_the_provinces_date(received, expected, late):
    assert timeliness("2026-11", received, 5, 7, "vi") == (expected, late)


def test_the_receipt_says_what_was_stored_and_when():
    paper = receipt(_outcome(), received_at=dt.datetime(2026, 12, 6, 13, 5, tzinfo=UTC), deadline_day=5, offset_hours=7,
                    unit_names={"16681": "Phường Thành Vinh"}, lang="vi")
    lines = dict(paper.lines)
    assert lines["Lần nộp số"] == "2895"
    assert lines["Số liệu đã lưu"] == "2 số liệu: 1 mới, 1 thay đổi, 0 không đổi"
    assert lines["Nhận lúc"] == "06/12/2026 20:05"  # Vietnam time
    assert lines["Tháng 11/2026"] == "Muộn 1 ngày (hạn nộp 05/12/2026)"
    assert lines["Đơn vị"] == "Phường Thành Vinh (16681)"
    assert paper.late and paper.units == ("16681",)


def test_the_receipt_in_english():
    paper = receipt(_outcome(), received_at=dt.datetime(2026, 12, 1, 2, 0, tzinfo=UTC), deadline_day=5, offset_hours=7,
                    unit_names={}, lang="en")
    lines = dict(paper.lines)
    assert lines["Figures stored"] == "2 figures: 1 new, 1 changed, 0 unchanged"
    assert lines["November 2026"] == "On time (due 05/12/2026)"
    assert not paper.late
