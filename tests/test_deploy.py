"""The deployment kit (deploy/): a backup made by deploy/backup.sh restores with deploy/restore.sh into a
new PostgreSQL database holding every row it held, and the production settings say what deploy/README.md
promises (headless, no usage statistics, XSRF on, the loaders' upload limit through nginx, websockets and
sticky sessions to two or more processes)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tomllib

import pytest
from sqlalchemy import func, inspect, select, text

from loaders.readers import Limits
from storage import frames, models
from storage.db import make_engine
from testkit.databases import unique_name
from testkit.project import ROOT

DEPLOY = ROOT / "deploy"
PG_TOOLS = ("pg_dump", "pg_restore", "psql")


@pytest.fixture
def pg_sample_copy(_backends, _pg_reason, _templates):
    if _pg_reason:
        pytest.skip(_pg_reason)
    missing = [tool for tool in PG_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"backup and restore need PostgreSQL's client tools, missing here: {', '.join(missing)} "
                    "(apt-get install postgresql-client)")
    backend = _backends["postgresql"]
    url = backend.clone(_templates.get(backend, "sample"), unique_name("p06_backup_src"))
    yield backend, url
    backend.drop(url)


def _row_counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            return {t: conn.execute(select(func.count()).select_from(text(f'"{t}"'))).scalar() for t in tables}
    finally:
        engine.dispose()


def _run(args: list[str], **env) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env={**os.environ, **env})


def test_a_backup_restores_into_a_new_database_with_every_row(pg_sample_copy, tmp_path):
    backend, source = pg_sample_copy
    done = _run(["bash", str(DEPLOY / "backup.sh"), source, str(tmp_path)])
    assert done.returncode == 0, done.stderr
    dump = done.stdout.strip().splitlines()[-1]
    assert dump.endswith(".dump") and os.path.getsize(dump) > 0
    assert os.path.exists(dump + ".counts")

    target = backend._url(unique_name("p06_restored"))
    try:
        restored = _run(["bash", str(DEPLOY / "restore.sh"), dump, target])
        assert restored.returncode == 0, restored.stderr
        before, after = _row_counts(source), _row_counts(target)
        assert before["data_value"] > 40_000 and before["submission"] > 0
        assert after == before
        # And what the dashboard reads from it is the same: the data version and the months held.
        src_engine, dst_engine = make_engine(source), make_engine(target)
        try:
            assert frames.data_version(dst_engine) == frames.data_version(src_engine)
            assert frames.periods_with_data(dst_engine) == frames.periods_with_data(src_engine)
            total = select(func.sum(models.DataValue.value))
            with dst_engine.connect() as dst, src_engine.connect() as src:
                assert dst.execute(total).scalar() == src.execute(total).scalar()
        finally:
            src_engine.dispose()
            dst_engine.dispose()
    finally:
        backend.drop(target)


def test_restore_refuses_to_overwrite_an_existing_database(pg_sample_copy, tmp_path):
    backend, source = pg_sample_copy
    dump = _run(["bash", str(DEPLOY / "backup.sh"), source, str(tmp_path)]).stdout.strip().splitlines()[-1]
    counts = _row_counts(source)
    refused = _run(["bash", str(DEPLOY / "restore.sh"), dump, source])
    assert refused.returncode == 1
    assert "đã có" in refused.stderr and "exists" in refused.stderr
    assert _row_counts(source) == counts


# --- the production settings -------------------------------------------------------------------------------


def test_production_streamlit_settings_are_headless_private_and_protected():
    config = tomllib.loads((DEPLOY / "config.production.toml").read_text())
    assert config["server"]["headless"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["maxUploadSize"] == Limits().max_bytes // (1024 * 1024)
    # The unit repeats the security-relevant options as flags.
    unit = (DEPLOY / "p06-streamlit@.service").read_text()
    for flag in ("--server.headless true", "--browser.gatherUsageStats false", "--server.enableXsrfProtection true",
                 "--server.port %i"):
        assert flag in unit


def test_nginx_passes_uploads_websockets_and_keeps_sessions_on_one_process():
    conf = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream p06_dashboard \{(.*?)\}", conf, re.S).group(1)
    assert re.search(r"^\s*(ip_hash|hash \S+)", upstream, re.M), "sticky sessions"
    assert len(re.findall(r"^\s*server 127\.0\.0\.1:\d+", upstream, re.M)) >= 2
    body = re.search(r"client_max_body_size (\d+)m;", conf)
    assert body and int(body.group(1)) >= Limits().max_bytes // (1024 * 1024)
    stream = re.search(r"location /_stcore/stream \{(.*?)\}", conf, re.S).group(1)
    assert "proxy_set_header Upgrade $http_upgrade;" in stream
    assert "proxy_set_header Connection $connection_upgrade;" in stream
    assert "proxy_http_version 1.1;" in stream
    assert re.search(r"proxy_read_timeout \d+", stream)
