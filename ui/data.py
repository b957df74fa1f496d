"""The cached data layer between pages and storage/metrics.

The engine is a resource shared by every session of this server process. Frames are cached by
`st.cache_data` keyed on the data version read from the database at each rerun, so that a submission
stored through any server process (or the CLI) is seen by every other process at its next rerun.
Nothing user-private goes into these shared caches: they hold province data every role may read.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import NamedTuple

import pandas as pd
import streamlit as st

import metrics
from domain import clock
from domain.registry import Registry
from storage import figure_cache, frames, migrate
from storage.db import database_url, make_engine

_seed_lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _engine(url: str):
    return make_engine(url)


def engine():
    """The engine for DATABASE_URL, one per server process (keyed by URL, so tests can switch databases)."""
    return _engine(database_url())


class DataKey(NamedTuple):
    """What every cached frame is keyed by: which database, and its data version (bumped by every write,
    in whichever process). Pages get it from `version()` once per rerun and pass it through.
    `values_version` moves only when the figures change (storage/version.py): the figures are read again
    then, not after a note, a task, a setting or a target."""

    url: str
    version: int
    values_version: int = 0
    province: str | None = None  # one province of a deployment holding several (None: all of them)

    @property
    def whole(self) -> DataKey:
        """The same version for the whole deployment (every province)."""
        return self._replace(province=None)


def version(province: str | None = None) -> DataKey:
    """The database's data versions (one cheap query per rerun); part of every cache key below. With
    `province`, every frame and figure keyed by it is that province's alone: a deployment holding several
    provinces, opened at one of them, looks exactly like a single-province installation."""
    data_version, values_version = frames.data_versions(engine())
    return DataKey(database_url(), data_version, values_version, province)


@st.cache_data(show_spinner=False, max_entries=8)
def units(data_version: DataKey) -> pd.DataFrame:
    return frames.load_units(engine(), data_version.province)


@st.cache_data(show_spinner=False, max_entries=4)
def provinces(data_version: DataKey) -> pd.DataFrame:
    """The deployment's provinces (code, names), whichever province the key is opened at."""
    whole = units(data_version.whole)
    return whole[whole["level"] == "province"].sort_values("code", ignore_index=True)


@st.cache_data(show_spinner=False, max_entries=4)
def registry(data_version: DataKey) -> Registry:
    return frames.load_registry(engine())


