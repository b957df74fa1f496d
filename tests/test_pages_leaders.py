"""The leaders' pages (Tổng quan, Địa phương, Bản đồ, Xu hướng) headless, on the sample province in both
databases: no exception; the month picker, level switch and indicator/unit filters change what is shown,
and what is shown equals the metrics computed directly; the language switch; a link (query parameters)
reproduces a view; a submitter sees only their own units."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from streamlit.testing.v1 import AppTest

import i18n
import metrics
from services.permissions import Actor
from storage import frames
from storage.db import make_engine
from testkit.project import APP, ROOT
from ui.theme import status_text

# The PostgreSQL half runs in the full suite; the inner loop runs the SQLite half (conftest.py).
pytestmark = pytest.mark.slow_on_postgresql

TIMEOUT = 180
PAGES = {
    "overview": "pages/overview.py",
    "localities": "pages/localities.py",
    "map": "pages/map.py",
    "trends": "pages/trends.py",
}
BOUNDARIES = ROOT.parent / "shared" / "testdata" / "nghe_an_districts_gadm.geojson"


@pytest.fixture(scope="module")
def computed():
    """metrics.Inputs per database URL, built once: what the pages must show, computed directly."""
    cache: dict[str, metrics.Inputs] = {}

    def get(url: str) -> metrics.Inputs:
        if url not in cache:
            engine = make_engine(url)
            cache[url] = metrics.Inputs(**frames.metric_frames(engine))
            engine.dispose()
        return cache[url]

    return get


_OPENED: set[str] = set()


@pytest.fixture(autouse=True)
def _release_app_connections():
    """The app keeps one pooled engine per database for the whole process; after each test its idle
    connections are closed, so that PostgreSQL can still clone the sample template (sample_copy_url)."""
    yield
    from ui import data

    for url in _OPENED:
        data._engine(url).dispose()
    _OPENED.clear()


ADMIN = Actor("quan.tri", "admin")


def open_page(monkeypatch, url: str, page: str, params: dict | None = None, actor: Actor = ADMIN) -> AppTest:
    _OPENED.add(url)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.session_state["actor"] = actor
    if page != PAGES["overview"]:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def bar_traces(spec: dict) -> list[dict]:
    return [t for t in spec["data"] if t.get("type") == "bar"]


def shown_bars(at: AppTest) -> dict[str, float]:
    """unit label -> bar value of the ranked bar chart (the first chart on the comparison page)."""
    out = {}
    for trace in bar_traces(plotly_specs(at)[0]):
        out.update(zip(trace["y"], trace["x"]))
    return out


def names(url: str, lang: str = "vi") -> dict[str, str]:
    units = frames.load_units(make_engine(url))
    return dict(zip(units["code"], units["name_vi" if lang == "vi" else "name_en"]))


# --- every page -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_leaders_page_renders_in_both_languages(monkeypatch, sample_url, page, lang):
    at = open_page(monkeypatch, sample_url, page, {"lang": lang} if lang == "en" else None)
    assert at.title[0].value
    text = " ".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader])
    if lang == "en":
        assert at.title[0].value in {i18n.t(k, "en") for k in ("overview.heading", "leaders.localities.title", "leaders.map.title",
                                                               "leaders.trends.title")}
        assert "Tháng" not in text and "Chỉ tiêu" not in text
    else:
        assert "Figures up to" not in text and "Target" not in text


# --- Tổng quan -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["2026-10", "2025-03"])
def test_overview_cards_show_the_province_figures_of_the_month_picked(monkeypatch, sample_url, computed, period):
    at = open_page(monkeypatch, sample_url, PAGES["overview"])
    at.selectbox(key="overview_period").select(period).run()
    assert at.query_params["period"] in (period, [period])
    expected = metrics.kpis(computed(sample_url), period, "province").set_index("indicator_code")
    shown = {m.label: m for m in at.metric}
    for code, row in expected.iterrows():
        if row["status"] == "no_data":
            continue
        name = next(i.name_vi for i in computed(sample_url).registry.indicators if i.code == code)
        card = shown[name]
        assert card.value == i18n.fmt_pct(row["value"], "vi")
        if row["change_mom_pp"] == row["change_mom_pp"]:  # not NaN
            assert card.proto.delta.replace("−", "-").startswith("-" if round(row["change_mom_pp"], 1) < 0 else ("+", "±"))
    statuses = " ".join(m.value for m in at.markdown)
    for status in expected.loc[expected["status"] != "no_data", "status"].unique():
        assert status_text(status, "vi") in statuses.replace("\\", "")


def test_a_submission_stored_elsewhere_shows_at_the_next_rerun(monkeypatch, sample_copy_url):
    from storage.submissions import SubmissionIn, ValueIn, record_submission

    # A signed-in leader: the first real file ends sample mode, and with it the demo administrator.
    leader = Actor("lanh.dao", "leader", frozenset(), "Lãnh đạo")
    at = open_page(monkeypatch, sample_copy_url, PAGES["overview"], {"period": "2026-10"}, actor=leader)
    name = "Tỷ lệ hồ sơ tiếp nhận trực tuyến"
    before = next(m.value for m in at.metric if m.label == name)
    # Another writer (the CLI, another server process) stores a correction: Vinh's first ward received
    # nothing online in 10/2026. The data version moves; the page's caches are keyed by it.
    engine = make_engine(sample_copy_url)
    record_submission(engine, SubmissionIn("locality", "correction.xlsx", b"correction", "cli:test",
                                           [ValueIn("16681", "2026-10", "dossiers_received_online", 0)]))
    expected = metrics.kpis(metrics.Inputs(**frames.metric_frames(engine)), "2026-10", "province")
    engine.dispose()
    at.run()
    assert not at.exception
    after = next(m.value for m in at.metric if m.label == name)
    value = expected.set_index("indicator_code").loc["online_dossier_rate", "value"]
    assert after == i18n.fmt_pct(value, "vi") and after != before


def test_a_target_or_a_correction_made_elsewhere_shows_at_the_next_rerun_without_reading_every_figure_again(monkeypatch, sample_copy_url):
    """Issue 15: a change that is not a figure (here a target; notes, tasks, settings, locks alike) moves the
    data version but not the values version: the page shows it at the next rerun from the figures the
    process holds. A submission moves both, and the process catches up with it alone (the submissions
    stamped above the values version it holds), not by reading every figure again."""
    from services.targets import set_target
    from storage.submissions import SubmissionIn, ValueIn, record_submission

    leader = Actor("lanh.dao", "leader", frozenset(), "Lãnh đạo")
    at = open_page(monkeypatch, sample_copy_url, PAGES["overview"], {"period": "2026-10"}, actor=leader)
    assert "Chỉ tiêu: 85%" in [c.value for c in at.caption]
    reads = []
    read_values = frames.load_values
    monkeypatch.setattr(frames, "load_values", lambda *a, **k: reads.append(a) or read_values(*a, **k))
    engine = make_engine(sample_copy_url)
    set_target(engine, ADMIN, "online_dossier_rate", 2026, 0.9, decision="Kế hoạch 12/KH-UBND ngày 10/01/2026")
    at.run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert "Chỉ tiêu: 90%" in captions and "Chỉ tiêu: 85%" not in captions
    assert reads == []  # the target is new on the page; the 2,894 returns' figures were not read again

    name = "Tỷ lệ hồ sơ tiếp nhận trực tuyến"
    before = next(m.value for m in at.metric if m.label == name)
    record_submission(engine, SubmissionIn("locality", "correction.xlsx", b"correction-2", "cli:test",
                                           [ValueIn("16681", "2026-10", "dossiers_received_online", 0)]))
    engine.dispose()
    at.run()
    assert not at.exception
    after = next(m.value for m in at.metric if m.label == name)
    assert reads == [] and after != before
    engine = make_engine(sample_copy_url)
    expected = metrics.kpis(metrics.Inputs(**frames.metric_frames(engine)), "2026-10", "province")  # read whole
    engine.dispose()
    assert after == i18n.fmt_pct(expected.set_index("indicator_code").loc["online_dossier_rate", "value"], "vi")


def test_overview_shows_the_target_of_each_indicator_and_a_sparkline(monkeypatch, sample_url):
    at = open_page(monkeypatch, sample_url, PAGES["overview"])
    assert any(c.value == "Chỉ tiêu: 85%" for c in at.caption)
    with_chart = [m for m in at.metric if list(m.proto.chart_data)]
    assert len(with_chart) >= 10
    assert all(len(m.proto.chart_data) <= 12 for m in with_chart)


def test_overview_trend_follows_the_indicator_picked_with_target_glide_path_and_outlook(monkeypatch, sample_url, computed):
    at = open_page(monkeypatch, sample_url, PAGES["overview"], {"period": "2026-06"})
    at.selectbox(key="overview_indicator").select("on_time_rate").run()
    spec = plotly_specs(at)[0]
    lines = {t["name"]: t for t in spec["data"]}
    trend = metrics.trend(computed(sample_url), "2026-06", "province", first="2024-01")
    trend = trend[trend["indicator_code"] == "on_time_rate"]
    province = next(t for name, t in lines.items() if name.startswith("Tỉnh"))
    assert province["x"][0] == "01/2024" and province["x"][-1] == "06/2026"  # the whole series: it fits
    assert province["y"] == pytest.approx(trend["value"].tolist())
    assert set(lines) >= {"Chỉ tiêu", "Lộ trình", "Dự báo tháng 12"}
    outlook = metrics.outlook(computed(sample_url), "2026-06", "province").set_index("indicator_code").loc["on_time_rate"]
    assert lines["Dự báo tháng 12"]["y"][-1] == pytest.approx(outlook["projected_december"])
    assert lines["Dự báo tháng 12"]["x"][-1] == "12/2026"
    assert at.query_params["ind"] in ("on_time_rate", ["on_time_rate"])


def test_overview_lists_biggest_changes_and_new_flags_from_the_metrics(monkeypatch, sample_url, computed):
    period = "2026-10"
    at = open_page(monkeypatch, sample_url, PAGES["overview"], {"period": period})
    text = " ".join(m.value for m in at.markdown).replace("\\", "")
    unit_names = names(sample_url)
    k = metrics.kpis(computed(sample_url), period, "commune")
    best = k.loc[k["change_mom_pp"].idxmax()]
    worst = k.loc[k["change_mom_pp"].idxmin()]
    assert f"**{unit_names[best['unit_code']]}**" in text
    assert f"**{unit_names[worst['unit_code']]}**" in text
    as_of = dt.datetime.now(dt.timezone.utc)  # judged today, as the page does
    now = metrics.weak_localities(computed(sample_url), period, as_of=as_of).units
    before = metrics.weak_localities(computed(sample_url), "2026-09", as_of=as_of).units
    new = set(now["unit_code"]) - set(before["unit_code"])
    assert i18n.t("leaders.overview.new_flags", "vi", count=len(new)) in text
    for code in new:
        assert f"**{unit_names[code]}**" in text


def test_overview_says_when_units_cannot_be_compared_with_last_month(monkeypatch, sample_url):
    at = open_page(monkeypatch, sample_url, PAGES["overview"], {"period": "2025-07"})  # the communes' first month
    assert any(i18n.t("leaders.overview.no_comparison", "vi") == c.value for c in at.caption)


# --- Địa phương ------------------------------------------------------------------------------------------


def test_localities_bars_rank_the_communes_with_top_and_bottom_then_all(monkeypatch, sample_url, computed):
    at = open_page(monkeypatch, sample_url, PAGES["localities"], {"period": "2026-10", "ind": "online_dossier_rate"})
    assert at.button_group(key="localities_level").value == "commune"
    k = metrics.kpis(computed(sample_url), "2026-10", "commune")
    k = k[(k["indicator_code"] == "online_dossier_rate") & k["rank"].notna()].sort_values("rank")
    unit_names = names(sample_url)
    bars = shown_bars(at)
    assert len(bars) == 20
    top = k.iloc[0]
    bottom = k.iloc[-1]
    assert bars[f"{int(top['rank'])}. {unit_names[top['unit_code']]}"] == pytest.approx(top["value"])
    assert bars[f"{int(bottom['rank'])}. {unit_names[bottom['unit_code']]}"] == pytest.approx(bottom["value"])
    spec = plotly_specs(at)[0]
    assert any(i18n.t("charts.gap_rows", "vi", count=len(k) - 20) == y for y in spec["layout"]["yaxis"]["categoryarray"])
    assert spec["layout"]["height"] < 1000
    # On a phone the heat map is the list of chips under it (ui.chrome shows one or the other by width):
    # each unit of the chart, in its order, with the units in between said where they are left out.
    gap = i18n.t("charts.gap_rows", "vi", count=len(k) - 20)
    chips = next(h.proto.body for h in at.get("html") if "p06-chip" in h.proto.body and gap in h.proto.body)
    assert chips.index(unit_names[top["unit_code"]]) < chips.index(gap) < chips.index(unit_names[bottom["unit_code"]])
    # The table puts the unit and its value first (a phone shows those two without scrolling sideways).
    assert list(at.dataframe[0].value.columns[:2]) == ["Đơn vị", "Kết quả"]

    at.button_group(key="localities_show").set_value("all").run()
    assert len(shown_bars(at)) == len(k)
    assert plotly_specs(at)[0]["layout"]["height"] > 26 * len(k)  # the chart grows with its bars
    assert at.query_params["show"] in ("all", ["all"])


def test_localities_level_switch_and_indicator_change_what_is_compared(monkeypatch, sample_url, computed):
    at = open_page(monkeypatch, sample_url, PAGES["localities"], {"period": "2026-10"})
    at.button_group(key="localities_level").set_value("department").run()
    at.selectbox(key="localities_indicator").select("on_time_rate").run()
    k = metrics.kpis(computed(sample_url), "2026-10", "department")
    k = k[(k["indicator_code"] == "on_time_rate") & k["value"].notna()]
    unit_names = names(sample_url)
    bars = shown_bars(at)
    assert {label.split(". ", 1)[1] for label in bars} == {unit_names[c] for c in k["unit_code"]}
    table = at.dataframe[0].value
    assert list(table["Đơn vị"][: len(k)]) == [unit_names[c] for c in k.sort_values(["rank", "unit_code"])["unit_code"]] or \
        list(table["Hạng"][: len(k)]) == sorted(k["rank"].astype(int))  # ranked; ties may come in either order
    by_name = dict(zip(table["Đơn vị"], table["Kết quả"]))
    for row in k.itertuples():
        assert by_name[unit_names[row.unit_code]] == pytest.approx(row.value)
    assert dict(at.query_params)["level"] in ("department", ["department"])

    at.button_group(key="localities_level").set_value("former_district").run()
    heat = plotly_specs(at)[1]["data"][0]
    assert len(heat["y"]) == 20  # the district-level areas of 10/2026
    assert all(t.startswith(("✔", "↗", "⚠", "✖", "○", "–")) for row in heat["text"] for t in row)  # status in symbols too


def test_localities_before_the_reform_compare_district_level_units(monkeypatch, sample_url, computed):
    at = open_page(monkeypatch, sample_url, PAGES["localities"], {"period": "2024-06", "ind": "on_time_rate"})
    group = at.button_group(key="localities_level")
    assert group.value == "former_district"
    assert "Cấp xã" not in group.options and "Cấp huyện" in group.options
    k = metrics.kpis(computed(sample_url), "2024-06", "former_district")
    k = k[k["indicator_code"] == "on_time_rate"]
    assert len(k) == 21  # Cửa Lò still its own area
    assert len(shown_bars(at)) == k["value"].notna().sum()
    missing = k[k["value"].isna()]
    if len(missing):
        assert any(c.value.startswith(f"Không có số liệu ({len(missing)} đơn vị)") for c in at.caption)


def test_localities_in_english_formats_numbers_the_english_way(monkeypatch, sample_url):
    at = open_page(monkeypatch, sample_url, PAGES["localities"], {"period": "2026-10", "lang": "en", "level": "department"})
    assert at.title[0].value == "Localities compared"
    spec = plotly_specs(at)[0]
    texts = next(t for t in spec["data"] if t.get("mode") == "text")["text"]
    assert texts and all("." in t and "," not in t for t in texts)
    assert spec["layout"]["separators"] == ".,"


def test_a_link_reproduces_a_comparison_view(monkeypatch, sample_url):
    params = {"period": "2025-11", "level": "department", "ind": "online_payment_rate"}
    at = open_page(monkeypatch, sample_url, PAGES["localities"], params)
    assert at.selectbox(key="localities_period").value == "2025-11"
    assert at.button_group(key="localities_level").value == "department"
    assert at.selectbox(key="localities_indicator").value == "online_payment_rate"
    assert {k: (v if isinstance(v, str) else v[0]) for k, v in dict(at.query_params).items() if k in params} == params
    # A value that is not an option (an old link) falls back to the default instead of failing.
    at = open_page(monkeypatch, sample_url, PAGES["localities"], {"period": "1999-01", "level": "nowhere"})
    assert at.selectbox(key="localities_period").value == "2026-10"
    assert at.button_group(key="localities_level").value == "commune"


def test_a_submitter_compares_only_their_own_units(monkeypatch, sample_url):
    actor = Actor("nhap.lieu", "submitter", frozenset({"16681", "16690"}), "Nhập liệu")
    at = open_page(monkeypatch, sample_url, PAGES["localities"], {"period": "2026-10"}, actor=actor)
    unit_names = names(sample_url)
    assert {label.split(". ", 1)[1] for label in shown_bars(at)} <= {unit_names["16681"], unit_names["16690"]}
    assert set(at.dataframe[0].value["Đơn vị"]) <= {unit_names["16681"], unit_names["16690"]}
    assert not at.get("download_button")  # the matrix gives a submitter no export


# --- Bản đồ ----------------------------------------------------------------------------------------------


def _deck(at: AppTest) -> dict:
    decks = at.get("deck_gl_json_chart")
    assert len(decks) == 1
    return json.loads(decks[0].proto.json)


def _layers(at: AppTest) -> dict[str, dict]:
    return {layer["id"]: layer for layer in _deck(at)["layers"]}


def test_map_draws_district_areas_as_approximate_shapes_without_any_base_map(monkeypatch, sample_url, computed):
    at = open_page(monkeypatch, sample_url, PAGES["map"], {"period": "2026-10", "ind": "on_time_rate"})
    deck = _deck(at)
    assert "mapStyle" not in deck or deck["mapStyle"] == "__MAP_STYLE__"
    assert "mapProvider" not in deck and "cartocdn" not in json.dumps(deck)
    layers = _layers(at)
    assert "placed" not in layers  # every unit has a shape on a fresh install: no circle
    polygons = layers["units"]["data"]
    k = metrics.kpis(computed(sample_url), "2026-10", "former_district")
    k = k[k["indicator_code"] == "on_time_rate"]
    assert {p["unit_code"] for p in polygons} == set(k["unit_code"])
    vinh = next(p for p in polygons if p["name"] == "Thành phố Vinh")
    row = k.set_index("unit_code").loc["412"]
    assert vinh["value_text"] == f"Kết quả: {i18n.fmt_pct(row['value'], 'vi')}"
    assert vinh["status_text"] == status_text(row["status"], "vi")
    assert vinh["rank_text"] == i18n.t("charts.rank_of", "vi", rank=int(row["rank"]), peers=int(row["peers"]))
    assert vinh["kind_text"] == i18n.t("map.tooltip_approximate", "vi")
    labels = {lb["text"] for lb in layers["labels"]["data"]}  # those that fit without overlapping
    assert "Vinh" in labels and len(k) // 2 <= len(labels) <= len(k)
    # The province's outline is drawn; its grey underlay is not, the approximate shapes tiling it exactly.
    assert [o for o in layers["outlines"]["data"] if o["kind"] == "province"] and "province" not in layers
    assert deck["views"][0]["@@type"] == "MapView"
    assert any(i18n.t("map.approximate_badge", "vi") in m.value for m in at.markdown)
    assert any(i18n.t("map.source_approximate", "vi", count=len(k)) in c.value for c in at.caption)


def test_map_draws_one_shape_per_commune_with_the_former_districts_over_them(monkeypatch, sample_url):
    at = open_page(monkeypatch, sample_url, PAGES["map"], {"period": "2026-10"})
    at.button_group(key="map_level").set_value("commune").run()
    layers = _layers(at)
    assert len({p["unit_code"] for p in layers["units"]["data"]}) == 130
    assert len([o for o in layers["outlines"]["data"] if o["kind"] == "former_district"]) >= 20
    again = open_page(monkeypatch, sample_url, PAGES["map"], {"period": "2026-10", "level": "commune"})
    assert _layers(again)["units"]["data"] == layers["units"]["data"]


def test_map_before_the_merger_draws_cua_lo_apart_from_vinh(monkeypatch, sample_url):
    at = open_page(monkeypatch, sample_url, PAGES["map"], {"period": "2024-06"})
    codes = {p["unit_code"] for p in _layers(at)["units"]["data"]}
    assert len(codes) == 21 and "413" in codes


def test_map_colours_by_value_when_asked(monkeypatch, sample_url):
    at = open_page(monkeypatch, sample_url, PAGES["map"], {"period": "2026-10", "colour": "status"})
    by_status = {tuple(c["fill"]) for c in _layers(at)["units"]["data"]}
    at.button_group(key="map_colour").set_value("value").run()
    by_value = {tuple(c["fill"]) for c in _layers(at)["units"]["data"]}
    assert len(by_value) > len(by_status)


def test_a_click_on_a_shape_opens_the_units_profile_for_the_same_month():
    """What the page does with deck.gl's selection (the click itself is driven in tests/test_browser.py)."""
    from ui.views.maps import picked_unit

    class Event:
        selection = {"indices": {"units": [3]}, "objects": {"units": [{"unit_code": "16681", "name": "Phường Thành Vinh"}]}}

    assert picked_unit(Event()) == "16681"
    Event.selection = {"indices": {}, "objects": {}}
    assert picked_unit(Event()) is None


