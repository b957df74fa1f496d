"""The read path: tidy pandas frames for metrics, reports and pages. Column names are the codes of
DOMAIN.md; periods are "YYYY-MM" strings; values are int64."""

from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from domain import settings as settings_mod
from domain.registry import DataElement, Form, Indicator, Registry
from storage import models

UNIT_COLUMNS = [
    "code", "name_vi", "name_en", "type", "level", "province_code", "parent_code", "valid_from", "valid_to",
    "former_unit_code", "successor_code", "seat_lat", "seat_lon",
]


def _frame(engine: Engine, stmt, columns: list[str]) -> pd.DataFrame:
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return pd.DataFrame(rows, columns=columns)


def _bulk_frame(engine: Engine, stmt, columns: list[str], dtypes: dict[str, str]) -> pd.DataFrame:
    """`_frame` for millions of rows of plain strings and integers (the national data values: 2.9 million
    rows took 29 s through SQLAlchemy rows). PostgreSQL sends them with COPY as CSV, parsed by pyarrow piece
    by piece as it arrives (`_arrow_frame`); SQLite's tuples are fetched from the driver's cursor directly (no
    result-row objects). Only for columns needing no type conversion by SQLAlchemy (no dates, no JSON)."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
            tables, pending = [], bytearray()
            with conn.connection.dbapi_connection.cursor() as cursor:
                with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                    for block in copy:
                        pending += block
                        if len(pending) >= _CSV_PIECE:
                            cut = _last_row_end(pending)
                            if cut:
                                tables.append(_arrow_table(bytes(pending[:cut]), columns, dtypes))
                                del pending[:cut]
            if pending:
                tables.append(_arrow_table(bytes(pending), columns, dtypes))
            del pending
            if not tables:
                return pd.DataFrame([], columns=columns).astype(dtypes)
            return _arrow_frame(tables, dtypes)
        rows = conn.execute(stmt).cursor.fetchall()
    if not rows:
        return pd.DataFrame([], columns=columns).astype(dtypes)
    return pd.DataFrame.from_records(rows, columns=columns).astype(dtypes)


_ARROW_TYPES = {"str": lambda pa: pa.string(), "int64": lambda pa: pa.int64(),
                "category": lambda pa: pa.dictionary(pa.int32(), pa.string())}
# The COPY's CSV is parsed in pieces of this size: holding all of it first (126 MB nationally) and parsing it
# at once made a fresh process peak at 0.55 GB for a 58 MB frame; in pieces, 0.38 GB, as fast.
_CSV_PIECE = 16 << 20


def _last_row_end(data: bytearray) -> int:
    """The end of the last whole CSV row in `data` (0 if none): after a newline outside quotes (PostgreSQL
    quotes a field holding a newline, and doubles the quotes inside it, so an even count of quotes before a
    newline means it ends a row)."""
    end = data.rfind(b"\n")
    while end >= 0 and data.count(b'"', 0, end) % 2:
        end = data.rfind(b"\n", 0, end)
    return end + 1


def _arrow_table(piece: bytes, columns: list[str], dtypes: dict[str, str]):
    """One piece of CSV (whole rows) parsed by pyarrow straight into Arrow arrays (pandas' C parser made a
    Python string per cell first)."""
    import pyarrow as pa
    from pyarrow import csv

    return csv.read_csv(pa.py_buffer(piece),
                        read_options=csv.ReadOptions(column_names=columns, block_size=max(1 << 20, len(piece) + 1)),
                        convert_options=csv.ConvertOptions(
                            column_types={c: _ARROW_TYPES[t](pa) for c, t in dtypes.items()},
                            strings_can_be_null=False, quoted_strings_can_be_null=False))


def _arrow_frame(tables: list, dtypes: dict[str, str]) -> pd.DataFrame:
    """The pieces as one frame, one chunk per column (a frame of many chunks makes every later take of a few
    rows slow), each piece's dictionary of codes unified; Arrow's buffers given back as pandas takes them
    (`self_destruct`) and the pool's unused memory returned to the system, not kept for later."""
    import pyarrow as pa

    table = pa.concat_tables(tables).unify_dictionaries().combine_chunks()
    tables.clear()
    frame = table.to_pandas(split_blocks=True, self_destruct=True,
                            types_mapper={pa.string(): pd.StringDtype("pyarrow", na_value=float("nan"))}.get)
    del table
    pa.default_memory_pool().release_unused()
    return frame.astype(dtypes)


