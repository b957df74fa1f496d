"""Users (services.users): the list with role, units and sign-in state; add a user; change a user's role and
units; deactivate or activate; set a new password. Passwords are typed twice into password fields and go
straight to the service (policy, argon2); they are never shown, kept or logged."""

from __future__ import annotations

import pandas as pd
import streamlit as st

import i18n
from domain.errors import ServiceError
from domain.safe_text import guard_cell, md_params
from services import permissions
from services import users as users_service
from ui import data, session
from ui.views.admin import flash


def _password(lang: str, key: str) -> tuple[str, str]:
    """The two password fields (what was typed in each)."""
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    cols = st.columns(2)
    first = cols[0].text_input(t("admin.users.password"), type="password", key=f"{key}_pw1", autocomplete="new-password")
    second = cols[1].text_input(t("admin.users.password_again"), type="password", key=f"{key}_pw2", autocomplete="new-password")
    return first, second


def _check_password(first: str, second: str, lang: str, *, optional: bool) -> tuple[str | None, str | None]:
    """(password, problem): None and no problem when both are empty and a password is optional."""
    if not first and not second and optional:
        return None, None
    if not first:
        return None, i18n.t("access.cli.password_empty", lang)
    if first != second:
        return None, i18n.t("access.cli.password_mismatch", lang)
    return first, None


def section(lang: str, actor) -> None:
    t = lambda k, **kw: i18n.t(k, lang, **md_params(kw))  # noqa: E731 - shown as markdown: names as typed
    key = data.version()
    engine = data.engine()
    units = data.units(key)
    name_col = "name_vi" if lang == "vi" else "name_en"
    names = dict(zip(units["code"], units[name_col]))
    try:
        people = users_service.list_users(engine, actor)
    except ServiceError as exc:
        st.error(exc.markdown(lang), icon=":material/block:")
        return
    roles = list(permissions.roles())
    role_name = {r: t(f"access.role.{r}") for r in roles}

    if session.SESSION_KEY not in st.session_state and getattr(actor, "username", None) == session.DEMO_ADMIN:
        st.warning(t("admin.users.sample_mode"), icon=":material/info:")
    if people.empty:
        st.caption(t("admin.users.none"))
    else:
        _table(people, names, role_name, lang)

    unit_options = units.loc[units["level"] != "province"].sort_values(["level", name_col])["code"].tolist()
    unit_label = lambda c: f"{names.get(c, c)} ({c})"  # noqa: E731

    st.markdown(f"**{t('admin.users.add_heading')}**")
    with st.form("admin_add_user", clear_on_submit=False, border=True):
        cols = st.columns(2)
        username = cols[0].text_input(t("admin.users.col_username"), key="admin_new_username",
                                      placeholder=t("admin.users.username_placeholder"))
        display = cols[1].text_input(t("admin.users.col_name"), key="admin_new_display")
        cols = st.columns(2)
        role = cols[0].selectbox(t("admin.users.col_role"), roles, index=roles.index("viewer"), format_func=role_name.__getitem__,
                                 key="admin_new_role")
        bound = cols[1].multiselect(t("admin.users.units_for_submitter"), unit_options, format_func=unit_label,
                                    key="admin_new_units", placeholder=t("filters.choose"))
        first, second = _password(lang, "admin_new")
        st.caption(t("admin.users.password_caption"))
        add = st.form_submit_button(t("admin.users.add"), type="primary", icon=":material/person_add:")
    if add:
        password, problem = _check_password(first, second, lang, optional=True)
        if problem:
            st.error(problem, icon=":material/error:")
        else:
            try:
                users_service.add_user(engine, actor, username, role, password=password, display_name=display,
                                       unit_codes=bound)
            except ServiceError as exc:
                st.error(exc.markdown(lang), icon=":material/block:")
            else:
                flash(t("admin.users.added", username=username.strip().casefold(), role=role_name[role]))

    if people.empty:
        return
    st.markdown(f"**{t('admin.users.change_heading')}**")
    picks = {u: f"{u} · {role_name[r]}" for u, r in zip(people["username"], people["role"])}
    who = st.selectbox(t("admin.users.which"), list(picks), key="admin_user_pick", format_func=picks.__getitem__)
    person = people.set_index("username").loc[who]
    with st.form(f"admin_change_user_{who}", border=True):
        cols = st.columns(2)
        new_role = cols[0].selectbox(t("admin.users.col_role"), roles, index=roles.index(person["role"]),
                                     format_func=role_name.__getitem__, key=f"admin_role_{who}")
        new_units = cols[1].multiselect(t("admin.users.units_for_submitter"), unit_options, default=[c for c in person["units"] if c in unit_options],
                                        format_func=unit_label, key=f"admin_units_{who}", placeholder=t("filters.choose"))
        save = st.form_submit_button(t("admin.users.save_role"), icon=":material/manage_accounts:")
    if save:
        try:
            if new_role != person["role"]:
                users_service.set_role(engine, actor, who, new_role, unit_codes=new_units)
            elif sorted(new_units) != sorted(person["units"]):
                users_service.bind_units(engine, actor, who, new_units)
            else:
                st.info(t("admin.settings.unchanged"))
                return
        except ServiceError as exc:
            st.error(exc.markdown(lang), icon=":material/block:")
        else:
            flash(t("admin.users.changed", username=who))

    cols = st.columns(2)
    if person["active"]:
        if cols[0].button(t("admin.users.deactivate"), icon=":material/person_off:", key=f"admin_deactivate_{who}"):
            _act(lambda: users_service.deactivate(engine, actor, who), t("admin.users.deactivated", username=who), lang)
    elif cols[0].button(t("admin.users.activate"), icon=":material/person_check:", key=f"admin_activate_{who}"):
        _act(lambda: users_service.activate(engine, actor, who), t("admin.users.activated", username=who), lang)

    with st.form(f"admin_reset_password_{who}", clear_on_submit=True, border=True):
        st.markdown(t("admin.users.reset_heading", username=who))
        first, second = _password(lang, f"admin_reset_{who}")
        reset = st.form_submit_button(t("admin.users.reset"), icon=":material/password:")
    if reset:
        password, problem = _check_password(first, second, lang, optional=False)
        if problem:
            st.error(problem, icon=":material/error:")
        else:
            _act(lambda: users_service.reset_password(engine, actor, who, password), t("admin.users.password_set", username=who), lang)


