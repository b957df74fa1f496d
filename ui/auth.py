"""Sign-in for the app shell (app.py): who is acting in this browser session, and what they may open.

The browser session keeps only a session token (`st.session_state["auth_token"]`), and the browser keeps
it in an HttpOnly cookie (ui/signin_cookie.py), so that a reload, a new tab or a shared link opens signed
in; every rerun resumes it through `services.sessions.resume`, which ends expired, idle or deactivated sessions (and demo
sessions outside sample mode). The resumed `Actor` goes to `st.session_state["actor"]`, where pages read
it (`ui.session.current_actor`) and pass it to every service call, which authorises and audits.

Signed out, every address of the app shows the sign-in form (so a link to a page survives the sign-in),
or, on an installation that has never had a user, the first-run form that creates the first
administrator. Signed in, the navigation lists the pages the role may open (`permissions.pages_for`);
the other addresses show a "no access" notice instead of Streamlit's English "page not found".
Single sign-on (`st.login`, OIDC) is offered when `.streamlit/secrets.toml` configures `[auth]` and
`[p06_sso]` (README, Access control).
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import streamlit as st

import i18n
from domain.errors import ServiceError
from domain.safe_text import md_escape
from services import auth as auth_service
from services import demo, permissions, sessions
from services import users as users_service
from services.clock import setting
from services.permissions import Actor
from services.sample_mode import sample_only
from services.sessions import token_hash
from ui import data, navigation, session, signin_cookie

TOKEN_KEY = "auth_token"
ACTOR_KEY = session.SESSION_KEY  # where ui.session.current_actor reads it
NOTICE_KEY = "auth_notice"
SSO_TRIED_KEY = "auth_sso_tried"  # the identity token single sign-on was last tried with
SSO_ERROR_KEY = "auth_sso_refused"
HANDOFF_KEY = "auth_cookie_handoff"  # the one-time code the page posts to get the cookie set
CLEAR_KEY = "auth_cookie_clear"  # signed out here: the page asks the server to clear the cookie
REFUSED_KEY = "auth_cookie_refused"  # the hash of a cookie token this session saw end (signed out, expired)


def prepare(engine) -> None:
    """Once per browser session, after the database is ready: demo accounts in sample mode (and their
    removal outside it)."""
    demo.ensure_demo_accounts(engine)


def current(engine) -> Actor | None:
    """The signed-in actor of this browser session, re-checked against the database on every run. Without
    a token of its own, the session takes the one in the browser's cookie (a reload, a new tab, a link)."""
    token = st.session_state.get(TOKEN_KEY)
    from_cookie = False
    if not token:
        token = signin_cookie.read_token(st.context.cookies)
        from_cookie = token is not None and token_hash(token) != st.session_state.get(REFUSED_KEY)
        token = token if from_cookie else None
    if token:
        actor = sessions.resume(engine, token)
        if actor is None:
            st.session_state.pop(TOKEN_KEY, None)
            st.session_state.pop(ACTOR_KEY, None)
            st.session_state.pop(HANDOFF_KEY, None)
            st.session_state[REFUSED_KEY] = token_hash(token)
            st.session_state[CLEAR_KEY] = secrets.token_hex(8)
            st.session_state[NOTICE_KEY] = "access.auth.session_expired"
            return None
        st.session_state[TOKEN_KEY] = token
        st.session_state[ACTOR_KEY] = actor
        return actor
    # Without a token only server code can have put an actor here (no widget has this key): the tests do,
    # to open a page as a given role without a password.
    return session.current_actor()


def _begin(token: str) -> None:
    st.session_state[TOKEN_KEY] = token
    st.session_state.pop(NOTICE_KEY, None)
    st.session_state.pop(CLEAR_KEY, None)
    engine = data.engine()
    st.session_state[HANDOFF_KEY] = signin_cookie.offer(
        token, max_age=setting(engine, "session_max_hours") * 3600, secure=setting(engine, "session_cookie_secure"))
    st.rerun()


def sign_out(engine) -> None:
    token = st.session_state.pop(TOKEN_KEY, None)
    sessions.sign_out(engine, token)  # revoked in the database: the cookie, wherever it is, no longer works
    if token:
        st.session_state[REFUSED_KEY] = token_hash(token)
    st.session_state[CLEAR_KEY] = secrets.token_hex(8)
    st.session_state.pop(HANDOFF_KEY, None)
    st.session_state.pop(ACTOR_KEY, None)
    if _sso_config() is not None and getattr(st.user, "is_logged_in", False):
        # Streamlit's identity cookie goes too (and the provider's session, through its end-session page):
        # st.logout() only queues a redirect to /auth/logout, and a st.rerun() here starts a run that clears
        # the queue, dropping the redirect when it was not sent yet (seen: the cookie then signed the next
        # visit in again). So the run ends here and the browser follows.
        st.logout()
        st.stop()
    st.rerun()


