"""The standing agency's and the administrator's pages, headless (AppTest) on the sample province, on both
backends: Đơn vị yếu (flags as the metrics give them, filters, follow-ups saved with who and when, refused
for a leader), Hồ sơ đơn vị (indicators as the metrics give them, the file each figure came from, earlier
values), the completeness grid of Nộp số liệu (cells as the metrics give them, filters), Quản trị
(targets, settings, units, users reaching the database and the audit trail)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

import i18n
import metrics
from domain import periods
from services.permissions import Actor
from storage import frames, models
from storage.db import make_engine
from storage.submissions import SubmissionIn, ValueIn, record_submission
from testkit.project import APP
from tests.access_helpers import GOOD_PASSWORD, audit_rows, fast_hashing  # noqa: F401 - autouse fixture

# The PostgreSQL half runs in the full suite; the inner loop runs the SQLite half (conftest.py).
pytestmark = pytest.mark.slow_on_postgresql

TIMEOUT = 300
LATEST = "2026-10"
STANDING = Actor("can_bo.ct", "standing", frozenset(), "Tổ Đề án 06")
LEADER = Actor("lanh.dao", "leader")
VIEWER = Actor("nguoi.xem", "viewer")
ADMIN = Actor("quan.tri", "admin")


@pytest.fixture
def sample(monkeypatch, sample_copy_url):
    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    engine = make_engine(sample_copy_url)
    yield engine
    engine.dispose()


def open_page(file: str, actor: Actor = ADMIN, **query) -> AppTest:
    """The app opened straight on `file` (the default page is not drawn first), as `actor` (an
    administrator unless said otherwise), with `query` in the address."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["actor"] = actor
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(file).run()
    assert not at.exception, at.exception
    return at


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def inputs_of(engine) -> metrics.Inputs:
    return metrics.Inputs(**frames.metric_frames(engine))


def names_of(engine) -> dict[str, str]:
    units = frames.load_units(engine)
    return dict(zip(units["code"], units["name_vi"]))


def submit_buttons(at, label: str):
    return [b for b in at.button if b.label == label]


# --- Đơn vị yếu -----------------------------------------------------------------------------------------


def test_the_weak_list_is_the_metrics_list_and_the_filters_narrow_it(sample):
    at = open_page("pages/weak.py")
    assert at.title[0].value == "Đơn vị yếu"
    expected = metrics.weak_localities(inputs_of(sample), LATEST, as_of=now_utc()).units
    names = names_of(sample)
    # By default: the units to push this month (high severity), in the metrics' order.
    high = expected[expected["severity"] == "high"]
    table = at.dataframe[0].value
    assert 0 < len(table) == len(high) < len(expected)
    assert list(table["Đơn vị"]) == [f"{r}. {names[c]}" for r, c in zip(high["rank"], high["unit_code"])]
    assert at.expander[1].label.startswith("Điểm nghẽn chung của tỉnh (")
    assert "130/130 xã, phường chưa đạt chỉ tiêu" in " ".join(m.value for m in at.markdown)
    assert any(e.label.startswith("Số còn thiếu so với chỉ tiêu ở các chỉ tiêu khác") for e in at.expander)
    assert "đơn vị chiếm 80% số hồ sơ trực tuyến còn thiếu so với chỉ tiêu" in " ".join(m.value for m in at.markdown)
    assert any(c.value.startswith("So với tháng trước: ") for c in at.caption)
    # The rest is one click away.
    at.toggle(key="weak_all").set_value(True).run()
    table = at.dataframe[0].value
    assert len(table) == len(expected)
    assert list(table["Đơn vị"][:5]) == [f"{r}. {names[c]}" for r, c in zip(expected["rank"][:5], expected["unit_code"][:5])]
    first = expected.iloc[0]
    assert table.iloc[0]["Mức độ"] == {"high": "▲▲ Cao", "medium": "▲ Trung bình", "low": "△ Thấp"}[first["severity"]]
    assert table.iloc[0]["Bị nêu liên tiếp"].startswith(f"{first['months_flagged']} tháng (từ ")
    assert f"**{len(expected)}** đơn vị cần đôn đốc, Tháng 10/2026" in at.markdown[0].value
    assert table.iloc[0]["So với tháng trước"] in ("Mới bị nêu", "Có cải thiện") or table.iloc[0]["So với tháng trước"].startswith("Vẫn bị nêu (")
    assert table.iloc[0]["Số còn thiếu (chỉ tiêu chính)"].startswith("còn thiếu ")

    at.button_group(key="weak_level").set_value("department").run()
    departments = expected[expected["level"] == "department"]
    assert len(at.dataframe[0].value) == len(departments) > 0
    assert at.query_params["level"] in ("department", ["department"])

    severity = departments["severity"].mode().iloc[0]
    at.multiselect(key="weak_severity").set_value([severity]).run()
    assert len(at.dataframe[0].value) == int((departments["severity"] == severity).sum())

    at.button_group(key="weak_level").set_value("all").run()
    at.multiselect(key="weak_severity").set_value(["high", "medium", "low"]).run()
    at.selectbox(key="weak_period").select("2025-03").run()
    before_reform = metrics.weak_localities(inputs_of(sample), "2025-03", as_of=now_utc()).units
    shown = at.dataframe[0].value
    assert len(shown) == len(before_reform)
    assert shown.iloc[0]["Đơn vị"] == f"1. {names[before_reform.iloc[0]['unit_code']]}"
    assert set(before_reform["level"]) == {"district", "department"}


