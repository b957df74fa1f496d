"""Every indicator of the registry for every group of a level and one or more periods: numerator,
denominator, value, target, gap, glide path, status, changes and rank, as one tidy frame
(DOMAIN.md §4). The registry is data: the engine loops over nothing but arrays.

Targets: the row for the group's own unit code overrides the province-wide row (the province's code).

Glide path: from the group's value at the end of the previous year to the year's target in December,
linearly by month. Its start is, in this order:
  `previous_december`    the group's own December value of the previous year;
  `predecessor_december` for a group that did not exist then (a commune in 2025, a department formed by a
                         merger): the December value of the units it continues (its former district-level
                         unit; the units merged into it), as one Σnum/Σden;
  `first_month`          otherwise its first month with figures in the year (the path then runs from that
                         month to December).

Status (month, and the windows at their last month): `met` value ≥ target; `on_track` value ≥ the glide
path; `at_risk` below it by at most `status_at_risk_band_pp`; `behind` further below; `no_target` when
the year has no target; `no_data` when the denominator is 0 or nobody reported.

Carried figures: a stock pair a unit did not report this month is carried from its latest report
(metrics.totals); `n_carried` counts the group's carried members and `carried_from` ("YYYY-MM") is the
month the (earliest) carried figure comes from, missing when every member reported. Words show it
wherever such a figure is shown (presentation.numbers.carried_note).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from metrics import months
from metrics.cube import Cube
from metrics.inputs import Inputs
from metrics.levels import Grouping, grouping, predecessor_pairs
from metrics.totals import MonthTotals, Windows, month_totals, ratio

_STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas 3's default `str`

STATUSES = ("met", "on_track", "at_risk", "behind", "no_target", "no_data")
START_BASES = ("previous_december", "predecessor_december", "first_month")
TARGET_SOURCES = ("province", "unit")

KPI_COLUMNS = [
    "period", "kind", "level", "unit_code", "indicator_code", "numerator", "denominator", "value", "target",
    "target_source", "gap_pp", "expected", "start_value", "start_basis", "start_period", "status",
    "change_mom_pp", "change_yoy_pp", "rank", "peers", "n_units", "n_reporting", "n_carried", "carried_from",
]


def kpis(inputs: Inputs, period: str, level: str = "province", kind: str = "month", merged: bool = False) -> pd.DataFrame:
    """Every indicator for every group of `level` for the window `kind` ending at `period` ("YYYY-MM").
    One row per group that exists that month and indicator; columns KPI_COLUMNS."""
    return indicator_table(inputs, [period], level=level, kind=kind, merged=merged)


def trend(inputs: Inputs, last: str, level: str = "province", kind: str = "month", n_months: int = 12,
          first: str | None = None, merged: bool = False) -> pd.DataFrame:
    """The same columns as `kpis` for each month from `first` (default: `n_months` back) to `last`."""
    end = months.index(last)
    start = months.index(first) if first else end - n_months + 1
    if start > end:
        raise ValueError(f"first month {first} is after the last month {last}")
    return indicator_table(inputs, [months.period(m) for m in range(start, end + 1)], level=level, kind=kind, merged=merged)


def indicator_table(inputs: Inputs, periods: Sequence[str], level: str = "province", kind: str = "month",
                    merged: bool = False) -> pd.DataFrame:
    arrays = indicator_arrays(inputs, periods, level, kind, merged)
    return arrays.frame()


class IndicatorArrays:
    """The engine's result as arrays (k periods × n_g groups × n_i indicators) before it becomes a frame;
    the scorecard, flags and outlook work on these directly."""

    def __init__(self, inputs: Inputs, periods: Sequence[str], level: str, kind: str, merged: bool):
        cube = inputs.cube
        cfg = inputs.config
        self.inputs, self.cube, self.level, self.kind, self.merged = inputs, cube, level, kind, merged
        self.grouping = grouping(cube, level, merged)
        asked = np.array([months.index(p) for p in periods], dtype=np.int64)
        # Distinct window ends, in order (every month of a running year asks for the same `year` window).
        self.ends = np.unique(np.array([months.window_end(int(p), kind, cube.last_month) for p in asked], dtype=np.int64))
        starts = months.window_start(self.ends, kind)
        prev_ends, year_ends = self.ends - 1, self.ends - 12
        # The year-ago window starts before December of the previous year (the glide path's start).
        lo = int(min(months.window_start(year_ends, kind).min(), (self.ends - self.ends % 12 - 1).min()))
        hi = int(self.ends.max())
        self.totals = month_totals(cube, self.grouping, lo, hi, cfg.carry_forward_months)
        t = self.totals
        windows = Windows(t, cube.is_stock)
        self.num, self.den = windows.sums(starts, self.ends)
        self.value = ratio(self.num, self.den)
        if kind == "year":
            self.value_prev = np.full_like(self.value, np.nan)
        else:
            self.value_prev = ratio(*windows.sums(months.window_start(prev_ends, kind), prev_ends))
        self.value_last_year = ratio(*windows.sums(months.window_start(year_ends, kind), year_ends))
        at = t.at(self.ends)
        self.members = t.members[at]
        self.reporting = t.reporting[at]
        self.carried = t.carried[at]
        self.carried_from = t.carried_from[at]  # month index, −1: no carried figure in the group
        self.target, self.target_source = targets_for(inputs, cube, self.grouping, months.year_of(self.ends))
        self.start, self.start_basis, self.start_month = glide_start(cube, self.grouping, t, months.year_of(self.ends))
        self.expected = glide_path(self.start, self.start_month, self.target, self.ends)
        self.status = status(self.value, self.target, self.expected, cfg.at_risk_band_pp)
        self.peer_key = peer_keys(cube, self.grouping)
        self.rank, self.peers = peer_rank(self.value, self.peer_key)

    # -- as a frame ---------------------------------------------------------------------------------

    def frame(self) -> pd.DataFrame:
        k, n_g, n_i = self.value.shape
        keep = np.repeat(self.members.reshape(k, n_g, 1) > 0, n_i, axis=2).ravel()
        kk, gg, ii = (a.ravel()[keep] for a in np.indices((k, n_g, n_i)))
        flat = lambda a: a.reshape(-1)[keep]  # noqa: E731
        period_labels = [months.period(e) for e in self.ends]
        unit_labels = self.cube.unit_codes[self.grouping.group_unit]
        target = flat(self.target)
        value = flat(self.value)
        start_month = flat(self.start_month)
        out = pd.DataFrame({
            "period": _labels(period_labels, kk),
            "kind": self.kind,
            "level": self.level,
            "unit_code": _labels(unit_labels, gg),
            "indicator_code": _labels(self.cube.indicator_codes, ii),
            "numerator": flat(self.num),
            "denominator": flat(self.den),
            "value": value,
            "target": target,
            "target_source": _labels((None, *TARGET_SOURCES), flat(self.target_source)),
            "gap_pp": (value - target) * 100.0,
            "expected": flat(self.expected),
            "start_value": flat(self.start),
            "start_basis": _labels((None, *START_BASES), flat(self.start_basis)),
            "start_period": _period_labels(start_month),
            "status": _labels(STATUSES, flat(self.status)),
            "change_mom_pp": (value - flat(self.value_prev)) * 100.0,
            "change_yoy_pp": (value - flat(self.value_last_year)) * 100.0,
            "rank": nullable_rank(flat(self.rank)),
            "peers": flat(self.peers).astype(np.int64),
            "n_units": flat(np.repeat(self.members[:, :, None], n_i, axis=2)).astype(np.int64),
            "n_reporting": flat(self.reporting).astype(np.int64),
            "n_carried": flat(self.carried).astype(np.int64),
            "carried_from": _period_labels(flat(self.carried_from)),
        }, copy=False)  # each column is a fresh array: no consolidation copy
        return out


def indicator_arrays(inputs: Inputs, periods: Sequence[str], level: str = "province", kind: str = "month",
                     merged: bool = False) -> IndicatorArrays:
    if not periods:
        raise ValueError("no period asked for")
    return IndicatorArrays(inputs, periods, level, kind, merged)


def nullable_rank(rank: np.ndarray) -> pd.arrays.IntegerArray:
    """Ranks as a nullable integer column: 0 (no value, not ranked) becomes missing."""
    return pd.arrays.IntegerArray(rank.astype(np.int64), rank <= 0)


def _labels(labels, codes: np.ndarray) -> pd.arrays.ArrowStringArray:
    """String column from small integer codes, gathered in Arrow (no Python string per row); a code
    pointing at None gives a missing value."""
    arr = pa.array(list(labels), type=pa.large_string())
    return pd.arrays.ArrowStringArray(pc.take(arr, pa.array(np.asarray(codes, dtype=np.int64))), dtype=_STR)


def _period_labels(month_index: np.ndarray) -> pd.arrays.ArrowStringArray:
    """"YYYY-MM" labels for month indices; −1 gives a missing value."""
    has = month_index >= 0
    if not has.any():
        return _labels([None], np.zeros(len(month_index), dtype=np.int64))
    lo, hi = int(month_index[has].min()), int(month_index[has].max())
    labels = [months.period(m) for m in range(lo, hi + 1)] + [None]
    return _labels(labels, np.where(has, month_index - lo, hi - lo + 1))


# -- targets ----------------------------------------------------------------------------------------


def targets_for(inputs: Inputs, cube: Cube, grouping_: Grouping, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """target (k, n_g, n_i) and its source code (0 none, 1 province-wide, 2 the group's own unit)."""
    k, n_g, n_i = len(years), grouping_.n_groups, len(cube.indicator_codes)
    uyears = np.unique(years)
    t = inputs.targets
    t = t[t["year"].astype(np.int64).isin(uyears)]
    by_unit = np.full((len(uyears), cube.n_units, n_i), np.nan)
    if len(t):
        ui = cube.unit_index().get_indexer(t["unit_code"].astype("str"))
        ii = pd.Index(cube.indicator_codes).get_indexer(t["indicator_code"].astype("str"))
        yi = np.searchsorted(uyears, t["year"].astype(np.int64).to_numpy())
        ok = (ui >= 0) & (ii >= 0)
        by_unit[yi[ok], ui[ok], ii[ok]] = t["value"].to_numpy(dtype=np.float64)[ok]
    province_unit = cube.province_unit[grouping_.group_unit]
    own = by_unit[:, grouping_.group_unit, :]
    wide = np.where(province_unit[None, :, None] >= 0, by_unit[:, np.maximum(province_unit, 0), :], np.nan)
    is_province = province_unit == grouping_.group_unit
    target = np.where(np.isnan(own), wide, own)
    source = np.where(~np.isnan(own) & ~is_province[None, :, None], 2, np.where(np.isnan(target), 0, 1))
    y = np.searchsorted(uyears, years)
    return target[y], source[y].astype(np.int64)


def peer_keys(cube: Cube, grouping_: Grouping) -> np.ndarray:
    """Groups are ranked against groups of the same level in the same province (all provinces together
    at the province level)."""
    if grouping_.level == "province":
        return np.zeros(grouping_.n_groups, dtype=np.int64)
    return pd.factorize(pd.Index(cube.unit_province[grouping_.group_unit]))[0].astype(np.int64)


# -- glide path and status ----------------------------------------------------------------------------


def glide_start(cube: Cube, grouping_: Grouping, totals: MonthTotals, years: np.ndarray):
    """start value, basis code (1 previous December, 2 predecessors' December, 3 first month, 0 none) and
    the month index the start is taken at (−1 none), each (k, n_g, n_i)."""
    n_g, n_i = grouping_.n_groups, len(cube.indicator_codes)
    uyears = np.unique(years)
    values = totals.value()
    g_pred, u_pred = predecessor_pairs(cube, grouping_)
    start = np.full((len(uyears), n_g, n_i), np.nan)
    basis = np.zeros((len(uyears), n_g, n_i), dtype=np.int64)
    month = np.full((len(uyears), n_g, n_i), -1, dtype=np.int64)
    for y, year in enumerate(uyears):  # a loop over years (one or two), not over units
        december = int(year) * 12 - 1
        own = values[december - totals.lo] if december >= totals.lo else np.full((n_g, n_i), np.nan)
        start[y], basis[y], month[y] = own, np.where(np.isnan(own), 0, 1), np.where(np.isnan(own), -1, december)
        if len(g_pred) and december >= totals.lo:
            u = totals.units
            pnum = np.zeros((n_g, n_i))
            pden = np.zeros((n_g, n_i))
            np.add.at(pnum, g_pred, u.num[december - u.lo][u_pred])
            np.add.at(pden, g_pred, u.den[december - u.lo][u_pred])
            pred = ratio(pnum, pden)
            use = np.isnan(start[y]) & ~np.isnan(pred)
            start[y] = np.where(use, pred, start[y])
            basis[y] = np.where(use, 2, basis[y])
            month[y] = np.where(use, december, month[y])
        jan, last = int(year) * 12, min(int(year) * 12 + 11, totals.hi)
        if jan <= last:
            in_year = values[jan - totals.lo : last - totals.lo + 1]
            has = ~np.isnan(in_year)
            first = has.argmax(axis=0)
            found = has.any(axis=0)
            first_value = np.take_along_axis(in_year, first[None], axis=0)[0]
            use = np.isnan(start[y]) & found
            start[y] = np.where(use, first_value, start[y])
            basis[y] = np.where(use, 3, basis[y])
            month[y] = np.where(use, jan + first, month[y])
    y = np.searchsorted(uyears, years)
    return start[y], basis[y], month[y]


def glide_path(start: np.ndarray, start_month: np.ndarray, target: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The value expected at the window ends `ends` (k,) on the line from the start to the year's target in
    December. Months count from December of the previous year (0) to December (12); a start taken in the
    year itself (its first month with figures) starts the line at that month."""
    ends = np.asarray(ends)
    origin = (ends - ends % 12 - 1)[:, None, None]  # December of the previous year
    m = (ends[:, None, None] - origin).astype(np.float64)
    m0 = (start_month - origin).astype(np.float64)
    span = 12.0 - m0
    with np.errstate(invalid="ignore", divide="ignore"):
        path = np.where(span > 0, start + (target - start) * (m - m0) / np.where(span > 0, span, 1.0), target)
    return np.where((start_month >= 0) & (m >= m0), path, np.nan)


def status(value: np.ndarray, target: np.ndarray, expected: np.ndarray, band_pp: float) -> np.ndarray:
    """Status codes (indices into STATUSES)."""
    eps = 1e-12
    no_data = np.isnan(value)
    no_target = ~no_data & np.isnan(target)
    met = ~no_data & ~no_target & (value >= target - eps)
    with np.errstate(invalid="ignore"):
        on_track = ~np.isnan(expected) & (value >= expected - eps)
        at_risk = ~np.isnan(expected) & (value >= expected - band_pp / 100.0 - eps)
    return np.select(
        [no_data, no_target, met, on_track, at_risk],
        [5, 4, 0, 1, 2],
        default=3,
    ).astype(np.int64)


# -- ranks --------------------------------------------------------------------------------------------


def peer_rank(value: np.ndarray, peer_key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank (1 = highest value; ties share the better rank; 0 = no value) and the number of ranked peers,
    per period and indicator among groups with the same peer key. Shapes (k, n_g, n_i)."""
    k, n_g, n_i = value.shape
    rows = np.moveaxis(value, 1, 2).reshape(k * n_i, n_g)  # one row per period × indicator
    has = ~np.isnan(rows)
    neg = np.where(has, -rows, np.inf)  # highest value first, no value last
    # Sort each row by value, then (stably) by peer group: peers end up contiguous, best first.
    by_value = np.argsort(neg, axis=1, kind="stable")
    # Small integer keys sort by radix in linear time.
    keys = peer_key.astype(np.int16 if peer_key.max(initial=0) < 2**15 else np.int64)[by_value]
    order = np.take_along_axis(by_value, np.argsort(keys, axis=1, kind="stable"), axis=1)
    sk = peer_key[order]
    sv = np.take_along_axis(neg, order, axis=1)
    idx = np.broadcast_to(np.arange(n_g), order.shape)
    new_block = np.ones(order.shape, dtype=bool)
    new_block[:, 1:] = sk[:, 1:] != sk[:, :-1]
    new_run = new_block.copy()
    new_run[:, 1:] |= sv[:, 1:] != sv[:, :-1]
    block_start = np.maximum.accumulate(np.where(new_block, idx, 0), axis=1)
    run_start = np.maximum.accumulate(np.where(new_run, idx, 0), axis=1)
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, run_start - block_start + 1, axis=1)
    ranks = np.where(has, ranks, 0)
    n_keys = int(peer_key.max()) + 1 if n_g else 1
    cell = (np.arange(k * n_i)[:, None] * n_keys + peer_key[None, :]).ravel()
    counts = np.bincount(cell, weights=has.ravel(), minlength=k * n_i * n_keys).astype(np.int64)
    peers = counts.reshape(k * n_i, n_keys)[:, peer_key]
    shape = lambda a: np.moveaxis(a.reshape(k, n_i, n_g), 2, 1)  # noqa: E731
    return shape(ranks), shape(peers)