# Posted once by the page after sign-in (fetch, same origin): the server answers with the HttpOnly cookie.
# Relative to the page's address, so that a base URL path (server.baseUrlPath) is kept.
_SET_COOKIE_JS = """<script>(() => {{
  const code = {code};
  if ((window.__p06CookieCodes ||= new Set()).has(code)) return;
  window.__p06CookieCodes.add(code);
  fetch(new URL("_p06/session", document.baseURI), {{method: "POST", credentials: "same-origin",
    headers: {{"Content-Type": "application/json"}}, body: JSON.stringify({{code}})}});
}})();</script>"""
_CLEAR_COOKIE_JS = """<script>(() => {{
  const once = {once};
  if ((window.__p06CookieClears ||= new Set()).has(once)) return;
  window.__p06CookieClears.add(once);
  fetch(new URL("_p06/session", document.baseURI), {{method: "DELETE", credentials: "same-origin"}});
}})();</script>"""


def cookie_script() -> None:
    """After sign-in, the script that has the browser fetch its cookie (until it has); after sign-out, the
    one that clears it. Drawn in a hidden container (ui.chrome), so it takes no room."""
    code = st.session_state.get(HANDOFF_KEY)
    if code and signin_cookie.taken(code):
        st.session_state.pop(HANDOFF_KEY, None)
        code = None
    if code:
        st.html(_SET_COOKIE_JS.format(code=json.dumps(code)), unsafe_allow_javascript=True)
    elif st.session_state.get(CLEAR_KEY) and not st.session_state.get(TOKEN_KEY):
        st.html(_CLEAR_COOKIE_JS.format(once=json.dumps(st.session_state[CLEAR_KEY])), unsafe_allow_javascript=True)


def _sso_config() -> auth_service.SsoConfig | None:
    try:
        if "auth" not in st.secrets or "p06_sso" not in st.secrets:
            return None
        return auth_service.SsoConfig.from_mapping(st.secrets["p06_sso"])
    except Exception:  # noqa: BLE001 - no, unreadable or invalid secrets mean "no single sign-on", not a crash
        return None


def _sign_in_view(lang: str) -> None:
    engine = data.engine()
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    st.title(t("auth.title"))
    notice = st.session_state.get(NOTICE_KEY)
    if notice:
        st.warning(t(notice), icon=":material/timer_off:")
    config = _sso_config()
    if config is not None:
        if getattr(st.user, "is_logged_in", False):
            # One attempt per identity token and browser session: a refusal is not re-tried (and re-audited)
            # at every rerun, and a session that ended (expired, signed out elsewhere) is not silently
            # restarted from the same token.
            claims = dict(st.user)
            token_id = (claims.get("iss"), claims.get("sub"), claims.get("iat"))
            if st.session_state.get(SSO_TRIED_KEY) != token_id:
                st.session_state[SSO_TRIED_KEY] = token_id
                st.session_state.pop(SSO_ERROR_KEY, None)
                try:
                    _begin(auth_service.sign_in_sso(engine, claims, config, source=client_source()))
                except ServiceError as exc:
                    st.session_state[SSO_ERROR_KEY] = exc
        refused = st.session_state.get(SSO_ERROR_KEY) if getattr(st.user, "is_logged_in", False) else None
        if refused is not None and getattr(refused, "reason", None) == "token_expired":
            st.warning(refused.markdown(lang), icon=":material/timer_off:")  # the provider is simply asked again
            refused = None
        if refused is not None:
            st.error(refused.markdown(lang), icon=":material/block:")
            # The provider would hand back the same identity: its session ends first (st.logout), and the
            # person chooses an account again from the sign-in form.
            if st.button(t("access.sso.other_account"), icon=":material/switch_account:"):
                st.logout()
        elif st.button(t("auth.sso"), icon=":material/key:"):
            st.login()
        st.caption(t("auth.or_password"))
    with st.form("sign_in", enter_to_submit=True):
        username = st.text_input(t("auth.username"), autocomplete="username")
        password = st.text_input(t("auth.password"), type="password", autocomplete="current-password")
        submitted = st.form_submit_button(t("auth.submit"), type="primary")
    if submitted:
        try:
            token = auth_service.sign_in(engine, username, password, source=client_source())
        except ServiceError as exc:
            st.error(exc.markdown(lang))
        else:
            _begin(token)
    if sample_only(engine):
        accounts = ", ".join(f"`{name}` ({t(f'access.role.{role}')})" for name, role, _, _ in demo.DEMO_ACCOUNTS)
        st.info(t("auth.demo_hint", accounts=accounts, password=demo.DEMO_PASSWORD), icon=":material/info:")


