"""Round trips on SQLite and PostgreSQL: a template filled with known numbers comes back exactly; the same
file twice changes nothing; a resubmission replaces values and keeps the earlier ones as revisions with
who and when; the original bytes are kept; a locked month and a unit the submitter is not bound to are
refused; warnings are stored with the submission."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from sqlalchemy import select

from loaders.ingest import SourceFile, ingest_files
from loaders.template import build_template, form_units
from storage import frames, models
from storage.db import session_factory


def _values(engine, period=None) -> dict:
    v = frames.load_values(engine, periods=[period] if period else None)
    return {(u, p, e): x for u, p, e, x in zip(v["unit_code"], v["period"], v["element_code"], v["value"])}


def _known(unit: str, element: str, salt: int = 0) -> int:
    """Deterministic figures that respect every ratio (denominators are larger than numerators)."""
    base = {"dossiers_received": 9000, "dossiers_resolved": 8000, "dossiers_with_fee": 4000, "citizens_eligible_id": 90000,
            "vneid_l2_applications": 70000, "social_beneficiaries": 5000, "hospital_payments": 60000,
            "school_fee_payments": 50000}
    return base.get(element, 1000) + (sum(map(ord, unit)) * 7 + len(element) * 13 + salt) % 900


def _fill(template: bytes, values: dict[tuple[int, int], int], sheet: str = "Số liệu") -> bytes:
    """Fill the template's open cells as an office does in Excel (the workbook opened, typed into, saved)."""
    wb = openpyxl.load_workbook(io.BytesIO(template))
    ws = wb[sheet]
    for (row, col), value in values.items():
        assert ws.cell(row=row, column=col).protection.locked is False
        ws.cell(row=row, column=col).value = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_a_compiled_template_filled_with_known_numbers_is_read_back_exactly(engine):
    registry, units = frames.load_registry(engine), frames.load_units(engine)
    period = "2024-05"
    rows = form_units(registry, units, "locality", period)
    elements = registry.form_by_code["locality"].elements
    blank = build_template(registry, units, "locality", period)
    expected, cells = {}, {}
    for i, unit in enumerate(rows["code"]):
        for j, element in enumerate(elements):
            value = _known(unit, element)
            cells[(9 + i, 4 + j)] = value
            expected[(unit, period, element)] = value
    report = ingest_files(engine, [("tong_hop_t5.xlsx", _fill(blank, cells))], submitted_by="cat.tonghop")
    outcome = report.files[0]
    assert outcome.status == "accepted" and outcome.stored, [p.text("en") for p in outcome.errors]
    assert len(rows) == 21 and outcome.units == sorted(rows["code"])
    assert _values(engine) == expected


def test_a_single_unit_template_round_trips_with_its_department_elements(engine):
    registry, units = frames.load_registry(engine), frames.load_units(engine)
    period = "2025-04"
    blank = build_template(registry, units, "department", period, unit="40-SYT")
    form = registry.form_by_code["department"]
    elements = [e for e in form.elements if form.expects(e, "40-SYT")]
    assert "hospital_payments" in elements and "school_fee_payments" not in elements
    filled = _fill(blank, {(11 + k, 5): _known("40-SYT", e) for k, e in enumerate(elements)})
    outcome = ingest_files(engine, [("syt_t4.xlsx", filled)], submitted_by="syt").files[0]
    assert outcome.status == "accepted" and outcome.form == "department"
    assert _values(engine) == {("40-SYT", period, e): _known("40-SYT", e) for e in elements}


def _single(unit: str, period: str, salt: int, engine) -> bytes:
    registry, units = frames.load_registry(engine), frames.load_units(engine)
    values = {e: _known(unit, e, salt) for e in registry.form_by_code["locality"].elements}
    return build_template(registry, units, "locality", period, unit=unit, values=values)


def test_the_same_file_twice_changes_nothing_and_says_so(engine):
    data = _single("417", "2024-05", 0, engine)
    first = ingest_files(engine, [("a.xlsx", data)], submitted_by="ubnd.kyson").files[0]
    version = frames.data_version(engine)
    again = ingest_files(engine, [("a (1).xlsx", data)], submitted_by="ubnd.kyson").files[0]
    assert again.status == "duplicate" and again.duplicate_of == first.submission_id and not again.stored
    assert [p.code for p in again.problems] == ["duplicate_file"]
    assert str(first.submission_id) in again.problems[0].message("vi")
    assert frames.data_version(engine) == version and len(frames.submissions(engine)) == 1


