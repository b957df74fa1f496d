"""`python cli.py report`: both files written for the month, each recorded as an export in the audit trail,
in the language asked for; refusals (rights, month, folder) with the reason in both languages and no file;
and hostile text from the database (a unit named like a formula, follow-up notes starting with @, -, a
tab, a control character) neutralised in the Excel pack and shown as typed in the Word draft."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import update

import cli
import i18n
import metrics
from domain.safe_text import FORMULA_STARTS
from services import audit, followups, users
from services.permissions import Actor
from storage import frames, models
from storage.db import make_engine
from tests.reports_files import doc_text, table, text_cells, workbook

# The PostgreSQL half runs in the full suite; the inner loop runs the SQLite half (conftest.py).
pytestmark = pytest.mark.slow_on_postgresql

PERIOD = "2026-10"
HOSTILE_NAME = '=HYPERLINK("http://evil.example/x","Bấm vào đây")'
OTHER_NAMES = ["\tXã Có Tab Đầu", "@Phường Ký Tự", "\rXã Xuống Dòng"]
NOTES = ["@SUM(1+1)\x07 đã gọi điện nhắc nhở", "-2+3 cmd|' /C calc'!A0", "\tchờ báo cáo giải trình", "+84 912 345 678 (đầu mối)"]


def run(capsys, url, *argv):
    code = cli.main(["--database-url", url, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def exports(url) -> list[dict]:
    events = audit.search(make_engine(url), action="export")
    return [json.loads(d) if isinstance(d, str) else d for d in events["detail"]], events


@pytest.mark.parametrize("lang, names", [("vi", ("phu-luc-bao-cao-de-an-06-2026-10.xlsx", "bao-cao-de-an-06-2026-10.docx")),
                                         ("en", ("project-06-annex-2026-10.xlsx", "project-06-report-2026-10.docx"))])
def test_the_report_command_writes_both_files_and_records_the_exports(capsys, sample_copy_url, tmp_path, lang, names):
    out_dir = tmp_path / "bao-cao" / "2026"
    code, out, err = run(capsys, sample_copy_url, "report", "--period", PERIOD, "--lang", lang, "-o", str(out_dir), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result == {"period": PERIOD, "lang": lang, "synthetic": True, "files": [str(out_dir / n) for n in names]}
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(names)  # no temporary file left behind
    assert text_cells(workbook((out_dir / names[0]).read_bytes()))[0].startswith(
        i18n.t("reports.xlsx.title", lang, province="", month="")[:10])
    assert i18n.t("reports.doc.kind", lang) in doc_text((out_dir / names[1]).read_bytes())
    details, events = exports(sample_copy_url)
    assert sorted(d["format"] for d in details) == ["docx", "xlsx"]
    assert {d["what"] for d in details} == {"monthly_report"} and {d["period"] for d in details} == {PERIOD}
    assert set(events["outcome"]) == {"ok"} and all(u.startswith("cli:") for u in events["username"])


def test_people_read_where_the_files_went(capsys, sample_copy_url, tmp_path):
    code, out, _ = run(capsys, sample_copy_url, "report", "--period", PERIOD, "-o", str(tmp_path))
    assert code == 0
    assert out.splitlines() == [i18n.t("reports.cli.written", "vi", file=str(tmp_path / n))
                                for n in ("phu-luc-bao-cao-de-an-06-2026-10.xlsx", "bao-cao-de-an-06-2026-10.docx")]


@pytest.mark.parametrize("role, allowed", [("standing", True), ("viewer", False), ("leader", False)])
def test_the_report_acts_within_the_user_s_rights(capsys, sample_copy_url, tmp_path, role, allowed):
    engine = make_engine(sample_copy_url)
    users.add_user(engine, users.cli_actor(), f"qa.{role}", role)
    code, _, err = run(capsys, sample_copy_url, "report", "--period", PERIOD, "-o", str(tmp_path), "--as-user", f"qa.{role}")
    details, events = exports(sample_copy_url)
    if allowed:
        assert code == 0 and len(list(tmp_path.iterdir())) == 2
        assert set(events["username"]) == {f"qa.{role}"} and set(events["outcome"]) == {"ok"}
    else:
        assert code == 1 and list(tmp_path.iterdir()) == []
        role_vi, role_en = i18n.t(f"access.role.{role}", "vi"), i18n.t(f"access.role.{role}", "en")
        assert f"Vai trò {role_vi} không được phép" in err and f"The role {role_en} may not" in err
        assert list(events["outcome"]) == ["refused"]


@pytest.mark.parametrize("argv, message", [
    (["--period", "2026-13"], "'2026-13' không phải tháng dạng YYYY-MM."),
    (["--period", "2031-01"], "Không có số liệu nào cho 2031-01"),
    (["--period", PERIOD, "--as-user", "khong.co.ai"], "There is no active user 'khong.co.ai'."),
])
def test_refusals_name_the_reason_and_write_nothing(capsys, sample_copy_url, tmp_path, argv, message):
    code, out, err = run(capsys, sample_copy_url, "report", *argv, "-o", str(tmp_path))
    assert code == 1 and message in err and out == ""
    assert list(tmp_path.iterdir()) == []
    assert exports(sample_copy_url)[1].empty


def test_an_output_that_is_a_file_is_refused(capsys, sample_copy_url, tmp_path):
    target = tmp_path / "bao-cao.txt"
    target.write_text("x")
    code, _, err = run(capsys, sample_copy_url, "report", "--period", PERIOD, "-o", str(target))
    assert code == 1 and "không phải là thư mục" in err and "is not a folder" in err
    assert target.read_text() == "x"


def test_hostile_names_and_notes_are_neutralised_in_excel_and_shown_as_typed_in_word(capsys, sample_copy_url, tmp_path):
    engine = make_engine(sample_copy_url)
    inputs = metrics.Inputs(**frames.metric_frames(engine))
    weak = metrics.weak_localities(inputs, PERIOD).units
    target = weak.iloc[0]["unit_code"]  # the unit at the top of the list: in every sheet and in the draft's table
    others = weak["unit_code"].iloc[1:len(NOTES)].tolist()
    renamed = dict(zip(weak["unit_code"].iloc[-len(OTHER_NAMES):], OTHER_NAMES)) | {target: HOSTILE_NAME}
    with engine.begin() as conn:
        for code, name in renamed.items():
            conn.execute(update(models.Unit).where(models.Unit.code == code).values(name_vi=name))
    agency = Actor("qa.thuong.truc", "standing")
    for code, note in zip([target, *others], NOTES):
        followups.add_followup(engine, agency, code, PERIOD, "notified", note)
    code, _, err = run(capsys, sample_copy_url, "report", "--period", PERIOD, "-o", str(tmp_path))
    assert code == 0, err

    wb = workbook((tmp_path / "phu-luc-bao-cao-de-an-06-2026-10.xlsx").read_bytes())
    cells = text_cells(wb)
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    assert cells.count("'" + HOSTILE_NAME) >= 12  # the indicator sheets, the weak list, the returns
    weak_rows = {r["Mã đơn vị"]: r for r in table(wb[i18n.t("reports.sheet.weak", "vi")], "Hạng")}
    for code, name in renamed.items():
        assert weak_rows[code]["Đơn vị"] == "'" + name
    cleaned = [n.replace("\x07", "").strip() for n in NOTES]  # the service keeps notes stripped
    expected = ["'" + n if n.startswith(FORMULA_STARTS) else n for n in cleaned]
    assert [weak_rows[c]["Ghi chú theo dõi"] for c in [target, *others]] == expected
    assert {weak_rows[c]["Tình trạng theo dõi"] for c in [target, *others]} == {"Đã nhắc nhở"}
    assert weak_rows[target]["Đơn vị"] == "'" + HOSTILE_NAME

    text = doc_text((tmp_path / "bao-cao-de-an-06-2026-10.docx").read_bytes())
    assert HOSTILE_NAME in text and "'" + HOSTILE_NAME not in text
    assert cleaned[0] in text and "\x07" not in text