def load_units(engine: Engine, province_code: str | None = None) -> pd.DataFrame:
    """Every unit with its history. `valid_from`/`valid_to` are dates or None (open)."""
    cols = [getattr(models.Unit, c) for c in UNIT_COLUMNS]
    stmt = select(*cols).order_by(models.Unit.code)
    if province_code:
        stmt = stmt.where(models.Unit.province_code == province_code)
    df = _frame(engine, stmt, UNIT_COLUMNS)
    for col in ("valid_from", "valid_to"):
        df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def units_valid_in(units: pd.DataFrame, period: str) -> pd.DataFrame:
    """Units valid at any day of the month (a unit abolished on the 30th still reports that month)."""
    from domain.periods import first_day, last_day
    from domain.units import valid_mask

    return units[valid_mask(units, first_day(period), last_day(period))]


def load_registry(engine: Engine) -> Registry:
    """The registry as the database holds it now (the shipped file plus what an administrator added)."""
    with engine.connect() as conn:
        elements = tuple(
            DataElement(r.code, r.name_vi, r.name_en, r.kind)
            for r in conn.execute(select(models.DataElement).order_by(models.DataElement.position, models.DataElement.code))
        )
        levels: dict[str, list[str]] = {}
        for r in conn.execute(select(models.FormLevel).order_by(models.FormLevel.level)):
            levels.setdefault(r.form_code, []).append(r.level)
        form_elements: dict[str, list] = {}
        for r in conn.execute(select(models.FormElement).order_by(models.FormElement.position)):
            form_elements.setdefault(r.form_code, []).append(r)
        forms = tuple(
            Form(
                code=r.code,
                name_vi=r.name_vi,
                name_en=r.name_en,
                levels=tuple(levels.get(r.code, ())),
                valid_from=r.valid_from,
                elements=tuple(fe.element_code for fe in form_elements.get(r.code, [])),
                expected_only_for={
                    fe.element_code: tuple(fe.expected_only_for.split(","))
                    for fe in form_elements.get(r.code, [])
                    if fe.expected_only_for
                },
            )
            for r in conn.execute(select(models.Form).order_by(models.Form.position, models.Form.code))
        )
        indicators = tuple(
            Indicator(r.code, r.name_vi, r.name_en, r.numerator_code, r.denominator_code, r.group)
            for r in conn.execute(select(models.Indicator).order_by(models.Indicator.position, models.Indicator.code))
        )
    # Targets live in their own table with per-unit overrides: see load_targets.
    return Registry(elements, forms, indicators)


def load_values(
    engine: Engine,
    periods: Iterable[str] | None = None,
    elements: Iterable[str] | None = None,
    unit_codes: Iterable[str] | None = None,
    first: str | None = None,
    last: str | None = None,
) -> pd.DataFrame:
    """Data values as a long frame: unit_code, period, element_code, value (int64), submission_id."""
    v = models.DataValue
    stmt = select(v.unit_code, v.period, v.element_code, v.value, v.submission_id)
    if periods is not None:
        stmt = stmt.where(v.period.in_(list(periods)))
    if first is not None:
        stmt = stmt.where(v.period >= first)
    if last is not None:
        stmt = stmt.where(v.period <= last)
    if elements is not None:
        stmt = stmt.where(v.element_code.in_(list(elements)))
    if unit_codes is not None:
        stmt = stmt.where(v.unit_code.in_(list(unit_codes)))
    return _bulk_frame(engine, stmt, list(_VALUE_TYPES), _VALUE_TYPES)


