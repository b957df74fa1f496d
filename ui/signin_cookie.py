"""Staying signed in across a reload, a new tab and a shared link: the session token in an HttpOnly cookie.

Streamlit talks to the browser over its websocket and cannot set a cookie, so the server wrapper
(`ui.serve`) puts this module's ASGI middleware in front of Streamlit's own app:

- `POST <base>/_p06/session` with `{"code": …}` sets the cookie `p06_session` (HttpOnly; SameSite=Strict;
  Secure when the request came over HTTPS or the setting `session_cookie_secure` says so; Max-Age the
  session's absolute lifetime). The code is a one-time handoff, not the token: after sign-in the page
  layer (`ui.auth`) `offer`s the token here and gets a random code valid for two minutes and for one use,
  which a small script on the page posts back. So the token never appears in a URL, in the page or in
  script-readable storage; only the browser's cookie jar holds it.
- `DELETE <base>/_p06/session` clears the cookie (the page layer calls it after signing out; the session
  itself is revoked in the database by `services.sessions.sign_out`, so a copy of the cookie is worthless).
- `GET <base>/tong-quan` redirects to `<base>/` with its query: the default page lives at the root, and
  Streamlit answers its own name with an English "Page not found".

Every later page load reads the cookie from the websocket's handshake (`st.context.cookies`) and resumes
the session through `services.sessions.resume`, which ends idle, expired, revoked and deactivated
sessions whatever the browser sends. The handoff lives in this process's memory: behind nginx, a
browser's requests reach one process (sticky sessions, deploy/nginx.conf), as Streamlit needs anyway.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

COOKIE = "p06_session"
ROUTE = "/_p06/session"
DEFAULT_PAGE_ALIASES = ("/tong-quan", "/tong-quan/")
HANDOFF_SECONDS = 120
MAX_BODY = 1024
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


@dataclass
class _Handoff:
    token: str
    max_age: int
    secure: bool
    until: float
    taken: bool = False


_handoffs: dict[str, _Handoff] = {}
_lock = threading.Lock()


def offer(token: str, *, max_age: int, secure: bool) -> str:
    """A one-time code the browser exchanges for the cookie holding `token` (valid HANDOFF_SECONDS)."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for stale in [c for c, h in _handoffs.items() if h.until < now - HANDOFF_SECONDS]:
            del _handoffs[stale]
        _handoffs[code] = _Handoff(token, int(max_age), bool(secure), now + HANDOFF_SECONDS)
    return code


def taken(code: str | None) -> bool:
    """Whether the browser has exchanged `code` (or it has run out): the page stops offering it."""
    with _lock:
        handoff = _handoffs.get(code or "")
        return handoff is None or handoff.taken or handoff.until < time.monotonic()


def _take(code) -> _Handoff | None:
    if not isinstance(code, str):
        return None
    with _lock:
        handoff = _handoffs.get(code)
        if handoff is None or handoff.taken or handoff.until < time.monotonic():
            return None
        handoff.taken = True
        return handoff


def cookie_header(value: str, *, max_age: int, secure: bool, path: str = "/") -> bytes:
    """The Set-Cookie value: HttpOnly and SameSite=Strict always, Secure when asked."""
    parts = [f"{COOKIE}={value}", f"Path={path}", f"Max-Age={max_age}", "HttpOnly", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts).encode("latin-1")


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}


def came_over_https(scope) -> bool:
    """The request reached us over HTTPS: directly, or through a proxy on this machine that says so."""
    if scope.get("scheme") in ("https", "wss"):
        return True
    client = (scope.get("client") or ("", 0))[0]
    return client in LOOPBACK and _headers(scope).get("x-forwarded-proto", "").strip().lower() == "https"


def _same_origin(scope) -> bool:
    """A browser names the page that sent a POST or DELETE (Origin): it must be this site."""
    headers = _headers(scope)
    origin = headers.get("origin")
    if origin is None:
        return True  # not sent by a browser's cross-site request (those always carry Origin)
    return urlsplit(origin).netloc.lower() == headers.get("host", "").lower()


class SessionCookieMiddleware:
    """The ASGI wrapper around Streamlit's app: the cookie route and the default page's alias."""

    def __init__(self, app, base_path: str = "") -> None:
        self.app = app
        self.base = "/" + base_path.strip("/") if base_path.strip("/") else ""

    async def __call__(self, scope, receive, send) -> None:
        if scope.get("type") == "http":
            path = scope.get("path", "")
            if self.base and path.startswith(self.base):
                path = path[len(self.base):] or "/"
            if path.endswith(ROUTE):  # relative to the page: /dia-phuong/ posts to /dia-phuong/_p06/session
                await self._session(scope, receive, send)
                return
            if path in DEFAULT_PAGE_ALIASES and scope.get("method") in ("GET", "HEAD"):
                query = scope.get("query_string", b"").decode("latin-1")
                await _respond(send, 302, [(b"location", (f"{self.base}/" + (f"?{query}" if query else "")).encode("latin-1"))])
                return
        await self.app(scope, receive, send)

    async def _session(self, scope, receive, send) -> None:
        method = scope.get("method")
        if method not in ("POST", "DELETE"):
            await _respond(send, 405, [(b"allow", b"POST, DELETE")])
            return
        if not _same_origin(scope):
            await _respond(send, 403)
            return
        path = f"{self.base}/"
        if method == "DELETE":
            await _respond(send, 204, [(b"set-cookie", cookie_header("", max_age=0, secure=came_over_https(scope), path=path))])
            return
        body = await _read_body(receive)
        try:
            code = json.loads(body or b"{}").get("code")
        except (ValueError, AttributeError):
            code = None
        handoff = _take(code)
        if handoff is None:
            await _respond(send, 403)
            return
        secure = handoff.secure or came_over_https(scope)
        await _respond(send, 204, [(b"set-cookie", cookie_header(handoff.token, max_age=handoff.max_age, secure=secure, path=path))])


async def _read_body(receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        if message.get("type") != "http.request":
            return b""
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
            return b""
        if not message.get("more_body"):
            return body


async def _respond(send, status: int, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"cache-control", b"no-store"), (b"content-length", b"0"), *(headers or [])]})
    await send({"type": "http.response.body", "body": b""})


def read_token(cookies) -> str | None:
    """The token in a cookie mapping (`st.context.cookies`), or None."""
    try:
        value = cookies.get(COOKIE)
    except Exception:  # noqa: BLE001 - no request context (AppTest): no cookie
        return None
    return value if isinstance(value, str) and value else None

