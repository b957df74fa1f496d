"""The composite score (0–100) per unit and month, configured in `scorecard.toml` beside this module
(groups, criteria, points, caps; see that file for how it maps Decision 766/QĐ-TTg onto the reported
elements). Units are ranked by score and by month-on-month progress within their peer group."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from domain.registry import Registry
from metrics import months
from metrics.indicators import indicator_arrays, peer_keys, peer_rank
from metrics.indicators import nullable_rank as _nullable
from metrics.inputs import Inputs
from metrics.levels import REPORTING_LEVELS

SCORECARD_FILE = Path(__file__).with_name("scorecard.toml")
UNMEASURED_POLICIES = ("rescale", "zero")

SCORE_COLUMNS = [
    "period", "unit_code", "level", "score", "earned", "measurable", "coverage", "rank", "peers",
    "score_prev", "change", "progress_rank", "progress_peers",
]
PART_COLUMNS = ["period", "unit_code", "level", "group_code", "indicator_code", "value", "points_max", "points"]


@dataclass(frozen=True)
class Criterion:
    indicator: str
    points: float
    zero_at: float
    full_at: float


@dataclass(frozen=True)
class ScoreGroup:
    code: str
    name_vi: str
    name_en: str
    points: float
    criteria: tuple[Criterion, ...]

    def name(self, lang: str) -> str:
        return self.name_vi if lang == "vi" else self.name_en


@dataclass(frozen=True)
class ScorecardSpec:
    total: float
    unmeasured: str
    groups: tuple[ScoreGroup, ...]

    @property
    def criteria(self) -> list[tuple[str, Criterion]]:
        return [(g.code, c) for g in self.groups for c in g.criteria]

    @property
    def measurable_points(self) -> float:
        return float(sum(c.points for _, c in self.criteria))

    def check(self, registry: Registry | None = None) -> list[str]:
        """Problems as sentences (empty when the configuration is usable)."""
        problems = []
        if self.unmeasured not in UNMEASURED_POLICIES:
            problems.append(f"scorecard.unmeasured must be one of {', '.join(UNMEASURED_POLICIES)}, not {self.unmeasured!r}")
        if abs(sum(g.points for g in self.groups) - self.total) > 1e-9:
            problems.append(f"the groups' points add up to {sum(g.points for g in self.groups):g}, not the total {self.total:g}")
        codes = [g.code for g in self.groups]
        if len(set(codes)) != len(codes):
            problems.append("duplicate group codes")
        for g in self.groups:
            if g.criteria and abs(sum(c.points for c in g.criteria) - g.points) > 1e-9:
                problems.append(f"group {g.code}: criteria points add up to {sum(c.points for c in g.criteria):g}, not {g.points:g}")
            for c in g.criteria:
                if c.points <= 0:
                    problems.append(f"group {g.code}, {c.indicator}: points must be > 0")
                if not c.full_at > c.zero_at:
                    problems.append(f"group {g.code}, {c.indicator}: full_at ({c.full_at}) must be above zero_at ({c.zero_at})")
                if registry is not None and c.indicator not in registry.indicator_by_code:
                    problems.append(f"group {g.code}: unknown indicator {c.indicator}")
        if not self.criteria:
            problems.append("no criterion: nothing can be scored")
        return problems


def load_scorecard(path: Path = SCORECARD_FILE, registry: Registry | None = None) -> ScorecardSpec:
    """Read and check the scorecard file; ValueError naming the file and every problem otherwise."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
        head = raw.get("scorecard", {})
        groups = tuple(
            ScoreGroup(
                code=g["code"], name_vi=g["name_vi"], name_en=g["name_en"], points=float(g["points"]),
                criteria=tuple(
                    Criterion(c["indicator"], float(c["points"]), float(c.get("zero_at", 0.0)), float(c["full_at"]))
                    for c in g.get("criterion", [])
                ),
            )
            for g in raw.get("group", [])
        )
        spec = ScorecardSpec(total=float(head.get("total", 100)), unmeasured=head.get("unmeasured", "rescale"), groups=groups)
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        kind = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise ValueError(f"{path}: {kind}") from None
    problems = spec.check(registry)
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))
    return spec


@dataclass(frozen=True)
class Scorecard:
    scores: pd.DataFrame  # SCORE_COLUMNS
    parts: pd.DataFrame  # PART_COLUMNS


