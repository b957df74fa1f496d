"""Every province's history (issue #15, item 3): `units import-province` brings in a province's units before
the reform of 2025 as well, so that figures from before 07/2025 can be entered and its series continues
across the reform, for provinces merged in 2025 too (new Quảng Trị 44 = old Quảng Bình 44 + old Quảng Trị 45).
"""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest

import cli
from domain.units import REFERENCE_DIR
from domain.units_history import former_communes_of, province_history


def run_cli(capsys, url, *argv) -> tuple[int, str, str]:
    code = cli.main(["--database-url", url, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def cli_json(capsys, url, *argv):
    code, out, err = run_cli(capsys, url, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


# -- the lists themselves (no database) ------------------------------------------------------------------


def test_nghe_an_from_the_packages_is_the_reference():
    """Derived for any province, Nghệ An's history equals the hand-checked reference files: its 21
    district-level units (Cửa Lò until 30/11/2024, then in Vinh) and the former district of every commune."""
    history = province_history("40")
    assert not history.former_provinces  # not merged in 2025: one unit throughout
    with open(REFERENCE_DIR / "nghe_an_district_level_units_until_2025.csv", encoding="utf-8") as fh:
        reference = {row["code"]: row for row in csv.DictReader(fh)}
    derived = {u.code: u for u in history.district_units}
    assert set(derived) == set(reference)
    for code, row in reference.items():
        unit = derived[code]
        assert unit.name_vi == row["name_vi"] and str(unit.valid_to) == row["valid_to"] and unit.parent_code == "40"
    assert derived["413"].successor_code == "412"
    with open(REFERENCE_DIR / "nghe_an_communes_from_2025-07.csv", encoding="utf-8") as fh:
        communes = list(csv.DictReader(fh))
    assert len(communes) == 130
    for row in communes:
        assert history.former_unit(row["ward_code"], row["name"]) == row["legacy_district_codes"].split(";")[0], row["name"]


def test_every_commune_of_the_country_has_a_former_district_level_unit_of_its_province():
    from vietnam_provinces import Province, Ward

    communes = 0
    for province in Province.iter_all():
        history = province_history(str(int(province.code)))
        districts = {u.code for u in history.district_units}
        for ward in Ward.iter_by_province(province.code):
            assert history.former_unit(f"{int(ward.code):05d}", ward.name) in districts, (province.name, ward.name)
            communes += 1
    assert communes == 3321


# -- the import, on both databases ------------------------------------------------------------------------


@pytest.fixture
def quang_tri(capsys, db_url):
    """A database set up with init-db (Nghệ An) and then `units import-province 44`."""
    result = cli_json(capsys, db_url, "units", "import-province", "44")
    return db_url, result


def test_import_of_a_merged_province_brings_in_both_provinces_it_was_formed_from(capsys, quang_tri):
    url, result = quang_tri
    assert result["province"] == "44" and result["name_vi"] == "Tỉnh Quảng Trị" and result["communes"] == 78
    # Marked as former: the new province has old Quảng Trị's name (and old Quảng Bình's code).
    assert result["former_provinces"] == [{"code": "44-2025", "name_vi": "Tỉnh Quảng Bình (cũ)"},
                                          {"code": "45", "name_vi": "Tỉnh Quảng Trị (cũ)"}]
    before = {u["code"]: u for u in cli_json(capsys, url, "units", "list", "--at", "2025-06", "--province", "44")}
    after = cli_json(capsys, url, "units", "list", "--at", "2025-07", "--province", "44")
    assert len(before) == 18 == result["district_units"]
    assert {u["valid_to"] for u in before.values()} == {"2025-06-30"}
    assert before["450"]["name_vi"] == "Thành phố Đồng Hới" and before["461"]["name_vi"] == "Thành phố Đông Hà"
    assert len(after) == 78 and all(u["former_unit_code"] in before for u in after)
    # The island district became a special zone of the same name; nothing is left for review.
    cocon = next(u for u in after if u["name_vi"] == "Đặc khu Cồn Cỏ")
    assert cocon["former_unit_code"] == "471"
    assert result["review"] == []
    # Nghệ An, set up before, is untouched.
    assert len(cli_json(capsys, url, "units", "list", "--at", "2025-07", "--province", "40")) == 130


def test_what_the_lists_cannot_settle_is_listed_for_an_administrator(capsys, db_url):
    result = cli_json(capsys, db_url, "units", "import-province", "68")  # Lâm Đồng: 3 provinces, 2 mergers in 2024
    assert [f["code"] for f in result["former_provinces"]] == ["60", "67", "68-2025"]
    reasons = {(r["code"], r["reason"]) for r in result["review"]}
    assert {("681", "default_dates"), ("683", "default_dates")} <= reasons  # Đạ Huoai, Cát Tiên merged away
    assert any(reason == "several_former_units" for _, reason in reasons)
    code, out, _ = run_cli(capsys, db_url, "units", "import-province", "1")
    assert code == 0 and "cần xem lại / to review" in out


def _fill(path, value: int) -> None:
    """Every element of a single-unit template filled with `value` (components equal to their totals)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Số liệu"]
    for row in ws.iter_rows(min_row=11):
        if row[2].value:
            row[4].value = value
    wb.save(path)


def _enter(capsys, url, tmp_path, period: str, values: dict[str, int]) -> None:
    """Past months lock themselves after the deadline: the administrator opens the month, as for any late
    history, then the units' workbooks are ingested as submitters send them."""
    code, _, err = run_cli(capsys, url, "periods", "unlock", period, "--reason", "nhập số liệu lịch sử")
    assert code == 0, err
    files = []
    for unit, value in values.items():
        path = tmp_path / f"{unit}_{period}.xlsx"
        code, _, err = run_cli(capsys, url, "template", "--form", "locality", "--period", period, "--unit", unit, "-o", str(path))
        assert code == 0, err
        _fill(path, value)
        files.append(str(path))
    code, out, err = run_cli(capsys, url, "ingest", *files)
    assert code == 0, out + err


def _received(rows, unit: str) -> float:
    row = next(r for r in rows if r["unit_code"] == unit and r["indicator_code"] == "online_dossier_rate")
    return row["denominator"]


def test_figures_before_the_reform_compute_for_the_old_province_and_continue_in_the_new_one(capsys, quang_tri, tmp_path):
    url, _ = quang_tri
    history = province_history("44")
    old_qt = {u.code for u in history.district_units if u.parent_code == "45"}
    old_qb = {u.code for u in history.district_units if u.parent_code == "44-2025"}
    # 01/2024: every district-level unit of both former provinces reports (a figure the issue saw refused).
    jan = {code: 100 + i for i, code in enumerate(sorted(old_qt | old_qb))}
    _enter(capsys, url, tmp_path, "2024-01", jan)
    formers = cli_json(capsys, url, "kpis", "--period", "2024-01", "--province", "44", "--level", "former_province")
    assert _received(formers, "45") == sum(jan[c] for c in old_qt)
    assert _received(formers, "44-2025") == sum(jan[c] for c in old_qb)
    assert {r["name_vi"] for r in formers} == {"Tỉnh Quảng Trị (cũ)", "Tỉnh Quảng Bình (cũ)"}
    province = cli_json(capsys, url, "kpis", "--period", "2024-01", "--province", "44")
    assert _received(province, "44") == sum(jan.values())
    # 08/2025: the communes report; the old provinces' series go on through the communes that came from them.
    communes = cli_json(capsys, url, "units", "list", "--at", "2025-08", "--province", "44")
    aug = {u["code"]: 10 + i for i, u in enumerate(communes)}
    _enter(capsys, url, tmp_path, "2025-08", aug)
    formers = cli_json(capsys, url, "kpis", "--period", "2025-08", "--province", "44", "--level", "former_province")
    assert _received(formers, "45") == sum(aug[u["code"]] for u in communes if u["former_unit_code"] in old_qt)
    assert _received(formers, "44-2025") == sum(aug[u["code"]] for u in communes if u["former_unit_code"] in old_qb)
    province = cli_json(capsys, url, "kpis", "--period", "2025-08", "--province", "44")
    assert _received(province, "44") == sum(aug.values())


def test_a_code_already_held_is_not_overwritten(capsys, quang_tri):
    url, _ = quang_tri
    code, _, err = run_cli(capsys, url, "units", "import-province", "44")
    assert code == 1 and "Quảng Trị" in err


def _page_as_admin(monkeypatch, url: str, page: str, params: dict[str, str]):
    """`page` of the app on `url`, run once as an administrator with `params` in the address."""
    from streamlit.testing.v1 import AppTest

    from services.permissions import Actor
    from testkit.project import APP

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in params.items():
        at.query_params[k] = v
    at.session_state["actor"] = Actor("quan.tri", "admin")
    at.switch_page(page)
    return at.run()


def test_the_comparison_page_offers_the_former_provinces_and_ranks_them(capsys, quang_tri, tmp_path, monkeypatch):
    """Địa phương, province 44 opened, 01/2024: the level switch offers the former provinces (only where a
    province has them) and the ranked bars are the two former provinces with the figures computed for them."""
    import json as _json

    url, _ = quang_tri
    history = province_history("44")
    jan = {u.code: 100 + 7 * i for i, u in enumerate(history.district_units)}
    _enter(capsys, url, tmp_path, "2024-01", jan)
    expected = {r["name_vi"]: r["value"] for r in cli_json(capsys, url, "kpis", "--period", "2024-01", "--province", "44",
                                                           "--level", "former_province")
                if r["indicator_code"] == "online_dossier_rate"}
    at = _page_as_admin(monkeypatch, url, "pages/localities.py", {"prov": "44", "period": "2024-01", "ind": "online_dossier_rate"})
    try:
        assert not at.exception, [e.value for e in at.exception]
        switch = at.button_group(key="localities_level")
        assert switch.options == ["Cấp huyện", "Địa bàn tỉnh cũ (trước 07/2025)"]  # only where the province has them
        switch.set_value("former_province").run()
        assert not at.exception, [e.value for e in at.exception]
        bars = {}
        for trace in _json.loads(at.get("plotly_chart")[0].proto.spec)["data"]:
            if trace.get("type") == "bar":
                bars.update(zip(trace["y"], trace["x"]))
        assert {label.split(". ", 1)[-1] for label in bars} == set(expected)
        for label, value in bars.items():
            assert value == pytest.approx(expected[label.split(". ", 1)[-1]] * 100, rel=1e-6) or value == pytest.approx(
                expected[label.split(". ", 1)[-1]], rel=1e-6)
    finally:
        from ui import data

        data._engine(url).dispose()


def test_the_unit_profile_follows_a_former_province_through_its_districts_and_then_its_communes(capsys, quang_tri,
                                                                                                 tmp_path, monkeypatch):
    """Hồ sơ đơn vị offers old Quảng Bình (44-2025): in 01/2024 its figures are its districts' sum, its
    districts are listed to open, and it is said why it is never flagged itself."""
    url, _ = quang_tri
    history = province_history("44")
    old_qb = sorted(u.code for u in history.district_units if u.parent_code == "44-2025")
    jan = {code: 200 + i for i, code in enumerate(old_qb)}
    _enter(capsys, url, tmp_path, "2024-01", jan)
    at = _page_as_admin(monkeypatch, url, "pages/unit_profile.py", {"prov": "44", "period": "2024-01", "unit": "44-2025"})
    try:
        assert not at.exception, [e.value for e in at.exception]
        assert at.selectbox(key="profile_unit").value == "44-2025"
        assert any(m.value.startswith("### Tỉnh Quảng Bình (cũ)") for m in at.markdown)
        table = at.dataframe[0].value
        received = table.loc[table["Chỉ tiêu"] == "Tỷ lệ hồ sơ tiếp nhận trực tuyến", "Mẫu số"].iloc[0]
        assert received == f"{sum(jan.values()):,}".replace(",", ".")  # the districts' sum, in Vietnamese digits
        expanders = [e.label for e in at.expander]
        assert f"Các đơn vị cấp huyện của tỉnh cũ ({len(old_qb)})" in expanders
        assert "Tỉnh cũ không tự báo cáo" in " ".join(c.value for c in at.caption)
    finally:
        from ui import data

        data._engine(url).dispose()


def test_the_communes_each_commune_was_formed_from_agree_with_the_official_list_for_nghe_an():
    """The package's conversion table against the reference list of Nghệ An's 130 communes (DOMAIN.md §2):
    the same old communes for every one; a commune whose code the two packages spell differently is found
    by its name."""
    with open(REFERENCE_DIR / "nghe_an_communes_from_2025-07.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 130
    for row in rows:
        got = former_communes_of("40", row["ward_code"], row["name"])
        assert {c.code for c in got} == set(row["legacy_ward_codes"].split(";")), row["name"]
        assert {c.district_code for c in got} == set(row["legacy_district_codes"].split(";")), row["name"]
    assert former_communes_of("40", "99999", "Phường Cửa Lò") == former_communes_of("40", "16732", "")
