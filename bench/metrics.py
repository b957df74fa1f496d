"""The metrics engine against the same figures computed by DuckDB SQL in the same run.

Every indicator for every unit (and the province) for one month, for the year to date, and as 12-month
trends, at two scales:
- province: the Nghệ An sample (21 → 20 district-level units, then 130 communes, 13–18 departments,
  01/2024–10/2026), generated in memory by sample_data.generator (the figures the database holds);
- nation: synthetic, 34 provinces and their 3,321 communes (vietnam-provinces) over 60 months
  (01/2021–12/2025), with about 2 % of returns missing and a few elements left blank.

Each side has a load step (the engine builds its month × unit × element cube; DuckDB creates its tables
from the same pandas frames) and the queries. The DuckDB side computes the same columns with its own SQL
(pairing, carry-forward of stocks, windows, targets, glide path with its fall-backs, status, changes,
ranks) and every figure is checked equal before any time is reported.

    python bench/metrics.py [--repeat 5] [--scale province|nation|both]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench.common import machine, median_seconds, print_table  # noqa: E402
from domain.registry import Registry, load_registry  # noqa: E402
from metrics import Inputs, kpis, months, trend  # noqa: E402

COMPARED = ["numerator", "denominator", "value", "target", "gap_pp", "expected", "status", "change_mom_pp",
            "change_yoy_pp", "rank", "peers"]


# -- data ------------------------------------------------------------------------------------------------


def province_data(registry: Registry) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from domain.units import nghe_an_units
    from sample_data.generator import generate

    specs = nghe_an_units()
    units = _units_frame(specs)
    rows = [(r.unit_code, r.period, e, v) for r in generate() for e, v in r.values.items()]
    values = pd.DataFrame(rows, columns=["unit_code", "period", "element_code", "value"]).astype(
        {"unit_code": "str", "period": "str", "element_code": "str", "value": "int64"})
    # The targets init-db writes: the registry's, province-wide.
    targets = pd.DataFrame([(t.indicator, t.year, "40", t.value) for t in registry.targets],
                           columns=["indicator_code", "year", "unit_code", "value"])
    return units, values, targets


def nation_data(registry: Registry, seed: int = 766) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Synthetic national figures; the communes are taken to exist throughout 2021–2025."""
    from vietnam_provinces import Province

    from domain.units import province_units_from_package

    specs = [u for p in sorted(int(p.code) for p in Province.iter_all()) for u in province_units_from_package(p)]
    units = _units_frame(specs)
    units["valid_from"] = None
    communes = units.loc[units["level"] == "commune", "code"].to_numpy(dtype=object)
    periods = [months.period(m) for m in range(months.index("2021-01"), months.index("2025-12") + 1)]
    elements = list(registry.form_by_code["locality"].elements)
    kinds = {e.code: e.kind for e in registry.elements}
    rng = np.random.default_rng(seed)
    n_m, n_c = len(periods), len(communes)
    from sample_data.national import (
        synthetic_figures,  # the national sample's synthetic figures, one generator for both
    )

    data = synthetic_figures(n_m, n_c, rng)
    assert all(kinds[e] in ("flow", "stock") for e in data)
    cube = np.stack([np.broadcast_to(data[e], (n_m, n_c)) for e in elements], axis=2)  # (n_m, n_c, n_e)
    present = np.repeat((rng.random((n_m, n_c)) > 0.02)[:, :, None], len(elements), axis=2)
    present &= rng.random(cube.shape) > 0.005  # a few blank elements
    mm, cc, ee = np.nonzero(present)
    values = pd.DataFrame({
        "unit_code": pd.array(communes[cc], dtype="str"),
        "period": pd.array(np.asarray(periods, dtype=object)[mm], dtype="str"),
        "element_code": pd.array(np.asarray(elements, dtype=object)[ee], dtype="str"),
        "value": cube[mm, cc, ee].astype(np.int64),
    })
    provinces = units.loc[units["level"] == "province", "code"].tolist()
    by_year = {}
    for spec in registry.targets:
        by_year.setdefault(spec.indicator, {})[spec.year] = spec.value
    rows = [(ind, year, p, vals.get(year, vals[min(vals)])) for ind, vals in by_year.items() for year in range(2021, 2026)
            for p in provinces]
    overrides = rng.choice(communes, 50, replace=False)
    rows += [("online_dossier_rate", 2025, c, 0.9) for c in overrides]
    targets = pd.DataFrame(rows, columns=["indicator_code", "year", "unit_code", "value"])
    return units, values, targets


