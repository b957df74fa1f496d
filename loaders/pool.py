"""Spreading CPU-bound work over processes (openpyxl reads and writes at one core's speed).

`parallel_map(func, items, state, workers)` calls `func(state, item)` for every item, in order. The
workers are forked when this process runs no other thread (they inherit `state` for free); in a process
that runs threads (the Streamlit server, AppTest) forking is unsafe, so they come from a fork server and
receive `state` pickled once each. `func` must be a module-level function.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any

MIN_ITEMS = 200  # below this, starting worker processes costs more than it saves

_STATE: dict = {}


def default_workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _context():
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork"), True
    if "forkserver" in methods:
        return multiprocessing.get_context("forkserver"), False
    return None, False


def _init(state: dict) -> None:
    _STATE.clear()
    _STATE.update(state)


def _call(item: Any) -> Any:
    return _STATE["func"](_STATE["state"], item)


def parallel_map(func: Callable[[Any, Any], Any], items: Sequence, state: Any, workers: int | None = None,
                 progress: Callable[[int, int], None] | None = None, done: int = 0, total: int | None = None) -> list:
    """[func(state, item) for item in items], in `workers` processes when there are enough items.
    `progress(done + n, total)` after each result."""
    total = len(items) + done if total is None else total
    workers = default_workers() if workers is None else workers
    ctx, inherited = _context() if workers > 1 and len(items) >= MIN_ITEMS else (None, False)
    out: list = []
    if ctx is None:
        for item in items:
            out.append(func(state, item))
            if progress is not None:
                progress(done + len(out), total)
        return out
    payload = {"func": func, "state": state}
    if inherited:
        _init(payload)
        kwargs: dict = {}
    else:
        kwargs = {"initializer": _init, "initargs": (payload,)}
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, **kwargs) as pool:
            for result in pool.map(_call, items, chunksize=16):
                out.append(result)
                if progress is not None:
                    progress(done + len(out), total)
    finally:
        if inherited:
            _STATE.clear()
    return out
