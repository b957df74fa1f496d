"""The real thing in Chromium: every page of a running server renders its charts (plotly's SVG drawn) and
maps (deck.gl's canvas drawn) without an error element, and no request leaves 127.0.0.1 (the provincial
network is closed). Screenshots of every whole page at desktop width, and of the overview and the weak
localities at phone width, go to artifacts/screenshots/ (git-ignored)."""

from __future__ import annotations

import os
from urllib.parse import urlparse

import pytest

from testkit.live_server import streamlit_server
from testkit.project import ROOT
from ui.navigation import PAGES

CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}
PHONE_PAGES = {"tong-quan", "don-vi-yeu"}  # leaders read these on phones

# Every browser test module's marks: a browser test is slow, and skipped where Chromium is missing.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"browser tests need Debian's Chromium at {CHROMIUM} (scripts/test.sh installs it)"),
]
pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory, _backends, _pg_reason, _templates):
    backend = _backends["sqlite"]
    url = backend.clone(_templates.get(backend, "sample"), "browser")
    with streamlit_server(url, tmp_path_factory.mktemp("server")) as base:
        yield base
    backend.drop(url)


def _open(browser, base: str, path: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN")
    page = context.new_page()
    outside = outside_requests(page)
    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
    wait_for_run(page)
    sign_in(page)
    return context, page, outside


def sign_in(page, username: str = "demo_admin") -> None:
    """A signed-out visitor gets the sign-in form at whatever address they opened; sign in there (the
    sample's demo account) and stay on that address."""
    from services.demo import DEMO_PASSWORD

    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator("h1", has_text="Đăng nhập").first.wait_for(state="detached", timeout=60_000)
    wait_for_run(page)


def wait_for_run(page) -> None:
    """Wait until the script run has finished and drawn something (Streamlit marks the app element with
    its script state), twice in a row, so that a rerun triggered by the first run is waited for too."""
    done = '[data-testid="stApp"][data-test-script-state="notRunning"] [data-testid="stMainBlockContainer"] [data-testid="stElementContainer"]'
    for _ in range(2):
        page.wait_for_selector(done, state="attached", timeout=90_000)
        page.wait_for_timeout(400)
    page.wait_for_load_state("networkidle", timeout=30_000)


# Every plotly chart has drawn its SVG and every deck.gl map its WebGL canvas (with a size).
CHARTS_DRAWN = """() => {
    const plots = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    const maps = [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"]')];
    return plots.every(p => p.querySelector('.main-svg'))
        && maps.every(m => [...m.querySelectorAll('canvas')].some(c => c.width > 0 && c.height > 0));
}"""
# How far the page, or the main scroll area inside it, reaches past the window's width.
SIDEWAYS = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    const page = document.documentElement.scrollWidth - document.documentElement.clientWidth;
    return Math.max(page, main ? main.scrollWidth - main.clientWidth : 0);
}"""
# The height of the page's content: Streamlit scrolls its main area, not the document, so a "full page"
# screenshot would stop at the window's bottom.
CONTENT_HEIGHT = """() => {
    const main = document.querySelector('[data-testid="stMain"]');
    return Math.max(document.documentElement.scrollHeight, main ? main.scrollHeight : 0);
}"""


def outside_requests(page) -> list[str]:
    """The addresses `page` requests outside this machine (fonts, tiles, a CDN), filled as it goes."""
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).scheme in ("http", "https", "ws", "wss")
            and urlparse(r.url).hostname not in LOCAL_HOSTS else None)
    return outside


def click_until(page, x: float, y: float, arrived) -> None:
    """Click (x, y) as a person does, once more (up to three times) if the first click came while the element
    was still being wired up; `arrived(page)` waits for what the click leads to and raises if it does not come."""
    for _ in range(3):
        page.mouse.move(x, y)
        page.wait_for_timeout(500)
        page.mouse.click(x, y)
        try:
            arrived(page)
            return
        except Exception:  # noqa: BLE001, S112 - clicked too early: click again
            continue


def wait_for_charts(page) -> None:
    page.wait_for_function(CHARTS_DRAWN, timeout=60_000)


def screenshot_whole(page, width: int, path) -> None:
    """The whole page: the window made as tall as the content (at most 12,000 px), then a screenshot."""
    height = min(int(page.evaluate(CONTENT_HEIGHT)) + 40, 12_000)
    page.set_viewport_size({"width": width, "height": max(height, 600)})
    page.wait_for_timeout(600)
    wait_for_charts(page)
    page.screenshot(path=str(path), full_page=True)


@pytest.mark.parametrize("spec", PAGES, ids=[p.url_path for p in PAGES])
def test_every_page_renders_without_error_and_stays_local(server, browser, spec):
    # The default page is served at the root address.
    context, page, outside = _open(browser, server, "" if spec.default else spec.url_path, 1440, 1000)
    try:
        for selector in ('[data-testid="stPlotlyChart"]', '[data-testid="stDeckGlJsonChart"]'):
            for el in page.query_selector_all(selector):
                el.wait_for_element_state("visible", timeout=30_000)
        wait_for_charts(page)
        errors = page.query_selector_all('[data-testid="stException"], [data-testid="stAlertContentError"], [role="dialog"]')
        assert [e.inner_text()[:300] for e in errors] == []
        assert page.inner_text("body").strip(), "blank page"
        SHOTS.mkdir(parents=True, exist_ok=True)
        screenshot_whole(page, 1440, SHOTS / f"{spec.url_path}-desktop.png")
        if spec.url_path in PHONE_PAGES:
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(500)
            wait_for_charts(page)
            overflow = page.evaluate(SIDEWAYS)
            assert overflow <= 1, f"{spec.url_path} scrolls sideways at phone width by {overflow}px"
            screenshot_whole(page, 390, SHOTS / f"{spec.url_path}-phone.png")
        assert outside == []
    finally:
        context.close()


def test_a_link_to_a_page_survives_a_fresh_server_and_the_sign_in(tmp_path_factory, _backends, _templates, browser):
    """The first visitor of a freshly started server follows a link to the trends page: no "Page not
    found" dialog, the sign-in form at that address, then that page."""
    backend = _backends["sqlite"]
    url = backend.clone(_templates.get(backend, "sample"), "browser_link")
    try:
        with streamlit_server(url, tmp_path_factory.mktemp("fresh")) as base:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
            page = context.new_page()
            page.goto(f"{base}/xu-huong", wait_until="domcontentloaded")
            wait_for_run(page)
            assert page.query_selector('[role="dialog"]') is None
            assert page.locator("h1", has_text="Đăng nhập").first.is_visible()
            sign_in(page, "demo_leader")
            assert urlparse(page.url).path.rstrip("/").endswith("/xu-huong")
            assert page.query_selector('[role="dialog"]') is None
            assert "Xu hướng" in page.inner_text("h1")
            context.close()
    finally:
        backend.drop(url)


