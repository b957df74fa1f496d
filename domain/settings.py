"""Declared settings (settings.toml) and their effective values (declared default, overridden by the
administrator's value stored in the database)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

SETTINGS_FILE = Path(__file__).with_name("settings.toml")
_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "dict": dict}


@dataclass(frozen=True)
class SettingSpec:
    key: str
    type: str
    default: Any
    help_vi: str
    help_en: str
    min: float | None = None
    max: float | None = None

    def coerce(self, value: Any) -> Any:
        """The value converted to the declared type and checked against its bounds; ValueError otherwise."""
        kind = _TYPES[self.type]
        if kind is bool and isinstance(value, str):
            value = value.strip().lower() in ("1", "true", "yes", "có")
        try:
            out = kind(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.key}: {value!r} is not a {self.type}") from None
        if self.min is not None and out < self.min or self.max is not None and out > self.max:
            raise ValueError(f"{self.key}: {out} is outside [{self.min}, {self.max}]")
        return out


def load_specs(path: Path = SETTINGS_FILE) -> dict[str, SettingSpec]:
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    specs = {}
    for key, body in raw.items():
        specs[key] = SettingSpec(key=key, **body)
        specs[key].coerce(body["default"])
    return specs


SPECS = load_specs()


def effective(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every declared setting with its value: the override where one is stored, else the default."""
    overrides = overrides or {}
    return {k: spec.coerce(overrides[k]) if k in overrides else spec.default for k, spec in SPECS.items()}
