"""Completeness and timeliness per form, unit and month, from the received times of the submissions
themselves (DOMAIN.md §5); nobody presses a "complete" button.

- expected: units that exist in the month, whose level the form is assigned to, from the form's first month;
- submitted: expected units that appear in the submission scope of that month and form. A resubmission is
  the same unit again: it never counts twice, and a unit that was not expected never counts, so no rate
  exceeds 100 %;
- on time: the first receipt falls on or before the due date (`deadline_day` of the following month),
  compared as a calendar date in local time (`timezone_offset_hours`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from domain import periods as periods_mod
from metrics import months
from metrics.inputs import Inputs

SUBMISSION_STATUSES = ("on_time", "late", "missing", "pending")

UNIT_COLUMNS = [
    "period", "form_code", "unit_code", "level", "due_date", "status", "submitted", "on_time",
    "first_received_at", "last_received_at", "n_submissions", "days_late",
]
SUMMARY_COUNTS = ["expected", "submitted", "on_time", "late", "missing", "pending"]


def expected_units(inputs: Inputs, periods: Sequence[str]) -> pd.DataFrame:
    """One row per form, unit and month the unit was expected to report: period, form_code, unit_code, level."""
    cube = inputs.cube
    asked = np.array([months.index(p) for p in periods], dtype=np.int64)
    frames = []
    for form in inputs.registry.forms:  # forms are few: a loop over definitions, not over units
        assigned = np.isin(cube.unit_level, list(form.levels))
        valid = (cube.valid_from[None, :] <= asked[:, None]) & (asked[:, None] <= cube.valid_to[None, :])
        valid &= assigned[None, :] & (asked >= months.index(form.valid_from))[:, None]
        k, u = np.nonzero(valid)
        frames.append(pd.DataFrame({
            "period": np.asarray(list(periods), dtype=object)[k],
            "form_code": form.code,
            "unit_code": cube.unit_codes[u],
            "level": cube.unit_level[u],
        }))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["period", "form_code", "unit_code", "level"])
    return out.astype({"period": "str", "form_code": "str", "unit_code": "str", "level": "str"})


def completeness_units(inputs: Inputs, periods: Sequence[str], as_of: dt.datetime | None = None) -> pd.DataFrame:
    """Each expected unit's submission for each month and form (columns UNIT_COLUMNS). status: `on_time`,
    `late`, `missing`, or `pending` (nothing yet, and the deadline has not passed at `as_of`; without
    `as_of` nothing is pending). Times are aware UTC; `days_late` counts local calendar days after the due
    date of the first receipt."""
    cfg = inputs.config
    expected = expected_units(inputs, periods)
    scope = inputs.scope
    scope = scope[scope["period"].isin(list(periods))]
    received = pd.to_datetime(scope["received_at"], utc=True)
    got = (
        pd.DataFrame({
            "period": scope["period"].astype("str"), "form_code": scope["form_code"].astype("str"),
            "unit_code": scope["unit_code"].astype("str"), "submission_id": scope["submission_id"],
            "received_at": received,
        })
        .groupby(["period", "form_code", "unit_code"], as_index=False, sort=False)
        .agg(first_received_at=("received_at", "min"), last_received_at=("received_at", "max"),
             n_submissions=("submission_id", "nunique"))
    )
    out = expected.merge(got, on=["period", "form_code", "unit_code"], how="left")
    for col in ("first_received_at", "last_received_at"):
        out[col] = pd.to_datetime(out[col], utc=True)
    due = {p: periods_mod.due_date(p, cfg.deadline_day) for p in periods}
    out["due_date"] = out["period"].map(due)
    offset = pd.Timedelta(hours=cfg.timezone_offset_hours)
    local_day = (out["first_received_at"] + offset).dt.tz_localize(None).dt.normalize()
    due_day = pd.to_datetime(out["due_date"])
    out["submitted"] = out["first_received_at"].notna()
    days_late = (local_day - due_day).dt.days
    out["on_time"] = out["submitted"] & (days_late <= 0)
    out["days_late"] = pd.array(np.where(out["submitted"] & (days_late > 0), days_late, np.nan), dtype="Int64")
    out["n_submissions"] = out["n_submissions"].fillna(0).astype(np.int64)
    if as_of is not None:
        today = (pd.Timestamp(as_of).tz_convert("UTC") + offset).tz_localize(None).normalize()
        not_due = due_day >= today
    else:
        not_due = pd.Series(False, index=out.index)
    out["status"] = np.select(
        [out["on_time"], out["submitted"], not_due],
        ["on_time", "late", "pending"],
        default="missing",
    )
    out["status"] = out["status"].astype("str")
    return out[UNIT_COLUMNS].sort_values(["period", "form_code", "unit_code"], ignore_index=True)


def completeness_summary(unit_rows: pd.DataFrame, by: Sequence[str] = ("period", "form_code")) -> pd.DataFrame:
    """Counts and rates per `by` (any columns of completeness_units, e.g. adding `level`): expected,
    submitted, on_time, late, missing, pending, completeness = submitted / expected, timeliness =
    on_time / expected (NaN where nothing was expected)."""
    by = list(by)
    counts = pd.DataFrame({
        **{c: unit_rows[c] for c in by},
        "expected": 1,
        "submitted": unit_rows["submitted"].astype(np.int64),
        "on_time": unit_rows["on_time"].astype(np.int64),
        "late": (unit_rows["status"] == "late").astype(np.int64),
        "missing": (unit_rows["status"] == "missing").astype(np.int64),
        "pending": (unit_rows["status"] == "pending").astype(np.int64),
    })
    out = counts.groupby(by, as_index=False, sort=True)[SUMMARY_COUNTS].sum()
    expected = out["expected"].where(out["expected"] > 0)
    out["completeness"] = out["submitted"] / expected
    out["timeliness"] = out["on_time"] / expected
    return out


def completeness(inputs: Inputs, period: str, as_of: dt.datetime | None = None,
                 by: Sequence[str] = ("period", "form_code")) -> pd.DataFrame:
    """The month's completeness and timeliness per form (or per `by`)."""
    return completeness_summary(completeness_units(inputs, [period], as_of), by)
