"""The data-credibility review (issue 19): each signal fires on a constructed case and stays silent on its
near-miss; the sample's planted anomalies are all found and the sample's 10/2026 is a review list, not a
wall; a verified figure stops signalling until it changes; the verify workflow's rights and audit; the
sentences people read; the CLI's JSON."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from domain import periods
from domain.errors import Invalid, Refused
from domain.registry import load_registry
from domain.units import nghe_an_units
from metrics import Inputs
from metrics.anomalies import AnomalyConfig, settle, signal_share, signals
from presentation.anomalies import impact_sentence, sentence, with_status
from sample_data.generator import PLANTED, generate
from tests.access_helpers import NOW, actor, audit_rows, fast_hashing, submission  # noqa: F401 - fast_hashing: autouse

REGISTRY = load_registry()
UTC = dt.timezone.utc
FIRST = "2025-01"
LAST = "2026-01"  # the month asked in the constructed cases
MONTHS = periods.span(FIRST, LAST)
N_PEERS = 12
FLOW = [e.code for e in REGISTRY.elements if e.kind == "flow"]


# --- a small province built by hand -------------------------------------------------------------------------


def _base(code: int, k: int) -> dict[str, float]:
    """An ordinary commune month: volumes ~1,000-2,000 with a few % of noise, rates below 100 %, stocks rising."""
    rng = np.random.default_rng(code * 1000 + k)
    n = 1000 + 80 * code
    received = n * rng.uniform(0.95, 1.05)
    resolved = received * rng.uniform(0.93, 0.99)
    fee = received * rng.uniform(0.27, 0.30)
    eligible = 20000 + 10 * k
    beneficiaries = 900 * rng.uniform(0.97, 1.03)
    values = {
        "dossiers_received": received, "dossiers_received_online": received * rng.uniform(0.78, 0.82),
        "dossiers_full_online": received * rng.uniform(0.48, 0.52), "dossiers_resolved": resolved,
        "dossiers_resolved_on_time": resolved * rng.uniform(0.955, 0.965), "dossiers_digitized": received * rng.uniform(0.85, 0.88),
        "results_digitized": resolved * rng.uniform(0.83, 0.86), "dossiers_with_fee": fee,
        "dossiers_paid_online": fee * rng.uniform(0.55, 0.6), "citizens_eligible_id": eligible,
        "id_cards_issued": eligible * (0.9 + 0.002 * k), "vneid_l2_applications": eligible * (0.8 + 0.003 * k),
        "vneid_l2_activated": eligible * (0.7 + 0.003 * k), "social_beneficiaries": beneficiaries,
        "social_paid_noncash": beneficiaries * rng.uniform(0.9, 0.92),
    }
    return {e: float(round(v)) for e, v in values.items()}


def province(edit=None, targets: pd.DataFrame | None = None, **settings) -> Inputs:
    """Province 99 with N_PEERS communes C00.. reporting every month of MONTHS; `edit(unit, period, values)`
    changes a return in place."""
    units = pd.DataFrame(
        [("99", "province", None, None, None, None)]
        + [(f"C{i:02d}", "commune", dt.date(2024, 1, 1), None, None, None) for i in range(N_PEERS)],
        columns=["code", "level", "valid_from", "valid_to", "former_unit_code", "successor_code"],
    ).assign(province_code="99")
    rows = []
    for i in range(N_PEERS):
        for k, period in enumerate(MONTHS):
            values = _base(i, k)
            if edit is not None:
                edit(f"C{i:02d}", period, values)
            rows += [(f"C{i:02d}", period, e, int(v), 100 * i + k + 1) for e, v in values.items()]
    frame = pd.DataFrame(rows, columns=["unit_code", "period", "element_code", "value", "submission_id"])
    kwargs = {"targets": targets} if targets is not None else {}
    return Inputs(units=units, values=frame, registry=REGISTRY, settings=settings, province_code="99", **kwargs)


def found(inputs: Inputs, period: str = LAST, **kw) -> pd.DataFrame:
    return signals(inputs, period, **kw)


def keys(frame: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(zip(frame["unit_code"], frame["subject"], frame["signal"]))


def test_an_ordinary_province_raises_nothing():
    assert found(province()).empty


# Each case: a change to C03's returns that should raise (unit, subject, signal), and its near-miss.
def _inflate(factor):
    def edit(unit, period, v):
        if unit == "C03" and period == LAST:
            for e in ("dossiers_received", "dossiers_received_online", "dossiers_full_online", "dossiers_digitized"):
                v[e] = round(v[e] * factor)
    return edit


def _pin(months, moving=True):
    def edit(unit, period, v):
        if unit == "C03" and period in MONTHS[-months:]:
            if not moving:
                v["dossiers_resolved"] = 1300.0
            v["results_digitized"] = v["dossiers_resolved"]
    return edit


def _copy(months, value=1500.0):
    def edit(unit, period, v):
        if unit == "C03" and period in MONTHS[-months:]:
            v["social_beneficiaries"] = value
            v["social_paid_noncash"] = min(v["social_paid_noncash"], value)
    return edit


def _round(n):
    def edit(unit, period, v):
        if unit == "C03" and period == LAST:
            for e in ("dossiers_received", "dossiers_resolved", "dossiers_with_fee")[:n]:
                v[e] = float(round(v[e] / 100) * 100)
    return edit


def _stock_fall(drop):
    def edit(unit, period, v):
        if unit == "C03" and period == LAST:
            v["id_cards_issued"] -= drop
    return edit


def _stock_jump(share):
    def edit(unit, period, v):
        if unit == "C03" and period == LAST:
            prev = _base(3, len(MONTHS) - 2)["id_cards_issued"]
            v["id_cards_issued"] = prev + round(share * (v["citizens_eligible_id"] - prev))
    return edit


def _peer(rate):
    def edit(unit, period, v):
        if unit == "C03" and period == LAST:
            v["dossiers_paid_online"] = round(v["dossiers_with_fee"] * rate)
    return edit


def _jump(previous):
    def edit(unit, period, v):
        if unit == "C03" and period == MONTHS[-2]:
            v["results_digitized"] = round(v["dossiers_resolved"] * previous)
        if unit == "C03" and period == LAST:
            v["results_digitized"] = v["dossiers_resolved"]
    return edit


CASES = {
    # an inflated month: ×3.4 fires ("tăng 240 %"); ×1.4 (+40 %, under the 60 % minimum) does not
    "history_outlier": (_inflate(3.4), _inflate(1.4), ("C03", "dossiers_received", "history_outlier")),
    # at 100 % three months while the resolved dossiers move; two months only does not
    "pinned_rate": (_pin(3), _pin(2), ("C03", "result_digitization_rate", "pinned_rate")),
    # ... nor three months with the denominator itself unchanged (that is a copy, not a pinned rate)
    "pinned_rate_still_denominator": (_pin(3), _pin(3, moving=False), ("C03", "result_digitization_rate", "pinned_rate")),
    # the same figure three months running; two months only does not
    "copy_forward": (_copy(3), _copy(2), ("C03", "social_beneficiaries", "copy_forward")),
    # ... nor a small figure repeated (below anomaly_exact_min_value, coincidences are common)
    "copy_forward_small": (_copy(3), _copy(3, value=120.0), ("C03", "social_beneficiaries", "copy_forward")),
    # three round hundreds in one return; two do not
    "round_figures": (_round(3), _round(2), ("C03", "*", "round_figures")),
    # a cumulative figure that falls; one that stays does not
    "stock_fall": (_stock_fall(500), _stock_fall(0), ("C03", "id_cards_issued", "stock_fall")),
    # closing 80 % of the remaining gap in one month; 20 % does not
    "stock_jump": (_stock_jump(0.8), _stock_jump(0.2), ("C03", "id_cards_issued", "stock_jump")),
    # online payment at 95 % against peers at ~57 %; 70 % (13 points above) does not
    "peer_outlier": (_peer(0.95), _peer(0.70), ("C03", "online_payment_rate", "peer_outlier")),
    # from 70 % to exactly 100 % in a month; from 95 % (5 points below) does not
    "jump_to_target": (_jump(0.70), _jump(0.95), ("C03", "result_digitization_rate", "jump_to_target")),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_signal_fires_on_its_case_and_not_on_its_near_miss(case):
    fires, near_miss, key = CASES[case]
    assert key in keys(found(province(fires)))
    assert key not in keys(found(province(near_miss)))


def test_a_rate_pinned_at_exactly_its_target_is_raised_and_one_point_off_is_not():
    targets = pd.DataFrame([("online_payment_rate", y, "99", 0.75) for y in (2025, 2026)],
                           columns=["indicator_code", "year", "unit_code", "value"])

    def at(rate):
        def edit(unit, period, v):
            if unit == "C03" and period in MONTHS[-3:]:
                v["dossiers_with_fee"] = float(v["dossiers_with_fee"]) + 200
                v["dossiers_paid_online"] = round(v["dossiers_with_fee"] * rate)
        return edit

    key = ("C03", "online_payment_rate", "pinned_rate")
    assert key in keys(found(province(at(0.75), targets)))
    assert key not in keys(found(province(at(0.74), targets)))


def test_a_history_outlier_needs_enough_history():
    """Six months of history are needed: a unit with five says nothing."""
    fires = _inflate(3.4)
    short = signals(province(fires, anomaly_history_months=5), LAST)
    assert ("C03", "dossiers_received", "history_outlier") not in keys(short)


def test_the_last_digits_signal_is_weak_and_fires_only_on_skewed_digits():
    def sevens(unit, period, v):
        if unit == "C03":
            for e in FLOW:
                if e in v and v[e] >= 100:
                    v[e] = float(v[e] - v[e] % 10 + 7)
    out = found(province(sevens))
    row = out[(out["unit_code"] == "C03") & (out["signal"] == "last_digits")]
    assert len(row) == 1 and row.iloc[0]["strength"] == "weak" and int(row.iloc[0]["reference"]) == 7
    assert out.iloc[-1]["strength"] == "weak"  # weak signals come last, whatever their score
    assert "last_digits" not in set(found(province())["signal"])


def test_a_late_revision_that_changes_the_rank_is_raised_and_an_early_one_is_not():
    inputs = province()
    c03 = inputs.values[(inputs.values["unit_code"] == "C03") & (inputs.values["period"] == LAST)].set_index("element_code")["value"]

    def revisions(at):
        return pd.DataFrame([{
            "unit_code": "C03", "period": LAST, "element_code": "dossiers_received_online",
            "old_value": int(c03["dossiers_received"] * 0.5), "old_submission_id": 1,
            "new_value": int(c03["dossiers_received_online"]), "new_submission_id": 2, "replaced_by": "x", "replaced_at": at,
        }])

    due = periods.due_date(LAST)  # 05/02/2026 in Vietnam
    late = dt.datetime(due.year, due.month, due.day + 3, 3, tzinfo=UTC)
    early = dt.datetime(due.year, due.month, due.day - 2, 3, tzinfo=UTC)
    key = ("C03", "online_dossier_rate", "late_revision")
    assert key in keys(found(inputs, revisions=revisions(late)))
    assert key not in keys(found(inputs, revisions=revisions(early)))


def test_signals_are_ranked_by_what_they_would_change_if_wrong():
    """A big commune's inflated month moves the province and its rank more than a small one's copy."""
    def both(unit, period, v):
        _inflate(3.4)(unit, period, v)
        if unit == "C00" and period in MONTHS[-3:]:
            v["social_beneficiaries"] = 900.0
            v["social_paid_noncash"] = 820.0
    out = found(province(both, anomaly_exact_min_value=500))
    assert list(out["priority"]) == sorted(out["priority"], reverse=True)
    first = out.iloc[0]
    assert first["unit_code"] == "C03" and first["impact_pp"] > 0 and first["rank_shift"] > 0
    assert first["submission_id"] == 100 * 3 + len(MONTHS)  # the lineage of the figure: C03's last submission


def test_a_verified_figure_stops_signalling_until_it_changes():
    inputs = province(_copy(3))
    out = found(inputs)
    row = out[out["signal"] == "copy_forward"].iloc[0]
    verified = pd.DataFrame([{"unit_code": row["unit_code"], "period": LAST, "subject": row["subject"], "signal": row["signal"],
                              "status": "verified", "value_key": row["value_key"]}])
    assert ("C03", row["subject"], "copy_forward") not in keys(settle(out, verified))
    # The unit sends the same figure a fourth month: a different month, a different figure to verify.
    changed = verified.assign(value_key="1499")
    assert ("C03", row["subject"], "copy_forward") in keys(settle(out, changed))
    # Under verification (not yet verified): still signalled, with its status shown.
    asked = verified.assign(status="correction_requested", created_by="can_bo", created_at=NOW, note="")
    shown = with_status(settle(out, asked), asked)
    assert shown.loc[shown["signal"] == "copy_forward", "status"].iloc[0] == "correction_requested"


# --- the sentences -------------------------------------------------------------------------------------------


def test_every_signal_reads_as_one_sentence_in_both_languages():
    cases = [_inflate(3.4), _pin(3), _copy(3), _round(3), _stock_fall(500), _stock_jump(0.8), _peer(0.95), _jump(0.7)]

    def everything(unit, period, v):
        for edit in cases[:1]:
            edit(unit, period, v)
    seen = set()
    for edit in cases:
        out = found(province(edit))
        for row in out.itertuples(index=False):
            seen.add(row.signal)
            for lang in ("vi", "en"):
                text = sentence(row, REGISTRY, lang)
                assert text.endswith(".") and "{" not in text and "nan" not in text.lower()
                assert impact_sentence(row, REGISTRY, lang)
    assert {"history_outlier", "pinned_rate", "copy_forward", "round_figures", "stock_fall", "stock_jump", "peer_outlier",
            "jump_to_target"} <= seen
    row = found(province(_inflate(3.4))).iloc[0]
    inflated = found(province(_inflate(3.4)))
    text = sentence(inflated[inflated["subject"] == "dossiers_received"].iloc[0], REGISTRY, "vi")
    assert text.startswith("Tổng số hồ sơ TTHC tiếp nhận: ") and "tăng" in text and "so với trung vị 12 tháng trước" in text
    assert row is not None


# --- the sample province ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_inputs():
    """The sample province's figures as the generator makes them (the same figures the loaders store)."""
    units = pd.DataFrame([dataclasses.asdict(u) | {"level": u.level} for u in nghe_an_units()])
    returns = generate()
    values = pd.DataFrame([(r.unit_code, r.period, e, v, k) for k, r in enumerate(returns) for e, v in r.values.items()],
                          columns=["unit_code", "period", "element_code", "value", "submission_id"])
    return Inputs(units=units, values=values, registry=REGISTRY, province_code="40")