def test_a_deployment_of_several_provinces_maps_the_country_then_one_province(monkeypatch, sample_copy_url):
    from services import units as unit_service

    engine = make_engine(sample_copy_url)
    unit_service.import_province(engine, ADMIN, "12")  # Lai Châu beside Nghệ An: 38 communes, approximate shapes
    engine.dispose()
    at = open_page(monkeypatch, sample_copy_url, PAGES["map"], {"period": "2026-10"})
    assert at.button_group(key="map_level").value == "province"
    layers = _layers(at)
    assert "40" in {p["unit_code"] for p in layers["units"]["data"]}
    assert len(layers["province"]["data"]) >= 34  # every province's outline, held or not
    assert any(i18n.t("map.click_province", "vi") in c.value for c in at.caption)
    # What a click on Nghệ An does (the click itself: tests/test_browser_map.py): its communes, only its own.
    at.session_state["map_level"] = "commune"
    at.session_state["map_province"] = "40"
    at.run()
    assert not at.exception
    assert len({p["unit_code"] for p in _layers(at)["units"]["data"]}) == 130
    at.selectbox(key="map_province").select("12").run()
    assert all(p["unit_code"] not in {"16681"} for p in _layers(at)["units"]["data"])


@pytest.mark.skipif(not BOUNDARIES.exists(), reason=f"the GADM test file is not at {BOUNDARIES}")
def test_map_draws_loaded_boundaries_and_says_which_it_shows(monkeypatch, sample_copy_url):
    from loaders.boundaries import load_boundaries

    engine = make_engine(sample_copy_url)
    report = load_boundaries(engine, BOUNDARIES.read_bytes(), source=BOUNDARIES.name)
    engine.dispose()
    assert report.stored == 20
    at = open_page(monkeypatch, sample_copy_url, PAGES["map"], {"period": "2026-10"})
    polygons = _layers(at)["units"]["data"]
    kinds = {p["name"]: p["kind_text"] for p in polygons}
    assert kinds["Thành phố Vinh"] == "" and kinds["Huyện Đô Lương"] == ""  # imported: not marked
    assert kinds["Thị xã Hoàng Mai"] == i18n.t("map.tooltip_approximate", "vi")  # not in the file: its cell
    caption = " ".join(c.value for c in at.caption)
    assert i18n.t("map.source_imported", "vi", count=19, source=BOUNDARIES.name) in caption
    assert i18n.t("map.source_approximate", "vi", count=1) in caption


