"""Text folding for matching what people type against the names we hold.

Vietnamese names arrive composed (NFC) or decomposed (NFD), with or without diacritics, with `Ð`
(U+00D0, Icelandic eth) typed for `Đ`, in any case and spacing, and with or without a type prefix
("Huyện", "H.", "TX", "Phường", "P."). `fold` maps all of these to one key.
"""

from __future__ import annotations

import re
import unicodedata

# Letters that NFD does not decompose into a base letter plus marks.
_SPECIAL = str.maketrans({"Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "ɖ": "d", "Ɖ": "D"})
_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^0-9a-z ]+")

# Type prefixes of unit names, longest first, folded. Matching strips at most one.
TYPE_PREFIXES = (
    "thanh pho",
    "thi xa",
    "thi tran",
    "dac khu",
    "huyen",
    "phuong",
    "tinh",
    "xa",
    "tp",
    "tx",
    "tt",
    "h",
    "p",
    "x",
)
_PREFIX = re.compile(r"^(?:" + "|".join(re.escape(p) for p in TYPE_PREFIXES) + r")(?:\s+|(?<=\w)\s*\.\s*)")


def unaccent(text: str) -> str:
    """Remove Vietnamese diacritics, keeping case: "Nghệ An" -> "Nghe An", "Đô Lương" -> "Do Luong"."""
    decomposed = unicodedata.normalize("NFD", str(text).translate(_SPECIAL))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def fold(text: str) -> str:
    """A key for comparing names and headers: no diacritics, lower case, single spaces, no punctuation
    other than what separates words."""
    plain = unaccent(text).lower().replace("\u00a0", " ")
    plain = _NON_WORD.sub(" ", plain.replace(".", ". "))
    return _SPACES.sub(" ", plain).strip()


def strip_type_prefix(text: str) -> str:
    """Fold a unit name and remove its type prefix: "TX. Cửa Lò" -> "cua lo", "Huyện Kỳ Sơn" -> "ky son"."""
    plain = _SPACES.sub(" ", unaccent(text).lower().replace("\u00a0", " ")).strip()
    stripped = _PREFIX.sub("", plain, count=1)
    return fold(stripped)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", str(text))
