"""The copy of the figures on disk (storage/figure_cache.py, issue 15): a freshly started server process
takes it instead of reading every value, catches up with the submissions stored since, and shows exactly
what the database holds; a copy that does not belong to the database as it is now (restored from an older
backup, damaged, another database's) is never used."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import streamlit as st
from sqlalchemy import update

from storage import figure_cache, frames, models
from storage.db import make_engine
from storage.submissions import SubmissionIn, ValueIn, record_submission

PERIOD = "2026-10"


@pytest.fixture
def everything_kept(monkeypatch):
    """The sample province is far below the size at which copies are written: keep them anyway."""
    monkeypatch.setenv("P06_FIGURE_CACHE_MIN_ROWS", "0")


def _sorted(values: pd.DataFrame, scope: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    v = values.sort_values(["unit_code", "period", "element_code"]).reset_index(drop=True)
    s = scope.sort_values(["submission_id", "unit_code", "period"]).reset_index(drop=True)
    return v, s


def _assert_same(got: tuple[pd.DataFrame, pd.DataFrame], want: tuple[pd.DataFrame, pd.DataFrame], dtypes=True) -> None:
    for a, b in zip(_sorted(*got), _sorted(*want)):
        pd.testing.assert_frame_equal(a, b, check_dtype=dtypes, check_categorical=False)


def _correction(n: int, unit: str, value: int) -> SubmissionIn:
    return SubmissionIn("locality", f"sua_{n}.csv", f"sửa {n}".encode(), "cli:test",
                        [ValueIn(unit, PERIOD, "dossiers_received_online", value), ValueIn(unit, "2026-11", "dossiers_received", 7 + n)])


def _online(values: pd.DataFrame, unit: str) -> list[int]:
    return values[(values["unit_code"] == unit) & (values["period"] == PERIOD)
                  & (values["element_code"] == "dossiers_received_online")]["value"].tolist()


def nothing_held():
    """This test process as a server process just started: no figures, patches, cubes, months, copy taken or
    weak lists held (ui.data's process-wide state). Returns ui.data."""
    from ui import data

    st.cache_resource.clear()
    for held in (data._HELD, data._PATCHED, data._CUBES, data._PERIODS, data._ON_DISK, data._WEAK):
        held.clear()
    return data


def _fresh_process(monkeypatch):
    """This test process as a server process just started: nothing held, and reading every value from the
    database refused (a fresh process with a usable copy must not need it)."""
    data = nothing_held()

    def refused(*_args, **_kwargs):
        raise AssertionError("every value read from the database although a copy was on disk")

    monkeypatch.setattr(frames, "load_figures", refused)
    return data


def test_the_copy_on_disk_holds_the_figures_as_the_database_gives_them(sample_copy_url, everything_kept):
    engine = make_engine(sample_copy_url)
    version = frames.data_versions(engine)[1]
    figures = frames.load_figures(engine)
    assert figure_cache.save(engine, sample_copy_url, version, *figures) is not None
    copy = figure_cache.load(engine, sample_copy_url, version)
    assert copy is not None and copy[0] == version
    _assert_same(copy[1:], figures)  # the same rows, the same column types (codes categorical, times in UTC)
    assert isinstance(copy[1]["unit_code"].dtype, pd.CategoricalDtype)
    assert str(copy[2]["received_at"].dt.tz) == "UTC"
    engine.dispose()


def test_a_process_started_later_takes_the_copy_and_the_submissions_stored_since(sample_copy_url, everything_kept,
                                                                              monkeypatch):
    engine = make_engine(sample_copy_url)
    version = frames.data_versions(engine)[1]
    figure_cache.save(engine, sample_copy_url, version, *frames.load_figures(engine))
    record_submission(engine, _correction(1, "16681", 0))
    record_submission(engine, _correction(2, "16690", 3))
    want = frames.load_figures(engine)
    now = frames.data_versions(engine)[1]
    assert now == version + 2

    data = _fresh_process(monkeypatch)
    got = data._figures(sample_copy_url, now)
    _assert_same(got, want, dtypes=False)
    assert _online(got[0], "16681") == [0] and _online(got[0], "16690") == [3]
    # The figures computed from them are those of the database: the cube holds the corrected cells.
    from ui.data import DataKey

    bundle = data.inputs(DataKey(sample_copy_url, frames.data_versions(engine)[0], now))
    assert len(bundle.values) == len(want[0])
    st.cache_resource.clear()
    engine.dispose()


def test_a_copy_from_beyond_the_database_after_a_restore_is_deleted_not_used(sample_copy_url, everything_kept):
    """A database restored from an older backup keeps its number but goes back in versions: a copy made
    before the restore, labelled with a version the database has not reached, is thrown away."""
    engine = make_engine(sample_copy_url)
    version = frames.data_versions(engine)[1]
    written = figure_cache.save(engine, sample_copy_url, version + 5, *frames.load_figures(engine))
    assert written is not None and written.exists()
    assert figure_cache.load(engine, sample_copy_url, version) is None
    assert not written.exists()
    engine.dispose()


def test_a_copy_whose_last_submission_the_database_does_not_hold_is_not_used(sample_copy_url, everything_kept):
    """After a restore the same version can be reached again by other submissions: the copy names the
    submission it ends with, and a database whose submission of that version differs does not take it."""
    engine = make_engine(sample_copy_url)
    record_submission(engine, _correction(3, "16681", 9))
    version = frames.data_versions(engine)[1]
    figure_cache.save(engine, sample_copy_url, version, *frames.load_figures(engine))
    assert figure_cache.load(engine, sample_copy_url, version) is not None
    s = models.Submission
    with engine.begin() as conn:  # the submission of that version is another one now
        conn.execute(update(s).where(s.values_seq == version)
                     .values(received_at=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)))
    assert figure_cache.load(engine, sample_copy_url, version) is None
    engine.dispose()


