"""Signing in: local accounts (argon2 password hashes in `app_user`) and optional single sign-on.

Password sign-in, `sign_in(engine, username, password) -> token`:
- a wrong password, an unknown or inactive user, or a locked account all give the same message, and an
  unknown username costs the same argon2 work as a wrong password, so neither the message nor the time
  tells which usernames exist;
- throttling: after the k-th consecutive failure the account refuses attempts for
  `login_throttle_seconds` x 2^(k-1) seconds (attempts in that time are refused without looking at the
  password, though they take as long, and are not counted);
- lockout: after `max_failed_logins` consecutive failures, for `lockout_minutes`; when it ends, the
  count starts again from zero; a success resets it;
- sources (issue 17): every attempt comes from a source (the client's address, given by the page layer;
  "local" when none is known, which counts for the account only). Failures are also counted per source over every account: after
  `max_failed_logins_per_source` consecutive ones the source is blocked (for `lockout_minutes`, twice as
  long at each new block, at most a day), whatever it types. An account's lockout shuts out only sources
  it has never signed in from: at an address where the account has signed in before, its own attempts
  are throttled per account and source (the same growing delay, at most `lockout_minutes`) and never
  locked by what others typed elsewhere. So nobody can keep a user out from somewhere else, guessing is
  bounded per source and per account, and the audit trail shows each attempt with its source, each
  block of a source (`source_blocked_now`) and each lockout (`locked_now`);
- every attempt is audited (`sign_in`, outcome ok or failed, with the reason); an unknown username is
  recorded without the name typed, which is often a password typed into the wrong box;
- a stored hash with outdated argon2 parameters is replaced after a successful sign-in.

Single sign-on, `sign_in_sso(engine, claims, config)`: the page layer calls it with `st.user`'s claims
after `st.login` (OIDC, e.g. a provincial Keycloak configured in `.streamlit/secrets.toml`); the
claims give the username and, through `config.roles`, the role (and, with `units_claim`, the units).
Audited with method "sso", the client's address and the provider's issuer and subject. Both routes end in the same kind of
session (services/sessions.py), so pages call `resume(engine, token)` whichever was used.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine, and_, case, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain.errors import Invalid, Refused
from services import audit, passwords, permissions
from services.clock import setting, utcnow
from services.sample_mode import sample_only
from services.sessions import new_session, resume, sign_out  # noqa: F401 - the auth API in one place
from storage import models
from storage.db import session_factory
from storage.retry import in_transaction

log = logging.getLogger("p06.auth")

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@+-]{1,99}$")
MAX_PASSWORD_INPUT = 1024  # longer input is refused before hashing (argon2 work is the attacker's lever)


def normalize_username(username: str) -> str:
    return unicodedata.normalize("NFC", str(username or "")).strip().casefold()


def valid_username(username: str) -> str:
    """The normalised username, or Invalid: 2–100 characters a–z, 0–9 and . _ @ + - (an e-mail fits)."""
    name = normalize_username(username)
    if not USERNAME.match(name):
        raise Invalid("access.users.bad_username", username=name[:100])
    return name


def _failed() -> Refused:
    return Refused("access.auth.failed", reason="failed")


ANY_ACCOUNT = "*"  # sign_in_source.username of a source's own counter
LOCAL_SOURCE = "local"  # no address known (the CLI, a test)
MAX_SOURCE_BLOCK = dt.timedelta(hours=24)


def normalize_source(source) -> str:
    """An address as stored: an IP address in its canonical form; anything else reduced to a short token."""
    text = str(source or "").strip()
    if not text:
        return LOCAL_SOURCE
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return re.sub(r"[^0-9A-Za-z.:_-]", "", text)[:64] or LOCAL_SOURCE


def sign_in(engine: Engine, username: str, password: str, *, source: str | None = None,
            now: dt.datetime | None = None) -> str:
    """A new session token for a correct username and password; otherwise Refused (one message for every
    kind of failure). Throttling, lockout, audit and rehashing as described above.

    The slow argon2 check runs with no lock held; the outcome is then written with conditional,
    atomic updates (the failure count is incremented in SQL, a success only lands if the account is
    still unlocked), so simultaneous attempts neither block each other nor lose a failure."""
    now = utcnow(now)
    limits = {
        "max": setting(engine, "max_failed_logins"),
        "lockout": dt.timedelta(minutes=setting(engine, "lockout_minutes")),
        "throttle": setting(engine, "login_throttle_seconds"),
        "hours": setting(engine, "session_max_hours"),
        "per_source": setting(engine, "max_failed_logins_per_source"),
    }
    source = normalize_source(source)
    name = normalize_username(username)
    password = password if isinstance(password, str) else ""
    user, reason, until, known = _precheck(engine, name, password, now, limits["max"], source)
    if reason is not None:
        if len(password) <= MAX_PASSWORD_INPUT:
            passwords.waste_time_like_a_verify(password)  # as slow as a real check: the time tells nothing
        # The name typed is not recorded for an unknown user: it is often a password in the wrong box.
        who = user.username if user is not None else None
        detail = {"reason": reason, "method": "password", "source": source}
        if until is not None:
            detail["until"] = until.isoformat()
        audit.record(engine, who, "sign_in", who or "", "failed", detail, now=now)
        if reason != "source_blocked":  # attempts while blocked are refused unread and do not extend the block
            in_transaction(engine, lambda session: _source_failed(session, source, now, limits))
        log.info("sign-in failed (%s)", reason)
        raise _failed()
    ok = passwords.verify_password(user.password_hash, password)
    new_hash = passwords.hash_password(password) if ok and passwords.needs_rehash(user.password_hash) else None
    token, reason = in_transaction(engine, lambda session: _outcome(session, name, ok, new_hash, now, limits, source, known))
    if token is None:
        log.info("sign-in failed (%s)", reason)
        raise _failed()
    log.info("sign-in %s", name)
    return token


def _precheck(engine: Engine, name: str, password: str, now: dt.datetime, max_failures: int, source: str):
    """(user row or None, reason to refuse before checking the password or None, until when, whether the
    account has signed in from this source before)."""
    u, src = models.AppUser, models.SignInSource
    with engine.connect() as conn:
        rows = {r.username: r for r in conn.execute(
            select(src).where(src.source == source, src.username.in_([ANY_ACCOUNT, name]))).all()}
        here, mine = rows.get(ANY_ACCOUNT), rows.get(name)
        if here is not None and here.locked_until is not None and here.locked_until > now:
            return None, "source_blocked", here.locked_until, False
        if not USERNAME.match(name) or len(password) > MAX_PASSWORD_INPUT:
            return None, "unknown_user", None, False
        user = conn.execute(select(u).where(u.username == name)).first()
        if user is None:
            return None, "unknown_user", None, False
        known = source != LOCAL_SOURCE and mine is not None and mine.last_success_at is not None
        if not user.active:
            return user, "inactive", None, known
        if user.password_hash is None:
            return user, "no_password", None, known
        if known:
            # Where the account has signed in before, only its own attempts from here hold it back.
            if mine.locked_until is not None and mine.locked_until > now:
                return user, "throttled_here", mine.locked_until, known
        elif user.locked_until is not None and user.locked_until > now:
            return user, "locked" if user.failed_logins >= max_failures else "throttled", user.locked_until, known
        if user.is_demo and not sample_only(conn):
            return user, "demo_outside_sample", None, known
    return user, None, None, known


def _counter(session: Session, username: str, source: str) -> models.SignInSource:
    """The row counting `username`'s attempts from `source` (created on first use)."""
    row = session.get(models.SignInSource, (username, source))
    if row is None:
        try:
            with session.begin_nested():
                row = models.SignInSource(username=username, source=source, failures=0, blocks=0)
                session.add(row)
        except IntegrityError:  # created by a simultaneous attempt
            row = session.get(models.SignInSource, (username, source))
    return row


