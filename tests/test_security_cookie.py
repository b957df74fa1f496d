"""The session cookie's route (ui/signin_cookie.py, in front of Streamlit's app in ui.serve), driven as the
ASGI server drives it: the cookie is HttpOnly and SameSite=Strict (Secure over HTTPS), it is handed out only
for a one-time code the signed-in page got (never for a token, never twice), another site cannot ask for
it, signing out clears it, and the default page's own address goes to the root instead of Streamlit's
English "Page not found". Whether a cookie still opens a session is the database's decision
(services.sessions.resume): tests/test_browser_signin.py checks that in Chromium."""

from __future__ import annotations

import asyncio
import json
from http.cookies import SimpleCookie

import pytest

from ui import signin_cookie
from ui.signin_cookie import COOKIE, SessionCookieMiddleware


async def _streamlit(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"streamlit"})


def _call(method: str, path: str, *, body: bytes = b"", headers: dict | None = None, scheme: str = "http",
          client: str = "203.0.113.9", query: bytes = b"", base: str = ""):
    scope = {"type": "http", "method": method, "path": path, "query_string": query, "scheme": scheme,
             "client": (client, 5555),
             "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "dash.example", **(headers or {})}.items()]}
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    asyncio.run(SessionCookieMiddleware(_streamlit, base)(scope, receive, send))
    start = sent[0]
    out_headers = {}
    for k, v in start["headers"]:
        out_headers.setdefault(k.decode(), v.decode())
    return start["status"], out_headers, b"".join(m.get("body", b"") for m in sent[1:])


def _post(code, **kw):
    return _call("POST", "/_p06/session", body=json.dumps({"code": code}).encode(), **kw)


def _cookie(header: str):
    jar = SimpleCookie()
    jar.load(header)
    return jar[COOKIE]


def test_a_handed_off_code_sets_an_httponly_strict_cookie_with_the_token_once():
    code = signin_cookie.offer("the-token", max_age=12 * 3600, secure=False)
    status, headers, _ = _post(code)
    assert status == 204
    morsel = _cookie(headers["set-cookie"])
    assert morsel.value == "the-token"
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Strict"
    assert morsel["max-age"] == str(12 * 3600)
    assert not morsel["secure"]  # plain HTTP and the setting off
    assert signin_cookie.taken(code)
    # The code works once: a copy of the page (or of its script) gets nothing.
    status, headers, _ = _post(code)
    assert status == 403 and "set-cookie" not in headers


@pytest.mark.parametrize("code", ["made-up", "", None, 12, ["x"]])
def test_no_cookie_for_a_code_that_was_not_handed_out(code):
    status, headers, _ = _post(code)
    assert status == 403 and "set-cookie" not in headers


def test_a_token_is_not_a_code():
    signin_cookie.offer("secret-token", max_age=60, secure=False)
    status, headers, _ = _post("secret-token")
    assert status == 403 and "set-cookie" not in headers


@pytest.mark.parametrize("setting, scheme, client, forwarded, secure", [
    (True, "http", "203.0.113.9", None, True),         # the setting: always Secure
    (False, "https", "203.0.113.9", None, True),       # served over HTTPS directly
    (False, "http", "127.0.0.1", "https", True),       # nginx on this machine says the browser used HTTPS
    (False, "http", "203.0.113.9", "https", False),    # a visitor cannot claim HTTPS by a header
    (False, "http", "127.0.0.1", None, False),
])
def test_secure_where_the_deployment_serves_https(setting, scheme, client, forwarded, secure):
    code = signin_cookie.offer("t", max_age=60, secure=setting)
    headers = {"x-forwarded-proto": forwarded} if forwarded else {}
    status, out, _ = _post(code, scheme=scheme, client=client, headers=headers)
    assert status == 204
    assert bool(_cookie(out["set-cookie"])["secure"]) is secure


def test_another_site_cannot_have_the_cookie_set_or_cleared():
    code = signin_cookie.offer("t", max_age=60, secure=False)
    status, headers, _ = _post(code, headers={"origin": "https://evil.example"})
    assert status == 403 and "set-cookie" not in headers
    assert not signin_cookie.taken(code)  # still the signed-in page's to use
    status, headers, _ = _call("DELETE", "/_p06/session", headers={"origin": "https://evil.example"})
    assert status == 403
    status, _, _ = _post(code, headers={"origin": "http://dash.example"})
    assert status == 204


def test_signing_out_clears_the_cookie():
    status, headers, _ = _call("DELETE", "/_p06/session")
    morsel = _cookie(headers["set-cookie"])
    assert status == 204 and morsel.value == "" and morsel["max-age"] == "0" and morsel["httponly"] is True


def test_only_post_and_delete():
    status, headers, _ = _call("GET", "/_p06/session")
    assert status == 405 and "set-cookie" not in headers


@pytest.mark.parametrize("base, path, query, location", [
    ("", "/tong-quan", b"", "/"),
    ("", "/tong-quan/", b"period=2026-10&unit=16681", "/?period=2026-10&unit=16681"),
    ("/p06", "/p06/tong-quan", b"period=2026-10", "/p06/?period=2026-10"),
])
def test_the_default_pages_own_address_goes_to_the_root(base, path, query, location):
    status, headers, _ = _call("GET", path, query=query, base=base)
    assert status == 302 and headers["location"] == location


@pytest.mark.parametrize("path", ["/", "/dia-phuong", "/_stcore/health", "/tong-quan-x"])
def test_every_other_address_is_streamlits(path):
    status, _, body = _call("GET", path)
    assert status == 200 and body == b"streamlit"


def test_the_server_wrapper_puts_the_middleware_in_front_of_streamlit():
    from streamlit.web.server.starlette import starlette_server

    from ui import serve

    original = starlette_server.create_starlette_app
    try:
        serve._wrap_app()
        wrapped = starlette_server.create_starlette_app
        assert wrapped is not original and wrapped.p06_wrapped
        serve._wrap_app()  # twice is once
        assert starlette_server.create_starlette_app is wrapped
    finally:
        starlette_server.create_starlette_app = original
