"""Catching up with the figures (issue 15, item 1): a server process holding the figures of values
version V reads only the submissions stamped above V (storage/frames.load_changes) and patches its frames
(patch_figures), and gets exactly what reading everything again gives; a change of the figures that is not
a submission makes it read everything. On PostgreSQL, a submission that took its id first and committed
last is not skipped: the watermark is the commit-ordered values version, not the id."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from sqlalchemy import select, text

from storage import frames, models
from storage.db import make_engine, session_factory
from storage.submissions import SubmissionIn, ValueIn, record_submission
from storage.version import bump_data_version

PERIOD = "2026-10"


def _sorted(values: pd.DataFrame, scope: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    v = values.sort_values(["unit_code", "period", "element_code"]).reset_index(drop=True)
    s = scope.sort_values(["submission_id", "unit_code", "period"]).reset_index(drop=True)
    return v, s


def _assert_as_read_again(engine, figures: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    for got, want in zip(_sorted(*figures), _sorted(*frames.load_figures(engine))):
        pd.testing.assert_frame_equal(got, want, check_dtype=False)


def _cell(values: pd.DataFrame, unit: str) -> list[int]:
    """The values held for the unit's online dossiers of PERIOD (one, or none)."""
    return values[(values["unit_code"] == unit) & (values["period"] == PERIOD)
                  & (values["element_code"] == "dossiers_received_online")]["value"].tolist()


def _caught_up(engine, held_version: int, held: tuple[pd.DataFrame, pd.DataFrame]):
    changes = frames.load_changes(engine, since=held_version)
    assert changes is not None
    return changes[0], frames.patch_figures(*held, changes[1], changes[2])


def _correction(n: int, unit: str = "16681", value: int = 0) -> SubmissionIn:
    return SubmissionIn("locality", f"sua_{n}.csv", f"sửa {n}".encode(), "cli:test",
                        [ValueIn(unit, PERIOD, "dossiers_received_online", value), ValueIn(unit, "2026-11", "dossiers_received", 7 + n)])


def test_the_figures_caught_up_after_corrections_equal_the_figures_read_again(sample_copy_url):
    engine = make_engine(sample_copy_url)
    version = frames.data_versions(engine)[1]
    held = frames.load_figures(engine)
    record_submission(engine, _correction(1, value=0))  # a changed cell and a new one (11/2026)
    record_submission(engine, _correction(2, unit="16690", value=3))
    record_submission(engine, _correction(3, value=5))  # the first cell again
    now, caught_up = _caught_up(engine, version, held)
    assert now == version + 3
    _assert_as_read_again(engine, caught_up)
    assert _cell(caught_up[0], "16681") == [5]
    # Applying the same changes twice changes nothing (a process may hold figures newer than their label).
    _assert_as_read_again(engine, frames.patch_figures(*caught_up, *frames.load_changes(engine, since=version)[1:]))
    assert frames.load_changes(engine, since=now)[1].empty
    engine.dispose()


def test_a_change_of_the_figures_that_is_not_a_submission_asks_for_a_whole_read(sample_copy_url):
    engine = make_engine(sample_copy_url)
    version = frames.data_versions(engine)[1]
    with session_factory(engine).begin() as session:
        bump_data_version(session)  # as a unit set-up does: no submission stamped with it
    record_submission(engine, _correction(4))
    assert frames.load_changes(engine, since=version) is None
    assert frames.load_changes(engine, since=version + 1) is not None  # from there on, submissions only
    engine.dispose()


def test_a_submission_that_took_its_id_first_and_committed_last_is_not_skipped(_backends, _pg_reason, _templates):
    """Two writers on PostgreSQL: A takes its submission id first, then waits on a cell another
    transaction holds; B takes the next id, stores and commits. A process catches up after B (its
    watermark would be B's id if ids were the watermark), then A commits: the next catch-up has A."""
    if _pg_reason:
        pytest.skip(_pg_reason)
    backend = _backends["postgresql"]
    url = backend.clone(_templates.get(backend, "sample"), "p06_t_freshness_order")
    engine = make_engine(url)
    try:
        version = frames.data_versions(engine)[1]
        held = frames.load_figures(engine)
        blocker = engine.connect()
        blocker.begin()
        v = models.DataValue
        blocker.execute(select(v.value).where(v.unit_code == "16681", v.period == PERIOD,
                                              v.element_code == "dossiers_received_online").with_for_update())
        result = {}
        def writer_a():
            try:
                result["a"] = record_submission(engine, _correction(5, value=11))
            except Exception as exc:  # noqa: BLE001 - reported by the assertions below
                result["error"] = exc

        a = threading.Thread(target=writer_a)
        a.start()
        with engine.connect() as conn:  # A has its id and waits on the locked cell
            for _ in range(200):
                waiting = conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")).scalar()
                conn.rollback()  # pg_stat_activity is a snapshot per transaction: look again in a new one
                if waiting:
                    break
                threading.Event().wait(0.05)
        assert waiting, f"writer A never waited on the locked cell: {result}"
        b = record_submission(engine, _correction(6, unit="16690", value=12))
        mid_version, caught_up = _caught_up(engine, version, held)
        assert mid_version == version + 1 and _cell(caught_up[0], "16690") == [12]
        blocker.rollback()
        blocker.close()
        a.join(30)
        assert result["a"].submission_id < b.submission_id  # A took the lower id and committed last
        last_version, caught_up = _caught_up(engine, mid_version, caught_up)
        assert last_version == version + 2
        _assert_as_read_again(engine, caught_up)
        assert _cell(caught_up[0], "16681") == [11]
    finally:
        engine.dispose()
        backend.drop(url)