PLANTED_FOUND = [
    (PLANTED["inflated_month"]["period"], PLANTED["inflated_month"]["unit"], "dossiers_received", "history_outlier"),
    (PLANTED["copy_forward"]["last"], PLANTED["copy_forward"]["unit"], "social_beneficiaries", "copy_forward"),
    (PLANTED["copy_forward"]["last"], PLANTED["copy_forward"]["unit"], "social_paid_noncash", "copy_forward"),
    (PLANTED["pinned_rate"]["first"], PLANTED["pinned_rate"]["unit"], "result_digitization_rate", "jump_to_target"),
    (PLANTED["pinned_rate"]["last"], PLANTED["pinned_rate"]["unit"], "result_digitization_rate", "pinned_rate"),
    (PLANTED["round_figures"]["period"], PLANTED["round_figures"]["unit"], "*", "round_figures"),
]


@pytest.mark.parametrize("period, unit, subject, signal", PLANTED_FOUND)
def test_the_sample_s_planted_anomalies_are_all_found(sample_inputs, period, unit, subject, signal):
    out = signals(sample_inputs, period)
    assert (unit, subject, signal) in keys(out)
    strong = out[out["strength"] == "strong"]
    # ... near the top of the month's list: within the first five units raised
    assert unit in list(dict.fromkeys(strong["unit_code"]))[:5]