def _source_failed(session: Session, source: str, now: dt.datetime, limits: dict) -> None:
    """One more failure from `source`, over every account; blocks the source when it reaches the limit
    (an attempt with no address, from the CLI or a test, counts for its account only)."""
    if source == LOCAL_SOURCE:
        return
    row = _counter(session, ANY_ACCOUNT, source)
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= limits["per_source"]:
        row.blocks += 1
        row.failures = 0
        row.locked_until = now + min(limits["lockout"] * 2 ** min(row.blocks - 1, 16), MAX_SOURCE_BLOCK)
        audit.record(session, None, "sign_in", "", "failed",
                     {"reason": "source_blocked_now", "method": "password", "source": source,
                      "until": row.locked_until.isoformat(), "blocks": row.blocks}, now=now)
    session.flush()


def _source_succeeded(session: Session, name: str, source: str, now: dt.datetime) -> None:
    """A success from `source`: its counters start again, and the account knows this source from now on."""
    if source == LOCAL_SOURCE:
        return
    here = session.get(models.SignInSource, (ANY_ACCOUNT, source))
    if here is not None:
        here.failures = 0
    mine = _counter(session, name, source)
    mine.failures, mine.locked_until, mine.last_success_at = 0, None, now
    session.flush()


def _outcome(session: Session, name: str, ok: bool, new_hash: str | None, now: dt.datetime, limits: dict,
             source: str = LOCAL_SOURCE, known: bool = False):
    """Write the result of a checked password: (token, None) or (None, reason)."""
    u = models.AppUser
    unlocked = or_(u.locked_until.is_(None), u.locked_until <= now)
    if ok:
        values = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
        if new_hash:
            values.update(password_hash=new_hash, password_changed_at=now)
        landed = session.execute(
            update(u).where(u.username == name, u.active.is_(True), unlocked).values(**values)
        ).rowcount
        if not landed and known:
            # Locked by failures from elsewhere: the user signs in from a source of theirs, and the lock stays
            # for the others.
            values = {k: v for k, v in values.items() if k not in ("failed_logins", "locked_until")}
            landed = session.execute(update(u).where(u.username == name, u.active.is_(True)).values(**values)).rowcount
        if not landed:  # locked (or deactivated) by a simultaneous attempt since the check
            audit.record(session, name, "sign_in", name, "failed", {"reason": "locked", "method": "password", "source": source}, now=now)
            return None, "locked"
        _source_succeeded(session, name, source, now)
        token = new_session(session, name, now, limits["hours"])
        audit.record(session, name, "sign_in", name, "ok",
                     {"method": "password", "rehashed": new_hash is not None, "source": source}, now=now)
        return token, None
    _source_failed(session, source, now, limits)
    if known:
        # From a source of the account's own: a growing delay for this account here, never the account's lock.
        mine = _counter(session, name, source)
        mine.failures += 1
        mine.last_failure_at = now
        delay = dt.timedelta(seconds=limits["throttle"] * 2 ** min(mine.failures - 1, 20))
        mine.locked_until = now + min(delay, limits["lockout"]) if limits["throttle"] else None
        session.flush()
        audit.record(session, name, "sign_in", name, "failed",
                     {"reason": "bad_password", "method": "password", "failures": mine.failures, "source": source}, now=now)
        return None, "bad_password"
    # A lockout that has run out starts the count afresh; otherwise one more failure, counted in SQL.
    restart = and_(u.failed_logins >= limits["max"], unlocked)
    failures = session.execute(
        update(u).where(u.username == name)
        .values(failed_logins=case((restart, 1), else_=u.failed_logins + 1))
        .returning(u.failed_logins)
    ).scalar_one()
    if failures >= limits["max"]:
        until, reason = now + limits["lockout"], "locked_now"
    else:
        delay = limits["throttle"] * 2 ** (failures - 1)
        until, reason = (now + dt.timedelta(seconds=delay) if delay else None), "bad_password"
    session.execute(update(u).where(u.username == name).values(locked_until=until))
    audit.record(session, name, "sign_in", name, "failed",
                 {"reason": reason, "method": "password", "failures": failures, "source": source}, now=now)
    return None, reason


