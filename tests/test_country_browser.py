"""The country level in Chromium (issue 15, item 2): a national account on a deployment holding the 34
provinces sees the nation and the provinces ranked; one click on a province's bar or on its row of the
composite ranking opens that province, which then shows as a single-province installation; a province's
account never sees the country."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlparse

import pytest

import i18n
from testkit.live_server import streamlit_server
from tests.conftest import NATION_MONTHS
from tests.test_browser import (
    BROWSER_MARKS,
    SHOTS,
    click_until,
    outside_requests,
    wait_for_charts,
    wait_for_run,
)

pytestmark = BROWSER_MARKS

PASSWORD = "Sen-Vang-Ruong-Lua-42"
LAST = NATION_MONTHS[-1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, _backends, _pg_reason, _templates):
    from services import users
    from services.permissions import Actor
    from storage.db import make_engine

    backend = _backends["sqlite"]
    url = backend.clone(_templates.get(backend, "nation"), "browser_country")
    engine = make_engine(url)
    admin = Actor("quan.tri", "admin")
    now = dt.datetime(2026, 1, 20, 3, tzinfo=dt.UTC)
    users.add_user(engine, admin, "bcd.trung.uong", "leader", password=PASSWORD, now=now)
    users.add_user(engine, admin, "lanh.dao.nghe.an", "leader", password=PASSWORD, unit_codes=["40"], now=now)
    engine.dispose()
    with streamlit_server(url, tmp_path_factory.mktemp("country")) as base:
        yield base
    backend.drop(url)


def _open(browser, address: str, username: str, **context):
    ctx = browser.new_context(locale="vi-VN", **context)
    page = ctx.new_page()
    outside = outside_requests(page)
    page.goto(address, wait_until="domcontentloaded")
    wait_for_run(page)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.locator("h1", has_text="Đăng nhập").first.wait_for(state="detached", timeout=60_000)
    wait_for_run(page)
    wait_for_charts(page)
    return ctx, page, outside


def _province_opened(page) -> str | None:
    return parse_qs(urlparse(page.url).query).get("prov", [None])[0]


def _click_until_opened(page, x: float, y: float) -> None:
    click_until(page, x, y, lambda p: p.wait_for_function(
        "() => !['VN', null].includes(new URLSearchParams(location.search).get('prov'))", timeout=15_000))


def _is_single_province_overview(page, name: str) -> None:
    wait_for_run(page)
    body = page.inner_text("body")
    assert i18n.t("overview.heading", "vi") in body
    assert i18n.t("country.heading", "vi", n="34") not in body
    picker = page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').last
    shown = picker.inner_text() + " " + " ".join(i.input_value() for i in picker.locator("input").all())
    assert name in shown, shown


def test_the_country_ranks_the_34_provinces_and_a_bar_opens_one(server, browser):
    ctx, page, outside = _open(browser, f"{server}/tong-quan?period={LAST}", "bcd.trung.uong",
                               viewport={"width": 1400, "height": 1000})
    try:
        body = page.inner_text("body")
        assert i18n.t("country.title", "vi") in body
        assert i18n.t("country.heading", "vi", n="34") in body
        chart = page.locator('[data-testid="stPlotlyChart"]').last
        names = chart.evaluate("el => el.querySelector('.js-plotly-plot').data.filter(t => t.type === 'bar').flatMap(t => t.y)")
        assert len(names) == 34
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "tong-quan-ca-nuoc-desktop.png"), full_page=True)
        bar = chart.locator("g.trace.bars g.point path").first
        bar.scroll_into_view_if_needed()
        name = bar.evaluate("el => el.closest('.js-plotly-plot').data[0].y[0]")
        box = bar.bounding_box()
        _click_until_opened(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        assert _province_opened(page) not in (None, "VN"), page.url
        _is_single_province_overview(page, name)
        assert outside == []
    finally:
        ctx.close()


def test_a_row_of_the_composite_ranking_opens_that_province_on_a_phone(server, browser):
    ctx, page, _ = _open(browser, f"{server}/tong-quan?period={LAST}", "bcd.trung.uong",
                         viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    try:
        grid = page.locator('[data-testid="stDataFrame"]').last
        grid.evaluate("el => el.scrollIntoView({block: 'start'})")  # taller than the phone: its top in view
        page.wait_for_timeout(500)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "tong-quan-ca-nuoc-phone.png"))
        # The page is no wider than the phone.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 392
        second = grid.locator('[role="row"]').nth(2).locator('[role="gridcell"]')
        name = second.nth(1).inner_text().strip()  # rank, then the row's province
        box = grid.bounding_box()
        _click_until_opened(page, box["x"] + 15, box["y"] + 35 * 2 + 35 / 2)
        assert _province_opened(page) not in (None, "VN"), page.url
        _is_single_province_overview(page, name)
    finally:
        ctx.close()


def test_a_province_picked_in_the_sidebar_stays_open_from_page_to_page(server, browser):
    """The same picker on every page (one key): the second page change used to fall back to the country, the
    browser sending the previous page's widget value back."""
    ctx, page, _ = _open(browser, f"{server}/dia-phuong?period={LAST}", "bcd.trung.uong", viewport={"width": 1400, "height": 1000})
    try:
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').last.click()
        page.keyboard.type("Nghệ An")
        page.wait_for_timeout(400)
        page.keyboard.press("Enter")
        wait_for_run(page)
        assert _province_opened(page) == "40"
        for name in ("Tổng quan", "Xu hướng", "Bản đồ", "Tổng quan"):
            page.get_by_role("link", name=name).first.click()
            wait_for_run(page)
            assert _province_opened(page) == "40", (name, page.url)
        _is_single_province_overview(page, "Tỉnh Nghệ An")
    finally:
        ctx.close()


def test_a_province_s_leader_sees_their_province_only(server, browser):
    ctx, page, _ = _open(browser, f"{server}/tong-quan?period={LAST}&prov=56", "lanh.dao.nghe.an",
                         viewport={"width": 1400, "height": 1000})
    try:
        assert _province_opened(page) == "40"
        _is_single_province_overview(page, "Tỉnh Nghệ An")
        page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').last.click()
        options = page.locator('[role="option"]').all_inner_texts()
        assert options == ["Tỉnh Nghệ An"]
    finally:
        ctx.close()
