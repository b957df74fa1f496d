"""The sample province's register of steering documents, tasks and pilot models (DOMAIN.md §8).

The 2024 tasks are those of Nghệ An's spring-2024 conclusion notice, with its real deadlines; the notice's
number is not given in the brief, so the sample's is marked as illustrative ("mẫu"). The 2025–2026 plans
and their tasks are plausible, not real. Statuses and their dates are fixed here, so seeding is
deterministic: the same register every time, whatever the day (what reads as overdue depends on today).

Written straight through the storage models by the synthetic user `sample` (a sample's history is dated in
months long locked, which `services.tasks.set_status` would rightly refuse); one audit row says so.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select

from services import audit
from storage import models
from storage.db import session_factory
from storage.version import bump_data_version

SAMPLE_USER = "sample"
D = dt.date
VN = dt.timezone(dt.timedelta(hours=7))

# number, issued_on, issuer, kind, title
DOCUMENTS = {
    "ct23": ("23-CT/TU", D(2023, 5, 27), "Ban Thường vụ Tỉnh ủy Nghệ An", "directive",
             "Chỉ thị về tăng cường sự lãnh đạo của Đảng đối với việc triển khai Đề án 06 trên địa bàn tỉnh"),
    "tb2024": ("TB-BCĐ06/2024 (mẫu)", D(2024, 4, 26), "Ban Chỉ đạo Đề án 06 tỉnh Nghệ An", "conclusion_notice",
               "Thông báo kết luận của Trưởng Ban Chỉ đạo Đề án 06 tỉnh về kết quả thực hiện Chỉ thị 23-CT/TU và "
               "nhiệm vụ trọng tâm năm 2024 (số hiệu minh họa)"),
    "kh2025": ("KH-UBND/2025 (mẫu)", D(2025, 2, 14), "UBND tỉnh Nghệ An", "plan",
               "Kế hoạch triển khai Đề án 06 năm 2025 và sau sắp xếp đơn vị hành chính (mẫu)"),
    "cv2026": ("CV-CAT/2026 (mẫu)", D(2026, 3, 10), "Công an tỉnh Nghệ An (Thường trực Ban Chỉ đạo)", "official_letter",
               "Đôn đốc thực hiện nhiệm vụ Đề án 06 năm 2026 (mẫu)"),
}

# document, STT, lead, lead label, cooperating codes, cooperating text, deadline, text, product,
# (indicator, target, from), history: [(status, effective_on, note)]
TASKS = [
    ("tb2024", "1", "40", "Văn phòng UBND tỉnh", (), "",
     D(2024, 5, 15),
     "Rà soát tính năng, phương pháp đánh giá, chấm điểm của Hệ thống thông tin giải quyết TTHC tỉnh theo tiêu chí "
     "của Cổng Dịch vụ công quốc gia, bảo đảm số liệu thống kê chính xác",
     "Báo cáo rà soát; hệ thống được điều chỉnh", None,
     [("in_progress", D(2024, 5, 2), "Đã làm việc với đơn vị cung cấp phần mềm"),
      ("done", D(2024, 5, 14), "Đã điều chỉnh tiêu chí chấm điểm, báo cáo UBND tỉnh")]),
    ("tb2024", "2", "40-SYT", "", (), "Ngân hàng Nhà nước Chi nhánh tỉnh Nghệ An",
     D(2024, 5, 31),
     "Từ tháng 5/2024, 100% cơ sở khám, chữa bệnh triển khai thanh toán không dùng tiền mặt; 60% người bệnh "
     "thanh toán viện phí không dùng tiền mặt",
     "Tỷ lệ thanh toán viện phí không dùng tiền mặt ≥ 60%", ("hospital_noncash_rate", 0.60, "2024-05"),
     [("in_progress", D(2024, 5, 10), "Đã triển khai tại các bệnh viện tuyến tỉnh")]),
    ("tb2024", "3", "40-SGDDT", "", (), "Ngân hàng Nhà nước Chi nhánh tỉnh Nghệ An",
     D(2024, 5, 31),
     "100% cơ sở giáo dục thu học phí, các khoản thu không dùng tiền mặt",
     "Tỷ lệ thu học phí không dùng tiền mặt đạt 100%", ("school_noncash_rate", 1.0, "2024-05"),
     [("in_progress", D(2024, 5, 6), "Đang triển khai tại các trường")]),
    ("tb2024", "4", "40", "Ngân hàng Nhà nước Chi nhánh tỉnh Nghệ An", (), "",
     D(2024, 5, 31),
     "Chỉ đạo 06 tổ chức tín dụng có trụ sở chính trên địa bàn tỉnh ứng dụng dữ liệu dân cư trong chấm điểm "
     "tín dụng, có kết quả định lượng",
     "Báo cáo kết quả định lượng của 06 tổ chức tín dụng", None,
     [("done", D(2024, 6, 12), "06/06 tổ chức tín dụng đã kết nối; báo cáo số liệu tháng 5")]),
    ("tb2024", "5", "40-SLDTBXH", "", ("40-BHXH",), "",
     D(2024, 5, 31),
     "Mở tài khoản cho 90–100% đối tượng hưởng chính sách an sinh xã hội, chi trả không dùng tiền mặt",
     "Tỷ lệ chi trả an sinh xã hội không dùng tiền mặt ≥ 90%", ("social_noncash_rate", 0.90, "2024-05"),
     [("in_progress", D(2024, 5, 3), "Phối hợp ngân hàng mở tài khoản")]),
    ("tb2024", "6a", "40-STP", "", (), "",
     D(2024, 5, 31), "Hoàn thành số hóa, làm sạch dữ liệu hộ tịch của ngành tư pháp",
     "Dữ liệu hộ tịch được số hóa, làm sạch", None,
     [("in_progress", D(2024, 5, 2), ""), ("done", D(2024, 5, 30), "Đã hoàn thành số hóa sổ hộ tịch")]),
    ("tb2024", "6b", "40-SLDTBXH", "", (), "",
     D(2024, 5, 31), "Hoàn thành số hóa, làm sạch dữ liệu người có công, bảo trợ xã hội",
     "Dữ liệu ngành lao động được số hóa, làm sạch", None,
     [("in_progress", D(2024, 5, 20), "Đã số hóa khoảng 70% hồ sơ")]),
    ("tb2024", "6c", "40-STNMT", "", (), "",
     D(2024, 5, 31), "Hoàn thành số hóa, làm sạch dữ liệu đất đai",
     "Cơ sở dữ liệu đất đai được số hóa, làm sạch", None,
     [("in_progress", D(2024, 5, 15), ""), ("done", D(2024, 8, 20), "Hoàn thành chậm do khối lượng hồ sơ lớn")]),
    ("tb2024", "6d", "40-BHXH", "", (), "",
     D(2024, 5, 31), "Hoàn thành làm sạch dữ liệu bảo hiểm xã hội, đồng bộ với Cơ sở dữ liệu quốc gia về dân cư",
     "Dữ liệu bảo hiểm xã hội được làm sạch, đồng bộ", None,
     [("done", D(2024, 5, 28), "Đã đồng bộ 98% sổ bảo hiểm")]),
    ("tb2024", "7", "40-SKHDT", "", ("40-CAT",), "",
     D(2024, 5, 15), "Hướng dẫn hồ sơ đề xuất chủ trương đầu tư dự án của Công an tỉnh phục vụ Đề án 06",
     "Văn bản hướng dẫn", None,
     [("done", D(2024, 5, 13), "Đã ban hành văn bản hướng dẫn")]),
    ("tb2024", "8", "40-STC", "", (), "",
     D(2024, 5, 15), "Tham mưu bố trí kinh phí thực hiện Đề án 06 cho các sở, ngành",
     "Tờ trình bố trí kinh phí", None,
     [("done", D(2024, 5, 24), "Đã trình UBND tỉnh")]),
    ("tb2024", "9", "40-SNV", "", (), "",
     D(2024, 5, 30),
     "Đưa kết quả thực hiện Đề án 06 thành tiêu chí đánh giá, xếp loại cán bộ, công chức, người đứng đầu hằng năm "
     "(thi đua, khen thưởng, bổ nhiệm)",
     "Quy định tiêu chí đánh giá được ban hành", None,
     [("in_progress", D(2024, 5, 20), "Đang lấy ý kiến các sở, ngành")]),
    ("tb2024", "10", "40-CAT", "", (), "",
     None,
     "Thường xuyên kiểm tra, đánh giá; chỉ rõ địa bàn yếu, điểm nghẽn để đánh giá vai trò, trách nhiệm người đứng "
     "đầu; báo cáo Trưởng Ban Chỉ đạo",
     "Thông báo kết quả hằng tháng", None,
     [("in_progress", D(2024, 5, 1), "Báo cáo hằng tháng")]),
    ("tb2024", "11", "40-STP", "", (), "",
     D(2024, 12, 31), "60% hồ sơ cấp phiếu lý lịch tư pháp được tiếp nhận trực tuyến",
     "Tỷ lệ hồ sơ tiếp nhận trực tuyến ≥ 60%", ("online_dossier_rate", 0.60, "2024-05"),
     [("in_progress", D(2024, 5, 2), "")]),
    ("kh2025", "1", "40-SKHCN", "", ("40-CAT",), "",
     D(2025, 9, 30),
     "Kết nối Hệ thống thông tin giải quyết TTHC tỉnh với Cơ sở dữ liệu quốc gia về dân cư sau sắp xếp đơn vị hành chính",
     "Hệ thống kết nối, khai thác dữ liệu dân cư cho 130 xã, phường", None,
     [("in_progress", D(2025, 7, 1), ""), ("done", D(2025, 10, 15), "Kết nối xong, chậm 15 ngày")]),
    ("kh2025", "2", "40-SYT", "", (), "",
     D(2025, 12, 31), "Triển khai sổ sức khỏe điện tử trên VNeID tại 100% cơ sở khám, chữa bệnh",
     "100% cơ sở khám, chữa bệnh cập nhật sổ sức khỏe điện tử", None,
     [("in_progress", D(2025, 4, 1), "Đã triển khai tại 60% cơ sở")]),
    ("kh2025", "3", "16681", "", ("40-CAT",), "",
     D(2025, 12, 31), "Xây dựng phường điểm về chuyển đổi số, ứng dụng dữ liệu dân cư trong giải quyết TTHC",
     "Mô hình phường điểm được công nhận", None,
     [("in_progress", D(2025, 8, 1), ""), ("done", D(2025, 12, 20), "Đã được Ban Chỉ đạo công nhận")]),
    ("cv2026", "1", "40-SNV", "", (), "",
     D(2026, 6, 30), "Số hóa hồ sơ cán bộ, công chức cấp xã sau sắp xếp",
     "Hồ sơ cán bộ cấp xã được số hóa", None,
     [("in_progress", D(2026, 4, 1), "Đã số hóa 40%")]),
    ("cv2026", "2", "40-SGDDT", "", (), "",
     D(2026, 9, 30), "Triển khai học bạ số cho 100% trường trung học",
     "Học bạ số", None,
     [("in_progress", D(2026, 4, 15), ""), ("done", D(2026, 9, 25), "Đã triển khai tại 100% trường")]),
    ("cv2026", "3", "40-STC", "", (), "",
     D(2026, 12, 31), "Tham mưu bố trí kinh phí thực hiện Đề án 06 năm 2027",
     "Dự toán kinh phí năm 2027", None, []),
    ("cv2026", "4", "40-STP", "", (), "",
     D(2027, 3, 31), "Cấp phiếu lý lịch tư pháp trên VNeID cho 100% hồ sơ đủ điều kiện",
     "Phiếu lý lịch tư pháp điện tử", None,
     [("in_progress", D(2026, 5, 4), "Đã thí điểm tại bộ phận một cửa")]),
    ("cv2026", "5", "16681", "", (), "",
     D(2026, 12, 31), "Hướng dẫn 100% hộ kinh doanh trên địa bàn phường thanh toán không dùng tiền mặt",
     "Danh sách hộ kinh doanh đã triển khai", None, []),
]

# name, lead, deployed, history [(status, effective_on, note)]; 6 completed and 12 piloting by mid-2024
# (of the 38 effective models the notice counts), some scaled up since.
MODELS = [
    ("Khám, chữa bệnh bằng thẻ Căn cước gắn chip", "40-SYT", (), [("piloting", D(2023, 6, 1), ""), ("completed", D(2024, 3, 30), ""), ("scaled", D(2025, 1, 15), "Nhân rộng toàn tỉnh")]),
    ("Trường học không dùng tiền mặt", "40-SGDDT", ("412",), [("piloting", D(2023, 9, 5), ""), ("completed", D(2024, 4, 10), "")]),
    ("Chi trả an sinh xã hội qua tài khoản", "40-SLDTBXH", ("412", "414"), [("piloting", D(2023, 7, 1), ""), ("completed", D(2024, 2, 28), "")]),
    ("Cấp phiếu lý lịch tư pháp trên VNeID", "40-STP", (), [("piloting", D(2023, 11, 1), ""), ("completed", D(2024, 4, 1), ""), ("scaled", D(2024, 10, 1), "")]),
    ("Đăng ký lưu trú qua VNeID tại cơ sở lưu trú", "40-CAT", ("413",), [("piloting", D(2023, 5, 15), ""), ("completed", D(2024, 1, 20), "")]),
    ("Xác thực điện tử tại bộ phận một cửa cấp huyện", "412", (), [("piloting", D(2023, 8, 1), ""), ("completed", D(2024, 3, 15), "")]),
    ("Chợ 4.0 thanh toán không dùng tiền mặt", "40-SCT", ("412",), [("piloting", D(2024, 2, 1), "")]),
    ("Tủ sách pháp luật điện tử", "40-STP", (), [("piloting", D(2024, 2, 15), "")]),
    ("Bệnh viện không dùng tiền mặt", "40-SYT", ("412",), [("piloting", D(2024, 3, 1), ""), ("completed", D(2025, 5, 20), "")]),
    ("Khu dân cư số", "40-CAT", ("412", "415"), [("piloting", D(2024, 3, 1), "")]),
    ("Sổ sức khỏe điện tử trên VNeID", "40-SYT", (), [("piloting", D(2024, 4, 1), "")]),
    ("Thu thuế hộ kinh doanh không dùng tiền mặt", "40-STC", (), [("piloting", D(2024, 3, 20), "")]),
    ("Du lịch thông minh: đặt vé bằng VNeID", "40-SVHTT", (), [("piloting", D(2024, 4, 1), "")]),
    ("Bảo hiểm xã hội điện tử cho hộ gia đình", "40-BHXH", (), [("piloting", D(2024, 1, 10), ""), ("completed", D(2025, 3, 30), "")]),
    ("Số hóa hồ sơ đất đai cấp xã", "40-STNMT", ("416",), [("piloting", D(2024, 2, 1), "")]),
    ("Xe buýt thanh toán không dùng tiền mặt", "40-SGTVT", ("412",), [("piloting", D(2024, 4, 15), "")]),
    ("Học bạ số", "40-SGDDT", (), [("piloting", D(2024, 4, 20), ""), ("scaled", D(2026, 9, 25), "")]),
    ("Phường số Thành Vinh", "16681", (), [("piloting", D(2025, 8, 1), "")]),
]


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9, 0), VN)


def seed_tasks(engine: Engine) -> dict:
    """Write the sample register once (a database that already holds the sample notice is left as it is).
    Returns counts."""
    with engine.connect() as conn:
        known = set(conn.execute(select(models.Unit.code)).scalars())
        if conn.execute(select(models.SteeringDocument.id).where(
                models.SteeringDocument.number == DOCUMENTS["tb2024"][0])).first() is not None:
            return {"documents": 0, "tasks": 0, "models": 0}
    n_tasks = n_models = 0
    with session_factory(engine).begin() as session:
        ids = {}
        for key, (number, issued, issuer, kind, title) in DOCUMENTS.items():
            row = models.SteeringDocument(number=number, issued_on=issued, issuer=issuer, kind=kind, title=title,
                                          created_by=SAMPLE_USER, created_at=_at(issued))
            session.add(row)
            session.flush()
            ids[key] = row.id
        for doc, pos, lead, label, coop, coop_text, deadline, text, product, target, history in TASKS:
            if lead not in known:
                continue
            created = DOCUMENTS[doc][1]
            indicator, value, first = target or (None, None, None)
            steps = [("not_started", created, "")] + list(history)
            row = models.Task(document_id=ids[doc], position=pos, text=text, lead_unit_code=lead, lead_label=label,
                              cooperating_codes=",".join(c for c in coop if c in known), cooperating_text=coop_text,
                              deadline=deadline, product=product, indicator_code=indicator, target_value=value,
                              from_period=first, status=steps[-1][0], status_on=steps[-1][1], created_by=SAMPLE_USER,
                              created_at=_at(created))
            session.add(row)
            session.flush()
            for status, day, note in steps:
                session.add(models.TaskStatusChange(task_id=row.id, status=status, effective_on=day, note=note,
                                                    changed_by=SAMPLE_USER, changed_at=_at(day)))
            n_tasks += 1
        for name, lead, deployed, history in MODELS:
            if lead not in known:
                continue
            row = models.PilotModel(name=name, lead_unit_code=lead, deployed_codes=",".join(c for c in deployed if c in known),
                                    document_id=ids["tb2024"], status=history[-1][0], status_on=history[-1][1],
                                    created_by=SAMPLE_USER, created_at=_at(history[0][1]))
            session.add(row)
            session.flush()
            for status, day, note in history:
                session.add(models.PilotModelChange(model_id=row.id, status=status, effective_on=day, note=note,
                                                    changed_by=SAMPLE_USER, changed_at=_at(day)))
            n_models += 1
        bump_data_version(session, values=False)  # tasks and models, not figures
        audit.record(session, SAMPLE_USER, "manage_tasks", "sample", "ok",
                     {"op": "seed_sample", "documents": len(DOCUMENTS), "tasks": n_tasks, "models": n_models},
                     )
    return {"documents": len(DOCUMENTS), "tasks": n_tasks, "models": n_models}