# --- Xu hướng --------------------------------------------------------------------------------------------


def test_trends_show_any_indicators_for_any_units_with_the_december_outlook(monkeypatch, sample_url, computed):
    at = open_page(monkeypatch, sample_url, PAGES["trends"],
                   {"from": "2024-01", "to": "2026-10", "level": "former_district", "ind": "online_dossier_rate,on_time_rate",
                    "units": "412,417", "pline": "0"})
    specs = plotly_specs(at)
    assert len(specs) == 2  # one chart per indicator
    unit_names = names(sample_url)
    trend = metrics.trend(computed(sample_url), "2026-10", "former_district", first="2024-01")
    for spec, code in zip(specs, ["online_dossier_rate", "on_time_rate"]):
        lines = {t["name"]: t for t in spec["data"] if t.get("mode") == "lines+markers" and t["name"] in unit_names.values()}
        assert set(lines) == {unit_names["412"], unit_names["417"]}
        vinh = trend[(trend["unit_code"] == "412") & (trend["indicator_code"] == code)]
        assert lines[unit_names["412"]]["y"] == pytest.approx(vinh["value"].tolist())
        assert lines[unit_names["412"]]["x"][0] == "01/2024"
    table = at.dataframe[0].value
    assert len(table) == 4
    outlook = metrics.outlook(computed(sample_url), "2026-10", "former_district").set_index(["unit_code", "indicator_code"])
    row = outlook.loc[("417", "on_time_rate")]
    shown = table[(table["Đơn vị"] == unit_names["417"]) & (table["Chỉ tiêu"] == "Tỷ lệ hồ sơ giải quyết đúng hạn")].iloc[0]
    assert shown["Dự báo tháng 12"] == i18n.fmt_pct(row["projected_december"], "vi")

    at.multiselect(key="trends_units").unselect("417").run()
    at.toggle(key="trends_province").set_value(True).run()
    names_shown = {t["name"] for t in plotly_specs(at)[0]["data"]}
    assert unit_names["417"] not in names_shown and unit_names["412"] in names_shown and "Tỉnh Nghệ An" in names_shown
    assert dict(at.query_params)["units"] in ("412", ["412"])


