"""Properties that must hold for any figures: aggregate-then-divide whatever the order of units and rows,
levels that add up, and windows that are sums of months (flows) or their last month (stocks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import metrics
from tests.metrics_province import REGISTRY

MONTHS = [f"2025-{m:02d}" for m in range(1, 7)]
FLOW = ("online_dossier_rate", "dossiers_received_online", "dossiers_received")
STOCK = ("id_card_coverage", "id_cards_issued", "citizens_eligible_id")


@st.composite
def provinces(draw):
    """Up to six district-level units over six months; any unit-month may be missing, and either element of a
    pair may be missing on its own; numerators never exceed denominators (zeros allowed)."""
    n_units = draw(st.integers(1, 6))
    codes = [f"U{i}" for i in range(n_units)]
    rows = []
    for unit in codes:
        for period in MONTHS:
            if not draw(st.booleans()) and draw(st.booleans()):
                continue  # about a quarter of unit-months missing
            for _, num, den in (FLOW, STOCK):
                d = draw(st.integers(0, 5000))
                n = draw(st.integers(0, d))
                which = draw(st.sampled_from(["both", "both", "both", "num", "den"]))
                if which in ("both", "num"):
                    rows.append((unit, period, num, n))
                if which in ("both", "den"):
                    rows.append((unit, period, den, d))
    if not rows:
        rows.append((codes[0], MONTHS[0], FLOW[2], 1))
    values = pd.DataFrame(rows, columns=["unit_code", "period", "element_code", "value"])
    # Some units report to a "former district" (groups of units) to test levels that add up.
    units = pd.DataFrame({
        "code": ["77", *codes], "level": ["province"] + ["district"] * n_units,
        "province_code": "77", "valid_from": None, "valid_to": None, "former_unit_code": None, "successor_code": None,
    })
    seed = draw(st.integers(0, 2**32 - 1))
    return units, values, seed


def _inputs(units, values, seed=None, **settings_):
    if seed is not None:
        rng = np.random.default_rng(seed)
        units = pd.concat([units.iloc[:1], units.iloc[1:].sample(frac=1, random_state=rng)], ignore_index=True)
        values = values.sample(frac=1, random_state=rng).reset_index(drop=True)
    return metrics.Inputs(units=units, values=values, registry=REGISTRY, settings=settings_)


def _direct(values: pd.DataFrame, period: str, num: str, den: str) -> tuple[float, float]:
    """Σnumerator, Σdenominator over the units that reported both elements in `period`, by hand."""
    month = values[values["period"] == period].pivot_table(index="unit_code", columns="element_code", values="value")
    if num not in month or den not in month:
        return 0.0, 0.0
    both = month[[num, den]].dropna()
    return float(both[num].sum()), float(both[den].sum())


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(provinces(), st.sampled_from(MONTHS))
def test_the_province_is_sum_of_numerators_over_sum_of_denominators_in_any_order(data, period):
    units, values, seed = data
    plain = metrics.kpis(_inputs(units, values, stock_carry_forward_months=0), period)
    shuffled = metrics.kpis(_inputs(units, values, seed, stock_carry_forward_months=0), period)
    pd.testing.assert_frame_equal(plain, shuffled)
    for code, num, den in (FLOW, STOCK):
        r = plain.set_index("indicator_code").loc[code]
        n, d = _direct(values, period, num, den)
        assert (r["numerator"], r["denominator"]) == (n, d)
        if d > 0:
            assert r["value"] == n / d
        else:
            assert np.isnan(r["value"])


@SETTINGS
@given(provinces(), st.sampled_from(MONTHS), st.sampled_from(["month", "quarter", "ytd"]), st.integers(0, 3))
def test_levels_add_up_to_the_province(data, period, kind, carry):
    units, values, seed = data
    inputs = _inputs(units, values, seed, stock_carry_forward_months=carry)
    province = metrics.kpis(inputs, period, kind=kind).set_index("indicator_code")
    districts = metrics.kpis(inputs, period, level="district", kind=kind)
    sums = districts.groupby("indicator_code")[["numerator", "denominator", "n_reporting", "n_carried"]].sum()
    for column in ("numerator", "denominator", "n_reporting", "n_carried"):
        assert (province.loc[sums.index, column] == sums[column]).all(), column


@SETTINGS
@given(provinces(), st.sampled_from(MONTHS), st.integers(0, 3))
def test_year_to_date_is_the_sum_of_months_for_flows_and_the_last_month_for_stocks(data, period, carry):
    units, values, _ = data
    inputs = _inputs(units, values, stock_carry_forward_months=carry)
    for level in ("province", "district"):
        ytd = metrics.kpis(inputs, period, level=level, kind="ytd").set_index(["unit_code", "indicator_code"])
        months = metrics.trend(inputs, period, level=level, first="2025-01")
        flows = months[months["indicator_code"] == FLOW[0]].groupby("unit_code")[["numerator", "denominator"]].sum()
        for unit, sums in flows.iterrows():
            got = ytd.loc[(unit, FLOW[0])]
            assert (got["numerator"], got["denominator"]) == (sums["numerator"], sums["denominator"])
        last = months[(months["indicator_code"] == STOCK[0]) & (months["period"] == period)].set_index("unit_code")
        for unit, month in last.iterrows():
            got = ytd.loc[(unit, STOCK[0])]
            assert (got["numerator"], got["denominator"]) == (month["numerator"], month["denominator"])
