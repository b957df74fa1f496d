"""The registry of data elements, forms and indicators, as frozen dataclasses.

The declarative source is `registry.toml` beside this module; `storage` copies it into the database at
`init-db`, and reads it back from there (`storage.frames.load_registry`) so that what an administrator
adds in the database counts as much as what shipped in the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

REGISTRY_FILE = Path(__file__).with_name("registry.toml")

ELEMENT_KINDS = ("flow", "stock")


@dataclass(frozen=True)
class DataElement:
    code: str
    name_vi: str
    name_en: str
    kind: str  # "flow" | "stock"

    def name(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en


@dataclass(frozen=True)
class Form:
    code: str
    name_vi: str
    name_en: str
    levels: tuple[str, ...]
    valid_from: str  # "YYYY-MM"
    elements: tuple[str, ...]
    # element code -> unit codes that are expected to report it; elements absent here are expected of all
    expected_only_for: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def name(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en

    def expects(self, element: str, unit_code: str) -> bool:
        """Whether a unit assigned this form is expected to report `element` (missing = warning)."""
        if element not in self.elements:
            return False
        only = self.expected_only_for.get(element)
        return only is None or unit_code in only


@dataclass(frozen=True)
class Indicator:
    code: str
    name_vi: str
    name_en: str
    numerator: str
    denominator: str
    group: str = ""

    def name(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en


@dataclass(frozen=True)
class TargetSpec:
    indicator: str
    year: int
    value: float  # fraction: 0.70 = 70 %
    decision: str = ""


@dataclass(frozen=True)
class Registry:
    elements: tuple[DataElement, ...]
    forms: tuple[Form, ...]
    indicators: tuple[Indicator, ...]
    targets: tuple[TargetSpec, ...] = ()

    @cached_property
    def element_by_code(self) -> dict[str, DataElement]:
        return {e.code: e for e in self.elements}

    @cached_property
    def form_by_code(self) -> dict[str, Form]:
        return {f.code: f for f in self.forms}

    @cached_property
    def indicator_by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    def forms_for_level(self, level: str) -> list[Form]:
        return [f for f in self.forms if level in f.levels]

    def check(self) -> list[str]:
        """Problems that make the registry unusable, as sentences (empty when it is consistent)."""
        problems = []
        codes = [e.code for e in self.elements]
        if len(set(codes)) != len(codes):
            problems.append("duplicate element codes")
        for e in self.elements:
            if e.kind not in ELEMENT_KINDS:
                problems.append(f"element {e.code}: kind must be one of {ELEMENT_KINDS}, not {e.kind!r}")
        for f in self.forms:
            for code in f.elements:
                if code not in self.element_by_code:
                    problems.append(f"form {f.code}: unknown element {code}")
            for code in f.expected_only_for:
                if code not in f.elements:
                    problems.append(f"form {f.code}: expected_only_for names {code}, not in the form")
        for i in self.indicators:
            for code in (i.numerator, i.denominator):
                if code not in self.element_by_code:
                    problems.append(f"indicator {i.code}: unknown element {code}")
            if i.numerator in self.element_by_code and i.denominator in self.element_by_code:
                if self.element_by_code[i.numerator].kind != self.element_by_code[i.denominator].kind:
                    problems.append(f"indicator {i.code}: numerator and denominator differ in kind")
        for t in self.targets:
            if t.indicator not in self.indicator_by_code:
                problems.append(f"target for unknown indicator {t.indicator}")
            if not 0 <= t.value <= 1:
                problems.append(f"target {t.indicator} {t.year}: {t.value} is not a fraction in [0, 1]")
        return problems

    def ratio_pairs(self) -> list[tuple[str, str]]:
        """(numerator, denominator) pairs that a valid submission must respect: numerator ≤ denominator."""
        return sorted({(i.numerator, i.denominator) for i in self.indicators})


def load_registry(path: Path = REGISTRY_FILE) -> Registry:
    """Read the declarative registry file and check it."""
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    decisions = {int(y): text for y, text in raw.get("targets_decision", {}).items()}
    elements = tuple(DataElement(**e) for e in raw["element"])
    forms = tuple(
        Form(
            code=f["code"],
            name_vi=f["name_vi"],
            name_en=f["name_en"],
            levels=tuple(f["levels"]),
            valid_from=f["valid_from"],
            elements=tuple(f["elements"]),
            expected_only_for={k: tuple(v) for k, v in f.get("expected_only_for", {}).items()},
        )
        for f in raw["form"]
    )
    indicators = []
    targets = []
    for i in raw["indicator"]:
        indicators.append(
            Indicator(
                code=i["code"],
                name_vi=i["name_vi"],
                name_en=i["name_en"],
                numerator=i["numerator"],
                denominator=i["denominator"],
                group=i.get("group", ""),
            )
        )
        for year, value in i.get("targets", {}).items():
            targets.append(TargetSpec(i["code"], int(year), float(value), decisions.get(int(year), "")))
    registry = Registry(elements, forms, tuple(indicators), tuple(targets))
    problems = registry.check()
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return registry
