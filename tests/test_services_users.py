"""Users from the command line and the services: the first administrator, roles and units, the last
administrator kept, demo accounts only on a database holding just the sample; what a submitter sees."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from sqlalchemy import delete, select

import cli
from domain.errors import Invalid, Refused
from services import auth, demo, sample_mode, users, visibility
from storage import models
from storage.db import make_engine
from storage.submissions import record_submission
from tests.access_helpers import (  # noqa: F401 - fast_hashing is an autouse fixture
    GOOD_PASSWORD,
    NOW,
    OTHER_UNIT,
    OWN_UNIT,
    PROVINCE,
    actor,
    audit_rows,
    fast_hashing,
    snapshot,
    submission,
)

ADMIN = actor("admin")


def _cli(engine, monkeypatch, *args, stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return cli.main(["--database-url", engine.url.render_as_string(hide_password=False), *args])


def test_the_first_administrator_from_the_command_line(engine, monkeypatch, capsys):
    assert _cli(engine, monkeypatch, "users", "add", "--username", "Quan.Tri", "--role", "admin", "--password-stdin",
                stdin=GOOD_PASSWORD + "\n") == 0
    assert "quan.tri" in capsys.readouterr().out
    me = auth.resume(engine, auth.sign_in(engine, "quan.tri", GOOD_PASSWORD, now=NOW), now=NOW)
    assert me.role == "admin"
    assert _cli(engine, monkeypatch, "users", "add", "--username", "vinh.01", "--role", "submitter", "--unit", OWN_UNIT,
                "--unit", "40-STP", "--password-stdin", stdin="Sen-Làng-Sen-2026\n") == 0
    capsys.readouterr()
    assert _cli(engine, monkeypatch, "users", "list", "--json") == 0
    listed = {u["username"]: u for u in json.loads(capsys.readouterr().out)}
    assert listed["vinh.01"]["units"] == sorted([OWN_UNIT, "40-STP"]) and listed["vinh.01"]["role"] == "submitter"
    assert not any("hash" in key for key in listed["quan.tri"])
    row = audit_rows(engine).query("action == 'manage_users'").iloc[0]
    assert row["username"].startswith("cli:") and row["target"] == "quan.tri"


@pytest.mark.parametrize("args, stdin, message", [
    (["--role", "admin", "--username", "a1"], "", "--password-stdin"),  # no terminal to prompt on
    (["--role", "admin", "--username", "a1", "--password-stdin"], "\n", "rỗng"),
    (["--role", "admin", "--username", "a1", "--password-stdin"], "password1234\n", "phổ biến"),
    (["--role", "submitter", "--username", "a1", "--password-stdin"], GOOD_PASSWORD + "\n", "ít nhất một đơn vị"),
    (["--role", "viewer", "--username", "a1", "--unit", OWN_UNIT, "--password-stdin"], GOOD_PASSWORD + "\n", "Chỉ cán bộ nhập liệu"),
    (["--role", "submitter", "--username", "a1", "--unit", "99999", "--password-stdin"], GOOD_PASSWORD + "\n", "99999"),
    (["--role", "viewer", "--username", "bad name", "--password-stdin"], GOOD_PASSWORD + "\n", "không hợp lệ"),
])
def test_bad_user_input_is_refused_with_a_clear_message_and_changes_nothing(engine, monkeypatch, capsys, args, stdin, message):
    before = snapshot(engine)
    assert _cli(engine, monkeypatch, "users", "add", *args, stdin=stdin) == 1
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert snapshot(engine) == before


def test_user_changes_from_the_command_line(engine, monkeypatch, capsys):
    users.add_user(engine, ADMIN, "vinh.01", "submitter", password=GOOD_PASSWORD, unit_codes=[OWN_UNIT], now=NOW)
    assert _cli(engine, monkeypatch, "users", "set-units", "--username", "vinh.01", "--unit", OTHER_UNIT) == 0
    assert _cli(engine, monkeypatch, "users", "set-role", "--username", "vinh.01", "--role", "viewer") == 0
    assert _cli(engine, monkeypatch, "users", "deactivate", "--username", "vinh.01") == 0
    assert _cli(engine, monkeypatch, "users", "reset-password", "--username", "vinh.01", "--password-stdin",
                stdin="Another-Good-Pass-7\n") == 0
    assert _cli(engine, monkeypatch, "users", "activate", "--username", "vinh.01") == 0
    assert _cli(engine, monkeypatch, "users", "clear-lockout", "--username", "vinh.01") == 0
    assert _cli(engine, monkeypatch, "users", "deactivate", "--username", "nobody") == 1
    me = auth.resume(engine, auth.sign_in(engine, "vinh.01", "Another-Good-Pass-7", now=NOW), now=NOW)
    assert (me.role, me.unit_codes) == ("viewer", frozenset())
    ops = [json.loads(d)["op"] for d in audit_rows(engine).query("action == 'manage_users'")["detail"]]
    assert ops == ["add", "bind_units", "set_role", "deactivate", "reset_password", "activate", "clear_lockout"]


@pytest.mark.parametrize("change", ["set_role", "deactivate"])
def test_the_last_active_administrator_stays(engine, change):
    users.add_user(engine, ADMIN, "quan.tri", "admin", password=GOOD_PASSWORD, now=NOW)
    with pytest.raises(Invalid) as invalid:
        if change == "set_role":
            users.set_role(engine, ADMIN, "quan.tri", "leader", now=NOW)
        else:
            users.deactivate(engine, ADMIN, "quan.tri", now=NOW)
    assert invalid.value.key == "access.users.last_admin"
    users.add_user(engine, ADMIN, "quan.tri.2", "admin", password=GOOD_PASSWORD, now=NOW)
    users.deactivate(engine, ADMIN, "quan.tri", now=NOW)  # another administrator remains


def test_the_first_run_form_works_once(engine):
    assert users.first_run_open(engine) and not users.admin_exists(engine)
    users.create_first_admin(engine, "quan.tri", GOOD_PASSWORD, display_name="Quản trị", now=NOW)
    assert users.admin_exists(engine) and not users.first_run_open(engine)
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        users.create_first_admin(engine, "ke.gian", GOOD_PASSWORD, now=NOW)
    assert refused.value.reason == "admin_exists"
    assert snapshot(engine) == before
    last = audit_rows(engine).iloc[-1]
    assert (last["outcome"], last["target"]) == ("refused", "ke.gian")


def test_the_first_run_form_never_reopens_once_any_user_existed(engine):
    _sample_like(engine)
    demo.ensure_demo_accounts(engine, now=NOW)
    record_submission(engine, submission(OTHER_UNIT, "2026-09", source="upload"))
    demo.ensure_demo_accounts(engine, now=NOW)  # the demo accounts are now deactivated: no active administrator
    assert not users.admin_exists(engine) and not users.first_run_open(engine)
    with pytest.raises(Refused):
        users.create_first_admin(engine, "ke.gian", GOOD_PASSWORD, now=NOW)


# --- demo accounts ---------------------------------------------------------------------------------------


def _sample_like(engine):
    """A database holding only sample submissions (cheaper than the whole sample)."""
    record_submission(engine, submission(OWN_UNIT, "2026-09", source="sample"))


def test_no_demo_account_without_the_sample(engine):
    assert demo.ensure_demo_accounts(engine, now=NOW) == []
    with engine.connect() as conn:
        assert conn.execute(select(models.AppUser)).all() == []


def test_demo_accounts_on_the_sample_and_never_once_real_data_arrives(engine):
    _sample_like(engine)
    created = demo.ensure_demo_accounts(engine, now=NOW)
    assert created == [a[0] for a in demo.DEMO_ACCOUNTS]
    assert demo.ensure_demo_accounts(engine, now=NOW) == []  # idempotent
    me = auth.resume(engine, auth.sign_in(engine, "demo_submitter", demo.DEMO_PASSWORD, now=NOW), now=NOW)
    assert me.role == "submitter" and OWN_UNIT in me.unit_codes
    token = auth.sign_in(engine, "demo_admin", demo.DEMO_PASSWORD, now=NOW)
    # A real upload arrives: demo accounts stop working at once, before anyone calls ensure again.
    record_submission(engine, submission(OTHER_UNIT, "2026-09", source="upload"))
    assert auth.resume(engine, token, now=NOW) is None
    with pytest.raises(Refused):
        auth.sign_in(engine, "demo_admin", demo.DEMO_PASSWORD, now=NOW)
    assert demo.ensure_demo_accounts(engine, now=NOW) == []
    with engine.connect() as conn:
        active = conn.execute(select(models.AppUser.username).where(models.AppUser.active.is_(True))).scalars().all()
    assert active == []


def test_a_demo_account_trying_the_upload_does_not_end_the_demo(engine):
    """A visitor tries the upload as demo_submitter: the demo goes on (every demo account still signs in),
    and the report no longer calls every figure the sample's."""
    _sample_like(engine)
    demo.ensure_demo_accounts(engine, now=NOW)
    record_submission(engine, submission(OWN_UNIT, "2026-10", source="upload", submitted_by="demo_submitter"))
    assert sample_mode.sample_only(engine)
    for name, *_ in demo.DEMO_ACCOUNTS:
        assert auth.resume(engine, auth.sign_in(engine, name, demo.DEMO_PASSWORD, now=NOW), now=NOW) is not None
    record_submission(engine, submission(OTHER_UNIT, "2026-10", source="upload", submitted_by="ubnd.xa"))
    assert not sample_mode.sample_only(engine) and not sample_mode.synthetic_figures(engine)


