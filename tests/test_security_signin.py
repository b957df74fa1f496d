"""Anyone could lock anyone out (issue 17, item 4): sign-in is throttled per account AND per source. An
anonymous party guessing from other addresses can no longer keep a user out of the address they sign in
from; a source guessing is blocked, longer each time; guessing stays bounded per source and per account
(the account's own lock still holds for every address it never signed in from); the administrator sees
each attempt with its source, each block and each lockout in the audit trail."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from domain.errors import Refused
from services import auth, users
from storage import models
from tests.access_helpers import (  # noqa: F401
    GOOD_PASSWORD,
    NOW,
    actor,
    audit_rows,
    fast_hashing,
    set_setting,
)

ADMIN = actor("admin")
OFFICE = "10.40.1.25"  # where the administrator works
WRONG = "Sai-Mat-Khau-9999"
MIN = dt.timedelta(minutes=1)


def add(engine, name="quan.tri", role="admin"):
    users.add_user(engine, ADMIN, name, role, password=GOOD_PASSWORD, now=NOW)
    return name


def attempt(engine, name, password, source, now) -> bool:
    try:
        auth.sign_in(engine, name, password, source=source, now=now)
        return True
    except Refused:
        return False


def test_an_attack_from_elsewhere_never_keeps_the_user_out_of_their_own_address(engine):
    set_setting(engine, "login_throttle_seconds", 0)  # the attacker reaches the account's lock at once
    name = add(engine)
    assert attempt(engine, name, GOOD_PASSWORD, OFFICE, NOW)  # the admin has worked from the office before
    now = NOW + MIN
    # An anonymous party keeps failing from many addresses, hour after hour.
    for hour in range(6):
        for i in range(30):
            assert not attempt(engine, name, WRONG, f"203.0.113.{i}", now + dt.timedelta(hours=hour, seconds=i))
        # ... and the account is locked for those addresses, but the admin signs in from the office.
        assert not attempt(engine, name, GOOD_PASSWORD, "198.51.100.7", now + dt.timedelta(hours=hour, seconds=40))
        assert attempt(engine, name, GOOD_PASSWORD, OFFICE, now + dt.timedelta(hours=hour, seconds=50))


def test_guessing_from_an_address_never_seen_is_bounded_by_the_accounts_lock(engine):
    set_setting(engine, "login_throttle_seconds", 0)
    name = add(engine)
    for i in range(5):
        assert not attempt(engine, name, WRONG, f"203.0.113.{i}", NOW + i * MIN / 10)
    # The lock holds for any new address, the right password included: no guess counts while it lasts.
    assert not attempt(engine, name, GOOD_PASSWORD, "203.0.113.99", NOW + MIN)
    assert attempt(engine, name, GOOD_PASSWORD, "203.0.113.99", NOW + 16 * MIN)


def test_guessing_at_a_known_address_slows_down_without_locking_the_account(engine):
    name = add(engine)
    assert attempt(engine, name, GOOD_PASSWORD, OFFICE, NOW)
    now = NOW + MIN
    for _ in range(3):
        assert not attempt(engine, name, WRONG, OFFICE, now)
    # Right away: refused (a growing delay for this account at this address), even the right password...
    assert not attempt(engine, name, GOOD_PASSWORD, OFFICE, now + dt.timedelta(seconds=1))
    # ... and after the delay, accepted; the account itself never locked.
    assert attempt(engine, name, GOOD_PASSWORD, OFFICE, now + 16 * MIN)
    with engine.connect() as conn:
        assert conn.execute(select(models.AppUser.failed_logins).where(models.AppUser.username == name)).scalar() == 0


def test_a_source_guessing_many_accounts_is_blocked_longer_each_time_and_others_are_not(engine):
    set_setting(engine, "max_failed_logins_per_source", 10)
    set_setting(engine, "login_throttle_seconds", 0)
    names = [add(engine, f"nguoi.{i}", "viewer") for i in range(12)]
    attacker = "203.0.113.66"
    for i, n in enumerate(names[:10]):
        assert not attempt(engine, n, WRONG, attacker, NOW + i * dt.timedelta(seconds=1))
    # Blocked: even a right password from there is refused unread; from elsewhere the same account signs in.
    assert not attempt(engine, names[11], GOOD_PASSWORD, attacker, NOW + MIN)
    assert attempt(engine, names[11], GOOD_PASSWORD, "10.40.1.30", NOW + MIN)
    # The first block lasts lockout_minutes (15), the second twice as long.
    assert attempt(engine, names[10], GOOD_PASSWORD, attacker, NOW + 16 * MIN)
    later = NOW + 20 * MIN
    for i in range(10):
        attempt(engine, "khong.co.ai", WRONG, attacker, later + i * dt.timedelta(seconds=1))
    assert not attempt(engine, names[10], GOOD_PASSWORD, attacker, later + 16 * MIN)
    assert attempt(engine, names[10], GOOD_PASSWORD, attacker, later + 31 * MIN)

    trail = audit_rows(engine)
    trail = trail[trail["action"] == "sign_in"]
    blocks = [d for d in trail["detail"] if '"source_blocked_now"' in d]
    assert len(blocks) == 2 and all(attacker in d for d in blocks)
    assert any('"source_blocked"' in d and attacker in d for d in trail["detail"])  # attempts while blocked, with the address
    assert all('"source"' in d for d in trail["detail"])  # every attempt names its source


def test_an_address_written_oddly_is_one_source():
    assert auth.normalize_source("2001:DB8::1") == auth.normalize_source("2001:db8:0::1")
    assert auth.normalize_source(None) == auth.LOCAL_SOURCE
    assert auth.normalize_source("x" * 500 + "<script>") == "x" * 64