def test_the_sample_s_inflated_month_reads_as_the_issue_says(sample_inputs):
    p = PLANTED["inflated_month"]
    out = signals(sample_inputs, p["period"], unit=p["unit"])
    row = out[out["subject"] == "dossiers_received"].iloc[0]
    assert row["value"] / row["expected"] - 1 > 2.0  # more than tripled
    assert sentence(row, REGISTRY, "vi").startswith("Tổng số hồ sơ TTHC tiếp nhận: 5.321, tăng 2")


def test_on_10_2026_no_more_than_5_percent_of_the_sample_s_unit_months_signal(sample_inputs):
    out = signals(sample_inputs, "2026-10")
    flagged, reported = signal_share(out, sample_inputs, "2026-10")
    assert reported > 130
    assert flagged / reported <= 0.05, out[["unit_code", "subject", "signal"]].to_string()


def test_the_sample_s_mergers_raise_nothing(sample_inputs):
    """Departments absorbing others (03/2025) and Vinh absorbing Cửa Lò (12/2024) are not anomalies."""
    units = sample_inputs.units
    absorbing = set(units.loc[units["successor_code"].notna() & (units["level"] != "district") | (units["code"] == "413"),
                              "successor_code"].dropna())
    assert {"412", "40-SXD", "40-STC"} <= absorbing
    for period in ("2024-12", "2025-01", "2025-03", "2025-04", "2025-07", "2025-12"):
        out = signals(sample_inputs, period)
        assert not absorbing & set(out["unit_code"]), (period, out[["unit_code", "subject", "signal"]].to_string())


