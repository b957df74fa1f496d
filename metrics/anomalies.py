"""Figures that look too good (issue 19): signals that a submitted figure is plausible in itself and
unlikely in context, per unit × element or indicator × month, each with the numbers behind it.

Signals (`SIGNALS`, in the order a list is shown when they weigh the same):
  `history_outlier` a flow figure or a rate far from the unit's own history: robust z (median and MAD of
                    the last `anomaly_history_months`) and a large relative difference (rates: points),
                    also against the same month a year earlier when held (Tết, the school summer);
  `peer_outlier`    a rate far above its peers (same level, same province) that month (robust z and points);
  `pinned_rate`     a rate of flows at exactly 100 % or exactly its target for months while its denominator
                    moves (a cumulative rate that reached 100 % stays there by nature);
  `jump_to_target`  a rate that jumps to exactly 100 % or its target from well below;
  `copy_forward`    a flow figure repeated unchanged month after month;
  `round_figures`   several round figures (multiples of `anomaly_round_base`) in one return;
  `stock_fall`      a cumulative figure that falls;
  `stock_jump`      a cumulative figure that closes more of the gap to its eligible population (or to the
                    applications) in one month than is plausible;
  `last_digits`     the last digits of a unit's figures over 12 months far from uniform (chi-square, weak);
  `late_revision`   a resubmission after the deadline that changes the unit's rank or met/not met.

Ranking (`priority`): what it would change if the figure were wrong. For a figure, "wrong" means its
usual value (the 12-month median); for a rate, its peers' median. `impact_pp` is the change of the peer
group's total (for localities: the province's figure) in points, `rank_shift` the places the unit would
move among its peers; priority = impact_pp + anomaly_rank_weight_pp × rank_shift, the largest over the
indicators the figure enters.

Pure: the metric inputs (the dense cube), optionally the value revisions; nothing of SQL or Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from domain import periods as periods_mod
from domain import settings as settings_mod
from metrics import months
from metrics.inputs import Inputs

SIGNALS = (
    "history_outlier", "peer_outlier", "pinned_rate", "jump_to_target", "copy_forward", "round_figures",
    "stock_fall", "stock_jump", "last_digits", "late_revision",
)
WEAK_SIGNALS = frozenset({"last_digits"})
# The signals a submitter is warned of at upload time (the strongest and the clearest to explain).
UPLOAD_SIGNALS = ("history_outlier", "pinned_rate", "jump_to_target", "copy_forward", "stock_jump")
SUBJECT_KINDS = ("element", "indicator", "return")
# Cumulative elements and what bounds their growth: (stock, the population it cannot exceed).
STOCK_BOUNDS = (
    ("id_cards_issued", "citizens_eligible_id"),
    ("vneid_l2_applications", "citizens_eligible_id"),
    ("vneid_l2_activated", "vneid_l2_applications"),
)
COLUMNS = [
    "period", "unit_code", "level", "province_code", "subject_kind", "subject", "signal", "strength", "score",
    "value", "expected", "reference", "numerator", "denominator", "months", "submission_id", "value_key",
    "impact_indicator", "impact_pp", "rank", "rank_if_wrong", "rank_shift", "peers", "priority",
]
_MAD_SCALE = 0.6745  # makes the MAD comparable with a standard deviation (Iglewicz and Hoaglin)


@dataclass(frozen=True)
class AnomalyConfig:
    history_months: int = 12
    history_min_months: int = 6
    history_z: float = 5.0
    history_min_change: float = 0.6
    rate_min_pp: float = 20.0
    peer_z: float = 3.5
    pinned_months: int = 3
    jump_pp: float = 10.0
    copy_months: int = 3
    min_value: int = 100
    exact_min_value: int = 500
    round_base: int = 100
    round_min_figures: int = 3
    stock_gap_share: float = 0.5
    digits_chi2: float = 27.88
    digits_min_figures: int = 60
    revision_rank_shift: int = 3
    rank_weight_pp: float = 0.1
    deadline_day: int = 5
    timezone_offset_hours: int = 7

    @classmethod
    def from_settings(cls, values: Mapping[str, Any] | None = None) -> AnomalyConfig:
        s = settings_mod.effective({k: v for k, v in (values or {}).items() if k in settings_mod.SPECS})
        return cls(**{f: s[f"anomaly_{f}"] for f in cls.__dataclass_fields__ if f"anomaly_{f}" in s},
                   deadline_day=s["deadline_day"], timezone_offset_hours=s["timezone_offset_hours"])


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})


def _nanmedian(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The median along axis 0 ignoring NaN (NaN where all are), and the count of known values: one sort
    (NaN sorts last), then the middle of the known ones; numpy's nanmedian is several times slower."""
    ordered = np.sort(a, axis=0)
    n = (~np.isnan(a)).sum(axis=0)
    lo = np.clip((n - 1) // 2, 0, None)[None]
    hi = np.clip(n // 2, 0, None)[None]
    med = (np.take_along_axis(ordered, lo, 0)[0] + np.take_along_axis(ordered, hi, 0)[0]) / 2
    return np.where(n > 0, med, np.nan), n


def _robust(history: np.ndarray, floor) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Median, MAD (floored; `floor` may be a function of the median) and the count of known months along axis 0."""
    med, n = _nanmedian(history)
    mad, _ = _nanmedian(np.abs(history - med[None]))
    floor = floor(med) if callable(floor) else floor
    with np.errstate(invalid="ignore"):
        return med, np.fmax(mad, floor), n


class _Month:
    """The month asked and the history before it, as arrays, for the units that reported it."""

    def __init__(self, inputs: Inputs, period: str, cfg: AnomalyConfig, unit: str | None):
        cube = inputs.cube
        self.inputs, self.cube, self.cfg, self.period = inputs, cube, cfg, period
        self.m = months.index(period)
        self.h = max(cfg.history_months, cfg.copy_months, cfg.pinned_months, 12)
        slab = cube.slab(self.m - self.h, self.m).copy()  # (h + 1, n_u, n_e); the last row is the month asked
        # A unit that absorbed others (Cửa Lò into Vinh, merged departments) is compared with itself only
        # from the month its area became what it is: its earlier figures covered less.
        absorbed = (cube.successor >= 0) & (cube.valid_to < self.m) & (cube.valid_to >= self.m - self.h)
        for p in np.flatnonzero(absorbed):
            first_new = int(cube.valid_to[p]) + 1 - (self.m - self.h)
            slab[:first_new, cube.successor[p], :] = np.nan
        row = self.m - cube.month0
        reported = cube.reported[row] if 0 <= row < cube.reported.shape[0] else np.zeros(cube.n_units, bool)
        keep = reported & np.isin(cube.unit_level, ("district", "commune", "department"))
        if unit is not None:
            keep &= cube.unit_codes == unit
        # Peers are every reporting unit of the same level and province, even when one unit is asked.
        self.peer_mask = reported & np.isin(cube.unit_level, ("district", "commune", "department"))
        self.keep = keep
        self.slab = slab
        self.kinds = {e.code: e.kind for e in inputs.registry.elements}
        self.flow = np.array([self.kinds[e] == "flow" for e in cube.elements])
        self.elements = cube.elements
        self.e_index = {e: i for i, e in enumerate(cube.elements)}
        self.u_index = {c: i for i, c in enumerate(cube.unit_codes)}
        num = slab[:, :, cube.numerator]
        den = slab[:, :, cube.denominator]
        with np.errstate(all="ignore"):
            self.rates = np.where(den > 0, num / den, np.nan)  # (h + 1, n_u, n_i)
        self.num, self.den = num, den
        self.group = np.array([f"{p}|{lv}" for p, lv in zip(cube.unit_province, cube.unit_level)], dtype=object)
        # Peer groups as integers, and each group's members (units of a level in a province).
        self.gid, _ = pd.factorize(self.group)
        order = np.argsort(self.gid, kind="stable")
        bounds = np.flatnonzero(np.diff(self.gid[order])) + 1
        self.members = {int(self.gid[chunk[0]]): chunk for chunk in np.split(order, bounds) if len(chunk)}

    @property
    def x(self) -> np.ndarray:
        return self.slab[-1]


def _row(mo: _Month, u: int, subject_kind: str, subject: str, signal: str, score: float, value: float,
         expected: float, reference: float = np.nan, numerator: float = np.nan, denominator: float = np.nan,
         n_months: int = 0) -> dict:
    return {
        "period": mo.period, "unit_code": mo.cube.unit_codes[u], "level": mo.cube.unit_level[u],
        "province_code": mo.cube.unit_province[u], "subject_kind": subject_kind, "subject": subject,
        "signal": signal, "strength": "weak" if signal in WEAK_SIGNALS else "strong", "score": float(score),
        "value": float(value), "expected": float(expected), "reference": float(reference),
        "numerator": float(numerator), "denominator": float(denominator), "months": int(n_months),
    }


def _history_outliers(mo: _Month) -> list[dict]:
    cfg, out = mo.cfg, []
    flows = np.flatnonzero(mo.flow)  # stocks have their own signals
    hist = mo.slab[-1 - cfg.history_months:-1][:, :, flows]
    x = mo.x[:, flows]
    med, mad, n = _robust(hist, lambda m: np.fmax(np.nan_to_num(0.02 * np.abs(m), nan=1.0), 1.0))
    same_month = mo.slab[-13][:, flows] if mo.slab.shape[0] >= 13 else np.full_like(x, np.nan)
    with np.errstate(all="ignore"):
        z = _MAD_SCALE * (x - med) / mad
        rel = (x - med) / med
        rel_year = np.where(same_month > 0, x / same_month - 1, np.inf)
    fire = (mo.keep[:, None] & (n >= cfg.history_min_months) & (np.fmax(x, med) >= cfg.min_value)
            & (med > 0) & (np.abs(z) >= cfg.history_z) & (np.abs(rel) >= cfg.history_min_change)
            & (np.abs(rel_year) >= cfg.history_min_change))
    for u, k in zip(*np.nonzero(fire)):
        out.append(_row(mo, u, "element", mo.elements[flows[k]], "history_outlier", z[u, k], x[u, k], med[u, k],
                        reference=same_month[u, k], n_months=n[u, k]))
    # Rates: the same test in points.
    rh = mo.rates[-1 - cfg.history_months:-1]
    r = mo.rates[-1]
    rmed, rmad, rn = _robust(rh, 0.005)
    ryear = mo.rates[-13] if mo.rates.shape[0] >= 13 else np.full_like(r, np.nan)
    with np.errstate(all="ignore"):
        rz = _MAD_SCALE * (r - rmed) / rmad
        ry = np.where(np.isnan(ryear), np.inf, np.abs(r - ryear))
    small = mo.den[-1] < cfg.min_value
    fire = (mo.keep[:, None] & ~small & (rn >= cfg.history_min_months) & (np.abs(rz) >= cfg.history_z)
            & (np.abs(r - rmed) * 100 >= cfg.rate_min_pp) & (ry * 100 >= cfg.rate_min_pp))
    for u, i in zip(*np.nonzero(fire)):
        out.append(_row(mo, u, "indicator", mo.cube.indicator_codes[i], "history_outlier", rz[u, i], r[u, i],
                        rmed[u, i], reference=ryear[u, i], numerator=mo.num[-1, u, i], denominator=mo.den[-1, u, i],
                        n_months=rn[u, i]))
    return out


def _group_median(keys: np.ndarray, vals: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """The median of `vals` per integer key (NaN for a key without values) and the count per key: one
    sort for every group at once."""
    order = np.lexsort((vals, keys))
    k, v = keys[order], vals[order]
    count = np.bincount(k, minlength=n_keys)
    start = np.concatenate(([0], np.cumsum(count)[:-1]))
    lo = start + np.clip((count - 1) // 2, 0, None)
    hi = start + np.clip(count // 2, 0, None)
    with np.errstate(invalid="ignore"):
        med = np.where(count > 0, (v[np.minimum(lo, len(v) - 1)] + v[np.minimum(hi, len(v) - 1)]) / 2 if len(v) else np.nan,
                       np.nan)
    return med, count


def _peer_outliers(mo: _Month) -> list[dict]:
    """Rates far above the peers' median (robust z and points), per peer group and indicator at once."""
    cfg, out = mo.cfg, []
    r = mo.rates[-1]
    n_i = r.shape[1]
    ok = mo.peer_mask[:, None] & (mo.den[-1] >= cfg.min_value) & ~np.isnan(r)
    uu, ii = np.nonzero(ok)
    if not len(uu):
        return out
    n_keys = (int(mo.gid.max()) + 1) * n_i
    keys = mo.gid[uu] * n_i + ii
    vals = r[uu, ii]
    med, count = _group_median(keys, vals, n_keys)
    mad, _ = _group_median(keys, np.abs(vals - med[keys]), n_keys)
    mad = np.fmax(mad, 0.005)
    z = _MAD_SCALE * (vals - med[keys]) / mad[keys]
    fire = (count[keys] >= 5) & mo.keep[uu] & (z >= cfg.peer_z) & ((vals - med[keys]) * 100 >= cfg.rate_min_pp)
    for k in np.flatnonzero(fire):
        u, i = uu[k], ii[k]
        out.append(_row(mo, u, "indicator", mo.cube.indicator_codes[i], "peer_outlier", z[k], r[u, i], med[keys[k]],
                        numerator=mo.num[-1, u, i], denominator=mo.den[-1, u, i]))
    return out


def _targets(mo: _Month) -> np.ndarray:
    """(n_u, n_i) the target each unit has this year (its own row over the province's), NaN when none."""
    cube, t = mo.cube, mo.inputs.targets
    out = np.full((cube.n_units, len(cube.indicator_codes)), np.nan)
    if t is None or t.empty:
        return out
    t = t[t["year"].astype(int) == int(months.year_of(mo.m))]
    if t.empty:
        return out
    table = t.pivot_table(index="unit_code", columns="indicator_code", values="value", aggfunc="last")
    table = table.reindex(columns=list(cube.indicator_codes))
    table.index = table.index.astype(str)
    own = table.reindex(pd.Index(cube.unit_codes, dtype=object)).to_numpy(dtype=float)
    prov = table.reindex(pd.Index(cube.unit_province, dtype=object)).to_numpy(dtype=float)
    return np.where(np.isnan(own), prov, own)


def _pinned(mo: _Month) -> list[dict]:
    cfg, out = mo.cfg, []
    num, den = mo.num, mo.den
    target = _targets(mo)
    with np.errstate(all="ignore"):
        at_full = (den > 0) & (num == den)
        at_target = (den > 0) & ~np.isnan(target)[None] & (np.abs(num - np.round(target[None] * den)) < 0.5) & (target[None] < 1)
    pinned = at_full | at_target
    # Streak of pinned months ending at the month asked, and whether the denominator moved during it.
    streak = np.zeros(pinned.shape[1:], dtype=int)
    alive = np.ones(pinned.shape[1:], dtype=bool)
    for k in range(pinned.shape[0] - 1, -1, -1):
        alive &= pinned[k]
        streak += alive
    n_i = pinned.shape[2]
    # A cumulative rate (ID cards over the eligible) that reached 100 % stays there by nature: flows only.
    flow_rate = ~mo.cube.is_stock
    for u, i in zip(*np.nonzero(mo.keep[:, None] & flow_rate[None, :] & (streak >= 1) & (den[-1] >= cfg.exact_min_value))):
        s = int(streak[u, i])
        dens = den[-s:, u, i]
        kind = "full" if at_full[-1, u, i] else "target"
        level = 1.0 if kind == "full" else target[u, i]
        if s >= cfg.pinned_months and len(np.unique(dens)) > 1:
            out.append(_row(mo, u, "indicator", mo.cube.indicator_codes[i], "pinned_rate", s, mo.rates[-1, u, i], level,
                            numerator=num[-1, u, i], denominator=den[-1, u, i], n_months=s))
        elif s == 1 and not np.isnan(mo.rates[-2, u, i]) and (level - mo.rates[-2, u, i]) * 100 >= cfg.jump_pp:
            out.append(_row(mo, u, "indicator", mo.cube.indicator_codes[i], "jump_to_target",
                            (level - mo.rates[-2, u, i]) * 100, mo.rates[-1, u, i], level, reference=mo.rates[-2, u, i],
                            numerator=num[-1, u, i], denominator=den[-1, u, i], n_months=1))
    del n_i
    return out


def _copy_forward(mo: _Month) -> list[dict]:
    cfg, out = mo.cfg, []
    s = mo.slab
    same = np.ones(s.shape[1:], dtype=int)
    alive = np.ones(s.shape[1:], dtype=bool)
    for k in range(s.shape[0] - 2, -1, -1):
        alive &= s[k] == s[-1]
        same += alive
    fire = mo.keep[:, None] & mo.flow[None, :] & (s[-1] >= cfg.exact_min_value) & (same >= cfg.copy_months)
    for u, e in zip(*np.nonzero(fire)):
        out.append(_row(mo, u, "element", mo.elements[e], "copy_forward", same[u, e], s[-1, u, e], np.nan,
                        n_months=same[u, e]))
    return out


def _round(mo: _Month) -> list[dict]:
    cfg, out = mo.cfg, []
    x = mo.x
    base = cfg.round_base
    with np.errstate(invalid="ignore"):
        is_round = mo.flow[None, :] & (x >= base) & (np.fmod(x, base) == 0)
    count = is_round.sum(axis=1)
    figures = (mo.flow[None, :] & (x >= base)).sum(axis=1)
    for u in np.flatnonzero(mo.keep & (count >= cfg.round_min_figures)):
        out.append(_row(mo, u, "return", "*", "round_figures", count[u], count[u], figures[u]))
    return out


def _stocks(mo: _Month) -> list[dict]:
    cfg, out = mo.cfg, []
    x, prev = mo.slab[-1], mo.slab[-2]
    for e, code in enumerate(mo.elements):
        if mo.kinds[code] != "stock":
            continue
        fire = mo.keep & (prev[:, e] > x[:, e])
        for u in np.flatnonzero(fire):
            out.append(_row(mo, u, "element", code, "stock_fall", prev[u, e] - x[u, e], x[u, e], prev[u, e]))
    for stock, bound in STOCK_BOUNDS:
        if stock not in mo.e_index or bound not in mo.e_index:
            continue
        s, b = mo.e_index[stock], mo.e_index[bound]
        increase = x[:, s] - prev[:, s]
        room = x[:, b] - prev[:, s]
        with np.errstate(all="ignore"):
            share = np.where(room > 0, increase / room, np.inf)
        fire = mo.keep & (increase >= cfg.min_value) & (share > cfg.stock_gap_share)
        for u in np.flatnonzero(fire):
            out.append(_row(mo, u, "element", stock, "stock_jump", share[u] if np.isfinite(share[u]) else 1.0,
                            x[u, s], prev[u, s], reference=x[u, b], numerator=increase[u], denominator=room[u]))
    return out


def _last_digits(mo: _Month) -> list[dict]:
    cfg, out = mo.cfg, []
    kept = np.flatnonzero(mo.keep)
    window = np.take(np.take(mo.slab[-12:], kept, axis=1), np.flatnonzero(mo.flow), axis=2)  # (12, kept, n_flow)
    ok = window >= 100
    digits = np.fmod(window[ok], 10).astype(np.int64)
    unit = np.broadcast_to(np.arange(len(kept))[None, :, None], window.shape)[ok]
    counts = np.bincount(unit * 10 + digits, minlength=len(kept) * 10).reshape(len(kept), 10)
    n = counts.sum(axis=1)
    with np.errstate(all="ignore"):
        expected = n / 10.0
        chi2 = ((counts - expected[:, None]) ** 2 / expected[:, None]).sum(axis=1)
    for k in np.flatnonzero((n >= cfg.digits_min_figures) & (chi2 >= cfg.digits_chi2)):
        out.append(_row(mo, kept[k], "return", "*", "last_digits", chi2[k], chi2[k], cfg.digits_chi2, n_months=12,
                        reference=int(np.argmax(counts[k]))))
    return out


def _late_revisions(mo: _Month, revisions: pd.DataFrame | None) -> list[dict]:
    """Values replaced by a submission received after the deadline, when the old figures gave the unit a
    different rank (by `revision_rank_shift` places) or a different met / not met on a rate."""
    cfg, out = mo.cfg, []
    if revisions is None or revisions.empty:
        return out
    rv = revisions[(revisions["period"] == mo.period)]
    if rv.empty:
        return out
    due = periods_mod.due_date(mo.period, cfg.deadline_day)
    zone = dt.timezone(dt.timedelta(hours=cfg.timezone_offset_hours))
    late_after = dt.datetime.combine(due + dt.timedelta(days=1), dt.time(0), zone)
    rv = rv[pd.to_datetime(rv["replaced_at"], utc=True) >= pd.Timestamp(late_after)]
    if rv.empty:
        return out
    target = _targets(mo)
    # The earliest old value of each element is what stood at the deadline.
    first = rv.sort_values("replaced_at").drop_duplicates(["unit_code", "element_code"], keep="first")
    for code, rows in first.groupby("unit_code"):
        u = mo.u_index.get(code, -1)
        if u < 0 or not mo.keep[u]:
            continue
        old = mo.x[u].copy()
        for e_code, value in zip(rows["element_code"], rows["old_value"]):
            if e_code in mo.e_index:
                old[mo.e_index[e_code]] = float(value)
        peers = mo.peer_mask & (mo.group == mo.group[u])
        for i, ind in enumerate(mo.cube.indicator_codes):
            n_e, d_e = mo.cube.numerator[i], mo.cube.denominator[i]
            if old[d_e] <= 0 or mo.den[-1, u, i] <= 0:
                continue
            r_old, r_new = old[n_e] / old[d_e], mo.rates[-1, u, i]
            if r_old == r_new:
                continue
            others = mo.rates[-1, peers & (np.arange(len(peers)) != u), i]
            others = others[~np.isnan(others)]
            rank_old, rank_new = 1 + int((others > r_old).sum()), 1 + int((others > r_new).sum())
            tg = target[u, i]
            status_changed = not np.isnan(tg) and (r_old >= tg) != (r_new >= tg)
            if abs(rank_new - rank_old) >= cfg.revision_rank_shift or status_changed:
                out.append(_row(mo, u, "indicator", ind, "late_revision", abs(rank_new - rank_old), r_new, r_old,
                                reference=rank_old, numerator=mo.num[-1, u, i], denominator=mo.den[-1, u, i]))
    return out


def _impact(mo: _Month, frame: pd.DataFrame) -> pd.DataFrame:
    """What each signal would change if its figure were wrong (see the module's doc), for every signal and
    every indicator its figure enters at once; each signal keeps its largest."""
    cube, cfg = mo.cube, mo.cfg
    n_i = len(cube.indicator_codes)
    i_index = {c: i for i, c in enumerate(cube.indicator_codes)}
    uses: dict[str, list[int]] = {}
    for i in range(n_i):
        uses.setdefault(cube.elements[cube.numerator[i]], []).append(i)
        uses.setdefault(cube.elements[cube.denominator[i]], []).append(i)
    # (signal, indicator) pairs
    rows, inds = [], []
    for k, (kind, subject) in enumerate(zip(frame["subject_kind"], frame["subject"])):
        its = uses.get(subject, []) if kind == "element" else [i_index[subject]] if kind == "indicator" else []
        rows += [k] * len(its)
        inds += its
    out = frame.copy()
    out["impact_indicator"], out["impact_pp"], out["rank"], out["rank_if_wrong"] = None, 0.0, np.nan, np.nan
    out["rank_shift"], out["peers"] = 0, 0
    if not rows:
        out["priority"] = 0.0
        return out
    rows, inds = np.array(rows), np.array(inds)
    unit = np.array([mo.u_index[c] for c in frame["unit_code"]])[rows]
    x, r = mo.x, mo.rates[-1]
    # The peer groups' totals, medians and sorted rates, per (group, indicator) key.
    n_keys = (int(mo.gid.max()) + 1) * n_i
    pu, pi = np.nonzero(mo.peer_mask[:, None] & (mo.den[-1] > 0))
    pkey = mo.gid[pu] * n_i + pi
    num_t = np.bincount(pkey, weights=mo.num[-1, pu, pi], minlength=n_keys)
    den_t = np.bincount(pkey, weights=mo.den[-1, pu, pi], minlength=n_keys)
    pval = r[pu, pi]
    med, count = _group_median(pkey, pval, n_keys)
    composite = np.sort(pkey * 2.0 + pval)  # rates lie in [0, 1]: one sorted array answers every group
    ends = np.cumsum(count)

    def above(key, v):
        return ends[key] - np.searchsorted(composite, key * 2.0 + v, side="right")

    key = mo.gid[unit] * n_i + inds
    num_u, den_u = x[unit, cube.numerator[inds]], x[unit, cube.denominator[inds]]
    expected = frame["expected"].to_numpy(dtype=float)[rows]
    is_element = (frame["subject_kind"].to_numpy() == "element")[rows] & ~np.isnan(expected)
    e = np.array([mo.e_index.get(sbj, -1) for sbj in frame["subject"]])[rows]
    num_w = np.where(is_element & (cube.numerator[inds] == e), expected, np.where(is_element, num_u, med[key] * den_u))
    den_w = np.where(is_element & (cube.denominator[inds] == e), expected, den_u)
    num_w = np.minimum(num_w, den_w)
    valid = (~np.isnan(num_u) & ~np.isnan(den_u) & (den_t[key] > 0) & (den_u > 0) & (den_w > 0) & ~np.isnan(num_w))
    with np.errstate(all="ignore"):
        new_num, new_den = num_t[key] - num_u + num_w, den_t[key] - den_u + den_w
        impact = np.abs(new_num / new_den - num_t[key] / den_t[key]) * 100
        own, wrong = num_u / den_u, num_w / den_w
    valid &= new_den > 0
    safe_key = np.where(valid, key, 0)
    rank_now = 1 + above(safe_key, np.nan_to_num(own))
    rank_wrong = 1 + above(safe_key, np.nan_to_num(wrong)) - (own > wrong)
    shift = np.abs(rank_now - rank_wrong)
    priority = np.where(valid, impact + cfg.rank_weight_pp * shift, -1.0)
    # Each signal keeps its indicator of largest priority (the first in registry order on a tie).
    order = np.lexsort((-priority, rows))
    first = order[np.r_[True, rows[order][1:] != rows[order][:-1]]]
    first = first[priority[first] >= 0]
    k = rows[first]
    out.loc[k, "impact_indicator"] = [cube.indicator_codes[i] for i in inds[first]]
    out.loc[k, "impact_pp"] = impact[first]
    out.loc[k, "rank"] = rank_now[first]
    out.loc[k, "rank_if_wrong"] = rank_wrong[first]
    out.loc[k, "rank_shift"] = shift[first]
    out.loc[k, "peers"] = count[key[first]]
    out["priority"] = out["impact_pp"].astype(float) + cfg.rank_weight_pp * out["rank_shift"].astype(float)
    return out


def signals(inputs: Inputs, period: str, *, unit: str | None = None, revisions: pd.DataFrame | None = None,
            config: AnomalyConfig | None = None) -> pd.DataFrame:
    """Every signal of `period` ("YYYY-MM") for the units that reported it (or `unit` only), ranked by
    priority (strong signals first), with the lineage of the figure (`submission_id`) and `value_key`,
    the figures the signal concerns as text (a verification holds while they stay the same).
    `revisions`: the value revisions of the month (storage.frames.load_revisions) for `late_revision`."""
    cfg = config or AnomalyConfig.from_settings(inputs.settings)
    cube = inputs.cube
    if cube.data.shape[0] == 0:
        return _empty()
    mo = _Month(inputs, period, cfg, unit)
    if not mo.keep.any():
        return _empty()
    rows = (_history_outliers(mo) + _peer_outliers(mo) + _pinned(mo) + _copy_forward(mo) + _round(mo) + _stocks(mo)
            + _last_digits(mo) + _late_revisions(mo, revisions))
    if not rows:
        return _empty()
    frame = pd.DataFrame(rows)
    frame = _impact(mo, frame)
    frame["submission_id"] = _lineage(inputs, mo, frame)
    frame["value_key"] = _value_keys(mo, frame)
    order = {s: k for k, s in enumerate(SIGNALS)}
    frame["_weak"] = frame["strength"] == "weak"
    frame["_order"] = frame["signal"].map(order)
    frame = frame.sort_values(["_weak", "priority", "score", "_order", "unit_code", "subject"],
                              ascending=[True, False, False, True, True, True], kind="stable")
    return frame.drop(columns=["_weak", "_order"]).reset_index(drop=True)[COLUMNS]


def _lineage(inputs: Inputs, mo: _Month, frame: pd.DataFrame) -> list:
    """The submission each signalled figure came from (for a rate, its numerator's; for a whole return,
    the unit's latest of the month)."""
    v = inputs.values
    if "submission_id" not in v.columns:
        return [None] * len(frame)
    sub = v.iloc[inputs.value_rows.get(mo.period, np.array([], dtype=np.int64))][["unit_code", "element_code", "submission_id"]]
    numerator = {i.code: i.numerator for i in inputs.registry.indicators}
    kinds = frame["subject_kind"].to_numpy()
    element = [s if k == "element" else numerator.get(s) for k, s in zip(kinds, frame["subject"])]
    wanted = pd.DataFrame({"unit_code": frame["unit_code"].astype(str).to_numpy(), "element_code": element})
    sub = sub.astype({"unit_code": object, "element_code": object})
    cell = wanted.merge(sub, on=["unit_code", "element_code"], how="left")["submission_id"]
    latest = sub[sub["unit_code"].isin(set(wanted["unit_code"]))].groupby("unit_code")["submission_id"].max()
    fallback = wanted["unit_code"].map(latest)
    ids = cell.where(cell.notna(), fallback)
    return [None if pd.isna(x) else int(x) for x in ids]


def _value_keys(mo: _Month, frame: pd.DataFrame) -> list[str]:
    """The figures a signal concerns, as text: the element's value; a rate's numerator/denominator; every
    flow figure of a return. A verification of a signal stands while its key is unchanged."""
    i_index = {c: i for i, c in enumerate(mo.cube.indicator_codes)}
    out = []
    for row in frame.itertuples(index=False):
        u = mo.u_index[row.unit_code]
        x = mo.x[u]
        if row.subject_kind == "element":
            out.append(_int_text(x[mo.e_index[row.subject]]))
        elif row.subject_kind == "indicator":
            i = i_index[row.subject]
            out.append(f"{_int_text(x[mo.cube.numerator[i]])}/{_int_text(x[mo.cube.denominator[i]])}")
        else:
            out.append(",".join(_int_text(v) for v in x[mo.flow]))
    return out


def _int_text(v: float) -> str:
    return "" if np.isnan(v) else str(int(v))


def settle(signals_frame: pd.DataFrame, verifications: pd.DataFrame) -> pd.DataFrame:
    """`signals_frame` without the signals verified as correct for the same figures: a verification
    (latest status `verified` per unit, month, subject and signal) stands while `value_key` is unchanged."""
    if signals_frame.empty or verifications is None or verifications.empty:
        return signals_frame
    latest = verifications.drop_duplicates(["unit_code", "period", "subject", "signal"], keep="last")
    ok = latest[latest["status"] == "verified"]
    keys = set(zip(ok["unit_code"], ok["period"], ok["subject"], ok["signal"], ok["value_key"]))
    mask = [(a, b, c, d, e) not in keys for a, b, c, d, e in zip(
        signals_frame["unit_code"], signals_frame["period"], signals_frame["subject"], signals_frame["signal"],
        signals_frame["value_key"])]
    return signals_frame[mask].reset_index(drop=True)


def signal_share(signals_frame: pd.DataFrame, inputs: Inputs, period: str) -> tuple[int, int]:
    """(unit-months with at least one signal, unit-months reported) for `period`."""
    cube = inputs.cube
    row = months.index(period) - cube.month0
    if not (0 <= row < cube.reported.shape[0]):
        return 0, 0
    reported = cube.reported[row] & np.isin(cube.unit_level, ("district", "commune", "department"))
    flagged = signals_frame.loc[signals_frame["period"] == period, "unit_code"].nunique() if len(signals_frame) else 0
    return int(flagged), int(reported.sum())
