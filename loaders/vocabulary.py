"""The words offices use (vocabulary.toml), compiled for matching headers, labels and totals rows."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from domain.text import fold

VOCABULARY_FILE = Path(__file__).with_name("vocabulary.toml")


@dataclass(frozen=True)
class Phrase:
    """One phrase of a signature: any of its alternatives, as whole words of a folded header."""

    alternatives: tuple[str, ...]

    def found_in(self, padded: str) -> bool:
        return any(f" {alt} " in padded for alt in self.alternatives)


@dataclass(frozen=True)
class ElementWording:
    element: str
    signatures: tuple[tuple[Phrase, ...], ...]
    unless: tuple[Phrase, ...]

    def matches(self, folded: str) -> bool:
        padded = f" {folded} "
        if any(p.found_in(padded) for p in self.unless):
            return False
        return any(all(p.found_in(padded) for p in sig) for sig in self.signatures)


@dataclass(frozen=True)
class Vocabulary:
    roles: dict[str, frozenset[str]]
    rate_prefixes: tuple[str, ...]
    labels: dict[str, frozenset[str]]
    grand_totals: tuple[str, ...]
    subtotals: tuple[str, ...]
    elements: tuple[ElementWording, ...]

    def role_of(self, folded: str) -> str | None:
        for role, words in self.roles.items():
            if folded in words:
                return role
        return None

    def is_rate(self, folded: str, raw: str) -> bool:
        return "%" in raw or any(folded == p or folded.startswith(p + " ") for p in self.rate_prefixes)

    def label_of(self, folded: str) -> str | None:
        for label, words in self.labels.items():
            if folded in words:
                return label
        return None

    def total_kind(self, folded: str) -> str | None:
        """"grand" (the whole table), "subtotal" (the group above) or None, by the label's first words.
        The caller checks that the label is not a unit's name first."""
        for kind, words in (("grand", self.grand_totals), ("subtotal", self.subtotals)):
            if any(folded == w or folded.startswith(w + " ") for w in words):
                return kind
        return None

    def elements_worded(self, folded: str) -> list[str]:
        """The elements whose office wording `folded` matches (several = ambiguous)."""
        return [w.element for w in self.elements if w.matches(folded)]


def _phrase(text: str, phrases: dict[str, str]) -> Phrase:
    expanded = re.sub(r"\{(\w+)\}", lambda m: phrases[m.group(1)], text)
    return Phrase(tuple(fold(alt) for alt in expanded.split("|") if fold(alt)))


@lru_cache(maxsize=1)
def vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    phrases = raw.get("phrases", {})
    roles = {k: frozenset(fold(w) for w in v) for k, v in raw["roles"].items() if k != "rate_prefixes"}
    elements = tuple(
        ElementWording(
            element=code,
            signatures=tuple(tuple(_phrase(p, phrases) for p in sig) for sig in body["match"]),
            unless=tuple(_phrase(p, phrases) for p in body.get("unless", [])),
        )
        for code, body in raw["element"].items()
    )
    return Vocabulary(
        roles=roles,
        rate_prefixes=tuple(fold(p) for p in raw["roles"]["rate_prefixes"]),
        labels={k: frozenset(fold(w) for w in v) for k, v in raw["labels"].items()},
        grand_totals=tuple(fold(w) for w in raw["totals"]["grand"]),
        subtotals=tuple(fold(w) for w in raw["totals"]["subtotal"]),
        elements=elements,
    )
