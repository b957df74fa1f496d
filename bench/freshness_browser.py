"""Freshness in Chromium with two server processes (issue 15, item 1): the first page each process serves
after a submission stored elsewhere, against a warm page on the same process, measured in the same run;
and whether the submission shows on both.

    python bench/national.py --backend postgresql          (once: database p06_national, 2.9 M values)
    python bench/freshness_browser.py [--on national-pg|national|sample|URL] [--rounds 5]

Two `python -m ui.serve` processes on the same database (as behind nginx), one signed-in browser tab on
each (a national account, added if missing, a new random password per run). Each round, on each process:
the country overview warm (the reference: nothing changed), then a two-value correction of one commune's
figures stored from this script (`record_submission`, as an upload through a third process would), then
the same address again on process A and on process B: the first page after the submission (the process
catches up with the submissions stamped above the values version it holds, then computes the metrics
afresh). Then the province's overview on each process: its card for the online-dossier rate must show the
corrected figure (it moves by about a point each round). Timed from navigation to the run finished with
every plotly chart drawn. Goal: at most 1.5 × warm, and the submission visible on both.

Then `--fresh` times (default 2) a freshly started third process, in four ways: as soon as it answers, or
once its background warm-up (ui/warmup.py) has reported; reading every value from the database, or taking
the copy of the figures processes A and B left on disk (storage/figure_cache.py; it is older than the
rounds' submissions, which the new process then catches up with); each on the same port, from which the
browser has loaded the app once before (as behind nginx, where a new process answers at the same address); the signed-in tab (the session cookie holds for
every process of the deployment) opens the same country overview on it, timed the same way, and the
process's peak resident memory (VmHWM) is read after that page. Goal: at most 5 s and 600 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, ROOT, machine, print_table, sample_database  # noqa: E402
from bench.country import DONE, USERNAME, national_account  # noqa: E402
from bench.national import DEFAULT_PG, pg_url, sqlite_url  # noqa: E402
from bench.run_all import _serve  # noqa: E402

CARD = "Tỷ lệ hồ sơ tiếp nhận trực tuyến"


def database(on: str) -> str:
    if on == "national-pg":
        return pg_url(DEFAULT_PG)
    if on == "national":
        if not (OUT / "national.db").exists():
            sys.exit("no bench/out/national.db: run `python bench/national.py --backend sqlite` first")
        return sqlite_url()
    if on == "sample":
        # A database of its own: the submissions and the account stored here end the sample mode, in which
        # the other benchmarks sign in with the demo accounts.
        return sample_database("bench_fresh_sample")
    return on


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--on", default="national-pg")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--fresh", type=int, default=2, help="freshly started processes to time (0: none)")
    args = parser.parse_args()
    url = database(args.on)
    secret = national_account(url)

    from playwright.sync_api import sync_playwright

    from testkit.live_server import free_port

    from storage import frames
    from storage.db import make_engine
    from storage.submissions import SubmissionIn, ValueIn, record_submission

    engine = make_engine(url)
    units = frames.load_units(engine)
    provinces = sorted(units.loc[units["level"] == "province", "code"])
    province = "40" if "40" in provinces else provinces[0]
    period = frames.latest_period(engine)
    communes = units[(units["level"] == "commune") & (units["province_code"] == province)]
    commune = communes["code"].iloc[0]
    values = frames.load_values(engine, first=period, last=period)
    received = int(values[(values["unit_code"] == commune) & (values["element_code"] == "dossiers_received")]["value"].iloc[0])
    several = len(provinces) > 1
    country = f"/tong-quan?period={period}" + ("&prov=VN" if several else "")
    province_page = f"/tong-quan?period={period}" + (f"&prov={province}" if several else "")

    tmp = Path(tempfile.mkdtemp(prefix="p06_fresh_"))
    procs, tabs = [], []
    fresh = {(w, c): [] for c in (False, True) for w in (False, True)}
    fresh_mb = {False: [], True: []}
    cache = tmp / "figure_cache"  # the copy of the figures the processes share (as data/cache in a deployment)
    os.environ["P06_FIGURE_CACHE_DIR"] = str(cache)
    stamp = int(time.time())
    try:
        for name in ("a", "b"):
            proc, base = _serve(ROOT / "app.py", url, tmp / f"{name}.log")
            procs.append((proc, base))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-dev-shm-usage"])
            for _, base in procs:
                page = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN").new_page()
                page.goto(base + "/", wait_until="domcontentloaded")
                page.get_by_label("Tên đăng nhập").fill(USERNAME)
                page.get_by_label("Mật khẩu").fill(secret)
                page.get_by_role("button", name="Đăng nhập").click()
                page.wait_for_function(DONE, timeout=900_000, polling=100)
                tabs.append((page, base))

            def visit(page, address: str) -> float:
                started = time.perf_counter()
                page.goto(address, wait_until="commit")
                page.wait_for_timeout(50)
                page.wait_for_function(DONE, timeout=900_000, polling=50)
                return time.perf_counter() - started

            def card(page) -> str:
                metric = page.locator('[data-testid="stMetric"]', has_text=CARD).first
                return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()

            def shown(address: str) -> list[str]:
                """The card's value on each process."""
                out = []
                for page, base in tabs:
                    visit(page, base + address)
                    out.append(card(page))
                return out

            for page, base in tabs:  # warm each process: the country, then the province
                visit(page, base + country)
                visit(page, base + province_page)
            times = {"warm, process A": [], "warm, process B": [], "after a submission, process A": [],
                     "after a submission, process B": []}
            shown_ok = 0
            for r in range(args.rounds):
                for (page, base), label in zip(tabs, "AB"):
                    visit(page, base + country)
                    times[f"warm, process {label}"].append(visit(page, base + country))
                before = shown(province_page)
                held = frames.load_values(engine, first=period, last=period)
                now = held[(held["unit_code"] == commune) & (held["element_code"] == "dossiers_received_online")]["value"]
                online = 0 if len(now) and int(now.iloc[0]) == received else received  # all online, then none
                record_submission(engine, SubmissionIn(
                    "locality", f"bench_fresh_{stamp}_{r}.csv", f"bench fresh {stamp} {r}".encode(), "bench",
                    [ValueIn(commune, period, "dossiers_received_online", online),
                     ValueIn(commune, period, "dossiers_received", received)]))
                for (page, base), label in zip(tabs, "AB"):
                    times[f"after a submission, process {label}"].append(visit(page, base + country))
                after = shown(province_page)
                shown_ok += all(b != a for b, a in zip(before, after)) and after[0] == after[1]
                print(f"  round {r + 1}: {before} -> {after}", flush=True)
            # The fresh processes all answer on one port, which the browser has already loaded the app from
            # (an untimed first process): behind nginx a new process is reached at the same address, where the
            # browser holds Streamlit's static files; on a new port each time, every first page would also
            # fetch and compile them again, a cost of the benchmark, not of the deployment.
            port = free_port()
            primer, base = _serve(ROOT / "app.py", url, tmp / "primer.log", port=port)
            procs.append((primer, base))
            visit(tabs[0][0], base + country)
            primer.terminate()
            primer.wait(10)
            procs.pop()
            for n in range(4 * args.fresh):
                # In turn: as soon as the server answers or once warmed up; reading every value from the
                # database, or taking the copy the running processes left on disk (storage/figure_cache.py).
                warmed, copy = n % 2 == 1, n % 4 >= 2
                os.environ["P06_FIGURE_CACHE_DIR"] = str(cache) if copy else "0"
                log = tmp / f"fresh{n}.log"
                proc, base = _serve(ROOT / "app.py", url, log, port=port)
                procs.append((proc, base))
                if warmed:
                    warm_for = _wait_for(log, "p06 warm-up:")
                took = visit(tabs[0][0], base + country)
                fresh[(warmed, copy)].append(took)
                fresh_mb[copy].append(_peak_mb(proc.pid))
                print(f"  fresh process {n + 1}{f' (after its warm-up, {warm_for:.1f} s)' if warmed else ''}"
                      f"{', the copy on disk' if copy else ', every value read'}: "
                      f"{took:.2f} s, peak {fresh_mb[copy][-1]:,.0f} MB", flush=True)
                proc.terminate()
                proc.wait(10)
                procs.pop()
            os.environ["P06_FIGURE_CACHE_DIR"] = str(cache)
            browser.close()
    finally:
        for proc, _ in procs:
            proc.terminate()
            proc.wait(10)
        engine.dispose()
    warm = statistics.median(times["warm, process A"] + times["warm, process B"])
    for (warmed, copy), took in fresh.items():
        if took:
            times[f"first page of a fresh process, {'after its warm-up' if warmed else 'as soon as it answers'}, "
                  f"{'taking the copy on disk' if copy else 'reading every value'}"] = took
    rows = [{"page": name, "median": f"{statistics.median(t) * 1000:,.0f} ms",
             "range": f"{min(t) * 1000:,.0f}–{max(t) * 1000:,.0f} ms", "× warm": f"{statistics.median(t) / warm:.2f}"}
            for name, t in times.items()]
    print(f"{machine()}; {args.on} ({len(units):,} units), two server processes, Chromium, {args.rounds} rounds; "
          f"the page: {country}")
    print_table(rows, ["page", "median", "range", "× warm"])
    print(f"the corrected figure shown by both processes after the submission: {shown_ok} of {args.rounds} rounds")
    copies = sorted(p.name for p in cache.glob("*.values.arrow"))
    print(f"copies of the figures on disk: {', '.join(copies) if copies else 'none (fewer values than P06_FIGURE_CACHE_MIN_ROWS: every start reads them)'}")
    for copy, mbs in fresh_mb.items():
        if mbs:
            print(f"peak resident memory of a freshly started process after its first page, "
                  f"{'taking the copy on disk' if copy else 'reading every value'}: "
                  f"{', '.join(f'{mb:,.0f} MB' for mb in mbs)} (goal: 5 s and 600 MB)")


def _wait_for(log: Path, line: str, timeout: float = 600) -> float:
    """Seconds until `line` appears in the server's log (the warm-up's report)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if line in log.read_text(errors="replace"):
            return time.perf_counter() - started
        time.sleep(0.2)
    raise RuntimeError(f"no {line!r} in {log} after {timeout:.0f} s")


def _peak_mb(pid: int) -> float:
    """The process's peak resident set (VmHWM) in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


if __name__ == "__main__":
    main()