# --- single sign-on ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SsoConfig:
    """How OIDC claims map to our users. In `.streamlit/secrets.toml`, beside Streamlit's own `[auth]`:

        [p06_sso]
        username_claim = "preferred_username"   # or "email"
        roles_claim = "groups"                   # a list (or a string) of the user's groups
        units_claim = "p06_units"                # optional: unit codes of a submitter
        [p06_sso.roles]                          # group -> role; the most privileged match wins
        "p06-quan-tri" = "admin"
        "p06-lanh-dao" = "leader"

    A user whose groups map to no role is refused (unless `default_role` is set)."""

    roles: Mapping[str, str] = field(default_factory=dict)
    username_claim: str = "email"
    roles_claim: str = "groups"
    units_claim: str | None = None
    default_role: str | None = None

    @classmethod
    def from_mapping(cls, raw: Mapping) -> "SsoConfig":
        raw = {k: raw[k] for k in raw}
        roles = {str(k): str(v) for k, v in dict(raw.pop("roles", {}) or {}).items()}
        config = cls(roles=roles, **{k: raw[k] for k in ("username_claim", "roles_claim", "units_claim", "default_role") if k in raw})
        unknown = sorted({r for r in roles.values()} - set(permissions.roles()) | (
            {config.default_role} - set(permissions.roles()) if config.default_role else set()))
        if unknown:
            raise Invalid("access.sso.bad_config", roles=unknown)
        return config

    def role_for(self, claims: Mapping) -> str | None:
        groups = claims.get(self.roles_claim) or []
        if isinstance(groups, str):
            groups = [groups]
        found = {self.roles[g] for g in groups if g in self.roles}
        if not found:
            return self.default_role
        return min(found, key=permissions.rank)

    def units_for(self, claims: Mapping) -> list[str] | None:
        if not self.units_claim or self.units_claim not in claims:
            return None
        units = claims[self.units_claim]
        return [str(units)] if isinstance(units, (str, int)) else [str(x) for x in units]


