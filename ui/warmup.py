"""A freshly started server process gets ready before its first visitor: the modules every page imports,
and the figures and their cube, loaded in the background as soon as the server runs (`ui.serve`), so that a
restarted or newly added process behind nginx does not make its first visitor wait for them (at national
scale: 6 s of reading 2.9 M values on PostgreSQL, 1 s of building the cube, 2 s of imports). The figures
come from the copy the deployment's processes keep on disk when there is one (storage/figure_cache.py:
0.2 s instead of the 6 s read).

The figures go into the same process-wide caches the pages use (`ui.data._figures`, `_inputs`:
`st.cache_resource`, one per process), keyed by the data version read at the time, exactly as a page would
key them; a page that arrives while they load waits for the same computation instead of starting another.
Nothing is written: a database that is not set up yet (the app sets it up, and loads the sample, at its
first run) is left alone and the warm-up only imports. `P06_WARM_UP=0` turns it off.
"""

from __future__ import annotations

import gc
import importlib
import logging
import os
import pkgutil
import threading
import time

LOG = logging.getLogger("p06.warmup")
# The heavy modules the first page run imports (a third of a fresh process's first page).
MODULES = ("pandas", "numpy", "sqlalchemy", "plotly.graph_objects", "plotly.io", "pydeck", "pandera", "babel.numbers")


def enabled() -> bool:
    return os.environ.get("P06_WARM_UP", "1") != "0"


def warm_up(freeze: bool = False) -> dict:
    """Import what pages import, then load the figures and build their cube for the whole deployment.
    Returns what was done (for the log and the tests); never raises.

    `freeze` (the server process): once imported, what start-up made (some 230,000 objects that live as long
    as the process) is moved out of the garbage collector's way (`gc.freeze`), so that a full collection,
    which falls every dozen or so page runs, scans only what the pages made since: 20 ms instead of 150 ms
    on this machine (BENCHMARKS.md, "Garbage collection in the server"). The figures are loaded after it and
    stay collectable, so that those of an older values version go when they are replaced."""
    started = time.perf_counter()
    done: dict = {"modules": 0}
    for name in MODULES:
        try:
            importlib.import_module(name)
            done["modules"] += 1
        except ImportError:
            pass
    import ui.views

    for info in pkgutil.iter_modules(ui.views.__path__, "ui.views."):
        try:
            importlib.import_module(info.name)
            done["modules"] += 1
        except Exception:  # noqa: BLE001 - a view that cannot be imported will say so on its page
            LOG.exception("warm-up: %s", info.name)
    done["imported_s"] = round(time.perf_counter() - started, 2)
    if freeze:
        gc.freeze()
        done["frozen"] = gc.get_freeze_count()
    try:
        from storage import migrate
        from ui import data

        engine = data.engine()
        if not migrate.is_current(engine):
            done["figures"] = "skipped: the database is not set up yet"
            return done
        key = data.version()
        bundle = data.inputs(key)
        done["values"] = len(bundle.values)
        done["cube_months"] = int(bundle.cube.data.shape[0])
        done["values_version"] = key.values_version
        done["months"] = len(data.periods_with_data(key))  # every page's month picker (0.3 s nationally)
    except Exception as exc:  # noqa: BLE001 - best effort: the first page does it otherwise
        done["figures"] = f"skipped: {type(exc).__name__}: {exc}"[:300]
    done["seconds"] = round(time.perf_counter() - started, 2)
    return done


def start_when_serving() -> threading.Thread | None:
    """Run `warm_up` in a daemon thread once Streamlit's runtime exists (the server is up)."""
    if not enabled():
        return None

    def run() -> None:
        from streamlit.runtime import Runtime

        for _ in range(600):
            if Runtime.exists():
                break
            time.sleep(0.1)
        done = warm_up(freeze=True)
        print(f"p06 warm-up: {done}", flush=True)

    thread = threading.Thread(target=run, name="p06-warm-up", daemon=True)
    thread.start()
    return thread
