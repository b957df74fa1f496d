"""Geometry for the map, in plain Python: thinning polygons to what a province-wide view can show,
placing communes (which have no coordinates of their own) around their former district's seat, and
the view that frames it all. Nothing here draws or fetches anything."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

KM_PER_DEGREE_LAT = 110.574
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def _douglas_peucker(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Keep the points a line needs to stay within `tolerance` (degrees) of the original."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        i, j = stack.pop()
        (x1, y1), (x2, y2) = points[i], points[j]
        dx, dy = x2 - x1, y2 - y1
        norm = math.hypot(dx, dy)
        far, index = -1.0, -1
        for k in range(i + 1, j):
            x, y = points[k]
            d = abs(dy * (x - x1) - dx * (y - y1)) / norm if norm else math.hypot(x - x1, y - y1)
            if d > far:
                far, index = d, k
        if far > tolerance:
            keep[index] = True
            stack += [(i, index), (index, j)]
    return [p for p, k in zip(points, keep) if k]


def _thin_ring(ring: Sequence[Sequence[float]], tolerance: float) -> list[list[float]]:
    """A ring simplified to `tolerance` degrees (0.003 ≈ 300 m, below a pixel at province zoom) and
    rounded to 4 decimals; a ring that collapses below a triangle is dropped."""
    pts = [(float(p[0]), float(p[1])) for p in ring]
    if len(pts) > 3 and pts[0] == pts[-1]:
        pts = pts[:-1]
    # Split the closed ring at its farthest point so that both halves are open lines.
    far = max(range(len(pts)), key=lambda k: (pts[k][0] - pts[0][0]) ** 2 + (pts[k][1] - pts[0][1]) ** 2) if pts else 0
    half1 = _douglas_peucker(pts[: far + 1], tolerance)
    half2 = _douglas_peucker(pts[far:] + pts[:1], tolerance)
    out = [[round(x, 4), round(y, 4)] for x, y in half1[:-1] + half2]
    return out if len(out) >= 4 else []


def polygons(geometry: dict, tolerance: float = 0.003) -> list[list[list[list[float]]]]:
    """A GeoJSON Polygon or MultiPolygon as a list of polygons, each a list of rings ([lon, lat] points,
    outer ring first), simplified for a province-wide map."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    parts = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    out = []
    for part in parts:
        rings = [r for r in (_thin_ring(ring, tolerance) for ring in part) if r]
        if rings:
            out.append(rings)
    return out


def around(lat: float, lon: float, n: int, spacing_km: float = 2.6) -> list[tuple[float, float]]:
    """`n` points spread evenly around (lat, lon) in a sunflower pattern (the first nearest the centre),
    about `spacing_km` apart: a deterministic, readable arrangement for units without coordinates."""
    km_per_degree_lon = KM_PER_DEGREE_LAT * math.cos(math.radians(lat))
    out = []
    for i in range(n):
        r = spacing_km * math.sqrt(i + 0.5)
        a = i * GOLDEN_ANGLE
        out.append((lat + r * math.sin(a) / KM_PER_DEGREE_LAT, lon + r * math.cos(a) / km_per_degree_lon))
    return out


def view(points: Iterable[tuple[float, float]], width_px: int = 700, height_px: int = 560) -> dict:
    """latitude, longitude and zoom that frame `points` ((lat, lon) pairs) in a map of about this size."""
    pts = list(points)
    if not pts:
        return {"latitude": 0.0, "longitude": 0.0, "zoom": 1.0}
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    lon_span = max(lon1 - lon0, 0.05) * 1.15
    # Web Mercator as deck.gl draws it: the world is 512 px wide at zoom 0, and a degree of latitude is
    # 1/cos(lat) longer than one of longitude.
    lat_span = max(lat1 - lat0, 0.05) * 1.15 / math.cos(math.radians((lat0 + lat1) / 2))
    zoom = min(math.log2(360 * width_px / (512 * lon_span)), math.log2(360 * height_px / (512 * lat_span)))
    return {"latitude": (lat0 + lat1) / 2, "longitude": (lon0 + lon1) / 2, "zoom": round(zoom, 2)}


def hex_rgb(colour: str, alpha: int = 255) -> list[int]:
    c = colour.lstrip("#")
    return [int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16), alpha]


# A sequential ramp (light yellow -> dark blue, readable in greyscale too) for colouring by value.
RAMP = ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84")


def ramp_colour(x: float, lo: float, hi: float, alpha: int = 220) -> list[int]:
    """The ramp's colour for `x` within [lo, hi], interpolated between its stops."""
    if hi <= lo:
        t = 1.0
    else:
        t = min(max((x - lo) / (hi - lo), 0.0), 1.0)
    pos = t * (len(RAMP) - 1)
    i = min(int(pos), len(RAMP) - 2)
    f = pos - i
    a, b = hex_rgb(RAMP[i]), hex_rgb(RAMP[i + 1])
    return [round(a[k] + (b[k] - a[k]) * f) for k in range(3)] + [alpha]


def _pixel(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixel position at `zoom` (deck.gl's world is 512 px wide at zoom 0)."""
    size = 512 * 2 ** zoom
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))
    return (lon + 180) / 360 * size, (1 - y / math.pi) / 2 * size


def labels_that_fit(labels: Sequence[dict], zoom: float, font_px: float = 12) -> list[dict]:
    """The labels that can be drawn at `zoom` with room between them, highest priority first (each label a
    dict with text, lon, lat and priority, a number or a tuple); the others are left to the tooltip. A
    label's box is estimated from its length (about 0.7 em a letter, as the bold halo-drawn glyphs measure)
    and a line of 1.4 em (a Vietnamese letter may carry a mark above and one below), kept clear by half an
    em on either side and a quarter em above and below (room for the white halo and the eye): two names side
    by side stay at least an em apart, never reading as one."""
    kept, boxes = [], []
    for label in sorted(labels, key=lambda lb: lb["priority"], reverse=True):
        x, y = _pixel(label["lon"], label["lat"], zoom)
        half_w, half_h = len(label["text"]) * 0.35 * font_px + font_px / 2, 0.7 * font_px + font_px / 4
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        if all(box[2] < b[0] or b[2] < box[0] or box[3] < b[1] or b[3] < box[1] for b in boxes):
            boxes.append(box)
            kept.append(label)
    return kept
