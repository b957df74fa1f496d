"""Weak localities (DOMAIN.md §6): each month, the reporting units that need pushing, each with its reasons,
a severity and how long it has been flagged, ranked.

Rules, per unit and month (thresholds are settings):
- `below_target`  an indicator below its target by more than `weak_gap_pp` points;
- `behind`        an indicator `behind` its glide path (and not already below_target);
- `bottom_of_peers` among the `weak_bottom_n` lowest of its peer group on an indicator (communes with
                  communes, departments with departments, within the province; only where the group has
                  more than N units with figures);
- `large_shortfall` an indicator on which the unit carries at least `weak_large_share_factor` times its fair
                  share (1 / units with figures) of the peer group's shortfall (metrics.impact);
- `falling`       an indicator that fell `weak_falling_months` months in a row, by at least
                  `weak_falling_min_pp` points in all;
- `missing`, `late` the month's return not received, or received after the deadline (a return not yet due
                  at `as_of` is neither).
A reason on a figure carried from an earlier month (a stock pair the unit did not report: metrics.totals)
says so in `carried_from` ("YYYY-MM"), and its sentence carries the mark (presentation.flags); one on a
glide path that starts at the unit's first month with figures (no December of the year before) gives that
month in `path_from`.

On a province-wide bottleneck (at least `weak_bottleneck_share` of the peer group miss the indicator's target:
metrics.impact) `below_target` and `behind` apply only to the units with a `large_shortfall` on it and to the
bottom of the peers: 130 communes missing a
100 % target are one bottleneck, not 130 local failures.

Each reason earns the points of `weak_rule_points` (a rule with 0 points is off); a unit is flagged when it
has points. Severity: `high` from `weak_severity_high` points, `medium` from `weak_severity_medium`, else
`low`; at most `weak_high_max_share` of a peer group is `high` (the meeting's list: the units with the
largest shares first; at least one), the others above the threshold are `medium`. "Months flagged" counts the consecutive months up to this one in which the unit was flagged, looking
back at most `weak_history_months` months.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics import months
from metrics.completeness import completeness_units
from metrics.config import FLAG_RULES
from metrics.impact import Impact, impact_of
from metrics.indicators import STATUSES, IndicatorArrays, indicator_arrays
from metrics.inputs import Inputs
from metrics.levels import REPORTING_LEVELS

UNIT_COLUMNS = ["period", "rank", "unit_code", "level", "points", "severity", "months_flagged", "n_reasons", "rules",
                "top_share", "top_weight", "top_indicator", "top_shortfall"]
REASON_COLUMNS = [
    "period", "unit_code", "level", "rule", "indicator_code", "value", "target", "gap_pp", "expected", "status",
    "rank", "peers", "change_pp", "days_late", "points", "shortfall", "shortfall_glide", "share", "bottleneck",
    "carried_from", "path_from",
]
_INDICATOR_RULES = ("below_target", "behind", "bottom_of_peers", "large_shortfall", "falling")
_BEHIND = STATUSES.index("behind")
_FIRST_MONTH = 3  # metrics.indicators.glide_start's code for a path from the unit's first month with figures


@dataclass(frozen=True)
class WeakList:
    period: str
    units: pd.DataFrame  # UNIT_COLUMNS, ranked (1 = most in need of pushing)
    reasons: pd.DataFrame  # REASON_COLUMNS, one row per reason


def weak_localities(inputs: Inputs, period: str, as_of: dt.datetime | None = None) -> WeakList:
    cfg = inputs.config
    end = months.index(period)
    first_data = inputs.cube.first_month
    start = end - cfg.weak_history_months + 1
    if first_data is not None:
        start = min(max(start, first_data), end)
    history = [months.period(m) for m in range(start, end + 1)]
    submissions = completeness_units(inputs, history, as_of)
    per_level = [_level_flags(inputs, level, start, end, submissions) for level in REPORTING_LEVELS]
    unit_frames = [f for f, _ in per_level if len(f)]
    reason_frames = [r for _, r in per_level if len(r)]
    units = pd.concat(unit_frames, ignore_index=True) if unit_frames else pd.DataFrame(columns=UNIT_COLUMNS)
    reasons = pd.concat(reason_frames, ignore_index=True) if reason_frames else pd.DataFrame(columns=REASON_COLUMNS)
    units = units.sort_values(["top_weight", "points", "months_flagged", "unit_code"], ascending=[False, False, False, True],
                              ignore_index=True, na_position="last")
    units["rank"] = np.arange(1, len(units) + 1)
    order = {rule: i for i, rule in enumerate(FLAG_RULES)}
    if len(reasons):
        reasons = reasons.assign(_o=reasons["rule"].map(order)).sort_values(["unit_code", "_o", "indicator_code"], ignore_index=True).drop(columns="_o")
    return WeakList(period=period, units=units[UNIT_COLUMNS], reasons=reasons[REASON_COLUMNS])


def _level_flags(inputs: Inputs, level: str, start: int, end: int, submissions: pd.DataFrame):
    cfg = inputs.config
    falls = cfg.weak_falling_months
    asked = [months.period(m) for m in range(start - falls, end + 1)]
    a = indicator_arrays(inputs, asked, level=level, kind="month")
    if not (a.members[-1] > 0).any():
        return pd.DataFrame(columns=UNIT_COLUMNS), pd.DataFrame(columns=REASON_COLUMNS)
    h = slice(falls, None)  # the history months, after the lead-in the falling rule looks back over
    value, target = a.value[h], a.target[h]
    im = impact_of(inputs, a, h)
    rules = _indicator_rules(a, cfg, falls, im)
    points_of = cfg.weak_rule_points
    k, n_g, n_i = value.shape
    points = np.zeros((k, n_g), dtype=np.int64)
    for rule in _INDICATOR_RULES:
        points += rules[rule].sum(axis=2) * points_of[rule]
    missing, late, days_late = _submission_flags(a, submissions, start, end)
    points += missing * points_of["missing"] + late * points_of["late"]
    flagged = points > 0
    # Consecutive flagged months up to the last one.
    idx = np.arange(k)[:, None]
    last_clear = np.maximum.accumulate(np.where(~flagged, idx, -1), axis=0)[-1]
    months_flagged = np.where(flagged[-1], k - 1 - last_clear, 0)

    codes = a.cube.unit_codes[a.grouping.group_unit]
    this = flagged[-1]
    rule_names = np.array([r for r in FLAG_RULES if points_of[r] > 0], dtype=object)
    share_now = np.nan_to_num(im.share[-1])
    top_i = np.nan_to_num(im.weight()[-1]).argmax(axis=1)  # the indicator where the unit weighs most against fair share
    top_share = np.take_along_axis(share_now, top_i[:, None], axis=1)[:, 0]
    top_weight = np.take_along_axis(np.nan_to_num(im.weight()[-1]), top_i[:, None], axis=1)[:, 0]
    top_short = np.take_along_axis(np.nan_to_num(im.shortfall[-1]), top_i[:, None], axis=1)[:, 0]
    severity = _severity(points[-1], cfg)
    severity = _cap_high(severity, this, top_weight, points[-1], a.peer_key, a.members[-1] > 0, cfg.weak_high_max_share)
    units = pd.DataFrame({
        "period": months.period(end),
        "rank": 0,
        "unit_code": codes[this],
        "level": level,
        "points": points[-1][this],
        "severity": severity[this],
        "months_flagged": months_flagged[this],
        "top_share": np.where(top_share > 0, top_share, np.nan)[this],
        "top_weight": np.where(top_share > 0, top_weight, np.nan)[this],
        "top_indicator": np.where(top_share > 0, np.asarray(a.cube.indicator_codes, dtype=object)[top_i], None)[this],
        "top_shortfall": np.where(top_share > 0, top_short, np.nan)[this],
    })
    reasons = _reasons(a, rules, missing[-1], late[-1], days_late[-1], codes, level, end, falls, points_of, im)
    reasons = reasons[reasons["unit_code"].isin(units["unit_code"])]
    counts = reasons.groupby("unit_code")["rule"].agg(["size", lambda r: ",".join(x for x in rule_names if x in set(r))])
    counts.columns = ["n_reasons", "rules"]
    units = units.merge(counts, left_on="unit_code", right_index=True, how="left")
    return units[UNIT_COLUMNS], reasons[REASON_COLUMNS]


def _indicator_rules(a: IndicatorArrays, cfg, falls: int, im: Impact) -> dict[str, np.ndarray]:
    h = slice(falls, None)
    value, target = a.value[h], a.target[h]
    with np.errstate(invalid="ignore"):
        below = (value - target) * 100.0 < -cfg.weak_gap_pp
    behind = (a.status[h] == _BEHIND) & ~below
    n = cfg.weak_bottom_n
    rank, peers = a.rank[h], a.peers[h]
    bottom = (n > 0) & (rank >= 1) & (peers > n) & (rank > peers - n)
    large = im.large(cfg.weak_large_share_factor)
    # A province-wide bottleneck: only the units carrying a large share of it, or at the bottom, are flagged on it.
    local = ~im.bottleneck | large | bottom
    below &= local
    behind &= local
    # Falling: each of the last `falls` months lower than the one before, by `weak_falling_min_pp` in all.
    v = a.value
    falling = np.ones(value.shape, dtype=bool)
    total = len(v)
    with np.errstate(invalid="ignore"):
        for s in range(falls):  # a loop over the few months of the run, not over units
            now = v[falls - s : total - s]
            before = v[falls - s - 1 : total - s - 1]
            falling &= now < before
        drop = (v[:total - falls] - v[falls:]) * 100.0
        falling &= drop >= cfg.weak_falling_min_pp - 1e-9
    return {"below_target": below, "behind": behind, "bottom_of_peers": bottom, "large_shortfall": large, "falling": falling}


def _submission_flags(a: IndicatorArrays, submissions: pd.DataFrame, start: int, end: int):
    """missing, late (k, n_g) bool and days late (k, n_g) for the history months."""
    k, n_g = end - start + 1, a.grouping.n_groups
    codes = pd.Index(a.cube.unit_codes[a.grouping.group_unit])
    rows = submissions[submissions["unit_code"].isin(codes)]
    g = codes.get_indexer(rows["unit_code"])
    codes_p, uniq = pd.factorize(rows["period"])
    j = np.array([months.index(p) for p in uniq], dtype=np.int64)[codes_p] - start  # one parse per month
    missing = np.zeros((k, n_g), dtype=bool)
    late = np.zeros((k, n_g), dtype=bool)
    days = np.zeros((k, n_g), dtype=np.int64)
    status = rows["status"].to_numpy()
    missing[j[status == "missing"], g[status == "missing"]] = True
    is_late = status == "late"
    late[j[is_late], g[is_late]] = True
    days[j[is_late], g[is_late]] = rows["days_late"].to_numpy(dtype=np.float64, na_value=0)[is_late].astype(np.int64)
    return missing, late, days


def _severity(points: np.ndarray, cfg) -> np.ndarray:
    return np.select([points >= cfg.weak_severity_high, points >= cfg.weak_severity_medium], ["high", "medium"], default="low")


def _cap_high(severity: np.ndarray, flagged: np.ndarray, top_share: np.ndarray, points: np.ndarray, peer_key: np.ndarray,
              exists: np.ndarray, max_share: float) -> np.ndarray:
    """At most `max_share` of each peer group (units existing this month) stays `high`: those with the
    largest share of a shortfall, then the most points; the others become `medium`."""
    out = severity.copy()
    for p in np.unique(peer_key):  # one or two peer groups per province
        cols = np.flatnonzero((peer_key == p) & exists)
        limit = max(1, int(np.floor(max_share * len(cols) + 1e-9)))  # a small group still has its worst unit
        high = cols[(severity[cols] == "high") & flagged[cols]]
        if len(high) <= limit:
            continue
        order = np.lexsort((-points[high], -top_share[high]))
        out[high[order[limit:]]] = "medium"
    return out


def _reasons(a: IndicatorArrays, rules, missing, late, days_late, codes, level, end, falls, points_of, im: Impact) -> pd.DataFrame:
    last = -1
    frames = []
    period = months.period(end)
    value, target, expected = a.value[last], a.target[last], a.expected[last]
    change = (a.value[last] - a.value[last - falls]) * 100.0 if len(a.value) > falls else np.full_like(value, np.nan)
    for rule in _INDICATOR_RULES:
        if points_of[rule] <= 0:
            continue
        g, i = np.nonzero(rules[rule][last])
        frames.append(pd.DataFrame({
            "period": period, "unit_code": codes[g], "level": level, "rule": rule,
            "indicator_code": np.asarray(a.cube.indicator_codes, dtype=object)[i],
            "value": value[g, i], "target": target[g, i], "gap_pp": (value[g, i] - target[g, i]) * 100.0,
            "expected": expected[g, i], "status": np.asarray(STATUSES, dtype=object)[a.status[last][g, i]],
            "rank": a.rank[last][g, i], "peers": a.peers[last][g, i],
            "change_pp": change[g, i] if rule == "falling" else np.nan,
            "days_late": None, "points": points_of[rule],
            "shortfall": im.shortfall[last][g, i], "shortfall_glide": im.shortfall_glide[last][g, i],
            "share": im.share[last][g, i], "bottleneck": im.bottleneck[last][g, i],
            "carried_from": [months.period(int(m)) if m >= 0 else None for m in a.carried_from[last][g, i]],
            "path_from": [months.period(int(m)) if b == _FIRST_MONTH and m >= 0 else None
                          for b, m in zip(a.start_basis[last][g, i], a.start_month[last][g, i])],
        }))
    for rule, mask in (("missing", missing), ("late", late)):
        if points_of[rule] <= 0:
            continue
        g = np.flatnonzero(mask)
        frames.append(pd.DataFrame({
            "period": period, "unit_code": codes[g], "level": level, "rule": rule, "indicator_code": None,
            "value": np.nan, "target": np.nan, "gap_pp": np.nan, "expected": np.nan, "status": None,
            "rank": 0, "peers": 0, "change_pp": np.nan,
            "days_late": days_late[g] if rule == "late" else None, "points": points_of[rule],
            "shortfall": np.nan, "shortfall_glide": np.nan, "share": np.nan, "bottleneck": False,
            "carried_from": None, "path_from": None,
        }))
    out = pd.concat(frames, ignore_index=True)
    out["rank"] = pd.array(np.where(out["rank"] > 0, out["rank"], 0), dtype="Int64")
    out.loc[out["rank"] == 0, "rank"] = pd.NA
    out["peers"] = pd.array(out["peers"], dtype="Int64")
    out.loc[out["rule"].isin(["missing", "late"]), "peers"] = pd.NA
    out["days_late"] = pd.array(out["days_late"], dtype="Int64")
    return out


CHANGE_COLUMNS = ["unit_code", "level", "change", "severity", "severity_prev", "points", "points_prev", "months_flagged"]
CHANGES = ("new", "still", "improved", "resolved")
_SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1}


def flag_changes(this: WeakList, before: WeakList) -> pd.DataFrame:
    """What changed since the previous month, per unit flagged in either (CHANGE_COLUMNS):
    `new` flagged now, not then; `improved` flagged both months with a lower severity or fewer points;
    `still` flagged both months otherwise (`months_flagged` says for how long); `resolved` flagged then,
    not now."""
    now = this.units.set_index("unit_code")
    then = before.units.set_index("unit_code")
    codes = list(now.index) + [c for c in then.index if c not in now.index]
    rows = []
    for code in codes:
        a = now.loc[code] if code in now.index else None
        b = then.loc[code] if code in then.index else None
        if b is None:
            change = "new"
        elif a is None:
            change = "resolved"
        elif _SEVERITY_RANK[a["severity"]] < _SEVERITY_RANK[b["severity"]] or a["points"] < b["points"]:
            change = "improved"
        else:
            change = "still"
        rows.append({
            "unit_code": code, "level": (a if a is not None else b)["level"], "change": change,
            "severity": None if a is None else a["severity"], "severity_prev": None if b is None else b["severity"],
            "points": 0 if a is None else int(a["points"]), "points_prev": 0 if b is None else int(b["points"]),
            "months_flagged": 0 if a is None else int(a["months_flagged"]),
        })
    return pd.DataFrame(rows, columns=CHANGE_COLUMNS)


def change_counts(changes: pd.DataFrame) -> dict[str, int]:
    """How many units are new, still flagged, improved, resolved."""
    counts = changes["change"].value_counts()
    return {c: int(counts.get(c, 0)) for c in CHANGES}
