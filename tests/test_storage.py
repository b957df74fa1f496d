"""Storage behaves the same on SQLite and PostgreSQL: schema, round trips, revisions, duplicates."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import inspect

from storage import frames, migrate
from storage.db import make_engine
from storage.models import Base
from storage.submissions import SubmissionIn, ValueIn, record_submission
from testkit.databases import (
    PostgresBackend,
    SQLiteBackend,
    pg_unavailable_reason,
    unique_name,
)

UTC = dt.timezone.utc


def _schema(engine) -> dict:
    """Tables, columns (name, generic type, nullable), primary keys, foreign keys and indexes."""
    insp = inspect(engine)
    out = {}
    for table in sorted(insp.get_table_names()):
        if table == "alembic_version":
            continue
        out[table] = {
            "columns": tuple((c["name"], c["type"]._type_affinity.__name__, c["nullable"]) for c in insp.get_columns(table)),
            "pk": tuple(insp.get_pk_constraint(table)["constrained_columns"]),
            "fks": sorted((tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"])) for f in insp.get_foreign_keys(table)),
            # PostgreSQL also lists the index behind each unique constraint; the constraint is compared below.
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(table)
                if not i.get("duplicates_constraint")
            ),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(table)),
        }
    return out


def test_migrations_build_the_same_schema_on_both_backends(tmp_path):
    reason = pg_unavailable_reason()
    if reason:
        pytest.skip(reason)
    sqlite, pg = SQLiteBackend(tmp_path), PostgresBackend()
    urls = [sqlite.create_empty("schema"), pg.create_empty(unique_name("p06_schema"))]
    try:
        schemas = []
        for url in urls:
            engine = make_engine(url)
            migrate.upgrade(engine)
            assert migrate.is_current(engine)
            schemas.append(_schema(engine))
            engine.dispose()
        assert schemas[0] == schemas[1]
        assert set(schemas[0]) == set(Base.metadata.tables)
    finally:
        pg.drop(urls[1])


def test_models_and_migrations_agree(engine):
    """`alembic check`: the models describe exactly what the migrations built."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_units_round_trip(engine):
    units = frames.load_units(engine)
    vinh = units.set_index("code").loc["412"]
    assert vinh["name_vi"] == "Thành phố Vinh"
    assert vinh["valid_to"] == dt.date(2025, 6, 30)
    assert vinh["valid_from"] is None
    ward = units.set_index("code").loc["16681"]
    assert (ward["former_unit_code"], ward["valid_from"], ward["level"]) == ("412", dt.date(2025, 7, 1), "commune")


def _sub(filename, content, values, by="ubnd.vinh", at=None, form="locality"):
    return SubmissionIn(
        form_code=form,
        filename=filename,
        content=content,
        submitted_by=by,
        values=[ValueIn(*v) for v in values],
        received_at=at or dt.datetime(2024, 6, 3, 2, 30, tzinfo=UTC),
    )


def test_values_and_revisions_round_trip(engine):
    first = record_submission(
        engine,
        _sub("vinh_2024-05.xlsx", b"first file", [("412", "2024-05", "dossiers_received", 62950),
                                                  ("412", "2024-05", "dossiers_received_online", 40000)]),
    )
    assert (first.added, first.changed) == (2, 0)
    later = dt.datetime(2024, 6, 9, 8, 0, tzinfo=UTC)
    second = record_submission(
        engine,
        _sub("vinh_2024-05_sua.xlsx", b"corrected file",
             [("412", "2024-05", "dossiers_received_online", 41234)], by="ubnd.vinh.2", at=later),
    )
    assert (second.added, second.changed, second.unchanged) == (0, 1, 0)

    values = frames.load_values(engine, periods=["2024-05"]).set_index("element_code")
    assert values.loc["dossiers_received", "value"] == 62950  # untouched by the partial resubmission
    assert values.loc["dossiers_received_online", "value"] == 41234
    assert values.loc["dossiers_received_online", "submission_id"] == second.submission_id

    revisions = frames.value_revisions(engine, "412", "2024-05")
    assert len(revisions) == 1
    rev = revisions.iloc[0]
    assert (rev["old_value"], rev["new_value"], rev["replaced_by"]) == (40000, 41234, "ubnd.vinh.2")
    assert rev["old_submission_id"] == first.submission_id
    assert rev["replaced_at"] == later

    subs = frames.submissions(engine, unit_code="412", period="2024-05")
    assert list(subs["filename"]) == ["vinh_2024-05_sua.xlsx", "vinh_2024-05.xlsx"]
    assert subs.iloc[0]["received_at"] == later


