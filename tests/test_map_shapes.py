"""The shapes a fresh install draws on the map (domain/shapes.py, cached by storage/shapes.py): one shape
per unit valid in a month, shapes that neither overlap nor leave holes in the province outline, former
districts that are exactly the union of their communes (Cửa Lò cut out of Vinh before 12/2024 and
given back after), imported boundaries that win over the approximate ones unit by unit, and how the map
draws them: every commune outlined, names readable on any fill."""

from __future__ import annotations

import itertools
import json
import sqlite3
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from domain import shapes
from domain.periods import last_day
from loaders.boundaries import load_boundaries
from storage import frames
from storage.shapes import shape_units, store_approximate_shapes

GADM = Path(__file__).resolve().parents[2] / "shared" / "testdata" / "nghe_an_districts_gadm.geojson"
AREA_TOLERANCE = 1e-4  # share of the province's area (about 1.6 km² of Nghệ An's 16,500)

# (month, level of the reporting units, how many): the three periods of Nghệ An's history.
MONTHS = [("2024-06", "district", 21), ("2025-03", "district", 20), ("2025-09", "commune", 130)]


def _stored(engine) -> dict:
    b = frames.load_boundaries(engine)
    return {c: (shape(g), bool(a)) for c, g, a in zip(b["unit_code"], b["geometry"], b["approximate"])}


def _month_shapes(engine, period: str, level: str) -> dict[str, shapely.Geometry]:
    stored = {c: g for c, (g, _) in _stored(engine).items()}
    units = {u.code: u for u in shape_units(engine)}
    day = last_day(period)
    valid = [u for u in units.values() if u.level == level and u.valid_on(day)]
    return {u.code: shapely.union_all(shapes.shape_in_month(u.code, stored, units, day)) for u in valid}


@pytest.mark.parametrize(("period", "level", "count"), MONTHS)
def test_every_unit_of_a_month_has_one_shape_and_together_they_tile_the_province(engine, period, level, count):
    drawn = _month_shapes(engine, period, level)
    assert len(drawn) == count
    assert all(g.is_valid and g.area > 0 for g in drawn.values())
    outline = shapes.province_outlines()["40"]
    overlap = sum(a.intersection(b).area for a, b in itertools.combinations(drawn.values(), 2))
    assert overlap < AREA_TOLERANCE * outline.area
    union = shapely.union_all(list(drawn.values()))
    assert union.symmetric_difference(outline).area < AREA_TOLERANCE * outline.area


def test_a_former_district_is_the_union_of_its_communes(engine):
    stored = {c: g for c, (g, _) in _stored(engine).items()}
    units = {u.code: u for u in shape_units(engine)}
    eve = last_day("2025-06")  # the last month of districts: Cửa Lò already part of Vinh
    for code, u in units.items():
        if u.level != "district" or not u.valid_on(eve):
            continue
        communes = [c for c, v in units.items() if v.former_unit_code == code]
        district = shapely.union_all(shapes.shape_in_month(code, stored, units, eve))
        assert district.symmetric_difference(shapely.union_all([stored[c] for c in communes])).area < 1e-9, code


def test_cua_lo_is_the_cell_of_phuong_cua_lo_before_the_merger_and_part_of_vinh_after(engine):
    stored = {c: g for c, (g, _) in _stored(engine).items()}
    units = {u.code: u for u in shape_units(engine)}
    cua_lo = next(c for c, u in units.items() if u.name_vi == "Phường Cửa Lò")
    assert stored["413"].symmetric_difference(stored[cua_lo]).area < 1e-9
    before = shapely.union_all(shapes.shape_in_month("412", stored, units, last_day("2024-11")))
    after = shapely.union_all(shapes.shape_in_month("412", stored, units, last_day("2024-12")))
    assert before.intersection(stored["413"]).area < 1e-9
    assert after.symmetric_difference(before.union(stored["413"])).area < 1e-9


def test_approximate_communes_are_close_to_their_official_areas(engine):
    """A cell follows no river or ridge, but its size is of the right order: Nghệ An's cells against the
    areas the package gives (half to twice for nearly all)."""
    import vietnamadminunits

    db = Path(vietnamadminunits.__file__).with_name("data") / "dataset.db"
    with sqlite3.connect(db) as conn:
        official = dict(conn.execute("SELECT wardCode, wardAreaKm2 FROM admin_units WHERE provinceCode = '40'"))
    stored = _stored(engine)
    km2_per_deg2 = 110.574 * 111.32 * 0.946  # at 19° N
    ratios = sorted(stored[c][0].area * km2_per_deg2 / a for c, a in official.items())
    assert len(ratios) == 130
    assert 0.8 < ratios[65] < 1.3  # the median
    assert sum(0.5 <= r <= 2 for r in ratios) >= 125


def test_the_approximate_shapes_are_marked_and_an_imported_boundary_wins(engine):
    before = _stored(engine)
    assert all(approx for _, approx in before.values()) and len(before) == 151
    vinh = shapely.geometry.mapping(before["412"][0])
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "412"}, "geometry": vinh}]}).encode()
    report = load_boundaries(engine, data, source="official.geojson")
    assert report.stored == 1
    # The districts without an imported shape are reported as such (an approximate shape is not a boundary).
    assert {u["unit_code"] for u in report.without_shape} == {c for c in before if len(c) == 3} - {"412"}
    store_approximate_shapes(engine)  # recomputing (a new version, a new province) keeps what was imported
    after = _stored(engine)
    assert after["412"][1] is False and all(a for c, (_, a) in after.items() if c != "412")
    assert frames.load_boundaries(engine).set_index("unit_code").at["412", "source"] == "official.geojson"


