"""The services behind the administrator's and the standing agency's pages: settings (checked, all or
nothing, audited), setting up another province, the lineage of a unit's month down to the original file;
and which follow-up a flag shows (presentation/flags.py, pure)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from sqlalchemy import func, select

from domain.errors import Invalid, Refused
from presentation import flags
from services import lineage, settings, units
from storage import frames, models
from storage.submissions import SubmissionIn, ValueIn, record_submission
from tests.access_helpers import NOW, actor, audit_rows, fast_hashing, snapshot  # noqa: F401 - autouse fixture

ADMIN = actor("admin")


# --- settings -----------------------------------------------------------------------------------------


def test_a_setting_is_changed_audited_and_read_back_with_who_and_when(engine):
    version = frames.data_version(engine)
    assert settings.change(engine, ADMIN, {"deadline_day": "7", "weak_gap_pp": 12.5}, now=NOW) == ["deadline_day", "weak_gap_pp"]
    assert frames.settings(engine)["deadline_day"] == 7 and frames.settings(engine)["weak_gap_pp"] == 12.5
    assert frames.data_version(engine) > version
    row = settings.stored(engine).set_index("key").loc["deadline_day"]
    assert (row["value"], row["default"], row["changed"], row["updated_by"]) == (7, 5, True, "test_admin")
    events = audit_rows(engine)
    changes = [json.loads(d) for d in events.loc[events["action"] == "configure", "detail"]]
    assert {(c["key"], c["before"], c["after"]) for c in changes} == {("deadline_day", 5, 7), ("weak_gap_pp", 10.0, 12.5)}


def test_the_same_value_again_changes_nothing_and_the_default_is_no_override(engine):
    settings.change(engine, ADMIN, {"deadline_day": 7}, now=NOW)
    assert settings.change(engine, ADMIN, {"deadline_day": 7.0}, now=NOW) == []
    assert settings.reset(engine, ADMIN, ["deadline_day"], now=NOW) == ["deadline_day"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(models.Setting)).scalar() == 0
    assert bool(settings.stored(engine).set_index("key").at["deadline_day", "changed"]) is False


@pytest.mark.parametrize("changes, key, words", [
    ({"deadline_day": 40}, "access.settings.bad_int", "Ngày hạn nộp số liệu: \"40\" không hợp lệ — cần một số nguyên từ 1 đến 28."),
    ({"deadline_day": 7.5}, "access.settings.bad_int", "cần một số nguyên từ 1 đến 28"),
    ({"weak_gap_pp": "nhiều"}, "access.settings.bad_number", "cần một số từ 0 đến 100"),
    ({"weak_severity_medium": 12}, "access.settings.severity_order", "Ngưỡng mức Trung bình (12 điểm) không được cao hơn ngưỡng mức Cao (10 điểm)."),
    ({"weak_rule_points": {"missing": -1}}, "access.settings.bad_points", "điểm của lý do \"missing\" phải là số nguyên"),
    ({"weak_rule_points": {"absent": 1}}, "access.settings.bad_rule", "không có lý do \"absent\""),
    ({"no_such_setting": 1}, "access.settings.unknown", "Không có thiết lập \"no_such_setting\"."),
])
def test_a_wrong_value_is_refused_with_its_name_and_nothing_is_written(engine, changes, key, words):
    before = snapshot(engine)
    with pytest.raises(Invalid) as refused:
        settings.change(engine, ADMIN, {"deadline_day": 9, **changes}, now=NOW)
    assert refused.value.key == key
    assert words in refused.value.message("vi")
    assert refused.value.message("en") != refused.value.message("vi")
    assert snapshot(engine) == before  # the valid deadline_day of the same call was not written either


@pytest.mark.parametrize("role", ["leader", "standing", "submitter", "viewer"])
def test_only_an_administrator_changes_settings(engine, role):
    before = snapshot(engine)
    with pytest.raises(Refused):
        settings.change(engine, actor(role, units=["16681"] if role == "submitter" else ()), {"deadline_day": 7}, now=NOW)
    assert snapshot(engine) == before
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], last["outcome"]) == ("configure", "refused")


def test_every_declared_setting_has_a_name_in_both_languages():
    import i18n
    from domain import settings as specs

    for key in specs.SPECS:
        assert i18n.has(f"access.settings.name.{key}"), key
        assert settings.name(key, "vi") != settings.name(key, "en"), key


# --- another province ---------------------------------------------------------------------------------


def test_another_province_is_set_up_with_progress_and_audited(engine):
    seen = []
    result = units.import_province(engine, ADMIN, "12", progress=lambda done, total: seen.append((done, total)), now=NOW)
    assert (result["province"], result["name_vi"], result["communes"]) == ("12", "Tỉnh Lai Châu", 38)
    # Its history too: not merged in 2025 (no former province), its 8 district-level units until 30/06/2025;
    # six communes formed across former districts are listed for review, with the district they count in.
    assert result["former_provinces"] == [] and result["district_units"] == 8
    assert {r["reason"] for r in result["review"]} == {"several_former_units"} and len(result["review"]) == 6
    assert seen[0] == (1, 47) and seen[-1] == (47, 47) and len(seen) > 2
    got = frames.load_units(engine, "12")
    assert len(got) == 47 and set(got["level"]) == {"province", "district", "commune"}
    communes = got[got["level"] == "commune"]
    assert communes["former_unit_code"].isin(got.loc[got["level"] == "district", "code"]).all()
    targets = frames.load_targets(engine)
    assert len(targets[targets["unit_code"] == "12"]) == len(targets[targets["unit_code"] == "40"])
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], last["target"], last["outcome"]) == ("configure", "province/12", "ok")
    assert "12" in units.provinces_in_database(engine)


@pytest.mark.parametrize("code, key", [("40", "access.units.province_exists"), ("99", "access.units.unknown_province")])
def test_a_province_held_already_or_unknown_is_refused(engine, code, key):
    before = snapshot(engine)
    with pytest.raises(Invalid) as refused:
        units.import_province(engine, ADMIN, code, now=NOW)
    assert refused.value.key == key
    assert snapshot(engine) == before


def test_the_package_lists_34_provinces():
    listed = units.available_provinces()
    assert len(listed) == 34 and ("40", "Nghệ An") in listed


# --- lineage ------------------------------------------------------------------------------------------


def _file(name: str, values: dict[str, int], who: str, at: dt.datetime, unit="16681", period="2026-09") -> SubmissionIn:
    content = (name + json.dumps(values)).encode()
    return SubmissionIn("locality", name, content, who, [ValueIn(unit, period, k, v) for k, v in values.items()],
                        received_at=at)


def test_lineage_names_each_figures_file_and_every_replaced_value(engine):
    first = record_submission(engine, _file("thanh_vinh_t9.xlsx", {"dossiers_received": 1000, "dossiers_received_online": 600},
                                            "ubnd.thanhvinh", NOW - dt.timedelta(days=3)))
    second = record_submission(engine, _file("thanh_vinh_t9_sua.xlsx", {"dossiers_received_online": 650},
                                             "ubnd.thanhvinh2", NOW - dt.timedelta(days=1)))
    trace = lineage.lineage(engine, actor("viewer"), "16681", "2026-09", now=NOW)
    values = trace.values.set_index("element_code")
    assert list(trace.values["element_code"]) == ["dossiers_received", "dossiers_received_online"]  # registry order
    assert values.loc["dossiers_received", ["value", "filename", "submitted_by"]].tolist() == [1000, "thanh_vinh_t9.xlsx", "ubnd.thanhvinh"]
    assert values.loc["dossiers_received_online", ["value", "filename", "n_revisions"]].tolist() == [650, "thanh_vinh_t9_sua.xlsx", 1]
    revision = trace.revisions.iloc[0]
    assert (revision["old_value"], revision["new_value"], revision["old_filename"], revision["new_filename"], revision["replaced_by"]) == (
        600, 650, "thanh_vinh_t9.xlsx", "thanh_vinh_t9_sua.xlsx", "ubnd.thanhvinh2")
    files = trace.submissions.set_index("id")
    assert files.loc[second.submission_id, ["current_values", "replaced_values"]].tolist() == [1, 0]
    assert files.loc[first.submission_id, ["current_values", "replaced_values"]].tolist() == [1, 1]
    assert list(trace.submissions["id"]) == [second.submission_id, first.submission_id]  # newest first


def test_the_original_file_is_an_audited_export(engine):
    stored = record_submission(engine, _file("t9.xlsx", {"dossiers_received": 10}, "ubnd.thanhvinh", NOW))
    original = lineage.original_file(engine, actor("standing"), stored.submission_id, now=NOW)
    assert original.content == b't9.xlsx{"dossiers_received": 10}' and original.filename == "t9.xlsx"
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], last["outcome"], last["username"]) == ("export", "ok", "test_standing")
    assert json.loads(last["detail"])["sha256"] == original.sha256
    with pytest.raises(Refused):
        lineage.original_file(engine, actor("leader"), stored.submission_id, now=NOW)
    with pytest.raises(Invalid):
        lineage.original_file(engine, ADMIN, 999_999, now=NOW)


def test_a_submitter_sees_the_lineage_of_their_own_units_only(engine):
    record_submission(engine, _file("t9.xlsx", {"dossiers_received": 10}, "x", NOW, unit="16690"))
    with pytest.raises(Refused):
        lineage.lineage(engine, actor("submitter", units=["16681"]), "16690", "2026-09", now=NOW)
    assert lineage.lineage(engine, actor("submitter", units=["16690"]), "16690", "2026-09", now=NOW).values["value"].tolist() == [10]


# --- which follow-up a flag shows ---------------------------------------------------------------------


def _history(rows):
    frame = pd.DataFrame(rows, columns=["unit_code", "period", "status", "created_at"])
    return frame.assign(id=range(1, len(frame) + 1), note="", created_by="test_standing")


def test_a_flag_shows_the_latest_followup_of_its_current_run_only():
    at = pd.Timestamp("2026-11-10", tz="UTC")
    history = _history([
        ("A", "2026-05", "resolved", at - pd.Timedelta(days=150)),  # before A's run: no longer applies
        ("B", "2026-09", "notified", at - pd.Timedelta(days=40)),
        ("B", "2026-10", "improving", at),
        ("C", "2026-08", "notified", at - pd.Timedelta(days=60)),  # C's run started in 09/2026
    ])
    flagged = pd.DataFrame({"unit_code": ["A", "B", "C"], "months_flagged": [3, 2, 2]})
    shown = flags.run_followups(history, flagged, "2026-10")
    assert shown["followup_status"].to_dict() == {"B": "improving"}
    board = flags.board(flagged.assign(level="commune"), pd.DataFrame({
        "code": ["A", "B", "C"], "name_vi": ["a", "b", "c"], "name_en": ["a", "b", "c"], "province_code": "40"}), shown, "2026-10")
    assert board.set_index("unit_code")["followup_status"].to_dict() == {"A": "open", "B": "improving", "C": "open"}
    assert board.set_index("unit_code")["since"].to_dict() == {"A": "2026-08", "B": "2026-09", "C": "2026-09"}