def _units_frame(specs) -> pd.DataFrame:
    return pd.DataFrame([{
        "code": u.code, "level": u.level, "province_code": u.province_code, "valid_from": u.valid_from,
        "valid_to": u.valid_to, "former_unit_code": u.former_unit_code, "successor_code": u.successor_code,
    } for u in specs])


# -- the DuckDB reference ----------------------------------------------------------------------------------


class DuckDBReference:
    """The same figures in SQL over tables loaded from the same frames."""

    def __init__(self, units: pd.DataFrame, values: pd.DataFrame, registry: Registry, targets: pd.DataFrame,
                 carry: int = 3, band_pp: float = 5.0):
        import duckdb

        self.registry, self.carry, self.band = registry, carry, band_pp
        self.con = duckdb.connect()
        self.units, self.values, self.targets = units, values, targets

    def load(self) -> None:
        """Tables keyed by small integers, as a tuned DuckDB schema would be (the engine's cube does the same
        with array positions): units, elements and indicators get ids; values reference them."""
        con = self.con
        u = self.units.reset_index(drop=True).copy()
        u["uid"] = np.arange(len(u), dtype=np.int32)
        u["vf"] = [months.of_date(d, months.OPEN_START) for d in u["valid_from"]]
        u["vt"] = [months.of_date(d, months.OPEN_END) for d in u["valid_to"]]
        u = u[["uid", "code", "level", "province_code", "vf", "vt", "former_unit_code", "successor_code"]]
        el = pd.DataFrame({"eid": np.arange(len(self.registry.elements), dtype=np.int32),
                           "element_code": [e.code for e in self.registry.elements]})
        eid = dict(zip(el["element_code"], el["eid"]))
        inds = pd.DataFrame([(k, i.code, self.registry.element_by_code[i.numerator].kind == "stock")
                             for k, i in enumerate(self.registry.indicators)], columns=["iid", "indicator_code", "is_stock"])
        roles = pd.DataFrame([(eid[i.numerator], k, "num") for k, i in enumerate(self.registry.indicators)]
                             + [(eid[i.denominator], k, "den") for k, i in enumerate(self.registry.indicators)],
                             columns=["eid", "iid", "role"])
        values, targets = self.values, self.targets  # noqa: F841 (scanned by name below)
        con.execute("CREATE OR REPLACE TABLE u AS SELECT * FROM u")
        con.execute("CREATE OR REPLACE TABLE el AS SELECT * FROM el")
        con.execute("CREATE OR REPLACE TABLE ind AS SELECT * FROM inds")
        con.execute("CREATE OR REPLACE TABLE roles AS SELECT * FROM roles")
        con.execute("""CREATE OR REPLACE TABLE pred AS
                       SELECT g.uid AS gid, p.uid AS pid FROM u g JOIN u p ON p.code = g.former_unit_code
                       UNION ALL SELECT g.uid, p.uid FROM u p JOIN u g ON g.code = p.successor_code""")
        con.execute("""CREATE OR REPLACE TABLE tgt AS SELECT ind.iid, CAST(t.year AS INTEGER) AS year, u.uid, t.value
                       FROM targets t JOIN ind USING (indicator_code) JOIN u ON u.code = t.unit_code""")
        con.execute("""CREATE OR REPLACE TABLE v AS SELECT u.uid, el.eid,
                       CAST(substr(x.period, 1, 4) AS INTEGER) * 12 + CAST(substr(x.period, 6, 2) AS INTEGER) - 1 AS m,
                       x.value FROM values x JOIN u ON u.code = x.unit_code JOIN el USING (element_code)""")

    def kpis(self, periods: list[str], level: str, kind: str) -> pd.DataFrame:
        ends = np.array([months.index(p) for p in periods])
        year_ends = ends - 12
        lo = int(min(months.window_start(year_ends, kind).min(), (ends - ends % 12 - 1).min()))
        hi = int(ends.max())
        roles = []
        for e in ends:
            roles.append((int(e), int(months.window_start(e, kind)), int(e), "cur"))
            roles.append((int(e), int(months.window_start(e - 1, kind)), int(e - 1), "prev"))
            roles.append((int(e), int(months.window_start(e - 12, kind)), int(e - 12), "year"))
        ends_sql = ", ".join(f"({e0}, {a}, {e}, '{r}')" for e0, a, e, r in roles)
        if level == "province":
            member = ("SELECT m.uid, g.uid AS gid FROM u m JOIN u g ON g.code = m.province_code AND g.level = 'province' "
                      "WHERE m.level IN ('district', 'commune')")
            peer = "0"
        else:
            member = f"SELECT uid, uid AS gid FROM u WHERE level = '{level}'"
            peer = "gu.province_code"
        c, band = self.carry, self.band
        sql = f"""
        WITH pairs AS MATERIALIZED (  -- unit, month, indicator where both elements were reported
            SELECT v.uid, v.m, r.iid,
                   max(v.value) FILTER (WHERE r.role = 'num') AS num, max(v.value) FILTER (WHERE r.role = 'den') AS den
            FROM v JOIN roles r USING (eid) WHERE v.m BETWEEN {lo - c} AND {hi}
            GROUP BY ALL HAVING num IS NOT NULL AND den IS NOT NULL
        ), valid AS MATERIALIZED (
            SELECT u.uid, r.range AS m FROM u, range({lo}, {hi + 1}) r WHERE u.vf <= r.range AND r.range <= u.vt
        ), flow_unit AS (
            SELECT p.uid, p.m, p.iid, p.num, p.den
            FROM pairs p JOIN ind USING (iid) JOIN valid USING (uid, m) WHERE NOT ind.is_stock
        ), stock_unit AS (  -- the latest pair at most {c} months back, for units that exist that month
            SELECT g.uid, g.m, g.iid, p.num, p.den
            FROM (SELECT valid.uid, valid.m, ind.iid FROM valid, ind WHERE ind.is_stock) g
            ASOF JOIN pairs p ON g.uid = p.uid AND g.iid = p.iid AND g.m >= p.m
            WHERE g.m - p.m <= {c}
        ), unit_month AS MATERIALIZED (
            SELECT * FROM flow_unit UNION ALL SELECT * FROM stock_unit
        ), member AS ({member}
        ), gm AS MATERIALIZED (
            SELECT mb.gid, um.m, um.iid, sum(um.num) AS num, sum(um.den) AS den
            FROM unit_month um JOIN member mb USING (uid) GROUP BY ALL
        ), ends AS (
            SELECT * FROM (VALUES {ends_sql}) t(e0, a, e, role)
        ), win AS MATERIALIZED (
            SELECT ends.e0, ends.role, gm.gid, gm.iid,
                   CASE WHEN ind.is_stock THEN sum(gm.num) FILTER (WHERE gm.m = ends.e) ELSE sum(gm.num) END AS num,
                   CASE WHEN ind.is_stock THEN sum(gm.den) FILTER (WHERE gm.m = ends.e) ELSE sum(gm.den) END AS den
            FROM ends JOIN gm ON gm.m BETWEEN ends.a AND ends.e JOIN ind USING (iid)
            GROUP BY ends.e0, ends.role, gm.gid, gm.iid, ind.is_stock
        ), base AS (
            SELECT DISTINCT ends.e0, mb.gid FROM ends JOIN member mb ON true JOIN valid va
            ON va.uid = mb.uid AND va.m = ends.e0 WHERE ends.role = 'cur'
        ), mv AS MATERIALIZED (
            SELECT gid, m, iid, num / den AS value FROM gm WHERE den > 0
        ), years AS (
            SELECT DISTINCT e0 // 12 AS y FROM ends
        ), own_dec AS (
            SELECT y, gid, iid, value FROM mv JOIN years ON mv.m = y * 12 - 1
        ), pred_dec AS (
            SELECT y, pred.gid, um.iid, sum(um.num) AS num, sum(um.den) AS den
            FROM years JOIN unit_month um ON um.m = y * 12 - 1 JOIN pred ON pred.pid = um.uid GROUP BY ALL
        ), first_m AS (
            SELECT y, gid, iid, arg_min(value, m) AS value, min(m) AS m
            FROM mv JOIN years ON mv.m BETWEEN y * 12 AND y * 12 + 11 GROUP BY ALL
        ), rows AS (
            SELECT b.e0, b.gid, i.iid,
                   coalesce(cur.num, 0) AS numerator, coalesce(cur.den, 0) AS denominator,
                   CASE WHEN cur.den > 0 THEN cur.num / cur.den END AS value,
                   CASE WHEN prev.den > 0 THEN prev.num / prev.den END AS value_prev,
                   CASE WHEN yr.den > 0 THEN yr.num / yr.den END AS value_year,
                   coalesce(own.value, prov.value) AS target,
                   coalesce(od.value, CASE WHEN pd.den > 0 THEN pd.num / pd.den END, fm.value) AS start,
                   CASE WHEN od.value IS NOT NULL OR pd.den > 0 THEN b.e0 // 12 * 12 - 1 ELSE fm.m END AS start_m,
                   b.e0 - (b.e0 // 12 * 12 - 1) AS mo,
                   {peer} AS peer
            FROM base b CROSS JOIN ind i
            JOIN u gu ON gu.uid = b.gid
            LEFT JOIN u pu ON pu.code = gu.province_code AND pu.level = 'province'
            LEFT JOIN win cur ON cur.e0 = b.e0 AND cur.role = 'cur' AND cur.gid = b.gid AND cur.iid = i.iid
            LEFT JOIN win prev ON prev.e0 = b.e0 AND prev.role = 'prev' AND prev.gid = b.gid AND prev.iid = i.iid
            LEFT JOIN win yr ON yr.e0 = b.e0 AND yr.role = 'year' AND yr.gid = b.gid AND yr.iid = i.iid
            LEFT JOIN tgt own ON own.uid = b.gid AND own.year = b.e0 // 12 AND own.iid = i.iid
            LEFT JOIN tgt prov ON prov.uid = pu.uid AND prov.year = b.e0 // 12 AND prov.iid = i.iid
            LEFT JOIN own_dec od ON od.y = b.e0 // 12 AND od.gid = b.gid AND od.iid = i.iid
            LEFT JOIN pred_dec pd ON pd.y = b.e0 // 12 AND pd.gid = b.gid AND pd.iid = i.iid
            LEFT JOIN first_m fm ON fm.y = b.e0 // 12 AND fm.gid = b.gid AND fm.iid = i.iid
        ), glide AS (
            SELECT *, CASE
                WHEN start IS NULL OR mo < start_m - (e0 // 12 * 12 - 1) THEN NULL
                WHEN 12 - (start_m - (e0 // 12 * 12 - 1)) > 0
                    THEN start + (target - start) * (mo - (start_m - (e0 // 12 * 12 - 1))) / (12 - (start_m - (e0 // 12 * 12 - 1)))
                ELSE target END AS expected
            FROM rows
        ), result AS (
            SELECT e0, gid, iid, numerator, denominator, value, target, (value - target) * 100 AS gap_pp, expected,
                   CASE WHEN value IS NULL THEN 'no_data' WHEN target IS NULL THEN 'no_target'
                        WHEN value >= target - 1e-12 THEN 'met'
                        WHEN expected IS NOT NULL AND value >= expected - 1e-12 THEN 'on_track'
                        WHEN expected IS NOT NULL AND value >= expected - {band} / 100.0 - 1e-12 THEN 'at_risk'
                        ELSE 'behind' END AS status,
                   (value - value_prev) * 100 AS change_mom_pp, (value - value_year) * 100 AS change_yoy_pp,
                   CASE WHEN value IS NOT NULL THEN rank() OVER (PARTITION BY e0, iid, peer ORDER BY value DESC NULLS LAST) END AS rank,
                   count(value) OVER (PARTITION BY e0, iid, peer) AS peers
            FROM glide
        )
        SELECT r.e0, gu.code AS unit_code, ind.indicator_code, r.* EXCLUDE (e0, gid, iid)
        FROM result r JOIN u gu ON gu.uid = r.gid JOIN ind USING (iid)
        """
        out = self.con.execute(sql).df()
        out["period"] = [months.period(m) for m in out["e0"]]
        return out


