"""The dashboard starts on an empty database, loads the sample itself, and shows real figures."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import i18n
from metrics.core import province_month
from services.demo import DEMO_PASSWORD
from storage import frames
from storage.db import make_engine
from testkit.project import APP

TIMEOUT = 180
# The first run on an empty database writes and loads the whole sample (2,894 workbooks) while the test
# waits: about a minute on two cores with a cold workbook cache.
SEED_TIMEOUT = 600


def _field(at, label):
    return next(w for w in at.text_input if w.label == label)


def sign_in(at: AppTest, username: str, password: str = DEMO_PASSWORD, settle: bool = True) -> AppTest:
    """Fill in the sign-in form shown to a signed-out visitor and submit it."""
    _field(at, "Tên đăng nhập").input(username)
    _field(at, "Mật khẩu").input(password)
    next(b for b in at.button if b.label == "Đăng nhập").click()
    # The form's handler ends with st.rerun(); AppTest keeps the widget ids of the run that called it until
    # the next run (a browser gets the new page at once), so run once more before using the new page.
    at.run()
    return at.run() if settle else at


@pytest.mark.slow  # writes and reads the whole sample province through the app
def test_app_on_an_empty_database_loads_the_sample_and_shows_the_latest_month(monkeypatch, empty_url):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    at = AppTest.from_file(APP, default_timeout=SEED_TIMEOUT).run()
    assert not at.exception
    # The sample is loaded and the visitor is asked to sign in, with the demo accounts named.
    assert at.title[0].value == "Đăng nhập"
    assert any("demo_leader" in i.value and DEMO_PASSWORD in i.value for i in at.info)
    sign_in(at, "demo_leader")
    assert not at.exception
    assert at.selectbox[0].value == "2026-10"

    engine = make_engine(empty_url)
    expected = province_month(
        frames.load_values(engine, periods=["2026-10"]), frames.load_units(engine), frames.load_registry(engine),
        frames.load_targets(engine), "2026-10", "40",
    ).set_index("indicator_code")
    shown = {m.label: m.value for m in at.metric}
    online = expected.loc["online_dossier_rate"]
    assert shown["Tỷ lệ hồ sơ tiếp nhận trực tuyến"] == i18n.fmt_pct(online["value"], "vi")
    assert "," in shown["Tỷ lệ hồ sơ tiếp nhận trực tuyến"]  # Vietnamese decimal comma
    assert any("Chỉ tiêu: 85%" == c.value for c in at.caption)


def test_switching_month_and_language(monkeypatch, sample_copy_url):
    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    at = sign_in(AppTest.from_file(APP, default_timeout=TIMEOUT).run(), "demo_viewer")
    before = {m.label: m.value for m in at.metric}
    at.selectbox[0].select("2024-02").run()
    after = {m.label: m.value for m in at.metric}
    assert before["Tỷ lệ hồ sơ tiếp nhận trực tuyến"] != after["Tỷ lệ hồ sơ tiếp nhận trực tuyến"]
    assert at.query_params["period"] == ["2024-02"] or at.query_params["period"] == "2024-02"

    at.sidebar.radio[0].set_value("en").run()
    assert not at.exception
    assert at.title[0].value == "Province overview"
    labels = [m.label for m in at.metric]
    assert "Dossiers received online" in labels
    assert all("." in m.value for m in at.metric if m.value != "–")  # English decimal point


@pytest.mark.parametrize("auto", ["0"])
def test_auto_sample_can_be_switched_off(monkeypatch, empty_url, auto):
    monkeypatch.setenv("DATABASE_URL", empty_url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", auto)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception
    units = frames.load_units(make_engine(empty_url))
    assert len(units) == 170  # the province is set up even without the sample
    # No user yet and no sample: the first-run form creates the first administrator, who is signed in.
    assert at.title[0].value == "Khởi tạo hệ thống"
    _field(at, "Tên đăng nhập").input("quantri.tinh")
    _field(at, "Mật khẩu").input("Rừng-Thông-Nghệ-An-2026")
    _field(at, "Nhập lại mật khẩu").input("Rừng-Thông-Nghệ-An-2026")
    next(b for b in at.button if b.label == "Tạo quản trị viên").click()
    at.run()
    assert not at.exception
    assert "Chưa có số liệu" in at.info[0].value
    assert any("quantri.tinh" in c.value for c in at.sidebar.caption)
