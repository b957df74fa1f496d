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
        # What a text folds to, whether it is filler, which elements a wording names, which totals row a
        # label opens: the same texts come back in every file of a batch (a compiled workbook's headers under
        # a group header that holds the file's own deadline date make new combinations, not new texts), and
        # in every batch a server process reads. None depends on the mapping or the registry: they are kept
        # per vocabulary, for the process.
        self._folded, self._filler, self._worded_of, self._total_kind = _text_caches(self.vocab)
        self._memo = _match_memo(self)

    def with_mapping(self, extra: dict[str, str]) -> "HeaderMatcher":
        """A matcher that also knows `extra` (mappings given here win over `extra`)."""
        out = HeaderMatcher.__new__(HeaderMatcher)
        out.registry, out.vocab, out.codes, out.by_name = self.registry, self.vocab, self.codes, self.by_name
        out.mapping = {**{header_key(k): v for k, v in extra.items()}, **self.mapping}
        out._folded, out._filler, out._worded_of, out._total_kind = self._folded, self._filler, self._worded_of, self._total_kind
        out._memo = _match_memo(out)
        return out

    def __getstate__(self) -> dict:
        # Sent to a worker process (loaders.pool) without what this process remembers, which may be large:
        # as a matcher made for the call would be.
        return {**self.__dict__, "_memo": {}, "_folded": {}, "_filler": {}, "_worded_of": {}, "_total_kind": {}}

    def total_kind(self, folded: str) -> str | None:
        """`vocab.total_kind(folded)`, remembered (asked for every row of a compiled table)."""
        try:
            return self._total_kind[folded]
        except KeyError:
            if len(self._total_kind) > _CACHE_LIMIT:
                self._total_kind.clear()
            out = self._total_kind[folded] = self.vocab.total_kind(folded)
            return out

    def folded(self, text: str) -> str:
        """`domain.text.fold(text)`, remembered (unit names and headers repeat in every file)."""
        out = self._folded.get(text)
        if out is None:
            if len(self._folded) > _CACHE_LIMIT:
                self._folded.clear()
            out = self._folded[text] = fold(text)
        return out

    _fold = folded

    def match(self, parts: list[str]) -> HeaderMatch:
        """`parts`: the texts of one column's header cells, top to bottom (group header first)."""
        key = tuple(str(p) for p in parts if p is not None)
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) > _CACHE_LIMIT:
                self._memo.clear()
            found = self._memo[key] = self._match(list(key))
        return found

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
            if len(self._worded_of) > _CACHE_LIMIT:
                self._worded_of.clear()
            found = self._worded_of[text] = frozenset(self.vocab.elements_worded(self._fold(text)))
        return set(found)

    def _is_filler(self, text: str) -> bool:
        found = self._filler.get(text)
        if found is None:
            if len(self._filler) > _CACHE_LIMIT:
                self._filler.clear()
            found = self._filler[text] = self.vocab.role_of(self._fold(text)) == "value" or bool(periods_in_text(text))
        return found


# --- what matchers remember, for the process ---------------------------------------------------------------
# A matcher is made per call (per upload, per bulk load); what it works out depends only on the vocabulary
# and, for whole matches, on the registry's codes and names and the mapping. Kept here, it serves every
# call that has the same (each cache is emptied past _CACHE_LIMIT entries; a few variants are kept).

_CACHE_LIMIT = 20_000
_TEXT_CACHES: dict[int, tuple] = {}  # id(vocab) -> (vocab, folded, filler, worded, total kind)
_MATCH_MEMOS: dict[tuple, dict] = {}  # (id(vocab), codes, names, mapping) -> {header parts: HeaderMatch}


def _text_caches(vocab: Vocabulary) -> tuple[dict, dict, dict, dict]:
    entry = _TEXT_CACHES.get(id(vocab))
    if entry is None or entry[0] is not vocab:
        if len(_TEXT_CACHES) >= 4:
            _TEXT_CACHES.clear()
        entry = _TEXT_CACHES[id(vocab)] = (vocab, {}, {}, {}, {})
    return entry[1], entry[2], entry[3], entry[4]


def _match_memo(matcher: HeaderMatcher) -> dict:
    key = (id(matcher.vocab), frozenset(matcher.codes),
           frozenset((name, frozenset(codes)) for name, codes in matcher.by_name.items()),
           frozenset(matcher.mapping.items()))
    entry = _MATCH_MEMOS.get(key)
    if entry is None or entry[0] is not matcher.vocab:
        if len(_MATCH_MEMOS) >= 16:
            _MATCH_MEMOS.clear()
        entry = _MATCH_MEMOS[key] = (matcher.vocab, {})
    return entry[1]