def test_trends_of_one_unit_show_its_glide_path(monkeypatch, sample_url):
    at = open_page(monkeypatch, sample_url, PAGES["trends"], {"level": "province", "ind": "online_payment_rate"})
    traces = plotly_specs(at)[0]["data"]
    names_shown = {t["name"] for t in traces}
    assert {"Tỉnh Nghệ An", "Chỉ tiêu", "Lộ trình", "Dự báo tháng 12"} <= names_shown
    # Each year's glide path is its own line: none runs from a December into the next January.
    glide = [t for t in traces if t["name"] == "Lộ trình"]
    assert len(glide) >= 2 and all(len({x[-4:] for x in t["x"]}) == 1 for t in glide)
    assert sum(t.get("showlegend", True) for t in glide) == 1  # one legend entry


def test_trends_month_span_comes_from_the_address(monkeypatch, sample_url):
    # (AppTest cannot move a two-handled select_slider: set_range sends one value. The browser can.)
    at = open_page(monkeypatch, sample_url, PAGES["trends"], {"from": "2025-07", "to": "2026-03"})
    assert tuple(at.select_slider(key="trends_months").value) == ("2025-07", "2026-03")
    xs = plotly_specs(at)[0]["data"][0]["x"]
    assert xs[0] == "07/2025" and xs[-1] == "03/2026"
    assert dict(at.query_params)["to"] in ("2026-03", ["2026-03"])


