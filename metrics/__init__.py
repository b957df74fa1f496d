"""Pure functions from frames to frames: indicators, targets, status, completeness, flags, scores.
Nothing here knows Streamlit or SQL sessions; inputs come from `storage.frames`:

    inputs = metrics.Inputs(**storage.frames.metric_frames(engine))
    metrics.kpis(inputs, "2026-10", level="commune")

See README.md, "Metrics", for every function and the columns of every frame.
"""

from metrics.completeness import (
    completeness,
    completeness_summary,
    completeness_units,
    expected_units,
)
from metrics.config import FLAG_RULES, SEVERITIES, MetricsConfig
from metrics.impact import BOTTLENECK_COLUMNS, SHORTFALL_COLUMNS, bottlenecks, shortfall
from metrics.indicators import (
    KPI_COLUMNS,
    STATUSES,
    indicator_arrays,
    indicator_table,
    kpis,
    trend,
)
from metrics.cube import Cube, patch_cube
from metrics.inputs import Inputs
from metrics.levels import LEVELS, REPORTING_LEVELS
from metrics.months import KINDS
from metrics.nation import NATION_COLUMNS, nation, nation_trend
from metrics.outlook import OUTLOOK_COLUMNS, outlook
from metrics.scorecard import Scorecard, ScorecardSpec, load_scorecard, scorecard
from metrics.weak import CHANGES, WeakList, change_counts, flag_changes, weak_localities

__all__ = [
    "BOTTLENECK_COLUMNS", "CHANGES", "SHORTFALL_COLUMNS", "bottlenecks", "change_counts", "flag_changes", "shortfall",
    "FLAG_RULES", "KINDS", "KPI_COLUMNS", "LEVELS", "NATION_COLUMNS", "OUTLOOK_COLUMNS", "REPORTING_LEVELS", "SEVERITIES", "STATUSES",
    "Cube", "Inputs", "MetricsConfig", "Scorecard", "ScorecardSpec", "WeakList", "patch_cube",
    "completeness", "completeness_summary", "completeness_units", "expected_units", "indicator_arrays",
    "indicator_table", "kpis", "load_scorecard", "nation", "nation_trend", "outlook", "scorecard", "trend", "weak_localities",
]