def test_the_reasons_are_sentences_from_the_catalog(sample):
    at = open_page("pages/weak.py", STANDING)
    reasons = metrics.weak_localities(inputs_of(sample), LATEST, as_of=now_utc()).reasons
    unit = at.selectbox(key="weak_unit").value
    head = next(i for i, m in enumerate(at.markdown) if " bị nêu " in m.value and m.value.startswith("**"))
    bullets = at.markdown[head + 1].value.splitlines()
    assert len(bullets) == int((reasons["unit_code"] == unit).sum())
    assert all(b.startswith("- ") for b in bullets)
    assert any("thấp hơn chỉ tiêu" in b or "xếp thứ" in b or "giảm" in b or "Nộp muộn" in b or "còn thiếu" in b for b in bullets)
    assert not any("below" in b or "nan" in b for b in bullets)


def test_a_followup_is_saved_with_who_and_when_and_shown(sample):
    at = open_page("pages/weak.py", STANDING)
    unit = at.dataframe[0].value.iloc[1]["Đơn vị"]  # "5. Xã …": the second unit to push this month
    flagged = metrics.weak_localities(inputs_of(sample), LATEST, as_of=now_utc()).units
    code = flagged[flagged["severity"] == "high"].iloc[1]["unit_code"]
    at.selectbox(key="weak_unit").select(code).run()
    radio = next(r for r in at.radio if r.key and r.key.startswith("weak_new_status_"))
    radio.set_value("notified")
    at.text_area(key="weak_note").input("Đã gửi Công văn 123/CAT-PV06 đề nghị khắc phục")
    submit_buttons(at, "Lưu")[0].click().run()
    assert not at.exception
    assert at.success[0].value.startswith("Đã lưu: ")

    from services import followups

    rows = followups.history(sample, STANDING)
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["status"], row["period"], row["created_by"], row["note"]) == (
        "notified", LATEST, "can_bo.ct", "Đã gửi Công văn 123/CAT-PV06 đề nghị khắc phục")
    table = at.dataframe[0].value.set_index("Đơn vị")
    assert table.loc[unit, "Theo dõi"] == "✉ Đã nhắc nhở"
    assert table.loc[unit, "Cập nhật"] == f"can_bo.ct, {i18n.fmt_datetime(row['created_at'].to_pydatetime())}"
    assert table.loc[unit, "Ghi chú"].startswith("Đã gửi Công văn 123")
    history = at.dataframe[1].value
    assert list(history["Theo dõi"]) == ["✉ Đã nhắc nhở"] and list(history["Người cập nhật"]) == ["can_bo.ct"]
    events = audit_rows(sample)
    assert ((events["action"] == "manage_flags") & (events["outcome"] == "ok") & (events["username"] == "can_bo.ct")).sum() == 1


def test_a_leader_sees_followups_but_saving_one_is_refused_and_nothing_is_written(sample):
    at = open_page("pages/weak.py", LEADER)
    assert "Theo dõi" in at.dataframe[0].value.columns
    assert not at.get("download_button")  # a leader does not export
    submit_buttons(at, "Lưu")[0].click().run()
    assert not at.exception
    assert at.error[0].value == "Vai trò Lãnh đạo Ban Chỉ đạo không được phép theo dõi, đôn đốc đơn vị yếu."
    with sample.connect() as conn:
        assert conn.execute(select(func.count()).select_from(models.FlagFollowUp)).scalar() == 0
    last = audit_rows(sample).iloc[-1]
    assert (last["username"], last["action"], last["outcome"]) == ("lanh.dao", "manage_flags", "refused")


