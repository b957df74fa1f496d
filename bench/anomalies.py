"""The data-credibility review's signals (metrics.anomalies) for a national month against the metrics
engine's national month, in the same run (issue 19: at most 2 ×).

Both work on the same engine inputs (the month × unit × element cube built once, as the pages share it):
- reference: the engine's month, `kpis` for every commune and every province (what the overview and the
  rankings draw);
- signals: every signal of every commune of the nation for the month, with its ranking (what the review
  page lists), and the same for the Nghệ An sample province for scale.

National figures: bench/metrics.py's synthetic nation (34 provinces, 3,321 communes, 60 months).

    python bench/anomalies.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine, print_table  # noqa: E402
from bench.metrics import nation_data, province_data  # noqa: E402
from domain.registry import load_registry  # noqa: E402
from metrics import Inputs, kpis  # noqa: E402
from metrics.anomalies import signal_share, signals  # noqa: E402


def run(name: str, inputs: Inputs, period: str, levels: list[str], repeat: int) -> dict:
    """Interleaved (engine, signals, engine, signals, ...) so that both sides see the same machine load;
    the ratio is the median of the pairs' ratios."""
    inputs.cube  # noqa: B018 - built once, shared by both sides (as ui/data.py shares it)
    inputs.value_rows  # noqa: B018 - the same: each month's rows of the values, for the signals' lineage
    found = signals(inputs, period)
    [kpis(inputs, period, level=lv) for lv in levels]  # warm-up
    pairs = []
    for _ in range(repeat):
        started = time.perf_counter()
        [kpis(inputs, period, level=lv) for lv in levels]
        engine = time.perf_counter() - started
        started = time.perf_counter()
        signals(inputs, period)
        pairs.append((engine, time.perf_counter() - started))
    engine = statistics.median(e for e, _ in pairs)
    review = statistics.median(s for _, s in pairs)
    ratio = statistics.median(s / e for e, s in pairs)
    flagged, reported = signal_share(found, inputs, period)
    return {"scale": name, "period": period, "signals ms": f"{review * 1000:.1f}",
            "engine month ms": f"{engine * 1000:.1f}", "ratio": f"{ratio:.2f}",
            "signals": f"{len(found):,}", "units signalled": f"{flagged:,} / {reported:,}"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    registry = load_registry()
    rows = []
    units, values, targets = province_data(registry)
    values = values.assign(submission_id=values.groupby(["unit_code", "period"]).ngroup())
    province = Inputs(units=units, values=values, registry=registry, targets=targets, province_code="40")
    rows.append(run("province (Nghệ An sample)", province, "2026-10", ["commune", "department", "province"], args.repeat))
    started = time.perf_counter()
    units, values, targets = nation_data(registry)
    print(f"(national data generated in {time.perf_counter() - started:.1f} s: {len(units):,} units, {len(values):,} values)")
    # Each value's submission, as storage.frames.load_values gives it (the signals carry their lineage).
    values = values.assign(submission_id=(values["period"].str.replace("-", "").astype("int64") * 10_000
                                          + values.groupby(["unit_code", "period"]).ngroup() % 10_000))
    nation = Inputs(units=units, values=values, registry=registry, targets=targets)
    rows.append(run("nation (34 provinces, 3,321 communes)", nation, "2025-10", ["commune", "province"], args.repeat))
    print_table(rows, ["scale", "period", "signals ms", "engine month ms", "ratio", "signals", "units signalled"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
