"""The follow-up queue (issue 12): statuses Chưa nhắc nhở → Đã nhắc nhở → Đang khắc phục → Đã khắc phục (or Không
chuyển biến), due date, reminder letter, cause; the responsible leader per unit; overdue follow-ups; rights
(leaders read only) and the audit trail; the monthly report's counts."""

from __future__ import annotations

import datetime as dt

import pytest

from domain.errors import Invalid, Refused
from services import followups
from tests.access_helpers import (  # noqa: F401
    NOW,
    OPEN_PERIOD,
    OTHER_UNIT,
    OWN_UNIT,
    actor,
    audit_rows,
    fast_hashing,
)
from tests.test_pages_agency import sample  # noqa: F401 - the sample province fixture

STANDING = actor("standing")
LEADER = actor("leader")


def test_a_flag_goes_through_its_statuses_with_letter_due_date_and_cause(engine):
    steps = [
        ("open", {}),
        ("notified", {"letter_no": "123/CAT-PV06", "letter_date": dt.date(2026, 10, 5), "due_date": dt.date(2026, 11, 5)}),
        ("improving", {"cause": "no_smartphone", "cause_text": "Nhiều hộ ở bản xa chưa có điện thoại thông minh"}),
        ("resolved", {}),
    ]
    for k, (status, extra) in enumerate(steps):
        followups.add_followup(engine, STANDING, OTHER_UNIT, OPEN_PERIOD, status, f"bước {k}", now=NOW + dt.timedelta(days=k), **extra)
    rows = followups.history(engine, STANDING, unit_code=OTHER_UNIT)
    assert list(rows["status"]) == ["open", "notified", "improving", "resolved"]
    assert rows.iloc[1]["letter_no"] == "123/CAT-PV06" and rows.iloc[1]["due_date"] == dt.date(2026, 11, 5)
    assert rows.iloc[2]["cause"] == "no_smartphone"
    queue = followups.queue(rows, dt.date(2026, 12, 1))
    assert queue.iloc[0]["status"] == "resolved" and bool(queue.iloc[0]["closed"]) and not queue.iloc[0]["overdue"]
    events = audit_rows(engine)
    mine = events[(events["action"] == "manage_flags") & (events["username"] == STANDING.username)]
    assert len(mine) == 4 and (mine["outcome"] == "ok").all()
    assert "123/CAT-PV06" in " ".join(mine["detail"].astype(str))


def test_an_open_follow_up_past_its_due_date_is_overdue_and_comes_first(engine):
    followups.add_followup(engine, STANDING, OWN_UNIT, OPEN_PERIOD, "notified", due_date=dt.date(2026, 11, 5), now=NOW)
    followups.add_followup(engine, STANDING, OTHER_UNIT, OPEN_PERIOD, "notified", due_date=dt.date(2026, 12, 5), now=NOW)
    queue = followups.queue(followups.history(engine, STANDING), dt.date(2026, 11, 20))
    assert list(queue["unit_code"]) == [OWN_UNIT, OTHER_UNIT]
    assert list(queue["overdue"]) == [True, False]
    followups.add_followup(engine, STANDING, OWN_UNIT, OPEN_PERIOD, "no_change", "Không chuyển biến sau nhắc nhở",
                           now=NOW + dt.timedelta(days=50))
    queue = followups.queue(followups.history(engine, STANDING), dt.date(2026, 11, 20))
    assert not queue.set_index("unit_code").loc[OWN_UNIT, "overdue"]  # closed: no longer overdue
    report = followups.summary(followups.history(engine, STANDING), OPEN_PERIOD, dt.date(2026, 12, 20))
    assert report["opened"] == 2 and report["closed"] == 1 and report["overdue"] == [OTHER_UNIT]


def test_leaders_read_the_queue_but_may_not_change_it_and_the_refusal_is_audited(engine):
    followups.add_followup(engine, STANDING, OTHER_UNIT, OPEN_PERIOD, "open", now=NOW)
    assert len(followups.history(engine, LEADER)) == 1
    with pytest.raises(Refused):
        followups.add_followup(engine, LEADER, OTHER_UNIT, OPEN_PERIOD, "resolved", now=NOW)
    with pytest.raises(Refused):
        followups.set_unit_leader(engine, LEADER, OTHER_UNIT, "Nguyễn Văn A", "Chủ tịch UBND phường", now=NOW)
    last = audit_rows(engine).iloc[-1]
    assert (last["username"], last["action"], last["outcome"]) == (LEADER.username, "manage_flags", "refused")
    assert list(followups.history(engine, STANDING)["status"]) == ["open"]


