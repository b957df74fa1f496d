"""Drill-through in Chromium (issue 12): clicking a bar on Địa phương opens that unit's profile for the same
month."""

from __future__ import annotations

import pytest

from tests.test_browser import (  # noqa: F401
    CHROMIUM,
    server,
    sign_in,
    wait_for_charts,
    wait_for_run,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not __import__("os").path.exists(CHROMIUM), reason=f"browser tests need Debian's Chromium at {CHROMIUM}"),
]


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
