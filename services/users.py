"""Users: add, list, change role, bind units, deactivate, reset password: every change by an actor the
matrix allows (`manage_users`), audited with who and what, never with a password.

A submitter is bound to one or more units (`user_unit`) and submits only for them; other roles are
bound to none. Changing a user's role, password or active state ends their sessions. The last active
administrator can be neither demoted nor deactivated (nobody could manage users any more).

The first administrator: `python cli.py users add --role admin ...` (the CLI is the operator's console:
whoever can run it holds the database's credentials, so it acts as the administrator `cli:<os user>`),
or `create_first_admin` from a first-run form, which works only on an installation that has never had
a user (`first_run_open`).
There is no default account and no default password anywhere.
"""

from __future__ import annotations

import datetime as dt
import getpass
import os
from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.orm import Session

from domain.errors import Invalid, Refused
from services import audit, passwords, permissions
from services.auth import valid_username
from services.clock import setting, utcnow
from services.guard import authorize, refuse
from services.permissions import Actor
from services.sessions import end_sessions, units_of
from storage import models
from storage.db import session_factory

ACTION = "manage_users"
COLUMNS = ["username", "display_name", "role", "units", "active", "is_demo", "failed_logins", "locked_until",
           "created_at", "last_login_at", "password_changed_at", "sso"]


def cli_actor() -> Actor:
    """The operator at the command line, as audited: `cli:<os user>` with the administrator's rights."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = os.environ.get("USER") or "operator"
    return Actor(f"cli:{who}", "admin", frozenset(), "CLI")


def actor_of(engine: Engine, username: str) -> Actor | None:
    """The active user `username` as an Actor (role and units from the database), or None. For the CLI's
    `--as-user`: the operator acting on a user's behalf, within that user's rights. A demo account once
    sample mode has ended is None too (and every demo account is deactivated then)."""
    from services.sample_mode import sample_only

    name = str(username or "").strip().casefold()
    with engine.connect() as conn:
        row = conn.execute(select(models.AppUser).where(models.AppUser.username == name)).first()
        if row is None or not row.active:
            return None
        demo_ended = row.is_demo and not sample_only(conn)
        if not demo_ended:
            return Actor(row.username, row.role, units_of(conn, row.username), row.display_name)
    # Sample mode has ended: a demo account acts nowhere, the CLI included; switched off now (audited),
    # not at the next browser visit.
    from services.demo import ensure_demo_accounts

    ensure_demo_accounts(engine)
    return None


def _role(role: str) -> str:
    if not permissions.is_role(role):
        raise Invalid("access.users.bad_role", role=role, roles=list(permissions.roles()))
    return role


def _units_for(session: Session, role: str, unit_codes: Iterable[str] | None) -> list[str]:
    units = sorted({str(c).strip() for c in (unit_codes or ()) if str(c).strip()})
    if role == "submitter" and not units:
        raise Invalid("access.users.submitter_needs_units")
    if role != "submitter" and units:
        # In a deployment of several provinces, any other role may be bound to province units: the
        # account then acts for those provinces alone (services.guard.home_provinces); unbound, it is national.
        u = models.Unit
        provinces = set(session.execute(select(u.code).where(u.level == "province")).scalars())
        if len(provinces) < 2 or set(units) - provinces:
            raise Invalid("access.users.units_only_for_submitters", role=role)
    if units:
        known = set(session.execute(select(models.Unit.code).where(models.Unit.code.in_(units))).scalars())
        if set(units) - known:
            raise Invalid("access.users.unknown_units", units=sorted(set(units) - known))
    return units


def _user(session: Session, username: str, lock: bool = True) -> models.AppUser:
    stmt = select(models.AppUser).where(models.AppUser.username == username)
    user = session.execute(stmt.with_for_update() if lock else stmt).scalar_one_or_none()
    if user is None:
        raise Invalid("access.users.unknown_user", username=username)
    return user


def _active_admins(bind) -> int:
    u = models.AppUser
    return bind.execute(select(func.count()).select_from(u).where(u.role == "admin", u.active.is_(True))).scalar()


def _serialise(session: Session) -> None:
    """Take a lock before checking "is there another administrator?": a write that changes nothing (the
    counter row on PostgreSQL, the database on SQLite, where a plain SELECT does not even open the
    transaction), so that two simultaneous changes cannot both pass the check."""
    c = models.Counter.__table__
    session.execute(update(c).where(c.c.name == "data_version").values(value=c.c.value))


def _bind(session: Session, username: str, units: list[str]) -> None:
    session.execute(delete(models.UserUnit).where(models.UserUnit.username == username))
    if units:
        session.execute(insert(models.UserUnit), [{"username": username, "unit_code": c} for c in units])


def _new_hash(engine: Engine, username: str, password: str) -> str:
    passwords.check_policy(password, username, setting(engine, "password_min_length"))
    return passwords.hash_password(password)


def add_user(engine: Engine, actor: Actor | None, username: str, role: str, *, password: str | None = None,
             display_name: str = "", unit_codes: Iterable[str] = (), now: dt.datetime | None = None) -> None:
    """A new active user. Without a password the account can only sign in through single sign-on (or
    after an administrator sets one)."""
    authorize(engine, actor, ACTION, target=str(username)[:100], detail={"op": "add"}, now=now)
    name, role, now = valid_username(username), _role(role), utcnow(now)
    with session_factory(engine).begin() as session:
        if session.get(models.AppUser, name) is not None:
            raise Invalid("access.users.exists", username=name)
        units = _units_for(session, role, unit_codes)
    hashed = _new_hash(engine, name, password) if password is not None else None
    with session_factory(engine).begin() as session:
        if session.get(models.AppUser, name) is not None:  # added meanwhile by someone else
            raise Invalid("access.users.exists", username=name)
        session.add(models.AppUser(
            username=name, display_name=display_name.strip()[:200], role=role, password_hash=hashed, active=True,
            is_demo=False, failed_logins=0, created_at=now, password_changed_at=now if hashed else None,
        ))
        session.flush()
        _bind(session, name, units)
        audit.record(session, actor, ACTION, name, "ok",
                     {"op": "add", "role": role, "units": units, "sso_only": hashed is None}, now=now)


def list_users(engine: Engine, actor: Actor | None, *, now: dt.datetime | None = None) -> pd.DataFrame:
    """Every user with role, units and sign-in state (never a password hash)."""
    authorize(engine, actor, ACTION, detail={"op": "list"}, now=now)
    u, uu = models.AppUser, models.UserUnit
    with engine.connect() as conn:
        rows = conn.execute(select(u).order_by(u.username)).all()
        units: dict[str, list[str]] = {}
        for name, code in conn.execute(select(uu.username, uu.unit_code).order_by(uu.username, uu.unit_code)):
            units.setdefault(name, []).append(code)
    records = [
        {
            "username": r.username, "display_name": r.display_name, "role": r.role, "units": units.get(r.username, []),
            "active": bool(r.active), "is_demo": bool(r.is_demo), "failed_logins": r.failed_logins,
            "locked_until": r.locked_until, "created_at": r.created_at, "last_login_at": r.last_login_at,
            "password_changed_at": r.password_changed_at, "sso": r.password_hash is None,
        }
        for r in rows
    ]
    return pd.DataFrame(records, columns=COLUMNS)


def set_role(engine: Engine, actor: Actor | None, username: str, role: str, *,
             unit_codes: Iterable[str] | None = None, now: dt.datetime | None = None) -> None:
    """Change a user's role (a submitter needs `unit_codes`; other roles lose their units). Ends their sessions."""
    authorize(engine, actor, ACTION, target=str(username)[:100], detail={"op": "set_role"}, now=now)
    name, role, now = valid_username(username), _role(role), utcnow(now)
    with session_factory(engine).begin() as session:
        _serialise(session)
        user = _user(session, name)
        units = _units_for(session, role, unit_codes if role == "submitter" else ())
        if user.role == "admin" and role != "admin" and user.active and _active_admins(session) <= 1:
            raise Invalid("access.users.last_admin")
        before = user.role
        user.role = role
        _bind(session, name, units)
        end_sessions(session, name)
        audit.record(session, actor, ACTION, name, "ok", {"op": "set_role", "from": before, "to": role, "units": units}, now=now)