def test_a_resubmission_replaces_values_and_keeps_the_earlier_ones_as_revisions(engine):
    first = ingest_files(engine, [("t5.xlsx", _single("417", "2024-05", 0, engine))], submitted_by="ubnd.kyson").files[0]
    later = dt.datetime(2024, 6, 8, 3, 0, tzinfo=dt.timezone.utc)
    second = ingest_files(engine, [SourceFile("t5_sua.xlsx", _single("417", "2024-05", 5, engine), later)],
                          submitted_by="ubnd.kyson.2").files[0]
    assert second.stored and second.changed == 15 and second.added == 0
    values = _values(engine)
    assert values[("417", "2024-05", "dossiers_received")] == _known("417", "dossiers_received", 5)
    revisions = frames.value_revisions(engine, "417", "2024-05")
    assert len(revisions) == 15
    rev = revisions.set_index("element_code").loc["dossiers_received"]
    assert rev["old_value"] == _known("417", "dossiers_received", 0)
    assert (rev["replaced_by"], rev["replaced_at"], rev["old_submission_id"]) == ("ubnd.kyson.2", later, first.submission_id)


def test_the_original_file_is_kept_for_audit(engine):
    data = _single("418", "2024-05", 0, engine)
    outcome = ingest_files(engine, [("tuong_duong.xlsx", data)], submitted_by="x").files[0]
    with engine.connect() as conn:
        stored = conn.execute(select(models.SubmissionFile.content).where(
            models.SubmissionFile.submission_id == outcome.submission_id)).scalar()
    assert bytes(stored) == data


def test_a_locked_month_and_a_unit_not_bound_to_the_submitter_are_refused(engine):
    with session_factory(engine).begin() as session:
        session.add(models.PeriodLock(period="2024-05", locked=True, reason="published", changed_by="cat",
                                      changed_at=dt.datetime.now(dt.timezone.utc)))
    report = ingest_files(engine, [("t5.xlsx", _single("417", "2024-05", 0, engine)),
                                   ("t6.xlsx", _single("418", "2024-06", 0, engine))],
                          submitted_by="ubnd.kyson", allowed_units={"417"})
    assert [f.status for f in report.files] == ["rejected", "rejected"]
    assert [p.code for p in report.files[0].errors] == ["period_locked"]
    assert [p.code for p in report.files[1].errors] == ["unit_not_allowed"]
    assert frames.submissions(engine).empty


def test_a_refusal_from_access_control_inside_the_transaction_changes_nothing(engine):
    from domain.errors import Refused

    refusal = Refused("access.refused.locked", reason="locked", periods=["2024-07"])

    def checks(session):
        raise refusal

    outcome = ingest_files(engine, [("t5.xlsx", _single("417", "2024-07", 0, engine))], submitted_by="x",
                           checks=checks).files[0]
    assert outcome.status == "rejected" and outcome.refusal is refusal
    assert outcome.errors[0].message("en") == f"The file was refused: {refusal.message('en')}"
    assert outcome.errors[0].message("vi").endswith(refusal.message("vi"))
    assert frames.submissions(engine).empty and frames.load_values(engine).empty


def test_warnings_are_stored_with_the_submission(engine):
    ingest_files(engine, [("t5.xlsx", _single("417", "2024-05", 0, engine))], submitted_by="x")
    registry, units = frames.load_registry(engine), frames.load_units(engine)
    values = {e: _known("417", e, 0) for e in registry.form_by_code["locality"].elements}
    values["id_cards_issued"] -= 500  # a cumulative figure that falls
    values["dossiers_received"] *= 3  # a change of more than 50 %
    del values["social_paid_noncash"]  # an element the form expects
    data = build_template(registry, units, "locality", "2024-06", unit="417", values=values)
    outcome = ingest_files(engine, [("t6.xlsx", data)], submitted_by="x").files[0]
    assert outcome.status == "accepted"
    found = {(p.code, p.element) for p in outcome.warnings}
    assert {("stock_fell", "id_cards_issued"), ("large_change", "dossiers_received"),
            ("missing_expected", "social_paid_noncash")} <= found
    stored = json.loads(frames.submissions(engine, unit_code="417", period="2024-06").iloc[0]["warnings"])
    assert {(w["code"], w["element"]) for w in stored} == found
    assert all(w["message_vi"] and w["message_en"] and w["cell"] for w in stored if w["code"] != "missing_expected")


@pytest.mark.parametrize("transaction", ["file", "batch"])
def test_bulk_and_single_writes_store_the_same(engine, transaction):
    files = [SourceFile(f"{u}.xlsx", _single(u, p, 0, engine), dt.datetime(2024, 7, 2, tzinfo=dt.timezone.utc))
             for u in ("417", "418", "419") for p in ("2024-05", "2024-06")]
    report = ingest_files(engine, files, submitted_by="sample", source="sample", transaction=transaction)
    assert all(f.stored for f in report.files)
    subs = frames.submissions(engine)
    assert len(subs) == 6 and set(subs["source"]) == {"sample"}
    assert set(subs["received_at"]) == {dt.datetime(2024, 7, 2, tzinfo=dt.timezone.utc)}
    assert len(_values(engine)) == 6 * 15