LOOPBACK = {None, "", "127.0.0.1", "::1", "localhost"}


def client_source() -> str | None:
    """The visitor's address, for throttling sign-in by source. Behind nginx on this machine the connection
    comes from the loopback and nginx names the client in X-Real-IP (or last in X-Forwarded-For); those
    headers are believed only then (a visitor reaching the server directly could write them). None when
    nothing is known."""
    try:
        ip = st.context.ip_address
        headers = st.context.headers
    except Exception:  # noqa: BLE001 - no request context (a test harness): no address
        return None
    if ip in LOOPBACK:
        real = (headers.get("X-Real-Ip") or "").strip()
        forwarded = (headers.get("X-Forwarded-For") or "").split(",")[-1].strip()
        return real or forwarded or ip or None
    return ip


def _first_run_view(lang: str) -> None:
    engine = data.engine()
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    st.title(t("auth.first_run_title"))
    st.write(t("auth.first_run_intro"))
    with st.form("first_run"):
        username = st.text_input(t("auth.username"), autocomplete="username")
        display = st.text_input(t("auth.display_name"))
        password = st.text_input(t("auth.password"), type="password", autocomplete="new-password")
        again = st.text_input(t("auth.password_again"), type="password", autocomplete="new-password")
        submitted = st.form_submit_button(t("auth.create_admin"), type="primary")
    if submitted:
        if password != again:
            st.error(t("auth.passwords_differ"))
            return
        try:
            users_service.create_first_admin(engine, username, password, display_name=display)
            token = auth_service.sign_in(engine, username, password, source=client_source())
        except ServiceError as exc:
            st.error(exc.markdown(lang))
        else:
            _begin(token)


def _no_access_view(lang: str) -> None:
    st.title(i18n.t("auth.no_access_title", lang))
    st.info(i18n.t("auth.no_access", lang), icon=":material/lock:")


def _stem(spec: navigation.PageSpec) -> str:
    return Path(spec.file).stem


def signed_out_pages(engine, lang: str) -> list:
    """Every address of the app, each showing the sign-in (or first-run) form."""
    view = _first_run_view if users_service.first_run_open(engine) else _sign_in_view
    title = i18n.t("auth.first_run_title" if view is _first_run_view else "auth.title", lang)
    pages = []
    for spec in navigation.PAGES:
        pages.append(st.Page(lambda: view(lang), title=title, icon=":material/login:", url_path=spec.url_path,
                             default=spec.default, visibility="visible" if spec.default else "hidden"))
    return pages


def signed_in_pages(actor: Actor, lang: str) -> dict[str, list]:
    """The navigation of a signed-in actor: their pages by section; the others reachable by address only,
    showing the "no access" notice."""
    allowed = permissions.pages_for(actor.role)
    shown = [spec for spec in navigation.PAGES if _stem(spec) in allowed]
    default_url = next((s.url_path for s in shown if s.default), shown[0].url_path if shown else None)
    sections: dict[str, list] = {}
    hidden = []
    for spec in navigation.PAGES:
        if _stem(spec) in allowed:
            sections.setdefault(i18n.t(spec.section_key, lang), []).append(st.Page(
                spec.file, title=i18n.t(spec.title_key, lang), icon=spec.icon, url_path=spec.url_path,
                default=spec.url_path == default_url))
        else:
            hidden.append(st.Page(lambda: _no_access_view(lang), title=i18n.t("auth.no_access_title", lang),
                                  icon=":material/lock:", url_path=spec.url_path, visibility="hidden"))
    if hidden:
        sections.setdefault(i18n.t("nav.section_main", lang), []).extend(hidden)
    return sections


def account_box(engine, actor: Actor, lang: str) -> None:
    """Who is signed in, with their role, and the sign-out button, in the sidebar."""
    with st.sidebar:
        name = actor.display_name or actor.username
        st.caption(i18n.t("auth.signed_in_as", lang, name=md_escape(name), role=i18n.t(f"access.role.{actor.role}", lang)))
        if st.session_state.get(TOKEN_KEY) and st.button(i18n.t("auth.sign_out", lang), icon=":material/logout:", key="sign_out"):
            sign_out(engine)
