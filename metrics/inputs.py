"""What every metric is computed from, bundled once so that pages, reports and the CLI call the engine the
same way: `Inputs(**storage.frames.metric_frames(engine))`.

The dense cube (unit × month × element) is built on first use and kept on the bundle, so that a page that
asks for a month, a year to date and a trend pays for reading the long frame once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pandas as pd

from domain.registry import Registry
from metrics.config import MetricsConfig
from metrics.cube import Cube, build_cube

UNIT_COLUMNS = ("code", "level", "province_code", "valid_from", "valid_to", "former_unit_code", "successor_code")
VALUE_COLUMNS = ("unit_code", "period", "element_code", "value")
TARGET_COLUMNS = ("indicator_code", "year", "unit_code", "value")
SCOPE_COLUMNS = ("unit_code", "period", "submission_id", "form_code", "received_at")


def _require(frame: pd.DataFrame, columns: tuple[str, ...], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: missing column(s) {', '.join(missing)}")


@dataclass(frozen=True, eq=False)
class Inputs:
    """The frames of `storage.frames` (units with history, long values, targets, submission scope), the
    registry and the effective settings. `province_code` restricts everything to one province; None keeps
    every province in `units` (each still its own peer group)."""

    units: pd.DataFrame
    values: pd.DataFrame
    registry: Registry
    targets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(TARGET_COLUMNS)))
    scope: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(SCOPE_COLUMNS)))
    settings: Mapping[str, Any] = field(default_factory=dict)
    province_code: str | None = None

    def __post_init__(self) -> None:
        _require(self.units, UNIT_COLUMNS, "units")
        _require(self.values, VALUE_COLUMNS, "values")
        _require(self.targets, TARGET_COLUMNS, "targets")
        _require(self.scope, SCOPE_COLUMNS, "scope")
        if self.province_code is not None:
            units = self.units[self.units["province_code"] == self.province_code]
            if units.empty:
                raise ValueError(f"no unit of province {self.province_code!r}")
            object.__setattr__(self, "units", units)

    @cached_property
    def config(self) -> MetricsConfig:
        return MetricsConfig.from_settings(self.settings)

    @cached_property
    def cube(self) -> Cube:
        return build_cube(self.units, self.values, self.registry)

    def seed_cube(self, cube: Cube) -> None:
        """Hold `cube` (made by metrics.cube.patch_cube from an earlier bundle's) instead of building one on
        first use. The caller vouches that it is the cube of these units, values and registry."""
        self.__dict__["cube"] = cube

    @cached_property
    def value_rows(self) -> dict[str, "np.ndarray"]:
        """Row positions of `values` per period, built on first use like the cube (the review's lineage reads
        one month's values without scanning every month's)."""
        import numpy as np

        codes, uniques = pd.factorize(self.values["period"])
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        return {str(p): order[bounds[k]:bounds[k + 1]] for k, p in enumerate(uniques)}

    @property
    def latest_period(self) -> str | None:
        """The latest month any unit of these inputs reported."""
        return self.cube.last_period

