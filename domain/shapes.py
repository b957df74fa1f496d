"""Approximate shapes for the map, made from openly licensed data that ships with the project or its
dependencies, so that a fresh install draws a real map with no internet and no boundary file:

- the province outlines: `reference/geo/provinces_2025.geojson`, derived once from Natural Earth admin-1
  (public domain) by `scripts/derive_province_outlines.py` (the 34 provinces of 2025 are unions of whole
  former provinces);
- a point for every commune of the 2025 reform (latitude, longitude, official code) from the installed
  `vietnamadminunits` package (MIT, its `data/dataset.db`);
- each commune's shape is its Voronoi cell (the land nearer its point than any other commune's point),
  clipped to the province outline; a former district-level unit is the union of the cells of the communes
  that lie in it. A district merged away before the reform (Cửa Lò, 413, into Vinh, 412, on 01/12/2024) is
  the cells of its successor's communes that carry its name (Phường Cửa Lò), and is taken out of the
  successor's own shape; `shape_in_month` adds it back for the months after the merger.

These are approximations (a cell follows no river or ridge), marked as such wherever they are shown;
an imported boundary file (`python cli.py boundaries FILE.geojson`) replaces them unit by unit.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

from domain.text import fold
from domain.units import base_name

OUTLINES_FILE = Path(__file__).with_name("reference") / "geo" / "provinces_2025.geojson"
GRID = 1e-5  # degrees (about 1 m): shapes are stored on this grid, so that shared edges stay shared
APPROXIMATE_SOURCE = "vietnamadminunits 1.0.4 (MIT) + Natural Earth (public domain)"


@dataclass(frozen=True)
class ShapeUnit:
    """What the shapes need to know of a unit."""

    code: str
    level: str
    province_code: str
    name_vi: str = ""
    type: str = ""
    former_unit_code: str | None = None
    successor_code: str | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


@lru_cache(maxsize=1)
def _outline_file() -> dict:
    return json.loads(OUTLINES_FILE.read_text(encoding="utf-8"))


def outline_source() -> str:
    return _outline_file()["source"]


@lru_cache(maxsize=1)
def province_outlines() -> dict[str, shapely.Geometry]:
    """Province code ("40") -> its outline (the 34 provinces of 2025)."""
    return {f["properties"]["code"]: shape(f["geometry"]) for f in _outline_file()["features"]}


def province_names() -> dict[str, str]:
    return {f["properties"]["code"]: f["properties"]["name_vi"] for f in _outline_file()["features"]}


def _package_db() -> Path:
    import vietnamadminunits

    return Path(vietnamadminunits.__file__).with_name("data") / "dataset.db"


def commune_points(province_code: str) -> dict[str, tuple[float, float]]:
    """Commune code (5 digits) -> (lon, lat) of its point, for one province of the 2025 scheme."""
    with sqlite3.connect(f"file:{_package_db()}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT wardCode, wardLon, wardLat FROM admin_units WHERE provinceCode = ?",
                            (f"{int(province_code):02d}",)).fetchall()
    return {f"{int(code):05d}": (float(lon), float(lat)) for code, lon, lat in rows if lon is not None and lat is not None}


def _snap(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.make_valid(shapely.set_precision(geom, GRID))


def commune_cells(outline: shapely.Geometry, points: Mapping[str, tuple[float, float]]) -> dict[str, shapely.Geometry]:
    """Each point's Voronoi cell clipped to the outline. A point outside the (simplified) outline, as
    on a small island, keeps a small disc of land around it so that every commune has a shape."""
    if not points:
        return {}
    codes = sorted(points)
    seen: dict[tuple[float, float], int] = {}
    coords = []
    for code in codes:  # two communes at one point would share one cell: nudge the later ones apart
        x, y = points[code]
        n = seen.get((x, y), 0)
        seen[(x, y)] = n + 1
        coords.append((x + 0.002 * n, y + 0.002 * n))
    pts = shapely.points(coords)
    outside = [p for p in pts if not outline.contains(p)]
    region = shapely.union_all([outline, *[p.buffer(0.02, quad_segs=4) for p in outside]]) if outside else outline
    if len(coords) == 1:
        return {codes[0]: _snap(region)}
    minx, miny, maxx, maxy = region.bounds
    frame = shapely.box(minx - 1, miny - 1, maxx + 1, maxy + 1)
    cells = shapely.voronoi_polygons(shapely.multipoints(coords), extend_to=frame, ordered=True)
    out = {}
    for code, cell in zip(codes, shapely.get_parts(cells)):
        out[code] = _snap(shapely.intersection(cell, region))
    return out


def _merged_into(units: Iterable[ShapeUnit]) -> dict[str, list[ShapeUnit]]:
    out: dict[str, list[ShapeUnit]] = {}
    for u in units:
        if u.successor_code and u.level == "district":
            out.setdefault(u.successor_code, []).append(u)
    return out


def approximate_shapes(units: Iterable[ShapeUnit]) -> dict[str, shapely.Geometry]:
    """Unit code -> approximate shape, for every commune with a point and every district-level unit with
    communes, in every province of `units` that has an outline."""
    units = list(units)
    outlines = province_outlines()
    out: dict[str, shapely.Geometry] = {}
    for province in sorted({u.province_code for u in units}):
        if province not in outlines:
            continue
        communes = [u for u in units if u.province_code == province and u.level == "commune"]
        points = commune_points(province)
        cells = commune_cells(outlines[province], {u.code: points[u.code] for u in communes if u.code in points})
        out.update(cells)
        districts = [u for u in units if u.province_code == province and u.level == "district"]
        commune_names = {c.code: fold(base_name(c.name_vi, c.type)) for c in communes}
        members = {d.code: [c.code for c in communes if c.former_unit_code == d.code and c.code in cells] for d in districts}
        # A district merged away before the reform has no commune of its own: it is its successor's
        # communes that carry its name.
        for successor, merged in _merged_into(districts).items():
            for d in merged:
                if members.get(d.code):
                    continue
                name = fold(base_name(d.name_vi, d.type))
                mine = [c for c in members.get(successor, []) if commune_names[c] == name]
                if mine:
                    members[d.code] = mine
                    members[successor] = [c for c in members[successor] if c not in mine]
        for code, parts in members.items():
            if parts:
                out[code] = _snap(shapely.union_all([cells[c] for c in parts]))
    return out


def shape_in_month(code: str, shapes: Mapping[str, object], units: Mapping[str, ShapeUnit], day: dt.date) -> list:
    """The parts that make up unit `code` on `day`: its own shape plus those of the units merged into it
    before that day (Cửa Lò into Vinh from 12/2024), followed down the chain. Shapes are opaque here."""
    parts = [shapes[code]] if code in shapes else []
    for u in units.values():
        if u.successor_code == code and u.valid_to is not None and u.valid_to < day and u.level == units[code].level:
            parts += shape_in_month(u.code, shapes, units, day)
    return parts


def to_geojson(geom: shapely.Geometry) -> dict:
    """A shape as a GeoJSON geometry (Polygon or MultiPolygon), coordinates on the storage grid."""
    polys = [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon" and not g.is_empty]
    if not polys:
        polys = [g for p in shapely.get_parts(geom) for g in shapely.get_parts(p) if g.geom_type == "Polygon"]
    merged = polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)
    return json.loads(json.dumps(mapping(merged)))
