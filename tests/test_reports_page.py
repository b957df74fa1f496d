"""The "Báo cáo tháng" page: the standing agency generates the month's pack with a progress bar and gets
two downloads; publishing locks the month (audited); a role without the export right is told why and
gets no button. In Chromium, a download really arrives and is recorded in the audit trail."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from services import audit, locks
from services.permissions import Actor
from storage.db import make_engine
from testkit.project import APP

# The PostgreSQL half runs in the full suite; the inner loop runs the SQLite half (conftest.py).
pytestmark = pytest.mark.slow_on_postgresql

TIMEOUT = 300
AGENCY = Actor("qa.thuong.truc", "standing")


def _page(monkeypatch, url, actor):
    monkeypatch.setenv("DATABASE_URL", url)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["actor"] = actor
    at.run()
    at.switch_page("pages/reports.py").run()
    assert not at.exception
    return at


def test_the_agency_generates_the_month_and_gets_both_files(monkeypatch, sample_copy_url):
    at = _page(monkeypatch, sample_copy_url, AGENCY)
    assert at.title[0].value == "Báo cáo tháng"
    assert at.selectbox(key="report_period").value == "2026-10"
    assert not at.get("download_button")
    at.button(key="report_generate").click().run()
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Đã lập báo cáo tháng 10/2026 lúc ")
    assert [b.label for b in at.get("download_button")] == ["Tải dự thảo báo cáo (Word)", "Tải phụ lục số liệu (Excel)"]
    at.selectbox(key="report_period").select("2025-06").run()  # another month: generate again first
    assert not at.get("download_button")


def test_publishing_locks_the_month_and_is_audited(monkeypatch, sample_copy_url):
    at = _page(monkeypatch, sample_copy_url, AGENCY)
    at.selectbox(key="report_period").select("2026-09").run()
    assert at.button(key="report_publish").disabled  # only once the agency confirms
    at.checkbox(key="report_publish_sure").check().run()
    at.button(key="report_publish").click().run()
    assert not at.exception and not at.error
    engine = make_engine(sample_copy_url)
    state = locks.lock_state(engine, "2026-09")
    assert state.locked and state.kind == locks.PUBLISHED and state.changed_by == AGENCY.username
    assert any("Đã khóa (đã phát hành báo cáo)" in m.value for m in at.markdown)
    events = audit.search(engine, action="publish")
    assert list(events["username"]) == [AGENCY.username] and list(events["target"]) == ["2026-09"]


@pytest.mark.parametrize("role", ["viewer", "leader", "submitter"])
def test_a_role_without_the_export_right_is_not_served_the_page(monkeypatch, sample_copy_url, role):
    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["actor"] = Actor(f"qa.{role}", role, frozenset({"16681"} if role == "submitter" else ()))
    at.run()
    assert not at.exception
    with pytest.raises(ValueError):  # not in their navigation: its address shows "no access"
        at.switch_page("pages/reports.py")
    assert not [b for b in at.button if b.key == "report_generate"]


# -- the real thing ------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists("/usr/bin/chromium"), reason="needs Debian's Chromium at /usr/bin/chromium")
def test_a_download_in_the_browser_arrives_and_is_recorded(tmp_path_factory, _backends, _templates):
    from playwright.sync_api import sync_playwright

    from testkit.live_server import streamlit_server
    from tests.test_browser import sign_in, wait_for_run

    backend = _backends["sqlite"]
    url = backend.clone(_templates.get(backend, "sample"), "reports_browser")
    try:
        with streamlit_server(url, tmp_path_factory.mktemp("server")) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                              "--disable-dev-shm-usage"])
            page = browser.new_context(accept_downloads=True, locale="vi-VN").new_page()
            page.goto(base, wait_until="domcontentloaded")  # the overview, then the page from the navigation
            wait_for_run(page)
            sign_in(page, "demo_standing")
            wait_for_run(page)
            page.get_by_role("link", name="Báo cáo tháng").click()
            page.get_by_role("button", name="Lập báo cáo").wait_for(timeout=120_000)
            page.get_by_role("button", name="Lập báo cáo").click()
            page.get_by_text("Tải dự thảo báo cáo (Word)").wait_for(timeout=180_000)
            with page.expect_download(timeout=60_000) as info:
                page.get_by_text("Tải dự thảo báo cáo (Word)").click()
            name, data = info.value.suggested_filename, open(info.value.path(), "rb").read()
            wait_for_run(page)
            browser.close()
        assert name == "bao-cao-de-an-06-2026-10.docx"
        assert "word/document.xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
        events = audit.search(make_engine(url), action="export")
        assert len(events) == 1 and '"docx"' in str(events.iloc[0]["detail"]) and events.iloc[0]["outcome"] == "ok"
    finally:
        backend.drop(url)