def bind_units(engine: Engine, actor: Actor | None, username: str, unit_codes: Iterable[str], *,
               now: dt.datetime | None = None) -> None:
    """Replace the units a submitter is bound to."""
    authorize(engine, actor, ACTION, target=str(username)[:100], detail={"op": "bind_units"}, now=now)
    name, now = valid_username(username), utcnow(now)
    with session_factory(engine).begin() as session:
        user = _user(session, name)
        units = _units_for(session, user.role, unit_codes)
        before = sorted(units_of(session, name))
        _bind(session, name, units)
        end_sessions(session, name)  # a session's Actor carries its units: sign in again to get the new ones
        audit.record(session, actor, ACTION, name, "ok", {"op": "bind_units", "from": before, "to": units}, now=now)


def _set_active(engine: Engine, actor: Actor | None, username: str, active: bool, now) -> None:
    op = "activate" if active else "deactivate"
    authorize(engine, actor, ACTION, target=str(username)[:100], detail={"op": op}, now=now)
    name, now = valid_username(username), utcnow(now)
    with session_factory(engine).begin() as session:
        _serialise(session)
        user = _user(session, name)
        if not active and user.role == "admin" and user.active and _active_admins(session) <= 1:
            raise Invalid("access.users.last_admin")
        user.active = active
        ended = end_sessions(session, name)
        audit.record(session, actor, ACTION, name, "ok", {"op": op, "sessions_ended": ended}, now=now)


