"""The layering of ENGINEERING.md and ARCHITECTURE.md, checked rather than hoped for. Imports inside
functions count: a lazy import is still a dependency."""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Every package of the project, bottom to top as ARCHITECTURE.md draws them.
PACKAGES = ["domain", "i18n", "storage", "metrics", "loaders", "services", "presentation", "reports", "sample_data",
            "commands", "ui", "pages", "testkit", "bench", "tests"]
BELOW_PAGES = ["domain", "i18n", "storage", "metrics", "loaders", "services", "presentation", "reports", "sample_data",
               "commands", "testkit"]


@cache
def _imports(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return frozenset(names)


def _files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _offenders(packages, forbidden: set[str]) -> list[str]:
    return [f"{p.relative_to(ROOT)} imports {sorted(_imports(p) & forbidden)}"
            for package in packages for p in _files(package) if _imports(p) & forbidden]


@pytest.mark.parametrize("package", BELOW_PAGES)
def test_nothing_below_the_pages_imports_streamlit(package):
    assert _offenders([package], {"streamlit"}) == []


@pytest.mark.parametrize("package", BELOW_PAGES)
def test_nothing_below_the_pages_imports_the_page_layer(package):
    assert _offenders([package], {"pages", "ui"}) == []


@pytest.mark.parametrize("package", [p for p in BELOW_PAGES if p != "commands"] + ["ui", "pages"])
def test_the_cli_is_imported_by_nobody(package):
    """The CLI is a front end: pages and reports get their words from presentation/, not from commands/."""
    assert _offenders([package], {"commands"}) == []


def test_metrics_know_nothing_of_sql_sessions():
    assert _offenders(["metrics"], {"sqlalchemy", "storage", "streamlit"}) == []


def test_loaders_hold_no_sql():
    """The loaders read and write through storage/; the table layouts are storage's alone."""
    assert _offenders(["loaders"], {"sqlalchemy"}) == []


def test_domain_is_the_bottom_layer():
    above = {"storage", "metrics", "loaders", "reports", "presentation", "pages", "ui", "commands", "services",
             "streamlit", "sqlalchemy"}
    assert _offenders(["domain"], above) == []


def test_bench_and_tests_share_helpers_through_testkit_only():
    assert _offenders(["bench", "testkit"], {"tests"}) == []
    assert _offenders(["tests", "testkit"], {"bench"}) == []


def _package_graph() -> dict[str, set[str]]:
    graph = {package: set() for package in PACKAGES}
    for package in PACKAGES:
        for path in _files(package):
            graph[package] |= (_imports(path) & set(PACKAGES)) - {package}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path (first node repeated at the end), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_among_the_packages():
    assert _cycle(_package_graph()) is None


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def _imported_modules(path: Path) -> set[str]:
    """Dotted names of what `path` imports; `from pkg import sub` names the submodule when it is one."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                is_module = (ROOT / Path(*sub.split("."))).with_suffix(".py").exists() or (ROOT / Path(*sub.split("."))).is_dir()
                out.add(sub if is_module else node.module)
    return out


def test_no_module_imports_a_module_that_imports_it_back():
    """Module-level cycles inside a package (reports.content <-> reports.wording was one)."""
    modules = {}
    for package in PACKAGES:
        for path in _files(package):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            modules[name] = _imported_modules(path)
    modules = {name: {m for m in deps if m in modules} for name, deps in modules.items()}
    pairs = sorted({tuple(sorted((a, b))) for a, deps in modules.items() for b in deps if b in modules and a in modules[b]})
    assert pairs == []


def test_every_import_of_the_project_s_own_names_resolves_lazy_ones_too():
    """An import inside a function runs only when that path is taken (a download button, a rare command): a
    module moved or a name renamed breaks it silently until a user clicks. Every `from package.module import
    name` of the project, wherever it sits, names a module and a name that exist."""
    import importlib

    ours = set(PACKAGES) - {"pages", "tests", "bench"}  # pages run as scripts; tests and bench are not imported
    broken = []
    for path in [ROOT / "app.py", ROOT / "cli.py", *(p for package in PACKAGES for p in _files(package))]:
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.split(".")[0] in ours):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            try:
                module = importlib.import_module(node.module)
            except ImportError as exc:
                broken.append(f"{where} from {node.module}: {exc}")
                continue
            for alias in node.names:
                if alias.name == "*" or hasattr(module, alias.name):
                    continue
                try:
                    importlib.import_module(f"{node.module}.{alias.name}")
                except ImportError:
                    broken.append(f"{where} from {node.module} import {alias.name}")
    assert not broken, broken
