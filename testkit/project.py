"""Paths of the project's own source files (not the virtual environment, not generated data)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
_SKIP = {".venv", "venv", "data", "node_modules", ".git", "__pycache__", "artifacts", ".pytest_cache", ".hypothesis"}


def python_files(include_tests: bool = True) -> list[Path]:
    out = []
    for path in ROOT.iterdir():
        if path.name in _SKIP or path.name.startswith("."):
            continue
        if path.is_file() and path.suffix == ".py":
            out.append(path)
        elif path.is_dir() and (include_tests or path.name != "tests"):
            out.extend(p for p in path.rglob("*.py") if not (_SKIP & set(p.parts)))
    return sorted(out)