# The code columns are categorical: 3,355 units, 60 months and 19 elements over 2.9 M rows nationally take
# 4 bytes a cell instead of a string each (the frame: 58 MB instead of 207 MB).
_VALUE_TYPES = {"unit_code": "category", "period": "category", "element_code": "category", "value": "int64",
                "submission_id": "int64"}
_SCOPE_COLUMNS = ["unit_code", "period", "submission_id", "form_code", "received_at", "submitted_by"]


def load_targets(engine: Engine) -> pd.DataFrame:
    """Targets: indicator_code, year, unit_code (the province = province-wide), value, decision, set_by, set_at."""
    t = models.Target
    stmt = select(t.indicator_code, t.year, t.unit_code, t.value, t.decision, t.set_by, t.set_at).order_by(
        t.indicator_code, t.year, t.unit_code
    )
    return _frame(engine, stmt, ["indicator_code", "year", "unit_code", "value", "decision", "set_by", "set_at"])


def load_submission_scope(engine: Engine, periods: Iterable[str] | None = None) -> pd.DataFrame:
    """Which units reported which months, by which submission, when: unit_code, period, submission_id,
    form_code, received_at (aware UTC), submitted_by. A resubmission appears as a further row."""
    stmt = _scope_stmt()
    if periods is not None:
        stmt = stmt.where(models.SubmissionScope.period.in_(list(periods)))
    return _frame(engine, stmt, _SCOPE_COLUMNS)


def _scope_stmt():
    s, sc = models.Submission, models.SubmissionScope
    return select(sc.unit_code, sc.period, sc.submission_id, s.form_code, s.received_at, s.submitted_by).join(
        s, s.id == sc.submission_id
    )


def data_version(engine: Engine) -> int:
    return data_versions(engine)[0]


def data_versions(engine: Engine) -> tuple[int, int]:
    """(data_version, values_version) in one query (storage/version.py); 0 for a counter not yet written."""
    with engine.connect() as conn:
        rows = dict(conn.execute(select(models.Counter.name, models.Counter.value)
                                 .where(models.Counter.name.in_(("data_version", "values_version")))).all())
    return int(rows.get("data_version") or 0), int(rows.get("values_version") or 0)


def latest_period(engine: Engine) -> str | None:
    """The latest month for which any value is held."""
    with engine.connect() as conn:
        return conn.execute(select(func.max(models.DataValue.period))).scalar()


def periods_with_data(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(models.DataValue.period).distinct().order_by(models.DataValue.period)).scalars())


def settings(engine: Engine) -> dict:
    """Every declared setting with its effective value (the administrator's override or the default)."""
    with engine.connect() as conn:
        stored = {k: json.loads(v) for k, v in conn.execute(select(models.Setting.key, models.Setting.value))}
    return settings_mod.effective({k: v for k, v in stored.items() if k in settings_mod.SPECS})


def submissions(engine: Engine, unit_code: str | None = None, period: str | None = None) -> pd.DataFrame:
    """Accepted submissions (without their bytes), newest first, optionally for one unit and/or month."""
    s = models.Submission
    stmt = select(s.id, s.form_code, s.filename, s.sha256, s.size, s.submitted_by, s.received_at, s.source, s.n_values, s.warnings)
    if unit_code or period:
        sc = models.SubmissionScope
        cond = [sc.submission_id == s.id]
        if unit_code:
            cond.append(sc.unit_code == unit_code)
        if period:
            cond.append(sc.period == period)
        stmt = stmt.where(select(sc.submission_id).where(*cond).exists())
    stmt = stmt.order_by(s.received_at.desc(), s.id.desc())
    return _frame(
        engine, stmt, ["id", "form_code", "filename", "sha256", "size", "submitted_by", "received_at", "source", "n_values", "warnings"]
    )


def value_revisions(engine: Engine, unit_code: str, period: str | None = None) -> pd.DataFrame:
    r = models.ValueRevision
    stmt = select(
        r.unit_code, r.period, r.element_code, r.old_value, r.old_submission_id, r.new_value, r.new_submission_id,
        r.replaced_by, r.replaced_at,
    ).where(r.unit_code == unit_code)
    if period:
        stmt = stmt.where(r.period == period)
    stmt = stmt.order_by(r.period, r.element_code, r.id)
    return _frame(
        engine,
        stmt,
        ["unit_code", "period", "element_code", "old_value", "old_submission_id", "new_value", "new_submission_id", "replaced_by", "replaced_at"],
    )


