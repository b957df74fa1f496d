"""The layering of ENGINEERING.md, checked rather than hoped for."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BELOW_PAGES = ["domain", "storage", "metrics", "loaders", "reports", "sample_data", "i18n", "commands", "services"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", BELOW_PAGES)
def test_nothing_below_the_pages_imports_streamlit(package):
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py") if "streamlit" in _imports(p)]
    assert offenders == []


def test_metrics_know_nothing_of_sql_sessions():
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "metrics").rglob("*.py")
        if _imports(p) & {"sqlalchemy", "storage", "streamlit"}
    ]
    assert offenders == []


def test_domain_is_the_bottom_layer():
    above = {"storage", "metrics", "loaders", "reports", "pages", "ui", "commands", "services", "streamlit", "sqlalchemy"}
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "domain").rglob("*.py") if _imports(p) & above]
    assert offenders == []
