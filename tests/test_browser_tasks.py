"""The Nhiệm vụ page in Chromium, as its three users meet it: the standing agency assigns a task to the
Department of Justice, the department's submitter marks it done with a file as evidence, the leader opens
it and sees it done, with the evidence and who reported it."""

from __future__ import annotations

import os
import re

import pytest

from testkit.live_server import streamlit_server
from tests.test_browser import CHROMIUM, sign_in, wait_for_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"browser tests need Debian's Chromium at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, _backends, _pg_reason, _templates):
    backend = _backends["sqlite"]
    url = backend.clone(_templates.get(backend, "sample"), "browser_tasks")
    with streamlit_server(url, tmp_path_factory.mktemp("server_tasks")) as base:
        yield base
    backend.drop(url)


def _as(browser, base: str, user: str, path: str):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
    wait_for_run(page)
    sign_in(page, user)
    return context, page


def _no_errors(page) -> None:
    errors = page.query_selector_all('[data-testid="stException"], [data-testid="stAlertContentError"]')
    assert [e.inner_text()[:300] for e in errors] == []


def test_assign_report_done_with_evidence_and_the_leader_sees_it(server, browser):
    # The standing agency assigns the task.
    context, page = _as(browser, server, "demo_standing", "nhiem-vu")
    page.get_by_role("tab", name="Giao nhiệm vụ").click()
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="Giao nhiệm vụ"))
    form.get_by_label("Nội dung nhiệm vụ").fill("Số hóa toàn bộ sổ hộ tịch còn lại của các xã sau sắp xếp")
    form.locator('[data-testid="stSelectbox"]').filter(has_text="Đơn vị chủ trì").locator("input").click()
    page.keyboard.type("40-STP")
    page.get_by_role("option", name=re.compile(r"Sở Tư pháp \(40-STP\)")).click()
    form.get_by_role("spinbutton", name="day, Thời hạn").click()
    page.keyboard.type("31122030")
    form.get_by_label("Sản phẩm").fill("Cơ sở dữ liệu hộ tịch đầy đủ")
    form.get_by_role("button", name="Giao nhiệm vụ").click()
    wait_for_run(page)
    _no_errors(page)
    flash = page.get_by_text(re.compile(r"Đã giao nhiệm vụ #\d+ cho Sở Tư pháp")).inner_text()
    task_id = int(re.search(r"#(\d+)", flash).group(1))
    context.close()

    # The department's submitter opens it (the link to the task) and marks it done, with the minutes attached.
    context, page = _as(browser, server, "demo_submitter", f"nhiem-vu?task={task_id}")
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="Lưu"))
    form.get_by_text("Hoàn thành").first.click()
    form.get_by_label("Ghi chú").fill("Đã số hóa xong 100% sổ hộ tịch, có biên bản nghiệm thu")
    form.locator('input[type="file"]').set_input_files(
        {"name": "bien-ban-nghiem-thu.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 bien ban"})
    form.get_by_text(re.compile(r"^bien-ba.*\.pdf$")).wait_for()  # the uploader shows the name shortened
    form.get_by_role("button", name="Lưu").click()
    wait_for_run(page)
    _no_errors(page)
    page.get_by_text(f"Đã cập nhật nhiệm vụ #{task_id}: ✔ Hoàn thành").wait_for()
    context.close()

    # The leader reads it done, with the evidence and who reported it; and cannot change it.
    context, page = _as(browser, server, "demo_leader", f"nhiem-vu?task={task_id}")
    _no_errors(page)
    body = page.inner_text("body")
    assert "Số hóa toàn bộ sổ hộ tịch còn lại" in body
    assert "Trạng thái: ✔ Hoàn thành" in body
    assert "Đã số hóa xong 100% sổ hộ tịch" in body and "demo_submitter" in body
    evidence = page.get_by_role("button", name="Tải bien-ban-nghiem-thu.pdf")
    evidence.wait_for(timeout=30_000)  # drawn after the texts above: on a loaded machine, a moment later
    assert evidence.count() == 1
    assert page.get_by_role("button", name="Lưu").count() == 0  # a leader reads
    assert page.get_by_role("tab", name="Giao nhiệm vụ").count() == 0
    context.close()
