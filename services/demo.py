"""Demo accounts: one per role, with one documented password, for trying the sample province.

They exist only in sample mode (services/sample_mode.py: the database holds the sample's submissions
and nothing else, and no real user). `ensure_demo_accounts(engine)` is safe to call at every start:
- in sample mode it creates the missing demo accounts (existing ones are left as they are);
- otherwise it deactivates every demo account and ends their sessions, and creates nothing.
Independently, sign-in refuses a demo account and `resume` drops its session as soon as the database
leaves sample mode, so a forgotten demo account is never a way into a production database.

app.py calls it right after loading the sample (`ui.data.ensure_ready`), and on every start;
`python cli.py users demo` does the same by hand.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, insert, select, update

from services import audit, passwords
from services.clock import utcnow
from services.sample_mode import sample_only
from storage import models
from storage.db import session_factory

# Printed in the README. Meets the password policy; worthless outside sample mode, where it is refused.
DEMO_PASSWORD = "DeAn06-Demo-2026"

# username, role, units (the submitter: Vinh before the 2025 reform, Phường Thành Vinh after it, and
# the Department of Justice), display name
DEMO_ACCOUNTS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("demo_admin", "admin", (), "Quản trị (demo)"),
    ("demo_leader", "leader", (), "Lãnh đạo Ban Chỉ đạo (demo)"),
    ("demo_standing", "standing", (), "Tổ Đề án 06, Công an tỉnh (demo)"),
    ("demo_submitter", "submitter", ("412", "16681", "40-STP"), "Cán bộ nhập liệu Vinh (demo)"),
    ("demo_viewer", "viewer", (), "Người xem (demo)"),
)


def ensure_demo_accounts(engine: Engine, *, now: dt.datetime | None = None) -> list[str]:
    """Create the missing demo accounts in sample mode and return their usernames; outside sample mode
    deactivate any demo account and return []."""
    now = utcnow(now)
    u = models.AppUser
    if not sample_only(engine):
        with session_factory(engine).begin() as session:
            active = list(session.execute(select(u.username).where(u.is_demo.is_(True), u.active.is_(True))).scalars())
            if active:
                session.execute(update(u).where(u.username.in_(active)).values(active=False))
                session.execute(delete(models.UserSession).where(models.UserSession.username.in_(active)))
                audit.record(session, None, "manage_users", ",".join(active), "ok",
                             {"op": "deactivate_demo", "reason": "not_sample_only", "users": active}, now=now)
        return []
    with engine.connect() as conn:
        existing = set(conn.execute(select(u.username).where(u.username.in_([a[0] for a in DEMO_ACCOUNTS]))).scalars())
        known_units = set(conn.execute(select(models.Unit.code)).scalars())
    missing = [a for a in DEMO_ACCOUNTS if a[0] not in existing]
    if not missing:
        return []
    hashes = {name: passwords.hash_password(DEMO_PASSWORD) for name, *_ in missing}
    with session_factory(engine).begin() as session:
        if not sample_only(session):
            return []
        for name, role, units, display in missing:
            session.add(models.AppUser(
                username=name, display_name=display, role=role, password_hash=hashes[name], active=True,
                is_demo=True, failed_logins=0, created_at=now, password_changed_at=now,
            ))
        session.flush()
        rows = [{"username": name, "unit_code": c} for name, _, units, _ in missing for c in units if c in known_units]
        if rows:
            session.execute(insert(models.UserUnit), rows)
        created = [a[0] for a in missing]
        audit.record(session, None, "manage_users", ",".join(created), "ok", {"op": "create_demo", "users": created}, now=now)
    return created