@st.cache_data(show_spinner=False, max_entries=4)
def targets(data_version: DataKey) -> pd.DataFrame:
    return frames.load_targets(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def values(data_version: DataKey, first: str | None = None, last: str | None = None) -> pd.DataFrame:
    return frames.load_values(engine(), first=first, last=last)


_PERIODS: dict[str, tuple[int, list[str]]] = {}  # the newest months with figures read per database


@st.cache_data(show_spinner=False, max_entries=4)
def _periods(url: str, values_version: int) -> list[str]:
    """After a submission, the months held before and those the submission wrote (no distinct over every
    value); read from the database otherwise."""
    with _HELD_LOCK:
        catch_up = url in _HELD and _HELD[url][0] < values_version
    if catch_up:  # the figures catch up first (cheap): the months come with them
        _figures(url, values_version)
    with _HELD_LOCK:
        held = _PERIODS.get(url)
        patch = _PATCHED.get((url, values_version))
    if held is not None and patch is not None and held[0] == patch[0]:
        months = sorted(set(held[1]) | set(patch[1]["period"].astype(str)))
    else:
        months = frames.periods_with_data(_engine(url))
    with _HELD_LOCK:
        if url not in _PERIODS or _PERIODS[url][0] <= values_version:
            _PERIODS[url] = (values_version, months)
    return months


def periods_with_data(data_version: DataKey) -> list[str]:
    """The months holding figures: read again only when the figures change (a distinct over every value:
    0.3 s at national scale), not after a note, a target or a setting."""
    return _periods(data_version.url, data_version.values_version)


@st.cache_data(show_spinner=False, max_entries=4)
def settings(data_version: DataKey) -> dict:
    return frames.settings(engine())


# --- metrics -----------------------------------------------------------------------------------------
# The Inputs bundle (frames plus the dense unit x month x element cube built on first use) is shared by
# every session of the process as a resource: it is read-only and large, so it is not copied per call as
# st.cache_data would. The small result frames are cached as data.


# The newest figures this process holds, per database: (values version, values, scope). A new values
# version catches up from them (the submissions stamped above it) instead of reading every figure again.
_HELD: dict[str, tuple[int, pd.DataFrame, pd.DataFrame]] = {}
_HELD_LOCK = threading.Lock()
# How the figures of a values version were made from older ones: (url, version) -> (the older version, the
# changed value rows, every month those submissions reported: their values' and their scope's). The cube and
# the months with figures of the new version are patched from it too.
_PATCHED: dict[tuple[str, int], tuple[int, pd.DataFrame, frozenset[str]]] = {}
_PATCHES_KEPT = 8
# The newest cube this process built per database and province opened: (values version, cube).
_CUBES: dict[tuple[str, str | None], tuple[int, metrics.Cube]] = {}


@st.cache_resource(show_spinner=False, max_entries=2)
def _figures(url: str, values_version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long values and the submission scope, the large reads: kept while only `version` moves; for a
    new values version, the held figures patched with the submissions stored since (frames.load_changes),
    or read whole when that cannot tell (a unit set-up, a first read). Read after the version (version()
    comes first in each rerun), so they are never older than their key."""
    eng = _engine(url)
    with _HELD_LOCK:
        held = _HELD.get(url)
    if held is None:  # a fresh process: the copy on disk, if there is one, is what it holds and catches up from
        held = _from_disk(eng, url, values_version)
    figures = None
    if held is not None and held[0] == values_version:
        figures = held[1], held[2]
    elif held is not None and held[0] < values_version:
        changes = frames.load_changes(eng, since=held[0])
        if changes is not None:
            figures = frames.patch_figures(held[1], held[2], changes[1], changes[2])
            with _HELD_LOCK:
                touched = frozenset(changes[1]["period"].astype(str)) | frozenset(changes[2]["period"].astype(str))
                _PATCHED[(url, values_version)] = (held[0], changes[1], touched)
                for old in sorted(k for k in _PATCHED if k[0] == url)[:-_PATCHES_KEPT]:
                    del _PATCHED[old]
            _keep_on_disk(eng, url, values_version, figures)
    if figures is None:
        figures = frames.load_figures(eng)
        _keep_on_disk(eng, url, values_version, figures, now=True)
    with _HELD_LOCK:
        if url not in _HELD or _HELD[url][0] < values_version:
            _HELD[url] = (values_version, *figures)
    return figures


# When this process last wrote (or took) the copy of each database's figures on disk: (version, monotonic s).
_ON_DISK: dict[str, tuple[int, float]] = {}
_ON_DISK_EVERY_S = 600.0


def _from_disk(eng, url: str, values_version: int) -> tuple[int, pd.DataFrame, pd.DataFrame] | None:
    """The copy of the figures on disk (storage/figure_cache.py) as held figures: (its values version, values,
    scope), at or below `values_version`; None when there is none."""
    cached = figure_cache.load(eng, url, values_version)
    if cached is not None:
        with _HELD_LOCK:
            _ON_DISK[url] = (cached[0], time.monotonic())
    return cached


def _keep_on_disk(eng, url: str, values_version: int, figures, now: bool = False) -> None:
    """Write the figures to disk for processes started later: after a full read, and after catching up when
    the copy is older than ten minutes (so that a new process has little to catch up on)."""
    with _HELD_LOCK:
        last = _ON_DISK.get(url)
        if not now and last is not None and (last[0] >= values_version or time.monotonic() - last[1] < _ON_DISK_EVERY_S):
            return
        _ON_DISK[url] = (values_version, time.monotonic())
    figure_cache.save_in_background(eng, url, values_version, *figures)


@st.cache_resource(show_spinner=False, max_entries=8)
def _inputs(key: DataKey) -> metrics.Inputs:
    """One bundle per data version and province opened (the figures themselves are shared, not copied)."""
    figures = _figures(key.url, key.values_version)
    bundle = metrics.Inputs(**frames.metric_frames(_engine(key.url), province_code=key.province, figures=figures))
    _seed_cube(key, bundle)
    return bundle


def _seed_cube(key: DataKey, bundle: metrics.Inputs) -> None:
    """Give the bundle its cube now: patched from this process's cube of the values version the figures were
    patched from (a copy and the changed cells, instead of 0.9 s of factorising at national scale), else
    built; and remember it for the next version."""
    where = (key.url, key.province)
    with _HELD_LOCK:
        held = _CUBES.get(where)
        patch = _PATCHED.get((key.url, key.values_version))
    if held is not None and patch is not None and held[0] == patch[0]:
        cube = metrics.patch_cube(held[1], bundle.units, bundle.registry, patch[1])
        if cube is not None:
            bundle.seed_cube(cube)
    cube = bundle.cube
    with _HELD_LOCK:
        if where not in _CUBES or _CUBES[where][0] <= key.values_version:
            _CUBES[where] = (key.values_version, cube)


def inputs(key: DataKey) -> metrics.Inputs:
    """Everything the metrics engine reads, for this database and data version."""
    return _inputs(key)


@st.cache_data(show_spinner=False, max_entries=128)
def kpis(key: DataKey, period: str, level: str = "province", kind: str = "month", merged: bool = False) -> pd.DataFrame:
    return metrics.kpis(_inputs(key), period, level=level, kind=kind, merged=merged)


@st.cache_data(show_spinner=False, max_entries=64)
def trend(key: DataKey, last: str, level: str = "province", kind: str = "month", n_months: int = 12,
          first: str | None = None, merged: bool = False) -> pd.DataFrame:
    return metrics.trend(_inputs(key), last, level=level, kind=kind, n_months=n_months, first=first, merged=merged)


@st.cache_data(show_spinner=False, max_entries=32)
def outlook(key: DataKey, period: str, level: str = "province", merged: bool = False) -> pd.DataFrame:
    return metrics.outlook(_inputs(key), period, level=level, merged=merged)


@st.cache_data(show_spinner=False, max_entries=32)
def scorecard(key: DataKey, period: str, kind: str = "month", levels: tuple[str, ...] = metrics.REPORTING_LEVELS) -> metrics.Scorecard:
    return metrics.scorecard(_inputs(key), period, levels=levels, kind=kind)


@st.cache_data(show_spinner=False, max_entries=32)
def nation_trend(key: DataKey, last: str, n_months: int = 13) -> pd.DataFrame:
    """The country's row per indicator and month (metrics.nation): every province of the deployment."""
    return metrics.nation_trend(_inputs(key.whole), last, n_months=n_months)


# --- as of today: a return not yet due is "pending", not "missing" (the standing agency's pages) -------


def local_today(key: DataKey) -> dt.date:
    """Today in the province's time zone (setting `timezone_offset_hours`)."""
    return clock.local_date(None, settings(key)["timezone_offset_hours"])


def _as_of(key: DataKey, day: dt.date) -> dt.datetime:
    """An instant whose local date is `day` (the metrics compare due dates with the local date only)."""
    return dt.datetime.combine(day, dt.time(12), clock.zone(settings(key)["timezone_offset_hours"]))


# The weak lists this process computed, per database, province opened, month and local date: (data version,
# values version, list). A month's list depends on nothing later than the month: after submissions for later
# months only, it is the same list (the overview's "flagged since last month" needs the month before, which
# the first days' submissions for the month do not touch).
_WEAK: dict[tuple[str, str | None, str, dt.date], tuple[int, int, metrics.WeakList]] = {}
_WEAK_KEPT = 64


@st.cache_data(show_spinner=False, max_entries=32)
def weak_localities_on(key: DataKey, period: str, day: dt.date) -> metrics.WeakList:
    """The month's weak units judged on local date `day` (pass `local_today(key)`): the list held from an
    earlier version when only submissions for later months were stored since, else computed."""
    bundle = _inputs(key)  # caught up first: the patches say which months the new submissions reported
    where = (key.url, key.province, period, day)
    with _HELD_LOCK:
        held = _WEAK.get(where)
        if held is not None and _only_later_submissions(key, held[0], held[1], period):
            return held[2]
    result = metrics.weak_localities(bundle, period, as_of=_as_of(key, day))
    with _HELD_LOCK:
        if where not in _WEAK or _WEAK[where][0] <= key.version:
            _WEAK.pop(where, None)
            _WEAK[where] = (key.version, key.values_version, result)
            for old in list(_WEAK)[:-_WEAK_KEPT]:  # the oldest first (insertion order)
                del _WEAK[old]
    return result


def _only_later_submissions(key: DataKey, data_version: int, values_version: int, period: str) -> bool:
    """Whether every write between (data_version, values_version) and `key` was a submission this process
    caught up with by patches, none reporting `period` or an earlier month (call with _HELD_LOCK held). A note,
    a target, a setting or a unit set-up moves the data version alone; a submission moves both by one."""
    if key.version - data_version != key.values_version - values_version or key.values_version <= values_version:
        return False
    version = key.values_version
    while version > values_version:
        patch = _PATCHED.get((key.url, version))
        if patch is None or any(month <= period for month in patch[2]):
            return False
        version = patch[0]
    return True


@st.cache_data(show_spinner=False, max_entries=32)
def completeness_units_on(key: DataKey, periods: tuple[str, ...], day: dt.date) -> pd.DataFrame:
    """Each expected form x unit x month's return status judged on local date `day`."""
    return metrics.completeness_units(_inputs(key), list(periods), as_of=_as_of(key, day))


@st.cache_data(show_spinner=False, max_entries=32)
def weak_reason_texts(key: DataKey, period: str, day: dt.date, lang: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The month's flag reasons in words (catalog sentences; province data, not any user's): per unit a
    short line for the list and the full sentences."""
    from presentation import flags

    reasons = weak_localities_on(key, period, day).reasons
    names = {i.code: i.name(lang) for i in registry(key).indicators}
    falling = int(settings(key)["weak_falling_months"])
    return (flags.reason_summary(reasons, lang).to_dict(),
            flags.reason_sentences(reasons, names, lang, falling).to_dict())


def database_is_empty() -> bool:
    """True when the database has no schema yet or holds no unit at all (a fresh installation)."""
    eng = engine()
    if migrate.current_revision(eng) is None:
        return True
    from sqlalchemy import func, select

    from storage.models import Unit

    with eng.connect() as conn:
        return conn.execute(select(func.count()).select_from(Unit)).scalar() == 0


def ensure_ready(auto_sample: bool, progress) -> dict | None:
    """Bring the schema to head; on an empty database, set up the province and (when `auto_sample`) load
    the sample through the normal write path. `progress(done, total)` reports the sample load. Returns
    the sample-load counts when a load happened."""
    from storage.setup import ensure_db

    with _seed_lock:
        eng = engine()
        empty = database_is_empty()
        ensure_db(eng)
        if empty and auto_sample:
            from sample_data.seed import seed_sample

            return seed_sample(eng, progress=progress)
    return None


# --- the units to push (issue 12): what changed since last month, province-wide bottlenecks ------------


@st.cache_data(show_spinner=False, max_entries=32)
def weak_changes_on(key: DataKey, period: str, day: dt.date) -> pd.DataFrame:
    """metrics.flag_changes between the month and the one before, judged on local date `day`."""
    from domain import periods as periods_mod

    before = periods_mod.add(period, -1)
    return metrics.flag_changes(weak_localities_on(key, period, day), weak_localities_on(key, before, day))


@st.cache_data(show_spinner=False, max_entries=32)
def bottlenecks(key: DataKey, period: str) -> pd.DataFrame:
    """metrics.bottlenecks of the month (every level and indicator with a shortfall)."""
    return metrics.bottlenecks(_inputs(key), period)


@st.cache_data(show_spinner=False, max_entries=32)
def reminder_letter(key: DataKey, period: str, unit_code: str, day: dt.date, lang: str) -> tuple[str, bytes]:
    """The reminder letter (reports.letter) to one unit for the month, as (file name, .docx bytes): province
    data, the same for every reader who may export it."""
    from presentation import flags
    from reports import letter
    from reports.content import place_name

    inputs = _inputs(key)
    units_ = units(key).set_index("code")
    info = units_.loc[unit_code]
    province = units_.loc[info["province_code"]] if info["province_code"] in units_.index else pd.Series({"name_vi": "", "code": ""})
    names = {i.code: i.name(lang) for i in registry(key).indicators}
    reasons = weak_localities_on(key, period, day).reasons
    # The figures' table already says what is short of target; the letter lists the other reasons.
    reasons = reasons[(reasons["unit_code"] == unit_code) & ~reasons["rule"].isin(["large_shortfall", "below_target", "behind"])]
    sentences = flags.reason_sentences(reasons, names, lang,
                                           int(settings(key)["weak_falling_months"])).get(unit_code, [])
    content = letter.letter_content(
        metrics.shortfall(inputs, period), unit_code, unit_name=info["name_vi" if lang == "vi" else "name_en"],
        unit_level=info["level"], period=period, province_name=province.get("name_vi" if lang == "vi" else "name_en", ""),
        place=place_name(province, lang), indicator_names=names, lang=lang,
        deadline=letter.default_deadline(period, int(settings(key)["deadline_day"])), reasons=sentences,
        synthetic=_only_sample(key))
    return letter.filename(unit_code, period, lang), letter.build_letter(content)


def _only_sample(key: DataKey) -> bool:
    """Every stored figure is the sample's: the letter says so, as the monthly report does."""
    from services.sample_mode import synthetic_figures

    return synthetic_figures(engine())


@st.cache_data(show_spinner=False, max_entries=8)
def reminder_letters_zip(key: DataKey, period: str, unit_codes: tuple[str, ...], day: dt.date, lang: str) -> bytes:
    """The reminder letters to several units (the month's list to push), one .docx each, in a .zip."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for code in unit_codes:
            name, content = reminder_letter(key, period, code, day, lang)
            z.writestr(name, content)
    return out.getvalue()