def test_a_viewer_sees_the_flags_without_the_agencys_notes(sample):
    at = open_page("pages/weak.py", VIEWER)
    table = at.dataframe[0].value
    assert "Theo dõi" not in table.columns and "Ghi chú" not in table.columns
    assert not submit_buttons(at, "Lưu")
    assert not at.get("download_button")


def test_the_standing_agency_exports_the_list(sample):
    at = open_page("pages/weak.py", STANDING)
    assert {b.key for b in at.get("download_button")} == {"weak_download_csv", "weak_download_xlsx", "weak_letter", "weak_letters_all"}


def test_the_weak_page_speaks_english(sample):
    at = open_page("pages/weak.py", STANDING, lang="en")  # a link in English
    assert at.title[0].value == "Weak units"
    table = at.dataframe[0].value
    assert {"Unit", "Severity", "Reasons", "Follow-up"} <= set(table.columns)
    assert table.iloc[0]["Severity"] in ("▲▲ High", "▲ Medium", "△ Low")
    assert "units to push, October 2026" in at.markdown[0].value


# --- Hồ sơ đơn vị ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("unit, period, level", [("16681", LATEST, "commune"), ("412", "2024-10", "district"),
                                                  ("40-STP", "2025-12", "department")])
def test_the_profile_shows_the_units_indicators_as_the_metrics_do(sample, unit, period, level):
    at = open_page("pages/unit_profile.py", STANDING, unit=unit, period=period)
    assert at.selectbox(key="profile_unit").value == unit and at.selectbox(key="profile_period").value == period
    expected = metrics.kpis(inputs_of(sample), period, level=level)
    expected = expected[expected["unit_code"] == unit].reset_index(drop=True)
    table = at.dataframe[0].value
    assert len(table) == len(expected)
    assert list(table["Kết quả"]) == [i18n.fmt_pct(v, "vi") for v in expected["value"]]
    ranked = expected.dropna(subset=["rank"])
    assert table.iloc[ranked.index[0]]["Xếp hạng"] == f"{int(ranked['rank'].iloc[0])}/{int(ranked['peers'].iloc[0])}"
    assert names_of(sample)[unit] in at.markdown[0].value


def test_the_profile_follows_the_unit_picker(sample):
    at = open_page("pages/unit_profile.py", STANDING, unit="16681", period=LATEST)
    before = at.dataframe[0].value
    at.selectbox(key="profile_unit").select("16690").run()
    assert not at.exception
    assert at.query_params["unit"] in ("16690", ["16690"])
    assert "Phường Trường Vinh" in at.markdown[0].value
    assert not before.equals(at.dataframe[0].value)


def test_the_lineage_names_the_file_the_figure_came_from_and_the_earlier_value(sample):
    old = frames.load_values(sample, periods=[LATEST], unit_codes=["16681"]).set_index("element_code")
    sample_file = frames.submissions(sample, "16681", LATEST).iloc[0]["filename"]
    content = b"unit_code,period,element,value\n16681,2026-10,dossiers_received_online,2950\n"
    stored = record_submission(sample, SubmissionIn(
        "locality", "thanh_vinh_t10_sua.csv", content, "ubnd.thanhvinh",
        [ValueIn("16681", LATEST, "dossiers_received_online", 2950)], received_at=now_utc(), source="upload"))
    at = open_page("pages/unit_profile.py", ADMIN, unit="16681", period=LATEST)
    lineage_table = next(d.value for d in at.dataframe if "Tệp" in d.value.columns)
    rows = lineage_table.set_index("Chỉ tiêu dữ liệu")
    online = rows.loc["Số hồ sơ tiếp nhận trực tuyến"]
    assert (online["Số liệu"], online["Tệp"], online["Người nộp"], online["Số lần sửa"]) == ("2.950", "thanh_vinh_t10_sua.csv", "ubnd.thanhvinh", 1)
    assert online["Cách nộp"] == "Tải lên trên trang"
    untouched = rows.loc["Tổng số hồ sơ TTHC tiếp nhận"]
    assert untouched["Tệp"] == sample_file and untouched["Người nộp"] == "sample"
    revisions = next(d.value for d in at.dataframe if "Cũ → mới" in d.value.columns)
    assert list(revisions["Cũ → mới"]) == [f"{i18n.fmt_int(old.loc['dossiers_received_online', 'value'])} → 2.950"]
    assert list(revisions["Tệp cũ → tệp mới"]) == [f"{sample_file} → thanh_vinh_t10_sua.csv"]
    assert list(revisions["Người thay"]) == ["ubnd.thanhvinh"]
    downloads = {b.key for b in at.get("download_button")}
    assert f"profile_file_{stored.submission_id}" in downloads and len(downloads) == 2


