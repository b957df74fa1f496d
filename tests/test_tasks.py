"""Steering documents, tasks and pilot models (issue 13): the register's life cycle, rights, overdue in
province time, locked months, status from the figures, the import of an office's messy task list, the
overdue export, the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

import cli
import metrics
from domain.errors import Invalid, Refused
from domain.tasks import TaskIn
from services import tasks
from storage import frames, models
from storage.db import make_engine
from storage.submissions import SubmissionIn, ValueIn, record_submission
from tests.access_helpers import NOW, actor, audit_rows, fast_hashing, snapshot  # noqa: F401 - fast_hashing is autouse

UTC = dt.timezone.utc
STANDING, ADMIN, LEADER, VIEWER = actor("standing"), actor("admin"), actor("leader"), actor("viewer")
HEALTH = actor("submitter", ["40-SYT"], name="can_bo_so_y_te")
JUSTICE = actor("submitter", ["40-STP"], name="can_bo_so_tu_phap")


def _vn(y, m, d, hh=9, mm=0) -> dt.datetime:
    """A Vietnam wall-clock time as an aware UTC datetime."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=dt.timezone(dt.timedelta(hours=7))).astimezone(UTC)


def _task(engine, lead="40-SYT", deadline=dt.date(2026, 10, 15), **kw) -> int:
    return tasks.add_task(engine, STANDING, TaskIn(text=kw.pop("text", "Triển khai thanh toán không dùng tiền mặt"),
                                                  lead_unit_code=lead, deadline=deadline, **kw), now=NOW)


def _one(frame, task_id):
    return frame[frame["id"] == task_id].iloc[0]


# --- life cycle --------------------------------------------------------------------------------------------


def test_a_task_from_document_to_done_with_evidence_and_history(engine):
    doc = tasks.add_document(engine, STANDING, "125/TB-UBND", dt.date(2026, 9, 20), "UBND tỉnh Nghệ An",
                             "thông báo kết luận", "Kết luận của Chủ tịch UBND tỉnh tại phiên họp tháng 9",
                             file=tasks.Upload("tb-125.pdf", b"%PDF-1.4 notice"), now=NOW)
    task_id = _task(engine, document_id=doc, cooperating_codes=("40-SGDDT", "40-SYT"),
                    cooperating_text="Ngân hàng Nhà nước Chi nhánh tỉnh", product="60% người bệnh thanh toán không dùng tiền mặt")
    listed = _one(tasks.list_tasks(engine, LEADER, now=NOW), task_id)
    assert listed["status"] == "not_started" and listed["document_number"] == "125/TB-UBND"
    assert listed["cooperating_codes"] == ["40-SGDDT"]  # the lead is not its own cooperating unit
    assert tasks.documents(engine, VIEWER, now=NOW).iloc[0]["filename"] == "tb-125.pdf"

    tasks.set_status(engine, HEALTH, task_id, "đang thực hiện", "Đã triển khai tại 5 bệnh viện", now=NOW)
    later = NOW + dt.timedelta(days=5)
    tasks.set_status(engine, HEALTH, task_id, "done", "Hoàn thành, 100% bệnh viện",
                     evidence=tasks.Upload("bao-cao.docx", b"PK report bytes"), now=later)
    row = _one(tasks.list_tasks(engine, LEADER, now=later), task_id)
    assert (row["reported_status"], row["status"], row["status_on"]) == ("done", "done", dt.date(2026, 10, 8))

    history = tasks.task_history(engine, LEADER, task_id, now=later)
    assert history["status"].tolist() == ["not_started", "in_progress", "done"]
    assert history["changed_by"].tolist() == ["test_standing", "can_bo_so_y_te", "can_bo_so_y_te"]
    evidence = history.iloc[-1]
    assert evidence["evidence_filename"] == "bao-cao.docx" and evidence["note"] == "Hoàn thành, 100% bệnh viện"
    assert tasks.attached_file(engine, STANDING, int(evidence["evidence_file_id"]), now=later).content == b"PK report bytes"

    trail = audit_rows(engine)
    ops = [json.loads(d).get("op") for d in trail["detail"]]
    assert ops[-5:] == ["add_document", "add_task", "set_status", "set_status", None]  # the last: the download
    assert (trail.iloc[-1]["action"], trail.iloc[-1]["username"]) == ("download_file", "test_standing")


