"""Impact, not just distance (issue 12): shortfalls in the indicator's own units and their shares, province-wide
bottlenecks, a list that still discriminates when every unit misses a target, what changed since last month."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import metrics
from presentation import push
from tests.metrics_province import REGISTRY, province, vn


def test_shortfall_is_counted_in_the_indicator_s_own_units():
    # ID cards against 100 % in 07/2025: C1 600 − 500 = 100, C2 420 − 410 = 10, C3 2600 − 2300 = 300 cards.
    table = metrics.shortfall(province(), "2025-07")
    cards = table[table["indicator_code"] == "id_card_coverage"].set_index("unit_code")
    assert cards["shortfall"].to_dict() == pytest.approx({"C1": 100, "C2": 10, "C3": 300})
    assert list(cards.index) == ["C3", "C1", "C2"]  # largest share first
    assert cards.loc["C3", "share"] == pytest.approx(300 / 410)
    # A unit above its target has no shortfall and does not offset the others'.
    online = table[(table["indicator_code"] == "online_dossier_rate") & (table["level"] == "commune")].set_index("unit_code")
    assert online.loc["C2", "shortfall"] == 0  # 36/40 = 90 % ≥ 80 %


def test_shares_add_up_to_one_per_indicator_and_to_the_province_s_shortfall():
    table = metrics.shortfall(province(), "2025-07")
    for (level, code), group in table.groupby(["level", "indicator_code"]):
        total = group["shortfall"].sum()
        if total > 0:
            assert group["share"].sum() == pytest.approx(1.0), (level, code)
            assert (group["share"] * total).to_numpy() == pytest.approx(group["shortfall"].to_numpy())
    necks = metrics.bottlenecks(province(), "2025-07", table).set_index(["level", "indicator_code"])
    assert necks.loc[("commune", "id_card_coverage"), "shortfall"] == pytest.approx(410)
    assert necks.loc[("commune", "id_card_coverage"), "pareto_units"] == 2  # C3 73 %, then C1: 98 % ≥ 80 %
    assert push.pareto_line(2, "id_card_coverage", "vi") == "2 đơn vị chiếm 80% số thẻ Căn cước còn thiếu so với chỉ tiêu"


# -- a province where every unit misses the target --------------------------------------------------------

N = 20


def _all_miss(**settings) -> metrics.Inputs:
    """20 communes, online filing 50–69 % against an 85 % target in 2026, volumes from 100 dossiers a month
    growing by a quarter from one commune to the next (to about 6,900): every unit misses the target by more
    than 10 points, and the two largest carry a large share of the shortfall."""
    units = pd.DataFrame(
        [("98", "Tỉnh", "province", None, None, None, None)]
        + [(f"X{i:02d}", f"Xã {i}", "commune", dt.date(2025, 7, 1), None, None, None) for i in range(N)],
        columns=["code", "name_vi", "level", "valid_from", "valid_to", "former_unit_code", "successor_code"],
    ).assign(province_code="98")
    rows, scope = [], []
    for m, period in enumerate(["2025-12", "2026-01", "2026-02", "2026-03"]):
        for i in range(N):
            received = round(100 * 1.25 ** i)
            rate = 0.50 + 0.01 * ((i * 7) % N)
            rows += [(f"X{i:02d}", period, "dossiers_received", received),
                     (f"X{i:02d}", period, "dossiers_received_online", round(received * (rate + 0.002 * m)))]
            y, mo = int(period[:4]), int(period[5:])
            scope.append((f"X{i:02d}", period, len(scope) + 1, "locality", vn(y + mo // 12, mo % 12 + 1, 2)))
    targets = pd.DataFrame([("online_dossier_rate", 2026, "98", 0.85)], columns=["indicator_code", "year", "unit_code", "value"])
    scope = pd.DataFrame(scope, columns=["unit_code", "period", "submission_id", "form_code", "received_at"])
    scope["received_at"] = pd.to_datetime(scope["received_at"], utc=True)
    return metrics.Inputs(units=units, values=pd.DataFrame(rows, columns=["unit_code", "period", "element_code", "value"]),
                          registry=REGISTRY, targets=targets, scope=scope, settings=settings)


def test_when_every_unit_misses_the_target_the_list_still_discriminates():
    inputs = _all_miss()
    necks = metrics.bottlenecks(inputs, "2026-03")
    assert necks.iloc[0]["bottleneck"] and necks.iloc[0]["missing_target"] == N  # shown once, as a bottleneck
    weak = metrics.weak_localities(inputs, "2026-03", as_of=vn(2026, 5, 1))
    flagged = set(weak.units["unit_code"])
    assert 0 < len(flagged) < N / 2
    table = metrics.shortfall(inputs, "2026-03").set_index("unit_code")
    large = set(table.index[table["weight"] >= 3.0])
    bottom = set(table.sort_values("value").index[:3])
    assert large == {"X18", "X19"} and len(bottom) == 3
    assert flagged == large | bottom  # the units carrying a large share, and the bottom three
    assert weak.units.iloc[0]["unit_code"] == table["share"].idxmax()  # the largest share leads
    # Without the bottleneck rule every one of the 20 would be flagged "below target".
    plain = metrics.weak_localities(_all_miss(weak_bottleneck_share=0.0), "2026-03", as_of=vn(2026, 5, 1))
    assert len(plain.units) == N


def test_high_severity_is_capped_per_peer_group_with_the_largest_shares_kept():
    inputs = _all_miss(weak_bottleneck_share=0.0, weak_severity_high=2, weak_severity_medium=1)
    weak = metrics.weak_localities(inputs, "2026-03", as_of=vn(2026, 5, 1))
    high = weak.units[weak.units["severity"] == "high"]
    assert len(high) == 3  # 15 % of 20
    assert set(high["unit_code"]) == set(weak.units.nlargest(3, "top_weight")["unit_code"])
    uncapped = metrics.weak_localities(_all_miss(weak_bottleneck_share=0.0, weak_severity_high=2, weak_severity_medium=1,
                                                 weak_high_max_share=1.0), "2026-03", as_of=vn(2026, 5, 1))
    assert (uncapped.units["severity"] == "high").sum() == N


def test_what_changed_since_last_month():
    def weak(units):
        return metrics.WeakList("2026-03", pd.DataFrame(units, columns=["unit_code", "level", "points", "severity", "months_flagged"]),
                                pd.DataFrame())
    before = weak([("A", "commune", 12, "high", 3), ("B", "commune", 6, "medium", 1), ("C", "commune", 2, "low", 5)])
    now = weak([("A", "commune", 12, "high", 4), ("B", "commune", 3, "low", 2), ("D", "commune", 1, "low", 1)])
    changes = metrics.flag_changes(now, before).set_index("unit_code")
    assert changes["change"].to_dict() == {"A": "still", "B": "improved", "D": "new", "C": "resolved"}
    counts = metrics.change_counts(changes)
    assert counts == {"new": 1, "still": 1, "improved": 1, "resolved": 1}
    assert push.change_line(counts, "vi") == ("So với tháng trước: 1 mới bị nêu · 1 vẫn bị nêu · 1 có cải thiện · "
                                             "1 đã ra khỏi danh sách")
    assert push.change_text("still", 4, "vi") == "Vẫn bị nêu (4 tháng)"