def _assert_same_cube(got, want) -> None:
    import numpy as np

    assert got.month0 == want.month0 and got.data.shape == want.data.shape
    np.testing.assert_array_equal(got.data, want.data)  # NaN where nothing is held, on both
    np.testing.assert_array_equal(got.reported, want.reported)


def test_the_cube_patched_with_the_changes_is_the_cube_built_again(sample_copy_url):
    """A process holding the figures' cube patches it with the cells later submissions wrote (a copy and
    a few cells instead of a build from every value) and gets the cube a build from the figures read again
    gives: a changed cell, a first figure for a month beyond those held (the span grows), one province opened."""
    import metrics
    from metrics.cube import build_cube

    engine = make_engine(sample_copy_url)
    version = frames.data_versions(engine)[1]
    held = metrics.Inputs(**frames.metric_frames(engine))
    opened = metrics.Inputs(**frames.metric_frames(engine, province_code="40"))
    record_submission(engine, _correction(5, value=2))  # 10/2026 changed, 11/2026 new: beyond the months held
    changes = frames.load_changes(engine, since=version)
    assert changes is not None
    again = metrics.Inputs(**frames.metric_frames(engine))
    assert again.cube.data.shape[0] == held.cube.data.shape[0] + 1
    for before in (held, opened):
        patched = metrics.patch_cube(before.cube, before.units, before.registry, changes[1])
        _assert_same_cube(patched, build_cube(before.units, again.values, before.registry))
    # The figures of every page come out the same from the patched cube.
    bundle = metrics.Inputs(**frames.metric_frames(engine))
    bundle.seed_cube(metrics.patch_cube(held.cube, held.units, held.registry, changes[1]))
    pd.testing.assert_frame_equal(metrics.kpis(bundle, "2026-11", level="commune"), metrics.kpis(again, "2026-11", level="commune"))
    # Units that are not the cube's (a unit set up, a history corrected): built whole, not patched.
    other = held.units.assign(valid_to=held.units["valid_to"].where(held.units["code"] != "412", None))
    assert metrics.patch_cube(held.cube, other, held.registry, changes[1]) is None
    engine.dispose()


def test_a_months_weak_list_is_kept_while_only_later_months_are_submitted(sample_copy_url, monkeypatch):
    """The overview's "flagged since last month" needs September's weak list beside October's: a correction for
    October leaves September's list as it was, so a server process does not compute it again after one; a
    submission reporting September (a figure, or only a blank return) or a target change computes it again.
    Every list shown is the one computed from scratch on the database as it is."""
    import datetime as dt

    import streamlit as st

    import metrics
    from services.permissions import Actor
    from services.targets import set_target
    from tests.test_figure_cache import nothing_held

    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    st.cache_data.clear()
    data = nothing_held()
    engine = make_engine(sample_copy_url)
    day = dt.date(2026, 11, 20)
    computed = []
    real = metrics.weak_localities
    monkeypatch.setattr(metrics, "weak_localities", lambda inputs, period, **kw: computed.append(period) or real(inputs, period, **kw))

    def shown(period: str) -> pd.DataFrame:
        computed.clear()
        got = data.weak_localities_on(data.version(), period, day).units
        want = real(metrics.Inputs(**frames.metric_frames(engine)), period, as_of=data._as_of(data.version(), day)).units
        pd.testing.assert_frame_equal(got, want)
        return got

    first = shown("2026-09")
    record_submission(engine, SubmissionIn("locality", "sua_10.csv", b"sua 10", "cli:test",
                                           [ValueIn("16681", "2026-10", "dossiers_received_online", 0)]))
    assert shown("2026-09").equals(first) and computed == []  # kept
    shown("2026-10")
    assert computed == ["2026-10"]  # the month corrected: computed again

    record_submission(engine, SubmissionIn("locality", "trong_09.csv", b"trong 09", "cli:test", [], scope=[("16690", "2026-09")]))
    shown("2026-09")
    assert computed == ["2026-09"]  # a blank return for September: computed again
    set_target(engine, Actor("quan.tri", "admin"), "online_dossier_rate", 2026, 0.99, unit_code="40", decision="KH thử")
    shown("2026-09")
    assert computed == ["2026-09"]  # a target (the data version alone): computed again
    st.cache_data.clear()
    st.cache_resource.clear()
    engine.dispose()