def test_a_submitter_sees_only_their_own_units_and_downloads_no_file(sample):
    at = open_page("pages/unit_profile.py", Actor("ubnd.thanhvinh", "submitter", frozenset({"16681", "412"})))
    assert sorted(at.selectbox(key="profile_unit").options) == ["Phường Thành Vinh (16681) · Cấp xã", "Thành phố Vinh (412) · Cấp huyện"]
    assert not at.get("download_button")
    assert any("Tải tệp gốc dành cho" in c.value for c in at.caption)


# --- the completeness grid (Nộp số liệu) ------------------------------------------------------------------


def _grid(at):
    return next(d.value for d in at.dataframe if "Đúng hạn" in d.value.columns)


def test_the_grid_says_what_the_metrics_say_and_the_filters_change_it(sample):
    at = open_page("pages/submissions.py")
    today = (now_utc() + dt.timedelta(hours=7)).date()
    end = periods.add(periods.of_date(today), -1)
    months = periods.span(periods.add(end, -11), end)
    rows = metrics.completeness_units(inputs_of(sample), months, as_of=now_utc())
    locality = rows[rows["form_code"] == "locality"]
    grid = _grid(at)
    assert len(grid) == locality["unit_code"].nunique()
    cells = grid[[i18n.fmt_period_short(p) for p in months]].to_numpy().ravel()
    assert sum(str(c).startswith("✖ Chưa nộp") for c in cells) == int((locality["status"] == "missing").sum())
    assert sum(str(c).startswith("⚠ Muộn") for c in cells) == int((locality["status"] == "late").sum())
    summary = at.dataframe[0].value
    last = metrics.completeness_summary(locality[locality["period"] == end], by=["period"]).iloc[0]
    assert summary.loc["Tỷ lệ đã nộp", i18n.fmt_period_short(end)] == i18n.fmt_pct(last["completeness"], "vi", 1)

    at.multiselect(key="grid_status").set_value(["missing"]).run()
    assert len(_grid(at)) == locality.loc[locality["status"] == "missing", "unit_code"].nunique()

    at.button_group(key="grid_form").set_value("department").run()
    departments = rows[(rows["form_code"] == "department") & (rows["status"] == "missing")]
    assert len(_grid(at)) == departments["unit_code"].nunique()
    assert all("(40-" in name for name in _grid(at)["Đơn vị"])

    at.multiselect(key="grid_status").set_value(["missing", "late", "pending", "on_time"]).run()
    at.button_group(key="grid_form").set_value("locality").run()
    at.selectbox(key="grid_end").select("2025-09").run()  # a window across the reform: both levels
    at.button_group(key="grid_level").set_value("district").run()
    grid = _grid(at)
    assert len(grid) == 21  # the district-level units of 10/2024 … 06/2025 (Cửa Lò until 11/2024)
    assert grid.set_index("Đơn vị").loc["Thị xã Cửa Lò (413)"].iloc[2:-1].eq("").all()  # merged into Vinh from 12/2024
    assert grid.iloc[:, 10:13].eq("").all().all()  # 07/2025 … 09/2025: no district reported


# --- Quản trị ------------------------------------------------------------------------------------------