def test_settings_are_read_and_checked():
    cfg = AnomalyConfig.from_settings({"anomaly_history_z": 7.5})
    assert cfg.history_z == 7.5 and cfg.copy_months == 3
    with pytest.raises(ValueError, match="anomaly_copy_months"):
        AnomalyConfig.from_settings({"anomaly_copy_months": 1})


# --- the verify workflow: rights and audit (SQLite and PostgreSQL) ------------------------------------------


def test_the_verify_workflow_is_the_standing_agency_s_and_audited(engine):
    from services import verification
    from storage.submissions import record_submission

    unit, period = "16681", "2026-09"
    sent = dataclasses.replace(submission(unit, period, 1000), received_at=NOW - dt.timedelta(days=1))
    first = record_submission(engine, sent).submission_id
    standing, leader = actor("standing"), actor("leader")
    verification.record(engine, standing, unit, period, "dossiers_received", "history_outlier", "to_verify",
                        value_key="1000", submission_id=first, now=NOW)
    asked = verification.record(engine, standing, unit, period, "dossiers_received", "history_outlier", "correction_requested",
                                value_key="1000", submission_id=first, note="Gọi điện cho văn phòng UBND phường",
                                now=NOW + dt.timedelta(minutes=5))
    events = audit_rows(engine)
    mine = events[(events["action"] == "verify_figures") & (events["outcome"] == "ok")]
    assert len(mine) == 2 and json.loads(mine.iloc[-1]["detail"])["status"] == "correction_requested"

    # Leaders read the review and change nothing; a viewer and a submitter may not even read it.
    assert len(verification.history(engine, leader, period)) == 2
    with pytest.raises(Refused):
        verification.record(engine, leader, unit, period, "dossiers_received", "history_outlier", "verified", now=NOW)
    for role in ("viewer", "submitter"):
        with pytest.raises(Refused):
            verification.history(engine, actor(role, units=[unit]), period)
    last = audit_rows(engine).iloc[-1]
    assert (last["username"], last["action"], last["outcome"]) == ("test_submitter", "view_followups", "refused")
    assert len(verification.history(engine, standing, period)) == 2
    with pytest.raises(Invalid):
        verification.record(engine, standing, unit, period, "dossiers_received", "history_outlier", "done", now=NOW)

    # The correction request is linked to the unit's next submission for the month once it arrives.
    now = verification.current(engine, standing, period)
    assert now.iloc[0]["id"] == asked and now.iloc[0]["resubmission_id"] is None
    resent = dataclasses.replace(submission(unit, period, 1200, tag="b"), received_at=NOW + dt.timedelta(hours=2))
    second = record_submission(engine, resent).submission_id
    now = verification.current(engine, standing, period)
    assert now.iloc[0]["resubmission_id"] == second


