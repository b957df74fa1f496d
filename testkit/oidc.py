"""A real OpenID Connect provider on a free local port, and the secrets file that points the dashboard at it.

The provider is `oidc-provider-mock` (Authlib + Flask, requirements-dev.txt): discovery document, JWKS,
authorization-code flow with signed ID tokens, userinfo and RP-initiated logout (`end_session_endpoint`).
Its authorization page asks who is signing in (a "subject" typed in a box, no password) every time, and it
keeps no login session of its own; the claims of a subject are whatever was set with `set_user` (PUT
/users/<sub>) before, or just `{"email": sub}` for a subject never set. Any client id and secret are
accepted.

    with oidc_provider() as idp:
        idp.set_user("ubnd.hung.dung", {"preferred_username": "ubnd.hung.dung", "groups": ["p06-nhap-lieu"]})
        secrets = write_secrets(tmp / "secrets.toml", idp.url)
        with streamlit_server(url, logs, args=["--secrets.files", str(secrets)]) as base:
            ...

`python -m testkit.oidc [--port 8701]` runs one in the foreground and prints the `[auth]` table to use with a
local server (`--secrets.files`), for trying single sign-on by hand.
"""

from __future__ import annotations

import json
import secrets
import secrets as _secrets
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from testkit.live_server import free_port

HOST = "127.0.0.1"
CLIENT_ID = "p06-dashboard"
CLIENT_SECRET = secrets.token_urlsafe(24)  # made per run: no secret literal in the code, even a test one

# The mapping of the deploy guide (deploy/README.md): Keycloak/Dex groups to the dashboard's roles.
P06_SSO = {
    "username_claim": "preferred_username",
    "roles_claim": "groups",
    "units_claim": "p06_units",
    "roles": {
        "p06-quan-tri": "admin",
        "p06-lanh-dao": "leader",
        "p06-thuong-truc": "standing",
        "p06-nhap-lieu": "submitter",
        "p06-xem": "viewer",
    },
}


@dataclass(frozen=True)
class Provider:
    url: str  # the issuer, e.g. http://127.0.0.1:8701

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    def set_user(self, sub: str, claims: Mapping) -> None:
        """The claims the provider puts in the ID token of `sub` from now on (`sub` itself is added)."""
        request = urllib.request.Request(f"{self.url}/users/{sub}", data=json.dumps(dict(claims)).encode(),
                                         method="PUT", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as resp:
            assert resp.status == 204, resp.status


@contextmanager
def oidc_provider(port: int | None = None) -> Iterator[Provider]:
    """Run the provider on a thread of this process, on 127.0.0.1 (the browser and the dashboard's server
    both reach it there, so the issuer they see is the same); stopped when the block ends."""
    import werkzeug.serving
    from oidc_provider_mock import app as provider_app

    server = werkzeug.serving.make_server(HOST, port or free_port(), provider_app(require_nonce=True), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                              name="oidc-provider")
    thread.start()
    try:
        provider = Provider(f"http://{HOST}:{server.server_port}")
        with urllib.request.urlopen(provider.metadata_url, timeout=10) as resp:
            assert resp.status == 200
        yield provider
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def secrets_toml(provider_url: str, *, cookie_secret: str | None = None, p06_sso: Mapping | None = None) -> str:
    """A `.streamlit/secrets.toml` for a dashboard on 127.0.0.1 (any port: Streamlit fills in `{port}`)
    signing in through the provider at `provider_url`."""
    sso = dict(P06_SSO if p06_sso is None else p06_sso)
    roles = sso.pop("roles", {})
    lines = [
        "[auth]",
        f'redirect_uri = "http://{HOST}:{{port}}/oauth2callback"',
        f'cookie_secret = "{cookie_secret or _secrets.token_hex(32)}"',
        f'client_id = "{CLIENT_ID}"',
        f'client_secret = "{CLIENT_SECRET}"',
        f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"',
        "",
        "[p06_sso]",
        *(f"{key} = {json.dumps(value)}" for key, value in sso.items()),
        "",
        "[p06_sso.roles]",
        *(f"{json.dumps(group)} = {json.dumps(role)}" for group, role in roles.items()),
        "",
    ]
    return "\n".join(lines)


def write_secrets(path: Path, provider_url: str, **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets_toml(provider_url, **kwargs), encoding="utf-8")
    path.chmod(0o600)
    return path


def main() -> None:  # pragma: no cover - by hand
    import argparse
    import time

    parser = argparse.ArgumentParser(description="a local OpenID provider for trying single sign-on by hand")
    parser.add_argument("--port", type=int, default=8701)
    args = parser.parse_args()
    with oidc_provider(args.port) as provider:
        print(secrets_toml(provider.url), flush=True)
        print(f"# provider at {provider.url}; Ctrl-C stops it", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":  # pragma: no cover
    main()
