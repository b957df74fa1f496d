"""Roles, actions and who may do what, read from `permissions.toml` (the matrix is data, not code).

`Actor` is who is acting: a username, a role and, for a submitter, the units bound to them. It is made
by `services.auth.resume` (from a session token) or by the CLI (the operator). `check` is the pure
decision; `services.guard.authorize` adds period locks and the audit row and is what entry points call.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from domain.errors import Refused

MATRIX_FILE = Path(__file__).with_name("permissions.toml")
SCOPES = ("any", "own", "no")


@dataclass(frozen=True)
class ActionSpec:
    code: str
    respects_locks: bool = False  # refused for a locked month
    own_includes_province: bool = False  # "own" also sees the province aggregate


@dataclass(frozen=True)
class PageRule:
    page: str  # stem of the file under pages/
    action: str
    scope: str  # least scope needed: "own" or "any"


@dataclass(frozen=True)
class Matrix:
    roles: tuple[str, ...]
    actions: dict[str, ActionSpec]
    cells: dict[tuple[str, str], str]  # (role, action) -> "any" | "own" | "no"
    pages: dict[str, PageRule]

    def scope(self, role: str, action: str) -> str:
        return self.cells.get((role, action), "no")


@dataclass(frozen=True)
class Actor:
    """Who is acting. Frozen and hashable; `unit_codes` only matters for scope "own"."""

    username: str
    role: str
    unit_codes: frozenset[str] = field(default_factory=frozenset)
    display_name: str = ""

    def __post_init__(self):
        object.__setattr__(self, "unit_codes", frozenset(self.unit_codes))


def load_matrix(path: Path = MATRIX_FILE) -> Matrix:
    with open(path, "rb") as fh:
        raw = tomllib.load(fh)
    roles = tuple(raw["roles"])
    actions = {code: ActionSpec(code=code, **(body or {})) for code, body in raw["actions"].items()}
    cells = {}
    for role in roles:
        row = raw["matrix"][role]
        if set(row) != set(actions):
            raise ValueError(f"permissions.toml: role {role} must give every action exactly once: {sorted(set(row) ^ set(actions))}")
        for action, scope in row.items():
            if scope not in SCOPES:
                raise ValueError(f"permissions.toml: {role}.{action} = {scope!r}, expected one of {SCOPES}")
            cells[(role, action)] = scope
    if set(raw["matrix"]) != set(roles):
        raise ValueError(f"permissions.toml: matrix rows {sorted(raw['matrix'])} differ from roles {sorted(roles)}")
    pages = {}
    for page, rule in raw.get("pages", {}).items():
        if rule["action"] not in actions or rule["scope"] not in ("any", "own"):
            raise ValueError(f"permissions.toml: page {page} needs a known action and scope any|own: {rule}")
        pages[page] = PageRule(page, rule["action"], rule["scope"])
    return Matrix(roles, actions, cells, pages)


@lru_cache(maxsize=1)
def matrix() -> Matrix:
    return load_matrix()


def roles() -> tuple[str, ...]:
    return matrix().roles


def actions() -> tuple[str, ...]:
    return tuple(matrix().actions)


def scope(role: str, action: str) -> str:
    return matrix().scope(role, action)


def is_role(role: str) -> bool:
    return role in matrix().roles


def rank(role: str) -> int:
    """0 for the most privileged role; used to pick one role when single sign-on claims give several."""
    return matrix().roles.index(role)


def check(actor: Actor | None, action: str, unit_codes: Iterable[str] | None = None,
          province: Iterable[str] = ()) -> Refused | None:
    """The matrix's decision, without side effects: None when allowed, else the Refused to raise.
    `unit_codes`: the units the action touches (None: not unit-bound). `province`: the province unit
    codes, which an "own" view scope also covers."""
    m = matrix()
    if action not in m.actions:
        raise KeyError(f"unknown action {action!r}: declare it in {MATRIX_FILE.name}")
    if actor is None:
        return Refused("access.refused.signed_out", reason="signed_out")
    cell = m.scope(actor.role, action)
    if cell == "no":
        return Refused("access.refused.role", reason="role", role=actor.role, action=action)
    if cell == "own" and unit_codes is not None:
        allowed = set(actor.unit_codes)
        if m.actions[action].own_includes_province:
            allowed |= set(province)
        others = sorted(set(unit_codes) - allowed)
        if others:
            return Refused("access.refused.unit", reason="unit", units=others)
    return None


def permits(actor: Actor | None, action: str, unit_codes: Iterable[str] | None = None,
            province: Iterable[str] = ()) -> bool:
    """For showing or hiding a button; the service still decides (and audits) when it is pressed."""
    return check(actor, action, unit_codes, province) is None


def pages_for(role: str | None) -> frozenset[str]:
    """The pages (file stems under pages/) a role sees in the navigation; none when signed out."""
    if role is None:
        return frozenset()
    m = matrix()
    out = set()
    for rule in m.pages.values():
        cell = m.scope(role, rule.action)
        if cell == "any" or (cell == "own" and rule.scope == "own"):
            out.add(rule.page)
    return frozenset(out)
