"""The role x action matrix: every service entry point, for every role, allowed or refused exactly as
services/permissions.toml says; a refused action changes nothing and leaves one audit row."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from typing import Callable

import pandas as pd
import pytest
from sqlalchemy import select

import i18n
from domain.errors import Refused
from domain.tasks import TaskIn
from services import (
    exports,
    followups,
    locks,
    permissions,
    submissions,
    targets,
    tasks,
    templates,
    trail,
    users,
    verification,
    visibility,
)
from services import settings as settings_service
from services.lock_state import lock_state
from storage import frames, models
from tests.access_helpers import (  # noqa: F401 - fast_hashing is an autouse fixture
    GOOD_PASSWORD,
    NOW,
    OPEN_PERIOD,
    OTHER_UNIT,
    OWN_UNIT,
    PROVINCE,
    actor,
    audit_rows,
    fast_hashing,
    snapshot,
    submission,
)

ROLES = permissions.roles()


# --- the matrix itself says what the issue says -----------------------------------------------------

# Issue #7: leader sees everything, changes nothing; standing agency sees everything, manages flags and
# follow-ups, exports; submitter: own units only; administrator: everything.
EXPECTED = {
    "admin": {a: "any" for a in permissions.actions()},
    "leader": {"view": "any", "view_followups": "any"},
    "standing": {"view": "any", "view_followups": "any", "download_template": "any", "manage_flags": "any",
                 "export": "any", "publish": "any", "manage_tasks": "any", "update_tasks": "any",
                 # Issue #19: the standing agency verifies signalled figures (leaders read the review).
                 "verify_figures": "any"},
    # Issue #13: the standing agency assigns tasks; a lead unit's submitter reports on its own tasks.
    "submitter": {"view": "own", "download_template": "own", "submit": "own", "update_tasks": "own"},
    "viewer": {"view": "any"},
}


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix_data_says_what_the_issue_says(role):
    got = {a: permissions.scope(role, a) for a in permissions.actions()}
    assert got == {a: EXPECTED[role].get(a, "no") for a in permissions.actions()}


def test_every_role_and_action_has_a_name_in_both_languages():
    for role in ROLES:
        assert i18n.t(f"access.role.{role}", "vi") and i18n.t(f"access.role.{role}", "en")
    for action in permissions.actions():
        assert i18n.t(f"access.action.{action}", "vi") and i18n.t(f"access.action.{action}", "en")


def test_every_page_of_the_app_is_declared_in_the_matrix():
    from ui.navigation import PAGES

    stems = {spec.file.rsplit("/", 1)[-1].removesuffix(".py") for spec in PAGES}
    assert stems <= set(permissions.matrix().pages)


@pytest.mark.parametrize("role, present, absent", [
    ("admin", {"overview", "users", "audit", "locks", "targets", "submissions"}, set()),
    ("leader", {"overview", "flags", "followups"}, {"users", "audit", "locks", "targets", "submissions", "reports"}),
    # The standing agency opens Nộp số liệu for the completeness grid and the templates (it does not upload).
    ("standing", {"overview", "flags", "followups", "reports", "submissions"}, {"users", "audit", "targets"}),
    ("submitter", {"overview", "submissions", "templates"}, {"flags", "followups", "users", "audit", "reports"}),
    ("viewer", {"overview", "flags"}, {"followups", "users", "audit", "submissions"}),
    (None, set(), {"overview", "users"}),
])
def test_pages_for_a_role(role, present, absent):
    pages = permissions.pages_for(role)
    assert present <= pages
    assert not absent & pages


def test_a_malformed_matrix_is_refused_at_load(tmp_path):
    text = permissions.MATRIX_FILE.read_text(encoding="utf-8").replace('[matrix.viewer]\nview = "any"', '[matrix.viewer]\nview = "all"')
    bad = tmp_path / "permissions.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="viewer.view"):
        permissions.load_matrix(bad)


# --- every entry point, every role --------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    action: str
    unit: str | None  # "own", "other", "province" or None (not about a unit)
    run: Callable  # (engine, actor) -> None
    done: Callable = lambda engine: True  # the effect an allowed call must have


def _count(engine, model, *where) -> int:
    with engine.connect() as conn:
        return len(conn.execute(select(model).where(*where)).all())


def _is_xlsx(data: bytes) -> None:
    assert data[:2] == b"PK" and len(data) > 2000


def _submit_file(engine, who, unit):
    """A CSV file through the loaders. A file refused for its unit comes back in the report (rejected,
    located problem) rather than as an exception: turn that into the Refused the matrix test expects."""
    data = f"unit_code,period,element,value\n{unit},{OPEN_PERIOD},dossiers_received,800\n{unit},{OPEN_PERIOD},dossiers_received_online,500\n"
    report = submissions.submit_files(engine, who, [(f"{unit}.csv", data.encode())], now=NOW)
    outcome = report.files[0]
    if any(p.code == "unit_not_allowed" for p in outcome.errors):
        raise Refused("access.refused.unit", reason="unit", units=[unit])
    assert outcome.stored, [p.code for p in outcome.errors]

CASES = {
    "view_own": Case("view", "own", lambda e, a: visibility.view_scope(e, a, unit_codes=[OWN_UNIT], now=NOW)),
    "view_province": Case("view", "province", lambda e, a: visibility.view_scope(e, a, unit_codes=[PROVINCE], now=NOW)),
    "view_other": Case("view", "other", lambda e, a: visibility.view_scope(e, a, unit_codes=[OTHER_UNIT], now=NOW)),
    "view_followups": Case("view_followups", None, lambda e, a: followups.history(e, a, now=NOW)),
    "template_own": Case("download_template", "own",
                         lambda e, a: _is_xlsx(templates.template_for(e, a, "locality", OPEN_PERIOD, OWN_UNIT, now=NOW))),
    "template_other": Case("download_template", "other",
                           lambda e, a: _is_xlsx(templates.template_for(e, a, "locality", OPEN_PERIOD, OTHER_UNIT, now=NOW))),
    "template_compiled": Case("download_template", "other",  # every unit of the form: more than a submitter's own
                              lambda e, a: _is_xlsx(templates.template_for(e, a, "locality", OPEN_PERIOD, now=NOW))),
    "submit_own": Case(
        "submit", "own", lambda e, a: submissions.submit(e, a, submission(OWN_UNIT, OPEN_PERIOD), now=NOW),
        lambda e: _count(e, models.DataValue, models.DataValue.unit_code == OWN_UNIT) == 2,
    ),
    "submit_other": Case(
        "submit", "other", lambda e, a: submissions.submit(e, a, submission(OTHER_UNIT, OPEN_PERIOD), now=NOW),
        lambda e: _count(e, models.DataValue, models.DataValue.unit_code == OTHER_UNIT) == 2,
    ),
    "submit_file_own": Case(
        "submit", "own", lambda e, a: _submit_file(e, a, OWN_UNIT),
        lambda e: _count(e, models.DataValue, models.DataValue.unit_code == OWN_UNIT) == 2,
    ),
    "submit_file_other": Case(
        "submit", "other", lambda e, a: _submit_file(e, a, OTHER_UNIT),
        lambda e: _count(e, models.DataValue, models.DataValue.unit_code == OTHER_UNIT) == 2,
    ),
    "edit_targets": Case(
        "edit_targets", None,
        lambda e, a: targets.set_target(e, a, "online_dossier_rate", 2027, 0.85, decision="KH 12/KH-UBND 2027", now=NOW),
        lambda e: _count(e, models.Target, models.Target.year == 2027, models.Target.value == 0.85) == 1,
    ),
    "manage_flags": Case(
        "manage_flags", None, lambda e, a: followups.add_followup(e, a, OTHER_UNIT, OPEN_PERIOD, "notified", "Đã gửi công văn", now=NOW),
        lambda e: _count(e, models.FlagFollowUp) == 1,
    ),
    "export": Case(
        "export", None, lambda e, a: exports.record_export(e, a, "monthly_report", OPEN_PERIOD, fmt="xlsx", now=NOW),
        lambda e: _count(e, models.AuditEvent, models.AuditEvent.action == "export", models.AuditEvent.outcome == "ok") == 1,
    ),
    "publish": Case(
        "publish", None, lambda e, a: locks.publish(e, a, OPEN_PERIOD, now=NOW),
        lambda e: lock_state(e, OPEN_PERIOD, NOW.date()).kind == "published",
    ),
    "lock": Case(
        "lock", None, lambda e, a: locks.lock(e, a, OPEN_PERIOD, "Chốt số liệu sớm", now=NOW),
        lambda e: lock_state(e, OPEN_PERIOD, NOW.date()).kind == "manual",
    ),
    "unlock": Case(
        "unlock", None, lambda e, a: locks.unlock(e, a, "2026-07", "Xã Thành Vinh báo sai số liệu", now=NOW),
        lambda e: lock_state(e, "2026-07", NOW.date()).kind == "unlocked",
    ),
    "manage_users": Case(
        "manage_users", None, lambda e, a: users.add_user(e, a, "can_bo_moi", "viewer", password=GOOD_PASSWORD, now=NOW),
        lambda e: _count(e, models.AppUser, models.AppUser.username == "can_bo_moi") == 1,
    ),
    "view_audit": Case("view_audit", None, lambda e, a: trail.search(e, a, now=NOW)),
    "manage_tasks": Case(
        "manage_tasks", None,
        lambda e, a: tasks.add_task(e, a, TaskIn("Rà soát quy trình", OTHER_UNIT, dt.date(2026, 12, 1)), now=NOW),
        lambda e: _count(e, models.Task) == 3,
    ),
    "update_tasks_own": Case(
        "update_tasks", "own", lambda e, a: tasks.set_status(e, a, OWN_TASK, "in_progress", "Đang làm", now=NOW),
        lambda e: _count(e, models.Task, models.Task.id == OWN_TASK, models.Task.status == "in_progress") == 1,
    ),
    "update_tasks_other": Case(
        "update_tasks", "other", lambda e, a: tasks.set_status(e, a, OTHER_TASK, "done", "Đã xong", now=NOW),
        lambda e: _count(e, models.Task, models.Task.id == OTHER_TASK, models.Task.status == "done") == 1,
    ),
    "verify_figures": Case(
        "verify_figures", None,
        lambda e, a: verification.record(e, a, OTHER_UNIT, OPEN_PERIOD, "dossiers_received", "history_outlier", "to_verify",
                                         value_key="1000", note="Cần xác minh với xã", now=NOW),
        lambda e: _count(e, models.DataVerification) == 1,
    ),
    "configure": Case(
        "configure", None, lambda e, a: settings_service.change(e, a, {"deadline_day": 7}, now=NOW),
        lambda e: frames.settings(e)["deadline_day"] == 7,
    ),
}


def test_the_cases_cover_every_action_of_the_matrix():
    assert {c.action for c in CASES.values()} == set(permissions.actions())


def expected_allowed(role: str, case: Case) -> bool:
    cell = permissions.scope(role, case.action)
    if cell == "no":
        return False
    if cell == "any" or case.unit in (None, "own"):
        return True
    if case.unit == "province":
        return permissions.matrix().actions[case.action].own_includes_province
    return False


OWN_TASK, OTHER_TASK = 1, 2  # in every database of this module: a task led by the own unit, one by another


def _with_tasks(engine) -> None:
    for unit in (OWN_UNIT, OTHER_UNIT):
        tasks.add_task(engine, actor("admin"), TaskIn(f"Nhiệm vụ của {unit}", unit, dt.date(2026, 12, 31)), now=NOW)


@pytest.fixture(scope="module")
def databases(_backends, _pg_reason, _templates):
    """Databases for the matrix, per backend: `fresh(name)` a new one for a call that is allowed (it changes
    things); `shared(name)` one for the whole module for calls that must be refused, which the test
    proves change nothing (cloning a database per refused cell would triple this module's time)."""
    from storage.db import make_engine
    from testkit.databases import unique_name

    made = {}  # engine -> (backend, url)

    def clone(name):
        if name == "postgresql" and _pg_reason:
            pytest.skip(_pg_reason)
        backend = _backends[name]
        url = backend.clone(_templates.get(backend, "init"), unique_name("p06_t_matrix"))
        eng = make_engine(url)
        made[eng] = (backend, url)
        _with_tasks(eng)
        return eng

    def drop(eng):
        backend, url = made.pop(eng)
        eng.dispose()
        backend.drop(url)

    shared = {}

    class Databases:
        @staticmethod
        @contextlib.contextmanager
        def fresh(name):
            eng = clone(name)
            try:
                yield eng
            finally:
                drop(eng)

        @staticmethod
        def shared(name):
            if name not in shared:
                shared[name] = clone(name)
            return shared[name]

    yield Databases
    for eng in list(made):
        drop(eng)


BACKENDS = ["sqlite", "postgresql"]


@pytest.mark.parametrize("case_name", list(CASES))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("backend", BACKENDS)
def test_role_x_action(databases, backend, role, case_name):
    case = CASES[case_name]
    who = actor(role, units=[OWN_UNIT] if role == "submitter" else ())
    if expected_allowed(role, case):
        with databases.fresh(backend) as engine:
            case.run(engine, who)
            assert case.done(engine)
            assert (audit_rows(engine)["outcome"] != "refused").all()
    else:
        engine = databases.shared(backend)
        before, audit_before = snapshot(engine), len(audit_rows(engine))
        with pytest.raises(Refused) as refused:
            case.run(engine, who)
        assert refused.value.reason in ("role", "unit")
        assert snapshot(engine) == before  # nothing changed
        rows = audit_rows(engine)
        assert len(rows) == audit_before + 1
        last = rows.iloc[-1]
        assert (last["username"], last["action"], last["outcome"]) == (who.username, case.action, "refused")


@pytest.mark.parametrize("case_name", [n for n, c in CASES.items() if c.action != "view" or c.unit is None] + ["view_own"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_signed_out_is_refused_everywhere(databases, backend, case_name):
    engine = databases.shared(backend)
    before = snapshot(engine)
    with pytest.raises(Refused) as refused:
        CASES[case_name].run(engine, None)
    assert refused.value.reason == "signed_out"
    assert snapshot(engine) == before
    last = audit_rows(engine).iloc[-1]
    assert pd.isna(last["username"]) and last["outcome"] == "refused"


def test_the_readme_shows_the_matrix_as_it_is():
    from testkit.project import ROOT

    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("| action | admin |"))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    shown = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        shown.update({(role, cells[0]): cell for role, cell in zip(header[1:], cells[1:])})
    assert shown == {(r, a): permissions.scope(r, a) for r in ROLES for a in permissions.actions()}
