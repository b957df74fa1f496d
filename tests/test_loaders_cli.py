"""The loaders at the command line: `template`, `ingest` (dry run, --as a user, --period/--form for files
that do not state them, --map, --json, error workbooks) and the stable JSON of `ingest --json`."""

from __future__ import annotations

import json

import openpyxl
import pytest

import cli
from storage import frames
from storage.db import make_engine
from testkit.bad_files import GOOD, LOCALITY, NAMES, Sheet, good_single, xlsx


@pytest.fixture
def month():
    """The current month: access control locks a month some days after its deadline, so a file for an older
    month would be refused for that alone."""
    import datetime as dt

    from domain import periods

    return periods.of_date(dt.date.today())


def _run(capsys, *args) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_template_writes_a_workbook_for_a_form_and_month(db_url, tmp_path, capsys):
    target = tmp_path / "bieu.xlsx"
    code, out, _ = _run(capsys, "--database-url", db_url, "template", "--form", "locality", "--period", "2025-08", "-o", str(target))
    assert code == 0 and "bieu.xlsx" in out
    ws = openpyxl.load_workbook(target)["Số liệu"]
    assert ws["A1"].value == "BÁO CÁO KẾT QUẢ THỰC HIỆN ĐỀ ÁN 06 – THÁNG 08/2025"
    assert ws.max_row == 8 + 130 + 1  # header rows, the 130 communes and wards, the totals row


@pytest.mark.parametrize("args, message", [
    (["--period", "2025-13"], "'2025-13' không phải tháng dạng YYYY-MM."),
    (["--period", "2024-05", "--unit", "16681"], "Đơn vị 16681 không báo cáo theo biểu locality trong tháng 05/2024."),
])
def test_template_refuses_what_cannot_be_built(db_url, tmp_path, capsys, args, message):
    code, out, err = _run(capsys, "--database-url", db_url, "template", "--form", "locality", *args, "-o", str(tmp_path / "x.xlsx"))
    assert code == 1 and message in err and "Traceback" not in err


def test_ingest_json_reports_every_field(db_url, tmp_path, capsys, month):
    good, bad = tmp_path / "tot.xlsx", tmp_path / "xau.xlsx"
    good.write_bytes(good_single(month, "16681", "Phường Thành Vinh"))
    bad.write_bytes(good_single(month, "16690", "Phường Trường Vinh", dossiers_resolved=-1))
    code, out, _ = _run(capsys, "--database-url", db_url, "ingest", str(good), str(bad), "--dry-run", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["dry_run"] is True
    assert report["counts"] == {"files": 2, "accepted": 1, "rejected": 1, "duplicate": 0, "stored": 0, "values": 15,
                                "errors": 1, "warnings": 0}
    first, second = report["files"]
    assert set(first) == {"file", "sha256", "size", "status", "stored", "format", "form", "periods", "units", "values",
                          "submission_id", "duplicate_of", "added", "changed", "unchanged", "errors", "warnings",
                          "problems", "unmatched_headers"}
    assert (first["status"], first["form"], first["periods"], first["units"]) == ("accepted", "locality", [month], ["16681"])
    problem = second["problems"][0]
    assert set(problem) == {"severity", "code", "file", "sheet", "row", "column", "cell", "unit", "element", "period",
                            "message_vi", "message_en", "hint_vi", "hint_en"}
    assert (problem["code"], problem["cell"], problem["unit"], problem["element"]) == ("negative_value", "D10", "16690", "dossiers_resolved")
    assert frames.submissions(make_engine(db_url)).empty


def test_ingest_stores_and_reports_in_the_chosen_language(db_url, tmp_path, capsys, month):
    path = tmp_path / "thanh_vinh.xlsx"
    path.write_bytes(good_single(month, "16681", "Phường Thành Vinh"))
    code, out, _ = _run(capsys, "--database-url", db_url, "--lang", "en", "ingest", str(path))
    assert code == 0 and "thanh_vinh.xlsx: accepted" in out and "15 new figures" in out
    code, out, _ = _run(capsys, "--database-url", db_url, "ingest", str(path))
    assert code == 0 and "đã nộp trước đó" in out
    subs = frames.submissions(make_engine(db_url))
    assert len(subs) == 1 and subs.iloc[0]["source"] == "cli"


def test_ingest_takes_month_form_and_mapping_for_an_office_layout(db_url, tmp_path, capsys, month):
    rows = [["Đơn vị", "Nhận qua Bưu điện"] + [NAMES[e] for e in LOCALITY[1:]],
            ["P. Thành Vinh", 1000] + [GOOD[e] for e in LOCALITY[1:]]]
    path = tmp_path / "tu_lam.xlsx"
    path.write_bytes(xlsx(Sheet("Sheet1", rows)))
    code, out, _ = _run(capsys, "--database-url", db_url, "ingest", str(path), "--dry-run", "--json")
    problems = {p["code"] for p in json.loads(out)["files"][0]["problems"]}
    assert code == 1 and {"period_missing", "column_unrecognised"} <= problems
    code, out, _ = _run(capsys, "--database-url", db_url, "ingest", str(path), "--period", month, "--form", "locality",
                        "--map", "Nhận qua Bưu điện=dossiers_received", "--json")
    assert code == 0, out
    assert json.loads(out)["files"][0]["stored"] is True


def test_ingest_as_a_submitter_applies_their_units(db_url, tmp_path, capsys, month):
    from services.users import add_user, cli_actor

    engine = make_engine(db_url)
    add_user(engine, cli_actor(), "ubnd.thanhvinh", "submitter", unit_codes=["16681"], password=None)
    other = tmp_path / "truong_vinh.xlsx"
    other.write_bytes(good_single(month, "16690", "Phường Trường Vinh"))
    code, out, _ = _run(capsys, "--database-url", db_url, "ingest", str(other), "--as", "ubnd.thanhvinh", "--json")
    assert code == 1
    assert json.loads(out)["files"][0]["problems"][0]["code"] == "unit_not_allowed"
    code, _, err = _run(capsys, "--database-url", db_url, "ingest", str(other), "--as", "nobody")
    assert code == 1 and "nobody" in err


def test_ingest_writes_error_workbooks(db_url, tmp_path, capsys, month):
    path = tmp_path / "loi.xlsx"
    path.write_bytes(good_single(month, "16681", "Phường Thành Vinh", dossiers_received_online=5000))
    code, _, err = _run(capsys, "--database-url", db_url, "ingest", str(path), "--error-workbook", str(tmp_path / "out"))
    assert code == 1 and "loi_loi.xlsx" in err
    wb = openpyxl.load_workbook(tmp_path / "out" / "loi_loi.xlsx")
    assert wb.sheetnames[0] == "Danh sách lỗi" and wb["Số liệu"]["D8"].comment is not None


def test_ingest_refuses_a_missing_file_without_a_traceback(db_url, capsys):
    code, out, err = _run(capsys, "--database-url", db_url, "ingest", "/no/such/file.xlsx")
    assert code == 1 and "file.xlsx" in err and "Traceback" not in out + err
