"""A submitter's upload in Chromium, as a person does it: sign in as the demo submitter, choose a file,
press Kiểm tra tệp (the file is read and validated once), press Xác nhận (what was checked is stored, the
file is not read again), see what was stored, and stay signed in; the demo goes on for the next visitor."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import select

from storage import models
from storage.db import make_engine
from testkit.live_server import streamlit_server
from tests.test_browser import CHROMIUM, sign_in, wait_for_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"browser tests need Debian's Chromium at {CHROMIUM} (scripts/test.sh installs it)"),
]

CSV = b"unit_code,period,element,value\n16681,2026-11,dossiers_received,1500\n16681,2026-11,dossiers_received_online,1200\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory, _backends, _templates):
    backend = _backends["sqlite"]
    url = backend.clone(_templates.get(backend, "sample"), "browser_upload")
    with streamlit_server(url, tmp_path_factory.mktemp("server")) as base:
        yield base, url
    backend.drop(url)


def test_a_demo_submitter_checks_then_confirms_and_the_demo_goes_on(server):
    from playwright.sync_api import sync_playwright

    base, url = server
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                                     "--disable-dev-shm-usage"])
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
            page.goto(f"{base}/nop-so-lieu", wait_until="domcontentloaded")
            wait_for_run(page)
            sign_in(page, "demo_submitter")
            page.locator('input[type="file"]').set_input_files({"name": "vinh_11-2026.csv", "mimeType": "text/csv", "buffer": CSV})
            wait_for_run(page)
            page.get_by_role("button", name="Kiểm tra tệp").click()
            wait_for_run(page)
            assert page.get_by_text("hợp lệ (chạy thử, chưa lưu)").count() == 1
            page.get_by_role("button", name="Xác nhận").click()
            wait_for_run(page)
            stored = page.locator('[data-testid="stAlert"]', has_text="vinh_11-2026.csv: đã lưu").inner_text()
            assert "2 số liệu mới" in stored
            assert page.get_by_text("Đang đăng nhập: Cán bộ nhập liệu Vinh (demo)").count() == 1  # still signed in

            # The next visitor of the demo signs in as before.
            other = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
            other.goto(f"{base}/xu-huong", wait_until="domcontentloaded")
            wait_for_run(other)
            sign_in(other, "demo_leader")
            assert other.locator("h1", has_text="Đăng nhập").count() == 0
        finally:
            browser.close()
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(models.DataValue.element_code, models.DataValue.value).where(
            models.DataValue.unit_code == "16681", models.DataValue.period == "2026-11")).all()
    engine.dispose()
    assert sorted(rows) == [("dossiers_received", 1500), ("dossiers_received_online", 1200)]
