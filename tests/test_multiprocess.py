"""Two dashboard server processes on one PostgreSQL database, as behind nginx in production
(deploy/README.md): a submission stored while both are serving shows up in each at its next rerun.

Each process caches its frames and its metrics cube keyed by the database's data version
(`ui.data.version()`, read from the database at every rerun; every write bumps it), so neither process
needs to hear of the other's writes. The submission is stored by the server-side path both processes'
upload page uses, `loaders.ingest.ingest_files`, called in the test process against the same database
(a third writer, like the CLI or the other server); the test then reruns the session open in EACH browser
and reads the new month in its "Số liệu đến …" caption. Stored as a sample file (`source="sample"`), so
that the database stays in sample mode and the demo accounts keep working: when the app shows its
sign-in form, each browser signs in as the demo administrator (services/demo.py); when it does not (the
interim sample mode without sign-in), it uses the page as it is.
"""

from __future__ import annotations

import os
import re
from contextlib import ExitStack

import pytest

from testkit.live_server import streamlit_server
from tests.test_browser import CHROMIUM, wait_for_run

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"the multi-process test drives Debian's Chromium at {CHROMIUM} (scripts/test.sh installs it)"),
]

NEW_MONTH = "2026-11"  # the sample ends in 10/2026
UNIT = "16681"  # Phường Thành Vinh


@pytest.fixture(scope="module")
def shared_database(_backends, _pg_reason, _templates):
    """A writable copy of the sample province on PostgreSQL (the point is one server-side database)."""
    if _pg_reason:
        pytest.skip(_pg_reason)
    backend = _backends["postgresql"]
    url = backend.clone(_templates.get(backend, "sample"), f"multiproc_{os.getpid()}")
    yield url
    backend.drop(url)


@pytest.fixture(scope="module")
def two_servers(shared_database, tmp_path_factory):
    logs = tmp_path_factory.mktemp("servers")
    with ExitStack() as stack:
        bases = [stack.enter_context(streamlit_server(shared_database, logs)) for _ in range(2)]
        assert bases[0] != bases[1]
        yield bases


def _sign_in_if_asked(page) -> None:
    """The demo administrator through the sign-in form, when the app shows one."""
    from services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    username = page.get_by_label(re.compile(r"^(Tên đăng nhập|Username)$"))
    if username.count() == 0:
        return
    admin = next(name for name, role, *_ in DEMO_ACCOUNTS if role == "admin")
    username.first.fill(admin)
    page.get_by_label(re.compile(r"^(Mật khẩu|Password)$")).first.fill(DEMO_PASSWORD)
    page.get_by_role("button", name=re.compile(r"^(Đăng nhập|Sign in)$")).last.click()
    page.wait_for_timeout(500)
    wait_for_run(page)


def _figures_up_to(page) -> str:
    """The month in the page's "Số liệu đến Tháng MM/YYYY" caption."""
    caption = page.get_by_text(re.compile(r"Số liệu đến|Figures up to")).first
    caption.wait_for(timeout=60_000)
    found = re.search(r"(\d{2})/(\d{4})", caption.inner_text())
    assert found, caption.inner_text()
    return f"{found.group(2)}-{found.group(1)}"


def _rerun(page) -> None:
    """A rerun of this browser's session (Streamlit's "R" shortcut), as any click on a widget would do."""
    page.locator('[data-testid="stMain"] h1').first.click()
    page.keyboard.press("r")
    page.wait_for_timeout(800)
    wait_for_run(page)


def _new_month_file(engine) -> bytes:
    """Phường Thành Vinh's return for the month after the sample's last: its October figures again."""
    from storage import frames

    october = frames.load_values(engine, unit_codes=[UNIT], periods=["2026-10"])
    lines = ["unit_code,period,element,value"]
    lines += [f"{UNIT},{NEW_MONTH},{r.element_code},{r.value}" for r in october.itertuples()]
    return ("\n".join(lines) + "\n").encode()


def test_a_submission_shows_in_both_server_processes_at_their_next_rerun(shared_database, two_servers, browser):
    from loaders.ingest import ingest_files
    from storage.db import make_engine

    pages = []
    for base in two_servers:
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
        page = context.new_page()
        page.goto(base + "/", wait_until="domcontentloaded")
        wait_for_run(page)
        _sign_in_if_asked(page)
        assert _figures_up_to(page) == "2026-10"
        pages.append(page)

    engine = make_engine(shared_database)
    try:
        report = ingest_files(engine, [(f"{UNIT}-{NEW_MONTH}.csv", _new_month_file(engine))], submitted_by="sample",
                              source="sample", form="locality")
    finally:
        engine.dispose()
    assert [f.status for f in report.files] == ["accepted"], [p.text("en") for f in report.files for p in f.errors]

    for page in pages:
        _rerun(page)
        assert _figures_up_to(page) == NEW_MONTH
    for page in pages:
        page.context.close()
