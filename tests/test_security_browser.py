"""Issue 17 in Chromium, against a real server on the sample province:

- item 1: a viewer (no export right), the standing agency and an administrator, each on a page with tables,
  find no "Download as CSV" in the tables' own toolbar (the toolbar is there: its other controls show); the
  viewer finds none of the app's audited download buttons either (the option is global: three roles and
  pages stand for every one);
- item 2: hostile names (a unit renamed by an administrator, a stored file, a follow-up note, the signed-in
  administrator's display name) shown on the unit profile and the ranking draw no link and no image from
  them, and no request leaves 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import os
from urllib.parse import urlparse

import pytest
from sqlalchemy import update

from storage import models
from storage.db import make_engine
from storage.submissions import SubmissionIn, ValueIn, record_submission
from testkit.hostile_text import ATTACKER, HOSTILE
from testkit.live_server import streamlit_server
from tests.test_browser import CHROMIUM, LOCAL_HOSTS, sign_in, wait_for_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"browser tests need Debian's Chromium at {CHROMIUM} (scripts/test.sh installs it)"),
]
UNIT = "16681"
LATEST = "2026-10"


@pytest.fixture(scope="module")
def server(tmp_path_factory, _backends, _pg_reason, _templates):
    backend = _backends["sqlite"]
    url = backend.clone(_templates.get(backend, "sample"), "security_browser")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(update(models.Unit).where(models.Unit.code == UNIT).values(name_vi=HOSTILE[1], name_en=HOSTILE[1]))
        conn.execute(update(models.AppUser).where(models.AppUser.username == "demo_admin").values(display_name=HOSTILE[0]))
    values = [ValueIn(UNIT, LATEST, "dossiers_received", 1234), ValueIn(UNIT, LATEST, "dossiers_received_online", 600)]
    record_submission(engine, SubmissionIn("locality", HOSTILE[0], b"unit_code,period\n", HOSTILE[4], values, source="sample"))  # sample mode stays: demo accounts sign in
    with engine.begin() as conn:
        conn.execute(models.FlagFollowUp.__table__.insert(), {
            "unit_code": UNIT, "period": LATEST, "status": "notified", "note": HOSTILE[2] + " " + HOSTILE[3],
            "created_by": "demo_standing", "created_at": dt.datetime.now(dt.timezone.utc)})
        conn.execute(update(models.Counter).values(value=models.Counter.value + 1))
    engine.dispose()
    with streamlit_server(url, tmp_path_factory.mktemp("server")) as base:
        yield base
    backend.drop(url)


def _open(browser, base: str, path: str, username: str):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).scheme in ("http", "https", "ws", "wss")
            and urlparse(r.url).hostname not in LOCAL_HOSTS else None)
    page.goto(f"{base}/{path}", wait_until="domcontentloaded")
    wait_for_run(page)
    sign_in(page, username)
    return context, page, outside


# Links and images anywhere on the page that carry the attacker's address or a script (a heading's own
# anchor, "#…" on the same page, is not one).
LINKS_OUT = """() => [...document.querySelectorAll('a[href], img[src], image, iframe[src], link[href]')]
    .map(e => [e.getAttribute('href') || e.getAttribute('src') || e.getAttribute('xlink:href') || '',
               e.tagName + ' in ' + ((e.closest('[data-testid]') || {}).getAttribute ? e.closest('[data-testid]').getAttribute('data-testid') : '')])
    .filter(([u, where]) => !u.startsWith('#') && (u.includes('attacker') || u.startsWith('javascript:')))
    .map(([u, where]) => where + ': ' + u)"""


@pytest.mark.parametrize("username, path, may_export", [
    ("demo_viewer", "dia-phuong", False),  # no export right
    ("demo_standing", "don-vi-yeu", True),  # follow-up notes in the table
    ("demo_admin", "quan-tri", True),  # the users' table
], ids=["viewer-localities", "standing-weak", "admin-admin"])
def test_no_role_finds_a_download_in_the_tables_toolbar(server, browser, username, path, may_export):
    context, page, outside = _open(browser, server, path, username)
    try:
        tables = page.locator('[data-testid="stDataFrame"]')
        page.locator('[data-testid="stDataFrame"]:visible').first.wait_for(state="visible", timeout=60_000)
        shown = [tables.nth(i) for i in range(tables.count()) if tables.nth(i).is_visible()]  # other tabs' are hidden
        assert shown
        for table in shown:
            table.scroll_into_view_if_needed()
            table.hover()
            page.wait_for_timeout(400)
            toolbar = page.locator('[data-testid="stElementToolbar"]').filter(has=page.locator("button")).first
            toolbar.wait_for(state="visible", timeout=10_000)  # the toolbar shows (search, fullscreen)...
            assert page.get_by_role("button", name="Download as CSV").count() == 0  # ...without its download
        if not may_export:
            assert page.locator('[data-testid="stDownloadButton"]').count() == 0  # no export right: no app download
        assert outside == []
    finally:
        context.close()


@pytest.mark.parametrize("path", [f"ho-so-don-vi?unit={UNIT}&period={LATEST}", f"dia-phuong?period={LATEST}&show=all"])
def test_hostile_names_draw_no_link_no_image_and_no_outside_request(server, browser, path):
    context, page, outside = _open(browser, server, path, "demo_admin")
    try:
        page.wait_for_timeout(1500)
        errors = page.query_selector_all('[data-testid="stException"], [data-testid="stAlertContentError"]')
        assert [e.inner_text()[:300] for e in errors] == []
        assert ATTACKER in page.inner_text('[data-testid="stMain"]')  # the hostile names are shown on the page...
        for tab in page.get_by_role("tab").all():  # every tab of the page drawn (the lineage tab lists files)
            tab.click()
            wait_for_run(page)
        assert page.evaluate(LINKS_OUT) == []  # ...as text: no link, no image from them
        assert "Đăng nhập lại" not in [a.inner_text() for a in page.locator("a").all()]
        assert ATTACKER in page.inner_text('[data-testid="stSidebar"]')  # the admin's hostile display name, as text
        assert outside == []
    finally:
        context.close()
