"""The levels a figure can be asked for, each as a static map from reporting unit to group; whether a unit
counts in a month is its own validity (DOMAIN.md §2, §4).

- `district`: district-level units as they were; each month only those valid.
- `commune`: communes and wards (from 07/2025).
- `department`: provincial departments (reported beside localities, never added into the province).
- `former_district`: the district-level areas: before 07/2025 the district itself, after it the sum of the
  communes that came from it (`former_unit_code`). Cửa Lò (413) is its own area until 11/2024 and then
  inside Vinh (412), which reported for both.
- `province`: the province's localities together: its district-level units before 07/2025, its communes
  after. Departments are never in it. For a province formed by merging provinces in 2025 this is the whole
  new province throughout: the district-level units of every province it was formed from, then its communes.
- `former_province`: each province a merged province was formed from (domain/units_history.py): before
  07/2025 its district-level units, after it the communes that came from them (through their former
  district-level unit). Empty where the province was not merged.

`merged=True` folds a unit that was merged away into the unit that continued it (`successor_code`,
followed to its end) for the whole history: Vinh with Cửa Lò's history inside it from 01/2024, a
department with the departments it absorbed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from metrics.cube import Cube

LEVELS = ("province", "district", "former_district", "commune", "department", "former_province")
LOCALITY_LEVELS = ("district", "commune")
REPORTING_LEVELS = ("district", "commune", "department")


@dataclass(frozen=True, eq=False)
class Grouping:
    level: str
    merged: bool
    group_unit: np.ndarray  # int (n_g,) index of the unit each group is named by
    unit_group: np.ndarray  # int (n_u,) group of each reporting unit, −1 when not in this level

    @property
    def n_groups(self) -> int:
        return len(self.group_unit)

    @property
    def is_identity(self) -> bool:
        """Each group is exactly one unit (no sums across units needed)."""
        members = self.unit_group[self.unit_group >= 0]
        return len(members) == self.n_groups and len(np.unique(members)) == len(members)


def _own_or_successor(cube: Cube, members: np.ndarray, merged: bool) -> np.ndarray:
    """Group unit of each member: itself, or with `merged` the unit that finally continued it."""
    own = np.arange(cube.n_units)
    if merged:
        own = np.where(cube.successor >= 0, cube.successor, own)
    return np.where(members, own, -1)


def grouping(cube: Cube, level: str, merged: bool = False) -> Grouping:
    lv = cube.unit_level
    if level in REPORTING_LEVELS:
        target = _own_or_successor(cube, lv == level, merged)
        # A successor outside the level (not expected) keeps the unit on its own.
        if merged:
            bad = (target >= 0) & (lv[np.maximum(target, 0)] != level)
            target = np.where(bad, np.arange(cube.n_units), target)
    elif level == "former_district":
        districts = _own_or_successor(cube, lv == "district", merged)
        communes = (lv == "commune") & (cube.former >= 0)
        former = cube.former.copy()
        if merged:
            succ = cube.successor[np.maximum(former, 0)]
            former = np.where((former >= 0) & (succ >= 0), succ, former)
        target = np.where(communes, former, districts)
    elif level == "former_province":
        is_former = np.append(lv == "former_province", False)
        district_parent = np.where(lv == "district", cube.parent, -1)
        commune_parent = np.where((lv == "commune") & (cube.former >= 0), cube.parent[np.maximum(cube.former, 0)], -1)
        target = np.where(district_parent >= 0, district_parent, commune_parent)
        target = np.where(is_former[target], target, -1)  # (-1 indexes the appended False)
    elif level == "province":
        target = np.where(np.isin(lv, LOCALITY_LEVELS), cube.province_unit, -1)
    else:
        raise ValueError(f"unknown level {level!r}; levels are {', '.join(LEVELS)}")
    target = target.astype(np.int64)
    group_units, unit_group = np.unique(target[target >= 0], return_inverse=True)
    out = np.full(cube.n_units, -1, dtype=np.int64)
    out[target >= 0] = unit_group
    return Grouping(level=level, merged=merged, group_unit=group_units.astype(np.int64), unit_group=out)


def predecessor_pairs(cube: Cube, grouping_: Grouping) -> tuple[np.ndarray, np.ndarray]:
    """(group, unit) pairs: the units a group continues where it did not exist before. A commune continues
    its former district-level unit; a unit that absorbed others continues them. Used to start the glide
    path of a unit created during the year."""
    pos = np.full(cube.n_units, -1, dtype=np.int64)
    pos[grouping_.group_unit] = np.arange(grouping_.n_groups)
    g_former = pos[np.flatnonzero(cube.former >= 0)]
    u_former = cube.former[cube.former >= 0]
    absorbed = np.flatnonzero(cube.successor >= 0)
    g_succ = pos[cube.successor[absorbed]]
    g = np.concatenate([g_former, g_succ])
    u = np.concatenate([u_former, absorbed])
    keep = g >= 0
    return g[keep], u[keep]
