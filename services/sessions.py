"""Signed-in sessions. The browser (Streamlit session state, or a cookie the page layer sets) holds a
random token from `secrets.token_urlsafe`; the database holds only its SHA-256, so a copy of the
database lets no one in. A session ends when it has been idle longer than `session_idle_minutes`, when
it is older than `session_max_hours`, at sign-out, and when the user is deactivated, changes role or
has their password reset. `resume` is what every page run calls: a token in, an Actor or None out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.orm import Session

from services import audit
from services.clock import setting, utcnow
from services.permissions import Actor
from services.sample_mode import sample_only
from storage import models
from storage.db import session_factory
from storage.retry import in_transaction

TOKEN_BYTES = 32
# last_seen_at is written at most this often, so that every page rerun is not a database write.
TOUCH_EVERY = dt.timedelta(seconds=60)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_session(session: Session, username: str, now: dt.datetime, max_hours: int) -> str:
    """Create a session row in the caller's transaction; return the token (shown to no one but the browser)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(models.UserSession(
        token_hash=token_hash(token), username=username, created_at=now, last_seen_at=now,
        expires_at=now + dt.timedelta(hours=max_hours),
    ))
    return token


def end_sessions(bind, username: str) -> int:
    """End every session of `username` (in the caller's session/connection). Returns how many."""
    return bind.execute(delete(models.UserSession).where(models.UserSession.username == username)).rowcount


def units_of(bind, username: str) -> frozenset[str]:
    uu = models.UserUnit
    return frozenset(bind.execute(select(uu.unit_code).where(uu.username == username)).scalars())


def resume(engine: Engine, token: str | None, *, now: dt.datetime | None = None) -> Actor | None:
    """The signed-in Actor for `token`, or None: sign in again (unknown token, expired, user inactive,
    or a demo account outside sample mode). An expired session is deleted, so it can never come back."""
    if not token or not isinstance(token, str) or len(token) > 200:
        return None
    now = utcnow(now)
    idle = dt.timedelta(minutes=setting(engine, "session_idle_minutes"))
    return in_transaction(engine, lambda session: _resume(session, token, now, idle))


def _resume(session, token: str, now: dt.datetime, idle: dt.timedelta) -> Actor | None:
    s, u = models.UserSession, models.AppUser
    row = session.execute(
        select(s, u).join(u, u.username == s.username).where(s.token_hash == token_hash(token))
    ).first()
    if row is None:
        return None
    sess, user = row
    ended = None
    if now >= sess.expires_at:
        ended = "expired_absolute"
    elif now - sess.last_seen_at > idle:
        ended = "expired_idle"
    elif not user.active:
        ended = "inactive"
    elif user.is_demo and not sample_only(session):
        ended = "demo_outside_sample"
    if ended:
        session.execute(delete(s).where(s.token_hash == sess.token_hash))
        audit.record(session, user.username, "sign_out", user.username, "ok", {"reason": ended}, now=now)
        return None
    if now - sess.last_seen_at >= TOUCH_EVERY:
        session.execute(update(s).where(s.token_hash == sess.token_hash).values(last_seen_at=now))
    return Actor(user.username, user.role, units_of(session, user.username), user.display_name)


def sign_out(engine: Engine, token: str | None, *, now: dt.datetime | None = None) -> None:
    """End the session of `token` (nothing happens for an unknown one)."""
    if not token or not isinstance(token, str):
        return
    s = models.UserSession
    with session_factory(engine).begin() as session:
        username = session.execute(select(s.username).where(s.token_hash == token_hash(token))).scalar()
        if username is None:
            return
        session.execute(delete(s).where(s.token_hash == token_hash(token)))
        audit.record(session, username, "sign_out", username, "ok", {"reason": "signed_out"}, now=now)
