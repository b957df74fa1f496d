"""Sign-in in the app shell (AppTest, the real sign-in form and sessions on the sample province): a
submitter sees only their pages and units, a leader cannot reach the administration page, a wrong
password or an expired session leads back to the form, and signing out ends the session."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

import i18n
from services import permissions
from services.demo import DEMO_ACCOUNTS
from storage import models
from storage.db import make_engine
from testkit.project import APP
from tests.test_app import TIMEOUT, sign_in
from ui.navigation import PAGES

# The PostgreSQL half runs in the full suite; the inner loop runs the SQLite half (conftest.py).
pytestmark = pytest.mark.slow_on_postgresql

TITLE_KEYS = {  # the title each page draws
    "overview": "overview.heading", "localities": "leaders.localities.title", "map": "leaders.map.title",
    "trends": "leaders.trends.title", "submissions": "submissions.title", "weak": "weak.title",
    "reports": "reports.page.title", "unit_profile": "profile.title", "admin": "admin.title", "tasks": "tasks.title",
    "league": "league.title", "review": "review.title",
}
TITLES = {stem: i18n.t(key, "vi") for stem, key in TITLE_KEYS.items()}


@pytest.fixture
def app(monkeypatch, sample_copy_url):
    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    engine = make_engine(sample_copy_url)
    yield AppTest.from_file(APP, default_timeout=TIMEOUT), engine
    engine.dispose()


def _title(at: AppTest) -> str:
    return at.title[0].value if at.title else ""


def _open(at: AppTest, file: str) -> str | None:
    """The title of the page `file` as this user sees it; None when the app does not serve that file to
    them at all (AppTest then refuses to switch: its address shows the sign-in or "no access" notice)."""
    try:
        at.switch_page(file)
    except ValueError:
        return None
    at.run()
    assert not at.exception, at.exception
    return _title(at)


def test_a_visitor_must_sign_in_whatever_address_they_open(app):
    at, _ = app
    at.run()
    assert _title(at) == "Đăng nhập"
    for spec in PAGES:
        assert _open(at, spec.file) in (None, "Đăng nhập"), spec.file
    assert not any(TITLES["admin"] == t.value for t in at.title)


def test_a_wrong_password_is_refused_with_one_message_and_no_page_opens(app):
    at, _ = app
    sign_in(at.run(), "demo_admin", "sai-mat-khau", settle=False)
    assert _title(at) == "Đăng nhập"
    assert any("Đăng nhập không thành công" in e.value for e in at.error)


def test_a_submitter_sees_only_their_pages_and_units(app):
    at, _ = app
    sign_in(at.run(), "demo_submitter")
    assert not at.exception
    allowed = permissions.pages_for("submitter")
    for spec in PAGES:
        stem = Path(spec.file).stem
        if stem in allowed:
            assert _open(at, spec.file) == TITLES[stem], stem
        else:
            assert _open(at, spec.file) != TITLES[stem], f"a submitter reached {stem}"
    assert {"admin", "weak", "reports", "map"}.isdisjoint(allowed)

    # The template picker offers only the submitter's own units (and no compiled all-units workbook).
    _open(at, "pages/submissions.py")
    own = next(units for name, _, units, _ in DEMO_ACCOUNTS if name == "demo_submitter")
    unit_picker = next(s for s in at.selectbox if s.key == "tpl_unit")
    assert unit_picker.options
    codes = {o.rsplit("(", 1)[-1].rstrip(")") for o in unit_picker.options}
    assert codes <= set(own)


def test_a_leader_cannot_reach_the_administration_page(app):
    at, _ = app
    sign_in(at.run(), "demo_leader")
    assert _open(at, "pages/overview.py") == TITLES["overview"]
    assert _open(at, "pages/admin.py") is None  # not served to a leader
    assert not any(t.value == TITLES["admin"] for t in at.title)


def test_an_administrator_reaches_the_administration_page(app):
    at, _ = app
    sign_in(at.run(), "demo_admin")
    assert _open(at, "pages/admin.py") == TITLES["admin"]


def test_an_expired_session_signs_the_user_out_with_a_notice(app):
    at, engine = app
    sign_in(at.run(), "demo_standing")
    assert _title(at) == TITLES["overview"]
    past = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    with engine.begin() as conn:
        conn.execute(update(models.UserSession).values(expires_at=past))
    at.run()
    assert _title(at) == "Đăng nhập"
    assert any("hết hạn" in w.value for w in at.warning)


def test_signing_out_ends_the_session(app):
    at, engine = app
    sign_in(at.run(), "demo_viewer")
    assert any("Người xem" in c.value for c in at.sidebar.caption)
    next(b for b in at.sidebar.button if b.label == "Đăng xuất").click().run()
    assert _title(at) == "Đăng nhập"
    with engine.connect() as conn:
        assert conn.execute(models.UserSession.__table__.select()).first() is None


def test_an_administrator_searches_the_audit_trail(app):
    at, _ = app
    sign_in(at.run(), "demo_submitter", "sai-mat-khau", settle=False)  # a failure, audited
    at2 = AppTest.from_file(APP, default_timeout=TIMEOUT)
    sign_in(at2.run(), "demo_admin")
    assert _open(at2, "pages/admin.py") == TITLES["admin"]
    trail = next(tab for tab in at2.tabs if tab.label == "Nhật ký")
    table = trail.dataframe[0].value
    assert {"Người dùng", "Thao tác", "Kết quả"} <= set(table.columns)
    signins = table[table["Thao tác"] == "đăng nhập"]
    assert set(signins["Kết quả"]) >= {"Thành công", "Không thành công"}
    assert "demo_admin" in set(signins["Người dùng"])

    trail.text_input(key="audit_user").input("demo_submitter")
    next(b for b in trail.button if b.label == "Tìm").click()
    at2.run()
    trail = next(tab for tab in at2.tabs if tab.label == "Nhật ký")
    narrowed = trail.dataframe[0].value
    assert len(narrowed) >= 1 and set(narrowed["Người dùng"]) == {"demo_submitter"}
    assert list(narrowed["Kết quả"]).count("Không thành công") >= 1


def test_the_standing_agency_sees_who_has_not_submitted_but_uploads_nothing(app):
    at, _ = app
    sign_in(at.run(), "demo_standing")
    assert _open(at, "pages/submissions.py") == TITLES["submissions"]
    assert not at.get("file_uploader")  # no upload for a role that does not submit
    assert any(s.key == "tpl_unit" for s in at.selectbox)  # templates, for any unit
    assert at.dataframe  # the units × months completeness grid
