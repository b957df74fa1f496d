"""Matching what a file calls a unit to a unit we hold: by code, or by name regardless of case, spacing,
diacritics, NFC/NFD, `Ð` for `Đ`, type prefixes (Huyện, H., Thị xã, TX, Thành phố, TP, Xã, Phường, P.),
"UBND" in front, the province after, English names, and departments' usual abbreviations (Sở GD&ĐT).

Names are matched against every unit the province ever had, then narrowed to the units valid in the
month. A name that belongs only to a unit no longer (or not yet) valid is not re-routed to another unit:
it is reported with what reports instead (Cửa Lò after 30/11/2024: "since 01/12/2024 it reports as part
of Thành phố Vinh"). Two units valid in the month under one name are reported as ambiguous, never guessed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from domain import periods
from domain.text import fold, strip_type_prefix, unaccent
from domain.units import valid_between

# Type prefixes and the level each one names (a prefix that names a level narrows the match to it).
_PREFIX_LEVEL = re.compile(
    r"^(thanh pho|thi xa|thi tran|dac khu|huyen|phuong|tinh|xa|tp|tx|tt|h|p|x)(?:\s+|\s*\.\s*)"
)
_LEVEL_OF_PREFIX = {
    "thanh pho": "district", "tp": "district", "thi xa": "district", "tx": "district", "huyen": "district",
    "h": "district", "thi tran": "commune", "tt": "commune", "dac khu": "commune", "phuong": "commune",
    "p": "commune", "xa": "commune", "x": "commune", "tinh": "province",
}
_COMMITTEE = re.compile(r"^(?:ubnd|uy ban nhan dan)\s+")
_EN_SUFFIX = re.compile(r"\s+(?:district|town|city|ward|commune|province|special zone)$")
_NUMERIC = re.compile(r"^\d+(?:\.0+)?$")


@dataclass(frozen=True)
class UnitInfo:
    code: str
    name_vi: str
    name_en: str
    type: str
    level: str
    valid_from: dt.date | None
    valid_to: dt.date | None
    successor_code: str | None
    former_unit_code: str | None

    def valid_in(self, period: str) -> bool:
        return valid_between(self.valid_from, self.valid_to, *_bounds(period))  # domain.units.valid_in, month bounds remembered


@lru_cache(maxsize=1024)
def _bounds(period: str) -> tuple[dt.date, dt.date]:
    return periods.first_day(period), periods.last_day(period)


@dataclass(frozen=True)
class Resolution:
    status: str  # ok | unknown | ambiguous | not_valid | not_yet_valid
    code: str | None = None
    candidates: tuple[str, ...] = ()


def _initials(words: list[str]) -> str:
    return "".join(w[0] for w in words if w and w not in ("va", "and", "of"))


class UnitIndex:
    """Every unit of the database, indexed by code, digits and name keys."""

    def __init__(self, units: pd.DataFrame):
        self.frame = units
        self._memo: dict[tuple, tuple[frozenset[str], str | None]] = {}
        self._resolved: dict[tuple, Resolution] = {}  # (type, text, month) -> resolution: files of a batch repeat them
        self.units: dict[str, UnitInfo] = {}
        for r in units.itertuples(index=False):
            self.units[r.code] = UnitInfo(
                r.code, r.name_vi, r.name_en, r.type, r.level, _date(r.valid_from), _date(r.valid_to),
                _none(r.successor_code), _none(r.former_unit_code),
            )
        self._by_code_folded = {c.lower(): c for c in self.units}
        self._by_number: dict[int, list[str]] = {}
        for code in self.units:
            if code.isdigit():
                self._by_number.setdefault(int(code), []).append(code)
        self._by_name: dict[str, set[str]] = {}
        self._by_abbreviation: dict[str, set[str]] = {}
        provinces = [u for u in self.units.values() if u.level == "province"]
        self._province_suffixes = sorted(
            {s for p in provinces for s in (" tinh " + strip_type_prefix(p.name_vi), " " + strip_type_prefix(p.name_vi))}
            | {" tinh"},
            key=len,
            reverse=True,
        )
        for u in self.units.values():
            for key in {strip_type_prefix(u.name_vi), fold(u.name_vi), fold(u.name_en), _EN_SUFFIX.sub("", fold(u.name_en))}:
                if key:
                    self._by_name.setdefault(key, set()).add(u.code)
            if u.level == "department":
                words = fold(u.name_vi).split()
                if words and words[0] == "so":
                    words = words[1:]
                if words and words[-1] == "tinh":
                    words = words[:-1]
                self._by_abbreviation.setdefault(_initials(words), set()).add(u.code)
                suffix = u.code.split("-", 1)[-1].lower()
                self._by_abbreviation.setdefault(suffix, set()).add(u.code)

    def __getstate__(self) -> dict:
        # Sent to a worker process (loaders.pool) without what it has resolved so far (the index is kept for
        # the process by `unit_index`, and its memo grows with every upload).
        return {**self.__dict__, "_memo": {}, "_resolved": {}}

    def get(self, code: str) -> UnitInfo:
        return self.units[code]

    # -- lookup ---------------------------------------------------------------------------------------

    def candidates(self, text) -> tuple[set[str], str | None]:
        """Units a cell may mean (any validity), and the level its type prefix names, if any. Remembered per
        text: a bulk load names the same units month after month."""
        if text is None:
            return set(), None
        key = (type(text), text)
        if key not in self._memo:
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[key] = self._candidates(text)
        found, level = self._memo[key]
        return set(found), level

    def _candidates(self, text) -> tuple[frozenset[str], str | None]:
        found, level = self._lookup(text)
        return frozenset(found), level

    def _lookup(self, text) -> tuple[set[str], str | None]:
        if isinstance(text, float) and text.is_integer():
            text = int(text)
        raw = unaccent(str(text)).strip()
        if not raw:
            return set(), None
        exact = self._by_code_folded.get(raw.lower())
        if exact:
            return {exact}, None
        if _NUMERIC.match(raw):
            return set(self._by_number.get(int(float(raw)), [])), None
        plain = _COMMITTEE.sub("", re.sub(r"\s+", " ", raw.lower().replace("\u00a0", " ")))
        m = _PREFIX_LEVEL.match(plain)
        level = _LEVEL_OF_PREFIX[m.group(1)] if m else None
        keys = [strip_type_prefix(plain), fold(plain), _EN_SUFFIX.sub("", fold(plain))]
        for key in list(keys):
            for suffix in self._province_suffixes:
                if key.endswith(suffix) and len(key) > len(suffix):
                    keys.append(key[: -len(suffix)].strip())
        found: set[str] = set()
        for key in keys:
            found |= self._by_name.get(key, set())
        if level:
            found = {c for c in found if self.units[c].level == level}
        if not found:
            found = self._abbreviation(plain)
        return found, level

    def _abbreviation(self, plain: str) -> set[str]:
        """Departments written as their usual abbreviation: "Sở GD&ĐT", "SYT", "BHXH tỉnh", "CA tỉnh"."""
        words = fold(plain).split()
        if words and words[0] == "so":
            words = words[1:]
        if words and words[-1] == "tinh":
            words = words[:-1]
        if not words or len(words) > 4 or any(len(w) > 6 for w in words):
            return set()
        return set(self._by_abbreviation.get("".join(words), set()))

    def resolve(self, text, period: str | None = None) -> Resolution:
        try:
            key = (type(text), text, period)
            return self._resolved[key]
        except KeyError:
            if len(self._resolved) > 50_000:
                self._resolved.clear()
            out = self._resolved[key] = self._resolve(text, period)
            return out
        except TypeError:  # an unhashable value
            return self._resolve(text, period)

    def _resolve(self, text, period: str | None) -> Resolution:
        found, _level = self.candidates(text)
        if not found:
            return Resolution("unknown")
        if period is None:
            if len(found) == 1:
                return Resolution("ok", next(iter(found)))
            return Resolution("ambiguous", candidates=tuple(sorted(found)))
        valid = sorted(c for c in found if self.units[c].valid_in(period))
        if len(valid) == 1:
            return Resolution("ok", valid[0])
        if len(valid) > 1:
            return Resolution("ambiguous", candidates=tuple(valid))
        # Only units outside their validity: explain the nearest one in time.
        start = _bounds(period)[0]

        def distance(code: str) -> int:
            u = self.units[code]
            if u.valid_to is not None and u.valid_to < start:
                return (start - u.valid_to).days
            if u.valid_from is not None:
                return (u.valid_from - start).days
            return 10**6

        nearest = min(sorted(found), key=distance)
        u = self.units[nearest]
        status = "not_valid" if u.valid_to is not None and u.valid_to < start else "not_yet_valid"
        return Resolution(status, nearest, tuple(sorted(found)))

    # -- what replaced a unit -------------------------------------------------------------------------

    def successors_of(self, code: str) -> list[str]:
        """The unit(s) reporting for `code`'s area after it ended: its successor, else the units created
        from it (the communes of a former district)."""
        u = self.units[code]
        if u.successor_code:
            return [u.successor_code]
        return sorted(c for c, v in self.units.items() if v.former_unit_code == code)


def _date(value) -> dt.date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _none(value):
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return value


_INDEXES: dict[tuple, UnitIndex] = {}
_INDEXED = ("code", "name_vi", "name_en", "type", "level", "valid_from", "valid_to", "successor_code", "former_unit_code")


def unit_index(units: pd.DataFrame) -> UnitIndex:
    """`UnitIndex(units)`, kept for the process while the units are the same (every upload and every bulk
    load builds one from the same table; building it folds every name, about 5 ms for a province, and what
    it has resolved is remembered with it)."""
    key = tuple((c, tuple(None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in units[c].tolist()))
                for c in _INDEXED if c in units.columns)
    index = _INDEXES.get(key)
    if index is None:
        if len(_INDEXES) >= 4:
            _INDEXES.clear()
        index = _INDEXES[key] = UnitIndex(units)
    return index
