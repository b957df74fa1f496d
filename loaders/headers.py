"""What a column (or, in a vertical form, a row label) holds: a data element, a role (unit code, unit name,
month, element, value, row number), something to read past (notes, rates), or something not understood.

The order is from the most certain to the least: a saved or given column mapping; the element's code;
its Vietnamese or English name exactly; a rate or a note; the office wording of vocabulary.toml. An
office wording that fits two elements, or a header that reads one way alone and another way under its
group header, is ambiguous and reported, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.registry import Registry
from domain.text import fold, nfc
from loaders.numbers import periods_in_text
from loaders.vocabulary import Vocabulary, vocabulary

IGNORE = "ignore"  # mapping target: read past this column
_CODE_LIKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


@dataclass(frozen=True)
class HeaderMatch:
    kind: str  # element | role | ignore | ambiguous | unknown_element | unrecognised | empty
    value: str | None = None  # the element code or the role
    candidates: tuple[str, ...] = ()
    how: str = ""  # mapping | code | name | wording

    @property
    def is_element(self) -> bool:
        return self.kind == "element"

    @property
    def recognised(self) -> bool:
        return self.kind in ("element", "role", "ignore", "ambiguous", "unknown_element")


EMPTY = HeaderMatch("empty")


def header_key(text: str) -> str:
    """The key a header is saved under in a column mapping (column_mapping.header_key)."""
    return fold(text)


class HeaderMatcher:
    def __init__(self, registry: Registry, mapping: dict[str, str] | None = None, vocab: Vocabulary | None = None):
        self.registry = registry
        self.vocab = vocab or vocabulary()
        self.codes = {e.code for e in registry.elements}
        self.by_name: dict[str, set[str]] = {}
        for e in registry.elements:
            for name in (e.name_vi, e.name_en):
                self.by_name.setdefault(fold(name), set()).add(e.code)
        self.mapping = {header_key(k): v for k, v in (mapping or {}).items() if header_key(k)}
        self._memo: dict[tuple[str, ...], HeaderMatch] = {}
        # What a text folds to, whether it is filler, which elements a wording names: the same texts come
        # back in every file of a batch (a compiled workbook's headers under a group header that holds the
        # file's own deadline date make new combinations, not new texts). None depends on the mapping.
        self._folded: dict[str, str] = {}
        self._filler: dict[str, bool] = {}
        self._worded_of: dict[str, frozenset[str]] = {}

    def with_mapping(self, extra: dict[str, str]) -> "HeaderMatcher":
        """A matcher that also knows `extra` (mappings given here win over `extra`)."""
        out = HeaderMatcher.__new__(HeaderMatcher)
        out.registry, out.vocab, out.codes, out.by_name = self.registry, self.vocab, self.codes, self.by_name
        out.mapping = {**{header_key(k): v for k, v in extra.items()}, **self.mapping}
        out._memo = {}
        out._folded, out._filler, out._worded_of = self._folded, self._filler, self._worded_of
        return out

    def folded(self, text: str) -> str:
        """`domain.text.fold(text)`, remembered for the batch (unit names and headers repeat in every file)."""
        out = self._folded.get(text)
        if out is None:
            out = self._folded[text] = fold(text)
        return out

    _fold = folded

    def match(self, parts: list[str]) -> HeaderMatch:
        """`parts`: the texts of one column's header cells, top to bottom (group header first)."""
        key = tuple(str(p) for p in parts if p is not None)
        if key not in self._memo:
            self._memo[key] = self._match(list(key))
        return self._memo[key]

    def _match(self, parts: list[str]) -> HeaderMatch:
        parts = [nfc(str(p)).strip() for p in parts if p is not None and str(p).strip()]
        if not parts:
            return EMPTY
        # A group header that only says "figures" or names the month adds nothing to the wording.
        wording_parts = [p for p in parts if not self._is_filler(p)] or parts[-1:]
        combined = " ".join(wording_parts)

        for key in [self._fold(combined), *(self._fold(p) for p in reversed(parts))]:
            target = self.mapping.get(key)
            if target == IGNORE:
                return HeaderMatch("ignore", how="mapping")
            if target:
                return HeaderMatch("element", target, how="mapping")

        exact: set[str] = set()
        for p in parts:
            low = p.lower()
            if low in self.codes:
                exact.add(low)
            exact |= self.by_name.get(self._fold(p), set())
        exact |= self.by_name.get(self._fold(combined), set())
        if len(exact) == 1:
            return HeaderMatch("element", exact.pop(), how="code_or_name")
        if len(exact) > 1:
            return HeaderMatch("ambiguous", candidates=tuple(sorted(exact)))

        if any(self.vocab.is_rate(self._fold(p), p) for p in wording_parts):
            return HeaderMatch("ignore", "rate")
        for p in reversed(parts):
            role = self.vocab.role_of(self._fold(p))
            if role == "ignore":
                return HeaderMatch("ignore", "note")
            if role and (p is parts[-1] or not self._worded(wording_parts[-1:])):
                return HeaderMatch("role", role)

        alone = self._worded(wording_parts[-1:])
        together = self._worded(wording_parts) if len(wording_parts) > 1 else alone
        if len(alone) == 1 and (not together or together == alone):
            return HeaderMatch("element", next(iter(alone)), how="wording")
        if not alone and len(together) == 1:
            return HeaderMatch("element", next(iter(together)), how="wording")
        if alone or together:
            return HeaderMatch("ambiguous", candidates=tuple(sorted(alone | together)))

        for p in parts:
            if _CODE_LIKE.match(p.strip().lower()):
                return HeaderMatch("unknown_element", p.strip().lower())
        return HeaderMatch("unrecognised")

    def _worded(self, parts: list[str]) -> set[str]:
        text = " ".join(parts)
        found = self._worded_of.get(text)
        if found is None:
            found = self._worded_of[text] = frozenset(self.vocab.elements_worded(self._fold(text)))
        return set(found)

    def _is_filler(self, text: str) -> bool:
        found = self._filler.get(text)
        if found is None:
            found = self._filler[text] = self.vocab.role_of(self._fold(text)) == "value" or bool(periods_in_text(text))
        return found
