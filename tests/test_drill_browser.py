"""Drill-through in Chromium (issue 12): clicking a bar, a heat-map cell or a table row on Địa phương, a row of the
weak list or of the map's list opens that unit's profile for the same
month."""

from __future__ import annotations

from tests.test_browser import (  # noqa: F401
    BROWSER_MARKS,
    click_until,
    server,
    sign_in,
    wait_for_charts,
    wait_for_run,
)

pytestmark = BROWSER_MARKS


def test_clicking_a_bar_on_localities_opens_that_unit_s_profile_for_the_same_month(server, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{server}/dia-phuong?period=2026-09&level=commune", wait_until="domcontentloaded")
        wait_for_run(page)
        sign_in(page, "demo_leader")
        wait_for_charts(page)
        bar = page.locator('[data-testid="stPlotlyChart"]').first.locator("g.trace.bars g.point path").first
        bar.scroll_into_view_if_needed()
        label = bar.evaluate("el => el.closest('.js-plotly-plot').data[0].y[0]")  # "121. Xã Tam Hợp"
        box = bar.bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        # plotly's drag layer lies over the bars: click where the bar is drawn, as a person does (once more if
        # the first click came while the chart was still being wired up).
        for _ in range(3):
            page.mouse.move(x, y)
            page.wait_for_timeout(500)
            page.mouse.click(x, y)
            try:
                page.wait_for_url("**/ho-so-don-vi**", timeout=15_000)
                break
            except Exception:
                continue
        assert "/ho-so-don-vi" in page.url, page.url
        wait_for_run(page)
        assert "period=2026-09" in page.url
        name = label.split(". ", 1)[1]
        assert page.locator("h3").first.inner_text().strip() == name
        assert page.get_by_text("Tháng 09/2026").first.is_visible()
    finally:
        context.close()


def _open_localities(browser, server):  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{server}/dia-phuong?period=2026-09&level=commune", wait_until="domcontentloaded")
    wait_for_run(page)
    sign_in(page, "demo_leader")
    wait_for_charts(page)
    return context, page


def _click_until_profile(page, x: float, y: float) -> None:
    click_until(page, x, y, lambda p: p.wait_for_url("**/ho-so-don-vi**", timeout=15_000))


def test_clicking_a_heat_map_cell_opens_that_unit_s_profile_for_the_same_month(server, browser):  # noqa: F811
    context, page = _open_localities(browser, server)
    try:
        heat = page.locator('[data-testid="stPlotlyChart"]').nth(1)
        heat.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        # The sixth row's third column, clicked off its centre (near the cell's corner), as a person does.
        cell = heat.evaluate("""el => { const gd = el.querySelector('.js-plotly-plot'), fl = gd._fullLayout;
            const rows = gd.data[0].y, cols = gd.data[0].x, r = rows[5], c = cols[2], box = gd.getBoundingClientRect();
            return {label: r, x: box.x + fl.xaxis._offset + fl.xaxis.d2p(c) + 0.35 * fl.xaxis._length / cols.length,
                    y: box.y + fl.yaxis._offset + fl.yaxis.d2p(r) + 0.3 * fl.yaxis._length / rows.length}; }""")
        _click_until_profile(page, cell["x"], cell["y"])
        assert "/ho-so-don-vi" in page.url, page.url
        wait_for_run(page)
        assert "period=2026-09" in page.url
        assert page.locator("h3").first.inner_text().strip() == cell["label"].split(". ", 1)[1]
    finally:
        context.close()


def _select_row(browser, server, path: str, user: str, row: int) -> tuple[str, str]:  # noqa: F811
    """Open `path` as `user`, tick data row `row` (1 = first) of the page's first table, and return the row's
    first cell as shown and the heading of the page it lands on."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{server}/{path}", wait_until="domcontentloaded")
        wait_for_run(page)
        sign_in(page, user)
        grid = page.locator('[data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        box = grid.bounding_box()
        # The grid draws on a canvas; its accessible table names the row's unit.
        shown = grid.locator('[role="row"]').nth(row).locator('[role="gridcell"]').first.inner_text().strip()
        row_height = 35  # the header is one row too
        _click_until_profile(page, box["x"] + 15, box["y"] + row_height * row + row_height / 2)
        assert "/ho-so-don-vi" in page.url, page.url
        wait_for_run(page)
        assert "period=2026-09" in page.url
        return shown, page.locator("h3").first.inner_text().strip()
    finally:
        context.close()


def test_selecting_a_table_row_opens_that_unit_s_profile_for_the_same_month(server, browser):  # noqa: F811
    name, heading = _select_row(browser, server, "dia-phuong?period=2026-09&level=commune", "demo_leader", 3)
    assert heading == name


def test_selecting_a_unit_on_the_weak_list_opens_its_profile_for_the_same_month(server, browser):  # noqa: F811
    label, heading = _select_row(browser, server, "don-vi-yeu?period=2026-09", "demo_standing", 1)  # "4. Xã …"
    assert heading == label.split(". ", 1)[1]


def test_selecting_a_unit_in_the_map_s_list_opens_its_profile_for_the_same_month(server, browser):  # noqa: F811
    name, heading = _select_row(browser, server, "ban-do?period=2026-09", "demo_leader", 2)
    assert heading == name
