"""The country: a deployment holding several provinces seen as one (DOMAIN.md §4, "aggregate, then divide").

The nation's figure for an indicator is Σ numerator / Σ denominator over every province's localities. The
nation has no target of its own in the data: its target is the rate the country reaches when every province
meets its own target, Σ(target × denominator) / Σ denominator over the provinces that have a target and
figures; its glide path the same sum of the provinces' glide paths. The status then follows the province
rules (met, on track, at risk, behind). Beside it, how many provinces are in each status.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics import months
from metrics.indicators import STATUSES, status, trend
from metrics.inputs import Inputs

NATION_COLUMNS = [
    "period", "indicator_code", "numerator", "denominator", "value", "target", "expected", "gap_pp", "status",
    "change_mom_pp", "change_yoy_pp", "n_units", "n_reporting", "n_carried", *(f"n_{s}" for s in STATUSES),
]


def nation_trend(inputs: Inputs, last: str, n_months: int = 13, kind: str = "month") -> pd.DataFrame:
    """The nation's row per indicator for each of the `n_months` months ending at `last` (columns
    NATION_COLUMNS; the month-on-month and year-on-year changes where those months are in the window)."""
    provinces = trend(inputs, last, level="province", kind=kind, n_months=n_months)
    return _nation(provinces, inputs.config.at_risk_band_pp)


def nation(inputs: Inputs, period: str, kind: str = "month") -> pd.DataFrame:
    """The nation's row per indicator for `period`, with its change from the month before and a year before."""
    table = nation_trend(inputs, period, n_months=13, kind=kind)
    return table[table["period"] == period].reset_index(drop=True)


def _nation(provinces: pd.DataFrame, band_pp: float) -> pd.DataFrame:
    if provinces.empty:
        return pd.DataFrame(columns=NATION_COLUMNS)
    p = provinces.copy()
    has = p["denominator"].astype(float) > 0
    weighted = has & p["target"].notna()
    den = p["denominator"].astype(float).where(has, 0.0)
    p["num_"] = p["numerator"].astype(float).where(has, 0.0)
    p["den_"] = den
    p["tden_"] = den.where(weighted, 0.0)
    p["t_"] = (p["target"].astype(float) * den).where(weighted, 0.0)
    with_path = weighted & p["expected"].notna()
    p["eden_"] = den.where(with_path, 0.0)
    p["e_"] = (p["expected"].astype(float) * den).where(with_path, 0.0)
    p["reporting_"] = has.astype(int)
    p["carried_"] = p["n_carried"].fillna(0).astype(int)
    for s in STATUSES:
        p[f"n_{s}"] = (p["status"] == s).astype(int)
    counts = [f"n_{s}" for s in STATUSES]
    g = p.groupby(["period", "indicator_code"], sort=False).agg(
        numerator=("num_", "sum"), denominator=("den_", "sum"), tden=("tden_", "sum"), t=("t_", "sum"),
        eden=("eden_", "sum"), e=("e_", "sum"), n_units=("unit_code", "size"), n_reporting=("reporting_", "sum"),
        n_carried=("carried_", "sum"), **{c: (c, "sum") for c in counts},
    ).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(g["denominator"] > 0, g["numerator"] / g["denominator"].where(g["denominator"] > 0, 1), np.nan)
        target = np.where(g["tden"] > 0, g["t"] / g["tden"].where(g["tden"] > 0, 1), np.nan)
        expected = np.where(g["eden"] > 0, g["e"] / g["eden"].where(g["eden"] > 0, 1), np.nan)
    codes = status(value, target, expected, band_pp)
    out = pd.DataFrame({
        "period": g["period"].astype(str), "indicator_code": g["indicator_code"].astype(str),
        "numerator": g["numerator"], "denominator": g["denominator"], "value": value, "target": target,
        "expected": expected, "gap_pp": (value - target) * 100.0, "status": np.array(STATUSES, dtype=object)[codes],
        "n_units": g["n_units"].astype(int), "n_reporting": g["n_reporting"].astype(int), "n_carried": g["n_carried"].astype(int),
        **{c: g[c].astype(int) for c in counts},
    })
    index = out["period"].map(months.index)
    lookup = {(i, c): v for i, c, v in zip(index, out["indicator_code"], out["value"])}
    out["change_mom_pp"] = [(v - lookup.get((i - 1, c), np.nan)) * 100.0 for i, c, v in zip(index, out["indicator_code"], out["value"])]
    out["change_yoy_pp"] = [(v - lookup.get((i - 12, c), np.nan)) * 100.0 for i, c, v in zip(index, out["indicator_code"], out["value"])]
    return out[NATION_COLUMNS].sort_values("period", kind="stable", ignore_index=True)