def test_a_damaged_copy_is_ignored_and_the_figures_read_from_the_database(sample_copy_url, everything_kept):
    engine = make_engine(sample_copy_url)
    version = frames.data_versions(engine)[1]
    figures = frames.load_figures(engine)
    written = figure_cache.save(engine, sample_copy_url, version, *figures)
    written.write_bytes(written.read_bytes()[: written.stat().st_size // 2])  # a disk full halfway, say
    assert figure_cache.load(engine, sample_copy_url, version) is None
    data = nothing_held()
    _assert_same(data._figures(sample_copy_url, version), figures)
    st.cache_resource.clear()
    engine.dispose()


def test_a_copy_cut_short_by_a_full_disk_leaves_nothing_behind(sample_copy_url, everything_kept, monkeypatch):
    """The disk fills while the values are written: no copy, no half-written part taking the space, and the
    next process reads the figures from the database."""
    from pyarrow import feather

    engine = make_engine(sample_copy_url)
    version = frames.data_versions(engine)[1]
    figures = frames.load_figures(engine)
    write = feather.write_feather

    def full_disk(table, dest, **kwargs):
        if "values" in str(dest):
            with open(dest, "wb") as fh:
                fh.write(b"ARROW1" + b"\0" * 4096)
            raise OSError(28, "No space left on device")
        return write(table, dest, **kwargs)

    monkeypatch.setattr(feather, "write_feather", full_disk)
    assert figure_cache.save(engine, sample_copy_url, version, *figures) is None
    assert list(figure_cache.directory().iterdir()) == []  # no part, and no scope without its values
    assert figure_cache.load(engine, sample_copy_url, version) is None
    engine.dispose()


def test_another_database_never_takes_the_copy(sample_copy_url, empty_url, everything_kept):
    engine = make_engine(sample_copy_url)
    version = frames.data_versions(engine)[1]
    figure_cache.save(engine, sample_copy_url, version, *frames.load_figures(engine))
    from storage import migrate

    other = make_engine(empty_url)
    migrate.upgrade(other)
    assert figure_cache.load(other, sample_copy_url, version) is None  # the same address, another database
    assert figure_cache.load(other, empty_url, version) is None
    other.dispose()
    engine.dispose()


def test_small_figures_are_not_copied_and_the_cache_can_be_turned_off(sample_copy_url, monkeypatch, tmp_path):
    engine = make_engine(sample_copy_url)
    version = frames.data_versions(engine)[1]
    figures = frames.load_figures(engine)
    assert figure_cache.save(engine, sample_copy_url, version, *figures) is None  # below 200,000 values
    monkeypatch.setenv("P06_FIGURE_CACHE_MIN_ROWS", "0")
    monkeypatch.setenv("P06_FIGURE_CACHE_DIR", "0")
    assert figure_cache.save(engine, sample_copy_url, version, *figures) is None
    assert figure_cache.load(engine, sample_copy_url, version) is None
    engine.dispose()


def test_a_unit_set_up_keeps_the_figures_a_process_holds_and_their_copy(sample_copy_url, everything_kept, monkeypatch):
    """Setting up another province adds units and targets, not figures: a process shows the new province at
    its next page without reading every value again, and a process started after the set-up still takes the
    copy on disk (at national scale the difference between 8 s and 1–3 s for the first visitor)."""
    from services import units as unit_service
    from services.permissions import Actor
    from ui.data import DataKey

    engine = make_engine(sample_copy_url)
    data_version, version = frames.data_versions(engine)
    want = frames.load_figures(engine)
    figure_cache.save(engine, sample_copy_url, version, *want)
    data = _fresh_process(monkeypatch)  # from here on, reading every value is refused
    before = data.inputs(DataKey(sample_copy_url, data_version, version))
    assert "12" not in set(before.units["code"])

    unit_service.import_province(engine, Actor("quan.tri", "admin"), "12")  # Lai Châu beside Nghệ An
    now_data, now_values = frames.data_versions(engine)
    assert now_values == version and now_data > data_version
    after = data.inputs(DataKey(sample_copy_url, now_data, now_values))
    assert "12" in set(after.units["code"]) and (after.units["province_code"] == "12").sum() > 30  # and its communes
    assert len(after.values) == len(before.values)  # the same figures, not read again

    data = _fresh_process(monkeypatch)  # a process started after the set-up: the copy is still the database's
    _assert_same(data._figures(sample_copy_url, now_values), want, dtypes=False)
    st.cache_resource.clear()
    engine.dispose()