# -- checking ---------------------------------------------------------------------------------------------


def same(engine: pd.DataFrame, reference: pd.DataFrame) -> tuple[bool, str]:
    key = ["period", "unit_code", "indicator_code"]
    a = engine[key + COMPARED].astype({"period": object, "unit_code": object, "indicator_code": object})
    b = reference[key + COMPARED].astype({"period": object, "unit_code": object, "indicator_code": object})
    if len(a) != len(b):
        return False, f"{len(a)} rows against {len(b)}"
    both = a.merge(b, on=key, how="outer", suffixes=("", "_sql"), indicator=True)
    if (both["_merge"] != "both").any():
        return False, f"{(both['_merge'] != 'both').sum()} rows on one side only"
    for col in COMPARED:
        x, y = both[col], both[col + "_sql"]
        if col == "status":
            bad = (x.astype(str) != y.astype(str))
        else:
            xf = pd.to_numeric(x, errors="coerce").astype(float).to_numpy()
            yf = pd.to_numeric(y, errors="coerce").astype(float).to_numpy()
            bad = ~(np.isclose(xf, yf, rtol=1e-9, atol=1e-9) | (np.isnan(xf) & np.isnan(yf)))
        if np.asarray(bad).any():
            first = both[np.asarray(bad)].iloc[0]
            return False, f"{col} differs in {int(np.asarray(bad).sum())} rows, e.g. {dict(first[key])}: {first[col]} vs {first[col + '_sql']}"
    return True, f"{len(a)} rows equal"


