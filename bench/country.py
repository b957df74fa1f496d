"""The country level in Chromium (issue 15, item 2) at national scale: Tổng quan for the whole country
(the nation's 12 cards, the 34 provinces ranked, the composite ranking) and with one province opened,
against a bare page with one plotly chart served the same way, measured in the same run, interleaved.
Goal: the country overview, warm, in at most 2 s from navigation.

    python bench/national.py --backend sqlite      (once: bench/out/national.db, 2.9 M values, ~35 s)
    python bench/country.py [--repeat 7] [--url URL]

Timed from navigation (page.goto of the page's address, signed in beforehand: the session cookie) to the
page's run finished with every plotly chart drawn, after one untimed visit of the same address (the
server's caches warm). A national account (bound to no province) is added to the database if missing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, machine, print_table
from bench.national import sqlite_url
from bench.run_all import _serve

USERNAME = "bench.quoc.gia"
BARE = textwrap.dedent(
    """
    import plotly.graph_objects as go
    import streamlit as st
    st.title("Bare page")
    st.plotly_chart(go.Figure(go.Bar(x=list("abcdefghij"), y=list(range(10)))))
    """
)
# The run finished and every plotly chart drawn (tests/test_browser.py waits the same way).
DONE = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
    const plots = [...document.querySelectorAll('[data-testid="stPlotlyChart"]')];
    return plots.length > 0 && plots.every(p => p.querySelector('.main-svg'));
}"""


def national_account(url: str) -> str:
    """The national account's password for this run (a new random one each run)."""
    import secrets

    from sqlalchemy import select

    from services import users
    from services.permissions import Actor
    from storage import models
    from storage.db import make_engine

    secret = f"Nq-{secrets.token_urlsafe(12)}-7a"
    admin, now = Actor("bench", "admin"), dt.datetime.now(dt.UTC)
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            known = conn.execute(select(models.AppUser.username).where(models.AppUser.username == USERNAME)).first()
        if known:
            users.reset_password(engine, admin, USERNAME, secret, now=now)
        else:
            users.add_user(engine, admin, USERNAME, "leader", password=secret, now=now)
    finally:
        engine.dispose()
    return secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--url", default=None, help="a database holding every province (default bench/out/national.db)")
    args = parser.parse_args()
    url = args.url or sqlite_url()
    if args.url is None and not (OUT / "national.db").exists():
        sys.exit("no bench/out/national.db: run `python bench/national.py --backend sqlite` first")
    secret = national_account(url)
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="p06_country_"))
    (tmp / "bare.py").write_text(BARE)
    procs = []
    try:
        bare_proc, bare_base = _serve(tmp / "bare.py", url, tmp / "bare.log")
        procs.append(bare_proc)
        app_proc, app_base = _serve(Path(__file__).resolve().parent.parent / "app.py", url, tmp / "app.log")
        procs.append(app_proc)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-dev-shm-usage"])
            context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="vi-VN")
            page = context.new_page()
            page.goto(app_base + "/", wait_until="domcontentloaded")
            page.get_by_label("Tên đăng nhập").fill(USERNAME)
            page.get_by_label("Mật khẩu").fill(secret)
            started = time.perf_counter()
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_function(DONE, timeout=600_000, polling=50)
            first = time.perf_counter() - started
            period = page.evaluate("() => new URLSearchParams(location.search).get('period')")

            def timed(address: str) -> float:
                started = time.perf_counter()
                page.goto(address, wait_until="commit")
                page.wait_for_timeout(50)
                page.wait_for_function(DONE, timeout=600_000, polling=50)
                return time.perf_counter() - started

            views = {
                "bare page with one chart (reference)": bare_base + "/",
                "Tổng quan, the whole country": f"{app_base}/tong-quan?period={period}&prov=VN",
                "Tổng quan, Nghệ An opened": f"{app_base}/tong-quan?period={period}&prov=40",
                "Địa phương, Nghệ An opened": f"{app_base}/dia-phuong?period={period}&prov=40",
            }
            for name, address in views.items():
                print(f"  warming: {name} ({timed(address):.1f} s)", flush=True)  # the server's caches and the browser's
            times = {name: [] for name in views}
            for _ in range(args.repeat):
                for name, address in views.items():
                    times[name].append(timed(address))
            browser.close()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)
    bare = statistics.median(times["bare page with one chart (reference)"])
    rows = [{"view": name, "median": f"{statistics.median(t) * 1000:,.0f} ms",
             "range": f"{min(t) * 1000:,.0f}–{max(t) * 1000:,.0f} ms", "ratio": f"{statistics.median(t) / bare:.2f}"}
            for name, t in times.items()]
    print(f"{machine()}; Chromium, navigation to the run done and every chart drawn, {args.repeat} rounds, warm")
    print(f"database: {url.split('/')[-1]}; the sign-in to the first country overview (cold caches): {first:.1f} s")
    print_table(rows, ["view", "median", "range", "ratio"])


if __name__ == "__main__":
    os.environ.setdefault("P06_AUTO_SAMPLE", "0")
    main()
