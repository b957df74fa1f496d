"""A small province built by hand, in frames, for the metrics oracle tests. Every expectation in the tests
is computed by hand from the table below (the arithmetic is written next to each assertion).

Province 99:
- district-level units D1, D2 until 30/06/2025; D3 until 30/11/2024, then merged into D2 (successor), which
  reports for both areas from 12/2024;
- communes from 01/07/2025: C1 and C2 from D1, C3 from D2;
- departments P1 throughout, P2 until 31/01/2025 (merged into P1).

Months with returns: 2024-07, 2024-11, 2024-12, 2025-01, 2025-02, 2025-06, 2025-07 (none in between).
D2 did not report 2025-02 (its stock pair is carried from 2025-01); in 2025-06 D1 reported only R and O
(D1's last stock is from 2025-02, four months back: beyond the three-month carry); P1 received no dossier
in 2025-01 (a zero denominator).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from domain.registry import load_registry
from metrics import Inputs

REGISTRY = load_registry()
D = dt.date
UTC = dt.timezone.utc

UNITS = pd.DataFrame(
    [
        # code, name_vi, level, valid_from, valid_to, former_unit_code, successor_code
        ("99", "Tỉnh Thử Nghiệm", "province", None, None, None, None),
        ("D1", "Huyện Một", "district", None, D(2025, 6, 30), None, None),
        ("D2", "Huyện Hai", "district", None, D(2025, 6, 30), None, None),
        ("D3", "Thị xã Ba", "district", None, D(2024, 11, 30), None, "D2"),
        ("C1", "Xã Một A", "commune", D(2025, 7, 1), None, "D1", None),
        ("C2", "Xã Một B", "commune", D(2025, 7, 1), None, "D1", None),
        ("C3", "Phường Hai", "commune", D(2025, 7, 1), None, "D2", None),
        ("P1", "Sở Một", "department", None, None, None, None),
        ("P2", "Sở Hai", "department", None, D(2025, 1, 31), None, "P1"),
    ],
    columns=["code", "name_vi", "level", "valid_from", "valid_to", "former_unit_code", "successor_code"],
).assign(province_code="99")

SHORT = {
    "R": "dossiers_received", "O": "dossiers_received_online", "S": "dossiers_resolved",
    "T": "dossiers_resolved_on_time", "E": "citizens_eligible_id", "I": "id_cards_issued",
}

RETURNS = {
    ("D1", "2024-07"): dict(R=100, O=50, S=100, T=90, E=990, I=890),
    ("D2", "2024-07"): dict(R=200, O=100, S=100, T=95, E=1990, I=1490),
    ("D3", "2024-07"): dict(R=100, O=40, S=50, T=45, E=495, I=395),
    ("D1", "2024-11"): dict(R=100, O=60, S=80, T=78, E=1000, I=900),
    ("D2", "2024-11"): dict(R=200, O=120, S=100, T=90, E=2000, I=1500),
    ("D3", "2024-11"): dict(R=100, O=50, S=50, T=50, E=500, I=400),
    ("P1", "2024-11"): dict(R=50, O=40, S=40, T=40),
    ("D1", "2024-12"): dict(R=100, O=70, S=100, T=95, E=1000, I=950),
    ("D2", "2024-12"): dict(R=300, O=180, S=150, T=140, E=2500, I=2000),
    ("P1", "2024-12"): dict(R=50, O=45, S=50, T=50),
    ("P2", "2024-12"): dict(R=10, O=5, S=10, T=9),
    ("D1", "2025-01"): dict(R=100, O=75, S=100, T=93, E=1010, I=960),
    ("D2", "2025-01"): dict(R=300, O=200, S=150, T=141, E=2510, I=2100),
    ("P1", "2025-01"): dict(R=0, O=0, S=0, T=0),
    ("P2", "2025-01"): dict(R=20, O=10, S=20, T=18),
    ("D1", "2025-02"): dict(R=100, O=80, S=100, T=97, E=1020, I=980),
    ("P1", "2025-02"): dict(R=40, O=30, S=40, T=39),
    ("D1", "2025-06"): dict(R=100, O=85),
    ("D2", "2025-06"): dict(R=300, O=240, S=150, T=147, E=2600, I=2250),
    ("C1", "2025-07"): dict(R=60, O=50, S=60, T=58, E=600, I=500),
    ("C2", "2025-07"): dict(R=40, O=36, S=40, T=39, E=420, I=410),
    ("C3", "2025-07"): dict(R=300, O=250, S=300, T=290, E=2600, I=2300),
    ("P1", "2025-07"): dict(R=60, O=54, S=60, T=60),
}

TARGETS = pd.DataFrame(
    [
        ("online_dossier_rate", 2024, "99", 0.70),
        ("online_dossier_rate", 2025, "99", 0.80),
        ("online_dossier_rate", 2025, "D1", 0.90),  # a per-unit override
        ("on_time_rate", 2025, "99", 0.95),
        ("id_card_coverage", 2025, "99", 1.00),
    ],
    columns=["indicator_code", "year", "unit_code", "value"],
)


def vn(year, month, day, hour=9, minute=0) -> dt.datetime:
    """A Vietnam-time moment as aware UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=7))).astimezone(UTC)


def values_frame(returns: dict = RETURNS) -> pd.DataFrame:
    rows = [(u, p, SHORT[k], v) for (u, p), figures in returns.items() for k, v in figures.items()]
    return pd.DataFrame(rows, columns=["unit_code", "period", "element_code", "value"]).astype(
        {"unit_code": "str", "period": "str", "element_code": "str", "value": "int64"}
    )


def scope_frame() -> pd.DataFrame:
    """Each return received at 09:00 on the 3rd of the next month (on time), except:
    D1 2025-01 first at 23:59 on the due date (on time) and again on 10/02 (a resubmission);
    D2 2025-01 at 00:01 on 06/02 (one day late); P1 2025-02 on 07/03 (two days late);
    and a stray row for C1 in 2025-01, before C1 existed (never counts)."""
    rows = []
    sid = 0
    for (unit, period) in RETURNS:
        y, m = int(period[:4]), int(period[5:])
        ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
        form = "department" if unit.startswith("P") else "locality"
        when = vn(ny, nm, 3)
        if (unit, period) == ("D1", "2025-01"):
            when = vn(2025, 2, 5, 23, 59)
        elif (unit, period) == ("D2", "2025-01"):
            when = vn(2025, 2, 6, 0, 1)
        elif (unit, period) == ("P1", "2025-02"):
            when = vn(2025, 3, 7)
        sid += 1
        rows.append((unit, period, sid, form, when))
    rows.append(("D1", "2025-01", sid + 1, "locality", vn(2025, 2, 10)))
    rows.append(("C1", "2025-01", sid + 2, "locality", vn(2025, 2, 3)))
    frame = pd.DataFrame(rows, columns=["unit_code", "period", "submission_id", "form_code", "received_at"])
    frame["received_at"] = pd.to_datetime(frame["received_at"], utc=True)
    return frame


def province(**settings) -> Inputs:
    return Inputs(units=UNITS, values=values_frame(), registry=REGISTRY, targets=TARGETS, scope=scope_frame(),
                  settings=settings)


def row(frame: pd.DataFrame, unit: str, indicator: str, period: str | None = None) -> pd.Series:
    hit = frame[(frame["unit_code"] == unit) & (frame["indicator_code"] == indicator)]
    if period is not None:
        hit = hit[hit["period"] == period]
    assert len(hit) == 1, (unit, indicator, period, len(hit))
    return hit.iloc[0]
