"""Oracle tests: every indicator, level, window, target, glide path, status, change and rank against figures
computed by hand (tests/metrics_province.py holds the table)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import metrics
from tests.metrics_province import REGISTRY, UNITS, province, row, values_frame

approx = pytest.approx

# DOMAIN.md §4, written out: code -> (numerator, denominator, kind)
DOMAIN_INDICATORS = {
    "online_dossier_rate": ("dossiers_received_online", "dossiers_received", "flow"),
    "full_online_rate": ("dossiers_full_online", "dossiers_received", "flow"),
    "on_time_rate": ("dossiers_resolved_on_time", "dossiers_resolved", "flow"),
    "dossier_digitization_rate": ("dossiers_digitized", "dossiers_received", "flow"),
    "result_digitization_rate": ("results_digitized", "dossiers_resolved", "flow"),
    "online_payment_rate": ("dossiers_paid_online", "dossiers_with_fee", "flow"),
    "id_card_coverage": ("id_cards_issued", "citizens_eligible_id", "stock"),
    "vneid_l2_activation_rate": ("vneid_l2_activated", "citizens_eligible_id", "stock"),
    "vneid_l2_conversion_rate": ("vneid_l2_activated", "vneid_l2_applications", "stock"),
    "social_noncash_rate": ("social_paid_noncash", "social_beneficiaries", "flow"),
    "hospital_noncash_rate": ("hospital_payments_noncash", "hospital_payments", "flow"),
    "school_noncash_rate": ("school_fee_payments_noncash", "school_fee_payments", "flow"),
}


def _two_units_two_months(numerator: str, denominator: str) -> metrics.Inputs:
    """Units A and B of province 98; only this indicator's elements are reported:
    2025-01: A 3/4, B 1/4;  2025-02: A 2/4, B 5/8;  B reports nothing for 2025-03, A reports 0/0."""
    units = pd.DataFrame(
        [("98", "province", None), ("A", "district", None), ("B", "district", None)],
        columns=["code", "level", "former_unit_code"],
    ).assign(province_code="98", valid_from=None, valid_to=None, successor_code=None)
    figures = [("A", "2025-01", 3, 4), ("B", "2025-01", 1, 4), ("A", "2025-02", 2, 4), ("B", "2025-02", 5, 8),
               ("A", "2025-03", 0, 0)]
    values = pd.DataFrame(
        [(u, p, numerator, n) for u, p, n, _ in figures] + [(u, p, denominator, d) for u, p, _, d in figures],
        columns=["unit_code", "period", "element_code", "value"],
    )
    return metrics.Inputs(units=units, values=values, registry=REGISTRY)


@pytest.mark.parametrize("code", sorted(DOMAIN_INDICATORS))
def test_every_indicator_aggregates_then_divides(code):
    numerator, denominator, kind = DOMAIN_INDICATORS[code]
    inputs = _two_units_two_months(numerator, denominator)

    month = row(metrics.kpis(inputs, "2025-02"), "98", code)
    assert (month["numerator"], month["denominator"]) == (7, 12)  # 2 + 5 over 4 + 8
    assert month["value"] == approx(7 / 12)  # not the mean of 2/4 and 5/8

    ytd = row(metrics.kpis(inputs, "2025-02", kind="ytd"), "98", code)
    if kind == "flow":
        assert (ytd["numerator"], ytd["denominator"]) == (11, 20)  # (3 + 1 + 2 + 5) / (4 + 4 + 4 + 8)
    else:
        assert (ytd["numerator"], ytd["denominator"]) == (7, 12)  # a stock is taken at the end of the window

    units = metrics.kpis(inputs, "2025-03", level="district")
    a = row(units, "A", code)
    assert math.isnan(a["value"]) and a["status"] == "no_data"  # 0 / 0 is "no data", not 0 % nor an error
    b = row(units, "B", code)
    if kind == "flow":
        assert math.isnan(b["value"])  # B did not report: flows are never carried
    else:
        assert (b["numerator"], b["denominator"], b["n_carried"]) == (5, 8, 1)  # its stock carried one month


def test_registry_matches_the_domain_table():
    got = {i.code: (i.numerator, i.denominator, REGISTRY.element_by_code[i.numerator].kind) for i in REGISTRY.indicators}
    assert got == DOMAIN_INDICATORS


# -- the hand-built province ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def inputs():
    return province()


@pytest.mark.parametrize(
    "period, indicator, numerator, denominator",
    [
        ("2024-07", "online_dossier_rate", 190, 400),  # 50 + 100 + 40 over 100 + 200 + 100 (D3 still counts)
        ("2024-11", "online_dossier_rate", 230, 400),  # departments (P1: 40/50) are never added in
        ("2024-12", "online_dossier_rate", 250, 400),  # D3 merged into D2: D2 reports 300 for both
        ("2025-01", "online_dossier_rate", 275, 400),
        ("2025-02", "online_dossier_rate", 80, 100),  # D2 did not report: only D1's flows
        ("2025-07", "online_dossier_rate", 336, 400),  # after the reform: C1 + C2 + C3
        ("2024-11", "on_time_rate", 218, 230),  # 78 + 90 + 50 over 80 + 100 + 50
        ("2025-06", "on_time_rate", 147, 150),  # D1 reported R and O but not S and T: only D2 counts
        ("2025-02", "id_card_coverage", 3080, 3530),  # D1 980/1020 + D2's 2100/2510 carried from January
        ("2025-06", "id_card_coverage", 2250, 2600),  # D1's stock is 4 months old: beyond the carry
        ("2025-07", "id_card_coverage", 3210, 3620),  # 500 + 410 + 2300 over 600 + 420 + 2600
    ],
)
def test_province_month(inputs, period, indicator, numerator, denominator):
    r = row(metrics.kpis(inputs, period), "99", indicator)
    assert (r["numerator"], r["denominator"]) == (numerator, denominator)
    assert r["value"] == approx(numerator / denominator)


def test_non_reporting_units_and_carried_stocks_are_counted_and_marked(inputs):
    feb = metrics.kpis(inputs, "2025-02")
    assert tuple(row(feb, "99", "id_card_coverage")[["n_units", "n_reporting", "n_carried"]]) == (2, 2, 1)
    assert tuple(row(feb, "99", "online_dossier_rate")[["n_units", "n_reporting", "n_carried"]]) == (2, 1, 0)
    june = metrics.kpis(inputs, "2025-06")
    assert tuple(row(june, "99", "id_card_coverage")[["n_units", "n_reporting", "n_carried"]]) == (2, 1, 0)
    no_carry = metrics.kpis(province(stock_carry_forward_months=0), "2025-02")
    assert tuple(row(no_carry, "99", "id_card_coverage")[["numerator", "denominator"]]) == (980, 1020)


@pytest.mark.parametrize(
    "kind, period, indicator, numerator, denominator",
    [
        ("ytd", "2025-02", "online_dossier_rate", 355, 500),  # January 275/400 + February 80/100
        ("ytd", "2025-02", "on_time_rate", 331, 350),  # 234/250 + 97/100
        ("ytd", "2025-02", "id_card_coverage", 3080, 3530),  # a stock: February's
        ("quarter", "2025-02", "online_dossier_rate", 355, 500),  # January and February
        ("quarter", "2025-07", "online_dossier_rate", 336, 400),  # July alone
        ("year", "2025-03", "online_dossier_rate", 1016, 1300),  # 275 + 80 + 325 + 336: to the last month held
        ("year", "2025-03", "id_card_coverage", 3210, 3620),  # stocks at the last month held (07/2025)
        ("ytd", "2024-12", "online_dossier_rate", 670, 1200),  # D3's July and November count (190 + 230 + 250)
    ],
)
def test_windows(inputs, kind, period, indicator, numerator, denominator):
    r = row(metrics.kpis(inputs, period, kind=kind), "99", indicator)
    assert (r["numerator"], r["denominator"]) == (numerator, denominator)


@pytest.mark.parametrize(
    "level, period, merged, expected",
    [
        # (unit, numerator, denominator) of online_dossier_rate for every group that exists that month
        ("district", "2024-11", False, {"D1": (60, 100), "D2": (120, 200), "D3": (50, 100)}),
        ("district", "2024-12", False, {"D1": (70, 100), "D2": (180, 300)}),  # D3 no longer exists
        ("district", "2024-11", True, {"D1": (60, 100), "D2": (170, 300)}),  # D3's history inside D2
        ("district", "2025-07", False, {}),
        ("commune", "2025-07", False, {"C1": (50, 60), "C2": (36, 40), "C3": (250, 300)}),
        ("former_district", "2024-11", False, {"D1": (60, 100), "D2": (120, 200), "D3": (50, 100)}),
        ("former_district", "2025-06", False, {"D1": (85, 100), "D2": (240, 300)}),
        ("former_district", "2025-07", False, {"D1": (86, 100), "D2": (250, 300)}),  # sums of their communes
        ("former_district", "2024-07", True, {"D1": (50, 100), "D2": (140, 300)}),
        ("department", "2025-01", False, {"P1": (0, 0), "P2": (10, 20)}),
        ("department", "2025-01", True, {"P1": (10, 20)}),  # P2 folded into P1
        ("department", "2025-02", False, {"P1": (30, 40)}),
        ("province", "2025-07", False, {"99": (336, 400)}),
    ],
)
def test_levels(inputs, level, period, merged, expected):
    table = metrics.kpis(inputs, period, level=level, merged=merged)
    online = table[table["indicator_code"] == "online_dossier_rate"]
    got = {r.unit_code: (r.numerator, r.denominator) for r in online.itertuples()}
    assert got == expected
    assert set(table["level"]) <= {level}


def test_the_former_district_series_continues_across_the_reform(inputs):
    series = metrics.trend(inputs, "2025-07", level="former_district", first="2024-11")
    d1 = series[(series["unit_code"] == "D1") & (series["indicator_code"] == "online_dossier_rate")]
    assert d1.set_index("period")["value"].dropna().to_dict() == approx(
        {"2024-11": 0.6, "2024-12": 0.7, "2025-01": 0.75, "2025-02": 0.8, "2025-06": 0.85, "2025-07": 0.86}
    )
    july = row(series, "D1", "online_dossier_rate", "2025-07")
    assert july["change_yoy_pp"] == approx((0.86 - 0.50) * 100)  # against D1 itself in 07/2024
    assert july["n_units"] == 2  # C1 and C2


def test_targets_province_wide_and_per_unit_override(inputs):
    table = metrics.kpis(inputs, "2025-01", level="district")
    d1, d2 = row(table, "D1", "online_dossier_rate"), row(table, "D2", "online_dossier_rate")
    assert (d1["target"], d1["target_source"]) == (0.90, "unit")
    assert (d2["target"], d2["target_source"]) == (0.80, "province")
    assert d1["gap_pp"] == approx((0.75 - 0.90) * 100)
    on_time_2024 = row(metrics.kpis(inputs, "2024-11"), "99", "on_time_rate")
    assert math.isnan(on_time_2024["target"]) and on_time_2024["status"] == "no_target"
    c1 = row(metrics.kpis(inputs, "2025-07", level="commune"), "C1", "online_dossier_rate")
    assert c1["target"] == 0.80  # a district's override is its own, not its communes'


@pytest.mark.parametrize(
    "level, unit, indicator, period, start, basis, start_period, expected, status",
    [
        # province online 2025: from December's 250/400 to 80 % in December, by twelfths
        ("province", "99", "online_dossier_rate", "2025-01", 0.625, "previous_december", "2024-12", 0.625 + 0.175 / 12, "on_track"),
        ("province", "99", "online_dossier_rate", "2025-02", 0.625, "previous_december", "2024-12", 0.625 + 0.175 * 2 / 12, "met"),
        # 2024 has no December 2023: the path starts at the first month with figures (07/2024: 0.475)
        ("province", "99", "online_dossier_rate", "2024-07", 0.475, "first_month", "2024-07", 0.475, "on_track"),
        ("province", "99", "online_dossier_rate", "2024-11", 0.475, "first_month", "2024-07", 0.475 + 0.225 * 4 / 5, "behind"),
        ("province", "99", "online_dossier_rate", "2024-12", 0.475, "first_month", "2024-07", 0.70, "behind"),
        # D1 against its own 90 % target
        ("district", "D1", "online_dossier_rate", "2025-01", 0.70, "previous_december", "2024-12", 0.70 + 0.2 / 12, "on_track"),
        # 960/1010 = 0.9505 vs a path at 0.9542: less than 5 points below
        ("district", "D1", "id_card_coverage", "2025-01", 0.95, "previous_december", "2024-12", 0.95 + 0.05 / 12, "at_risk"),
        # a commune created in July starts from its former district's December (D1: 950/1000)
        ("commune", "C1", "id_card_coverage", "2025-07", 0.95, "predecessor_december", "2024-12", 0.95 + 0.05 * 7 / 12, "behind"),
        ("former_district", "D1", "online_dossier_rate", "2025-07", 0.70, "previous_december", "2024-12", 0.70 + 0.2 * 7 / 12, "on_track"),
        ("department", "P1", "online_dossier_rate", "2025-01", 0.90, "previous_december", "2024-12", math.nan, "no_data"),
    ],
)
def test_glide_path_and_status(inputs, level, unit, indicator, period, start, basis, start_period, expected, status):
    r = row(metrics.kpis(inputs, period, level=level), unit, indicator)
    assert r["start_value"] == approx(start)
    assert (r["start_basis"], r["start_period"]) == (basis, start_period)
    assert r["status"] == status
    if not math.isnan(expected) and status != "no_data":
        assert r["expected"] == approx(expected)


def test_changes_since_last_month_and_last_year(inputs):
    jan = row(metrics.kpis(inputs, "2025-01"), "99", "online_dossier_rate")
    assert jan["change_mom_pp"] == approx((0.6875 - 0.625) * 100)
    assert math.isnan(jan["change_yoy_pp"])  # nothing in 01/2024
    july = row(metrics.kpis(inputs, "2025-07"), "99", "online_dossier_rate")
    assert july["change_yoy_pp"] == approx((0.84 - 0.475) * 100)
    assert july["change_mom_pp"] == approx((0.84 - 0.8125) * 100)  # June: 325/400
    march = row(metrics.kpis(inputs, "2025-03"), "99", "online_dossier_rate")
    assert math.isnan(march["value"]) and march["change_mom_pp"] != march["change_mom_pp"]  # no figures in March


@pytest.mark.parametrize(
    "level, period, indicator, ranks",
    [
        ("district", "2025-01", "online_dossier_rate", {"D1": (1, 2), "D2": (2, 2)}),  # 0.75, 0.667
        ("commune", "2025-07", "on_time_rate", {"C2": (1, 3), "C1": (2, 3), "C3": (2, 3)}),  # 0.975, 0.9667 twice
        ("department", "2025-01", "online_dossier_rate", {"P1": (None, 1), "P2": (1, 1)}),  # P1 has no data
    ],
)
def test_rank_in_peer_group(inputs, level, period, indicator, ranks):
    table = metrics.kpis(inputs, period, level=level)
    got = {r.unit_code: (None if pd.isna(r.rank) else int(r.rank), int(r.peers))
           for r in table[table["indicator_code"] == indicator].itertuples()}
    assert got == ranks


def test_trend_has_the_columns_of_kpis_for_every_month(inputs):
    series = metrics.trend(inputs, "2025-02", n_months=3)
    assert list(series.columns) == metrics.KPI_COLUMNS
    assert sorted(series["period"].unique()) == ["2024-12", "2025-01", "2025-02"]
    for period in ("2024-12", "2025-01", "2025-02"):
        single = metrics.kpis(inputs, period)
        part = series[series["period"] == period].reset_index(drop=True)
        pd.testing.assert_frame_equal(part, single)


def test_a_unit_abolished_or_created_mid_year_counts_only_while_it_exists(inputs):
    ytd = metrics.kpis(inputs, "2024-12", level="district", kind="ytd")
    assert set(ytd["unit_code"]) == {"D1", "D2"}  # D3 no longer exists in December ...
    province_ytd = row(metrics.kpis(inputs, "2024-12", kind="ytd"), "99", "online_dossier_rate")
    assert province_ytd["numerator"] == 190 + 230 + 250  # ... but its July and November count in the province
    communes = metrics.kpis(inputs, "2025-07", level="commune", kind="ytd")
    assert row(communes, "C1", "online_dossier_rate")["numerator"] == 50  # created in July


@pytest.mark.parametrize("bad", [dict(level="region"), dict(kind="week")])
def test_unknown_level_or_kind_is_refused_with_its_name(inputs, bad):
    with pytest.raises(ValueError, match=next(iter(bad.values()))):
        metrics.kpis(inputs, "2025-01", **bad)


def test_missing_columns_are_refused():
    with pytest.raises(ValueError, match="values: missing column"):
        metrics.Inputs(units=UNITS, values=values_frame().drop(columns="value"), registry=REGISTRY)


def test_a_yearly_trend_has_one_row_per_year(inputs):
    series = metrics.trend(inputs, "2025-07", kind="year", first="2024-11")
    assert sorted(series["period"].unique()) == ["2024-12", "2025-07"]  # 2025 runs to the last month held
    full_2024 = row(series, "99", "online_dossier_rate", "2024-12")
    assert (full_2024["numerator"], full_2024["denominator"]) == (670, 1200)
