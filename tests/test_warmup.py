"""A freshly started server process loads what its first visitor needs before the visitor comes (issue 15,
item 1: a fresh process's first page): the figures and their cube go into the caches the pages read, and
nothing is written to a database that is not set up yet."""

from __future__ import annotations

import sqlalchemy as sa
import streamlit as st

from storage.db import make_engine


def test_the_warm_up_fills_the_caches_the_pages_read(sample_copy_url, monkeypatch):
    from ui import data, warmup

    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    st.cache_resource.clear()
    done = warmup.warm_up()
    engine = make_engine(sample_copy_url)
    with engine.connect() as conn:
        held = conn.execute(sa.text("select count(*) from data_value")).scalar_one()
        months = conn.execute(sa.text("select count(distinct period) from data_value")).scalar_one()
    engine.dispose()
    assert done["values"] == held > 0 and done["modules"] > 10
    assert done["months"] == months  # the month picker's list is ready too
    # The first page's bundle is the one loaded at start, not a second read.
    key = data.version()
    assert key.values_version == done["values_version"]
    bundle = data.inputs(key)
    assert len(bundle.values) == held and "cube" in bundle.__dict__


def test_the_server_moves_what_start_up_made_out_of_the_collectors_way(sample_copy_url, monkeypatch):
    """In the server, what the imports made is frozen before the figures are loaded: a full collection no
    longer scans it, and the figures (replaced with each values version) stay collectable."""
    import gc

    import plotly.graph_objects

    from ui import data, warmup

    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    st.cache_resource.clear()
    try:
        done = warmup.warm_up(freeze=True)
        assert done["frozen"] > 10_000 and done["values"] > 0
        scanned = {id(o) for o in gc.get_objects()}  # what a full collection looks at
        assert id(vars(plotly.graph_objects)) not in scanned
        assert id(data.inputs(data.version()).values) in scanned
    finally:
        gc.unfreeze()
    st.cache_resource.clear()
    assert "frozen" not in warmup.warm_up()  # elsewhere (the tests, the CLI's own start): not frozen
    assert gc.get_freeze_count() == 0


def test_a_database_not_set_up_is_left_alone(empty_url, monkeypatch):
    from ui import warmup

    monkeypatch.setenv("DATABASE_URL", empty_url)
    st.cache_resource.clear()
    done = warmup.warm_up()
    assert done["figures"].startswith("skipped") and "values" not in done
    engine = make_engine(empty_url)
    assert sa.inspect(engine).get_table_names() == []  # the app sets it up at its first run, not the warm-up
    engine.dispose()


def test_it_can_be_turned_off(monkeypatch):
    from ui import warmup

    monkeypatch.setenv("P06_WARM_UP", "0")
    assert warmup.start_when_serving() is None
