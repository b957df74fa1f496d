"""The sample province is deterministic and shaped like reality (synthetic figures)."""

from __future__ import annotations

import pandas as pd
import pytest

from domain.registry import load_registry
from domain.units import nghe_an_units
from sample_data.generator import MOUNTAIN_WEST, generate
from storage import frames

REGISTRY = load_registry()


@pytest.fixture(scope="module")
def returns():
    return generate()


@pytest.fixture(scope="module")
def table(returns) -> pd.DataFrame:
    return pd.DataFrame(
        [dict(unit=r.unit_code, period=r.period, form=r.form_code, received_at=r.received_at, **r.values) for r in returns]
    )


def test_the_same_arguments_give_the_same_returns(returns):
    assert generate("2025-05", "2025-08") == [r for r in returns if "2025-05" <= r.period <= "2025-08"]


def test_every_unit_valid_in_a_month_reports_it_unless_missing(table):
    units = {u.code: u for u in nghe_an_units()}
    for period, group in table.groupby("period"):
        reported = set(group["unit"])
        expected = {c for c, u in units.items() if u.level != "province" and u.valid_on(pd.Timestamp(period + "-01").date())}
        assert reported <= expected
        assert len(reported) >= 0.85 * len(expected), period


def test_a_few_returns_are_missing_and_a_few_late(table):
    due = table["period"].map(lambda p: pd.Timestamp(p + "-01") + pd.DateOffset(months=1, days=4))
    local = table["received_at"].map(lambda t: t.tz_convert("Asia/Ho_Chi_Minh") if hasattr(t, "tz_convert") else pd.Timestamp(t).tz_convert("Asia/Ho_Chi_Minh"))
    late = (local.dt.date > due.dt.date).mean()
    assert 0.02 < late < 0.15
    expected_unit_months = 21 * 11 + 20 * 7 + 130 * 16  # localities 01/2024–10/2026
    localities = table[table["form"] == "locality"]
    assert 0.93 * expected_unit_months < len(localities) < expected_unit_months


def test_no_numerator_exceeds_its_denominator(table):
    for num, den in REGISTRY.ratio_pairs():
        both = table[[num, den]].dropna()
        assert (both[num] <= both[den]).all(), (num, den)


def test_stock_elements_never_fall(table):
    stocks = [e.code for e in REGISTRY.elements if e.kind == "stock"]
    for unit, group in table[table["form"] == "locality"].sort_values("period").groupby("unit"):
        diffs = group[stocks].diff().dropna()
        assert (diffs >= 0).all().all(), unit


def test_the_mountainous_west_lags_the_lowland(table):
    year = table[(table["period"].str.startswith("2024")) & (table["form"] == "locality")]
    west = year[year["unit"].isin(MOUNTAIN_WEST)]
    rest = year[~year["unit"].isin(MOUNTAIN_WEST)]
    rate = lambda d: d["dossiers_received_online"].sum() / d["dossiers_received"].sum()  # noqa: E731
    assert rate(west) < rate(rest) - 0.05


def test_tet_lowers_activity(table):
    localities = table[table["form"] == "locality"].groupby("period")["dossiers_received"].sum()
    assert localities["2024-02"] < 0.8 * localities[["2024-01", "2024-03"]].mean()
    assert localities["2026-02"] < 0.8 * localities[["2026-01", "2026-03"]].mean()


def test_the_province_is_plausibly_sized(table):
    stock = table[(table["period"] == "2025-06") & (table["form"] == "locality")]["citizens_eligible_id"].sum()
    assert 2_400_000 < stock < 2_900_000  # ≈ 79 % of about 3.4 million people are 14 or older


@pytest.mark.parametrize("before, after", [("2024-11", "2024-12"), ("2025-06", "2025-07")])
def test_structure_changes_do_not_make_the_province_jump(table, before, after):
    """Across each reform, an area whose units all reported in both months carries on where it was:
    the communes of a former district sum to what the district reported the month before."""
    units = {u.code: u for u in nghe_an_units()}

    def area(code: str) -> str:
        u = units[code]
        return "412" if code == "413" else (u.former_unit_code or code)

    def valid(code: str, period: str) -> bool:
        return units[code].valid_on(pd.Timestamp(period + "-01").date())

    localities = table[(table["form"] == "locality") & table["period"].isin([before, after])].copy()
    localities["area"] = localities["unit"].map(area)
    expected = {
        p: pd.Series([area(c) for c, u in units.items() if u.level in ("district", "commune") and valid(c, p)]).value_counts()
        for p in (before, after)
    }
    got = localities.groupby(["period", "area"])["unit"].count()
    complete = [a for a in expected[after].index if all(got.get((p, a), 0) == expected[p].get(a, -1) for p in (before, after))]
    assert len(complete) >= 10
    sums = localities[localities["area"].isin(complete)].groupby("period")[
        ["citizens_eligible_id", "dossiers_received", "dossiers_received_online"]
    ].sum()
    assert abs(sums.loc[after, "citizens_eligible_id"] / sums.loc[before, "citizens_eligible_id"] - 1) < 0.01
    rate = sums["dossiers_received_online"] / sums["dossiers_received"]
    assert abs(rate[after] - rate[before]) < 0.02


def test_the_sample_loads_through_the_write_path(sample_engine):
    subs = frames.submissions(sample_engine)
    assert len(subs) == len(generate())
    assert set(subs["source"]) == {"sample"}
    assert frames.latest_period(sample_engine) == "2026-10"
    assert frames.periods_with_data(sample_engine)[0] == "2024-01"
