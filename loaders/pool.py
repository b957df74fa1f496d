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


# --- one file at a time, in a worker process with limits -------------------------------------------------
# An upload is parsed away from the server process: openpyxl holds the GIL while it reads, so a heavy file
# parsed in a Streamlit thread slows every other user's page. The worker runs at a lower priority, with an
# address-space limit, and is killed when a file takes longer than allowed; a file over a limit gets
# `on_limit(item, "time" | "memory")` instead of a result. One worker, one file at a time (a lock): a
# hostile file takes at most one core, and each file's time limit counts from its own start.

_ISOLATED: dict = {"pool": None, "memory_mb": None, "pid": None}
_ISOLATED_LOCK = threading.Lock()


def _own_state() -> None:
    """A process forked from one that had a worker (the tests' and the crash benchmark's loaders) must not
    touch that worker: it belongs to the parent. Forget it (and the lock, which a parent's thread may have
    held at the fork) and start afresh."""
    global _ISOLATED_LOCK
    if _ISOLATED["pid"] != os.getpid():
        _ISOLATED.update(pool=None, memory_mb=None, pid=os.getpid())
        _ISOLATED_LOCK = threading.Lock()


class _OutOfMemory:
    """What a worker returns when the file needed more memory than its limit."""


def _limit_worker(memory_mb: int) -> None:
    import resource

    if memory_mb:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        os.nice(19)  # the lowest priority: every page and sign-in of the server comes first
    except OSError:
        pass


def _run_limited(payload: tuple) -> Any:
    func, state, item = payload
    try:
        return func(state, item)
    except MemoryError:
        return _OutOfMemory()


def _isolated_pool(memory_mb: int) -> ProcessPoolExecutor:
    pool = _ISOLATED["pool"]
    if pool is None or _ISOLATED["memory_mb"] != memory_mb:
        _stop_isolated()
        # "spawn": a fresh interpreter. Not "fork" (the server runs threads) and not "forkserver", whose
        # server a forked child inherits from its parent and cannot use.
        ctx = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=_limit_worker, initargs=(memory_mb,))
        pool.submit(_ready).result()  # started (and the loaders imported) before any file's time limit runs
        _ISOLATED.update(pool=pool, memory_mb=memory_mb)
    return pool


def _ready() -> bool:
    import loaders.parse  # noqa: F401 - what every parse needs, imported once per worker

    return True


def _stop_isolated() -> None:
    """Kill the worker (a file over its time limit is still being read) and forget the pool."""
    pool = _ISOLATED.get("pool")
    _ISOLATED.update(pool=None, memory_mb=None)
    if pool is None:
        return
    for proc in list(getattr(pool, "_processes", {}).values()):
        try:
            proc.kill()
        except Exception:  # noqa: BLE001 - already gone
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def isolated_map(func: Callable[[Any, Any], Any], items: Sequence, state: Any, *, seconds: float, memory_mb: int,
                 on_limit: Callable[[Any, str], Any]) -> list:
    """[func(state, item) for item in items], each in the worker process with a time limit (`seconds`, 0 =
    none) and an address-space limit (`memory_mb`, 0 = none), in order."""
    from concurrent.futures import TimeoutError as FutureTimeout
    from concurrent.futures.process import BrokenProcessPool

    out: list = []
    _own_state()
    with _ISOLATED_LOCK:
        for item in items:
            try:
                future = _isolated_pool(memory_mb).submit(_run_limited, (func, state, item))
                result = future.result(timeout=seconds or None)
            except FutureTimeout:
                _stop_isolated()
                out.append(on_limit(item, "time"))
                continue
            except BrokenProcessPool:  # the worker died (killed by the kernel for its memory)
                _stop_isolated()
                out.append(on_limit(item, "memory"))
                continue
            out.append(on_limit(item, "memory") if isinstance(result, _OutOfMemory) else result)
    return out
