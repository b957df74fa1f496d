"""The reminder letter (công văn đôn đốc, issue 12), read back from the .docx: the Decree 30 header, the
addressee, the unit's figures against its targets, its shortfall, the deadline to improve."""

from __future__ import annotations

import datetime as dt
import io

from docx import Document

import metrics
from reports import letter
from tests.metrics_province import REGISTRY, province


def _text(docx: bytes) -> tuple[str, list[list[str]]]:
    doc = Document(io.BytesIO(docx))
    paragraphs = [p.text for p in doc.paragraphs]
    for table in doc.tables[:1] + doc.tables[-1:]:  # the header block, the recipients and signature
        for row in table.rows:
            for cell in row.cells:
                paragraphs += [p.text for p in cell.paragraphs]
    figures = [[c.text for c in row.cells] for row in doc.tables[1].rows] if len(doc.tables) > 2 else []
    return "\n".join(paragraphs), figures


def _content(lang: str = "vi") -> letter.LetterContent:
    table = metrics.shortfall(province(), "2025-07")
    names = {i.code: i.name(lang) for i in REGISTRY.indicators}
    return letter.letter_content(
        table, "C3", unit_name="Phường Hai", unit_level="commune", period="2025-07", province_name="Tỉnh Thử Nghiệm",
        place="Thử Nghiệm", indicator_names=names, lang=lang, deadline=letter.default_deadline("2025-07", 5),
        reasons=["Tỷ lệ cấp thẻ Căn cước: còn thiếu 300 thẻ Căn cước so với chỉ tiêu"])


def test_the_letter_reads_back_with_addressee_figures_shortfall_and_deadline():
    content = _content()
    assert content.deadline == dt.date(2025, 9, 5)  # the August figures' due date
    text, figures = _text(letter.build_letter(content))
    assert "CÔNG AN TỈNH THỬ NGHIỆM" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Số:          /CAT-PV06" in text
    assert "V/v đôn đốc thực hiện chỉ tiêu Đề án 06 (số liệu tháng 07/2025)" in text
    assert "Kính gửi: Ủy ban nhân dân Phường Hai" in text
    assert "trước ngày 05/09/2025" in text and "số liệu tháng 08/2025" in text
    assert "Thử Nghiệm, ngày      tháng 08 năm 2025" in text
    # C3 in 07/2025: ID cards 2300/2600 = 88,46 % against 100 %: 300 cards short, 300/410 = 73,17 % of the communes'.
    assert figures[0] == ["Chỉ tiêu", "Kết quả", "Chỉ tiêu giao", "Còn thiếu", "Tỷ trọng"]
    cards = next(row for row in figures if row[0] == "Tỷ lệ cấp thẻ Căn cước")
    assert cards[1:] == ["88,46%", "100%", "300 thẻ Căn cước", "73,17%"]
    assert "GIÁM ĐỐC" in text and "- Như trên;" in text


def test_the_letter_in_english():
    text, figures = _text(letter.build_letter(_content("en")))
    assert "To: People's Committee of Phường Hai" in text
    assert any(row[3] == "300 ID cards" for row in figures)


def test_the_weak_page_s_letter_download_drafts_the_letter_of_a_sample_unit(monkeypatch, sample_url):
    """The path the weak page's download button takes (ui.data.reminder_letter): the letter of a flagged
    commune of the sample, saying that the figures are the sample's."""
    monkeypatch.setenv("DATABASE_URL", sample_url)
    from ui import data

    key = data.version()
    name, docx = data.reminder_letter(key, "2026-10", "17044", dt.date(2026, 11, 20), "vi")
    text, figures = _text(docx)
    assert name.endswith(".docx") and "17044" in name
    assert "Xã Châu Hồng" in text and figures
