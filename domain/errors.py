"""What a service says when it will not do something, in Vietnamese and English from the catalog.

`Refused`: not allowed (role, unit, locked month, not signed in, failed sign-in). Always audited.
`Invalid`: the request itself is wrong (unknown indicator, target out of range, weak password). Not a
security event, so not audited; the page shows the message and the user corrects the input.

Messages never carry a password or a token: only codes, names and periods go into `params`.
"""

from __future__ import annotations

import i18n
from domain.safe_text import md_params


class ServiceError(Exception):
    """A located, translatable refusal. `key` is a catalog key; `params` fill its placeholders;
    `reason` is a short machine code (for the audit trail and the tests)."""

    def __init__(self, key: str, *, reason: str | None = None, **params):
        self.key = key
        self.reason = reason or key.rsplit(".", 1)[-1]
        self.params = {k: _text(v) for k, v in params.items()}
        super().__init__(self.both())

    def message(self, lang: str = i18n.DEFAULT_LANG) -> str:
        return i18n.t(self.key, lang, **_named(self.params, lang))

    def markdown(self, lang: str = i18n.DEFAULT_LANG) -> str:
        """The message for a page (Streamlit markdown): the parameters (names, values a user typed) shown as
        typed, never as a link, an image or formatting."""
        return i18n.t(self.key, lang, **md_params(_named(self.params, lang)))

    def both(self) -> str:
        """Vietnamese / English, for the CLI's stderr and the logs."""
        return f"{self.message('vi')} / {self.message('en')}"


class Refused(ServiceError):
    """Not allowed. The audit trail has a row with outcome `refused` for every one raised."""


class Invalid(ServiceError):
    """The request is wrong; nothing was changed."""


class PasswordRejected(Invalid):
    """A new password fails the policy; `problems` lists every rule it breaks (catalog keys)."""

    def __init__(self, problems: list[tuple[str, dict]]):
        self.problems = problems
        super().__init__("access.password.rejected", reason="weak_password", rules=len(problems))

    def message(self, lang: str = i18n.DEFAULT_LANG) -> str:
        lines = [i18n.t(self.key, lang, rules=len(self.problems))]
        lines += [f"- {i18n.t(key, lang, **params)}" for key, params in self.problems]
        return "\n".join(lines)

    def markdown(self, lang: str = i18n.DEFAULT_LANG) -> str:
        lines = [i18n.t(self.key, lang, rules=len(self.problems))]
        lines += [f"- {i18n.t(key, lang, **md_params(params))}" for key, params in self.problems]
        return "\n".join(lines)

    def both(self) -> str:
        return f"{self.message('vi')}\n{self.message('en')}"


def _named(params: dict, lang: str) -> dict:
    """Role and action codes shown by their names in `lang` (a code with no name stays as typed)."""
    out = dict(params)
    for name in ("role", "action"):
        key = f"access.{name}.{out.get(name)}"
        if name in out and i18n.has(key):
            out[name] = i18n.t(key, lang)
    return out


def _text(value) -> str | int | float:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(sorted(str(v) for v in value))
    return value
