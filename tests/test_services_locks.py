"""Period locking: a month locks by itself some days after its deadline and when its report is
published; only an administrator unlocks it, with a reason; a locked month refuses submissions."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from domain.errors import Invalid, Refused
from services import locks, submissions
from services.lock_state import is_locked, lock_state
from storage import models
from storage.submissions import record_submission
from tests.access_helpers import (  # noqa: F401 - fast_hashing is an autouse fixture
    LOCKED_PERIOD,
    NOW,
    OPEN_PERIOD,
    OWN_UNIT,
    actor,
    audit_rows,
    fast_hashing,
    set_setting,
    snapshot,
    submission,
)

ADMIN, STANDING, SUBMITTER = actor("admin"), actor("standing"), actor("submitter", [OWN_UNIT])
D = dt.date


@pytest.mark.parametrize("deadline_day, lock_after_days, last_open_day", [
    (5, 10, D(2026, 10, 15)),  # defaults: due 05/10, open through 15/10
    (5, 0, D(2026, 10, 5)),  # locks the day after the deadline
    (10, 3, D(2026, 10, 13)),
    (28, 30, D(2026, 11, 27)),
])
def test_a_month_locks_by_itself_n_days_after_its_deadline(engine, deadline_day, lock_after_days, last_open_day):
    set_setting(engine, "deadline_day", deadline_day)
    set_setting(engine, "lock_after_days", lock_after_days)
    assert not is_locked(engine, OPEN_PERIOD, today=last_open_day)
    assert lock_state(engine, OPEN_PERIOD, today=last_open_day).locks_on == last_open_day + dt.timedelta(days=1)
    assert is_locked(engine, OPEN_PERIOD, today=last_open_day + dt.timedelta(days=1))
    assert lock_state(engine, OPEN_PERIOD, today=last_open_day + dt.timedelta(days=1)).kind == "auto"


def test_the_local_day_decides_not_the_utc_day(engine):
    # 15/10 23:30 in Vietnam is 16:30 UTC on the 15th; 16/10 00:30 in Vietnam is 17:30 UTC on the 15th.
    before = dt.datetime(2026, 10, 15, 16, 30, tzinfo=dt.timezone.utc)
    after = dt.datetime(2026, 10, 15, 17, 30, tzinfo=dt.timezone.utc)
    submissions.submit(engine, SUBMITTER, submission(OWN_UNIT, OPEN_PERIOD), now=before)
    with pytest.raises(Refused) as refused:
        submissions.submit(engine, SUBMITTER, submission(OWN_UNIT, OPEN_PERIOD, 1200), now=after)
    assert refused.value.reason == "locked"


def test_a_locked_month_refuses_a_submission_changes_nothing_and_is_audited(engine):
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        submissions.submit(engine, SUBMITTER, submission(OWN_UNIT, LOCKED_PERIOD), now=NOW)
    assert refused.value.reason == "locked"
    assert "2026-08" in refused.value.message("vi") and "unlock" in refused.value.message("en")
    assert snapshot(engine) == before
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], last["outcome"], last["username"]) == ("submit", "refused", SUBMITTER.username)


@pytest.mark.parametrize("who", [STANDING, actor("leader"), SUBMITTER, actor("viewer"), None])
def test_only_an_administrator_unlocks(engine, who):
    before = snapshot(engine)
    with pytest.raises(Refused):
        locks.unlock(engine, who, LOCKED_PERIOD, "Cần sửa số liệu", now=NOW)
    assert snapshot(engine) == before
    assert audit_rows(engine).iloc[-1]["outcome"] == "refused"
    assert is_locked(engine, LOCKED_PERIOD, today=NOW.date())


@pytest.mark.parametrize("reason", ["", "   ", "sửa", None])
def test_unlocking_needs_a_reason(engine, reason):
    before = snapshot(engine)
    with pytest.raises(Invalid) as invalid:
        locks.unlock(engine, ADMIN, LOCKED_PERIOD, reason, now=NOW)
    assert invalid.value.key == "access.locks.reason_required"
    assert snapshot(engine) == before


def test_an_unlocked_month_takes_corrections_then_locks_again_by_itself(engine):
    locks.unlock(engine, ADMIN, LOCKED_PERIOD, "Phường Thành Vinh báo nhầm số hồ sơ", now=NOW)
    state = lock_state(engine, LOCKED_PERIOD, today=NOW.date())
    assert (state.locked, state.kind, state.changed_by) == (False, "unlocked", ADMIN.username)
    assert state.locks_on == D(2026, 10, 14)  # unlocked on 03/10 + 10 days, then locked from the 14th
    result = submissions.submit(engine, SUBMITTER, submission(OWN_UNIT, LOCKED_PERIOD), now=NOW)
    assert result.added == 2
    assert is_locked(engine, LOCKED_PERIOD, today=D(2026, 10, 14))
    row = audit_rows(engine).query("action == 'unlock'").iloc[-1]
    assert "Phường Thành Vinh báo nhầm" in row["detail"] and row["username"] == ADMIN.username


@pytest.mark.parametrize("who", [ADMIN, STANDING])
def test_publishing_locks_the_month(engine, who):
    submissions.submit(engine, SUBMITTER, submission(OWN_UNIT, OPEN_PERIOD), now=NOW)
    locks.publish(engine, who, OPEN_PERIOD, now=NOW)
    assert lock_state(engine, OPEN_PERIOD, today=NOW.date()).kind == "published"
    with pytest.raises(Refused):
        submissions.submit(engine, SUBMITTER, submission(OWN_UNIT, OPEN_PERIOD, 1500), now=NOW)
    with pytest.raises(Refused):  # the administrator too must unlock first
        submissions.submit(engine, ADMIN, submission(OWN_UNIT, OPEN_PERIOD, 1500), now=NOW)
    locks.unlock(engine, ADMIN, OPEN_PERIOD, "Số liệu Thành Vinh cần sửa sau phát hành", now=NOW)
    result = submissions.submit(engine, SUBMITTER, submission(OWN_UNIT, OPEN_PERIOD, 1500), now=NOW)
    assert result.changed == 2
    assert audit_rows(engine).iloc[-1]["action"] == "revise"


def test_a_lock_made_after_the_check_still_refuses_inside_the_write(engine):
    # The lock is checked again inside the writing transaction: simulate a lock that lands between
    # authorisation and the write by calling the write path with the service's check after locking.
    checks = submissions.lock_check(engine, [OPEN_PERIOD], NOW)
    locks.lock(engine, ADMIN, OPEN_PERIOD, "Chốt số liệu để họp giao ban", now=NOW)
    with pytest.raises(Refused):
        record_submission(engine, submission(OWN_UNIT, OPEN_PERIOD), checks=checks)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(models.Submission)).scalar() == 0


@pytest.mark.parametrize("period", ["2026-13", "09/2026", "", "2026-9"])
def test_a_bad_month_is_invalid(engine, period):
    with pytest.raises(Invalid):
        locks.lock(engine, ADMIN, period, "Chốt số liệu", now=NOW)


def test_locking_by_hand_is_for_administrators(engine):
    with pytest.raises(Refused):
        locks.lock(engine, STANDING, OPEN_PERIOD, "Chốt số liệu", now=NOW)
    locks.lock(engine, ADMIN, OPEN_PERIOD, "Chốt số liệu", now=NOW)
    assert lock_state(engine, OPEN_PERIOD, today=NOW.date()).kind == "manual"
