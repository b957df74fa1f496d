"""Unit boundaries for the map, from a GeoJSON FeatureCollection (table `unit_boundary`).

Each feature is matched to a unit by a code property, else by its most specific name property (GADM
files carry NAME_0 … NAME_3: the country, region and province before the unit itself) with the same
tolerance as submissions (diacritics or none, `Ð` for `Đ`, type prefixes). A name two units share (a
district and the commune named after it) is settled by the feature's type (TYPE_3 "Huyện", ENGTYPE_3
"District") or, failing that, by the level the other features matched; otherwise it is reported, never
guessed. The report says what matched, what did not and why, and which units of the matched levels
still have no shape.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field

from domain.text import fold
from loaders.matching import UnitIndex
from storage import frames
from storage.db import Engine
from storage.shapes import replace_boundaries, units_with_boundaries

MAX_BYTES = 200 * 1024 * 1024
_CODE_KEYS = {"code", "ma", "ma dvhc", "unit code", "ma don vi", "ma huyen", "ma xa", "ward code", "district code", "gso code"}
_NAME_KEY = re.compile(r"^(?:(?:var)?name|ten)(?:[ _]?(\d+))?$", re.I)
_TYPE_KEY = re.compile(r"^(?:eng)?type[ _]?(\d+)?$", re.I)
_LEVEL_OF_TYPE = {
    "huyen": "district", "thi xa": "district", "thanh pho": "district", "district": "district", "town": "district",
    "township": "district", "city": "district", "quan": "district", "xa": "commune", "phuong": "commune",
    "thi tran": "commune", "commune": "commune", "ward": "commune", "dac khu": "commune",
}


class BoundaryError(ValueError):
    """The file is not a GeoJSON FeatureCollection this loader can read; `key` is a catalog key."""

    def __init__(self, key: str, **params):
        self.key, self.params = key, params
        super().__init__(key)


@dataclass
class BoundaryReport:
    matched: list[dict] = field(default_factory=list)  # feature, name, unit_code, unit_name, by
    unmatched: list[dict] = field(default_factory=list)  # feature, name, reason, candidates
    without_shape: list[dict] = field(default_factory=list)  # unit_code, unit_name
    stored: int = 0
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {"dry_run": self.dry_run, "stored": self.stored, "matched": self.matched, "unmatched": self.unmatched,
                "without_shape": self.without_shape}


def _features(data: bytes) -> list[dict]:
    if len(data) > MAX_BYTES:
        raise BoundaryError("loaders.boundaries.too_large", max_mb=MAX_BYTES // 1048576)
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BoundaryError("loaders.boundaries.not_json") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        raise BoundaryError("loaders.boundaries.not_collection")
    return doc["features"]


def _name_candidates(props: dict) -> list[tuple[int, str, str]]:
    """(rank, key, name) for every name property, the most specific (highest GADM level) first."""
    out = []
    for key, value in props.items():
        m = _NAME_KEY.match(str(key).replace("-", "_"))
        if m and isinstance(value, str) and value.strip():
            level = int(m.group(1)) if m.group(1) else 99
            out.append((level, key, value))
    return sorted(out, key=lambda x: (-x[0], str(x[1]).lower().startswith("var")))


def _level_hint(props: dict, rank: int) -> str | None:
    for key, value in props.items():
        m = _TYPE_KEY.match(str(key))
        if m and isinstance(value, str) and (m.group(1) is None or int(m.group(1)) == rank or rank == 99):
            level = _LEVEL_OF_TYPE.get(fold(value))
            if level:
                return level
    return None


def _match(index: UnitIndex, props: dict) -> tuple[str, str | None, tuple, str]:
    """(status, unit code, candidates, how) for one feature's properties."""
    for key, value in props.items():
        if fold(str(key)) in _CODE_KEYS and value not in (None, ""):
            res = index.resolve(value)
            if res.status == "ok":
                return "ok", res.code, (), str(key)
    names = _name_candidates(props)
    tried: tuple = ()
    for rank, key, name in names:
        found, level = index.candidates(name)
        if not found:
            continue
        hint = level or _level_hint(props, rank)
        if len(found) > 1 and hint:
            narrowed = {c for c in found if index.units[c].level == hint}
            found = narrowed or found
        if len(found) == 1:
            return "ok", next(iter(found)), (), str(key)
        tried = tuple(sorted(found))
        return "ambiguous", None, tried, str(key)
    return "unknown", None, (), ""


def load_boundaries(engine: Engine, geojson: bytes, source: str = "", dry_run: bool = False) -> BoundaryReport:
    """Match every feature to a unit and (unless `dry_run`) store the matched polygons, replacing a
    unit's earlier shape. Raises BoundaryError for a file that is not a FeatureCollection."""
    features = _features(geojson)
    index = UnitIndex(frames.load_units(engine))
    report = BoundaryReport(dry_run=dry_run)
    results = []
    for i, feature in enumerate(features):
        props = feature.get("properties") or {} if isinstance(feature, dict) else {}
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        label = next((n for _, _, n in _name_candidates(props)), str(props.get("code", i + 1)))
        if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            report.unmatched.append({"feature": i + 1, "name": label, "reason": "not_polygon", "candidates": []})
            continue
        results.append((i, label, props, geometry, *_match(index, props)))
    # A name shared by units of two levels: the level most features matched decides, when it is one level.
    levels = Counter(index.units[code].level for *_, status, code, _, _ in results if status == "ok")
    main_level = levels.most_common(1)[0][0] if levels else None
    shapes: dict[str, tuple[str, dict]] = {}
    for i, label, props, geometry, status, code, candidates, how in results:
        if status == "ambiguous" and main_level:
            same = [c for c in candidates if index.units[c].level == main_level]
            if len(same) == 1:
                status, code = "ok", same[0]
        if status != "ok":
            report.unmatched.append({"feature": i + 1, "name": label, "reason": status, "candidates": list(candidates)})
            continue
        if code in shapes:
            report.unmatched.append({"feature": i + 1, "name": label, "reason": "duplicate", "candidates": [code]})
            continue
        shapes[code] = (label, geometry)
        u = index.units[code]
        report.matched.append({"feature": i + 1, "name": label, "unit_code": code, "unit_name": u.name_vi, "by": how})
    report.unmatched.sort(key=lambda u: u["feature"])
    if not dry_run and shapes:
        report.stored = replace_boundaries(engine, {code: geometry for code, (_, geometry) in shapes.items()}, source)
    have = units_with_boundaries(engine, approximate=False) | set(shapes)  # computed shapes do not count
    matched_levels = {index.units[c].level for c in shapes}
    report.without_shape = [
        {"unit_code": u.code, "unit_name": u.name_vi}
        for u in sorted(index.units.values(), key=lambda u: u.code)
        if u.level in matched_levels and u.code not in have
    ]
    return report
