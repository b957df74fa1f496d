"""Saved column mappings: an office's own header wording mapped to a data element, so that its next month
goes through untouched. The office is the unit the file reports for (one unit), or the submitter's
username (a compiled workbook); headers are saved folded (`headers.header_key`). The rows are kept by
storage/mappings.py.

Only element targets are saved: the table's element_code is a foreign key to data_element. A column to
read past ("ignore") is given with each submission.
"""

from __future__ import annotations

from collections.abc import Iterable

from loaders.headers import IGNORE, header_key
from storage import mappings as kept
from storage.db import Engine


def load(engine: Engine, offices: Iterable[str], form: str | None = None) -> dict[str, str]:
    """header_key -> element for the offices (later offices win over earlier ones on the same header)."""
    offices = [o for o in offices if o]
    if not offices:
        return {}
    order = {o: i for i, o in enumerate(offices)}
    rows = sorted(kept.load(engine, offices, form), key=lambda r: order.get(r[0], 0))
    return {key: element for _, key, element in rows}


def save(engine: Engine, office: str, form: str, mapping: dict[str, str], created_by: str) -> int:
    """Store (or replace) the office's mappings for `form`; returns how many were saved."""
    wanted = {header_key(k): v for k, v in mapping.items() if v and v != IGNORE and header_key(k)}
    if wanted:
        kept.save(engine, office, form, wanted, created_by)
    return len(wanted)


def delete(engine: Engine, office: str, form: str, header: str) -> bool:
    return kept.delete(engine, office, form, header_key(header))
