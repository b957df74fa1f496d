"""Nghệ An out of the box: the units valid in each month and the history that links them."""

from __future__ import annotations

import csv
import json

import pytest

import cli
from domain.text import fold
from domain.units import REFERENCE_DIR, nghe_an_units


def run_cli(capsys, url, *argv) -> tuple[int, str, str]:
    code = cli.main(["--database-url", url, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def units_at(capsys, url, period, *extra):
    code, out, err = run_cli(capsys, url, "units", "list", "--at", period, "--json", *extra)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize(
    "period, count, level",
    [
        ("2024-01", 21, "district"),
        ("2024-11", 21, "district"),  # Cửa Lò reports its last month
        ("2024-12", 20, "district"),  # merged into Vinh
        ("2025-06", 20, "district"),
        ("2025-07", 130, "commune"),  # district level abolished
        ("2026-10", 130, "commune"),
    ],
)
def test_localities_reporting_in_a_month(capsys, db_url, period, count, level):
    units = units_at(capsys, db_url, period)
    assert len(units) == count
    assert {u["level"] for u in units} == {level}


def test_cua_lo_is_continued_by_vinh(capsys, db_url):
    units = {u["code"]: u for u in units_at(capsys, db_url, "2024-11")}
    assert units["413"]["name_vi"] == "Thị xã Cửa Lò"
    assert units["413"]["valid_to"] == "2024-11-30"
    assert units["413"]["successor_code"] == "412"
    assert "413" not in {u["code"] for u in units_at(capsys, db_url, "2024-12")}


def test_every_commune_knows_its_former_district(capsys, db_url):
    communes = {u["code"]: u for u in units_at(capsys, db_url, "2025-07")}
    districts = {u["code"]: u for u in units_at(capsys, db_url, "2025-06")}
    with open(REFERENCE_DIR / "nghe_an_communes_from_2025-07.csv", encoding="utf-8") as fh:
        reference = list(csv.DictReader(fh))
    assert len(reference) == 130
    for row in reference:
        commune = communes[row["ward_code"]]
        assert commune["name_vi"] == row["name"]
        assert commune["former_unit_code"] == row["legacy_district_codes"]
        # The reference writes "Thái Hoà" (old tone placement) where our list has "Thái Hòa": same name.
        assert fold(districts[commune["former_unit_code"]]["name_vi"]) == fold(row["legacy_district_names"])
    assert sum(c["type"] == "ward" for c in communes.values()) == 11
    assert sum(c["type"] == "commune" for c in communes.values()) == 119


def test_communes_per_former_district_match_the_reference(capsys, db_url):
    communes = units_at(capsys, db_url, "2025-07")
    with open(REFERENCE_DIR / "nghe_an_district_level_units_until_2025.csv", encoding="utf-8") as fh:
        expected = {r["code"]: int(r["communes_2025"]) for r in csv.DictReader(fh)}
    counted = {code: 0 for code in expected}
    for c in communes:
        counted[c["former_unit_code"]] += 1
    assert counted == expected


def test_communes_agree_with_the_vietnam_provinces_package():
    from vietnam_provinces import ProvinceCode, Ward

    package = {f"{int(w.code):05d}": w.name for w in Ward.iter_by_province(ProvinceCode(40))}
    ours = {u.code: u.name_vi for u in nghe_an_units() if u.level == "commune"}
    assert sorted(ours.values()) == sorted(package.values())
    # The package (2025.10.x) codes two of the 130 by a constituent pre-2025 commune; the official
    # conversion table in domain/reference uses the code of the commune that kept its seat.
    differ = {code: name for code, name in ours.items() if package.get(code) != name}
    assert differ == {"17011": "Phường Tây Hiếu", "17170": "Xã Quỳnh Sơn"}


def test_departments_before_and_after_the_2025_mergers(capsys, db_url):
    before = {u["code"] for u in units_at(capsys, db_url, "2025-02", "--level", "department")}
    after = {u["code"]: u for u in units_at(capsys, db_url, "2025-03", "--level", "department")}
    assert "40-SKHDT" in before and "40-SKHDT" not in after
    assert "40-SNNMT" in after and "40-SNNMT" not in before
    assert {"40-STP", "40-SYT", "40-SGDDT", "40-CAT"} <= before & set(after)
    assert 11 <= len(after) <= 15


def test_bad_month_is_refused_with_a_message(capsys, db_url):
    code, out, err = run_cli(capsys, db_url, "units", "list", "--at", "2025-13")
    assert code == 1
    assert "YYYY-MM" in err and out == ""


def test_import_another_province(capsys, db_url):
    code, out, err = run_cli(capsys, db_url, "units", "import-province", "1", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["province"] == "01" and result["name_vi"] == "Thành phố Hà Nội"
    hanoi = units_at(capsys, db_url, "2025-07", "--province", "01")
    assert len(hanoi) == result["communes"] > 100
    assert all(u["parent_code"] == "01" for u in hanoi)
    # Nghệ An is untouched.
    assert len(units_at(capsys, db_url, "2025-07", "--province", "40")) == 130


def test_import_of_an_unknown_province_is_refused(capsys, db_url):
    code, _, err = run_cli(capsys, db_url, "units", "import-province", "99")
    assert code == 1
    assert "99" in err


def test_importing_a_province_already_set_up_is_refused_and_keeps_its_history(capsys, db_url):
    code, _, err = run_cli(capsys, db_url, "units", "import-province", "40")
    assert code == 1
    assert "Nghệ An" in err and "đã có" in err
    communes = units_at(capsys, db_url, "2025-07", "--province", "40")
    assert len(communes) == 130 and all(u["former_unit_code"] for u in communes)


def test_commands_leave_an_installation_that_is_set_up_as_it_is(capsys, db_url):
    """Every command brings the schema to head, but only an empty database gets the province set up: an
    administrator's change to a unit survives the next command."""
    from sqlalchemy import update

    from storage import models
    from storage.db import make_engine

    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(update(models.Unit).where(models.Unit.code == "412").values(name_en="Vinh City (renamed)"))
    engine.dispose()
    assert run_cli(capsys, db_url, "kpis", "--period", "2024-12", "--json")[0] in (0, 1)
    vinh = next(u for u in units_at(capsys, db_url, "2024-12") if u["code"] == "412")
    assert vinh["name_en"] == "Vinh City (renamed)"
