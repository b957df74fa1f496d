"""The standing agency's verification of signalled figures (issue 19, `verify_figures`; reading:
`view_followups`, so that leaders see the review and change nothing).

A signal (metrics.anomalies) concerns one figure of a unit and month: an element, a rate or the whole
return ("*"). The agency marks it cần xác minh (to_verify) → đã xác minh đúng (verified) or đã yêu cầu sửa
(correction_requested); each change is a new row with a note, who and when, and the figures it concerned
(`value_key`). A figure verified as correct stops signalling while its figures stay the same; a
correction request is linked to the unit's next submission for the month when one arrives. Audited; bumps
the data version so every page shows the change at once. A verification concerns figures already
received, so period locks do not apply to it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, select

from domain import periods
from domain.errors import Invalid
from metrics.anomalies import SIGNALS
from services import audit
from services.clock import utcnow
from services.guard import authorize
from services.permissions import Actor
from storage import models
from storage.retry import in_transaction
from storage.version import bump_data_version

STATUSES = ("to_verify", "verified", "correction_requested")
UNDER_VERIFICATION = ("to_verify", "correction_requested")
COLUMNS = ["id", "unit_code", "period", "subject", "signal", "status", "value_key", "submission_id", "note",
           "created_by", "created_at"]
MAX_NOTE = 4000


def record(engine: Engine, actor: Actor | None, unit_code: str, period: str, subject: str, signal: str, status: str,
           *, value_key: str = "", submission_id: int | None = None, note: str = "",
           now: dt.datetime | None = None) -> int:
    """Record a verification step for one signalled figure; returns its id."""
    target = f"{unit_code}/{period}/{subject}/{signal}"[:300]
    authorize(engine, actor, "verify_figures", target=target, now=now)
    now = utcnow(now)
    if status not in STATUSES:
        raise Invalid("review.bad_status", status=str(status)[:30], statuses=", ".join(STATUSES))
    if signal not in SIGNALS:
        raise Invalid("review.bad_signal", signal=str(signal)[:30])
    if not periods.is_period(period):
        raise Invalid("access.locks.bad_period", period=str(period)[:20])
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise Invalid("access.followups.note_too_long", max=MAX_NOTE)
    subject = str(subject)[:60]

    def write(session) -> int:
        if session.get(models.Unit, unit_code) is None:
            raise Invalid("access.targets.unknown_unit", unit=str(unit_code)[:40])
        sub = int(submission_id) if submission_id is not None else None
        if sub is not None and session.get(models.Submission, sub) is None:
            sub = None
        row = models.DataVerification(unit_code=unit_code, period=period, subject=subject, signal=signal,
                                      status=status, value_key=str(value_key or ""), submission_id=sub, note=note,
                                      created_by=actor.username, created_at=now)
        session.add(row)
        session.flush()
        bump_data_version(session, values=False)
        audit.record(session, actor, "verify_figures", target, "ok",
                     {"id": row.id, "unit": unit_code, "period": period, "subject": subject, "signal": signal,
                      "status": status, "value_key": row.value_key, "submission_id": sub, "note": note}, now=now)
        return row.id

    return in_transaction(engine, write)


def _rows(engine: Engine, period: str | None = None, unit_code: str | None = None) -> pd.DataFrame:
    v = models.DataVerification
    stmt = select(*[getattr(v, c) for c in COLUMNS]).order_by(v.created_at, v.id)
    if period:
        stmt = stmt.where(v.period == period)
    if unit_code:
        stmt = stmt.where(v.unit_code == unit_code)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(stmt).all(), columns=COLUMNS)


def history(engine: Engine, actor: Actor | None, period: str | None = None, unit_code: str | None = None,
            *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every verification step, oldest first (COLUMNS), optionally for one month and/or unit."""
    authorize(engine, actor, "view_followups", now=now)
    return _rows(engine, period, unit_code)