def test_overview_cards_worst_first_with_a_year_ago_and_who_has_not_reported(monkeypatch, sample_url, computed):
    """A leader in a meeting: the indicators furthest behind first, each card with its change on a year ago
    and how many units it counts, and the units that have not sent this month's return, named."""
    viewer = Actor("nguoi.xem", "viewer", frozenset(), "Người xem")
    at = open_page(monkeypatch, sample_url, PAGES["overview"], {"period": "2026-10"}, actor=viewer)
    at.button_group(key="overview_order").set_value("worst").run()
    assert not at.exception and at.query_params["order"] in ("worst", ["worst"])
    province = metrics.kpis(computed(sample_url), "2026-10", "province")
    rank = {"behind": 0, "at_risk": 1, "on_track": 2, "met": 3, "no_target": 4, "no_data": 5}
    ranked = province[province["status"] != "no_data"].assign(_s=province["status"].map(rank)).sort_values(["_s", "gap_pp"])
    names = {i.code: i.name("vi") for i in computed(sample_url).registry.indicators}
    assert at.metric[0].label == names[ranked.iloc[0]["indicator_code"]]
    cards = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "So với cùng kỳ năm trước: " in cards and "đơn vị có số liệu" in cards
    assert "đơn vị đã nộp báo cáo tháng 10/2026" in cards
