"""Fuzzing inside the suite (the short, derandomized run of bench/fuzz.py): 200 files built from real ones by
damaging their bytes, the XML inside the workbook, their cells and the CSV text, ingested for real in
batches of 10 on each backend. Every file is accepted with exactly the figures it holds, rejected with
located messages in both languages and no trace in the database, or recognised as already stored; and
the database passes the integrity check afterwards."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage import integrity
from testkit import fuzz

pytestmark = pytest.mark.slow  # runs of several processes (the short versions of bench/)

BATCH = 10
EXAMPLES = 20  # x 10 files = 200 inputs per backend


def test_no_damaged_file_gets_anything_but_a_located_rejection_or_a_correct_ingest(engine):
    seeds, template = fuzz.seed_files(engine), fuzz.template_cells(engine)
    for name, data in seeds.items():  # the starting files are good ones
        assert fuzz.ingest_batch(engine, [fuzz.Input("seed", name, data)])["accepted"] == 1
    totals = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(batch=st.lists(fuzz.inputs(seeds, template), min_size=BATCH, max_size=BATCH))
    def one(batch):
        totals.update(fuzz.ingest_batch(engine, batch))  # raises fuzz.Finding on a broken promise

    one()
    assert sum(totals[k] for k in ("accepted", "rejected", "duplicate")) >= EXAMPLES * BATCH
    assert totals["accepted"] and totals["rejected"]
    assert {k for k in totals if k.startswith("kind:")} == {"kind:bytes", "kind:zip", "kind:cells", "kind:csv"}
    assert integrity.check(engine) == []
