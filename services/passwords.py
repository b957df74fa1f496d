"""Passwords: the policy a new password must meet, and argon2 hashing.

Policy (every rule is checked and every failure reported at once):
- at least `password_min_length` characters (setting; 12 by default and never less), at most 256;
- at least three of four kinds of character: lower-case letters, upper-case letters, digits, others
  (Vietnamese letters count as letters: "Đ" is upper case, "ệ" lower case);
- does not contain the username (ignoring case and diacritics; for an e-mail, its part before "@");
- is not a common password (common_passwords.txt), even with digits and symbols added at either end;
- is not easy to guess by the zxcvbn estimator (Dropbox's, PyPI `zxcvbn`: dictionaries, keyboard
  patterns, repeats, sequences, dates, l33t): its best score, 4 ("very unguessable": about 10^10
  guesses and more), with the province's and the project's own words (password_words.txt: Nghệ An, Công
  an, Đề án 06, the demo password, common Vietnamese words) and the username in its dictionary. The
  password is judged without diacritics, as the words are (its first 72 characters: zxcvbn takes no more). `Aaaaaaaaaaa1`, `123456789Aa@`, `Abc@12345678`
  and the published demo password fail here while passing the rules above;

Hashing: argon2id through argon2-cffi's `PasswordHasher` with its defaults (RFC 9106 low-memory profile:
t=3, m=64 MiB, p=4). A stored hash made with other parameters is replaced at the next successful
sign-in (`needs_rehash`). The clear password lives only in the call's arguments: never stored, logged,
audited or put in an exception message.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from domain.errors import PasswordRejected
from domain.text import unaccent

COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
WORDS_FILE = Path(__file__).with_name("password_words.txt")
MIN_SCORE = 4  # zxcvbn: 0 too guessable … 4 "very unguessable" (about 10^10 guesses and more)
ESTIMATE_CHARS = 72  # zxcvbn refuses longer input (its time grows with length): a longer password is judged on its first 72 characters
MIN_LENGTH_FLOOR = 12
MAX_LENGTH = 256
HASHER = PasswordHasher()


def _plain(text: str) -> str:
    return unaccent(text).casefold()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(_plain(line.strip()) for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def project_words() -> tuple[str, ...]:
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    words = [_plain(line.strip()) for line in lines if line.strip() and not line.startswith("#")]
    return tuple(dict.fromkeys([*words, *(w.replace(" ", "") for w in words if " " in w)]))


def guessable(password: str, username: str = "") -> bool:
    """Whether zxcvbn judges `password` (without diacritics) easy to guess, knowing the project's words."""
    from zxcvbn import zxcvbn

    plain = unaccent(password)[:ESTIMATE_CHARS]
    inputs = [*project_words(), *(w for w in {_plain(username or ""), _plain(username or "").split("@")[0]} if w)]
    return zxcvbn(plain, user_inputs=inputs)["score"] < MIN_SCORE


def _core(password: str) -> str:
    """The password without the digits and symbols added at its ends ("Matkhau@2024!" -> "matkhau")."""
    start, end = 0, len(password)
    while start < end and not password[start].isalpha():
        start += 1
    while end > start and not password[end - 1].isalpha():
        end -= 1
    return password[start:end]


def _kinds(password: str) -> int:
    return sum([
        any(c.islower() for c in password),
        any(c.isupper() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    ])


def problems(password: str, username: str = "", min_length: int = MIN_LENGTH_FLOOR) -> list[tuple[str, dict]]:
    """Every rule `password` breaks, as (catalog key, params); empty when it is acceptable."""
    min_length = max(int(min_length), MIN_LENGTH_FLOOR)
    out: list[tuple[str, dict]] = []
    if len(password) < min_length:
        out.append(("access.password.too_short", {"min": min_length}))
    if len(password) > MAX_LENGTH:
        out.append(("access.password.too_long", {"max": MAX_LENGTH}))
    if _kinds(password) < 3:
        out.append(("access.password.kinds", {}))
    plain = _plain(password)
    names = {_plain(username or "").strip(), _plain(username or "").split("@")[0].strip()}
    if any(len(n) >= 3 and n in plain for n in names):
        out.append(("access.password.has_username", {}))
    common = common_passwords()
    if plain in common or _plain(_core(password)) in common or plain.replace(" ", "") in common:
        out.append(("access.password.common", {}))
    if password and guessable(password, username):
        out.append(("access.password.guessable", {}))
    return out


def check_policy(password: str, username: str = "", min_length: int = MIN_LENGTH_FLOOR) -> None:
    """Raise PasswordRejected (listing every broken rule, never the password) unless acceptable."""
    found = problems(password, username, min_length)
    if found:
        raise PasswordRejected(found)


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; False for a mismatch, a missing or a malformed hash (never raises)."""
    if not stored_hash:
        return False
    try:
        return HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=4)
def _dummy_hash(params: tuple) -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def waste_time_like_a_verify(password: str) -> None:
    """Verify against a throwaway hash, so that an unknown username takes as long as a wrong password
    (the response time must not tell which usernames exist)."""
    verify_password(_dummy_hash((HASHER.time_cost, HASHER.memory_cost, HASHER.parallelism)), password)
