"""The sample province's returns as the files offices send: each unit fills in its single-unit template
(`loaders.template`, with its instructions sheet, locked headers and validation) for each month, and the
file is stamped with the return's synthetic receipt time, so the same return always gives the same bytes.

Writing 2,866 workbooks takes longer than reading them, so the files are kept under
`data/sample_workbooks/<fingerprint>/` (git-ignored). The fingerprint hashes everything a file's bytes
depend on (the generator, the template code and texts, the registry and the reference units): change any
of them and the files are written afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import pandas as pd

import i18n
from domain.registry import Registry
from sample_data.generator import SampleReturn

PROJECT_DIR = Path(__file__).resolve().parent.parent
CACHE_DIR = PROJECT_DIR / "data" / "sample_workbooks"
_SOURCES = [
    "sample_data/generator.py", "sample_data/workbooks.py", "loaders/template.py", "domain/registry.toml",
    "domain/reference/nghe_an_district_level_units_until_2025.csv", "domain/reference/nghe_an_communes_from_2025-07.csv",
    "domain/reference/nghe_an_departments.csv",
]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for rel in _SOURCES:
        digest.update((PROJECT_DIR / rel).read_bytes())
    texts = {k: v for k, v in i18n.catalog().items() if k.startswith("template.") or k == "app.title"}
    digest.update(json.dumps(texts, sort_keys=True, ensure_ascii=False).encode())
    import openpyxl

    digest.update(openpyxl.__version__.encode())
    return digest.hexdigest()[:16]


def filename(r: SampleReturn) -> str:
    """What an office names its file: form, unit and month."""
    return f"{r.form_code}_{r.unit_code}_{r.period}.xlsx"


def workbook(r: SampleReturn, registry: Registry, units: pd.DataFrame) -> bytes:
    from loaders.template import build_template

    return build_template(registry, units, r.form_code, r.period, unit=r.unit_code, values=r.values, stamp=r.received_at)


def workbooks(
    returns: list[SampleReturn],
    registry: Registry,
    units: pd.DataFrame,
    cache: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> list[bytes]:
    """The file of each return, in order, from the cache where it holds them; the missing ones are written
(in several processes when there are many and this process may fork)."""
    folder = CACHE_DIR / fingerprint()
    out: list[bytes | None] = []
    missing = []
    for i, r in enumerate(returns):
        path = folder / filename(r)
        if cache and path.exists():
            out.append(path.read_bytes())
        else:
            out.append(None)
            missing.append(i)
    if cache and missing and not folder.exists():
        _prune(folder)
    made = _make([returns[i] for i in missing], registry, units, progress, len(returns) - len(missing), len(returns))
    for i, data in zip(missing, made):
        out[i] = data
        if cache:
            folder.mkdir(parents=True, exist_ok=True)
            # Several processes may fill the cache at once (parallel test runs): write aside, then rename.
            path = folder / filename(returns[i])
            tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.part")
            tmp.write_bytes(data)
            tmp.replace(path)
    if progress is not None and not missing:
        progress(len(returns), len(returns))
    return out  # type: ignore[return-value]


def _prune(keep: Path) -> None:
    """Files written for an older fingerprint will never be read again: remove them (best effort)."""
    import shutil

    if keep.parent.is_dir():
        for other in keep.parent.iterdir():
            if other.is_dir() and other != keep:
                shutil.rmtree(other, ignore_errors=True)


def _make_one(state: tuple, r: SampleReturn) -> bytes:
    registry, units = state
    return workbook(r, registry, units)


def _make(todo: list[SampleReturn], registry: Registry, units: pd.DataFrame, progress, done: int, total: int) -> list[bytes]:
    from loaders.pool import parallel_map

    return parallel_map(_make_one, todo, (registry, units), progress=progress, done=done, total=total)
