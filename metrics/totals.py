"""Σnumerator and Σdenominator per group, indicator and month, in one vectorised pass (DOMAIN.md §4).

- A unit counts in a rate only for the months where it reported both elements: a numerator from one set of
  units is never divided by a denominator from another.
- Flow indicators sum over the months of a window; stock indicators take the end of the window.
- A stock pair a unit did not report this month is carried forward from its latest report at most
  `carry` months back (setting `stock_carry_forward_months`), and counted as carried; flows never are.
- A unit counts only in months it exists (valid at any day of the month), even when carried forward.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.cube import Cube
from metrics.levels import Grouping


@dataclass(frozen=True, eq=False)
class UnitMonths:
    """Unit-level effective pairs for months lo..hi: what each unit contributes to any group."""

    lo: int
    num: np.ndarray  # float (n_m, n_u, n_i), 0 where the unit does not count
    den: np.ndarray
    counts: np.ndarray  # bool (n_m, n_u, n_i): the unit counts (reported both, or carried)
    carried: np.ndarray  # bool (n_m, n_u, n_i): counts through a carried-forward stock pair
    carried_from: np.ndarray  # int (n_m, n_u, n_i): the month index the carried pair comes from, −1 if none
    valid: np.ndarray  # bool (n_m, n_u)


@dataclass(frozen=True, eq=False)
class MonthTotals:
    """Group totals for months lo..hi, and running sums for windows."""

    lo: int
    hi: int
    num: np.ndarray  # float (n_m, n_g, n_i)
    den: np.ndarray
    reporting: np.ndarray  # int (n_m, n_g, n_i)
    carried: np.ndarray  # int (n_m, n_g, n_i)
    carried_from: np.ndarray  # int (n_m, n_g, n_i): the earliest month a member's carried pair comes from, −1 if none
    members: np.ndarray  # int (n_m, n_g): member units that exist that month
    units: UnitMonths

    def at(self, month: np.ndarray | int) -> np.ndarray:
        return np.asarray(month) - self.lo

    def value(self) -> np.ndarray:
        """Month values (n_m, n_g, n_i): Σnum / Σden, NaN where Σden is 0."""
        return ratio(self.num, self.den)


def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def unit_months(cube: Cube, lo: int, hi: int, carry: int) -> UnitMonths:
    stocks = np.flatnonzero(cube.is_stock)
    back = carry if (carry > 0 and len(stocks)) else 0
    x = cube.slab(lo - back, hi)
    num = x[..., cube.numerator]
    den = x[..., cube.denominator]
    ok = ~(np.isnan(num) | np.isnan(den))
    carried = np.zeros(ok.shape, dtype=bool)
    source = np.full(ok.shape, -1, dtype=np.int64)
    if back:
        # Latest month (within `back`) at which each unit reported both elements of each stock pair.
        s_ok = ok[:, :, stocks]
        t = np.arange(x.shape[0])[:, None, None]
        last = np.maximum.accumulate(np.where(s_ok, t, -1), axis=0)
        s_carry = (last >= 0) & (last >= t - back) & ~s_ok
        if s_carry.any():
            src = np.where(s_carry, last, t)
            num[:, :, stocks] = np.take_along_axis(num[:, :, stocks], src, axis=0)
            den[:, :, stocks] = np.take_along_axis(den[:, :, stocks], src, axis=0)
            carried[:, :, stocks] = s_carry
            source[:, :, stocks] = np.where(s_carry, last + (lo - back), -1)
    counts = (ok | carried)[back:]
    carried = carried[back:]
    source = source[back:]
    num, den = num[back:], den[back:]
    valid = cube.valid(lo, hi)
    counts &= valid[:, :, None]
    carried &= valid[:, :, None]
    return UnitMonths(
        lo=lo,
        num=np.where(counts, num, 0.0),
        den=np.where(counts, den, 0.0),
        counts=counts,
        carried=carried,
        carried_from=np.where(carried, source, -1),
        valid=valid,
    )


class _Summer:
    """Sums a unit axis into groups: a gather when every group is one unit, otherwise a gather of the members
    sorted by group and one `np.add.reduceat` over each group's contiguous run. Integer-valued floats sum
    exactly either way."""

    def __init__(self, grouping: Grouping):
        self.n_g = grouping.n_groups
        members = np.flatnonzero(grouping.unit_group >= 0)
        groups = grouping.unit_group[members]
        order = np.argsort(groups, kind="stable")
        self.members = members[order]
        self.identity = grouping.is_identity
        sorted_groups = groups[order]
        # Every group has at least one member (groups are made from members), so each run is non-empty.
        self.starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """x: (n_m, n_u, ...) → (n_m, n_g, ...)."""
        xm = x[:, self.members].astype(np.float64, copy=False)
        if self.identity:
            return xm
        if xm.shape[1] == 0:
            return np.zeros((xm.shape[0], self.n_g, *xm.shape[2:]))
        return np.add.reduceat(xm, self.starts, axis=1)

    def earliest(self, months: np.ndarray) -> np.ndarray:
        """months (n_m, n_u, ...) of month indices, −1 for none → per group the earliest, −1 for none."""
        xm = months[:, self.members]
        if self.identity:
            return xm
        if xm.shape[1] == 0:
            return np.full((xm.shape[0], self.n_g, *xm.shape[2:]), -1, dtype=np.int64)
        big = np.iinfo(np.int64).max
        low = np.minimum.reduceat(np.where(xm >= 0, xm, big), self.starts, axis=1)
        return np.where(low == big, -1, low)


def month_totals(cube: Cube, grouping: Grouping, lo: int, hi: int, carry: int) -> MonthTotals:
    units = unit_months(cube, lo, hi, carry)
    total = _Summer(grouping)
    return MonthTotals(
        lo=lo,
        hi=hi,
        num=total(units.num),
        den=total(units.den),
        reporting=total(units.counts).astype(np.int64),
        carried=total(units.carried).astype(np.int64),
        carried_from=total.earliest(units.carried_from),
        members=total(units.valid).astype(np.int64),
        units=units,
    )


class Windows:
    """Σnum, Σden for any window over months lo..hi of some totals: flows summed over the window's months
    (through one running sum), stocks at the window's last month."""

    def __init__(self, totals: MonthTotals, is_stock: np.ndarray):
        self.totals = totals
        self.is_stock = is_stock
        self._cum = None

    def _running(self) -> tuple[np.ndarray, np.ndarray]:
        if self._cum is None:
            t = self.totals
            zero = np.zeros((1, *t.num.shape[1:]))
            self._cum = (np.concatenate([zero, np.cumsum(t.num, axis=0)]), np.concatenate([zero, np.cumsum(t.den, axis=0)]))
        return self._cum

    def sums(self, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        t = self.totals
        starts, ends = np.asarray(starts), np.asarray(ends)
        if (starts < t.lo).any() or (ends > t.hi).any():
            raise ValueError("window outside the months computed")
        b = ends - t.lo
        if (starts == ends).all():
            return t.num[b], t.den[b]
        cum_num, cum_den = self._running()
        a = starts - t.lo
        stock = self.is_stock[None, None, :]
        return (np.where(stock, t.num[b], cum_num[b + 1] - cum_num[a]),
                np.where(stock, t.den[b], cum_den[b + 1] - cum_den[a]))


