"""Every benchmark of the project, one after another, and one table of their results, each figure as a
ratio against the reference its script measured in the same run (these machines are shared and noisy).

    python bench/run_all.py [--quick] [--postgres SERVER_URL] [--skip NAME,...] [--only NAME,...]

The scripts and their references:
- ingest (bench/ingest.py): ingesting the sample's workbooks vs a plain openpyxl pass over the same bytes;
- metrics (bench/metrics.py): the metrics engine vs the same figures in DuckDB SQL, province and nation;
- anomalies (bench/anomalies.py): the review's signals for a national month vs the engine's month (issue 19);
- pages (bench/pages.py): every page's warm rerun vs a bare page with one plotly chart (province);
- pages-signed-in (bench/national.py --pages-on): the same, signed in as an administrator, on the sample;
- report (bench/report.py): the monthly pack vs plain openpyxl + bare python-docx;
- access (bench/access.py): sign-in and rights checks vs the data-version query and a bare argon2 verify;
- national (bench/national.py): the national set loaded into SQLite and PostgreSQL vs a bare executemany,
  then every page's warm rerun on it vs a bare page;
- load (bench/load.py): p50/p95 reruns with 1–16 simultaneous users vs a bare page;
- freshness (bench/freshness.py, bench/freshness_browser.py): the first page after a submission, a target
  change and a fresh start vs a warm page, in AppTest and in Chromium (issue 15);
- country (bench/country.py): the country level vs a bare page; map (bench/map.py): the map drawn vs a bare
  pydeck page with the same polygons;
- store-floor (bench/store_floor.py): compiled workbooks checked and stored vs the openpyxl pass, beside the
  bare write of the same rows (the floor the schema sets);
- gc-pages (bench/gc_pages.py): full garbage collections in a server process, start-up frozen vs as before;
- browser (here): time to the first chart drawn in Chromium, the overview page vs a bare page served the
  same way.
Each script's full output goes to bench/out/run_all-NAME.txt. `--quick` runs each with fewer repeats, the
national load on SQLite only and the load test with 1 and 4 users (a few minutes instead of about twenty).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, ROOT, machine, print_table  # noqa: E402

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"


def commands(quick: bool, pg: str | None) -> dict[str, list[str]]:
    py = [sys.executable]
    pg_args = ["--postgres", pg] if pg else []
    national_backends = ["--backend", "sqlite"] if quick or not pg else ["--backend", "both"]
    return {
        "ingest": py + ["bench/ingest.py", "--repeat", "1" if quick else "3"],
        "metrics": py + ["bench/metrics.py", "--repeat", "2" if quick else "5"],
        "anomalies": py + ["bench/anomalies.py", "--repeat", "3" if quick else "7"],
        "pages": py + ["bench/pages.py", "--repeat", "3" if quick else "7"],
        "pages-signed-in": py + ["bench/national.py", "--pages-on", "sample", "--repeat", "3" if quick else "7"],
        "report": py + ["bench/report.py", "--repeat", "2" if quick else "5"],
        "access": py + ["bench/access.py", "--repeat", "5" if quick else "15"],
        "national": py + ["bench/national.py", *national_backends, *pg_args, "--pages", "--repeat", "3" if quick else "5"],
        "load": py + ["bench/load.py", "--users", "1,4" if quick else "1,4,8,16", "--rounds", "2" if quick else "3"],
        # Issue 15: after a change, server side (AppTest) and in Chromium (national on PostgreSQL when there is
        # a server, the database the national step above built; the sample otherwise or with --quick).
        "freshness": py + ["bench/freshness.py", "--on", "sample", "--rounds", "2" if quick else "5"],
        "freshness-browser": py + ["bench/freshness_browser.py", "--on", "national-pg" if pg and not quick else "sample",
                                  "--rounds", "2" if quick else "3", "--fresh", "1" if quick else "2"],
        "country": py + ["bench/country.py", "--repeat", "3" if quick else "7"],
        "map": py + ["bench/map.py", "--repeat", "3" if quick else "7"],
        "store-floor": py + ["bench/store_floor.py", "--repeat", "2" if quick else "5"],
        **({"store-floor-postgres": py + ["bench/store_floor.py", "--repeat", "2" if quick else "5", *pg_args]} if pg else {}),
        "gc-pages": py + ["bench/gc_pages.py", "--rounds", "1" if quick else "3"],
    }


# -- reading the scripts' tables ----------------------------------------------------------------------------


def tables(output: str) -> list[list[dict]]:
    """Every markdown table a script printed (bench.common.print_table), as lists of row dicts."""
    out, lines = [], output.splitlines()
    i = 0
    while i < len(lines) - 1:
        if lines[i].startswith("| ") and re.match(r"^\|[-|]+\|$", lines[i + 1].strip()):
            header = [c.strip() for c in lines[i].strip().strip("|").split("|")]
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("| "):
                cells = [c.strip() for c in lines[i].strip().strip("|").split("|")]
                rows.append(dict(zip(header, cells)))
                i += 1
            out.append(rows)
        else:
            i += 1
    return out


RATIO = re.compile(r"ratio|/ bare|× warm", re.I)
FIGURE = re.compile(r"median|wall|engine|^load$|^ingest \(|p95$|^p50$", re.I)
LABEL_SKIP = RATIO.pattern + r"|median|wall|cpu|engine|duckdb|openpyxl|ingest \(|p50|p95|values|size|first run|under|goal|^load$|reference|units$|setup|check"


def summary_rows(name: str, output: str) -> list[dict]:
    rows = []
    for table in tables(output):
        for row in table:
            ratios = {k: v for k, v in row.items() if RATIO.search(k) and v}
            if not ratios:
                continue
            label = " · ".join(v for k, v in row.items() if v and not re.search(LABEL_SKIP, k, re.I))
            figure = next((f"{k}: {v}" for k, v in row.items() if FIGURE.search(k) and v), "")
            ref = "reference" in label or any(v in ("1.00", "1.0") for v in ratios.values()) and "bare" in label
            rows.append({"benchmark": name, "what": label[:90], "figure": figure[:40],
                         "ratio": "; ".join(f"{v}" if len(ratios) == 1 else f"{k}: {v}" for k, v in ratios.items()),
                         "_ref": ref})
    return rows


# -- browser: time to the first chart ----------------------------------------------------------------------

BARE_APP = textwrap.dedent(
    """
    import plotly.graph_objects as go
    import streamlit as st
    st.title("Bare page")
    st.plotly_chart(go.Figure(go.Bar(x=list("abcdefghij"), y=list(range(10)))))
    """
)
CHART_DRAWN = '[data-testid="stPlotlyChart"] .main-svg'


def _serve(script: Path, url: str, log: Path, port: int | None = None):
    from testkit.live_server import free_port

    port = port or free_port()
    env = {**os.environ, "DATABASE_URL": url, "P06_AUTO_SAMPLE": "0"}
    # The app as production starts it (ui.serve: the session cookie, so a navigation stays signed in).
    start = ["-m", "ui.serve"] if script.resolve() == (ROOT / "app.py").resolve() else ["-m", "streamlit", "run", str(script)]
    proc = subprocess.Popen([sys.executable, *start, "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2):
                return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(log.read_text()[-2000:])


def browser_rows(repeat: int) -> list[dict]:
    """Time from navigation to the first plotly chart drawn: the bare page, and the app's overview (signed
    in as the demo administrator in the same browser session beforehand: the sign-in is not timed)."""
    from playwright.sync_api import sync_playwright

    from bench.common import sample_database
    from services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD

    if not os.path.exists("/usr/bin/chromium"):
        return [{"benchmark": "browser", "what": "skipped: no /usr/bin/chromium", "figure": "", "ratio": ""}]
    OUT.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="p06_browser_"))
    bare_script = tmp / "bare.py"
    bare_script.write_text(BARE_APP)
    url = sample_database()
    procs = []
    try:
        bare_proc, bare_base = _serve(bare_script, url, OUT / "run_all-browser-bare.log")
        procs.append(bare_proc)
        app_proc, app_base = _serve(ROOT / "app.py", url, OUT / "run_all-browser-app.log")
        procs.append(app_proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage"])
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()

            def first_chart(base: str) -> float:
                started = time.perf_counter()
                page.goto(base + "/", wait_until="commit")
                page.wait_for_selector(CHART_DRAWN, timeout=120_000)
                return time.perf_counter() - started

            def app_chart() -> float:
                page.goto(app_base + "/", wait_until="domcontentloaded")
                user = page.get_by_label(re.compile(r"^(Tên đăng nhập|Username)$"))
                try:
                    user.first.wait_for(timeout=30_000)
                except Exception:  # noqa: BLE001 - no sign-in form: the interim sample mode
                    return first_chart(app_base)
                user.first.fill(next(a[0] for a in DEMO_ACCOUNTS if a[1] == "admin"))
                page.get_by_label(re.compile(r"^(Mật khẩu|Password)$")).first.fill(DEMO_PASSWORD)
                started = time.perf_counter()
                page.get_by_role("button", name=re.compile(r"^(Đăng nhập|Sign in)$")).last.click()
                page.wait_for_selector(CHART_DRAWN, timeout=120_000)
                return time.perf_counter() - started

            first_chart(bare_base)
            app_chart()  # warm both servers' caches
            bare = sorted(first_chart(bare_base) for _ in range(repeat))[repeat // 2]
            app = sorted(app_chart() for _ in range(repeat))[repeat // 2]
            browser.close()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
    return [
        {"benchmark": "browser", "what": "bare page: load to first chart drawn (reference)", "figure": f"median: {bare * 1000:.0f} ms", "ratio": "1.00", "_ref": True},
        {"benchmark": "browser", "what": "tong-quan: sign-in click to first chart drawn", "figure": f"median: {app * 1000:.0f} ms", "ratio": f"{app / bare:.2f}"},
    ]


def table_from_outputs() -> int:
    """The table again from the outputs of the last runs (each file's own time given), e.g. after a
    step was run again alone with --only."""
    rows = []
    for name in [*commands(False, None), "browser"]:
        path = OUT / f"run_all-{name}.txt"
        if not path.exists():
            rows.append({"benchmark": name, "what": "not run", "figure": "", "ratio": ""})
            continue
        text = path.read_text().split("--- stderr ---")[0]
        when = time.strftime("%H:%M", time.gmtime(path.stat().st_mtime))
        found = summary_rows(name, text)
        rows += found or [{"benchmark": name, "what": f"FAILED, see {path.relative_to(ROOT)}", "figure": "", "ratio": ""}]
        rows[-len(found) if found else -1]["benchmark"] = f"{name} ({when} UTC)"
    print(f"All benchmarks, from bench/out/run_all-*.txt; {machine()}")
    print("(each ratio is against the reference measured by the same script in the same run; '(reference)' rows are 1)")
    print_table(rows, ["benchmark", "what", "figure", "ratio"])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL", DEFAULT_PG), metavar="SERVER_URL",
                        help="PostgreSQL server for the national load (empty: SQLite only)")
    parser.add_argument("--skip", default="")
    parser.add_argument("--only", default="")
    parser.add_argument("--table-only", action="store_true",
                        help="run nothing: print the table from the outputs kept in bench/out/run_all-*.txt")
    args = parser.parse_args()
    if args.table_only:
        return table_from_outputs()
    skip, only = set(filter(None, args.skip.split(","))), set(filter(None, args.only.split(",")))
    OUT.mkdir(parents=True, exist_ok=True)
    rows, durations = [], []
    for name, cmd in commands(args.quick, args.postgres or None).items():
        if name in skip or (only and name not in only):
            continue
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        (OUT / f"run_all-{name}.txt").write_text(done.stdout + "\n--- stderr ---\n" + done.stderr[-20000:])
        durations.append((name, seconds, done.returncode))
        if done.returncode != 0:
            rows.append({"benchmark": name, "what": f"FAILED (exit {done.returncode}), see bench/out/run_all-{name}.txt",
                         "figure": "", "ratio": ""})
            continue
        rows += summary_rows(name, done.stdout)
    if "browser" not in skip and (not only or "browser" in only):
        print("== browser: time to first chart", flush=True)
        started = time.perf_counter()
        try:
            browser = browser_rows(3 if args.quick else 5)
            rows += browser
            with open(OUT / "run_all-browser.txt", "w") as out:
                sys.stdout, saved = out, sys.stdout
                try:
                    print_table([{"what": r["what"], "figure": r["figure"], "ratio": r["ratio"]} for r in browser], ["what", "figure", "ratio"])
                finally:
                    sys.stdout = saved
            durations.append(("browser", time.perf_counter() - started, 0))
        except Exception as exc:  # noqa: BLE001 - report and go on: the table is still worth printing
            rows.append({"benchmark": "browser", "what": f"FAILED: {type(exc).__name__}: {str(exc)[:80]}", "figure": "", "ratio": ""})
            durations.append(("browser", time.perf_counter() - started, 1))
    print()
    print(f"All benchmarks, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {machine()}")
    print("(each ratio is against the reference measured by the same script in the same run; '(reference)' rows are 1)")
    print_table(rows, ["benchmark", "what", "figure", "ratio"])
    print("\nDurations: " + ", ".join(f"{n} {s:.0f} s{'' if rc == 0 else ' (failed)'}" for n, s, rc in durations))
    return 0


if __name__ == "__main__":
    sys.exit(main())