# --- the CLI ---------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_cli_lists_the_sample_s_signals_as_strict_json(sample_url):
    def run(*args):
        return subprocess.run([sys.executable, "cli.py", "--database-url", sample_url, "anomalies", *args],
                              capture_output=True, text=True, timeout=300)

    done = run("--period", "2026-10", "--json")
    assert done.returncode == 0, done.stderr

    def strict(token):
        raise ValueError(token)

    data = json.loads(done.stdout, parse_constant=strict)
    assert data["units_signalled"] / data["units_reported"] <= 0.05
    got = {(s["unit_code"], s["subject"], s["signal"]) for s in data["signals"]}
    assert (PLANTED["pinned_rate"]["unit"], "result_digitization_rate", "pinned_rate") in got
    assert all(s["text"] and s["submission_id"] for s in data["signals"])
    one = run("--period", PLANTED["inflated_month"]["period"], "--unit", PLANTED["inflated_month"]["unit"])
    assert one.returncode == 0 and "tăng" in one.stdout
    bad = run("--period", "2026-13")
    assert bad.returncode == 1 and bad.stderr


# --- at upload time: warnings before Confirm, never refusals ---------------------------------------------------


def test_an_upload_far_from_the_unit_s_history_is_warned_of_before_confirm_and_still_accepted(engine):
    from services import submissions
    from storage.submissions import SubmissionIn, ValueIn, record_submission

    unit = "16681"
    history = periods.span("2025-09", "2026-08")
    for k, period in enumerate(history):
        received = 1000 + 10 * (k % 4)
        values = [ValueIn(unit, period, "dossiers_received", received), ValueIn(unit, period, "dossiers_received_online", 800),
                  ValueIn(unit, period, "social_beneficiaries", 1500), ValueIn(unit, period, "social_paid_noncash", 1400 + k)]
        record_submission(engine, SubmissionIn("locality", f"h{period}.csv", f"{period}".encode(), "someone", values,
                                               received_at=dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(days=k)))

    def upload(received):
        rows = [("dossiers_received", received), ("dossiers_received_online", 800), ("social_beneficiaries", 1500),
                ("social_paid_noncash", 1500)]
        text = "unit_code,period,element,value\n" + "".join(f"{unit},2026-09,{e},{v}\n" for e, v in rows)
        return submissions.check_upload(engine, actor("admin"), [(f"{unit}_{received}.csv", text.encode())], now=NOW)

    report = upload(3400)
    outcome = report.files[0]
    assert outcome.status == "accepted"
    by_code = {(p.code, p.element): p for p in outcome.warnings}
    assert ("anomaly_copy_forward", "social_beneficiaries") in by_code
    inflated = by_code[("anomaly_history", "dossiers_received")]
    words = inflated.message("vi")
    assert "'Tổng số hồ sơ TTHC tiếp nhận' là 3.400, tăng 235%" in words and "so với trung vị 12 tháng trước (1.015)" in words
    assert " up " in inflated.message("en") and inflated.hint("vi").startswith("Kiểm tra lại")
    # ... and the online rate it drags down, located at its numerator
    assert "thấp hơn" in by_code[("anomaly_history", "dossiers_received_online")].message("vi")
    # The near-miss: an ordinary month says nothing of history.
    ordinary = upload(1030).files[0]
    assert "anomaly_history" not in {p.code for p in ordinary.warnings} and ordinary.status == "accepted"


