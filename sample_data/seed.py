"""Loading the sample province into a database, through the same path as a real month.

Each sample return becomes the workbook its office would send (its single-unit template, filled in:
`sample_data.workbooks`), and the workbooks go through the loaders (`loaders.ingest.ingest_files`):
read, validated, and stored as submissions by the synthetic submitter `sample`, each received at its
synthetic time (timeliness comes from it). Bulk mode: the files are validated together and written one
transaction per month. Then the sample register of steering documents, tasks and pilot models
(`sample_data.tasks`).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from sample_data.generator import FIRST_PERIOD, LAST_PERIOD, generate
from sample_data.workbooks import filename, workbooks

SAMPLE_SUBMITTER = "sample"


class SampleRejected(RuntimeError):
    """A generated return did not pass the loaders' validation: a bug in the generator or the loaders."""


def seed_sample(
    engine: Engine,
    first: str = FIRST_PERIOD,
    last: str = LAST_PERIOD,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Store every sample return between `first` and `last`. Returns counts; files already stored (same
    bytes) are skipped, so running it twice adds nothing."""
    from loaders.ingest import DUPLICATE, REJECTED, SourceFile, ingest_files
    from loaders.pool import default_workers
    from storage import frames

    returns = generate(first, last)
    data = workbooks(returns, frames.load_registry(engine), frames.load_units(engine), progress=progress)
    files = [SourceFile(filename(r), content, r.received_at) for r, content in zip(returns, data)]
    report = ingest_files(engine, files, submitted_by=SAMPLE_SUBMITTER, source="sample", transaction="batch",
                          workers=default_workers(), progress=progress)
    rejected = [f for f in report.files if f.status == REJECTED]
    if rejected:
        first_problem = rejected[0].errors[0].text("en") if rejected[0].errors else rejected[0].name
        raise SampleRejected(f"{len(rejected)} sample files rejected, e.g. {first_problem}")
    from sample_data.tasks import seed_tasks

    register = seed_tasks(engine)  # the steering documents, tasks and pilot models of DOMAIN.md §8
    return {
        "returns": len(returns),
        "stored": sum(f.stored for f in report.files),
        "already_stored": sum(f.status == DUPLICATE for f in report.files),
        "warnings": sum(len(f.warnings) for f in report.files),
        "tasks": register["tasks"],
    }
