"""Outlook: for each group and indicator, where the year ends at the current pace, and what it takes to
meet the year's target.

- pace: the average monthly change since the glide path's start (December of the previous year, or the
  first month with figures this year): (value − start) / months since the start;
- projected_december: value + pace × months left, clipped to [0, 1];
- needed_gain_pp: the monthly gain (points) still needed to reach the target by December; 0 when it is met;
  missing in December itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from metrics import months
from metrics.indicators import indicator_arrays
from metrics.inputs import Inputs

OUTLOOK_COLUMNS = [
    "period", "level", "unit_code", "indicator_code", "value", "start_value", "start_period", "target",
    "months_left", "pace_pp", "projected_december", "projected_gap_pp", "needed_gain_pp", "on_course",
]


def outlook(inputs: Inputs, period: str, level: str = "province", merged: bool = False) -> pd.DataFrame:
    a = indicator_arrays(inputs, [period], level=level, kind="month", merged=merged)
    end = int(a.ends[0])
    origin = end - end % 12 - 1  # December of the previous year = month 0
    m = end - origin
    value, start, target = a.value[0], a.start[0], a.target[0]
    start_month = a.start_month[0]
    elapsed = np.where(start_month >= 0, end - start_month, 0).astype(np.float64)
    left = 12 - m
    with np.errstate(invalid="ignore", divide="ignore"):
        pace = np.where(elapsed > 0, (value - start) / np.where(elapsed > 0, elapsed, 1.0), np.nan)
        projected = np.clip(value + pace * left, 0.0, 1.0)
        needed = np.maximum(target - value, 0.0) / left * 100.0 if left > 0 else np.full_like(value, np.nan)
        on_course = np.where(np.isnan(projected) | np.isnan(target), np.nan, projected >= target - 1e-12)
    present = np.repeat((a.members[0] > 0)[:, None], value.shape[1], axis=1)
    g, i = np.nonzero(present)
    codes = a.cube.unit_codes[a.grouping.group_unit]
    start_period = np.array([months.period(x) if x >= 0 else None for x in start_month[g, i]], dtype=object)
    return pd.DataFrame({
        "period": period, "level": level, "unit_code": codes[g],
        "indicator_code": np.asarray(a.cube.indicator_codes, dtype=object)[i],
        "value": value[g, i], "start_value": start[g, i], "start_period": start_period, "target": target[g, i],
        "months_left": left, "pace_pp": pace[g, i] * 100.0, "projected_december": projected[g, i],
        "projected_gap_pp": (projected[g, i] - target[g, i]) * 100.0, "needed_gain_pp": needed[g, i],
        "on_course": pd.array(on_course[g, i], dtype="boolean"),
    })[OUTLOOK_COLUMNS]