# --- the review page (headless) ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_review_page_lists_the_month_and_the_agency_verifies_a_figure(monkeypatch, sample_copy_url):
    from streamlit.testing.v1 import AppTest

    from services import verification
    from services.permissions import Actor
    from storage.db import make_engine
    from testkit.project import APP

    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    engine = make_engine(sample_copy_url)
    standing, leader = Actor("can_bo.ct", "standing", frozenset(), "Tổ Đề án 06"), Actor("lanh.dao", "leader")

    def open_review(who):
        at = AppTest.from_file(APP, default_timeout=300)
        at.session_state["actor"] = who
        at.query_params["period"] = "2026-10"
        at.switch_page("pages/review.py").run()
        assert not at.exception, at.exception
        return at

    at = open_review(leader)
    assert at.info[0].value.startswith("Bạn chỉ xem")
    assert not [b for b in at.button if b.label == "Ghi nhận"]  # no form for a leader
    at = open_review(standing)
    table = at.dataframe[0].value
    pinned = PLANTED["pinned_rate"]["unit"]
    assert table.iloc[0]["Đơn vị"].endswith(f"({pinned})") and table.iloc[0]["Xác minh"] == "Chưa xử lý"
    assert any(m.value.startswith("Tỷ lệ số hóa kết quả giải quyết TTHC đứng đúng 100 %") or
               "đứng đúng 100 %" in m.value for m in at.markdown)
    at.radio(key="review_status_0").set_value("verified")
    at.text_area(key="review_note_0").input("Xã xác nhận: toàn bộ kết quả được số hóa từ 06/2026")
    [b for b in at.button if b.label == "Ghi nhận"][0].click().run()
    assert not at.exception
    assert at.success[0].value == "Đã ghi nhận: Đã xác minh đúng."
    rows = verification.history(engine, standing, "2026-10")
    assert list(rows[["unit_code", "status", "created_by"]].iloc[0]) == [pinned, "verified", "can_bo.ct"]
    # Verified as correct: it no longer signals (until its figures change).
    assert not at.dataframe[0].value["Đơn vị"].str.endswith(f"({pinned})").any()
    events = audit_rows(engine)
    assert ((events["action"] == "verify_figures") & (events["username"] == "can_bo.ct")).sum() == 1
    engine.dispose()


