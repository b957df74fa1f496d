"""The follow-up queue as figures: from the rows of the standing agency's follow-ups (services.followups
reads and writes them), the current follow-up per unit, which are overdue, and the month's summary for
the report. Pure functions of frames, so that services, pages and the monthly report share them."""

from __future__ import annotations

import datetime as dt

import pandas as pd

CLOSED = ("resolved", "no_change")
CAUSES = ("network", "no_smartphone", "staff", "equipment", "not_online", "other")
COLUMNS = ["id", "unit_code", "period", "status", "note", "created_by", "created_at", "due_date", "letter_no",
           "letter_date", "cause", "cause_text"]


def queue(history_rows: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """The follow-up queue: the latest follow-up per unit (of any month), with `overdue` (a due date passed
    and the follow-up not closed), oldest due first, overdue first. Pure: from `history`'s frame."""
    if history_rows.empty:
        return pd.DataFrame(columns=[*COLUMNS, "overdue", "closed"])
    latest = history_rows.sort_values(["created_at", "id"]).drop_duplicates("unit_code", keep="last").copy()
    latest["closed"] = latest["status"].isin(CLOSED)
    due = pd.to_datetime(latest["due_date"], errors="coerce").dt.date
    latest["overdue"] = [bool(d is not None and not pd.isna(d) and d < today and not c) for d, c in zip(due, latest["closed"])]
    latest["_due"] = pd.to_datetime(latest["due_date"], errors="coerce")
    return latest.sort_values(["closed", "overdue", "_due", "unit_code"], ascending=[True, False, True, True],
                              na_position="last").drop(columns="_due").reset_index(drop=True)


def summary(history_rows: pd.DataFrame, period: str, today: dt.date) -> dict:
    """For the monthly report: follow-ups opened in `period` (first row of a unit's follow-up recorded for
    that month), closed in it (latest status resolved / no change recorded that month), overdue now (their
    units), and the causes reported, counted."""
    if history_rows.empty:
        return {"opened": 0, "closed": 0, "overdue": [], "causes": {}}
    rows = history_rows[history_rows["period"] == period]
    opened = int(rows["unit_code"].nunique())
    latest = rows.sort_values(["created_at", "id"]).drop_duplicates("unit_code", keep="last")
    closed = int(latest["status"].isin(CLOSED).sum())
    q = queue(history_rows, today)
    causes = latest["cause"].dropna().value_counts()
    return {"opened": opened, "closed": closed, "overdue": q.loc[q["overdue"], "unit_code"].tolist(),
            "causes": {c: int(causes.get(c, 0)) for c in CAUSES if causes.get(c, 0)}}