@pytest.mark.slow_on_postgresql
def test_the_map_outlines_every_commune_and_gives_its_names_a_halo_instead_of_a_box(monkeypatch, sample_url):
    """The page's deck as Streamlit sends it to the browser: two neighbouring communes of one colour stay
    apart (a white line along every commune's edge, with the former districts' lines and the province's
    outline drawn over those), and the names are dark letters each with a white halo: readable on every
    fill and past the coast, with no box hiding the shapes underneath."""
    from streamlit.testing.v1 import AppTest

    from services.permissions import Actor
    from testkit.project import APP
    from ui import data

    monkeypatch.setenv("DATABASE_URL", sample_url)
    monkeypatch.setenv("P06_AUTO_SAMPLE", "0")
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["period"], at.query_params["level"] = "2026-10", "commune"
    at.session_state["actor"] = Actor("quan.tri", "admin")
    try:
        at.switch_page("pages/map.py").run()
        assert not at.exception, [e.value for e in at.exception]
        layers = {layer["id"]: layer for layer in json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]}
    finally:
        data._engine(sample_url).dispose()  # no idle connection left: PostgreSQL clones the sample template
    lines = layers["outlines"]["data"]
    assert len({p["unit_code"] for p in layers["units"]["data"]}) == 130
    assert [line["polygon"] for line in lines if line["kind"] == "unit"] == [
        ring for p in layers["units"]["data"] for ring in p["polygon"]]
    assert {tuple(line["color"]) for line in lines if line["kind"] == "unit"} == {(255, 255, 255, 255)}
    order = ["unit", "former_district", "province"]
    kinds = [line["kind"] for line in lines]
    assert kinds == sorted(kinds, key=order.index) and set(kinds) == set(order)
    labels = layers["labels"]
    assert labels["data"] and not labels.get("background")
    assert labels["characterSet"] == "auto"  # every letter of the names, diacritics too
    assert labels["fontSettings"]["sdf"] is True and labels["outlineWidth"] > 0
    assert labels["outlineColor"][:3] == [255, 255, 255] and max(labels["getColor"][:3]) < 60


def test_two_names_are_drawn_only_with_room_between_them():
    """Side by side, two names closer than about an em would read as one ("Hạnh Lâm Nam Đàn"): the bigger
    unit keeps its name, the other is left to the tooltip; a few em apart, or one well above the other,
    both are drawn. Measured at 12 px, where a letter of the drawn names is about 0.7 em wide."""
    from ui.geo import labels_that_fit

    zoom, font = 9.0, 12
    per_px = 360 / (512 * 2 ** zoom)  # degrees of longitude per pixel at this zoom
    lat_px = per_px * 0.95  # near 19° N a degree of latitude spans a little more than one of longitude

    def pair(dx_px: float, dy_px: float = 0) -> list[str]:
        a = {"text": "Hạnh Lâm", "lon": 105.0, "lat": 19.0, "priority": 2}
        width = len(a["text"]) * 0.7 * font  # the drawn width of each name: their edges dx_px apart
        b = {"text": "Nam Đàn", "lon": 105.0 + (width + dx_px) * per_px, "lat": 19.0 - dy_px * lat_px, "priority": 1}
        return [lb["text"] for lb in labels_that_fit([b, a], zoom, font)]

    assert pair(dx_px=4) == ["Hạnh Lâm"]  # nearly touching: the bigger unit's name only
    assert pair(dx_px=30) == ["Hạnh Lâm", "Nam Đàn"]
    assert pair(dx_px=-40, dy_px=14) == ["Hạnh Lâm"]  # one just under the other, overlapping in width
    assert pair(dx_px=-40, dy_px=30) == ["Hạnh Lâm", "Nam Đàn"]


@pytest.mark.skipif(not GADM.exists(), reason=f"{GADM} is not on this machine (it may not be redistributed)")
def test_the_real_gadm_file_replaces_the_districts_it_matches(engine):
    load_boundaries(engine, GADM.read_bytes(), source=GADM.name)
    stored = _stored(engine)
    imported = {c for c, (_, a) in stored.items() if not a}
    assert len(imported) == 20 and "432" not in imported  # Hoàng Mai is not in the file: it keeps its cell
    assert stored["432"][1] is True


def test_the_committed_outlines_are_the_34_provinces_and_hold_every_commune_point_of_nghe_an():
    outlines = shapes.province_outlines()
    assert len(outlines) == 34 and all(g.is_valid and g.area > 0 for g in outlines.values())
    points = shapes.commune_points("40")
    assert len(points) == 130
    assert all(outlines["40"].contains(shapely.Point(p)) for p in points.values())
    assert "Natural Earth" in shapes.outline_source()


@pytest.mark.slow
def test_every_commune_of_the_country_gets_a_cell():
    """The 3,321 communes of the 34 provinces, from the package: none without a shape, even where the
    simplified outline misses a coastal or island commune."""
    units = []
    for code in shapes.province_outlines():
        units += [shapes.ShapeUnit(c, "commune", code) for c in shapes.commune_points(code)]
    made = shapes.approximate_shapes(units)
    assert len(units) == 3321
    assert all(not made[u.code].is_empty for u in units)