# --- the report: an annex of figures under verification, ⚠ where they are ranked -----------------------------


def test_the_report_lists_figures_under_verification_and_marks_them_where_ranked(sample_inputs):
    import io

    import openpyxl

    from reports.pack import build_pack

    pinned, copied = PLANTED["pinned_rate"]["unit"], PLANTED["copy_forward"]["unit"]
    at = dt.datetime(2026, 11, 10, 3, tzinfo=UTC)
    steps = pd.DataFrame([
        (1, pinned, "2026-10", "result_digitization_rate", "pinned_rate", "correction_requested", "887/887", None,
         "Đã gọi điện cho xã", "can_bo.ct", at),
        (2, copied, "2026-10", "social_beneficiaries", "copy_forward", "verified", "1489", None, "", "can_bo.ct", at),
    ], columns=["id", "unit_code", "period", "subject", "signal", "status", "value_key", "submission_id", "note",
                "created_by", "created_at"])
    pack = build_pack(sample_inputs, "2026-10", "vi", verifications=steps, as_of=at)
    wb = openpyxl.load_workbook(io.BytesIO(pack.xlsx))
    annex = [[c for c in row if c is not None] for row in wb["Đang xác minh"].iter_rows(values_only=True)]
    listed = [row for row in annex if row and row[0] in (pinned, copied)]
    assert len(listed) == 1 and listed[0][0] == pinned  # the verified one is not under verification
    assert "đứng đúng 100 % suốt 5 tháng liền" in listed[0][4] and listed[0][5] == "Đã yêu cầu sửa"
    ranking = [row[2] for row in wb["05 Số hóa kết quả"].iter_rows(values_only=True) if row[1] == pinned]
    assert ranking == ["Xã Quỳnh Thắng ⚠"]
    other = [row[2] for row in wb["10 An sinh không dùng tiền mặt"].iter_rows(values_only=True) if row[1] == pinned]
    assert other == ["Xã Quỳnh Thắng"]  # marked only where the figure enters
    without = build_pack(sample_inputs, "2026-10", "vi", as_of=at)
    assert "Đang xác minh" not in openpyxl.load_workbook(io.BytesIO(without.xlsx)).sheetnames


def test_the_weak_list_marks_a_unit_whose_figure_is_under_verification(monkeypatch, sample_copy_url):
    """Issue 19: a figure under verification is marked wherever it is ranked, the weak list included."""
    from streamlit.testing.v1 import AppTest

    from services import verification
    from services.permissions import Actor
    from storage import frames
    from storage.db import make_engine
    from testkit.project import APP

    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    engine = make_engine(sample_copy_url)
    standing = Actor("can_bo.ct", "standing", frozenset(), "Tổ Đề án 06")

    def weak_list():
        at = AppTest.from_file(APP, default_timeout=300)
        at.session_state["actor"] = standing
        at.query_params["period"] = "2026-10"
        at.switch_page("pages/weak.py").run()
        assert not at.exception, at.exception
        return at, list(at.dataframe[0].value.iloc[:, 0])

    _, before = weak_list()
    assert before and not any("⚠" in n for n in before)
    first = before[0].split(". ", 1)[1]
    units = frames.load_units(engine)
    code = units.loc[units["name_vi"] == first, "code"].iloc[0]
    verification.record(engine, standing, code, "2026-10", "dossiers_received", "history_outlier", "to_verify")
    at, after = weak_list()
    assert after[0] == f"{before[0]} ⚠" and sum("⚠" in n for n in after) == 1
    assert any("số liệu đang được cơ quan thường trực xác minh" in c.value for c in at.caption)
    engine.dispose()