def test_the_responsible_leader_is_kept_per_unit_and_editable(engine):
    followups.set_unit_leader(engine, STANDING, OTHER_UNIT, "Nguyễn Văn A", "Chủ tịch UBND phường", now=NOW)
    followups.set_unit_leader(engine, STANDING, OTHER_UNIT, "Trần Thị B", "Phó Chủ tịch UBND phường", now=NOW)
    leaders = followups.unit_leaders(engine, LEADER)
    assert leaders[["unit_code", "name", "position"]].values.tolist() == [[OTHER_UNIT, "Trần Thị B", "Phó Chủ tịch UBND phường"]]
    events = audit_rows(engine)
    assert (events["target"] == f"leader/{OTHER_UNIT}").sum() == 2


@pytest.mark.parametrize("kwargs, key", [
    ({"cause": "weather"}, "followup.bad_cause"),
    ({"letter_no": "x" * 61}, "followup.letter_no_too_long"),
    ({"status": "closed"}, "access.followups.bad_status"),
])
def test_bad_input_is_refused_with_its_reason_and_nothing_is_written(engine, kwargs, key):
    kwargs = dict(kwargs)
    status = kwargs.pop("status", "open")
    with pytest.raises(Invalid) as err:
        followups.add_followup(engine, STANDING, OTHER_UNIT, OPEN_PERIOD, status, now=NOW, **kwargs)
    assert err.value.key == key
    assert followups.history(engine, STANDING).empty
    with pytest.raises(Invalid):
        followups.set_unit_leader(engine, STANDING, OTHER_UNIT, "  ", now=NOW)


def test_the_monthly_report_counts_follow_ups_names_the_overdue_and_sums_causes(engine):
    from reports.content import ReportContent, _followup_summary
    from reports.wording import _followup_points

    followups.add_followup(engine, STANDING, OWN_UNIT, OPEN_PERIOD, "notified", due_date=dt.date(2026, 10, 20),
                           cause="network", now=NOW)
    followups.add_followup(engine, STANDING, OTHER_UNIT, OPEN_PERIOD, "resolved", cause="network", now=NOW)
    summary = _followup_summary(followups.current(engine, STANDING), OPEN_PERIOD, dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc), 7)
    assert summary == {"opened": 2, "closed": 1, "overdue": [OWN_UNIT], "causes": {"network": 2}}
    content = ReportContent.__new__(ReportContent)
    object.__setattr__(content, "lang", "vi")
    object.__setattr__(content, "followup_summary", summary)
    object.__setattr__(content, "unit_names", {OWN_UNIT: "Phường Thành Vinh"})
    points = [p.text for p in _followup_points(content)]
    assert points == [
        "Theo dõi, đôn đốc: 2 đơn vị được nêu và theo dõi trong tháng, 1 đã đóng (khắc phục hoặc không chuyển biến), "
        "1 quá hạn khắc phục (Phường Thành Vinh).",
        "Nguyên nhân các đơn vị báo cáo: hạ tầng, vùng phủ sóng mạng (2).",
    ]


@pytest.mark.slow
def test_on_the_page_a_follow_up_with_a_past_due_date_stands_out_and_a_leader_reads_it(sample):  # noqa: F811
    from tests.test_pages_agency import LEADER as PAGE_LEADER
    from tests.test_pages_agency import STANDING as PAGE_STANDING
    from tests.test_pages_agency import open_page, submit_buttons

    at = open_page("pages/weak.py", PAGE_STANDING)
    at.date_input(key="weak_due").set_value(dt.date(2026, 11, 1))
    at.text_input(key="weak_letter_no").input("45/CAT-PV06")
    at.selectbox(key="weak_cause").set_value("network")
    submit_buttons(at, "Lưu")[0].click().run()
    assert not at.exception
    queue = next(df for df in at.dataframe if "Hạn khắc phục" in df.value.columns).value
    assert queue.iloc[0]["Hạn khắc phục"] == "⚠ Quá hạn · 01/11/2026"
    assert queue.iloc[0]["Công văn nhắc nhở"].startswith("Số 45/CAT-PV06")
    assert queue.iloc[0]["Nguyên nhân"] == "Hạ tầng, vùng phủ sóng mạng"
    leader = open_page("pages/weak.py", PAGE_LEADER)
    assert any("Hạn khắc phục" in df.value.columns for df in leader.dataframe)
    assert not [b for b in leader.get("popover")]  # no editing of the responsible leader
