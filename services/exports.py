"""The `export` action: anything that leaves the dashboard as a file (figures, the monthly report,
the audit trail) is authorised and recorded first. Pages call `record_export` right before handing the
bytes over; reports build the bytes with every text cell guarded (domain/safe_text.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Engine

from services import audit
from services.guard import authorize
from services.permissions import Actor


def record_export(engine: Engine, actor: Actor | None, what: str, period: str | None = None, *,
                  fmt: str | None = None, unit_codes: Iterable[str] | None = None, rows: int | None = None,
                  now: dt.datetime | None = None) -> None:
    """Authorise (Refused, audited, when not allowed) and record an export of `what` (a code such as
    "monthly_report", "indicator_table", "audit_log") for `period`."""
    target = f"{what}/{period}" if period else what
    authorize(engine, actor, "export", target=target[:300], detail={"what": what, "format": fmt}, now=now)
    detail = {"what": what, "period": period, "format": fmt, "rows": rows}
    if unit_codes is not None:
        detail["units"] = sorted(set(unit_codes))
    audit.record(engine, actor, "export", target[:300], "ok", detail, now=now)