# -- the run ------------------------------------------------------------------------------------------------


def run_scale(name: str, units, values, registry, targets, levels: list[str], period: str, repeat: int) -> list[dict]:
    rows = []
    last12 = [months.period(m) for m in range(months.index(period) - 11, months.index(period) + 1)]
    tasks = {
        "one month": lambda i, lv: kpis(i, period, level=lv),
        "year to date": lambda i, lv: kpis(i, period, level=lv, kind="ytd"),
        "12-month trend": lambda i, lv: trend(i, period, level=lv, n_months=12),
    }
    sql_tasks = {
        "one month": ([period], "month"),
        "year to date": ([period], "ytd"),
        "12-month trend": (last12, "month"),
    }
    print(f"\n{name}: {len(units)} units, {len(values):,} values, levels {', '.join(levels)}, period {period}", flush=True)

    def engine_load():
        inputs = Inputs(units=units, values=values, registry=registry, targets=targets)
        inputs.cube  # noqa: B018
        return inputs

    ref = DuckDBReference(units, values, registry, targets)
    t_load = median_seconds(engine_load, repeat=repeat)
    d_load = median_seconds(ref.load, repeat=repeat)
    rows.append(_row(name, "load (cube / tables)", t_load, d_load, "–"))
    inputs = engine_load()
    for task, fn in tasks.items():
        periods, kind = sql_tasks[task]
        for lv in levels:  # check every level's figures before timing anything
            ok, why = same(fn(inputs, lv), ref.kpis(periods, lv, kind))
            if not ok:
                raise SystemExit(f"{name}, {task}, {lv}: the engine and DuckDB disagree: {why}")
        n = sum(len(fn(inputs, lv)) for lv in levels)
        t = median_seconds(lambda: [fn(inputs, lv) for lv in levels], repeat=repeat)
        d = median_seconds(lambda: [ref.kpis(periods, lv, kind) for lv in levels], repeat=repeat)
        rows.append(_row(name, task, t, d, f"{n:,} rows equal"))
    province_month = median_seconds(lambda: kpis(inputs, period, level="province"), repeat=max(repeat, 15))
    d_province = median_seconds(lambda: ref.kpis([period], "province", "month"), repeat=max(repeat, 15))
    rows.append(_row(name, "province month (overview)", province_month, d_province, "checked above"))
    return rows