def _act(work, done: str, lang: str) -> None:
    try:
        work()
    except ServiceError as exc:
        st.error(exc.markdown(lang), icon=":material/block:")
    else:
        flash(done)


def _table(people: pd.DataFrame, names: dict, role_name: dict, lang: str) -> None:
    """Who has access: role, units, sign-in state (never a password or its hash)."""
    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731

    def state(row) -> str:
        if not row.active:
            return t("admin.users.state_inactive")
        if row.locked_until is not None and not pd.isna(row.locked_until) and row.locked_until > pd.Timestamp.now(tz="UTC"):
            return t("admin.users.state_locked", until=i18n.fmt_datetime(row.locked_until))
        return t("admin.users.state_active")

    st.dataframe(pd.DataFrame({
        t("admin.users.col_username"): people["username"],
        t("admin.users.col_name"): people["display_name"].map(guard_cell),
        t("admin.users.col_role"): people["role"].map(role_name),
        t("admin.users.col_units"): [", ".join(names.get(c, c) for c in us) for us in people["units"]],
        t("admin.users.col_state"): [state(r) for r in people.itertuples()],
        t("admin.users.col_sign_in"): [t("admin.users.sso") if s else t("admin.users.local") for s in people["sso"]],
        t("admin.users.col_last_login"): [i18n.fmt_datetime(None if pd.isna(x) else x) for x in people["last_login_at"]],
    }), hide_index=True, width="stretch",
        column_config={t("admin.users.col_username"): st.column_config.TextColumn(pinned=True)})
