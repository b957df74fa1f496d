"""The doors of the deployment (issue 17, items 6 and 11):

- deploy/nginx.conf loads on the nginx Debian 12 ships (1.22: `http2 on;` needs 1.25.1): `nginx -t` on the
  shipped file inside a minimal main configuration, with a throw-away certificate in place of the
  province's (skipped with the reason when nginx is absent; scripts/test.sh installs it);
- `bash scripts/start.sh` listens on the loopback only and shows visitors no error details unless asked
  (`--public` or P06_PUBLIC=1), and the command the README gives still starts the dashboard;
- the tables' own export stays off whatever the config file says (ui/serve.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tomllib

import pytest

from testkit.project import ROOT

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)


def _certificate(folder) -> tuple[str, str]:
    crt, key = folder / "dashboard.crt", folder / "dashboard.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=dashboard.test",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    return str(crt), str(key)


@pytest.mark.skipif(NGINX is None, reason="nginx is not installed (scripts/test.sh installs Debian's: apt-get install nginx)")
@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is needed for a throw-away certificate")
def test_the_shipped_nginx_configuration_loads_on_this_nginx(tmp_path):
    crt, key = _certificate(tmp_path)
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("/etc/ssl/p06/dashboard.crt", crt).replace("/etc/ssl/p06/dashboard.key", key)
    (tmp_path / "p06.conf").write_text(site)
    temp = tmp_path / "temp"
    temp.mkdir()
    (tmp_path / "main.conf").write_text(f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {tmp_path}/p06.conf;
}}
""")
    result = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "main.conf")],
                            capture_output=True, text=True, timeout=60)
    version = subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr.strip()
    assert result.returncode == 0, f"{version}: {result.stderr}"
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def _start_command(*args, **env) -> str:
    result = subprocess.run(["bash", str(ROOT / "scripts" / "start.sh"), *args], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "P06_START_DRY_RUN": "1", **env})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_start_sh_listens_on_the_loopback_only_unless_asked():
    quick = _start_command()  # the README's quick start: `bash scripts/start.sh`
    assert "python -m ui.serve" in quick
    assert "--server.address 127.0.0.1" in quick and "--client.showErrorDetails none" in quick
    assert "--server.address 0.0.0.0" in _start_command("--public")
    assert "--server.address 0.0.0.0" in _start_command(P06_PUBLIC="1")
    passed_on = _start_command("--server.port", "8617")
    assert "--server.port 8617" in passed_on and "--public" not in passed_on
    readme = (ROOT / "README.md").read_text()
    assert "bash scripts/start.sh --public" in readme  # the flag is documented


def test_the_checkout_config_keeps_the_server_local_and_the_tables_export_off():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["address"] == "127.0.0.1"
    assert config["client"]["disableDataExport"] is True and config["client"]["showErrorDetails"] == "none"
    production = tomllib.loads((ROOT / "deploy" / "config.production.toml").read_text())
    assert production["client"]["disableDataExport"] is True
    from ui.serve import ALWAYS

    assert ALWAYS == ("--client.disableDataExport", "true")  # forced on the command line too