def test_the_same_file_twice_changes_nothing(engine):
    sub = _sub("a.xlsx", b"same bytes", [("412", "2024-05", "dossiers_received", 10)])
    first = record_submission(engine, sub)
    version = frames.data_version(engine)
    again = record_submission(engine, _sub("a (1).xlsx", b"same bytes", [("412", "2024-05", "dossiers_received", 99)]))
    assert again.duplicate and again.duplicate_of == first.submission_id
    assert frames.data_version(engine) == version
    assert frames.load_values(engine)["value"].tolist() == [10]
    assert len(frames.submissions(engine)) == 1


def test_original_bytes_are_kept(engine):
    from sqlalchemy import select

    from storage.models import SubmissionFile

    content = "Tháng 5/2024 – biểu mẫu".encode() * 100
    result = record_submission(engine, _sub("b.csv", content, [("412", "2024-05", "dossiers_received", 1)]))
    with engine.connect() as conn:
        stored = conn.execute(select(SubmissionFile.content).where(SubmissionFile.submission_id == result.submission_id)).scalar()
    assert bytes(stored) == content


def test_a_refused_check_changes_nothing(engine):
    def locked(session):
        raise PermissionError("month locked")

    with pytest.raises(PermissionError):
        record_submission(engine, _sub("c.csv", b"c", [("412", "2024-05", "dossiers_received", 1)]), checks=locked)
    assert frames.load_values(engine).empty
    assert frames.submissions(engine).empty


def test_completeness_scope_counts_units_and_months(engine):
    record_submission(engine, _sub("d.csv", b"d", [("412", "2024-05", "dossiers_received", 1),
                                                   ("414", "2024-05", "dossiers_received", 2)]))
    scope = frames.load_submission_scope(engine, ["2024-05"])
    assert sorted(scope["unit_code"]) == ["412", "414"]
    assert set(scope["form_code"]) == {"locality"}


def test_times_come_back_in_utc(engine):
    vn = dt.timezone(dt.timedelta(hours=7))
    at = dt.datetime(2024, 6, 5, 23, 30, tzinfo=vn)  # 16:30 UTC, still the 5th in Vietnam
    record_submission(engine, _sub("e.csv", b"e", [("412", "2024-05", "dossiers_received", 1)], at=at))
    received = frames.submissions(engine).iloc[0]["received_at"]
    assert received == at and received.utcoffset() == dt.timedelta(0)


def test_bulk_path_stores_files_in_order_as_if_one_by_one(engine):
    from storage.submissions import record_submissions

    results = record_submissions(engine, [
        _sub("m1.csv", b"m1", [("412", "2024-05", "dossiers_received", 100)], by="a"),
        _sub("m1 copy.csv", b"m1", [("412", "2024-05", "dossiers_received", 100)], by="a"),
        _sub("m2.csv", b"m2", [("412", "2024-05", "dossiers_received", 120)], by="b"),
    ])
    assert [r.added for r in results] == [1, 0, 0]
    assert results[1].duplicate_of == results[0].submission_id
    assert results[2].changed == 1
    values = frames.load_values(engine)
    assert values["value"].tolist() == [120] and values["submission_id"].tolist() == [results[2].submission_id]
    revisions = frames.value_revisions(engine, "412")
    assert revisions[["old_value", "new_value", "replaced_by"]].values.tolist() == [[100, 120, "b"]]