def test_the_trend_span_can_be_dragged_and_stays_where_it_was_dropped(server, browser):
    """The span slider of Xu hướng starts on the whole series; a leader drags its start to the middle and
    it stays there (it used to snap back a moment later), and the address follows."""
    context, page, _ = _open(browser, server, "xu-huong", 1366, 900)
    try:
        thumbs = page.get_by_role("slider")
        assert thumbs.nth(0).get_attribute("aria-valuetext") == "01/2024"
        track = page.locator('[data-testid="stSlider"]').first.bounding_box()
        start = thumbs.nth(0).bounding_box()
        y = start["y"] + start["height"] / 2
        page.mouse.move(start["x"] + start["width"] / 2, y)
        page.mouse.down()
        page.mouse.move(track["x"] + track["width"] / 2, y, steps=12)
        page.mouse.up()
        dropped = thumbs.nth(0).get_attribute("aria-valuetext")
        assert dropped != "01/2024"
        wait_for_run(page)
        page.wait_for_timeout(1500)
        assert thumbs.nth(0).get_attribute("aria-valuetext") == dropped
        assert f"from={dropped[3:]}-{dropped[:2]}" in page.url
    finally:
        context.close()


def test_a_month_picked_stays_picked_from_page_to_page(server, browser):
    """A leader picks 08/2026 on the overview and walks through three pages by the menu: every page shows
    August (each page's month picker has its own key; the session remembers the month for the next)."""
    context, page, _ = _open(browser, server, "tong-quan", 1366, 900)
    try:
        picker = page.locator('[data-testid="stSelectbox"]', has_text="Tháng báo cáo").first
        picker.click()
        page.keyboard.type("08/2026")
        page.wait_for_timeout(400)
        page.keyboard.press("Enter")
        wait_for_run(page)
        assert "period=2026-08" in page.url
        for name in ("Địa phương", "Bản đồ", "Tổng quan"):
            page.get_by_role("link", name=name).first.click()
            wait_for_run(page)
            assert "period=2026-08" in page.url, (name, page.url)
            shown = page.locator('[data-testid="stSelectbox"]', has_text="Tháng báo cáo").first.locator("input").input_value()
            assert shown == "Tháng 08/2026", (name, shown)
    finally:
        context.close()
