"""The metric engine's inputs for one province, opened once and read-only, for every front end that is
not a page (pages cache the same frames through ui/data.py): the CLI's metric commands and the monthly
report. A read never sets up or migrates the database (init-db does), so an administrator's edits to
units stay as they are. Every refusal is an `Invalid` (domain.errors) with its words in both languages.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

import metrics
from domain import periods
from domain.errors import Invalid
from metrics import months
from storage import frames, migrate


@dataclass(frozen=True, eq=False)
class Opened:
    """The inputs and the unit names (code -> Vietnamese name, every unit, past ones too)."""

    inputs: metrics.Inputs
    names: pd.Series


def open_inputs(engine: Engine, period: str, province: str | None = None, *, need_figures: bool = True) -> Opened:
    """The inputs for `province` (default: the only one held), checked for `period`. Refused with the
    reason when the month is not a month, the database is not set up, the province is unknown or ambiguous,
    the settings are invalid, or (with `need_figures`) nothing was reported for the month."""
    if not periods.is_period(period):
        raise Invalid("metrics.cli.bad_period", value=period)
    if migrate.current_revision(engine) is None:
        raise Invalid("metrics.cli.no_data")
    units = frames.load_units(engine)
    provinces = sorted(units.loc[units["level"] == "province", "code"])
    if province is None:
        if len(provinces) > 1:
            raise Invalid("metrics.cli.several_provinces", codes=", ".join(provinces))
        province = provinces[0] if provinces else None
    if province is None or province not in provinces:
        raise Invalid("metrics.cli.no_province", code=province)
    try:
        inputs = metrics.Inputs(**frames.metric_frames(engine, province))
        inputs.config  # noqa: B018 - checks the settings now, with a clear message
    except ValueError as exc:
        raise Invalid("metrics.cli.bad_config", problem=exc) from None
    if need_figures:
        latest = inputs.latest_period
        if latest is None:
            raise Invalid("metrics.cli.no_data")
        if not has_figures(inputs, period):
            raise Invalid("metrics.cli.no_figures_for", period=period, latest=latest)
    return Opened(inputs, units.set_index("code")["name_vi"])


def has_figures(inputs: metrics.Inputs, period: str) -> bool:
    """Whether any unit of the province reported anything for the month."""
    row = months.index(period) - inputs.cube.month0
    return 0 <= row < inputs.cube.reported.shape[0] and bool(inputs.cube.reported[row].any())
