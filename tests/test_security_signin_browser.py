"""Staying signed in (issue 16 item 2) in Chromium, against a real server on the sample province: a reload,
a new tab and a shared link open signed in, on the same view; the default page's own address (/tong-quan)
shows the overview, not Streamlit's English "Page not found"; the token lives in an HttpOnly, SameSite
cookie that no script can read and no address carries; signing out in one tab ends the session in every
tab; and a copied cookie opens nothing once its session was signed out or left idle too long."""

from __future__ import annotations

import datetime as dt
import os
from urllib.parse import urlparse

import pytest
from sqlalchemy import update

from services.sessions import token_hash
from storage import models
from storage.db import make_engine
from testkit.live_server import streamlit_server
from tests.test_browser import CHROMIUM, sign_in, wait_for_run
from ui.signin_cookie import COOKIE

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"browser tests need Debian's Chromium at {CHROMIUM} (scripts/test.sh installs it)"),
]
SHARED = "dia-phuong?period=2026-09&level=commune&ind=online_dossier_rate&show=edges"


@pytest.fixture(scope="module")
def server(tmp_path_factory, _backends, _templates):
    backend = _backends["sqlite"]
    url = backend.clone(_templates.get(backend, "sample"), "signin_browser")
    with streamlit_server(url, tmp_path_factory.mktemp("server")) as base:
        yield base, url
    backend.drop(url)


def _context(browser):
    return browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")


def _go(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_for_run(page)


def _heading(page) -> str:
    return page.locator("h1").first.inner_text()


def _signed_in(page, base: str, path: str, username: str) -> dict:
    """Sign in at `path`; wait for the browser to hold the session cookie; return it."""
    _go(page, f"{base}/{path}")
    sign_in(page, username)
    for _ in range(50):
        cookie = next((c for c in page.context.cookies() if c["name"] == COOKIE), None)
        if cookie:
            return cookie
        page.wait_for_timeout(200)
    raise AssertionError("no session cookie after signing in")


def test_reload_new_tab_and_a_shared_link_stay_signed_in_on_the_same_view(server, browser):
    base, _ = server
    context = _context(browser)
    try:
        page = context.new_page()
        cookie = _signed_in(page, base, SHARED, "demo_leader")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
        assert COOKIE not in page.evaluate("document.cookie")  # no script on the page can read it
        assert cookie["value"] not in page.url
        assert "So sánh địa phương" in _heading(page)

        page.reload(wait_until="domcontentloaded")
        wait_for_run(page)
        assert "So sánh địa phương" in _heading(page)
        assert "period=2026-09" in page.url

        shared = context.new_page()  # a colleague's link, opened in a new tab
        _go(shared, f"{base}/{SHARED}")
        assert "So sánh địa phương" in _heading(shared)
        assert "period=2026-09" in shared.url and "level=commune" in shared.url
        assert shared.get_by_label("Tên đăng nhập").count() == 0

        home = context.new_page()  # the default page's own address, with a filter
        _go(home, f"{base}/tong-quan?period=2026-08")
        assert home.query_selector('[role="dialog"]') is None
        assert "Page not found" not in home.inner_text("body")
        assert "Tổng quan" in _heading(home)
        assert urlparse(home.url).path == "/" and "period=2026-08" in home.url
        assert all(cookie["value"] not in request for request in (page.url, shared.url, home.url))
    finally:
        context.close()


def test_signing_out_ends_the_session_in_every_tab_and_the_cookie_no_longer_works(server, browser):
    base, _ = server
    context = _context(browser)
    try:
        first = context.new_page()
        cookie = _signed_in(first, base, "xu-huong", "demo_viewer")
        second = context.new_page()
        _go(second, f"{base}/dia-phuong")
        assert "So sánh địa phương" in _heading(second)

        first.get_by_role("button", name="Đăng xuất").click()
        first.locator("h1", has_text="Đăng nhập").first.wait_for(timeout=60_000)
        for _ in range(50):  # the page has the browser drop its cookie too
            if not any(c["name"] == COOKIE for c in context.cookies()):
                break
            first.wait_for_timeout(200)
        assert not any(c["name"] == COOKIE for c in context.cookies())

        # The other tab, still open: its next run finds the session ended.
        second.reload(wait_until="domcontentloaded")
        wait_for_run(second)
        assert "Đăng nhập" in _heading(second)
    finally:
        context.close()

    # A copy of the cookie taken before signing out (another browser, a stolen jar) opens nothing.
    thief = _context(browser)
    try:
        thief.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path", "httpOnly", "sameSite")}])
        page = thief.new_page()
        _go(page, f"{base}/xu-huong")
        assert "Đăng nhập" in _heading(page)
        assert page.get_by_label("Tên đăng nhập").count() == 1
    finally:
        thief.close()


def test_a_session_left_idle_too_long_no_longer_opens_with_its_cookie(server, browser):
    base, url = server
    context = _context(browser)
    try:
        page = context.new_page()
        cookie = _signed_in(page, base, "tong-quan", "demo_standing")
        page.close()
        engine = make_engine(url)
        try:  # idle for longer than session_idle_minutes (30 by default)
            with engine.begin() as conn:
                conn.execute(update(models.UserSession).where(models.UserSession.token_hash == token_hash(cookie["value"]))
                             .values(last_seen_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=31)))
        finally:
            engine.dispose()
        page = context.new_page()
        _go(page, f"{base}/don-vi-yeu")
        assert "Đăng nhập" in _heading(page)
        assert "Phiên đăng nhập đã hết hạn" in page.inner_text("body")
        for _ in range(50):  # the ended session's cookie is dropped from the browser
            if not any(c["name"] == COOKIE for c in context.cookies()):
                break
            page.wait_for_timeout(200)
        assert not any(c["name"] == COOKIE for c in context.cookies())
        # Signing in again on that address works and opens it.
        sign_in(page, "demo_standing")
        assert "Đăng nhập" not in _heading(page)
    finally:
        context.close()
