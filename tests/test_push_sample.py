"""On the sample province for 10/2026 (issue 12): a list a meeting can use and a scorecard that separates units."""

from __future__ import annotations

import json

import pytest

import cli


def run(capsys, url, *argv):
    code = cli.main(["--database-url", url, *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.slow
def test_flags_on_the_sample_name_few_units_to_push_and_leave_most_unflagged(capsys, sample_copy_url):
    code, out, _ = run(capsys, sample_copy_url, "flags", "--period", "2026-10", "--json")
    assert code == 0
    data = json.loads(out)
    units = data["units"]
    groups = {g["level"]: g for g in data["peer_groups"]}
    assert set(groups) == {"commune", "department"} and groups["commune"]["units"] == 130
    for level, group in groups.items():
        high = sum(u["severity"] == "high" and u["level"] == level for u in units)
        assert high == group["high"] and high <= 0.15 * group["units"] + 1e-9, (level, high)
    communes = [u for u in units if u["level"] == "commune"]
    assert 130 - len(communes) >= 130 / 3
    # Ranked by share of the shortfall first: the first commune carries more than any later one.
    shares = [u["top_weight"] or 0 for u in units]
    assert shares == sorted(shares, reverse=True)
    # Province-wide bottlenecks are named once; digitisation against 100 % is one (every commune misses it).
    necks = [b for b in data["bottlenecks"] if b["bottleneck"]]
    assert any(b["indicator_code"] == "dossier_digitization_rate" and b["level"] == "commune" for b in necks)
    assert all(b["missing_share"] >= 0.7 for b in necks)
    # What changed since 09/2026 is counted, and the story communes moved: improvers leave the list.
    changes = data["changes"]
    assert set(changes) == {"new", "still", "improved", "resolved"} and changes["resolved"] >= 1 and changes["new"] >= 1
    assert {"17143", "17266", "17662"} <= set(data["resolved"])


@pytest.mark.slow
def test_scorecard_spreads_over_tens_of_points_with_the_west_behind(capsys, sample_copy_url):
    code, out, _ = run(capsys, sample_copy_url, "scorecard", "--period", "2026-10", "--json")
    assert code == 0
    scores = [r for r in json.loads(out) if r["score"] is not None]
    spread = max(r["score"] for r in scores) - min(r["score"] for r in scores)
    assert spread >= 25, spread
    communes = sorted((r for r in scores if r["level"] == "commune"), key=lambda r: r["score"])
    code, out, _ = run(capsys, sample_copy_url, "units", "list", "--at", "2026-10", "--level", "commune", "--json")
    former = {u["code"]: u.get("former_unit_code") for u in json.loads(out)}
    west = {"415", "416", "417", "418", "420", "422"}
    bottom_ten = [former[r["unit_code"]] for r in communes[:10]]
    assert sum(d in west for d in bottom_ten) >= 8, bottom_ten
    top_ten = [former[r["unit_code"]] for r in communes[-10:]]
    assert not any(d in west for d in top_ten), top_ten


@pytest.mark.slow
def test_shortfall_command_lists_units_and_the_pareto_line(capsys, sample_copy_url):
    code, out, _ = run(capsys, sample_copy_url, "shortfall", "--period", "2026-10", "--indicator", "online_dossier_rate", "--json")
    assert code == 0
    data = json.loads(out)
    rows = [r for r in data["units"] if r["level"] == "commune"]
    assert {r["indicator_code"] for r in data["units"]} == {"online_dossier_rate"}
    assert sum(r["share"] or 0 for r in rows) == pytest.approx(1.0)
    line = next(x for x in data["lines"] if x["level"] == "commune")
    assert line["text"].endswith("đơn vị chiếm 80% số hồ sơ trực tuyến còn thiếu so với chỉ tiêu")
    code, out, _ = run(capsys, sample_copy_url, "shortfall", "--period", "2026-10")
    assert code == 0 and "còn thiếu" in out
    code, _, err = run(capsys, sample_copy_url, "shortfall", "--period", "2026-10", "--indicator", "nope")
    assert code == 1 and "nope" in err
