"""Deployment settings that access control relies on: XSRF protection on, the upload limit the same as
the loaders', secrets never in the repository, no default password in the code."""

from __future__ import annotations

import ast
import subprocess
import tomllib

from domain import settings
from testkit.project import ROOT, python_files


def _config() -> dict:
    with open(ROOT / ".streamlit" / "config.toml", "rb") as fh:
        return tomllib.load(fh)


def test_xsrf_protection_is_on():
    assert _config()["server"]["enableXsrfProtection"] is True


def test_the_upload_limit_matches_the_loaders():
    assert _config()["server"]["maxUploadSize"] == settings.SPECS["max_upload_mb"].default


def test_secrets_stay_out_of_git():
    ignored = subprocess.run(["git", "check-ignore", "-q", ".streamlit/secrets.toml"], cwd=ROOT)
    assert ignored.returncode == 0


def _password_literals(path) -> list[str]:
    """String literals given to anything named like a password or secret."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        pairs = []
        if isinstance(node, ast.Assign):
            pairs = [(t.id, node.value) for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.Call):
            pairs = [(k.arg, k.value) for k in node.keywords if k.arg]
        for name, value in pairs:
            if any(w in name.lower() for w in ("password", "secret")) and isinstance(value, ast.Constant) \
                    and isinstance(value.value, str) and value.value:
                out.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return out


def test_no_default_password_in_the_code():
    found = [hit for p in python_files(include_tests=False) for hit in _password_literals(p)]
    # The one documented exception: the demo accounts' password, refused outside sample mode.
    assert found == [f"services/demo.py:{_line_of('DEMO_PASSWORD =')} DEMO_PASSWORD"]


def _line_of(text: str) -> int:
    lines = (ROOT / "services" / "demo.py").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(text))


def test_every_message_key_of_access_control_exists_in_both_languages():
    import re

    import i18n

    keys = set()
    for path in list((ROOT / "services").glob("*.py")) + [ROOT / "commands" / n for n in ("users.py", "periods.py", "audit.py")]:
        keys |= set(re.findall(r"""["'](access\.[a-z_]+\.[a-z_]+)["']""", path.read_text(encoding="utf-8")))
    assert len(keys) > 30
    missing = sorted(k for k in keys if not i18n.has(k))
    assert missing == []
    for key in keys:
        assert i18n.t(key, "vi") != i18n.t(key, "en") or key.endswith("period_changed"), key


def test_every_code_shown_to_people_has_a_name():
    import i18n
    from services import audit, followups, lock_state

    keys = [f"access.lock_kind.{k}" for k in lock_state.KINDS] + [f"access.followup_status.{s}" for s in followups.STATUSES]
    keys += [f"access.audit.column.{c}" for c in audit.COLUMNS] + [f"access.outcome.{o}" for o in audit.OUTCOMES]
    keys += [f"access.action.{a}" for a in ("sign_in", "sign_out", "revise", "change_password")]
    assert [k for k in keys if not i18n.has(k)] == []