def test_a_reader_limited_to_some_units_lists_no_tasks_where_none_are_recorded(engine):
    """A profile page asks for a unit's tasks; with none recorded yet the list is empty, not a crash (an empty
    row mask used to select no columns instead of no rows)."""
    with engine.connect() as conn:
        commune = conn.execute(select(models.Unit.code).where(models.Unit.level == "commune").limit(1)).scalar_one()
    listed = tasks.list_tasks(engine, actor("submitter", [commune]), today=dt.date(2026, 1, 20), unit=commune)
    assert listed.empty
    assert list(listed.columns) == tasks.TASK_COLUMNS


def test_a_submitter_cannot_change_another_unit_s_task(engine):
    task_id = _task(engine, lead="40-SYT")
    before, audited = snapshot(engine), len(audit_rows(engine))
    with pytest.raises(Refused) as refused:
        tasks.set_status(engine, JUSTICE, task_id, "done", "Xong", now=NOW)
    assert refused.value.reason == "unit"
    assert snapshot(engine) == before
    last = audit_rows(engine).iloc[-1]
    assert len(audit_rows(engine)) == audited + 1 and (last["action"], last["outcome"]) == ("update_tasks", "refused")
    # nor create, nor assign; a leader and a viewer only read
    for who in (JUSTICE, LEADER, VIEWER):
        with pytest.raises(Refused):
            tasks.add_task(engine, who, TaskIn("Nhiệm vụ mới", "40-STP", dt.date(2026, 12, 1)), now=NOW)
    for who in (LEADER, VIEWER):
        with pytest.raises(Refused):
            tasks.set_status(engine, who, task_id, "done", "Xong", now=NOW)
    # the submitter sees only what their unit leads or cooperates on
    other = _task(engine, lead="40-STP")
    assert tasks.list_tasks(engine, JUSTICE, now=NOW)["id"].tolist() == [other]


@pytest.mark.parametrize("utc_now, overdue", [
    (_vn(2026, 10, 15, 23, 59), False),  # the deadline day itself, late evening in Vinh: still on time
    (_vn(2026, 10, 16, 0, 0), True),  # midnight in Vinh (17:00 UTC on the 15th): overdue
    (dt.datetime(2026, 10, 15, 20, 0, tzinfo=UTC), True),  # still the 15th in UTC, 03:00 on the 16th in Vinh
])
def test_overdue_from_the_day_after_the_deadline_in_province_time(engine, utc_now, overdue):
    task_id = _task(engine, deadline=dt.date(2026, 10, 15))
    row = _one(tasks.list_tasks(engine, LEADER, now=utc_now), task_id)
    assert (row["status"] == "overdue") is overdue
    assert tasks.list_tasks(engine, LEADER, overdue=True, now=utc_now)["id"].tolist() == ([task_id] if overdue else [])


def test_done_after_the_deadline_reads_done_late_and_computed_statuses_are_not_typed(engine):
    task_id = _task(engine, deadline=dt.date(2026, 10, 1))
    with pytest.raises(Invalid) as typed:
        tasks.set_status(engine, HEALTH, task_id, "quá hạn", "Tự khai quá hạn", now=NOW)
    assert typed.value.reason == "computed_status"
    tasks.set_status(engine, HEALTH, task_id, "hoàn thành", "Xong muộn 2 ngày", now=NOW)  # 03/10
    assert _one(tasks.list_tasks(engine, LEADER, now=NOW), task_id)["status"] == "done_late"
    with pytest.raises(Invalid):
        tasks.set_status(engine, HEALTH, task_id, "in_progress", "Ngày mai", effective_on=dt.date(2026, 10, 4), now=NOW)


