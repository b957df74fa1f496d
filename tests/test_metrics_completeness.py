"""Completeness and timeliness per form, unit and month, from the received times of the submissions."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import metrics
from storage import frames
from storage.submissions import SubmissionIn, ValueIn, record_submission
from tests.metrics_province import province, vn


@pytest.fixture(scope="module")
def inputs():
    return province()


def _units(inputs, period, as_of=None) -> dict:
    table = metrics.completeness_units(inputs, [period], as_of)
    return {(r.form_code, r.unit_code): r.status for r in table.itertuples()}


@pytest.mark.parametrize(
    "period, expected",
    [
        # D1: first receipt 23:59 on the due date (and a resubmission on 10/02); D2: 00:01 the next day
        ("2025-01", {("locality", "D1"): "on_time", ("locality", "D2"): "late",
                     ("department", "P1"): "on_time", ("department", "P2"): "on_time"}),
        # D2 sent nothing; P2 no longer exists; P1 two days late
        ("2025-02", {("locality", "D1"): "on_time", ("locality", "D2"): "missing", ("department", "P1"): "late"}),
        ("2025-07", {("locality", "C1"): "on_time", ("locality", "C2"): "on_time", ("locality", "C3"): "on_time",
                     ("department", "P1"): "on_time"}),
        ("2024-11", {("locality", "D1"): "on_time", ("locality", "D2"): "on_time", ("locality", "D3"): "on_time",
                     ("department", "P1"): "on_time", ("department", "P2"): "missing"}),
    ],
)
def test_each_expected_unit_has_a_status(inputs, period, expected):
    assert _units(inputs, period) == expected


@pytest.mark.parametrize(
    "period, form, counts, completeness, timeliness",
    [
        ("2025-01", "locality", (2, 2, 1, 1, 0, 0), 1.0, 0.5),  # the stray row for C1 (not yet a unit) never counts
        ("2025-01", "department", (2, 2, 2, 0, 0, 0), 1.0, 1.0),
        ("2025-02", "locality", (2, 1, 1, 0, 1, 0), 0.5, 0.5),
        ("2025-02", "department", (1, 1, 0, 1, 0, 0), 1.0, 0.0),
        ("2025-03", "locality", (2, 0, 0, 0, 2, 0), 0.0, 0.0),
    ],
)
def test_rates_per_form(inputs, period, form, counts, completeness, timeliness):
    table = metrics.completeness(inputs, period).set_index("form_code")
    r = table.loc[form]
    assert tuple(r[["expected", "submitted", "on_time", "late", "missing", "pending"]]) == counts
    assert (r["completeness"], r["timeliness"]) == (completeness, timeliness)


def test_a_resubmission_counts_once_and_the_first_receipt_decides(inputs):
    table = metrics.completeness_units(inputs, ["2025-01"]).set_index("unit_code")
    d1 = table.loc["D1"]
    assert d1["n_submissions"] == 2
    assert d1["first_received_at"] == pd.Timestamp(vn(2025, 2, 5, 23, 59))
    assert d1["last_received_at"] == pd.Timestamp(vn(2025, 2, 10))
    assert table.loc["D2", "days_late"] == 1


@pytest.mark.parametrize(
    "as_of, status",
    [(vn(2025, 3, 5, 23, 0), "pending"), (vn(2025, 3, 6, 8, 0), "missing"), (None, "missing")],
)
def test_a_return_not_yet_due_is_pending(inputs, as_of, status):
    assert _units(inputs, "2025-02", as_of)[("locality", "D2")] == status


@pytest.mark.parametrize("deadline_day, status", [(5, "late"), (6, "on_time")])
def test_the_deadline_is_a_setting(deadline_day, status):
    assert _units(province(deadline_day=deadline_day), "2025-01")[("locality", "D2")] == status


def test_timeliness_compares_local_dates(inputs):
    # 00:01 on 06/02 in Vietnam is still 05/02 in UTC: late in Vietnam time, on time in UTC.
    assert _units(province(timezone_offset_hours=0), "2025-01")[("locality", "D2")] == "on_time"


def test_summary_by_level(inputs):
    rows = metrics.completeness_units(inputs, ["2025-02", "2025-07"])
    table = metrics.completeness_summary(rows, by=["period", "level"]).set_index(["period", "level"])
    assert table.loc[("2025-02", "district"), "completeness"] == 0.5
    assert table.loc[("2025-07", "commune"), "expected"] == 3


def _submit(engine, unit, period, when, value, name):
    record_submission(engine, SubmissionIn(
        form_code="locality", filename=name, content=f"{unit},{period},{value}\n".encode(), submitted_by="test",
        values=[ValueIn(unit, period, "dossiers_received", value)], received_at=when,
    ))


def test_resubmissions_in_the_database_count_once(engine):
    _submit(engine, "412", "2024-05", vn(2024, 6, 7), 100, "a.csv")  # late ...
    _submit(engine, "412", "2024-05", vn(2024, 6, 9), 120, "b.csv")  # ... and corrected later
    _submit(engine, "414", "2024-05", vn(2024, 6, 4), 80, "c.csv")
    inputs = metrics.Inputs(**frames.metric_frames(engine))
    table = metrics.completeness(inputs, "2024-05").set_index("form_code").loc["locality"]
    assert (table["expected"], table["submitted"], table["on_time"], table["late"]) == (21, 2, 1, 1)
    rows = metrics.completeness_units(inputs, ["2024-05"]).set_index("unit_code")
    assert rows.loc["412", "n_submissions"] == 2 and rows.loc["412", "days_late"] == 2
    assert rows.loc["412", "first_received_at"].tzinfo is not None
    assert table["completeness"] <= 1.0


def test_completeness_never_exceeds_100_percent_on_the_sample(sample_engine):
    inputs = metrics.Inputs(**frames.metric_frames(sample_engine))
    periods = [f"{y}-{m:02d}" for y in (2024, 2025, 2026) for m in range(1, 13) if f"{y}-{m:02d}" <= "2026-10"]
    rows = metrics.completeness_units(inputs, periods, as_of=dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc))
    table = metrics.completeness_summary(rows, by=["period", "form_code"])
    assert (table["completeness"] <= 1).all() and (table["timeliness"] <= table["completeness"]).all()
    locality = table[table["form_code"] == "locality"].set_index("period")["expected"]
    assert (locality["2024-11"], locality["2024-12"], locality["2025-07"]) == (21, 20, 130)
    assert 0.9 < table["completeness"].mean() < 1.0