def test_bulk_path_is_all_or_nothing(engine):
    from storage.submissions import record_submissions

    with pytest.raises(Exception):
        record_submissions(engine, [
            _sub("ok.csv", b"ok", [("412", "2024-05", "dossiers_received", 1)]),
            _sub("bad.csv", b"bad", [("NOPE", "2024-05", "dossiers_received", 1)]),  # unknown unit: FK
        ])
    assert frames.load_values(engine).empty and frames.submissions(engine).empty


def _many(engine, month: str, n_units: int = 40) -> list[tuple[str, str, str]]:
    """(unit, month, element) keys of a compiled-size return: enough rows for the bulk write (COPY on
    PostgreSQL, one executemany on SQLite)."""
    units = frames.load_units(engine)
    first = dt.date.fromisoformat(f"{month}-01")
    valid = units[(units["valid_from"].isna() | (units["valid_from"] <= first))
                  & (units["valid_to"].isna() | (units["valid_to"] >= first))]["code"].tolist()[:n_units]
    elements = [e.code for e in frames.load_registry(engine).elements][:5]
    return [(u, month, e) for u in valid for e in elements]


def test_a_large_resubmission_keeps_every_replaced_value(engine):
    from storage.submissions import COPY_MIN_ROWS

    keys = _many(engine, "2025-08")
    assert len(keys) >= 3 * COPY_MIN_ROWS
    first = record_submission(engine, _sub("tong_hop_08.xlsx", b"first", [(*k, 10 + i) for i, k in enumerate(keys)]))
    assert (first.added, first.changed) == (len(keys), 0)
    later = dt.datetime(2025, 9, 12, 3, 0, tzinfo=UTC)
    # Every other value changed, one unit's values left out (kept as they were), the rest given again unchanged.
    left_out = keys[0][0]
    second_values = [(*k, 10 + i + (i % 2)) for i, k in enumerate(keys) if k[0] != left_out]
    second = record_submission(engine, _sub("tong_hop_08_sua.xlsx", b"second", second_values, by="so.tc", at=later))
    changed = sum(1 for i, k in enumerate(keys) if k[0] != left_out and i % 2)
    assert (second.added, second.changed, second.unchanged) == (0, changed, len(second_values) - changed)

    values = frames.load_values(engine, periods=["2025-08"])
    held = {(r.unit_code, r.element_code): (r.value, r.submission_id) for r in values.itertuples()}
    for i, (u, _, e) in enumerate(keys):
        if u == left_out:
            assert held[(u, e)] == (10 + i, first.submission_id)
        else:
            assert held[(u, e)] == (10 + i + (i % 2), second.submission_id)
    from sqlalchemy import select

    from storage.models import Submission, SubmissionScope, ValueRevision

    with engine.connect() as conn:
        rows = conn.execute(select(ValueRevision.unit_code, ValueRevision.element_code, ValueRevision.old_value,
                                   ValueRevision.new_value, ValueRevision.old_submission_id,
                                   ValueRevision.new_submission_id, ValueRevision.replaced_by,
                                   ValueRevision.replaced_at)).all()
        scope = conn.execute(select(SubmissionScope.unit_code).where(
            SubmissionScope.submission_id == second.submission_id)).scalars().all()
        seqs = dict(conn.execute(select(Submission.id, Submission.values_seq)).all())
    # A revision for every value given again, changed or not, as when written one row at a time.
    assert len(rows) == len(second_values)
    by_key = {(r.unit_code, r.element_code): r for r in rows}
    for i, (u, _, e) in enumerate(keys):
        if u == left_out:
            assert (u, e) not in by_key
            continue
        r = by_key[(u, e)]
        assert (r.old_value, r.new_value) == (10 + i, 10 + i + (i % 2))
        assert (r.old_submission_id, r.new_submission_id, r.replaced_by) == (first.submission_id, second.submission_id, "so.tc")
        assert r.replaced_at == later
    assert sorted(scope) == sorted({u for u, _, _ in keys} - {left_out})
    assert seqs[second.submission_id] > seqs[first.submission_id]


