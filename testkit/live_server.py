"""A real Streamlit server on a free local port, for browser tests and multi-process tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from testkit.project import ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(database_url: str, log_dir: Path, env: dict | None = None, timeout: float = 120,
                     args: list[str] | tuple[str, ...] = ()):
    """Start the dashboard (`python -m ui.serve`, i.e. `streamlit run app.py`) against `database_url`; yield its base URL; stop it afterwards.
    `args` are more options of `streamlit run`, e.g. `["--secrets.files", path]` for single sign-on (testkit/oidc.py)."""
    port = free_port()
    log = open(log_dir / f"streamlit-{port}.log", "w")
    full_env = {**os.environ, "DATABASE_URL": database_url, "P06_AUTO_SAMPLE": "0", **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.serve", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *args],
        cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise RuntimeError(f"streamlit did not start: {(log_dir / f'streamlit-{port}.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
