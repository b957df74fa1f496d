"""Two files of one name in one batch (issue 17, item 10): results and error workbooks are paired with
their files by position (the path given), never by name, so neither overwrites nor borrows the other's."""

from __future__ import annotations

import io

import openpyxl

import cli
from testkit.bad_files import GOOD, Sheet, single_unit, xlsx


def _cells(data: bytes) -> str:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return " ".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None)


def test_two_files_of_one_name_get_their_own_results_and_error_workbooks(db_url, tmp_path, capsys):
    (tmp_path / "ky_son").mkdir()
    (tmp_path / "vinh").mkdir()
    first, second = tmp_path / "ky_son" / "bao_cao.xlsx", tmp_path / "vinh" / "bao_cao.xlsx"
    first.write_bytes(xlsx(Sheet("Số liệu", single_unit("417", "Huyện Kỳ Sơn", "2024-05", {**GOOD, "dossiers_received": -5}))))
    second.write_bytes(xlsx(Sheet("Số liệu", single_unit("412", "Thành phố Vinh", "2024-05", {**GOOD, "dossiers_resolved": "nhiều"}))))
    out = tmp_path / "loi"
    code = cli.main(["--database-url", db_url, "ingest", str(first), str(second), "--dry-run", "--error-workbook", str(out)])
    shown = capsys.readouterr()
    assert code == 1
    written = sorted(p.name for p in out.iterdir())
    assert written == ["bao_cao_loi.xlsx", "bao_cao_loi_2.xlsx"]  # neither overwrote the other
    a, b = _cells((out / "bao_cao_loi.xlsx").read_bytes()), _cells((out / "bao_cao_loi_2.xlsx").read_bytes())
    assert "Kỳ Sơn" in a and "Vinh" not in a  # each workbook is its own file's
    assert "Vinh" in b and "Kỳ Sơn" not in b
    assert str(first) in shown.out and str(second) in shown.out  # results named by path
