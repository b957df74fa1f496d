"""Workbooks saved as Excel 97-2003 (.xls) and OpenDocument (.ods) by LibreOffice, as offices save them:
`convert` runs `soffice --headless --convert-to` on an .xlsx in a folder of the caller's, with a profile of
its own (so that parallel runs do not share one). `unavailable()` says why it cannot run here (no soffice,
or no spreadsheet component: Debian's `libreoffice-calc-nogui`).

tests/fixtures/office/ holds the two workbooks of tests/test_loaders_formats.py saved once this way
(LibreOffice 7.4): `convert(WORKBOOKS[name](engine), fmt, folder, name)` for each name and format, on a
database made by `storage.setup.init_db`."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

FORMATS = ("xls", "ods")


def convert(xlsx: bytes, fmt: str, folder: Path, stem: str = "book") -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"{stem}.xlsx"
    source.write_bytes(xlsx)
    profile = (folder / "lo-profile").resolve()
    run = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", fmt, "--outdir",
         str(folder), str(source)], capture_output=True, text=True, timeout=120, check=False)
    target = folder / f"{stem}.{fmt}"
    if not target.exists():
        raise RuntimeError(f"soffice did not write {target.name}: {run.stdout} {run.stderr}")
    return target.read_bytes()


@lru_cache(maxsize=1)
def unavailable() -> str | None:
    """None when LibreOffice can convert a workbook here, else why not."""
    if shutil.which("soffice") is None:
        return "LibreOffice (soffice) is not installed"
    import tempfile

    import openpyxl

    with tempfile.TemporaryDirectory() as tmp:
        wb = openpyxl.Workbook()
        wb.active["A1"] = 1
        path = Path(tmp) / "probe.xlsx"
        wb.save(path)
        try:
            convert(path.read_bytes(), "ods", Path(tmp), "probe")
        except (RuntimeError, OSError, subprocess.SubprocessError):
            return "soffice cannot convert spreadsheets here (install Debian's libreoffice-calc-nogui)"
    return None