def deactivate(engine: Engine, actor: Actor | None, username: str, *, now: dt.datetime | None = None) -> None:
    """The user can no longer sign in; their sessions end now. Their past actions stay in the audit trail."""
    _set_active(engine, actor, username, False, now)


def activate(engine: Engine, actor: Actor | None, username: str, *, now: dt.datetime | None = None) -> None:
    _set_active(engine, actor, username, True, now)


def reset_password(engine: Engine, actor: Actor | None, username: str, new_password: str, *,
                   now: dt.datetime | None = None) -> None:
    """Set a user's password (policy applies), release any lockout and end their sessions."""
    authorize(engine, actor, ACTION, target=str(username)[:100], detail={"op": "reset_password"}, now=now)
    name, now = valid_username(username), utcnow(now)
    with session_factory(engine).begin() as session:
        _user(session, name, lock=False)
    hashed = _new_hash(engine, name, new_password)
    with session_factory(engine).begin() as session:
        user = _user(session, name)
        user.password_hash, user.password_changed_at = hashed, now
        user.failed_logins, user.locked_until = 0, None
        end_sessions(session, name)
        audit.record(session, actor, ACTION, name, "ok", {"op": "reset_password"}, now=now)


def clear_lockout(engine: Engine, actor: Actor | None, username: str, *, now: dt.datetime | None = None) -> None:
    """Release a user locked out by failed sign-ins before the lockout runs out."""
    authorize(engine, actor, ACTION, target=str(username)[:100], detail={"op": "clear_lockout"}, now=now)
    name, now = valid_username(username), utcnow(now)
    with session_factory(engine).begin() as session:
        user = _user(session, name)
        before = user.failed_logins
        user.failed_logins, user.locked_until = 0, None
        audit.record(session, actor, ACTION, name, "ok", {"op": "clear_lockout", "failures": before}, now=now)


def change_own_password(engine: Engine, actor: Actor | None, current_password: str, new_password: str, *,
                        now: dt.datetime | None = None) -> None:
    """A signed-in user changes their own password (needs the current one). Their other sessions end."""
    now = utcnow(now)
    if actor is None:
        raise refuse(engine, None, "change_password", Refused("access.refused.signed_out", reason="signed_out"), now=now)
    with session_factory(engine).begin() as session:
        user = _user(session, actor.username, lock=False)
        stored = user.password_hash
    if not passwords.verify_password(stored, current_password):
        raise refuse(engine, actor, "change_password", Refused("access.auth.wrong_current", reason="wrong_current"),
                     target=actor.username, now=now)
    hashed = _new_hash(engine, actor.username, new_password)
    with session_factory(engine).begin() as session:
        user = _user(session, actor.username)
        user.password_hash, user.password_changed_at = hashed, now
        end_sessions(session, actor.username)
        audit.record(session, actor, "change_password", actor.username, "ok", {}, now=now)


def admin_exists(engine: Engine) -> bool:
    """Whether an active administrator exists."""
    with engine.connect() as conn:
        return _active_admins(conn) > 0


def _no_user_at_all(bind) -> bool:
    return bind.execute(select(func.count()).select_from(models.AppUser)).scalar() == 0


def first_run_open(engine: Engine) -> bool:
    """Whether the app may offer the first-run form: only on an installation that has never had a user
    (demo accounts count). Afterwards the form never comes back, even with every administrator gone:
    an installation that lost its administrators is recovered at the command line (`users add` or
    `users activate`), never from a page anyone can reach."""
    with engine.connect() as conn:
        return _no_user_at_all(conn)


def create_first_admin(engine: Engine, username: str, password: str, *, display_name: str = "",
                       now: dt.datetime | None = None) -> None:
    """The first-run form's action: an administrator, only while `first_run_open`. Refused (and
    audited) otherwise, so the form cannot be used to take over an installation."""
    now = utcnow(now)
    name = valid_username(username)
    if not first_run_open(engine):
        raise refuse(engine, None, ACTION, Refused("access.users.admin_exists", reason="admin_exists"),
                     target=name, detail={"op": "first_admin"}, now=now)
    hashed = _new_hash(engine, name, password)
    with session_factory(engine).begin() as session:
        _serialise(session)
        if not _no_user_at_all(session):
            taken = True
        else:
            taken = False
            session.add(models.AppUser(
                username=name, display_name=display_name.strip()[:200], role="admin", password_hash=hashed, active=True,
                is_demo=False, failed_logins=0, created_at=now, password_changed_at=now,
            ))
            audit.record(session, name, ACTION, name, "ok", {"op": "first_admin"}, now=now)
    if taken:
        raise refuse(engine, None, ACTION, Refused("access.users.admin_exists", reason="admin_exists"),
                     target=name, detail={"op": "first_admin"}, now=now)
