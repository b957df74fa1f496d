"""The "Nộp số liệu" page, headless (AppTest uploads real file bytes): template download; upload, dry run
with a preview and the located problems, confirm; a header in an office's own wording mapped on the page
and the mapping kept for the office."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from services import locks
from services.permissions import Actor
from storage import frames
from storage.db import make_engine
from testkit.bad_files import GOOD, Sheet, good_single, single_unit, xlsx
from testkit.project import APP

TIMEOUT = 180
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


ADMIN = Actor("quan.tri", "admin")


@pytest.fixture
def page(monkeypatch, db_url):
    """The page as an administrator, with 05/2024 (long locked: its deadline passed) opened again for
    corrections, as an administrator does before a late file is taken."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    engine = make_engine(db_url)
    locks.unlock(engine, ADMIN, "2024-05", "Nhận lại số liệu tháng 5/2024 của huyện Kỳ Sơn")
    engine.dispose()
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["actor"] = ADMIN
    at.run()
    at.switch_page("pages/submissions.py").run()
    assert not at.exception
    return at


def _table_with(at, column: str):
    """The page's table that has `column` (other sections of the page have tables of their own)."""
    found = [df.value for df in at.dataframe if column in df.value.columns]
    assert found, [list(df.value.columns) for df in at.dataframe]
    return found[0]


def _upload(at, name: str, data: bytes):
    at.file_uploader(key="upload_files").set_value([(name, data, XLSX)]).run()
    at.button(key="upload_check").click().run()
    assert not at.exception
    return at


def test_the_page_offers_the_template_and_the_upload(page):
    assert page.title[0].value == "Nộp số liệu"
    assert page.selectbox(key="tpl_form").value == "locality"
    assert any(b.label == "Tải biểu mẫu (.xlsx)" for b in page.get("download_button"))
    allowed = page.file_uploader(key="upload_files").allowed_type
    assert {".xlsx", ".csv", ".xls"} <= set(allowed)  # .xls is let in, to be told "save as .xlsx"


def test_a_good_file_is_previewed_then_stored_on_confirm(page, db_url):
    at = _upload(page, "ky_son_t5.xlsx", good_single("2024-05"))
    assert any("ky_son_t5.xlsx" in m.value and "hợp lệ" in m.value for m in at.markdown)
    preview = _table_with(at, "Tổng số hồ sơ TTHC tiếp nhận")
    assert preview.iloc[0]["Đơn vị"] == "Huyện Kỳ Sơn (417)"
    assert preview.iloc[0]["Tổng số hồ sơ TTHC tiếp nhận"] == "1.000"  # Vietnamese thousands
    late = [w.value for w in at.warning if "muộn" in w.value]  # 05/2024 was due 05/06/2024: said before Confirm
    assert len(late) == 1 and "ky_son_t5.xlsx" in late[0] and "hạn nộp 05/06/2024" in late[0]
    engine = make_engine(db_url)
    assert frames.submissions(engine).empty  # a dry run stores nothing
    at.button(key="upload_confirm").click().run()
    assert not at.exception
    assert any("đã lưu" in s.value for s in at.success)
    assert frames.load_values(engine).set_index("element_code").loc["dossiers_received", "value"] == 1000
    assert frames.submissions(engine).iloc[0]["submitted_by"] == "quan.tri"  # the signed-in user


def test_a_bad_file_shows_every_located_problem_and_the_error_workbook(page, db_url):
    data = good_single("2024-05", dossiers_received_online=1200, dossiers_with_fee=-5)
    at = _upload(page, "loi.xlsx", data)
    problems = _table_with(at, "Vị trí")
    assert set(problems["Vị trí"]) >= {"loi.xlsx › Số liệu › ô D8", "loi.xlsx › Số liệu › ô D14"}
    assert "'-5' là số âm" in " ".join(problems["Nội dung"])
    assert any(b.label == "Tải tệp đánh dấu lỗi" for b in at.get("download_button"))
    assert not any(b.key == "upload_confirm" for b in at.button)
    assert any("Không có tệp nào hợp lệ" in w.value for w in at.warning)
    assert frames.submissions(make_engine(db_url)).empty


def test_an_unmatched_header_is_mapped_on_the_page_and_kept_for_the_office(page, db_url):
    header = "Hồ sơ nhận qua Bưu điện công ích"
    rows = single_unit("417", "Huyện Kỳ Sơn", "2024-05", {"dossiers_received": 1000}) + [[2, header, None, 900]]
    at = _upload(page, "t5.xlsx", xlsx(Sheet("Số liệu", rows)))
    box = at.selectbox(key="upload_map_0")
    assert header in box.label
    box.set_value("dossiers_received_online").run()
    at.button(key="upload_recheck").click().run()
    assert not at.exception
    assert at.checkbox(key="upload_save_mapping").value is True
    at.button(key="upload_confirm").click().run()
    engine = make_engine(db_url)
    assert frames.load_values(engine).set_index("element_code").loc["dossiers_received_online", "value"] == 900
    from loaders import mappings

    assert mappings.load(engine, ["417"], "locality") == {"ho so nhan qua buu dien cong ich": "dossiers_received_online"}


def test_the_page_speaks_english(page):
    page.radio(key="lang_selector").set_value("en").run()
    assert not page.exception
    assert page.title[0].value == "Submissions"
    at = _upload(page, "x.xlsx", xlsx(Sheet("S", single_unit("417", "Huyện Kỳ Sơn", "2024-05", {**GOOD, "dossiers_resolved": "abc"}))))
    problems = _table_with(at, "Where")
    assert "'abc' is not a number (Dossiers resolved)." in list(problems["Problem"])


def test_a_compiled_workbook_without_the_identity_columns_gets_one_grouped_line_not_126(page):
    """21 districts, the nine dossier elements only: the four identity and two social-security elements the
    form expects are missing for every unit. The submitter reads one line naming the 21 units and the six
    elements, every word of it (a list wraps; the table below still has the 126 rows)."""
    from domain.units import nghe_an_units
    from testkit.bad_files import compiled

    districts = [(u.code, u.name_vi) for u in nghe_an_units() if u.level == "district" and u.code != "432"][:21]
    dossier = [e for e in GOOD if e.startswith(("dossiers", "results"))]
    rows = compiled("2024-05", districts, {c: GOOD for c, _ in districts}, elements=dossier)
    at = _upload(page, "tong_hop_t5.xlsx", xlsx(Sheet("Tổng hợp", rows)))
    text = "\n".join(m.value for m in at.markdown)
    assert text.count("chưa có 6 chỉ tiêu") == 1
    assert f"{len(districts)} đơn vị chưa có 6 chỉ tiêu tháng 05/2024" in text
    assert "Số công dân thuộc diện cấp thẻ Căn cước" in text  # the elements named whole, not cut
    assert len(_table_with(at, "Vị trí")) >= 6 * len(districts)


def test_a_locked_month_is_said_first_and_apart(page, db_url):
    engine = make_engine(db_url)
    locks.lock(engine, ADMIN, "2024-05", "Chốt số liệu")
    engine.dispose()
    at = _upload(page, "t5.xlsx", good_single("2024-05"))
    assert at.error and "05/2024 đã khóa sổ" in at.error[0].value