def test_a_large_file_naming_an_unknown_unit_stores_nothing(engine):
    from sqlalchemy.exc import IntegrityError

    from storage.submissions import COPY_MIN_ROWS

    keys = _many(engine, "2025-08", n_units=COPY_MIN_ROWS + 6)  # its scope rows too go in by the bulk write
    assert len({u for u, _, _ in keys}) == COPY_MIN_ROWS + 6
    values = [(*k, 1) for k in keys] + [("NOPE", "2025-08", keys[0][2], 1)]
    with pytest.raises(IntegrityError):
        record_submission(engine, _sub("bad.xlsx", b"bad", values))
    assert frames.load_values(engine).empty and frames.submissions(engine).empty


def test_a_large_duplicate_row_is_an_integrity_error_the_retry_loop_knows(engine):
    """A concurrent writer that inserted the same value first: the bulk write raises the same wrapped
    error as an INSERT statement, so storage.retry runs the transaction again."""
    from sqlalchemy.exc import IntegrityError

    from storage.retry import retryable
    from storage.submissions import _VAL, _VALUE_COLUMNS, _insert_rows

    keys = _many(engine, "2025-08")
    first = record_submission(engine, _sub("a.xlsx", b"a", [(*k, 1) for k in keys]))
    with engine.connect() as conn, pytest.raises(IntegrityError) as caught:
        _insert_rows(conn, _VAL, _VALUE_COLUMNS, [(*k, 2, first.submission_id) for k in keys])
    assert retryable(caught.value, unique_violation=True)


def test_files_in_their_own_transactions_on_one_connection(engine):
    """A batch of per-file transactions on one connection: a refused file changes nothing, the files
    around it are stored, each as if alone."""
    from storage.submissions import record_submissions

    def refuse(session):
        raise PermissionError("month locked")

    with engine.connect() as conn:
        a = record_submission(conn, _sub("a.csv", b"a", [("412", "2024-05", "dossiers_received", 1)]))
        with pytest.raises(PermissionError):
            record_submission(conn, _sub("b.csv", b"b", [("414", "2024-05", "dossiers_received", 2)]), checks=refuse)
        c = record_submissions(conn, [_sub("c.csv", b"c", [("412", "2024-05", "dossiers_received", 3)], by="c")])[0]
        assert not conn.in_transaction()
    assert (c.changed, c.submission_id > a.submission_id) == (1, True)
    values = frames.load_values(engine)
    assert values[["unit_code", "value"]].values.tolist() == [["412", 3]]
    assert frames.value_revisions(engine, "412")[["old_value", "new_value"]].values.tolist() == [[1, 3]]
    assert sorted(frames.submissions(engine)["filename"]) == ["a.csv", "c.csv"]


def test_the_figures_read_in_small_pieces_are_the_figures_read_at_once(sample_url, monkeypatch):
    """PostgreSQL's COPY is parsed piece by piece as it arrives (a fresh process's peak memory): pieces of a
    few kilobytes, cut at row ends, give the same frame as one piece, codes and all."""
    if "postgresql" not in sample_url:
        pytest.skip("SQLite's rows come from the driver's cursor, not from a CSV")
    engine = make_engine(sample_url)
    whole = frames.load_values(engine)
    monkeypatch.setattr(frames, "_CSV_PIECE", 4096)
    pieces = frames.load_values(engine)
    engine.dispose()
    assert len(whole) > 10_000
    pd.testing.assert_frame_equal(pieces, whole, check_categorical=False)
    assert list(pieces["unit_code"].cat.categories.sort_values()) == sorted(set(whole["unit_code"].astype(str)))


def test_a_csv_row_ends_only_at_a_newline_outside_quotes():
    data = bytearray(b'16681,"Ph\xc6\xb0\xe1\xbb\x9dng\n ""A""",3\n16690,"x\ny",4')
    cut = frames._last_row_end(data)
    assert bytes(data[:cut]).endswith(b'""",3\n')
    assert frames._last_row_end(bytearray(b'1,"a\nb')) == 0
