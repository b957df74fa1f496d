"""The thresholds the engine works with, read from the effective settings (domain/settings.toml plus the
administrator's overrides) and checked once, so that a bad value is refused with its name rather than
surfacing as a wrong figure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from domain import settings as settings_mod

# Flag rules (DOMAIN.md §6), in the order a reason list is shown.
FLAG_RULES = ("missing", "late", "large_shortfall", "below_target", "behind", "bottom_of_peers", "falling")
SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class MetricsConfig:
    deadline_day: int = 5
    timezone_offset_hours: int = 7
    at_risk_band_pp: float = 5.0
    carry_forward_months: int = 3
    weak_gap_pp: float = 10.0
    weak_bottom_n: int = 3
    weak_falling_months: int = 2
    weak_falling_min_pp: float = 1.0
    weak_rule_points: Mapping[str, int] = field(default_factory=dict)
    weak_severity_high: int = 10
    weak_severity_medium: int = 5
    weak_history_months: int = 24
    weak_bottleneck_share: float = 0.7
    weak_large_share_factor: float = 3.0
    weak_shortfall_min_pp: float = 2.0
    weak_high_max_share: float = 0.15
    scorecard_min_coverage: float = 0.5

    @classmethod
    def from_settings(cls, values: Mapping[str, Any] | None = None) -> MetricsConfig:
        """The configuration from a settings mapping (as `storage.frames.settings` returns); keys that are
        absent take their declared defaults."""
        s = settings_mod.effective({k: v for k, v in (values or {}).items() if k in settings_mod.SPECS})
        points = dict(s["weak_rule_points"])
        unknown = sorted(set(points) - set(FLAG_RULES))
        if unknown:
            raise ValueError(f"weak_rule_points: unknown rule(s) {', '.join(unknown)}; rules are {', '.join(FLAG_RULES)}")
        for rule in FLAG_RULES:
            value = points.get(rule, 1)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"weak_rule_points.{rule}: {value!r} is not a whole number ≥ 0")
            points[rule] = value
        if s["weak_severity_medium"] > s["weak_severity_high"]:
            raise ValueError("weak_severity_medium must not exceed weak_severity_high")
        return cls(
            deadline_day=s["deadline_day"],
            timezone_offset_hours=s["timezone_offset_hours"],
            at_risk_band_pp=s["status_at_risk_band_pp"],
            carry_forward_months=s["stock_carry_forward_months"],
            weak_gap_pp=s["weak_gap_pp"],
            weak_bottom_n=s["weak_bottom_n"],
            weak_falling_months=s["weak_falling_months"],
            weak_falling_min_pp=s["weak_falling_min_pp"],
            weak_rule_points=points,
            weak_severity_high=s["weak_severity_high"],
            weak_severity_medium=s["weak_severity_medium"],
            weak_history_months=s["weak_history_months"],
            weak_bottleneck_share=s["weak_bottleneck_share"],
            weak_large_share_factor=s["weak_large_share_factor"],
            weak_shortfall_min_pp=s["weak_shortfall_min_pp"],
            weak_high_max_share=s["weak_high_max_share"],
            scorecard_min_coverage=s["scorecard_min_coverage"],
        )
