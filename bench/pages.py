"""Rerun time of every page at province scale (AppTest, warm cache) against a bare page with one plotly
chart, measured in the same run. Goal: each page at most twice the bare page and under 0.5 s.

    python bench/pages.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    OUT,
    ROOT,
    machine,
    median_seconds,
    print_table,
    sample_database,
)

BARE_PAGE = textwrap.dedent(
    """
    import plotly.graph_objects as go
    import streamlit as st
    st.title("Bare page")
    st.plotly_chart(go.Figure(go.Bar(x=list("abcdefghij"), y=list(range(10)))))
    """
)


# The app's own shell (page config, language switch, navigation of every page) around an empty page: what
# any page of the app costs before it draws anything. A second reference beside the bare page.
SHELL_PAGE = textwrap.dedent(
    """
    import runpy
    import streamlit as st

    def empty():
        st.title("Empty page")

    # The default page (the overview) replaced by an empty one; every other page stays in the navigation.
    original = st.Page
    st.Page = lambda page, **kw: original(empty if str(page).endswith("pages/overview.py") else (str(ROOT / page) if isinstance(page, str) else page), **kw)
    try:
        runpy.run_path(str(ROOT / "app.py"), run_name="__main__")
    finally:
        st.Page = original
    """
)


def rerun_seconds(script: str | None, repeat: int, page_file: str | None = None) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(script, default_timeout=120) if script else AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    from services.permissions import Actor

    at.session_state["actor"] = Actor("bench", "admin")  # signed in as an administrator: every page
    at.run()
    if page_file:
        at.switch_page(page_file).run()
    assert not at.exception, at.exception
    return median_seconds(lambda: at.run(), repeat=repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = sample_database()
    os.environ["P06_AUTO_SAMPLE"] = "0"
    from ui.navigation import PAGES

    bare = rerun_seconds(BARE_PAGE, args.repeat)
    rows = [{"page": "bare page, one plotly chart (reference)", "median rerun": f"{bare * 1000:.0f} ms", "ratio": "1.00"}]
    shell = rerun_seconds(f"from pathlib import Path\nROOT = Path({str(ROOT)!r})\n" + SHELL_PAGE, args.repeat)
    rows.append({"page": "app shell around an empty page (second reference)", "median rerun": f"{shell * 1000:.0f} ms",
                 "ratio": f"{shell / bare:.2f}"})
    for spec in PAGES:
        seconds = rerun_seconds(None, args.repeat, spec.file)
        ok = seconds <= 2 * bare and seconds < 0.5
        rows.append({"page": spec.url_path, "median rerun": f"{seconds * 1000:.0f} ms", "ratio": f"{seconds / bare:.2f}",
                     "goal met": "yes" if ok else "NO"})
    print(f"Page rerun times, province scale (Nghệ An sample), warm cache, median of {args.repeat}; {machine()}")
    print_table(rows, ["page", "median rerun", "ratio", "goal met"])
    OUT.mkdir(parents=True, exist_ok=True)


if __name__ == "__main__":
    main()