def test_a_target_set_on_the_page_reaches_the_database_and_the_audit_trail(sample):
    at = open_page("pages/admin.py", ADMIN)
    at.selectbox(key="admin_target_indicator").select("online_dossier_rate")
    at.text_input(key="admin_target_value").input("87,5")
    at.text_input(key="admin_target_decision").input("Kế hoạch 12/KH-UBND ngày 10/01/2026")
    submit_buttons(at, "Lưu chỉ tiêu")[0].click().run()
    assert not at.exception
    assert "87,5%" in at.success[0].value
    targets = frames.load_targets(sample).set_index(["indicator_code", "year", "unit_code"])
    row = targets.loc[("online_dossier_rate", 2026, "40")]
    assert (row["value"], row["decision"], row["set_by"]) == (0.875, "Kế hoạch 12/KH-UBND ngày 10/01/2026", "quan.tri")
    event = audit_rows(sample).iloc[-1]
    assert (event["action"], event["outcome"]) == ("edit_targets", "ok")
    assert json.loads(event["detail"])["before"]["value"] == 0.85

    at.selectbox(key="admin_target_unit").select("16681")
    at.text_input(key="admin_target_value").input("95")
    at.text_input(key="admin_target_decision").input("Quyết định 5/QĐ-UBND")
    submit_buttons(at, "Lưu chỉ tiêu")[0].click().run()
    overrides = next(d.value for d in at.dataframe if "Áp dụng cho" in d.value.columns)
    assert list(overrides["Áp dụng cho"]) == ["Phường Thành Vinh (16681)"] and list(overrides["Mức giao"]) == ["95%"]


def test_a_target_that_is_not_a_percentage_is_explained_and_not_written(sample):
    at = open_page("pages/admin.py", ADMIN)
    before = frames.load_targets(sample)
    at.text_input(key="admin_target_value").input("72.5")  # an English decimal point on a Vietnamese screen
    at.text_input(key="admin_target_decision").input("KH 1/KH-UBND")
    submit_buttons(at, "Lưu chỉ tiêu")[0].click().run()
    assert "Mức giao \"72.5\" không hợp lệ" in at.error[0].value
    assert frames.load_targets(sample).equals(before)


def test_a_setting_changed_on_the_page_reaches_the_database_and_a_bad_one_is_refused(sample):
    at = open_page("pages/admin.py", ADMIN)
    assert any("Hạn nộp số liệu tháng M là ngày này của tháng M+1." in c.value for c in at.caption)  # declared help
    at.text_input(key="admin_settings_deadlines_deadline_day").input("7")
    submit_buttons(at, "Lưu nhóm thiết lập")[0].click().run()
    assert not at.exception
    assert at.success[0].value == "Đã lưu: Ngày hạn nộp số liệu."
    assert frames.settings(sample)["deadline_day"] == 7
    event = audit_rows(sample).iloc[-1]
    assert (event["action"], event["target"], event["username"]) == ("configure", "settings/deadline_day", "quan.tri")

    at.text_input(key="admin_settings_weak_weak_severity_medium").input("12")
    submit_buttons(at, "Lưu nhóm thiết lập")[2].click().run()
    assert at.error[0].value == "Ngưỡng mức Trung bình (12 điểm) không được cao hơn ngưỡng mức Cao (10 điểm)."
    assert frames.settings(sample)["weak_severity_medium"] == 5


def test_a_province_is_imported_with_its_communes(sample):
    at = open_page("pages/admin.py", ADMIN)
    assert "40" not in at.selectbox(key="admin_import_province").options
    at.selectbox(key="admin_import_province").select("12")
    submit_buttons(at, "Nhập đơn vị")[0].click().run()
    assert not at.exception
    assert at.success[0].value == "Đã nhập Tỉnh Lai Châu (mã 12) với 38 xã, phường; trước 07/2025: 8 đơn vị cấp huyện."
    assert len(frames.load_units(sample, "12")) == 47
    # What the lists could not settle stays on the page for the administrator, with a download.
    review = next(d.value for d in at.dataframe if "Cần xem" in d.value.columns)
    assert len(review) == 6 and review["Cần xem"].str.startswith("Hình thành từ xã của nhiều huyện cũ").all()
    assert "12" not in at.selectbox(key="admin_import_province").options


