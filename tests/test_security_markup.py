"""Markdown through user text (issue 17, item 2): file names, notes, user names, unit names and column
headers are shown exactly as typed wherever a page draws them. A corpus of hostile names
(testkit/hostile_text.py) goes through the unit profile, the weak-units detail, the upload result, the
ranking chart and the sidebar, headless (AppTest): the markdown every element is given would draw no
link, no image and no HTML from them, and plotly's labels carry them escaped. The same in Chromium is in
tests/test_security_browser.py."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from domain.errors import Invalid
from domain.safe_text import html_text, md_escape
from services.permissions import Actor
from storage import models
from storage.db import make_engine
from storage.submissions import SubmissionIn, ValueIn, record_submission
from testkit.hostile_text import ATTACKER, HOSTILE, renders_link
from testkit.project import APP

TIMEOUT = 300
LATEST = "2026-10"
UNIT = "16681"  # Phường Thành Vinh
HOSTILE_UNIT_NAME = HOSTILE[1]
HOSTILE_FILE = HOSTILE[0]
HOSTILE_NOTE = HOSTILE[2] + " " + HOSTILE[3]
ADMIN = Actor("quan.tri", "admin", frozenset(), HOSTILE[0])


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_draws_nothing_and_reads_as_typed(text):
    assert renders_link(text)
    assert not renders_link(md_escape(text))
    shown = md_escape(text).replace("\\", "").replace("\u2060", "")  # escapes and invisible word joiners aside
    assert shown == text.replace("\\", "")  # every character still there, in order
    assert "<" not in html_text(text) and ">" not in html_text(text)


def test_a_service_refusal_naming_user_text_is_escaped_on_a_page():
    exc = Invalid("access.targets.unknown_unit", unit=HOSTILE[0])
    assert renders_link(exc.message("vi"))  # the CLI and the logs keep the text as it is
    assert not renders_link(exc.markdown("vi")) and not renders_link(exc.markdown("en"))


@pytest.fixture
def hostile(monkeypatch, sample_copy_url):
    """The sample province with a unit renamed, a file stored and a follow-up noted, all hostile."""
    if not sample_copy_url.startswith("sqlite"):
        pytest.skip("one backend is enough: this is about what a page draws")
    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    engine = make_engine(sample_copy_url)
    with engine.begin() as conn:
        conn.execute(update(models.Unit).where(models.Unit.code == UNIT).values(name_vi=HOSTILE_UNIT_NAME, name_en=HOSTILE_UNIT_NAME))
    values = [ValueIn(UNIT, LATEST, "dossiers_received", 1234), ValueIn(UNIT, LATEST, "dossiers_received_online", 600)]
    record_submission(engine, SubmissionIn("locality", HOSTILE_FILE, b"unit_code,period\n", HOSTILE[4], values, source="upload"))
    with engine.begin() as conn:
        conn.execute(models.FlagFollowUp.__table__.insert(), {
            "unit_code": UNIT, "period": LATEST, "status": "notified", "note": HOSTILE_NOTE, "created_by": HOSTILE[3],
            "created_at": dt.datetime.now(dt.timezone.utc)})
        conn.execute(update(models.Counter).values(value=models.Counter.value + 1))
    yield engine
    engine.dispose()


def open_page(file: str, actor: Actor = ADMIN, state: dict | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["actor"] = actor
    for name, value in (state or {}).items():
        at.session_state[name] = value
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(file).run()
    assert not at.exception, at.exception
    return at


def markdown_shown(at: AppTest) -> list[str]:
    """Every text Streamlit renders as markdown: markdown, captions, alerts, headings, and widget labels."""
    out = []
    for kind in ("markdown", "caption", "info", "success", "error", "warning", "title", "header", "subheader", "toast"):
        out += [e.value for e in getattr(at, kind)]
    for kind in ("button", "selectbox", "multiselect", "radio", "checkbox", "text_input", "text_area", "expander", "tabs"):
        out += [getattr(e, "label", "") or "" for e in getattr(at, kind)]
    return [str(x) for x in out]


def assert_drawn_safely(at: AppTest, *, must_show: str | None = None) -> None:
    shown = markdown_shown(at)
    assert [m for m in shown if renders_link(m)] == []
    if must_show:
        assert any(md_escape(must_show) in m for m in shown), f"{must_show!r} not shown"


@pytest.mark.slow
def test_unit_profile_shows_hostile_unit_file_and_note_as_typed(hostile):
    at = open_page("pages/unit_profile.py", unit=UNIT, period=LATEST)
    assert_drawn_safely(at, must_show=HOSTILE_UNIT_NAME)
    assert_drawn_safely(at, must_show=HOSTILE_FILE)
    # plotly's labels (a subset of HTML) carry the name escaped
    for chart in at.get("plotly_chart"):
        assert "<img" not in chart.proto.spec and "<a " not in chart.proto.spec


@pytest.mark.slow
def test_the_ranking_chart_and_its_caption_carry_a_hostile_unit_name_escaped(hostile):
    at = open_page("pages/localities.py", period=LATEST, show="all")  # every unit, wherever it ranks
    assert_drawn_safely(at)
    specs = "".join(chart.proto.spec for chart in at.get("plotly_chart"))
    assert ATTACKER in specs  # the renamed unit is drawn...
    assert "<img" not in specs and "<a " not in specs  # ...as text


@pytest.mark.slow
def test_the_upload_result_shows_a_hostile_file_name_as_typed(hostile):
    from services.submissions import submit_files

    submitter = Actor("can_bo.nop", "submitter", frozenset({UNIT}))
    report = submit_files(hostile, submitter, [(HOSTILE_FILE, b"not,a,form\n1,2,3\n")], dry_run=True)
    assert report.files[0].status == "rejected"
    at = open_page("pages/submissions.py", actor=submitter, state={"upload_result": report})
    assert_drawn_safely(at, must_show=HOSTILE_FILE)
