"""A submitter's upload in Chromium, as a person does it: sign in as the demo submitter, choose a file,
press Kiểm tra tệp (the file is read and validated once), press Xác nhận (what was checked is stored, the
file is not read again), get a receipt that stays on screen (submission number, figures stored, received
at, on time or late, a link to the unit's profile), and stay signed in; the demo goes on for the next
visitor."""

from __future__ import annotations

import os
import re

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


def test_a_demo_submitter_checks_then_confirms_gets_a_receipt_and_the_demo_goes_on(server, browser):
    base, url = server
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    try:
        page = context.new_page()
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
        receipt = page.locator('[class*="st-key-upload_receipt_"]')
        text = receipt.inner_text()
        assert "Biên nhận: đã lưu tệp vinh_11-2026.csv" in text
        assert re.search(r"Lần nộp số: \d+", text)
        assert "Số liệu đã lưu: 2 số liệu: 2 mới, 0 thay đổi, 0 không đổi" in text
        assert re.search(r"Nhận lúc: \d\d/\d\d/\d{4} \d\d:\d\d", text)
        assert re.search(r"Tháng 11/2026: (Đúng hạn|Muộn \d+ ngày) \(hạn nộp 05/12/2026\)", text)
        link = receipt.get_by_role("link", name=re.compile("Xem hồ sơ đơn vị: Phường Thành Vinh"))
        assert "unit=16681" in link.get_attribute("href")
        assert page.get_by_text("Đang đăng nhập: Cán bộ nhập liệu Vinh (demo)").count() == 1  # still signed in
        page.wait_for_timeout(2000)
        wait_for_run(page)
        assert receipt.count() == 1  # it stays
        link.click()
        wait_for_run(page)
        assert "Hồ sơ đơn vị" in page.locator("h1").first.inner_text() and "unit=16681" in page.url

        # The next visitor of the demo signs in as before.
        other = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN").new_page()
        other.goto(f"{base}/xu-huong", wait_until="domcontentloaded")
        wait_for_run(other)
        sign_in(other, "demo_leader")
        assert other.locator("h1", has_text="Đăng nhập").count() == 0
        other.context.close()
    finally:
        context.close()
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(models.DataValue.element_code, models.DataValue.value).where(
            models.DataValue.unit_code == "16681", models.DataValue.period == "2026-11")).all()
    engine.dispose()
    assert sorted(rows) == [("dossiers_received", 1500), ("dossiers_received_online", 1200)]