def current(engine: Engine, actor: Actor | None, period: str | None = None, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """The latest step per figure and signal, with `resubmission_id` / `resubmitted_at`: for a correction
    request, the unit's first submission for the month received after it (None while none arrived)."""
    authorize(engine, actor, "view_followups", now=now)
    return latest(engine, period)


def latest(engine: Engine, period: str | None = None) -> pd.DataFrame:
    """`current` without the rights check, for the read paths that already passed one (the report pack is
    built after its own `export` check)."""
    rows = _rows(engine, period)
    out = rows.drop_duplicates(["unit_code", "period", "subject", "signal"], keep="last").reset_index(drop=True)
    out["resubmission_id"] = None
    out["resubmitted_at"] = None
    asked = out[out["status"] == "correction_requested"]
    if not asked.empty:
        s, sc = models.Submission, models.SubmissionScope
        stmt = select(sc.unit_code, sc.period, s.id, s.received_at).join(s, s.id == sc.submission_id).where(
            sc.unit_code.in_(sorted(set(asked["unit_code"]))), sc.period.in_(sorted(set(asked["period"]))))
        with engine.connect() as conn:
            subs = pd.DataFrame(conn.execute(stmt).all(), columns=["unit_code", "period", "id", "received_at"])
        for k, row in asked.iterrows():
            later = subs[(subs["unit_code"] == row["unit_code"]) & (subs["period"] == row["period"])
                         & (subs["received_at"] > row["created_at"])].sort_values(["received_at", "id"])
            if not later.empty:
                out.at[k, "resubmission_id"] = int(later.iloc[0]["id"])
                out.at[k, "resubmitted_at"] = later.iloc[0]["received_at"]
    return out


def under_verification(verifications: pd.DataFrame) -> pd.DataFrame:
    """The figures whose latest status is still open (cần xác minh, đã yêu cầu sửa)."""
    if verifications.empty:
        return verifications
    return verifications[verifications["status"].isin(UNDER_VERIFICATION)].reset_index(drop=True)


# --- said to the submitter before Confirm (issue 19) -----------------------------------------------------

UPLOAD_CODES = {
    "history_outlier": "anomaly_history", "copy_forward": "anomaly_copy_forward", "pinned_rate": "anomaly_pinned_rate",
    "jump_to_target": "anomaly_jump_to_target", "stock_jump": "anomaly_stock_jump",
}


def upload_warnings(engine: Engine, outcome) -> list:
    """The strongest signals (metrics.anomalies.UPLOAD_SIGNALS) of an accepted file's figures against the
    unit's own history in the database, as loader warnings (never refusals). An element's warning is located
    at the element, a rate's at its numerator."""
    import metrics
    from loaders.problems import Problem, Text
    from metrics import anomalies
    from storage import frames

    held = outcome.submission
    if held is None or not held.values:
        return []
    new = pd.DataFrame([(v.unit_code, v.period, v.element_code, int(v.value)) for v in held.values],
                       columns=["unit_code", "period", "element_code", "value"])
    pairs = sorted(set(zip(new["unit_code"], new["period"])))
    units = sorted({u for u, _ in pairs})
    first = periods.add(min(p for _, p in pairs), -(anomalies.AnomalyConfig().history_months + 1))
    last = max(p for _, p in pairs)
    old = frames.load_values(engine, unit_codes=units, first=first, last=last)[["unit_code", "period", "element_code", "value"]]
    keys = set(pairs)
    old = old[[(u, p) not in keys for u, p in zip(old["unit_code"], old["period"])]]
    values = pd.concat([old, new], ignore_index=True)
    all_units = frames.load_units(engine)
    registry = frames.load_registry(engine)
    inputs = metrics.Inputs(units=all_units, values=values, registry=registry, targets=frames.load_targets(engine),
                            settings=frames.settings(engine))
    config = anomalies.AnomalyConfig.from_settings(inputs.settings)
    names = all_units.set_index("code")
    indicators = registry.indicator_by_code
    out = []
    for unit, period in pairs:
        found = anomalies.signals(inputs, period, unit=unit, config=config)
        found = found[found["signal"].isin(anomalies.UPLOAD_SIGNALS)]
        for row in found.itertuples(index=False):
            out.append(_upload_problem(row, outcome.name, names, registry, indicators, Problem, Text))
    return out


def _upload_problem(row, file: str, names: pd.DataFrame, registry, indicators, Problem, Text):
    from i18n import fmt_pct

    def pct(x, digits=2):
        return Text(fmt_pct(float(x), "vi", digits), fmt_pct(float(x), "en", digits))

    def element(code):
        e = registry.element_by_code.get(code)
        return Text(e.name_vi, e.name_en) if e else Text(code, code)

    unit = Text(f"{names.at[row.unit_code, 'name_vi']} ({row.unit_code})", f"{names.at[row.unit_code, 'name_en']} ({row.unit_code})") \
        if row.unit_code in names.index else Text(row.unit_code, row.unit_code)
    params: dict = {"unit": unit}
    cell_element = row.subject
    if row.subject_kind == "indicator":
        ind = indicators[row.subject]
        cell_element = ind.numerator
        params.update(indicator=Text(ind.name_vi, ind.name_en), level=pct(row.expected, 0), months=int(row.months))
        if row.signal == "jump_to_target":
            params["reference"] = pct(row.reference)
        if row.signal == "history_outlier":  # a rate against its history: in points
            code = "anomaly_history"
            params.update(element=Text(ind.name_vi, ind.name_en), value=pct(row.value), expected=pct(row.expected),
                          direction=Text("cao hơn" if row.value > row.expected else "thấp hơn",
                                         "above" if row.value > row.expected else "below"),
                          change=Text(f"{abs(row.value - row.expected) * 100:.2f} điểm %".replace(".", ","),
                                      f"{abs(row.value - row.expected) * 100:.2f} pp"))
            return Problem(code, file, unit=row.unit_code, element=cell_element, period=row.period, params=params)
    else:
        params.update(element=element(row.subject), value=int(row.value), months=int(row.months))
        if row.signal == "history_outlier":
            up = row.value > row.expected
            params.update(expected=int(round(row.expected)), change=pct(abs(row.value / row.expected - 1), 0),
                          direction=Text("tăng" if up else "giảm", "up" if up else "down"))
        if row.signal == "copy_forward":
            params["months"] = int(row.months) - 1
        if row.signal == "stock_jump":
            params.update(increase=int(row.numerator), share=pct(min(row.score, 1.0), 0), room=int(max(row.denominator, 0)))
    return Problem(UPLOAD_CODES[row.signal], file, unit=row.unit_code, element=cell_element, period=row.period, params=params)
