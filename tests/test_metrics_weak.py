"""Weak localities: every rule, its threshold, severity, how long a unit has been flagged, the ranking."""

from __future__ import annotations

import pytest

import metrics
from tests.metrics_province import province, vn

OFF = {"missing": 0, "late": 0, "large_shortfall": 0, "below_target": 0, "behind": 0, "bottom_of_peers": 0, "falling": 0}


def _only(rule: str, **settings):
    """The province with every rule off but `rule` (1 point each), and no bottleneck filtering (its own tests
    are in test_metrics_impact.py)."""
    return province(weak_rule_points={**OFF, rule: 1}, **{"weak_bottleneck_share": 0.0, **settings})


def _reasons(result: metrics.WeakList) -> set[tuple]:
    return {(r.unit_code, r.rule, r.indicator_code) for r in result.reasons.itertuples()}


def test_below_target_by_more_than_the_threshold():
    # ID cards against 100 %: C1 500/600 = 83,3 % (16,7 points below), C3 2300/2600 = 88,5 % (11,5 below)
    result = metrics.weak_localities(_only("below_target"), "2025-07")
    assert _reasons(result) == {("C1", "below_target", "id_card_coverage"), ("C3", "below_target", "id_card_coverage")}
    assert result.reasons.set_index("unit_code").loc["C1", "gap_pp"] == pytest.approx(-100 / 6)
    stricter = metrics.weak_localities(_only("below_target", weak_gap_pp=12.0), "2025-07")
    assert _reasons(stricter) == {("C1", "below_target", "id_card_coverage")}
    assert metrics.weak_localities(_only("below_target", weak_gap_pp=17.0), "2025-07").units.empty


def test_behind_the_glide_path_only_where_not_already_below_target():
    # With a 20-point threshold C1 is not "below target", but it is 14,6 points under its glide path.
    result = metrics.weak_localities(_only("behind", weak_gap_pp=20.0), "2025-07")
    assert _reasons(result) == {("C1", "behind", "id_card_coverage")}
    assert metrics.weak_localities(_only("behind"), "2025-07").units.empty  # below_target takes it


def test_bottom_of_peers_where_the_group_is_larger_than_n():
    # ID cards 07/2025: C2 97,6 %, C3 88,5 %, C1 83,3 % (rank 3 of 3). Online and on time: C1 and C3 tie
    # for rank 2 of 3 behind C2, so neither is the bottom one.
    result = metrics.weak_localities(_only("bottom_of_peers", weak_bottom_n=1), "2025-07")
    assert _reasons(result) == {("C1", "bottom_of_peers", "id_card_coverage")}
    assert metrics.weak_localities(_only("bottom_of_peers", weak_bottom_n=3), "2025-07").units.empty  # 3 peers, not more
    assert metrics.weak_localities(_only("bottom_of_peers", weak_bottom_n=0), "2025-07").units.empty


def test_falling_two_months_in_a_row():
    # D1 on time: 78/80 = 97,5 % (11/2024), 95 % (12/2024), 93 % (01/2025): 4,5 points in two falls.
    result = metrics.weak_localities(_only("falling"), "2025-01")
    assert _reasons(result) == {("D1", "falling", "on_time_rate")}
    assert result.reasons.iloc[0]["change_pp"] == pytest.approx(-4.5)
    assert metrics.weak_localities(_only("falling", weak_falling_min_pp=5.0), "2025-01").units.empty
    assert metrics.weak_localities(_only("falling", weak_falling_months=3), "2025-01").units.empty


def test_missing_and_late_returns():
    late = metrics.weak_localities(_only("late"), "2025-01")
    assert _reasons(late) == {("D2", "late", None)}
    assert late.reasons.iloc[0]["days_late"] == 1
    missing = metrics.weak_localities(_only("missing"), "2025-02", as_of=vn(2025, 3, 20))
    assert _reasons(missing) == {("D2", "missing", None)}
    not_yet = metrics.weak_localities(_only("missing"), "2025-02", as_of=vn(2025, 3, 4))
    assert not_yet.units.empty  # not due before 05/03


def test_how_long_a_unit_has_been_flagged_and_its_severity():
    inputs = province(weak_rule_points={**OFF, "missing": 4, "late": 1}, weak_severity_high=4, weak_severity_medium=2)
    units = metrics.weak_localities(inputs, "2025-02").units.set_index("unit_code")
    # D2: on time in 12/2024, late in 01/2025, missing in 02/2025
    assert (units.loc["D2", "months_flagged"], units.loc["D2", "severity"], units.loc["D2", "points"]) == (2, "high", 4)
    # P1: on time in 01/2025, late in 02/2025
    assert (units.loc["P1", "months_flagged"], units.loc["P1", "severity"]) == (1, "low")
    assert list(units.index[:2]) == ["D2", "P1"] and list(units["rank"][:2]) == [1, 2]
    # No figures at all in 03–05/2025: every unit then missed three returns in a row.
    may = metrics.weak_localities(inputs, "2025-05").units.set_index("unit_code")
    assert may.loc["D1", "months_flagged"] == 3


def test_history_is_bounded_by_a_setting():
    inputs = province(weak_rule_points={**OFF, "missing": 1}, weak_history_months=2)
    assert metrics.weak_localities(inputs, "2025-05").units.set_index("unit_code").loc["D1", "months_flagged"] == 2


def test_ranked_by_share_of_the_shortfall_then_points_with_every_reason_listed():
    result = metrics.weak_localities(province(weak_bottleneck_share=0.0), "2025-07", as_of=vn(2025, 9, 1))
    units = result.units
    assert list(units["rank"]) == list(range(1, len(units) + 1))
    key = list(zip(-units["top_weight"].fillna(0), -units["points"]))
    assert key == sorted(key)
    c1 = units.set_index("unit_code").loc["C1"]
    mine = result.reasons[result.reasons["unit_code"] == "C1"]
    assert c1["n_reasons"] == len(mine) and c1["points"] == mine["points"].sum()
    assert set(c1["rules"].split(",")) == set(mine["rule"])


def test_bad_rule_points_are_refused_with_the_rule_named():
    with pytest.raises(ValueError, match="unknown rule"):
        province(weak_rule_points={"shouting": 3}).config