def load_revisions(engine: Engine, periods: Iterable[str] | None = None) -> pd.DataFrame:
    """Every value revision (of every unit), optionally for some months: unit_code, period, element_code,
    old_value, old_submission_id, new_value, new_submission_id, replaced_by, replaced_at (aware UTC)."""
    r = models.ValueRevision
    columns = ["unit_code", "period", "element_code", "old_value", "old_submission_id", "new_value", "new_submission_id",
               "replaced_by", "replaced_at"]
    stmt = select(*[getattr(r, c) for c in columns]).order_by(r.period, r.unit_code, r.element_code, r.id)
    if periods is not None:
        stmt = stmt.where(r.period.in_(list(periods)))
    return _frame(engine, stmt, columns)


def submission_content(engine: Engine, submission_id: int) -> bytes | None:
    """The original bytes of one accepted file (for downloading it again), or None when there is no such
    submission."""
    f = models.SubmissionFile
    with engine.connect() as conn:
        content = conn.execute(select(f.content).where(f.submission_id == int(submission_id))).scalar()
    return None if content is None else bytes(content)


def metric_frames(engine: Engine, province_code: str | None = None, first: str | None = None,
                  figures: tuple[pd.DataFrame, pd.DataFrame] | None = None) -> dict:
    """Everything the metrics engine reads, as keyword arguments for `metrics.Inputs`:
    `metrics.Inputs(**frames.metric_frames(engine))`. `province_code` keeps one province (default: the
    only one, or every province when several are set up); `first` ("YYYY-MM") skips older values and
    submissions (the engine needs December of the previous year for glide paths and 12 months back for
    year-on-year changes). `figures`: (values, scope) already read by `load_figures` (the page layer keeps
    them while only notes, settings or targets change); otherwise they are read here."""
    units = load_units(engine, province_code)
    if province_code is None:
        provinces = units.loc[units["level"] == "province", "code"].tolist()
        province_code = provinces[0] if len(provinces) == 1 else None
    values, scope = figures if figures is not None else load_figures(engine, first)
    return {
        "units": units,
        "values": values,
        "registry": load_registry(engine),
        "targets": load_targets(engine),
        "scope": scope,
        "settings": settings(engine),
        "province_code": province_code,
    }