def scorecard(inputs: Inputs, period: str, levels: str | Sequence[str] = REPORTING_LEVELS, kind: str = "month",
              merged: bool = False, spec: ScorecardSpec | None = None) -> Scorecard:
    """Scores of every group of `levels` (default: the reporting units: district-level units, communes,
    departments) for the window `kind` ending at `period`, with the previous month's for progress."""
    spec = spec or load_scorecard(registry=inputs.registry)
    problems = spec.check(inputs.registry)
    if problems:
        raise ValueError("scorecard: " + "; ".join(problems))
    levels = [levels] if isinstance(levels, str) else list(levels)
    results = [_level_scores(inputs, period, level, kind, merged, spec) for level in levels]
    scores = [s for s, _ in results if len(s)]
    parts = [p for _, p in results if len(p)]
    return Scorecard(
        scores=pd.concat(scores, ignore_index=True) if scores else pd.DataFrame(columns=SCORE_COLUMNS),
        parts=pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=PART_COLUMNS),
    )


def _level_scores(inputs: Inputs, period: str, level: str, kind: str, merged: bool, spec: ScorecardSpec):
    end = months.index(period)
    a = indicator_arrays(inputs, [months.period(end - 1), period], level=level, kind=kind, merged=merged)
    present = a.members[-1] > 0
    if not present.any():
        return pd.DataFrame(columns=SCORE_COLUMNS), pd.DataFrame(columns=PART_COLUMNS)
    criteria = spec.criteria
    col = np.array([a.cube.indicator_codes.index(c.indicator) for _, c in criteria], dtype=np.int64)
    pts = np.array([c.points for _, c in criteria])
    zero = np.array([c.zero_at for _, c in criteria])
    full = np.array([c.full_at for _, c in criteria])
    v = a.value[:, :, col]  # (2, n_g, n_c)
    has = ~np.isnan(v)
    earned_c = np.where(has, pts * np.clip((v - zero) / (full - zero), 0.0, 1.0), 0.0)
    earned = earned_c.sum(axis=2)
    available = np.where(has, pts, 0.0).sum(axis=2)
    measurable = spec.measurable_points
    coverage = available / measurable
    enough = (coverage >= inputs.config.scorecard_min_coverage - 1e-12) & (available > 0) & (a.members > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        if spec.unmeasured == "rescale":
            score = np.where(enough, 100.0 * earned / np.where(available > 0, available, 1.0), np.nan)
        else:  # "zero": unmeasured groups and missing criteria earn nothing, out of the total
            score = np.where(enough, 100.0 * earned / spec.total, np.nan)
    peer_key = peer_keys(a.cube, a.grouping)
    rank, peers = peer_rank(score[:, :, None], peer_key)
    change = score[-1] - score[0]
    prank, ppeers = peer_rank(change[None, :, None], peer_key)
    g = np.flatnonzero(present)
    codes = a.cube.unit_codes[a.grouping.group_unit]
    scores = pd.DataFrame({
        "period": period, "unit_code": codes[g], "level": level,
        "score": score[-1][g], "earned": earned[-1][g], "measurable": available[-1][g], "coverage": coverage[-1][g],
        "rank": _nullable(rank[-1, g, 0]), "peers": peers[-1, g, 0].astype(np.int64),
        "score_prev": score[0][g], "change": change[g],
        "progress_rank": _nullable(prank[0, g, 0]), "progress_peers": ppeers[0, g, 0].astype(np.int64),
    })
    n_c = len(criteria)
    gg = np.repeat(g, n_c)
    cc = np.tile(np.arange(n_c), len(g))
    parts = pd.DataFrame({
        "period": period, "unit_code": codes[gg], "level": level,
        "group_code": np.array([gc for gc, _ in criteria], dtype=object)[cc],
        "indicator_code": np.array([c.indicator for _, c in criteria], dtype=object)[cc],
        "value": v[-1][gg, cc], "points_max": np.where(has[-1][gg, cc], pts[cc], np.nan),
        "points": np.where(has[-1][gg, cc], earned_c[-1][gg, cc], np.nan),
    })
    return scores.sort_values(["rank", "unit_code"], ignore_index=True, na_position="last"), parts


