"""Is what is stored whole? The checks run after a crash, a restore or a concurrent load:

- orphan values: a current value or a revision pointing at a submission, unit or element that is not there;
- half submissions: a submission without its original file, without its scope, or whose values are not all
  accounted for (each value of a file is either current or replaced by exactly one revision);
- revision chains: for every unit, month and element, the revisions follow one another (each replaced value
  is the value the next revision saw) and end at the current value;
- duplicates: the same revision twice, the same file twice;
- kept files: the bytes stored for a submission have its size and SHA-256.

`check(engine)` returns the problems found (empty when the database is whole). Problems name what is wrong
and where, never a value of a user row.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Engine, select

from storage import models


@dataclass(frozen=True)
class Problem:
    code: str  # orphan_value | half_submission | revision_chain | value_count | duplicate | file_mismatch | ...
    table: str
    key: str
    detail: str

    def __str__(self) -> str:
        return f"{self.code} {self.table} {self.key}: {self.detail}"


def check(engine: Engine, *, files: bool = True, limit: int = 200) -> list[Problem]:
    """Every problem found (at most `limit` per kind). `files=False` skips re-hashing the stored files."""
    found: list[Problem] = []
    with engine.connect() as conn:
        subs = {r.id: r for r in conn.execute(select(models.Submission.id, models.Submission.n_values,
                                                     models.Submission.sha256, models.Submission.size))}
        units = set(conn.execute(select(models.Unit.code)).scalars())
        elements = set(conn.execute(select(models.DataElement.code)).scalars())
        values = conn.execute(select(models.DataValue.unit_code, models.DataValue.period, models.DataValue.element_code,
                                     models.DataValue.value, models.DataValue.submission_id)).all()
        rv = models.ValueRevision
        revisions = conn.execute(select(rv.id, rv.unit_code, rv.period, rv.element_code, rv.old_value, rv.old_submission_id,
                                        rv.new_value, rv.new_submission_id).order_by(rv.id)).all()
        scope = defaultdict(set)
        for sid, unit, period in conn.execute(select(models.SubmissionScope.submission_id, models.SubmissionScope.unit_code,
                                                     models.SubmissionScope.period)):
            scope[sid].add((unit, period))
        file_ids = set(conn.execute(select(models.SubmissionFile.submission_id)).scalars())

    def add(kind: str, *args) -> None:
        if sum(p.code == kind for p in found) < limit:
            found.append(Problem(kind, *args))

    current_of: dict[int, int] = defaultdict(int)
    for unit, period, element, _value, sid in values:
        key = f"{unit}/{period}/{element}"
        if sid not in subs:
            add("orphan_value", "data_value", key, f"submission {sid} does not exist")
        else:
            current_of[sid] += 1
            if (unit, period) not in scope.get(sid, ()):
                add("half_submission", "data_value", key, f"unit and month not in the scope of submission {sid}")
        if unit not in units or element not in elements:
            add("orphan_value", "data_value", key, "unknown unit or element")

    replaced_of: dict[int, int] = defaultdict(int)
    seen = set()
    chains: dict[tuple, list] = defaultdict(list)
    for r in revisions:
        key = (r.unit_code, r.period, r.element_code)
        chains[key].append(r)
        for sid in (r.old_submission_id, r.new_submission_id):
            if sid not in subs:
                add("orphan_value", "value_revision", f"#{r.id}", f"submission {sid} does not exist")
        replaced_of[r.old_submission_id] += 1
        ident = (key, r.old_submission_id, r.new_submission_id)
        if ident in seen:
            add("duplicate", "value_revision", f"#{r.id}", "the same replacement is recorded twice")
        seen.add(ident)

    for sid, sub in subs.items():
        if sid not in file_ids:
            add("half_submission", "submission", f"#{sid}", "the original file is missing")
        if sub.n_values and not scope.get(sid):
            add("half_submission", "submission", f"#{sid}", "no unit and month recorded for it")
        held = current_of.get(sid, 0) + replaced_of.get(sid, 0)
        if held != sub.n_values:
            add("value_count", "submission", f"#{sid}",
                f"{sub.n_values} values received, {current_of.get(sid, 0)} current + {replaced_of.get(sid, 0)} replaced")

    current = {(u, p, e): (v, sid) for u, p, e, v, sid in values}
    for key, chain in chains.items():
        where = "/".join(key)
        for before, after in zip(chain, chain[1:]):
            if before.new_submission_id != after.old_submission_id or before.new_value != after.old_value:
                add("revision_chain", "value_revision", where, f"revision #{after.id} does not follow #{before.id}")
        last = chain[-1]
        if current.get(key) != (last.new_value, last.new_submission_id):
            add("revision_chain", "value_revision", where, f"the last revision #{last.id} does not end at the current value")

    if files:
        fs = models.SubmissionFile
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=200).execute(select(fs.submission_id, fs.content))
            for sid, content in result:
                sub = subs.get(sid)
                if sub is None:
                    add("orphan_value", "submission_file", f"#{sid}", "submission does not exist")
                elif len(content) != sub.size or hashlib.sha256(content).hexdigest() != sub.sha256:
                    add("file_mismatch", "submission_file", f"#{sid}", "stored bytes differ from the size or SHA-256 recorded")
    return found


def summary(engine: Engine) -> dict[str, int]:
    """What the checks looked at (for a report next to their verdict)."""
    from sqlalchemy import func

    with engine.connect() as conn:
        return {t.__tablename__: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (models.Submission, models.DataValue, models.ValueRevision, models.SubmissionScope)}