def test_a_locked_month_s_statuses_are_not_rewritten(engine):
    # August 2026 is locked on 03/10/2026 (due 05/09, locked from 16/09): a change dated in it is refused,
    # and what the August review said stays, whatever is reported later.
    task_id = _task(engine, deadline=dt.date(2026, 8, 20))
    with pytest.raises(Refused) as refused:
        tasks.set_status(engine, HEALTH, task_id, "done", "Thực ra đã xong trong tháng 8",
                         effective_on=dt.date(2026, 8, 18), now=NOW)
    assert refused.value.reason == "locked"
    tasks.set_status(engine, HEALTH, task_id, "done", "Xong", now=NOW)
    assert _one(tasks.list_tasks(engine, LEADER, now=NOW), task_id)["status"] == "done_late"


def test_the_month_review_reads_statuses_as_they_stood(engine):
    # Registered on 03/10 from a plan of 01/09: the tasks are September's from the plan's date.
    plan = tasks.add_document(engine, STANDING, "88/KH-UBND", dt.date(2026, 9, 1), "UBND tỉnh", "plan", "Kế hoạch tháng 9", now=NOW)
    early = _task(engine, deadline=dt.date(2026, 9, 30), text="Nhiệm vụ xong trong tháng 9", document_id=plan)
    late = _task(engine, deadline=dt.date(2026, 9, 15), text="Nhiệm vụ quá hạn trong tháng 9", document_id=plan)
    _task(engine, deadline=dt.date(2026, 9, 15), text="Giao ngày 03/10, không có văn bản: chưa có trong tháng 9")
    tasks.set_status(engine, HEALTH, early, "done", "Xong", effective_on=dt.date(2026, 9, 28), now=NOW)
    tasks.set_status(engine, HEALTH, late, "done", "Xong muộn", now=NOW)  # 03/10: after September
    review = tasks.month_review(engine, LEADER, "2026-09", now=NOW)
    assert review.completed["id"].tolist() == [early]
    assert review.overdue["id"].tolist() == [late]  # at the end of September it was overdue
    october = tasks.month_review(engine, LEADER, "2026-10", now=NOW)
    assert october.completed["id"].tolist() == [late] and october.completed.iloc[0]["status"] == "done_late"


def test_pilot_models_with_their_history(engine):
    model = tasks.add_pilot_model(engine, STANDING, "Bệnh viện không dùng tiền mặt", "40-SYT", ["412", "16681"], now=NOW)
    tasks.set_model_status(engine, HEALTH, model, "nhân rộng", "Nhân rộng toàn tỉnh", now=NOW)
    with pytest.raises(Refused):
        tasks.set_model_status(engine, JUSTICE, model, "completed", "Không phải của tôi", now=NOW)
    frame = tasks.pilot_models(engine, VIEWER, now=NOW)
    assert frame.iloc[0]["status"] == "scaled" and frame.iloc[0]["deployed_codes"] == ["412", "16681"]
    with engine.connect() as conn:
        statuses = conn.execute(select(models.PilotModelChange.status).order_by(models.PilotModelChange.id)).scalars().all()
    assert statuses == ["piloting", "scaled"]


# --- status from the figures ---------------------------------------------------------------------------------


def _hospital(engine, period, paid, noncash):
    values = [ValueIn("40-SYT", period, "hospital_payments", paid), ValueIn("40-SYT", period, "hospital_payments_noncash", noncash)]
    record_submission(engine, SubmissionIn("department", f"syt-{period}.csv", f"{period},{paid},{noncash}".encode(),
                                           "test", values))


