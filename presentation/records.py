"""Metric frames as the records the CLI prints with --json: plain JSON values only (None for every kind
of missing, Python numbers, ISO dates; counts as integers), in the field order the README documents."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

INTEGER_FIELDS = {"numerator", "denominator"}


def plain(value):
    """A JSON-ready scalar: None for every kind of missing (NaN and infinities included), Python numbers,
    ISO dates."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, (pd.Timestamp, dt.date, dt.datetime)):
        return value.isoformat()
    return value


def records(frame: pd.DataFrame, fields: list[str]) -> list[dict]:
    """The rows of `frame` as dicts of `fields`, every value plain."""
    rows = []
    for row in frame[fields].itertuples(index=False, name=None):
        out = {}
        for field, value in zip(fields, row):
            value = plain(value)
            if field in INTEGER_FIELDS and value is not None:
                value = int(round(value))
            out[field] = value
        rows.append(out)
    return rows
