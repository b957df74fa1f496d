"""Draw time of the map page (Bản đồ) in Chromium against a bare pydeck page drawing the same polygons,
measured in the same run, interleaved (bare, deck, app, bare, ...). Goal: the map drawn in under 1 s after
the data is ready, and close to what deck.gl itself needs for those polygons.

    python bench/map.py [--repeat 7] [--level former_district|commune]

- bare: a one-line Streamlit script with `st.pydeck_chart` of one PolygonLayer holding exactly the app's
  polygons for that view (no outline, labels or legend); timed from navigation (a fresh load of the page,
  in its own tab: Streamlit's own start-up is inside this time) to its canvas drawn.
- deck: the same bare script drawing the app's whole deck (outline, district lines, labels, tooltips):
  what the map's content costs over the bare polygons.
- app: the map page of the app on the sample province, signed in once as the demo administrator in a
  second tab; timed from a click on "Bản đồ" in the navigation (coming from the overview, once the
  overview's charts are drawn and the browser's main thread has been free for a second) to the page's run
  finished and its canvas drawn: what a user waits for, with the server's data caches warm.

Two times per run: "drawn" (the page's run finished and the map's canvas sized and drawn) and "settled"
(the browser's main thread free again: the end of the last long task, >50 ms, seen by a
PerformanceObserver, until none has come for two seconds). Under software GL (this machine has no GPU)
deck.gl builds its layers in long tasks after the first frame; "settled" is when the page answers clicks.
A third figure, "Chromium CPU", is the processor time all of Chromium's processes (page, GPU process with
its software GL) spent from the start to "settled": less sensitive than the clock to other work on a shared
machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, machine, print_table, sample_database  # noqa: E402

PERIOD = "2026-10"
# A canvas is in the page at once with the browser's default size (300 × 150); deck.gl sizes it to the chart
# (560 px high here) when its WebGL context and layers are set up, and draws in the next frame.
CANVAS_DRAWN = """() => {
    const maps = [...document.querySelectorAll('[data-testid="stDeckGlJsonChart"]')];
    const idle = document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]');
    const sized = idle && maps.length > 0 && maps.every(m => [...m.querySelectorAll('canvas')].some(c => c.width > 300 && c.height > 300));
    return sized ? performance.now() : false;
}"""
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Long tasks (the main thread busy for more than 50 ms), recorded from the start of every document.
LONG_TASKS = """window.__longTasks = [];
new PerformanceObserver(list => { for (const e of list.getEntries()) window.__longTasks.push(e.startTime + e.duration); })
    .observe({type: 'longtask'});"""
QUIET_MS = 2000
BARE_PAGE = textwrap.dedent(
    """
    import json
    import pydeck as pdk
    import streamlit as st
    spec = json.load(open({path!r}, encoding="utf-8"))
    if st.query_params.get("deck") == "app":  # the app's whole deck (outline, lines, labels), nothing else
        class Fixed(pdk.Deck):
            def to_json(self):
                return spec["deck"]
        deck = Fixed(map_provider=None)
    else:
        layer = pdk.Layer("PolygonLayer", spec["polygons"], get_polygon="polygon", get_fill_color="fill", pickable=True)
        deck = pdk.Deck(layers=[layer], initial_view_state=pdk.ViewState(**spec["view"]), map_provider=None)
    st.pydeck_chart(deck, height=560)
    """
)


def chromium_cpu_seconds() -> float:
    """User + system time of this process's Chromium descendants (Linux /proc; 0 elsewhere)."""
    children: dict[int, list[int]] = {}
    names, ticks = {}, {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        pid, rest = int(entry), stat[stat.rindex(")") + 2:].split()
        children.setdefault(int(rest[1]), []).append(pid)
        names[pid], ticks[pid] = stat[stat.index("(") + 1:stat.rindex(")")], int(rest[11]) + int(rest[12])
    total, stack = 0, [os.getpid()]
    while stack:
        for child in children.get(stack.pop(), []):
            stack.append(child)
            total += ticks[child] if "chrom" in names[child] else 0
    return total / os.sysconf("SC_CLK_TCK")


def polygons_of_the_app(url: str, level: str) -> dict:
    """The app's own polygons and view for the sample's latest month (computed outside Streamlit)."""
    os.environ["DATABASE_URL"] = url
    from ui import data
    from ui.views import maps

    key = data.version()
    m = maps.map_data(key, PERIOD, level, "online_dossier_rate", "status", "vi", None)
    return {"polygons": [{"polygon": p["polygon"], "fill": p["fill"]} for p in m.polygons], "view": m.view,
            "deck": maps.deck(m, level).to_json()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--level", default="commune", choices=["former_district", "commune"])
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    from services.demo import DEMO_PASSWORD, ensure_demo_accounts
    from storage.db import make_engine
    from testkit.live_server import streamlit_server

    url = sample_database()
    engine = make_engine(url)
    ensure_demo_accounts(engine)
    engine.dispose()
    tmp = Path(tempfile.mkdtemp(prefix="p06_map_bench_"))
    spec = polygons_of_the_app(url, args.level)
    (tmp / "polygons.json").write_text(json.dumps(spec), encoding="utf-8")
    bare = tmp / "bare.py"
    bare.write_text(BARE_PAGE.format(path=str(tmp / "polygons.json")), encoding="utf-8")

    from streamlit.runtime.pages_manager import PagesManager  # noqa: F401 (imported by the server too)

    app_times, bare_times, deck_times = [], [], []
    with streamlit_server(url, tmp) as app_base, _bare_server(bare, tmp) as bare_base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-dev-shm-usage"])
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
        context.add_init_script(LONG_TASKS)
        bare_page, app_page = context.new_page(), context.new_page()
        app_address = f"{app_base}/ban-do?period={PERIOD}&level={args.level}&ind=online_dossier_rate"
        app_page.goto(app_address, wait_until="domcontentloaded")
        app_page.get_by_label("Tên đăng nhập").fill("demo_admin")
        app_page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        app_page.get_by_role("button", name="Đăng nhập").click()
        app_page.wait_for_function(CANVAS_DRAWN, timeout=180_000)  # signed in; the view's filters remembered

        def settled(page, drawn: float, at_drawn: float) -> float:
            """`drawn` (seconds since the start; the page's clock read `at_drawn` ms then) moved to the end of
            the last long task after it, once the main thread has had none for QUIET_MS. deck.gl sizes its
            canvas, then builds its layers (shaders, buffers, the labels' font atlas) and draws in one long
            task: under software GL that task is most of the wait."""
            while True:
                now, ends = page.evaluate("[performance.now(), window.__longTasks]")
                last = max([e for e in ends if e > at_drawn], default=at_drawn)
                if now - last >= QUIET_MS:
                    return drawn + (last - at_drawn) / 1000
                time.sleep(0.2)

        def wait_drawn(page, started: float, cpu: float) -> tuple[float, float, float]:
            at_drawn = page.wait_for_function(CANVAS_DRAWN, timeout=180_000, polling=20).json_value()
            drawn = time.perf_counter() - started
            calm = settled(page, drawn, at_drawn)
            return drawn, calm, chromium_cpu_seconds() - cpu

        # Each run brings its tab to the front first: a tab in the background gets no animation frames, and
        # deck.gl draws in one.
        def bare_run(address: str = bare_base) -> tuple[float, float, float]:
            bare_page.bring_to_front()
            cpu, started = chromium_cpu_seconds(), time.perf_counter()
            bare_page.goto(address, wait_until="commit")
            return wait_drawn(bare_page, started, cpu)

        def app_run() -> tuple[float, float, float]:
            app_page.bring_to_front()
            app_page.get_by_role("link", name="Tổng quan").click()
            app_page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=180_000)
            app_page.wait_for_selector(IDLE, timeout=180_000)
            settled(app_page, 0.0, 0.0)  # the overview's charts drawn and the main thread free
            app_page.evaluate("window.__longTasks = []")
            cpu, started = chromium_cpu_seconds(), time.perf_counter()
            app_page.get_by_role("link", name="Bản đồ").click()
            return wait_drawn(app_page, started, cpu)

        bare_run(), bare_run(bare_base + "/?deck=app"), app_run()  # warm both servers' caches
        for _ in range(args.repeat):
            bare_times.append(bare_run())
            deck_times.append(bare_run(bare_base + "/?deck=app"))
            app_times.append(app_run())
        browser.close()

    print(f"Map page vs bare pydeck page, {len(spec['polygons'])} polygons ({args.level}), {args.repeat} interleaved runs")
    print(machine())
    rows = []
    names = {"bare": "bare pydeck page, same polygons (reference)",
             "deck": "bare page, the app's whole deck (outline, lines, labels)",
             "app": f"Bản đồ ({args.level}, {PERIOD}): navigation in the app"}
    ref_drawn = statistics.median(t[0] for t in bare_times)
    ref_settled = statistics.median(t[1] for t in bare_times)
    ref_cpu = statistics.median(t[2] for t in bare_times) or float("nan")
    for name, times in (("bare", bare_times), ("deck", deck_times), ("app", app_times)):
        drawn, calm = statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)
        cpu = statistics.median(t[2] for t in times)
        rows.append({"page": names[name], "drawn (median)": f"{drawn * 1000:.0f} ms", "ratio": f"{drawn / ref_drawn:.2f}",
                     "settled (median)": f"{calm * 1000:.0f} ms", "ratio ": f"{calm / ref_settled:.2f}",
                     "Chromium CPU (median)": f"{cpu * 1000:.0f} ms", "ratio  ": f"{cpu / ref_cpu:.2f}"})
    print_table(rows, ["page", "drawn (median)", "ratio", "settled (median)", "ratio ", "Chromium CPU (median)", "ratio  "])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"map-{args.level}.json").write_text(json.dumps({"bare_s": bare_times, "deck_s": deck_times, "app_s": app_times}),
                                                encoding="utf-8")


def _bare_server(script: Path, tmp: Path):
    """The bare script served like the app (same server options), on its own port."""
    import contextlib
    import subprocess
    import urllib.request

    from testkit.live_server import free_port

    @contextlib.contextmanager
    def run():
        port = free_port()
        log = open(tmp / "bare.log", "w")
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                                 "--server.address", "127.0.0.1", "--server.headless", "true",
                                 "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                                stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(400):
                try:
                    with urllib.request.urlopen(base + "/_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.3)
            yield base
        finally:
            proc.terminate()
            proc.wait(10)
            log.close()

    return run()


if __name__ == "__main__":
    main()
