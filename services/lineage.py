"""Where a unit's figures for a month came from: for each data element, the accepted file (submission) that
holds its current value, and every earlier value a later file replaced (who replaced it, when, from which
file to which), down to the original bytes of each file.

- `lineage(engine, actor, unit_code, period)`: needs `view` of the unit (a submitter: only their own);
- `original_file(engine, actor, submission_id)`: the file as it was received, for downloading again: an
  `export` (it leaves the dashboard), authorised and audited with the file's name and hash.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select

from domain.errors import Invalid
from loaders.readers import content_carries_macros, macro_free_copy
from services import audit
from services.guard import authorize
from services.permissions import Actor
from services.visibility import view_scope
from storage import frames, models

VALUE_COLUMNS = ["element_code", "value", "submission_id", "filename", "submitted_by", "received_at", "source",
                 "form_code", "n_revisions"]
SUBMISSION_COLUMNS = ["id", "form_code", "filename", "sha256", "size", "submitted_by", "received_at", "source",
                      "n_values", "current_values", "replaced_values"]
REVISION_COLUMNS = ["element_code", "old_value", "new_value", "old_submission_id", "old_filename", "new_submission_id",
                    "new_filename", "replaced_by", "replaced_at"]


@dataclass(frozen=True)
class Lineage:
    unit_code: str
    period: str
    values: pd.DataFrame  # VALUE_COLUMNS: one row per element held, in the registry's order of elements
    submissions: pd.DataFrame  # SUBMISSION_COLUMNS: every file that reported the unit for the month, newest first
    revisions: pd.DataFrame  # REVISION_COLUMNS: every replaced value, oldest first


@dataclass(frozen=True)
class OriginalFile:
    submission_id: int
    filename: str
    sha256: str
    content: bytes


def lineage(engine: Engine, actor: Actor | None, unit_code: str, period: str, *,
            now: dt.datetime | None = None) -> Lineage:
    """Every current value of `unit_code` for `period` with the file it came from, the files, the revisions."""
    view_scope(engine, actor, unit_codes=[unit_code], now=now)
    values = frames.load_values(engine, periods=[period], unit_codes=[unit_code])
    subs = frames.submissions(engine, unit_code, period)
    revisions = frames.value_revisions(engine, unit_code, period)
    order = {code: i for i, code in enumerate(frames.load_registry(engine).element_by_code)}
    files = subs.set_index("id")
    current = values["submission_id"].value_counts()
    replaced = revisions["old_submission_id"].value_counts()
    n_revisions = revisions["element_code"].value_counts()
    table = values.assign(
        filename=values["submission_id"].map(files["filename"]),
        submitted_by=values["submission_id"].map(files["submitted_by"]),
        received_at=values["submission_id"].map(files["received_at"]),
        source=values["submission_id"].map(files["source"]),
        form_code=values["submission_id"].map(files["form_code"]),
        n_revisions=values["element_code"].map(n_revisions).fillna(0).astype("int64"),
        _order=values["element_code"].map(order),
    ).sort_values("_order", ignore_index=True)
    subs = subs.assign(
        current_values=subs["id"].map(current).fillna(0).astype("int64"),
        replaced_values=subs["id"].map(replaced).fillna(0).astype("int64"),
    )
    revisions = revisions.assign(
        old_filename=revisions["old_submission_id"].map(files["filename"]),
        new_filename=revisions["new_submission_id"].map(files["filename"]),
    )
    return Lineage(unit_code, period, table[VALUE_COLUMNS], subs[SUBMISSION_COLUMNS].reset_index(drop=True),
                   revisions[REVISION_COLUMNS].reset_index(drop=True))


def original_file(engine: Engine, actor: Actor | None, submission_id: int, *,
                  now: dt.datetime | None = None) -> OriginalFile:
    """The bytes of an accepted file as received. An export: refused (and audited) for roles that may not
    export; recorded in the audit trail when given."""
    target = f"submission_file/{submission_id}"[:300]
    authorize(engine, actor, "export", target=target, detail={"what": "submission_file"}, now=now)
    s = models.Submission
    with engine.connect() as conn:
        row = conn.execute(select(s.id, s.filename, s.sha256).where(s.id == int(submission_id))).first()
        units = sorted(set(conn.execute(
            select(models.SubmissionScope.unit_code).where(models.SubmissionScope.submission_id == int(submission_id))
        ).scalars()))
    content = frames.submission_content(engine, submission_id) if row is not None else None
    if row is None or content is None:
        raise Invalid("access.lineage.unknown_submission", id=str(submission_id)[:20])
    filename, without_macros = row.filename, False
    if content_carries_macros(content):
        # Stored before macro workbooks were refused: never served with its macros, only as a macro-free
        # copy (values, formulas, styles), named .xlsx.
        content, without_macros = macro_free_copy(content), True
        filename = filename.rsplit(".", 1)[0] + ".xlsx"
    audit.record(engine, actor, "export", target, "ok",
                 {"what": "submission_file", "submission_id": row.id, "filename": row.filename, "sha256": row.sha256,
                  "units": units, "bytes": len(content), **({"macros_removed": True} if without_macros else {})}, now=now)
    return OriginalFile(row.id, filename, row.sha256, content)