def test_a_task_tied_to_an_indicator_is_judged_from_the_figures(engine):
    # 50 %, 62 %, 58 %, 61 %, 65 %: met since 04/2026 (the break in March restarts the count)
    for period, noncash in (("2026-01", 500), ("2026-02", 620), ("2026-03", 580), ("2026-04", 610), ("2026-05", 650)):
        _hospital(engine, period, 1000, noncash)
    tied = _task(engine, deadline=dt.date(2026, 3, 31), indicator_code="hospital_noncash_rate", target_value=0.60,
                 from_period="2026-01")
    strict = _task(engine, deadline=dt.date(2026, 3, 31), indicator_code="hospital_noncash_rate", target_value=0.70,
                   from_period="2026-01", text="70% người bệnh thanh toán không dùng tiền mặt")
    inputs = metrics.Inputs(**frames.metric_frames(engine))
    judged = tasks.judge_indicators(inputs, tasks.list_tasks(engine, LEADER, now=NOW), "2026-05").set_index("task_id")
    assert judged.loc[tied, "met"] and judged.loc[tied, "met_since"] == "2026-04" and judged.loc[tied, "months_met"] == 2
    assert judged.loc[tied, "value"] == pytest.approx(0.65)
    assert not judged.loc[strict, "met"] and judged.loc[strict, "met_since"] is None
    # the month of the figures is the latest judged, and the unit's own report stands beside it
    assert judged.loc[tied, "period"] == "2026-05"
    assert _one(tasks.list_tasks(engine, LEADER, now=NOW), tied)["reported_status"] == "not_started"
    assert judged.loc[tied, "basis"] == "unit"
    # as of March the target had been met in February but not in March
    earlier = tasks.judge_indicators(inputs, tasks.list_tasks(engine, LEADER, now=NOW), "2026-03").set_index("task_id")
    assert not earlier.loc[tied, "met"] and earlier.loc[tied, "met_since"] is None


def test_a_department_answers_for_the_province_s_figure_it_does_not_report_itself(engine):
    # The Department of Labour leads the social-security rate; the localities report it (Vinh, 2024).
    for period, noncash in (("2024-05", 800), ("2024-06", 930)):
        values = [ValueIn("412", period, "social_beneficiaries", 1000), ValueIn("412", period, "social_paid_noncash", noncash)]
        record_submission(engine, SubmissionIn("locality", f"vinh-{period}.csv", period.encode(), "test", values))
    task = _task(engine, lead="40-SLDTBXH", deadline=dt.date(2024, 5, 31), indicator_code="social_noncash_rate",
                 target_value=0.90, from_period="2024-05")
    inputs = metrics.Inputs(**frames.metric_frames(engine))
    judged = tasks.judge_indicators(inputs, tasks.list_tasks(engine, LEADER, now=NOW), "2024-06").set_index("task_id")
    assert (judged.loc[task, "basis"], judged.loc[task, "met"], judged.loc[task, "met_since"]) == ("province", True, "2024-06")


# --- import of an office's task list ---------------------------------------------------------------------------