def _row(scale, task, engine_s, duck_s, check) -> dict:
    return {"scale": scale, "task": task, "engine ms": f"{engine_s * 1000:.1f}", "DuckDB ms": f"{duck_s * 1000:.1f}",
            "ratio": f"{engine_s / duck_s:.2f}", "check": check}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--scale", choices=["province", "nation", "both"], default="both")
    args = parser.parse_args()
    import duckdb

    registry = load_registry()
    print(machine(), f"pandas {pd.__version__}, numpy {np.__version__}, DuckDB {duckdb.__version__}")
    rows = []
    if args.scale in ("province", "both"):
        started = time.perf_counter()
        units, values, targets = province_data(registry)
        print(f"(province data generated in {time.perf_counter() - started:.1f} s)")
        rows += run_scale("province", units, values, registry, targets, ["commune", "department", "province"], "2026-10", args.repeat)
    if args.scale in ("nation", "both"):
        started = time.perf_counter()
        units, values, targets = nation_data(registry)
        print(f"(national data generated in {time.perf_counter() - started:.1f} s)")
        rows += run_scale("nation", units, values, registry, targets, ["commune", "province"], "2025-10", args.repeat)
    print()
    print_table(rows, ["scale", "task", "engine ms", "DuckDB ms", "ratio", "check"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
