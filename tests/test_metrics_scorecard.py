"""The composite score (Decision 766 model) and the year-end outlook, against hand-computed figures."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

import metrics
from metrics.scorecard import SCORECARD_FILE, Criterion, ScoreGroup
from tests.metrics_province import REGISTRY, province, row

approx = pytest.approx


@pytest.fixture(scope="module")
def inputs():
    return province()


def test_the_shipped_scorecard_follows_decision_766():
    spec = metrics.load_scorecard(registry=REGISTRY)
    points = {g.code: g.points for g in spec.groups}
    assert points == {"transparency": 18, "timeliness": 20, "digitization": 22, "online_services": 22, "satisfaction": 18}
    assert sum(points.values()) == 100
    online = {c.indicator: (c.points, c.full_at) for c in next(g for g in spec.groups if g.code == "online_services").criteria}
    assert online["online_payment_rate"][0] == 10 and online["online_dossier_rate"][1] == 0.5
    assert all(c.full_at == 0.8 for c in next(g for g in spec.groups if g.code == "digitization").criteria)
    assert spec.measurable_points == 64  # transparency and satisfaction are not reported: rescaled away
    assert spec.unmeasured == "rescale"


def test_scores_of_the_communes(inputs):
    # Measurable here: on time (20 points, in proportion) and online (12 points, full from 50 %): 32 of 64.
    # C1: 58/60 → 19,333 + 12; C2: 39/40 → 19,5 + 12; C3: 290/300 → 19,333 + 12. Score = 100 × earned / 32.
    card = metrics.scorecard(inputs, "2025-07", levels="commune")
    scores = card.scores.set_index("unit_code")
    assert scores.loc["C1", "score"] == approx(100 * (20 * 58 / 60 + 12) / 32)
    assert scores.loc["C2", "score"] == approx(100 * (19.5 + 12) / 32)
    assert scores.loc["C1", "coverage"] == approx(0.5)
    assert {u: int(scores.loc[u, "rank"]) for u in scores.index} == {"C2": 1, "C1": 2, "C3": 2}
    assert scores["score_prev"].isna().all()  # the communes did not exist in June: no progress yet
    parts = card.parts[card.parts["unit_code"] == "C1"].set_index("indicator_code")
    assert parts.loc["online_dossier_rate", "points"] == 12  # 83 % is above the 50 % cap
    assert math.isnan(parts.loc["online_payment_rate", "points"])  # no figures: not counted either way


def test_progress_ranking(inputs):
    # D1: 12/2024 on time 95 % → 19 + 12 = 31/32; 01/2025 93 % → 18,6 + 12 = 30,6/32: −1,25 points.
    # D2: 12/2024 140/150 → 18,667 + 12; 01/2025 141/150 → 18,8 + 12: +0,417 points.
    scores = metrics.scorecard(inputs, "2025-01", levels="district").scores.set_index("unit_code")
    assert scores.loc["D1", "change"] == approx(100 * (30.6 - 31) / 32)
    assert scores.loc["D2", "change"] == approx(100 * (18.8 - 20 * 140 / 150) / 32)
    assert (int(scores.loc["D2", "progress_rank"]), int(scores.loc["D1", "progress_rank"])) == (1, 2)
    assert (int(scores.loc["D2", "rank"]), int(scores.loc["D1", "rank"])) == (1, 2)


def test_too_little_coverage_gives_no_score():
    scores = metrics.scorecard(province(scorecard_min_coverage=0.6), "2025-07", levels="commune").scores
    assert scores["score"].isna().all() and scores["rank"].isna().all()


def test_unmeasured_points_can_count_as_zero(inputs):
    spec = replace(metrics.load_scorecard(), unmeasured="zero")
    scores = metrics.scorecard(inputs, "2025-07", levels="commune", spec=spec).scores.set_index("unit_code")
    assert scores.loc["C2", "score"] == approx(19.5 + 12)  # out of 100, nothing for what is not measured


def test_weights_and_caps_are_configuration(inputs):
    spec = metrics.load_scorecard()
    groups = tuple(
        replace(g, criteria=tuple(replace(c, full_at=1.0) for c in g.criteria)) if g.code == "online_services" else g
        for g in spec.groups
    )
    scores = metrics.scorecard(inputs, "2025-07", levels="commune", spec=replace(spec, groups=groups)).scores
    c2 = scores.set_index("unit_code").loc["C2", "score"]
    assert c2 == approx(100 * (19.5 + 12 * 0.9) / 32)  # online 90 % earns 90 % of its 12 points without the cap


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: replace(s, total=90), "add up to 100, not the total 90"),
        (lambda s: replace(s, groups=s.groups + (ScoreGroup("x", "x", "x", 0, (Criterion("no_such", 1, 0, 1),)),)), "unknown indicator no_such"),
        (lambda s: replace(s, unmeasured="ignore"), "unmeasured must be one of"),
    ],
)
def test_bad_scorecards_are_refused_with_the_reason(inputs, change, message):
    with pytest.raises(ValueError, match=message):
        metrics.scorecard(inputs, "2025-07", spec=change(metrics.load_scorecard()))


def test_a_broken_file_names_itself(tmp_path):
    bad = tmp_path / "scorecard.toml"
    bad.write_text(SCORECARD_FILE.read_text(encoding="utf-8").replace("full_at = 0.8", "full_at = 0.0", 1), encoding="utf-8")
    with pytest.raises(ValueError, match=r"scorecard\.toml: .*full_at \(0\.0\) must be above zero_at"):
        metrics.load_scorecard(bad)


# -- outlook ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "level, unit, indicator, period, pace_pp, projected, needed_pp, on_course",
    [
        # 0.625 (12/2024) → 0.8 (02/2025): 8,75 points a month; ten months left: capped at 100 %
        ("province", "99", "online_dossier_rate", "2025-02", 8.75, 1.0, 0.0, True),
        # 0.475 (07/2024) → 0.575 (11/2024): 2,5 points a month; one month left to reach 70 %
        ("province", "99", "online_dossier_rate", "2024-11", 2.5, 0.6, 12.5, False),
        # D1 against its own 90 %: 0.70 (12/2024) → 0.85 (06/2025)
        ("district", "D1", "online_dossier_rate", "2025-06", 2.5, 1.0, 5 / 6, True),
        # ID cards: 2950/3500 → 3080/3530 in two months; 100 % needs (1 − 3080/3530) / 10 a month
        ("province", "99", "id_card_coverage", "2025-02", (3080 / 3530 - 2950 / 3500) / 2 * 100,
         min(1.0, 3080 / 3530 + (3080 / 3530 - 2950 / 3500) / 2 * 10), (1 - 3080 / 3530) / 10 * 100, True),
    ],
)
def test_outlook(inputs, level, unit, indicator, period, pace_pp, projected, needed_pp, on_course):
    r = row(metrics.outlook(inputs, period, level=level), unit, indicator)
    assert r["pace_pp"] == approx(pace_pp)
    assert r["projected_december"] == approx(projected)
    assert r["needed_gain_pp"] == approx(needed_pp)
    assert bool(r["on_course"]) is on_course
    assert r["months_left"] == 12 - int(period[5:])
