"""The province's indicators for one month against their targets: what the overview page shows.

Kept with its original signature for the overview page; it is `metrics.kpis` at the province level.
Pass values from December of the previous year onwards (or all values) to get the glide path, status and
changes; with one month of values only, value, numerator, denominator and target are still right.
"""

from __future__ import annotations

import pandas as pd

from domain.registry import Registry
from metrics.indicators import kpis
from metrics.inputs import Inputs
from metrics.levels import LOCALITY_LEVELS

__all__ = ["LOCALITY_LEVELS", "province_month"]


def province_month(values: pd.DataFrame, units: pd.DataFrame, registry: Registry, targets: pd.DataFrame,
                   period: str, province_code: str) -> pd.DataFrame:
    """The province's localities together for one month, every indicator in registry order with its
    province-wide target (columns of metrics.KPI_COLUMNS plus `province_code`). Departments are reported
    beside localities and never added into this total."""
    inputs = Inputs(units=units, values=values, registry=registry, targets=targets, province_code=province_code)
    out = kpis(inputs, period, level="province")
    return out.assign(province_code=out["unit_code"])
