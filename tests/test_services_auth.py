"""Signing in: password policy, argon2 hashes, throttling and lockout, sessions that expire, single
sign-on; and the clear password never stored, logged, audited or shown."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import logging

import pandas as pd
import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

import cli
from domain.errors import Invalid, PasswordRejected, Refused
from services import audit, auth, passwords, users
from services.auth import SsoConfig
from storage import models
from tests.access_helpers import (  # noqa: F401 - fast_hashing is an autouse fixture
    GOOD_PASSWORD,
    NOW,
    OWN_UNIT,
    actor,
    audit_rows,
    fast_hashing,
    set_setting,
    text_cells,
)

ADMIN = actor("admin")
MIN = dt.timedelta(minutes=1)


def add(engine, name="nguyen.van.a", role="viewer", password=GOOD_PASSWORD, units=()):
    users.add_user(engine, ADMIN, name, role, password=password, unit_codes=units, now=NOW)
    return name


# --- password policy -----------------------------------------------------------------------------------


@pytest.mark.parametrize("password", [
    "Rừng-Thông-Nghệ-An-2026",
    "correct Horse battery 7",
    "ĐỒNG-lúa-xanh-18",  # Vietnamese upper and lower case count
    "Tr0ub4dor&3xyz",
])
def test_good_passwords_pass(password):
    assert passwords.problems(password, "nguyen.van.a") == []


@pytest.mark.parametrize("password, username, rule", [
    ("Ab1!", "x", "too_short"),
    ("short-Pass1", "x", "too_short"),  # 11 characters
    ("alllowercaseletters", "x", "kinds"),
    ("ALLUPPER12345", "x", "kinds"),
    ("Matkhau@2024!!", "x", "common"),  # a common word with digits and symbols around it
    ("!!Password1234", "x", "common"),
    ("Qwertyuiop123", "x", "common"),
    ("123456789012", "x", "common"),
    ("Nguyen.Van.A-2026!", "nguyen.van.a", "has_username"),
    ("Nguyễn.Văn.A-2026!", "nguyen.van.a", "has_username"),  # diacritics do not hide it
    ("Mail-nva-2026-ok", "nva@congan.gov.vn", "has_username"),  # an e-mail's local part
    ("x" * 257 + "A1!", "x", "too_long"),
])
def test_weak_passwords_are_refused_with_every_reason(password, username, rule):
    found = [key.rsplit(".", 1)[-1] for key, _ in passwords.problems(password, username)]
    assert rule in found


def test_the_minimum_length_setting_never_goes_below_twelve(engine):
    set_setting(engine, "password_min_length", 16)
    with pytest.raises(PasswordRejected) as rejected:
        add(engine, password="Rung-Thong-2026")  # 15 characters
    assert [k for k, _ in rejected.value.problems] == ["access.password.too_short"]
    assert "16" in rejected.value.message("vi") and "16" in rejected.value.message("en")
    assert passwords.problems("Rung-Thong-26", "x", min_length=4) == []  # 13 >= the floor of 12


def test_a_rejected_password_is_not_in_the_message(engine):
    with pytest.raises(PasswordRejected) as rejected:
        add(engine, password="Matkhau@2024!!")
    assert "Matkhau@2024!!" not in rejected.value.both()
    assert "Matkhau@2024!!" not in repr(rejected.value.args)


# --- hashing ---------------------------------------------------------------------------------------------


def test_production_hashing_is_argon2id_with_the_library_defaults():
    import importlib

    fresh = importlib.reload(passwords)
    try:
        assert (fresh.HASHER.time_cost, fresh.HASHER.memory_cost, fresh.HASHER.parallelism) == (3, 65536, 4)
        assert fresh.HASHER.type.name == "ID"
    finally:
        importlib.reload(passwords)


def _stored_hash(engine, name):
    with engine.connect() as conn:
        return conn.execute(select(models.AppUser.password_hash).where(models.AppUser.username == name)).scalar()


def test_a_hash_with_old_parameters_is_replaced_at_sign_in(engine, monkeypatch):
    name = add(engine)
    old = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(GOOD_PASSWORD)
    with engine.begin() as conn:
        conn.execute(update(models.AppUser).where(models.AppUser.username == name).values(password_hash=old))
    auth.sign_in(engine, name, GOOD_PASSWORD, now=NOW)
    new = _stored_hash(engine, name)
    assert new != old and new.startswith("$argon2id$") and not passwords.needs_rehash(new)
    assert audit_rows(engine).iloc[-1]["detail"].count('"rehashed": true') == 1
    auth.sign_in(engine, name, GOOD_PASSWORD, now=NOW + MIN)
    assert _stored_hash(engine, name) == new  # current parameters: left alone


# --- throttling and lockout ------------------------------------------------------------------------------


def _fails(engine, name, password, when):
    with pytest.raises(Refused) as refused:
        auth.sign_in(engine, name, password, now=when)
    assert refused.value.key == "access.auth.failed"


def _user(engine, name):
    with engine.connect() as conn:
        return conn.execute(select(models.AppUser).where(models.AppUser.username == name)).one()


@pytest.mark.parametrize("max_failures, lockout_minutes", [(5, 15), (3, 60)])
def test_lockout_after_repeated_failures_and_release_after_the_lockout_time(engine, max_failures, lockout_minutes):
    set_setting(engine, "max_failed_logins", max_failures)
    set_setting(engine, "lockout_minutes", lockout_minutes)
    name = add(engine)
    t = NOW
    for _ in range(max_failures):
        _fails(engine, name, "Wrong-Password-99", t)
        t += MIN  # beyond the throttle delays
    assert _user(engine, name).locked_until == t - MIN + dt.timedelta(minutes=lockout_minutes)
    # Locked: even the right password is refused, and no session is made.
    _fails(engine, name, GOOD_PASSWORD, t)
    _fails(engine, name, GOOD_PASSWORD, t - MIN + dt.timedelta(minutes=lockout_minutes) - dt.timedelta(seconds=1))
    with engine.connect() as conn:
        assert conn.execute(select(models.UserSession)).all() == []
    # The lockout runs out: the right password works and the count starts again.
    token = auth.sign_in(engine, name, GOOD_PASSWORD, now=t - MIN + dt.timedelta(minutes=lockout_minutes))
    assert auth.resume(engine, token, now=t + dt.timedelta(minutes=lockout_minutes)) is not None
    assert _user(engine, name).failed_logins == 0
    reasons = audit_rows(engine).query("action == 'sign_in'")["detail"].tolist()
    assert sum('"reason": "bad_password"' in r for r in reasons) == max_failures - 1
    assert sum('"reason": "locked_now"' in r for r in reasons) == 1
    assert sum('"reason": "locked"' in r for r in reasons) == 2


def test_after_a_lockout_runs_out_the_count_starts_afresh(engine):
    set_setting(engine, "max_failed_logins", 3)
    name = add(engine)
    t = NOW
    for _ in range(3):
        _fails(engine, name, "Wrong-Password-99", t)
        t += MIN
    t += dt.timedelta(minutes=15)
    _fails(engine, name, "Wrong-Password-99", t)  # one failure after the lockout: not locked again
    assert _user(engine, name).failed_logins == 1
    auth.sign_in(engine, name, GOOD_PASSWORD, now=t + MIN)


def test_throttling_doubles_the_wait_after_each_failure(engine):
    set_setting(engine, "login_throttle_seconds", 2)
    name = add(engine)
    _fails(engine, name, "Wrong-Password-99", NOW)  # 1st failure: 2 s
    _fails(engine, name, GOOD_PASSWORD, NOW + dt.timedelta(seconds=1))  # throttled, not even checked
    _fails(engine, name, "Wrong-Password-99", NOW + dt.timedelta(seconds=2))  # 2nd failure: 4 s
    _fails(engine, name, GOOD_PASSWORD, NOW + dt.timedelta(seconds=5))
    assert _user(engine, name).failed_logins == 2  # throttled attempts are not counted
    auth.sign_in(engine, name, GOOD_PASSWORD, now=NOW + dt.timedelta(seconds=6))


@pytest.mark.parametrize("who", ["unknown", "inactive", "sso_only", "wrong_password"])
def test_every_failure_looks_the_same(engine, who):
    name = add(engine)
    if who == "inactive":
        users.deactivate(engine, ADMIN, name, now=NOW)
    if who == "sso_only":
        users.add_user(engine, ADMIN, "sso.user", "viewer", now=NOW)
        name = "sso.user"
    typed = "no.such.user" if who == "unknown" else name
    password = "Wrong-Password-99" if who == "wrong_password" else GOOD_PASSWORD
    with pytest.raises(Refused) as refused:
        auth.sign_in(engine, typed, password, now=NOW)
    assert refused.value.message("vi") == Refused("access.auth.failed").message("vi")
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], last["outcome"]) == ("sign_in", "failed")
    if who == "unknown":
        assert pd.isna(last["username"]) and "no.such.user" not in last["detail"] + last["target"]


# --- sessions ----------------------------------------------------------------------------------------------


def test_only_the_token_hash_is_stored(engine):
    name = add(engine)
    token = auth.sign_in(engine, name, GOOD_PASSWORD, now=NOW)
    assert len(token) >= 40
    with engine.connect() as conn:
        stored = conn.execute(select(models.UserSession.token_hash)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert not any(token in cell for cell in text_cells(engine))


@pytest.mark.parametrize("idle_minutes, max_hours", [(30, 12), (5, 1)])
def test_an_idle_session_expires_and_must_sign_in_again(engine, idle_minutes, max_hours):
    set_setting(engine, "session_idle_minutes", idle_minutes)
    set_setting(engine, "session_max_hours", max_hours)
    name = add(engine, role="submitter", units=[OWN_UNIT])
    token = auth.sign_in(engine, name, GOOD_PASSWORD, now=NOW)
    me = auth.resume(engine, token, now=NOW + MIN)
    assert (me.username, me.role, me.unit_codes) == (name, "submitter", frozenset({OWN_UNIT}))
    later = NOW + MIN + dt.timedelta(minutes=idle_minutes, seconds=1)
    assert auth.resume(engine, token, now=later) is None
    assert auth.resume(engine, token, now=NOW + 2 * MIN) is None  # gone for good, whatever the clock says
    assert auth.resume(engine, auth.sign_in(engine, name, GOOD_PASSWORD, now=later), now=later) is not None


def test_a_session_in_constant_use_still_ends_after_its_maximum_age(engine):
    set_setting(engine, "session_max_hours", 2)
    name = add(engine)
    token = auth.sign_in(engine, name, GOOD_PASSWORD, now=NOW)
    t = NOW
    while t < NOW + dt.timedelta(hours=2) - dt.timedelta(minutes=10):
        t += dt.timedelta(minutes=10)
        assert auth.resume(engine, token, now=t) is not None
    assert auth.resume(engine, token, now=NOW + dt.timedelta(hours=2)) is None
    assert "expired_absolute" in audit_rows(engine).iloc[-1]["detail"]


@pytest.mark.parametrize("change", ["sign_out", "deactivate", "set_role", "reset_password", "bind_units"])
def test_sessions_end_when_the_account_changes(engine, change):
    name = add(engine, role="submitter", units=[OWN_UNIT])
    token = auth.sign_in(engine, name, GOOD_PASSWORD, now=NOW)
    {
        "sign_out": lambda: auth.sign_out(engine, token, now=NOW),
        "deactivate": lambda: users.deactivate(engine, ADMIN, name, now=NOW),
        "set_role": lambda: users.set_role(engine, ADMIN, name, "viewer", now=NOW),
        "reset_password": lambda: users.reset_password(engine, ADMIN, name, "Another-Good-Pass-7", now=NOW),
        "bind_units": lambda: users.bind_units(engine, ADMIN, name, ["16690"], now=NOW),
    }[change]()
    assert auth.resume(engine, token, now=NOW + MIN) is None


@pytest.mark.parametrize("token", [None, "", "x" * 500, "not-a-token", 12345])
def test_resume_with_a_bad_token_is_none(engine, token):
    assert auth.resume(engine, token, now=NOW) is None


def test_changing_ones_own_password_needs_the_current_one(engine):
    name = add(engine)
    me = auth.resume(engine, auth.sign_in(engine, name, GOOD_PASSWORD, now=NOW), now=NOW)
    with pytest.raises(Refused):
        users.change_own_password(engine, me, "Wrong-Password-99", "Another-Good-Pass-7", now=NOW)
    users.change_own_password(engine, me, GOOD_PASSWORD, "Another-Good-Pass-7", now=NOW)
    auth.sign_in(engine, name, "Another-Good-Pass-7", now=NOW + MIN)


# --- the clear password is nowhere -------------------------------------------------------------------


def test_the_clear_password_is_never_stored_logged_or_audited(engine, caplog, capsys, monkeypatch):
    caplog.set_level(logging.DEBUG)
    secret, other = "Sông-Lam-Xanh-Biếc-2026", "Núi-Hồng-Lĩnh-Cao-2026"
    # Through the CLI, as an operator would.
    monkeypatch.setattr("sys.stdin", io.StringIO(secret + "\n"))
    assert cli.main(["--database-url", engine.url.render_as_string(hide_password=False), "users", "add",
                     "--username", "tran.thi.b", "--role", "standing", "--password-stdin"]) == 0
    token = auth.sign_in(engine, "tran.thi.b", secret, now=NOW)
    for attempt in (secret[:-1], secret + " ", secret.upper()):  # near misses
        with pytest.raises(Refused):
            auth.sign_in(engine, "tran.thi.b", attempt, now=NOW + MIN)
    with pytest.raises(Refused):
        auth.sign_in(engine, secret, secret, now=NOW + 2 * MIN)  # the password typed as the username
    users.reset_password(engine, ADMIN, "tran.thi.b", other, now=NOW)
    with pytest.raises(PasswordRejected):
        users.reset_password(engine, ADMIN, "tran.thi.b", "Matkhau@2024!!", now=NOW)
    users.change_own_password(engine, actor("standing", name="tran.thi.b"), other, secret, now=NOW)
    out = capsys.readouterr()
    haystacks = text_cells(engine) + audit_rows(engine)["detail"].tolist() + [caplog.text, out.out, out.err]
    for clear in (secret, other, secret[:-1], "Matkhau@2024!!", token):
        assert not any(clear in h for h in haystacks), clear
    assert audit_rows(engine)["action"].tolist().count("sign_in") == 5


def test_a_password_is_never_a_command_line_argument(engine, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["users", "add", "--username", "x1", "--role", "viewer", "--password", GOOD_PASSWORD])
    assert exit_.value.code == 2


def test_secret_looking_details_are_scrubbed_before_they_are_written(engine):
    audit.record(engine, "someone", "test", "t", "ok", {"password": "p1", "nested": {"session_token": "t1", "ok": 1},
                                                         "items": [{"client_secret": "s1"}]}, now=NOW)
    detail = audit_rows(engine).iloc[-1]["detail"]
    assert "p1" not in detail and "t1" not in detail and "s1" not in detail and '"ok": 1' in detail


# --- single sign-on ------------------------------------------------------------------------------------

SSO = SsoConfig.from_mapping({
    "username_claim": "preferred_username", "roles_claim": "groups", "units_claim": "p06_units",
    "roles": {"p06-admin": "admin", "p06-lanh-dao": "leader", "p06-nhap-lieu": "submitter"},
})


def test_single_sign_on_maps_claims_to_a_role_and_follows_them(engine):
    claims = {"preferred_username": "Le.Van.C", "groups": ["khac", "p06-lanh-dao"], "name": "Lê Văn C"}
    me = auth.resume(engine, auth.sign_in_sso(engine, claims, SSO, now=NOW), now=NOW)
    assert (me.username, me.role) == ("le.van.c", "leader")
    claims = {"preferred_username": "le.van.c", "groups": ["p06-nhap-lieu", "p06-lanh-dao"], "p06_units": [OWN_UNIT]}
    me = auth.resume(engine, auth.sign_in_sso(engine, claims, SSO, now=NOW), now=NOW)
    assert me.role == "leader"  # the most privileged match wins
    claims = {"preferred_username": "le.van.c", "groups": ["p06-nhap-lieu"], "p06_units": [OWN_UNIT]}
    me = auth.resume(engine, auth.sign_in_sso(engine, claims, SSO, now=NOW), now=NOW)
    assert (me.role, me.unit_codes) == ("submitter", frozenset({OWN_UNIT}))
    with pytest.raises(Refused):
        auth.sign_in(engine, "le.van.c", GOOD_PASSWORD, now=NOW)  # no local password


@pytest.mark.parametrize("claims, reason", [
    ({"preferred_username": "x.y", "groups": ["khac"]}, "no_role"),
    ({"groups": ["p06-admin"]}, "no_username"),
    ({"preferred_username": "x.y", "groups": ["p06-admin"], "exp": NOW.timestamp() - 1}, "token_expired"),
    ({"preferred_username": "nguyen.van.a", "groups": ["p06-admin"]}, "local_account"),
    ({"preferred_username": "x.y", "groups": ["p06-nhap-lieu"], "p06_units": ["99999"]}, "unknown_units"),
])
def test_single_sign_on_refusals(engine, claims, reason):
    add(engine)  # the local account nguyen.van.a
    with pytest.raises(Refused) as refused:
        auth.sign_in_sso(engine, claims, SSO, now=NOW)
    assert refused.value.reason == reason
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], last["outcome"]) == ("sign_in", "failed") and reason in last["detail"]


def test_single_sign_on_is_audited_with_the_provider_and_an_expired_token_asks_for_a_new_sign_in(engine):
    claims = {"preferred_username": "le.van.c", "groups": ["p06-nhap-lieu"], "p06_units": [OWN_UNIT],
              "iss": "https://sso.example/realms/nghe-an", "sub": "f3a9", "exp": NOW.timestamp() + 60}
    auth.sign_in_sso(engine, claims, SSO, source="203.0.113.7", now=NOW)
    detail = json.loads(audit_rows(engine).iloc[-1]["detail"])
    assert {k: detail[k] for k in ("method", "source", "issuer", "subject", "role", "units")} == {
        "method": "sso", "source": "203.0.113.7", "issuer": "https://sso.example/realms/nghe-an", "subject": "f3a9",
        "role": "submitter", "units": [OWN_UNIT]}
    with pytest.raises(Refused) as refused:
        auth.sign_in_sso(engine, {**claims, "exp": NOW.timestamp() - 1}, SSO, now=NOW)
    assert "hết hạn" in refused.value.message("vi") and "expired" in refused.value.message("en")
    detail = json.loads(audit_rows(engine).iloc[-1]["detail"])
    assert (detail["method"], detail["reason"], detail["subject"]) == ("sso", "token_expired", "f3a9")


def test_single_sign_on_settings_with_an_unknown_role_are_refused():
    with pytest.raises(Invalid):
        SsoConfig.from_mapping({"roles": {"g": "superuser"}})


def test_simultaneous_sign_ins_neither_fail_nor_lose_a_failure(engine):
    from concurrent.futures import ThreadPoolExecutor

    set_setting(engine, "login_throttle_seconds", 0)
    set_setting(engine, "max_failed_logins", 10)
    name = add(engine)
    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(lambda i: auth.sign_in(engine, name, GOOD_PASSWORD, now=NOW), range(4)))
    assert len(set(tokens)) == 4

    def wrong(i):
        with pytest.raises(Refused):
            auth.sign_in(engine, name, "Wrong-Password-99", now=NOW)

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(wrong, range(4)))
    assert _user(engine, name).failed_logins == 4