def load_figures(engine: Engine, first: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The long values and the submission scope (from `first` on), the two large reads of `metric_frames`."""
    scope = load_submission_scope(engine)
    if first is not None:
        scope = scope[scope["period"] >= first].reset_index(drop=True)
    return load_values(engine, first=first), scope


def load_changes(engine: Engine, since: int) -> tuple[int, pd.DataFrame, pd.DataFrame] | None:
    """What a process holding the figures of values version `since` needs to catch up: (the values version
    now, the current value rows of every cell a later submission wrote, those submissions' scope rows); or
    None when it must read everything again (a change of the figures that was not a submission, such as a
    unit set-up, or a submission from before the watermark existed).

    The version is read first, the rows after with no upper bound: a submission committed in between comes
    too (the result is never older than the version it is labelled with), and applying a row twice changes
    nothing. Every submission stamped at or below the version read has committed (storage/version.py)."""
    s = models.Submission
    now = data_versions(engine)[1]
    if now <= since:
        return now, pd.DataFrame(columns=list(_VALUE_TYPES)).astype(_VALUE_TYPES), pd.DataFrame(columns=_SCOPE_COLUMNS)
    with engine.connect() as conn:
        stamped = conn.execute(select(func.count(func.distinct(s.values_seq)))
                               .where(s.values_seq > since, s.values_seq <= now)).scalar_one()
        later = list(conn.execute(select(s.id).where(s.values_seq > since)).scalars())
    if stamped != now - since:
        return None
    v = models.DataValue
    # The ids as a list, not a subquery: PostgreSQL's planner cannot tell how few submissions the subquery
    # gives and scans all 2.9 M values (0.4 s) instead of using the index on submission_id.
    wanted = v.submission_id.in_(later) if len(later) <= 2000 else v.submission_id.in_(select(s.id).where(s.values_seq > since))
    values = _bulk_frame(engine, select(v.unit_code, v.period, v.element_code, v.value, v.submission_id)
                         .where(wanted), list(_VALUE_TYPES), _VALUE_TYPES)
    scope = _frame(engine, _scope_stmt().where(s.values_seq > since), _SCOPE_COLUMNS)
    return now, values, scope


def patch_figures(values: pd.DataFrame, scope: pd.DataFrame, changed_values: pd.DataFrame,
                  changed_scope: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The figures of `load_figures` with the rows of `load_changes` applied: each changed cell's row
    replaced (or added), each new submission's scope rows added once. New frames; the inputs are kept."""
    if len(changed_values):
        key = ["unit_code", "period", "element_code"]
        changed = changed_values.drop_duplicates(key, keep="last")
        # Look for the cells among the touched units' months only (a few rows of millions).
        near = (values["period"].isin(changed["period"].unique()) & values["unit_code"].isin(changed["unit_code"].unique())).to_numpy()
        near_rows = np.flatnonzero(near)
        # By position: a boolean .loc on the Arrow-backed string columns costs 0.2 s at national scale.
        candidates = pd.DataFrame({k: values[k].array.take(near_rows) for k in key})
        wanted = pd.MultiIndex.from_frame(changed[key].astype(str))
        found = wanted.get_indexer(pd.MultiIndex.from_frame(candidates.astype(str)))  # per candidate: its changed row, or -1
        hit = found >= 0
        rows = near_rows[hit]
        # The cells held already get their new value and submission in new columns; the code columns (the
        # bulk of the memory) are shared with the frame held before, which stays as it was.
        columns = {c: values[c] for c in values.columns}
        for column in ("value", "submission_id"):
            updated = values[column].to_numpy(copy=True)
            updated[rows] = changed[column].to_numpy(dtype=updated.dtype)[found[hit]]
            columns[column] = updated
        # Built from the columns (the held frame's index comes with its Series): passing `index=` too, or
        # assigning into a copy, makes pandas take every row of every column again (0.1–0.2 s nationally).
        patched = pd.DataFrame(columns)
        new = np.ones(len(changed), dtype=bool)
        new[found[hit]] = False
        values = patched
        if new.any():  # cells not held yet (a first return for a month): appended
            added = changed[new]
            for c in key:  # a code not held yet (a new month, a new unit) becomes a category first
                if isinstance(patched[c].dtype, pd.CategoricalDtype):
                    missing = pd.Index(added[c].astype(str).unique()).difference(patched[c].cat.categories)
                    if len(missing):
                        patched[c] = patched[c].cat.add_categories(missing)
                    added = added.assign(**{c: pd.Categorical(added[c].astype(str), categories=patched[c].cat.categories)})
            values = pd.concat([patched, added.astype(patched.dtypes.to_dict())], ignore_index=True)
    if len(changed_scope):
        fresh = changed_scope[~changed_scope["submission_id"].isin(scope["submission_id"])]
        scope = pd.concat([scope, fresh], ignore_index=True) if len(fresh) else scope
    return values, scope


def load_boundaries(engine: Engine, unit_codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Unit polygons for the map: unit_code, geometry (a GeoJSON geometry object, parsed), source,
    approximate (computed at setup rather than imported from a boundary file)."""
    b = models.UnitBoundary
    stmt = select(b.unit_code, b.geometry, b.source, b.approximate).order_by(b.unit_code)
    if unit_codes is not None:
        stmt = stmt.where(b.unit_code.in_(list(unit_codes)))
    df = _frame(engine, stmt, ["unit_code", "geometry", "source", "approximate"])
    df["geometry"] = df["geometry"].map(json.loads)
    return df