def test_a_real_user_ends_sample_mode_too(engine):
    _sample_like(engine)
    demo.ensure_demo_accounts(engine, now=NOW)
    users.add_user(engine, ADMIN, "quan.tri", "admin", password=GOOD_PASSWORD, now=NOW)
    with pytest.raises(Refused):
        auth.sign_in(engine, "demo_viewer", demo.DEMO_PASSWORD, now=NOW)


def test_demo_accounts_on_the_real_sample(sample_copy_url, monkeypatch, capsys):
    engine = make_engine(sample_copy_url)
    try:
        with engine.begin() as conn:  # the sample as seed-sample leaves it, before any start of the app
            conn.execute(delete(models.UserUnit.__table__))
            conn.execute(delete(models.AppUser.__table__))
        assert _cli(engine, monkeypatch, "users", "demo", "--json") == 0
        assert json.loads(capsys.readouterr().out)["created"] == [a[0] for a in demo.DEMO_ACCOUNTS]
        for name, role, *_ in demo.DEMO_ACCOUNTS:
            assert auth.resume(engine, auth.sign_in(engine, name, demo.DEMO_PASSWORD, now=NOW), now=NOW).role == role
    finally:
        engine.dispose()


# --- what a submitter sees -----------------------------------------------------------------------------


def test_a_submitter_sees_their_own_units_and_the_province_only(engine):
    frame = pd.DataFrame({"unit_code": [PROVINCE, OWN_UNIT, OTHER_UNIT, "412", "40-STP"], "value": [1, 2, 3, 4, 5]})
    scope = visibility.view_scope(engine, actor("submitter", [OWN_UNIT, "40-STP"]), now=NOW)
    assert scope.filter(frame)["unit_code"].tolist() == [PROVINCE, OWN_UNIT, "40-STP"]
    assert scope.visible([OTHER_UNIT, OWN_UNIT]) == [OWN_UNIT]
    for role in ("admin", "leader", "standing", "viewer"):
        assert len(visibility.view_scope(engine, actor(role), now=NOW).filter(frame)) == 5


def test_simultaneous_first_run_forms_make_one_administrator(engine):
    from concurrent.futures import ThreadPoolExecutor

    def attempt(i):
        try:
            users.create_first_admin(engine, f"quan.tri.{i}", GOOD_PASSWORD, now=NOW)
            return "ok"
        except Refused:
            return "refused"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(attempt, range(4)))
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    with engine.connect() as conn:
        assert len(conn.execute(select(models.AppUser).where(models.AppUser.role == "admin")).all()) == 1
