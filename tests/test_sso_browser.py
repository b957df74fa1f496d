"""Single sign-on end to end (issue 17, item 12), in Chromium, against a real OpenID Connect provider
started by the test (testkit/oidc.py: Authlib's authorization server, signed ID tokens, discovery, RP-initiated
logout) and a real server configured by a secrets file as the deploy guide says (`[auth]` + `[p06_sso]`):

- an identity of the group "p06-nhap-lieu" with one commune in `p06_units` signs in through the provider
  and is that commune's submitter: the submitter's pages in the navigation and no other, only that commune
  in the template picker; the sign-in is audited with method "sso", the provider's subject and the client's
  address;
- signing out ends the provider's session too (its end-session page) and the next visit shows the sign-in
  form: no silent sign-in, and the next identity chosen at the provider is the one that signs in;
- an identity whose groups map to no role, or with the name of a local password account (single sign-on
  never takes one over), is refused with the Vietnamese message, once (a rerun does not audit it again), and
  gets no page; "another account" ends the provider's session and the next identity chosen signs in.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from storage import models
from storage.db import make_engine
from testkit.live_server import streamlit_server
from testkit.oidc import oidc_provider, write_secrets
from tests.test_browser import CHROMIUM, LOCAL_HOSTS, SHOTS, wait_for_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"browser tests need Debian's Chromium at {CHROMIUM} (scripts/test.sh installs it)"),
]

COMMUNE = "16681"  # Phường Thành Vinh in the sample
SUBMITTER = {"preferred_username": "ubnd.thanh.vinh", "name": "Cán bộ UBND phường Thành Vinh",
             "groups": ["nhan-vien", "p06-nhap-lieu"], "p06_units": [COMMUNE]}
LEADER = {"preferred_username": "lanh.dao.tinh", "name": "Lãnh đạo tỉnh", "groups": ["p06-lanh-dao"]}
STRANGER = {"preferred_username": "khach.ngoai", "name": "Người ngoài", "groups": ["nhan-vien"]}
TAKEOVER = {"preferred_username": "demo_admin", "name": "Giả mạo", "groups": ["p06-quan-tri"]}
SSO_BUTTON = "Đăng nhập một lần (tài khoản của tỉnh)"


@pytest.fixture(scope="module")
def sso(tmp_path_factory, _backends, _templates):
    backend = _backends["sqlite"]
    url = backend.clone(_templates.get(backend, "sample"), "sso_browser")
    folder = tmp_path_factory.mktemp("sso")
    with oidc_provider() as idp:
        for sub, claims in {"sub-submitter": SUBMITTER, "sub-leader": LEADER, "sub-stranger": STRANGER,
                            "sub-takeover": TAKEOVER}.items():
            idp.set_user(sub, claims)
        secrets = write_secrets(folder / "secrets.toml", idp.url)
        with streamlit_server(url, folder, args=["--secrets.files", str(secrets)]) as base:
            yield base, idp, url
    backend.drop(url)


def _context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    # The provider's pages link a stylesheet on a CDN: nothing leaves 127.0.0.1.
    context.route(lambda u: urlparse(u).hostname not in LOCAL_HOSTS, lambda route: route.abort())
    return context


def _sso(page, base: str, idp, sub: str) -> None:
    """From the sign-in form: the single sign-on button, the provider's page (type the subject), and back."""
    page.get_by_role("button", name=SSO_BUTTON).click()
    page.wait_for_url(f"{idp.url}/oauth2/authorize**", timeout=60_000)
    page.fill('input[name="sub"]', sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{base}/**", timeout=60_000)
    wait_for_run(page)


def _sign_ins(url: str, username: str, action: str = "sign_in") -> list[dict]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(models.AuditEvent.outcome, models.AuditEvent.detail).where(
                models.AuditEvent.action == action, models.AuditEvent.target == username)
                .order_by(models.AuditEvent.id)).all()
    finally:
        engine.dispose()
    return [{"outcome": outcome, **json.loads(detail or "{}")} for outcome, detail in rows]


def _nav(page) -> set[str]:
    """The page titles in the navigation (each link's last line: the first is its icon's name)."""
    return {a.inner_text().strip().splitlines()[-1].strip() for a in page.locator('[data-testid="stSidebarNav"] a').all()}


def test_a_submitter_signs_in_through_the_provider_with_their_commune_only_and_signs_out(sso, browser):
    base, idp, url = sso
    context = _context(browser)
    page = context.new_page()
    try:
        page.goto(base, wait_until="domcontentloaded")
        wait_for_run(page)
        _sso(page, base, idp, "sub-submitter")
        page.locator("h1", has_text="Đăng nhập").first.wait_for(state="detached", timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "Cán bộ UBND phường Thành Vinh" in sidebar and "Cán bộ nhập liệu" in sidebar
        nav = _nav(page)
        assert {"Tổng quan", "Nộp số liệu"} <= nav, nav
        assert not nav & {"Quản trị", "Đơn vị yếu", "Bản đồ", "Báo cáo"}, nav

        # Only the commune in the template picker of Nộp số liệu.
        page.locator('[data-testid="stSidebarNav"] a', has_text="Nộp số liệu").click()
        page.wait_for_url(f"{base}/nop-so-lieu**", timeout=60_000)
        wait_for_run(page)
        assert "Nộp số liệu" in page.locator("h1").first.inner_text()
        page.locator(".st-key-tpl_unit").click()
        options = [o.inner_text().strip() for o in page.locator('[role="option"]').all()]
        assert options and all(o.endswith(f"({COMMUNE})") for o in options), options
        page.keyboard.press("Escape")

        events = _sign_ins(url, "ubnd.thanh.vinh")
        assert [(e["outcome"], e["method"], e["subject"], e["role"], e["units"]) for e in events] == [
            ("ok", "sso", "sub-submitter", "submitter", [COMMUNE])]
        # The client's address as password sign-ins record it ("local": Streamlit gives none on the loopback).
        assert events[0]["issuer"] == idp.url and events[0]["source"]

        # Sign out: the provider's end-session page, then the sign-in form; not signed in again.
        page.get_by_role("button", name="Đăng xuất").click()
        page.wait_for_url(f"{idp.url}/oauth2/end_session**", timeout=60_000)
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(f"{base}/**", timeout=60_000)
        wait_for_run(page)
        assert page.locator("h1", has_text="Đăng nhập").first.is_visible()
        page.goto(base, wait_until="domcontentloaded")
        wait_for_run(page)
        assert page.locator("h1", has_text="Đăng nhập").first.is_visible()
        assert len(_sign_ins(url, "ubnd.thanh.vinh")) == 1
        assert [e["outcome"] for e in _sign_ins(url, "ubnd.thanh.vinh", "sign_out")] == ["ok"]

        # The next person at this browser chooses their own identity at the provider, and is that person.
        _sso(page, base, idp, "sub-leader")
        page.locator("h1", has_text="Đăng nhập").first.wait_for(state="detached", timeout=60_000)
        sidebar = page.locator('[data-testid="stSidebar"]').inner_text()
        assert "Lãnh đạo tỉnh" in sidebar and "Cán bộ UBND" not in sidebar
    finally:
        context.close()


@pytest.mark.parametrize("sub, username, reason", [
    ("sub-stranger", "khach.ngoai", "no_role"),
    ("sub-takeover", "demo_admin", "local_account"),
])
def test_an_identity_without_a_role_or_with_a_local_account_name_is_refused_in_vietnamese(sso, browser, sub, username, reason):
    base, idp, url = sso
    context = _context(browser)
    page = context.new_page()
    try:
        page.goto(base, wait_until="domcontentloaded")
        wait_for_run(page)
        before = len(_sign_ins(url, username))
        _sso(page, base, idp, sub)
        error = page.locator('[data-testid="stAlertContentError"]').first
        error.wait_for(timeout=60_000)
        assert "Đăng nhập một lần không thành công" in error.inner_text()
        assert page.locator("h1", has_text="Đăng nhập").first.is_visible()
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"sso-refused-{reason}-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_timeout(500)
        page.screenshot(path=str(SHOTS / f"sso-refused-{reason}-phone.png"), full_page=True)
        # A rerun (typing in the password form) neither signs in nor records the refusal again.
        page.get_by_label("Tên đăng nhập").fill("ai.do")
        page.get_by_label("Mật khẩu").press("Tab")
        wait_for_run(page)
        assert page.locator("h1", has_text="Đăng nhập").first.is_visible()
        events = _sign_ins(url, username)[before:]
        assert [(e["outcome"], e["method"], e["reason"], e["subject"]) for e in events] == [("failed", "sso", reason, sub)]

        # "Another account" ends the provider's session, then the person chooses again at the provider.
        page.set_viewport_size({"width": 1280, "height": 900})
        assert page.get_by_role("button", name=SSO_BUTTON).count() == 0
        page.get_by_role("button", name="Đăng nhập bằng tài khoản khác").click()
        page.wait_for_url(f"{idp.url}/oauth2/end_session**", timeout=60_000)
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(f"{base}/**", timeout=60_000)
        wait_for_run(page)
        assert page.locator('[data-testid="stAlertContentError"]').count() == 0
        _sso(page, base, idp, "sub-leader")
        page.locator("h1", has_text="Đăng nhập").first.wait_for(state="detached", timeout=60_000)
        assert "Lãnh đạo tỉnh" in page.locator('[data-testid="stSidebar"]').inner_text()
    finally:
        context.close()
