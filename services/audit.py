"""The audit trail: who did what, when, to what, and whether it was allowed. Append-only: this module
inserts and reads `audit_event`; nothing in the project updates or deletes a row.

`record` writes one event, either in its own transaction (pass the engine: used for refusals, which
must survive the rollback of what was refused) or in the caller's (pass the session: the change and
its audit row commit together). Details are JSON; keys that look like secrets are scrubbed before
anything is written, so a password or token can never reach the table even by mistake.

Reading: `search` (filters, Vietnamese text search that ignores case and diacritics) and `to_csv` /
`to_xlsx` (formula-injection guarded). The administrator's entry points are in services/trail.py.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import re
from collections.abc import Mapping

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.orm import Session

import i18n
from domain import clock
from domain.safe_text import guard_cell
from domain.text import fold
from services.clock import setting, utcnow
from services.permissions import Actor
from storage import models

log = logging.getLogger("p06.audit")

OUTCOMES = ("ok", "refused", "failed")
COLUMNS = ["id", "at", "username", "action", "target", "outcome", "detail"]
_SECRET_KEY = re.compile(r"pass|pwd|token|secret|cookie|credential|authorization", re.IGNORECASE)
_TABLE = models.AuditEvent.__table__
SCRUBBED = "[removed]"


def username_of(actor: Actor | str | None) -> str | None:
    if actor is None:
        return None
    return actor.username if isinstance(actor, Actor) else str(actor)


def scrub(detail):
    """A copy of `detail` with the value of every key that names a secret replaced (recursively)."""
    if isinstance(detail, Mapping):
        return {str(k): SCRUBBED if _SECRET_KEY.search(str(k)) else scrub(v) for k, v in detail.items()}
    if isinstance(detail, (list, tuple, set, frozenset)):
        items = sorted(detail, key=str) if isinstance(detail, (set, frozenset)) else detail
        return [scrub(v) for v in items]
    return detail


def record(
    bind: Engine | Session | Connection,
    actor: Actor | str | None,
    action: str,
    target: str = "",
    outcome: str = "ok",
    detail: Mapping | None = None,
    *,
    now: dt.datetime | None = None,
) -> None:
    """Append one event. `bind`: the engine (own transaction) or the caller's session/connection."""
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}: {outcome!r}")
    row = {
        "at": utcnow(now),
        "username": username_of(actor),
        "action": action[:40],
        "target": str(target or "")[:300],
        "outcome": outcome,
        "detail": json.dumps(scrub(dict(detail or {})), ensure_ascii=False, sort_keys=True, default=str),
    }
    if isinstance(bind, Engine):
        with bind.begin() as conn:
            conn.execute(insert(_TABLE), row)
    else:
        bind.execute(insert(_TABLE), row)
    log.info("audit %s %s %s %s", row["username"], action, outcome, row["target"])


def fold_series(texts: pd.Series) -> pd.Series:
    """domain.text.fold for a whole column at once (vectorised string operations: a 20,000-event search
    would spend seconds folding row by row). Combining marks U+0300–U+036F hold every Vietnamese tone
    and vowel mark once decomposed."""
    out = texts.astype(str).str.replace("[ĐÐƉ]", "D", regex=True).str.replace("[đðɖ]", "d", regex=True)
    out = out.str.replace("\u00a0", " ", regex=False).str.normalize("NFD").str.replace("[\u0300-\u036f]", "", regex=True)
    out = out.str.lower().str.replace(".", ". ", regex=False).str.replace(r"[^0-9a-z ]+", " ", regex=True)
    return out.str.replace(r"\s+", " ", regex=True).str.strip()


def _bound(engine: Engine, value, end: bool) -> dt.datetime | None:
    """A date means the whole day in the province's time zone; a datetime is taken as given."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return utcnow(value)
    tz = clock.zone(setting(engine, "timezone_offset_hours"))
    day = value + dt.timedelta(days=1) if end else value
    return dt.datetime.combine(day, dt.time(), tz).astimezone(dt.timezone.utc)


def search(
    engine: Engine,
    username: str | None = None,
    action: str | None = None,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    text: str | None = None,
    outcome: str | None = None,
    limit: int = 10_000,
) -> pd.DataFrame:
    """Events, newest first. `since`/`until` are inclusive (a date covers its whole local day);
    `text` matches the username, target or details regardless of case and Vietnamese diacritics."""
    a = _TABLE.c
    stmt = select(*[a[c] for c in COLUMNS]).order_by(a.at.desc(), a.id.desc())
    if username:
        stmt = stmt.where(a.username == username.strip().lower())
    if action:
        stmt = stmt.where(a.action == action)
    if outcome:
        stmt = stmt.where(a.outcome == outcome)
    start, end = _bound(engine, since, end=False), _bound(engine, until, end=True)
    if start is not None:
        stmt = stmt.where(a.at >= start)
    if end is not None:
        stmt = stmt.where(a.at < end) if not isinstance(until, dt.datetime) else stmt.where(a.at <= end)
    if not text:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if text:
        # Folded here, not in SQL: SQLite's lower() knows only ASCII, and people type names without diacritics.
        hay = fold_series(frame["username"].fillna("") + " " + frame["target"] + " " + frame["detail"])
        frame = frame[hay.str.contains(fold(text), regex=False)].head(limit).reset_index(drop=True)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


# --- export -----------------------------------------------------------------------------------------

_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 cannot hold these


def _clean(value):
    """Control characters out first (they could hide a leading `=`), then the formula guard."""
    return guard_cell(_ILLEGAL_XLSX.sub("", value)) if isinstance(value, str) else value


def _headers(lang: str) -> list[str]:
    return [i18n.t(f"access.audit.column.{c}", lang) for c in COLUMNS]


def _local(at: pd.Timestamp, offset_hours: int) -> dt.datetime:
    return at.to_pydatetime().astimezone(clock.zone(offset_hours))


def to_csv(frame: pd.DataFrame, lang: str = i18n.DEFAULT_LANG, offset_hours: int = 7) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads Vietnamese correctly); times ISO 8601 in local time."""
    out = frame[COLUMNS].copy()
    out["at"] = [_local(t, offset_hours).isoformat(timespec="seconds") for t in out["at"]]
    out = out.astype(object).where(out.notna(), "").map(_clean)
    out.columns = _headers(lang)
    return out.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame, lang: str = i18n.DEFAULT_LANG, offset_hours: int = 7) -> bytes:
    """One sheet, one row per event; times as local date-times (dd/mm/yyyy hh:mm:ss)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(i18n.t("access.audit.sheet", lang)[:31])
    bold = Font(bold=True)
    header = []
    for title in _headers(lang):
        cell = WriteOnlyCell(ws, value=guard_cell(title))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in frame[COLUMNS].itertuples(index=False):
        cells = []
        for name, value in zip(COLUMNS, row):
            if name == "at":
                cell = WriteOnlyCell(ws, value=_local(value, offset_hours).replace(tzinfo=None))
                cell.number_format = "dd/mm/yyyy hh:mm:ss"
            elif isinstance(value, str):
                cell = WriteOnlyCell(ws, value=_clean(value))
            else:
                cell = WriteOnlyCell(ws, value=None if pd.isna(value) else value)
            cells.append(cell)
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
