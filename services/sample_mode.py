"""Is this database the sample province and nothing else? Demo accounts exist only while it is.

The rule: at least one submission is stored, every submission came from the sample loader
(`submission.source == "sample"`) or was tried by a demo account (a visitor trying the upload in the demo
must not lock the demo out), and no user exists other than the demo accounts. The first real upload or
CLI load, or the first real user, ends sample mode for good: demo accounts are then refused at sign-in,
their sessions stop resuming, and `services.demo.ensure_demo_accounts` deactivates them.
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, exists, select
from sqlalchemy.orm import Session

from storage import models

SAMPLE_SOURCE = "sample"


def synthetic_figures(bind: Engine | Connection | Session) -> bool:
    """Every stored figure came from the sample generator (at least one submission, all from the sample):
    reports and pages say the figures are synthetic."""
    has_sample, has_other, _ = _facts(bind)
    return has_sample and not has_other


def sample_only(bind: Engine | Connection | Session) -> bool:
    """Sample mode: synthetic figures and no user but the demo accounts."""
    has_sample, has_other, has_real_user = _facts(bind)
    return has_sample and not has_other and not has_real_user


def _facts(bind: Engine | Connection | Session) -> tuple[bool, bool, bool]:
    s, u = models.Submission, models.AppUser
    demo_users = select(u.username).where(u.is_demo.is_(True))
    stmt = select(
        exists().where(s.source == SAMPLE_SOURCE),
        exists().where(s.source != SAMPLE_SOURCE, s.submitted_by.not_in(demo_users)),
        exists().where(u.is_demo.is_(False)),
    )
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            has_sample, has_other, has_real_user = conn.execute(stmt).one()
    else:
        has_sample, has_other, has_real_user = bind.execute(stmt).one()
    return bool(has_sample), bool(has_other), bool(has_real_user)
