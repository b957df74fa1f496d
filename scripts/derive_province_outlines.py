"""Derive the committed province outlines (domain/reference/geo/provinces_2025.geojson) from Natural Earth.

Run once by a maintainer, never at run time (the app reads the committed file):

    apt-get install -y qgis-common        # ships Natural Earth's admin-1 layer inside world_map.gpkg
    .venv/bin/python scripts/derive_province_outlines.py [path/to/world_map.gpkg]

Source: Natural Earth admin-1 "states_provinces" (public domain), rows adm0_a3 = 'VNM': the 63 provinces
before the reform of 2025. The 34 provinces of the reform (Resolution 202/2025/QH15) are mergers of whole
former provinces, so each is the union of its former provinces' shapes; which former provinces make up a new
one is read from the `vietnamadminunits` package (MIT, converter_2025.json), and the new official codes from
its `admin_units` table. The result is simplified (about 1 km) and rounded to 4 decimals to stay small.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import shapely
from shapely.geometry import mapping

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.text import fold  # noqa: E402

GPKG = Path("/usr/share/qgis/resources/data/world_map.gpkg")
OUT = ROOT / "domain" / "reference" / "geo" / "provinces_2025.geojson"
SIMPLIFY_DEGREES = 0.01
# Natural Earth spells a few provinces differently from the official name (or names the region): the
# official key (as vietnamadminunits folds it, without the type word) for each.
NE_ALIASES = {"thuathienhue": "hue"}
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _key(name: str) -> str:
    k = fold(name).replace(" ", "").replace("-", "")
    for prefix in ("thanhpho", "tinh", "huyen"):
        k = k.removeprefix(prefix)
    return NE_ALIASES.get(k, k)


def _gpkg_geometry(blob: bytes):
    """A GeoPackage geometry blob: 'GP', version, flags, srs id, envelope, then standard WKB."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry")
    flags = blob[3]
    envelope = _ENVELOPE_BYTES[(flags >> 1) & 0b111]
    return shapely.from_wkb(bytes(blob[8 + envelope:]))


def natural_earth_provinces(gpkg: Path) -> dict[str, object]:
    """Former-province key -> geometry, for the 63 Vietnamese rows of Natural Earth admin-1."""
    with sqlite3.connect(gpkg) as conn:
        rows = conn.execute("SELECT gn_name, name, geom FROM states_provinces WHERE adm0_a3 = 'VNM'").fetchall()
    out = {}
    for gn_name, name, geom in rows:
        out[_key(gn_name or name)] = shapely.make_valid(_gpkg_geometry(geom))
    return out


def reform_provinces() -> list[dict]:
    """The 34 provinces: official code, name and the keys of the former provinces merged into each."""
    import vietnamadminunits

    data = Path(vietnamadminunits.__file__).with_name("data")
    merges = json.loads((data / "converter_2025.json").read_text(encoding="utf-8"))["DICT_PROVINCE"]
    with sqlite3.connect(data / "dataset.db") as conn:
        names = dict(conn.execute("SELECT DISTINCT provinceKey, provinceCode || '|' || province FROM admin_units"))
    out = []
    for new_key, old_keys in sorted(merges.items()):
        code, name = names[new_key].split("|", 1)
        out.append({"code": code, "name_vi": name, "former": [_key(k) for k in old_keys]})
    return sorted(out, key=lambda p: p["code"])


def main(argv: list[str]) -> int:
    gpkg = Path(argv[0]) if argv else GPKG
    shapes = natural_earth_provinces(gpkg)
    provinces = reform_provinces()
    used = set()
    features = []
    for p in provinces:
        missing = [k for k in p["former"] if k not in shapes]
        if missing:
            raise SystemExit(f"{p['name_vi']}: no Natural Earth shape for {missing}")
        used.update(p["former"])
        geom = shapely.union_all([shapes[k] for k in p["former"]])
        geom = shapely.make_valid(shapely.simplify(geom, SIMPLIFY_DEGREES, preserve_topology=True))
        geom = shapely.set_precision(geom, 0.0001)
        features.append({"type": "Feature", "properties": {"code": p["code"], "name_vi": p["name_vi"]},
                         "geometry": mapping(geom)})
    unused = sorted(set(shapes) - used)
    if unused:
        raise SystemExit(f"Natural Earth provinces not placed in any new province: {unused}")
    doc = {
        "type": "FeatureCollection",
        "source": "Natural Earth admin-1 states_provinces (public domain, naturalearthdata.com), via Debian "
                  "qgis-common world_map.gpkg; merged into the 34 provinces of 2025 per vietnamadminunits 1.0.4 "
                  "(MIT); simplified to about 1 km. Derived by scripts/derive_province_outlines.py.",
        "licence": "Public domain (Natural Earth)",
        "features": features,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    OUT.write_text(text + "\n", encoding="utf-8")
    print(f"{len(features)} provinces from {len(used)} former provinces -> {OUT} ({len(text) // 1024} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
