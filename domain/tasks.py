"""A task as the register receives it (typed on the page, read from an office's task list, written in the
sample): plain data, checked and stored by services/tasks.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class TaskIn:
    text: str
    lead_unit_code: str
    deadline: dt.date | None = None  # None: a standing task ("thường xuyên")
    document_id: int | None = None
    position: str = ""  # STT as the document numbers it
    lead_label: str = ""  # the body that leads when it is not a reporting unit (filed under the province)
    cooperating_codes: tuple[str, ...] = ()
    cooperating_text: str = ""  # cooperating bodies that are not units
    product: str = ""
    indicator_code: str | None = None
    target_value: float | None = None  # fraction: 0.60 = 60 %
    from_period: str | None = None  # "YYYY-MM": judged from the figures from this month
