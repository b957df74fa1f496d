"""Impact, not just distance (issue 12): how much of an indicator's target a unit leaves undone, in the
indicator's own units, and which indicators are province-wide bottlenecks rather than local failures.

- `shortfall`        max(0, target × denominator − numerator): the online dossiers, digitised dossiers,
                     activated accounts… the unit would have had at its target; `shortfall_glide` the same
                     at the glide path expected this month.
- `share`            the unit's shortfall ÷ the shortfall of its peer group (communes with communes,
                     departments with departments, within the province): the shares of a peer group add up
                     to 1 on every indicator that has a shortfall, and the group's total is the sum of its
                     units' shortfalls (a unit above its target does not offset one below it).
- `weight`           the share against the fair share: share × units with figures in the group (1 = an
                     average unit; `weak_large_share_factor` or more is a large shortfall), counted only
                     where the unit is at least `weak_shortfall_min_pp` points below the target.
- `carrier`          among the fewest units that together carry 80 % of the group's shortfall, largest
                     first (the Pareto head).
- `bottleneck`       (unless `weak_bottleneck_share` is 0) at least that share of the peer group's units with figures miss the
                     indicator's target: the indicator is a province-wide bottleneck, shown once, and units
                     are flagged on it only with a large shortfall or at the bottom of their peers (metrics.weak).
- Pareto             per indicator: how many units carry `pareto_cut` (80 %) of the group's shortfall.

Pure functions over `IndicatorArrays` (arrays k months × n_g groups × n_i indicators) and frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics import months
from metrics.indicators import IndicatorArrays, indicator_arrays
from metrics.inputs import Inputs
from metrics.levels import REPORTING_LEVELS

PARETO_CUT = 0.8
SHORTFALL_COLUMNS = [
    "period", "level", "unit_code", "indicator_code", "numerator", "denominator", "value", "target", "expected",
    "shortfall", "shortfall_glide", "share", "share_glide", "weight", "peer_rank", "carrier", "bottleneck",
]
BOTTLENECK_COLUMNS = [
    "period", "level", "indicator_code", "target", "peers", "missing_target", "missing_share", "shortfall", "shortfall_glide",
    "pareto_units", "bottleneck", "top_units",
]
_EPS = 1e-12


class Impact:
    """Shortfall, shares, carriers and bottlenecks for every month × group × indicator of `a` (or the
    months `h` of it)."""

    def __init__(self, a: IndicatorArrays, bottleneck_share: float, h: slice = slice(None), material_pp: float = 0.0):
        num, den = a.num[h], a.den[h]
        target, expected, value = a.target[h], a.expected[h], a.value[h]
        exists = (a.members[h] > 0)[:, :, None]
        has = exists & (den > 0) & ~np.isnan(target) & ~np.isnan(value)
        with np.errstate(invalid="ignore"):
            self.shortfall = np.where(has, np.maximum(0.0, target * den - num), np.nan)
            has_g = has & ~np.isnan(expected)
            self.shortfall_glide = np.where(has_g, np.maximum(0.0, expected * den - num), np.nan)
            misses = has & (value < target - _EPS)
        self.peer_key = a.peer_key
        self.has, self.misses = has, misses
        with np.errstate(invalid="ignore"):
            self.material = misses & ((target - value) * 100.0 >= material_pp - 1e-9)
        self.total = _by_peer(np.nan_to_num(self.shortfall), a.peer_key)  # (k, n_p, n_i)
        self.total_glide = _by_peer(np.nan_to_num(self.shortfall_glide), a.peer_key)
        self.n_has = _by_peer(has.astype(np.float64), a.peer_key)
        self.n_miss = _by_peer(misses.astype(np.float64), a.peer_key)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = self.total[:, a.peer_key, :]
            self.share = np.where(has & (t > 0), self.shortfall / np.where(t > 0, t, 1.0), np.nan)
            tg = self.total_glide[:, a.peer_key, :]
            self.share_glide = np.where(has_g & (tg > 0), self.shortfall_glide / np.where(tg > 0, tg, 1.0), np.nan)
            self.miss_share = np.where(self.n_has > 0, self.n_miss / np.where(self.n_has > 0, self.n_has, 1.0), np.nan)
        # A bottleneck needs a real group (at least three units with figures); a share of 0 turns the rule off.
        self.bottleneck_peer = ((bottleneck_share > 0) & (self.n_has >= 3)
                                & (np.nan_to_num(self.miss_share) >= bottleneck_share - _EPS))
        self.bottleneck = self.bottleneck_peer[:, a.peer_key, :]
        self.order, self.carrier, self.pareto = _pareto(self.share, a.peer_key, PARETO_CUT)

    def weight(self) -> np.ndarray:
        """share × units with figures in the peer group (1 = a fair share), where the unit misses the target by
        a material margin (`weak_shortfall_min_pp`); 0 elsewhere: a lone unit 0,5 points short does not
        weigh like a commune 40 points short."""
        return np.where(self.material, self.share * self.n_has[:, self.peer_key, :], np.where(self.has, 0.0, np.nan))

    def large(self, factor: float) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return (np.nan_to_num(self.share) > 0) & (np.nan_to_num(self.weight()) >= factor - 1e-9)


def _by_peer(x: np.ndarray, peer_key: np.ndarray) -> np.ndarray:
    """Sum over the groups of each peer key: (k, n_g, n_i) → (k, n_peers, n_i)."""
    n_p = int(peer_key.max()) + 1 if len(peer_key) else 1
    out = np.zeros((x.shape[0], n_p, x.shape[2]))
    np.add.at(out, (slice(None), peer_key, slice(None)), x)
    return out


def _pareto(share: np.ndarray, peer_key: np.ndarray, carry: float):
    """Per group: its place in the peer group's shortfall order (1 = largest; 0 = none), whether it is among
    the fewest units carrying `carry` of the shortfall; per peer group the number carrying PARETO_CUT."""
    k, n_g, n_i = share.shape
    n_p = int(peer_key.max()) + 1 if n_g else 1
    order = np.zeros(share.shape, dtype=np.int64)
    carrier = np.zeros(share.shape, dtype=bool)
    pareto = np.zeros((k, n_p, n_i), dtype=np.int64)
    for p in range(n_p):  # a loop over peer groups (one or two per province), not over units
        cols = np.flatnonzero(peer_key == p)
        if not len(cols):
            continue
        s = np.nan_to_num(share[:, cols, :])
        idx = np.argsort(-s, axis=1, kind="stable")
        sorted_s = np.take_along_axis(s, idx, axis=1)
        before = np.cumsum(sorted_s, axis=1) - sorted_s  # share carried by the larger ones
        positive = sorted_s > 0
        rank_sorted = np.where(positive, np.arange(1, len(cols) + 1)[None, :, None], 0)
        sub_order = np.zeros_like(idx)
        np.put_along_axis(sub_order, idx, rank_sorted, axis=1)
        sub_carrier = np.zeros(idx.shape, dtype=bool)
        np.put_along_axis(sub_carrier, idx, positive & (before < carry - 1e-9), axis=1)
        order[:, cols, :] = sub_order
        carrier[:, cols, :] = sub_carrier
        pareto[:, p, :] = (positive & (before < PARETO_CUT - 1e-9)).sum(axis=1)
    return order, carrier, pareto


def impact_of(inputs: Inputs, a: IndicatorArrays, h: slice = slice(None)) -> Impact:
    cfg = inputs.config
    return Impact(a, cfg.weak_bottleneck_share, h, cfg.weak_shortfall_min_pp)


def shortfall(inputs: Inputs, period: str, levels: str | tuple[str, ...] = REPORTING_LEVELS) -> pd.DataFrame:
    """One row per reporting unit × indicator with figures and a target for `period` (SHORTFALL_COLUMNS),
    largest share first within each level and indicator."""
    frames = []
    for level in (levels,) if isinstance(levels, str) else levels:
        a = indicator_arrays(inputs, [period], level=level, kind="month")
        im = impact_of(inputs, a)
        g, i = np.nonzero(im.has[0])
        if not len(g):
            continue
        codes = a.cube.unit_codes[a.grouping.group_unit]
        frames.append(pd.DataFrame({
            "period": months.period(int(a.ends[0])), "level": level, "unit_code": codes[g],
            "indicator_code": np.asarray(a.cube.indicator_codes, dtype=object)[i],
            "numerator": a.num[0][g, i], "denominator": a.den[0][g, i], "value": a.value[0][g, i],
            "target": a.target[0][g, i], "expected": a.expected[0][g, i],
            "shortfall": im.shortfall[0][g, i], "shortfall_glide": im.shortfall_glide[0][g, i],
            "share": im.share[0][g, i], "share_glide": im.share_glide[0][g, i], "weight": im.weight()[0][g, i],
            "peer_rank": im.order[0][g, i], "carrier": im.carrier[0][g, i], "bottleneck": im.bottleneck[0][g, i],
        }))
    if not frames:
        return pd.DataFrame(columns=SHORTFALL_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    out = out.sort_values(["level", "indicator_code", "share", "unit_code"], ascending=[True, True, False, True],
                          na_position="last", ignore_index=True)
    return out[SHORTFALL_COLUMNS]


def bottlenecks(inputs: Inputs, period: str, table: pd.DataFrame | None = None, top: int = 5) -> pd.DataFrame:
    """Per level × indicator with a shortfall: units with figures, how many miss the target (and their
    share), the total shortfall (at the target and at the glide path), how many units carry 80 % of it
    (the Pareto line), whether it is a province-wide bottleneck, and the `top` units carrying most of it
    (codes, largest first). Bottlenecks first, then by number of units missing."""
    table = shortfall(inputs, period) if table is None else table
    cut = inputs.config.weak_bottleneck_share
    rows = []
    for (level, code), g in table.groupby(["level", "indicator_code"], sort=False):
        peers = len(g)
        missing = int((g["value"] < g["target"] - _EPS).sum())
        total = float(g["shortfall"].sum())
        if total <= 0:
            continue
        ordered = g.sort_values("share", ascending=False)
        before = ordered["share"].cumsum() - ordered["share"]
        pareto = int(((ordered["share"] > 0) & (before < PARETO_CUT - 1e-9)).sum())
        rows.append({
            "period": period, "level": level, "indicator_code": code, "target": float(g["target"].mode().iloc[0]),
            "peers": peers, "missing_target": missing,
            "missing_share": missing / peers if peers else np.nan, "shortfall": total,
            "shortfall_glide": float(g["shortfall_glide"].sum()), "pareto_units": pareto,
            "bottleneck": cut > 0 and peers >= 3 and missing / peers >= cut - _EPS,
            "top_units": ordered.loc[ordered["share"] > 0, "unit_code"].head(top).tolist(),
        })
    out = pd.DataFrame(rows, columns=BOTTLENECK_COLUMNS)
    return out.sort_values(["bottleneck", "missing_target", "level", "indicator_code"], ascending=[False, False, True, True],
                           ignore_index=True)