def _office_list(bad_deadline: str | None = None) -> bytes:
    """A task list laid out as an office keeps it: a title, a two-row header with "Đơn vị" merged over
    "Chủ trì" and "Phối hợp", a row numbering the columns, group headings, names without diacritics and
    abbreviations, deadlines written five ways."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Phụ lục"
    ws.append(["UBND TỈNH NGHỆ AN"])
    ws.append(["DANH MỤC NHIỆM VỤ TRIỂN KHAI ĐỀ ÁN 06 NĂM 2026"])
    ws.append([])
    ws.append(["STT", "Nội dung nhiệm vụ", "Đơn vị", None, "Thời hạn hoàn thành", "Sản phẩm"])
    ws.append([None, None, "Chủ trì", "Phối hợp", None, None])
    ws.merge_cells("C4:D4")
    for col in "ABEF":
        ws.merge_cells(f"{col}4:{col}5")
    ws.append(["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"])
    ws.append(["I", "NHIỆM VỤ CHUNG", None, None, None, None])
    ws.append([1, "Rà soát quy trình nội bộ giải quyết TTHC", "So Tu phap", "Cong an tinh", "Trước ngày 15/5/2026", "Quy trình được ban hành"])
    ws.append([2, "Thanh toán viện phí không dùng tiền mặt", "Sở Y tế; Sở GD&ĐT", "Ngân hàng Nhà nước chi nhánh tỉnh, Sở Tài chính",
               dt.datetime(2026, 6, 30), "Báo cáo kết quả"])
    ws.append(["II", "NHIỆM VỤ CỤ THỂ", None, None, None, None])
    ws.append([3, "Số hóa hồ sơ cán bộ cấp xã", "Sở Nội vụ", None, bad_deadline or "Quý III/2026", "Hồ sơ điện tử"])
    ws.append([4, "Kiểm tra, đôn đốc các địa phương", "CA tỉnh", "UBND các xã, phường", "Thường xuyên", "Báo cáo tháng"])
    ws.append([5, "Tuyên truyền tại khu dân cư", "Phường Thành Vinh", None, "Tháng 9/2026", None])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_messy_task_list_with_one_bad_deadline_is_refused_with_the_cell_named(engine):
    before = snapshot(engine)
    result = tasks.import_tasks(engine, STANDING, "nhiem-vu-2026.xlsx", _office_list("cuối năm nay"), now=NOW)
    assert not result.accepted and result.stored_ids == []
    assert snapshot(engine) == before  # nothing stored
    (error,) = result.tasks.errors
    assert (error.code, error.sheet, error.cell) == ("task_deadline_unreadable", "Phụ lục", "E11")
    assert "cuối năm nay" in error.message("vi") and "dd/mm/yyyy" in error.hint("en")
    assert "E11" in error.where("vi")


def test_the_same_list_fixed_imports_every_task(engine):
    dry = tasks.import_tasks(engine, STANDING, "nhiem-vu-2026.xlsx", _office_list(), dry_run=True, now=NOW)
    assert dry.accepted and dry.stored_ids == [] and len(dry.tasks.rows) == 6
    result = tasks.import_tasks(engine, STANDING, "nhiem-vu-2026.xlsx", _office_list(), now=NOW)
    assert result.accepted and len(result.stored_ids) == 6
    got = tasks.list_tasks(engine, LEADER, now=NOW).set_index("id").loc[result.stored_ids]
    assert got["lead_unit_code"].tolist() == ["40-STP", "40-SYT", "40-SGDDT", "40-SNV", "40-CAT", "16681"]
    assert got["deadline"].tolist() == [dt.date(2026, 5, 15), dt.date(2026, 6, 30), dt.date(2026, 6, 30),
                                        dt.date(2026, 9, 30), None, dt.date(2026, 9, 30)]
    assert got["cooperating_codes"].iloc[0] == ["40-CAT"]
    assert got["cooperating_codes"].iloc[1] == ["40-STC"]
    assert got["cooperating_text"].iloc[1] == "Ngân hàng Nhà nước chi nhánh tỉnh"  # not a unit: kept as text
    assert {p.code for p in result.tasks.warnings} == {"task_cooperating_as_text"}
    assert got["position"].tolist() == ["1", "2", "2", "3", "4", "5"]


def test_an_import_needs_the_right_to_assign(engine):
    with pytest.raises(Refused):
        tasks.import_tasks(engine, HEALTH, "x.xlsx", _office_list(), now=NOW)


# --- export -----------------------------------------------------------------------------------------------------


def test_the_overdue_export_names_the_units_and_neutralises_formulas(engine):
    _task(engine, deadline=dt.date(2026, 9, 1), text="=HYPERLINK(\"http://x\",\"bấm\")")
    _task(engine, deadline=dt.date(2026, 12, 1), text="Chưa đến hạn")
    data, count = tasks.overdue_workbook(engine, STANDING, "vi", now=NOW)
    assert count == 1
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "Sở Y tế" in cells
    assert "'=HYPERLINK(\"http://x\",\"bấm\")" in cells
    assert not any(c.startswith("=") for c in cells)
    last = audit_rows(engine).iloc[-1]
    assert (last["action"], json.loads(last["detail"])["what"]) == ("export", "overdue_tasks")
    with pytest.raises(Refused):
        tasks.overdue_workbook(engine, LEADER, "vi", now=NOW)


# --- the sample and the command line ------------------------------------------------------------------------------


def test_the_sample_register_holds_the_notice_s_tasks(sample_engine):
    with sample_engine.connect() as conn:
        deadlines = dict(conn.execute(select(models.Task.lead_unit_code, func.min(models.Task.deadline))
                                      .group_by(models.Task.lead_unit_code)).all())
        n_models = conn.execute(select(func.count()).select_from(models.PilotModel)).scalar()
    assert deadlines["40-SNV"] == dt.date(2024, 5, 30)  # Home Affairs: criterion in civil servants' ranking
    assert deadlines["40-SLDTBXH"] == dt.date(2024, 5, 31)  # Labour: accounts for social beneficiaries
    assert deadlines["40-STC"] == dt.date(2024, 5, 15)  # Finance: funding
    assert n_models == 18


@pytest.mark.slow
def test_cli_lists_the_sample_s_overdue_tasks_with_their_units_as_strict_json(capsys, sample_copy_url):
    # A copy, not the sample itself: the command's engine keeps a pooled connection, and PostgreSQL refuses to
    # clone a template that any session is connected to.
    code = cli.main(["--database-url", sample_copy_url, "tasks", "list", "--overdue", "--json"])
    out = capsys.readouterr().out
    assert code == 0

    def no_constants(name):
        raise ValueError(f"not strict JSON: {name}")

    rows = json.loads(out, parse_constant=no_constants)
    assert rows and {r["status"] for r in rows} == {"overdue"}
    home_affairs = [r for r in rows if r["lead_unit_code"] == "40-SNV"]
    assert {r["lead_unit_name"] for r in home_affairs} == {"Sở Nội vụ"}
    assert "2024-05-30" in {r["deadline"] for r in home_affairs}  # the notice's task: a criterion in civil servants' ranking
    assert all(r["days_overdue"] > 0 and r["lead_unit_name"] for r in rows)
    hospital = next(r for r in rows if r["indicator_code"] == "hospital_noncash_rate")
    assert hospital["figures_period"] is not None and isinstance(hospital["figures_met"], bool)


def test_cli_set_status_as_a_submitter_and_refused_for_another_unit(capsys, db_url):
    from services.users import add_user
    from tests.access_helpers import GOOD_PASSWORD

    engine = make_engine(db_url)
    task_id = _task(engine, lead="40-STP", deadline=dt.date(2099, 1, 1))
    add_user(engine, actor("admin"), "cb_tu_phap", "submitter", password=GOOD_PASSWORD, unit_codes=["40-STP"])
    add_user(engine, actor("admin"), "cb_y_te", "submitter", password=GOOD_PASSWORD, unit_codes=["40-SYT"])
    code = cli.main(["--database-url", db_url, "tasks", "set-status", str(task_id), "in_progress", "--note", "Đang làm",
                     "--as", "cb_tu_phap"])
    assert code == 0 and "Đang thực hiện" in capsys.readouterr().out
    code = cli.main(["--database-url", db_url, "tasks", "set-status", str(task_id), "done", "--note", "Xong",
                     "--as", "cb_y_te"])
    assert code == 1 and "không được phép" in capsys.readouterr().err
    code = cli.main(["--database-url", db_url, "tasks", "list", "--unit", "40-STP", "--json"])
    (row,) = json.loads(capsys.readouterr().out)
    assert row["reported_status"] == "in_progress"


# --- the monthly report's section on tasks ----------------------------------------------------------------------


@pytest.mark.slow
def test_the_report_s_task_section_read_back_from_the_docx(sample_copy_url):
    import docx

    from reports.pack import build_pack

    engine = make_engine(sample_copy_url)
    october = dt.datetime(2026, 10, 20, 3, 0, tzinfo=UTC)
    plan = tasks.add_document(engine, STANDING, "77/KH-UBND", dt.date(2026, 10, 1), "UBND tỉnh Nghệ An", "plan",
                              "Kế hoạch tháng 10", now=october)
    task_id = tasks.add_task(engine, STANDING, TaskIn("Cấp phiếu lý lịch tư pháp trực tuyến tại bộ phận một cửa", "40-STP",
                                                      dt.date(2026, 10, 10), document_id=plan), now=october)
    tasks.set_status(engine, JUSTICE, task_id, "done", "Đã triển khai", effective_on=dt.date(2026, 10, 8), now=october)
    review = tasks.month_review(engine, LEADER, "2026-10", now=october)
    inputs = metrics.Inputs(**frames.metric_frames(engine))
    pack = build_pack(inputs, "2026-10", "vi", task_review=review, as_of=october, created=october)

    document = docx.Document(io.BytesIO(pack.docx))
    texts = [p.text for p in document.paragraphs]
    start = next(i for i, x in enumerate(texts) if "Thực hiện nhiệm vụ được giao tại các văn bản chỉ đạo" in x)
    end = next(i for i, x in enumerate(texts) if x.startswith("II. TỒN TẠI"))
    section = "\n".join(texts[start:end])
    assert "Trong tháng 10/2026, 1 nhiệm vụ được giao đã hoàn thành: Sở Tư pháp: Cấp phiếu lý lịch tư pháp" in section
    assert "Đến ngày 31/10/2026, còn" in section and "Sở Nội vụ" in section and "Sở Y tế" in section
    assert "Mô hình điểm: 18 mô hình" in section
    table = next(tb for tb in document.tables if tb.rows[0].cells[1].text == "Đơn vị chủ trì")
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert ["Sở Nội vụ", "30/05/2024"] == [rows[0][1], rows[0][3]]  # the oldest deadline first, the unit named
    assert {r[1] for r in rows} >= {"Sở Nội vụ", "Sở Y tế", "Sở Tư pháp"}
    assert all(int(r[4].replace(".", "")) > 0 for r in rows)


# --- the page, headless ---------------------------------------------------------------------------------------


def _page(monkeypatch, url, who, **query):
    from streamlit.testing.v1 import AppTest

    from testkit.project import APP

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["actor"] = who
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page("pages/tasks.py").run()
    assert not at.exception, at.exception
    return at


@pytest.mark.slow
def test_the_page_lists_what_the_service_lists_for_each_role(monkeypatch, sample_copy_url):
    engine = make_engine(sample_copy_url)
    overdue = tasks.list_tasks(engine, LEADER, overdue=True)
    at = _page(monkeypatch, sample_copy_url, LEADER, overdue="1")
    table = at.dataframe[0].value
    assert table["Mã"].tolist() == overdue["id"].tolist()
    assert set(table["Trạng thái"]) == {"✖ Quá hạn"}
    assert "Sở Nội vụ" in set(table["Đơn vị chủ trì"])
    assert [t.label for t in at.tabs] == ["Danh sách", "Mô hình điểm", "Văn bản chỉ đạo"]  # a leader reads
    assert not [b for b in at.button if b.label == "Lưu"]

    at = _page(monkeypatch, sample_copy_url, STANDING)
    assert [t.label for t in at.tabs][-1] == "Giao nhiệm vụ"

    justice = actor("submitter", ["40-STP"], name="cb_tp")
    at = _page(monkeypatch, sample_copy_url, justice)
    shown = at.dataframe[0].value
    mine = tasks.list_tasks(engine, justice)
    assert shown["Mã"].tolist() == mine["id"].tolist()
    assert set(mine["lead_unit_code"]) <= {"40-STP", "40"}
    # the submitter starts on their own open task, with the form to report it
    assert at.selectbox(key="tasks_pick").value == str(int(mine[(mine["lead_unit_code"] == "40-STP")
                                                                  & (mine["reported_status"] != "done")].iloc[0]["id"]))
    assert [b for b in at.button if b.label == "Lưu"]


@pytest.mark.slow
def test_the_unit_profile_names_the_head_beside_the_units_tasks_flags_and_score(monkeypatch, sample_copy_url):
    """'Vai trò, trách nhiệm người đứng đầu': the responsible leader recorded for the unit is named on its
    profile, above its open and overdue tasks, its flag and its score."""
    from services import followups
    from streamlit.testing.v1 import AppTest

    from testkit.project import APP

    engine = make_engine(sample_copy_url)
    followups.set_unit_leader(engine, STANDING, "40-SNV", "Nguyễn Văn An", "Giám đốc Sở", now=NOW)
    monkeypatch.setenv("DATABASE_URL", sample_copy_url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    at = AppTest.from_file(APP, default_timeout=300)
    at.session_state["actor"] = STANDING
    at.query_params["unit"] = "40-SNV"
    at.switch_page("pages/unit_profile.py").run()
    assert not at.exception, at.exception
    assert any("Lãnh đạo phụ trách: **Nguyễn Văn An**, Giám đốc Sở" in m.value for m in at.markdown)
    assert {m.label for m in at.metric} >= {"Đang mở", "Quá hạn"}
