"""The Word draft opens cleanly in LibreOffice: `libreoffice --headless --convert-to pdf` converts it, the
PDF's pages render (pdftoppm) with ink on every page, the text survives with its diacritics, and the
fonts are Times New Roman's metric twin (Liberation Serif), not a fallback. The page images go to
artifacts/report-pages/ (git-ignored) for a person to look at. Skipped, with the reason, where LibreOffice
or poppler is not installed (scripts/test.sh installs them)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from PIL import Image

import metrics
from reports.pack import build_pack
from storage import frames
from storage.db import make_engine
from testkit.project import ROOT

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
TOOLS = {"pdftoppm": shutil.which("pdftoppm"), "pdftotext": shutil.which("pdftotext"), "pdffonts": shutil.which("pdffonts")}
SHOTS = ROOT / "artifacts" / "report-pages"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    SOFFICE is None or None in TOOLS.values(),
    reason="the conversion test needs LibreOffice Writer and poppler-utils (scripts/test.sh installs "
           "libreoffice-writer-nogui, poppler-utils and fonts-liberation with apt)",
)]


@pytest.fixture(scope="module")
def pdf(tmp_path_factory, _backends, _templates):
    """The draft of 10/2026 for the sample (SQLite: the document does not depend on the backend), as PDF."""
    backend = _backends["sqlite"]
    engine = make_engine(_templates.get(backend, "sample"))
    inputs = metrics.Inputs(**frames.metric_frames(engine))
    pack = build_pack(inputs, "2026-10", "vi", synthetic=True, as_of=dt.datetime(2027, 1, 1, tzinfo=dt.timezone.utc),
                      created=dt.datetime(2026, 11, 6, 1, 0, tzinfo=dt.timezone.utc))
    engine.dispose()
    folder = tmp_path_factory.mktemp("render")
    source = folder / pack.docx_name
    source.write_bytes(pack.docx)
    # A profile of its own, so that a LibreOffice already running (or a parallel test) does not interfere.
    profile = (folder / "profile").as_uri()
    result = subprocess.run([SOFFICE, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                             "--outdir", str(folder), str(source)], capture_output=True, text=True, timeout=300)
    out = source.with_suffix(".pdf")
    assert result.returncode == 0 and out.exists(), result.stderr
    return out


def test_every_page_of_the_pdf_renders_with_ink(pdf):
    subprocess.run([TOOLS["pdftoppm"], "-r", "60", "-png", str(pdf), str(pdf.parent / "page")], check=True, timeout=300)
    pages = sorted(pdf.parent.glob("page-*.png"))
    assert 5 <= len(pages) <= 20
    for page in pages:
        image = Image.open(page).convert("L")
        assert image.width < image.height  # A4 portrait
        dark = sum(image.histogram()[:128])
        assert dark > 500, f"{page.name} is blank"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for page in pages:
        shutil.copy(page, SHOTS / page.name)


def test_the_text_and_fonts_survive_the_conversion(pdf):
    text = subprocess.run([TOOLS["pdftotext"], "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "CÔNG AN TỈNH NGHỆ AN",
                     "BÁO CÁO", "Kết quả thực hiện Đề án 06 tháng 10 năm 2026", "Nơi nhận:", "GIÁM ĐỐC",
                     "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "Bảng 1.", "Hình 1.", "Hình 2."):
        assert expected in text, expected
    assert "Nghệ An, ngày 06 tháng 11 năm 2026" in text  # the day it was made (`created`, Vietnam time)
    fonts = subprocess.run([TOOLS["pdffonts"], str(pdf)], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0].split("+")[-1] for line in fonts.splitlines()[2:] if line.strip()]
    assert names and all(n.startswith(("LiberationSerif", "TimesNewRoman")) for n in names), names