def test_users_are_added_given_units_and_deactivated_on_the_page(sample):
    at = open_page("pages/admin.py", ADMIN)
    at.text_input(key="admin_new_username").input("UBND.Hung-Nguyen")
    at.text_input(key="admin_new_display").input("Văn phòng UBND xã Hưng Nguyên")
    at.selectbox(key="admin_new_role").select("submitter")
    at.multiselect(key="admin_new_units").set_value(["16681"])
    at.text_input(key="admin_new_pw1").input(GOOD_PASSWORD)
    at.text_input(key="admin_new_pw2").input(GOOD_PASSWORD)
    submit_buttons(at, "Thêm người dùng")[0].click().run()
    assert not at.exception
    assert at.success[0].value == "Đã thêm người dùng ubnd.hung-nguyen (Cán bộ nhập liệu)."
    from services import users

    people = users.list_users(sample, ADMIN).set_index("username")
    assert people.loc["ubnd.hung-nguyen", "units"] == ["16681"] and people.loc["ubnd.hung-nguyen", "role"] == "submitter"
    table = next(d.value for d in at.dataframe if "Tên đăng nhập" in d.value.columns)
    assert "ubnd.hung-nguyen" in list(table["Tên đăng nhập"])

    at.selectbox(key="admin_user_pick").select("ubnd.hung-nguyen").run()
    at.multiselect(key="admin_units_ubnd.hung-nguyen").set_value(["16681", "16690"])
    submit_buttons(at, "Lưu vai trò và đơn vị")[0].click().run()
    assert sorted(users.list_users(sample, ADMIN).set_index("username").loc["ubnd.hung-nguyen", "units"]) == ["16681", "16690"]

    at.button(key="admin_deactivate_ubnd.hung-nguyen").click().run()
    assert not bool(users.list_users(sample, ADMIN).set_index("username").loc["ubnd.hung-nguyen", "active"])
    ops = [json.loads(d).get("op") for d in audit_rows(sample).query("action == 'manage_users' and outcome == 'ok'")["detail"]]
    assert ops[-3:] == ["add", "bind_units", "deactivate"]


def test_mismatched_passwords_add_no_user(sample):
    at = open_page("pages/admin.py", ADMIN)
    at.text_input(key="admin_new_username").input("nguoi.moi")
    at.text_input(key="admin_new_pw1").input(GOOD_PASSWORD)
    at.text_input(key="admin_new_pw2").input(GOOD_PASSWORD + "x")
    submit_buttons(at, "Thêm người dùng")[0].click().run()
    assert at.error[0].value == "Hai lần nhập mật khẩu không khớp."
    with sample.connect() as conn:
        assert conn.execute(select(models.AppUser.username).where(models.AppUser.username == "nguoi.moi")).first() is None


@pytest.mark.parametrize("who", [LEADER, STANDING, None])
def test_the_administrators_page_is_closed_to_others(sample, who):
    """Nobody but an administrator is served the page: it is not in their navigation (its address shows
    "no access", or the sign-in form when nobody is signed in), so AppTest cannot switch to it."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["actor"] = who
    at.run()
    assert not at.exception
    with pytest.raises(ValueError):
        at.switch_page("pages/admin.py")
    assert not at.tabs


# --- the original file, downloaded for real ---------------------------------------------------------------


@pytest.mark.browser
def test_the_original_file_downloads_in_chromium_and_the_export_is_audited(tmp_path, _backends, _templates):
    import os

    from testkit.live_server import streamlit_server
    from tests.test_browser import CHROMIUM, sign_in, wait_for_run

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    backend = _backends["sqlite"]
    url = backend.clone(_templates.get(backend, "sample"), "agency_download")
    engine = make_engine(url)
    expected = frames.submissions(engine, "16681", LATEST).iloc[0]
    try:
        with streamlit_server(url, tmp_path) as base, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
            page = browser.new_context(accept_downloads=True, locale="vi-VN").new_page()
            page.goto(f"{base}/ho-so-don-vi?unit=16681&period={LATEST}", wait_until="domcontentloaded")
            wait_for_run(page)
            sign_in(page, "demo_admin")  # at the address of the link, which stays
            page.get_by_role("tab", name="Nguồn số liệu").click()
            with page.expect_download(timeout=60_000) as download:
                page.get_by_role("button", name="Tải tệp gốc").click()
            got = download.value
            assert got.suggested_filename == expected["filename"]
            assert open(got.path(), "rb").read() == frames.submission_content(engine, int(expected["id"]))
            browser.close()
        events = audit_rows(engine)
        exports = events[events["action"] == "export"]  # other events (the sign-in's) may come after it
        assert [tuple(e) for e in exports[["username", "target", "outcome"]].itertuples(index=False)] == [
            ("demo_admin", f"submission_file/{expected['id']}", "ok")]
    finally:
        engine.dispose()
        backend.drop(url)
