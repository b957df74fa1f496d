"""The metrics commands: stable JSON with the codes of DOMAIN.md, readable tables, clear refusals."""

from __future__ import annotations

import json

import pytest

import cli
import metrics
from commands.kpis import (
    COMPLETENESS_FIELDS,
    FLAG_FIELDS,
    KPI_FIELDS,
    OUTLOOK_FIELDS,
    REASON_FIELDS,
    SCORE_FIELDS,
)
from storage import frames
from storage.db import make_engine


def run(capsys, url, *argv):
    code = cli.main(["--database-url", url, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_kpis_json_is_the_engine_s_table(capsys, sample_copy_url):
    code, out, _ = run(capsys, sample_copy_url, "kpis", "--period", "2026-10", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [list(r) for r in rows[:1]] == [KPI_FIELDS]
    inputs = metrics.Inputs(**frames.metric_frames(make_engine(sample_copy_url)))
    expected = metrics.kpis(inputs, "2026-10").set_index("indicator_code")
    online = next(r for r in rows if r["indicator_code"] == "online_dossier_rate")
    assert online["value"] == pytest.approx(expected.loc["online_dossier_rate", "value"])
    assert online["numerator"] == int(expected.loc["online_dossier_rate", "numerator"])
    assert online["name_vi"] == "Tỉnh Nghệ An" and online["status"] in metrics.STATUSES
    hospital = next(r for r in rows if r["indicator_code"] == "hospital_noncash_rate")
    assert hospital["value"] is None and hospital["status"] == "no_data"  # localities report no hospital figures

    code, out, _ = run(capsys, sample_copy_url, "kpis", "--period", "2026-10", "--level", "commune", "--ytd", "--json")
    rows = json.loads(out)
    assert len(rows) == 130 * 12 and {r["kind"] for r in rows} == {"ytd"}

    code, out, _ = run(capsys, sample_copy_url, "kpis", "--period", "2024-11", "--level", "former_district", "--merged", "--json")
    assert "413" not in {r["unit_code"] for r in json.loads(out)}


@pytest.mark.parametrize("lang, heading, decimal", [("vi", "Toàn tỉnh – Tháng 10/2026", "79,97%"), ("en", "Province – October 2026", "79.97%")])
def test_kpis_table_for_people(capsys, sample_copy_url, lang, heading, decimal):
    code, out, _ = run(capsys, sample_copy_url, "--lang", lang, "kpis", "--period", "2026-10")
    assert code == 0
    assert out.splitlines()[0] == heading
    assert decimal in out


def test_flags_json(capsys, sample_copy_url):
    code, out, _ = run(capsys, sample_copy_url, "flags", "--period", "2026-10", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["period"] == "2026-10"
    units = data["units"]
    assert [u["rank"] for u in units] == list(range(1, len(units) + 1))
    assert list(units[0]) == [*FLAG_FIELDS, "reasons"]
    assert list(units[0]["reasons"][0]) == REASON_FIELDS
    assert all(u["reasons"] and u["severity"] in ("high", "medium", "low") for u in units)
    code, out, _ = run(capsys, sample_copy_url, "flags", "--period", "2026-10")
    assert "Cao" in out and "thấp hơn chỉ tiêu" in out


def test_completeness_json(capsys, sample_copy_url):
    code, out, _ = run(capsys, sample_copy_url, "completeness", "--period", "2025-07", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["due_date"] == "2025-08-05"
    forms = {f["form_code"]: f for f in data["forms"]}
    assert list(forms["locality"]) == COMPLETENESS_FIELDS
    assert forms["locality"]["expected"] == 130 and forms["locality"]["completeness"] <= 1
    assert len(data["units"]) == forms["locality"]["expected"] + forms["department"]["expected"]


def test_scorecard_and_outlook_json(capsys, sample_copy_url):
    code, out, _ = run(capsys, sample_copy_url, "scorecard", "--period", "2026-10", "--level", "commune", "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 130 and list(rows[0])[: len(SCORE_FIELDS)] == SCORE_FIELDS
    assert {p["group_code"] for p in rows[0]["parts"]} == {"timeliness", "digitization", "online_services"}
    code, out, _ = run(capsys, sample_copy_url, "outlook", "--period", "2026-10", "--json")
    rows = json.loads(out)
    assert code == 0 and list(rows[0]) == OUTLOOK_FIELDS and rows[0]["months_left"] == 2


@pytest.mark.parametrize(
    "argv, message",
    [
        (["kpis", "--period", "2026-13"], "không phải tháng dạng YYYY-MM"),
        (["kpis", "--period", "2030-01"], "tháng gần nhất có số liệu là 2026-10"),
        (["--lang", "en", "kpis", "--period", "2030-01"], "the latest month with figures is 2026-10"),
        (["flags", "--period", "2026-10", "--province", "01"], "Không có tỉnh mã 01"),
    ],
)
def test_refusals_name_the_problem(capsys, sample_copy_url, argv, message):
    code, out, err = run(capsys, sample_copy_url, *argv)
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("command", ["kpis", "flags", "completeness", "scorecard", "outlook"])
def test_an_empty_database_is_refused_clearly_and_left_as_it_was(capsys, empty_url, command):
    """Reading commands never set up or migrate a database (init-db does)."""
    from storage import migrate

    code, out, err = run(capsys, empty_url, command, "--period", "2026-10", "--json")
    assert code == 1 and out == "" and "Chưa có số liệu nào" in err
    assert migrate.current_revision(make_engine(empty_url)) is None


def test_a_bad_setting_is_refused_with_its_name(capsys, sample_copy_url):
    from sqlalchemy import insert

    from storage import models

    engine = make_engine(sample_copy_url)
    with engine.begin() as conn:
        conn.execute(insert(models.Setting), {"key": "weak_rule_points", "value": json.dumps({"shouting": 2})})
    code, _, err = run(capsys, sample_copy_url, "flags", "--period", "2026-10")
    assert code == 1 and "weak_rule_points" in err and "shouting" in err


def _strict_json(text: str):
    """json.loads that refuses NaN and Infinity, as strict parsers (and other languages) do."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("command", ["kpis", "flags", "completeness", "scorecard", "outlook"])
def test_every_json_output_parses_under_a_strict_parser(capsys, sample_url, command):
    code, out, _ = run(capsys, sample_url, command, "--period", "2026-10", "--json")
    assert code == 0 and _strict_json(out)


def test_a_missing_number_is_written_as_null_never_nan(capsys):
    import numpy as np

    from commands.common import print_json

    print_json({"unit": float("nan"), "value": np.float64("inf"), "rows": [np.int64(3), None]})
    assert _strict_json(capsys.readouterr().out) == {"unit": None, "value": None, "rows": [3, None]}


@pytest.mark.parametrize("command, heading", [
    ("flags", "Đơn vị cần đôn đốc tháng 10/2026"),
    ("completeness", "Tình hình nộp báo cáo tháng 10/2026"),
    ("scorecard", "Điểm tổng hợp tháng 10/2026"),
])
def test_headings_name_the_month_once(capsys, sample_url, command, heading):
    code, out, _ = run(capsys, sample_url, command, "--period", "2026-10")
    assert code == 0 and heading in out and "tháng Tháng" not in out
