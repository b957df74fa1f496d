"""The sample province through the engine, on both backends: series unbroken across the reforms, former
districts continued by their communes, Cửa Lò visible alone and inside Vinh, departments never added in."""

from __future__ import annotations

import pandas as pd
import pytest

import metrics
from metrics.core import province_month
from storage import frames

REFORMS = ("2024-12", "2025-07")
LOCALITY_INDICATORS = [
    "online_dossier_rate", "full_online_rate", "on_time_rate", "dossier_digitization_rate", "result_digitization_rate",
    "online_payment_rate", "id_card_coverage", "vneid_l2_activation_rate", "vneid_l2_conversion_rate", "social_noncash_rate",
]


@pytest.fixture(scope="module")
def inputs(sample_engine):
    return metrics.Inputs(**frames.metric_frames(sample_engine))


@pytest.fixture(scope="module")
def province_series(inputs):
    return metrics.trend(inputs, inputs.latest_period, first="2024-01")


def test_the_province_series_has_no_gap(inputs, province_series):
    assert inputs.latest_period == "2026-10"
    wide = province_series.pivot(index="period", columns="indicator_code", values="value")
    assert len(wide) == 34  # 01/2024 – 10/2026
    assert wide[LOCALITY_INDICATORS].notna().all().all()


@pytest.mark.parametrize("indicator", LOCALITY_INDICATORS)
def test_no_jump_at_either_reform(province_series, indicator):
    """The structure changes are not where the series moves most: each reform month's change is smaller than
    the largest month-on-month change elsewhere."""
    changes = province_series[province_series["indicator_code"] == indicator].set_index("period")["change_mom_pp"].abs()
    elsewhere = changes.drop(list(REFORMS)).max()
    for month in REFORMS:
        assert changes[month] < elsewhere, (month, changes[month], elsewhere)


def test_the_province_counts_all_its_localities_each_month(province_series):
    units = province_series[province_series["indicator_code"] == "online_dossier_rate"].set_index("period")["n_units"]
    assert (units["2024-11"], units["2024-12"], units["2025-06"], units["2025-07"], units["2026-10"]) == (21, 20, 20, 130, 130)


def test_former_districts_continue_as_the_sum_of_their_communes(inputs):
    series = metrics.trend(inputs, "2025-07", level="former_district", first="2025-06")
    online = series[series["indicator_code"] == "online_dossier_rate"].pivot(index="unit_code", columns="period", values="value")
    assert len(online) == 20 and online.notna().all().all()  # every area (Cửa Lò inside Vinh) on both sides
    assert (online["2025-07"] - online["2025-06"]).abs().max() < 0.06
    july = series[(series["period"] == "2025-07") & (series["indicator_code"] == "online_dossier_rate")]
    communes = metrics.kpis(inputs, "2025-07", level="commune")
    communes = communes[communes["indicator_code"] == "online_dossier_rate"]
    former = inputs.units.set_index("code")["former_unit_code"]
    by_area = communes.assign(area=communes["unit_code"].map(former)).groupby("area")[["numerator", "denominator"]].sum()
    pd.testing.assert_frame_equal(
        july.set_index("unit_code")[["numerator", "denominator"]].sort_index(), by_area.rename_axis("unit_code").sort_index()
    )


def test_cua_lo_on_its_own_and_inside_vinh(inputs):
    alone = metrics.trend(inputs, "2025-06", level="former_district", first="2024-01")
    alone = alone[alone["indicator_code"] == "online_dossier_rate"]
    cua_lo = alone[alone["unit_code"] == "413"]
    assert list(cua_lo["period"]) == [f"2024-{m:02d}" for m in range(1, 12)]  # until 11/2024
    merged = metrics.trend(inputs, "2025-06", level="former_district", first="2024-01", merged=True)
    merged = merged[merged["indicator_code"] == "online_dossier_rate"]
    assert "413" not in set(merged["unit_code"])
    vinh = merged[merged["unit_code"] == "412"].set_index("period")
    vinh_alone = alone[alone["unit_code"] == "412"].set_index("period")
    november = vinh_alone.loc["2024-11", "numerator"] + cua_lo.set_index("period").loc["2024-11", "numerator"]
    assert vinh.loc["2024-11", "numerator"] == november
    assert vinh.loc["2025-01", "numerator"] == vinh_alone.loc["2025-01", "numerator"]  # from 12/2024 Vinh reports both
    assert len(vinh) == 18 and vinh["value"].notna().all()


def test_departments_are_beside_the_province_never_in_it(inputs):
    province = metrics.kpis(inputs, "2024-06").set_index("indicator_code").loc["online_dossier_rate"]
    districts = metrics.kpis(inputs, "2024-06", level="district")
    departments = metrics.kpis(inputs, "2024-06", level="department")
    pick = lambda t: t[t["indicator_code"] == "online_dossier_rate"]["numerator"].sum()  # noqa: E731
    assert province["numerator"] == pick(districts)
    assert pick(departments) > 0


@pytest.mark.parametrize("first", ["2025-10", "2026-10"])
def test_the_overview_function_gives_the_engine_s_province_figures(sample_engine, inputs, first):
    """Given the 12 months before (as the overview page loads them), every figure is the engine's; given the
    month alone, the flows still are (stocks of units that did not report cannot be carried then)."""
    old = province_month(frames.load_values(sample_engine, first=first, last="2026-10"), frames.load_units(sample_engine),
                         frames.load_registry(sample_engine), frames.load_targets(sample_engine), "2026-10", "40")
    new = metrics.kpis(inputs, "2026-10")
    if first == "2026-10":
        flows = ~new["indicator_code"].isin(["id_card_coverage", "vneid_l2_activation_rate", "vneid_l2_conversion_rate"])
        old, new = old[flows.to_numpy()], new[flows]
    cols = ["indicator_code", "numerator", "denominator", "value", "target"]
    pd.testing.assert_frame_equal(old[cols].reset_index(drop=True), new[cols].reset_index(drop=True))
    assert set(old["province_code"]) == {"40"}


def test_flags_scores_and_outlook_cover_the_reporting_units(inputs):
    weak = metrics.weak_localities(inputs, "2026-10")
    assert set(weak.units["level"]) <= {"commune", "department"}
    assert weak.units["severity"].isin(metrics.SEVERITIES).all()
    card = metrics.scorecard(inputs, "2026-10")
    scored = card.scores["score"].dropna()
    assert len(scored) > 120 and scored.between(0, 100).all()
    assert set(card.scores["level"]) == {"commune", "department"}
    outlook = metrics.outlook(inputs, "2026-10", level="commune")
    assert len(outlook) == 130 * len(inputs.registry.indicators)