def sign_in_sso(engine: Engine, claims: Mapping, config: SsoConfig, *, source: str | None = None,
                now: dt.datetime | None = None) -> str:
    """A session token for an identity the OIDC provider vouched for. The user row is created on first
    sign-in (no password: local sign-in stays impossible) and its role follows the claims every time.
    Refused: no username claim, an expired token, no role, an inactive user, or a local account of the
    same name (single sign-on never takes over a password account). An expired token (Streamlit keeps the
    provider's claims in its cookie for 30 days) is refused with its own message, asking for a new sign-in
    through the provider. Audited like a password sign-in, with method "sso", the client's address
    (`source`) and the provider's issuer and subject."""
    now = utcnow(now)
    provider = {"method": "sso", "source": normalize_source(source),
                "issuer": str(claims.get("iss", ""))[:200], "subject": str(claims.get("sub", ""))[:200]}
    name = normalize_username(claims.get(config.username_claim, ""))
    role = config.role_for(claims)
    units = config.units_for(claims)
    exp = claims.get("exp")
    reason = None
    if not USERNAME.match(name):
        reason, name = "no_username", ""
    elif exp is not None and float(exp) < now.timestamp():
        reason = "token_expired"
    elif role is None:
        reason = "no_role"
    hours = setting(engine, "session_max_hours")
    with session_factory(engine).begin() as session:
        user = session.get(models.AppUser, name) if name else None
        if reason is None and user is not None and user.password_hash is not None:
            reason = "local_account"
        elif reason is None and user is not None and not user.active:
            reason = "inactive"
        if reason is None and units is not None:
            known = set(session.execute(select(models.Unit.code).where(models.Unit.code.in_(units))).scalars())
            if set(units) - known:
                reason = "unknown_units"
        if reason is not None:
            audit.record(session, name or None, "sign_in", name, "failed", {"reason": reason, **provider}, now=now)
        else:
            if user is None:
                user = models.AppUser(username=name, display_name=str(claims.get("name", ""))[:200], role=role,
                                      password_hash=None, active=True, is_demo=False, failed_logins=0, created_at=now)
                session.add(user)
            user.role = role
            user.last_login_at = now
            session.flush()
            if units is not None:
                session.execute(delete(models.UserUnit).where(models.UserUnit.username == name))
                if units:
                    session.execute(insert(models.UserUnit), [{"username": name, "unit_code": c} for c in sorted(set(units))])
            token = new_session(session, name, now, hours)
            audit.record(session, name, "sign_in", name, "ok", {**provider, "role": role, "units": sorted(set(units)) if units is not None else None}, now=now)
    if reason is not None:
        log.info("single sign-on refused (%s)", reason)
        raise Refused("access.sso.expired" if reason == "token_expired" else "access.sso.refused", reason=reason)
    return token
