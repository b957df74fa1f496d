"""A loader killed mid-write loses nothing: the short version of bench/crash.py (3 kills per backend on a
one-month job of 36 workbooks and a resubmission). After each SIGKILL the database passes the integrity
check, and running the same job again stores each file exactly once and ends in the same values and
revisions as a run that was never interrupted."""

from __future__ import annotations

import pytest

from testkit import crash

pytestmark = pytest.mark.slow  # runs of several processes (the short versions of bench/)


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_a_loader_killed_three_times_mid_ingest_leaves_a_whole_database_and_completes_once(
        backend_name, _backends, _pg_reason, tmp_path):
    if backend_name == "postgresql" and _pg_reason:
        pytest.skip(_pg_reason)
    lines = []
    figures = crash.run(_backends[backend_name], kills=3, first="2024-01", last="2024-01", seed=9, out=lines.append)
    assert figures["trials"] == 3
    assert figures["processes_killed"] >= 2, lines  # a kill may come after a fast job has ended
    assert figures["integrity_problems"] == 0, [t["problems_after_kill"] + t["problems_after_rerun"] for t in figures["detail"]]
    assert figures["completed_exactly_once"] == 3, lines
    assert figures["lost_rows"] == 0, lines
