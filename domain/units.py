"""Reporting units and their history: provinces, district-level units, communes, departments.

A unit has an official code (GSO administrative code; departments get `<province>-<abbreviation>`), a
type, a level, a parent, a validity interval, and where it was merged away, the unit that continued it:
`successor_code` (Cửa Lò 413 -> Vinh 412, a merged department -> the one that absorbed it) and for a
commune created in July 2025 the former district-level unit it lies in (`former_unit_code`).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from domain.text import unaccent

REFERENCE_DIR = Path(__file__).with_name("reference")

# type -> level. Levels are what forms, peer groups and aggregation work with.
TYPE_LEVEL = {
    "province": "province",
    "city": "district",  # thành phố thuộc tỉnh
    "town": "district",  # thị xã
    "district": "district",  # huyện
    "urban_district": "district",  # quận
    "ward": "commune",  # phường
    "commune": "commune",  # xã
    "special_zone": "commune",  # đặc khu
    "department": "department",  # sở, ngành
    "former_province": "former_province",  # a province merged in 2025, until 30/06/2025 (domain/units_history.py)
}
TYPE_VI = {
    "province": "tỉnh",
    "city": "thành phố",
    "town": "thị xã",
    "district": "huyện",
    "urban_district": "quận",
    "ward": "phường",
    "commune": "xã",
    "special_zone": "đặc khu",
    "department": "sở, ngành",
}
_TYPE_FROM_VI = {
    "tỉnh": "province",
    "thành phố trung ương": "province",
    "thành phố": "city",
    "thị xã": "town",
    "huyện": "district",
    "quận": "urban_district",
    "phường": "ward",
    "xã": "commune",
    "đặc khu": "special_zone",
}
_TYPE_EN_SUFFIX = {
    "province": "Province",
    "city": "City",
    "town": "Town",
    "district": "District",
    "urban_district": "District",
    "ward": "Ward",
    "commune": "Commune",
    "special_zone": "Special Zone",
}
LEVELS = ("province", "district", "commune", "department")

# The reform of 2025: district level abolished, communes report directly.
COMMUNES_FROM = dt.date(2025, 7, 1)
DISTRICTS_UNTIL = dt.date(2025, 6, 30)


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name_vi: str
    name_en: str
    type: str
    parent_code: str | None
    province_code: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    former_unit_code: str | None = None
    successor_code: str | None = None
    seat_lat: float | None = None
    seat_lon: float | None = None

    @property
    def level(self) -> str:
        return TYPE_LEVEL[self.type]

    def valid_on(self, day: dt.date) -> bool:
        return valid_between(self.valid_from, self.valid_to, day, day)

    def valid_in(self, period: str) -> bool:
        return valid_in(self.valid_from, self.valid_to, period)


# -- the validity rule: one place -------------------------------------------------------------------------


def _open(d) -> bool:
    """No date: the unit has no start (or no end). NaN/NaT from a frame count as none."""
    return d is None or d != d  # noqa: PLR0124 - NaN and NaT are not equal to themselves


def valid_between(valid_from, valid_to, start: dt.date, end: dt.date) -> bool:
    """Whether a unit valid from `valid_from` to `valid_to` (inclusive; None = open) exists on any day of
    start..end. A unit abolished on the 30th still reports that month; one created on the 1st reports it too."""
    return (_open(valid_from) or valid_from <= end) and (_open(valid_to) or valid_to >= start)


def valid_in(valid_from, valid_to, period: str) -> bool:
    """Whether the unit exists on any day of the month `period` ("YYYY-MM")."""
    from domain.periods import first_day, last_day

    return valid_between(valid_from, valid_to, first_day(period), last_day(period))


def valid_mask(units, start: dt.date, end: dt.date | None = None):
    """For a frame of units (valid_from, valid_to): a boolean Series, True for the units that exist on any
    day of start..end (on `start` when no end is given)."""
    end = start if end is None else end
    return units["valid_from"].map(lambda d: _open(d) or d <= end) & units["valid_to"].map(lambda d: _open(d) or d >= start)


def type_from_vi(label: str) -> str:
    try:
        return _TYPE_FROM_VI[label.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown unit type {label!r}") from None


def base_name(name_vi: str, type_code: str) -> str:
    """The name without its type word: ("Thành phố Vinh", "city") -> "Vinh"."""
    prefix = TYPE_VI.get(type_code, "")
    if prefix and name_vi.lower().startswith(prefix + " "):
        return name_vi[len(prefix) + 1 :]
    return name_vi


def english_name(name_vi: str, type_code: str) -> str:
    """A plain English name as used in international documents: "Huyện Kỳ Sơn" -> "Ky Son District"."""
    return f"{unaccent(base_name(name_vi, type_code))} {_TYPE_EN_SUFFIX[type_code]}"


def _date(text: str) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def nghe_an_units(reference_dir: Path = REFERENCE_DIR) -> list[UnitSpec]:
    """Nghệ An (40) with its 21 district-level units (until 30/06/2025; Cửa Lò until 30/11/2024), its 130
    communes and wards from 01/07/2025, and its provincial departments, from the reference files."""
    province = UnitSpec("40", "Tỉnh Nghệ An", "Nghe An Province", "province", None, "40")
    units = [province]
    with open(reference_dir / "nghe_an_district_level_units_until_2025.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            type_code = type_from_vi(row["type_vi"])
            successor = "412" if row["code"] == "413" else None
            units.append(
                UnitSpec(
                    code=row["code"],
                    name_vi=row["name_vi"],
                    name_en=english_name(row["name_vi"], type_code),
                    type=type_code,
                    parent_code="40",
                    province_code="40",
                    valid_to=_date(row["valid_to"]),
                    successor_code=successor,
                    seat_lat=float(row["seat_lat"]),
                    seat_lon=float(row["seat_lon"]),
                )
            )
    with open(reference_dir / "nghe_an_communes_from_2025-07.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            type_code = type_from_vi(row["division_type"])
            former = row["legacy_district_codes"].split(";")[0]
            units.append(
                UnitSpec(
                    code=row["ward_code"],
                    name_vi=row["name"],
                    name_en=english_name(row["name"], type_code),
                    type=type_code,
                    parent_code="40",
                    province_code="40",
                    valid_from=COMMUNES_FROM,
                    former_unit_code=former,
                    # No official seat coordinates for the new communes: the map places them by their
                    # boundaries when loaded, otherwise near the seat of the former district-level unit.
                    seat_lat=None,
                    seat_lon=None,
                )
            )
    units.extend(departments(reference_dir / "nghe_an_departments.csv", "40"))
    return units


def departments(path: Path, province_code: str) -> list[UnitSpec]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append(
                UnitSpec(
                    code=row["code"],
                    name_vi=row["name_vi"],
                    name_en=row["name_en"],
                    type="department",
                    parent_code=province_code,
                    province_code=province_code,
                    valid_from=_date(row["valid_from"]),
                    valid_to=_date(row["valid_to"]),
                    successor_code=row["successor_code"] or None,
                )
            )
    return out


def province_units_from_package(province_code: int | str) -> list[UnitSpec]:
    """A province and its current communes (valid from 01/07/2025) from the `vietnam-provinces` package,
    so that the dashboard can be set up for any of the 34 provinces. Departments are the administrator's."""
    from vietnam_provinces import Province, ProvinceCode, Ward

    try:
        province = Province.from_code(ProvinceCode(int(province_code)))
    except ValueError:
        raise ValueError(f"no province with code {province_code!r} in vietnam-provinces") from None
    pcode = f"{int(province.code):02d}"
    central = province.division_type.value == "thành phố trung ương"
    plain = province.name.removeprefix("Thành phố ").removeprefix("Tỉnh ")
    pname = f"Thành phố {plain}" if central else f"Tỉnh {plain}"
    pname_en = f"{unaccent(plain)} {'City' if central else 'Province'}"
    units = [UnitSpec(pcode, pname, pname_en, "province", None, pcode)]
    for ward in sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code)):
        type_code = type_from_vi(ward.division_type.value)
        units.append(
            UnitSpec(
                code=f"{int(ward.code):05d}",
                name_vi=ward.name,
                name_en=english_name(ward.name, type_code),
                type=type_code,
                parent_code=pcode,
                province_code=pcode,
                valid_from=COMMUNES_FROM,
            )
        )
    return units
