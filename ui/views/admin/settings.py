"""The settings an administrator may change (every one declared in domain/settings.toml), in groups, each
with its declared help in the reader's language, its default and who last changed it. A group is saved at
once through services.settings.change, which checks every value (type, bounds, the rules that tie settings
together) and audits; nothing is saved when one value is wrong."""

from __future__ import annotations

import streamlit as st

import i18n
from domain import settings as settings_mod
from domain.errors import ServiceError
from domain.safe_text import md_escape, md_params
from metrics.config import FLAG_RULES
from presentation.numbers import number_text, parse_number
from services import settings as settings_service
from ui.views.admin import flash

# Groups as the administrator thinks of them; a declared setting missing here is shown under "other".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("deadlines", ("deadline_day", "lock_after_days", "timezone_offset_hours")),
    ("assessment", ("status_at_risk_band_pp", "stock_carry_forward_months", "scorecard_min_coverage")),
    ("weak", ("weak_gap_pp", "weak_bottom_n", "weak_falling_months", "weak_falling_min_pp", "weak_rule_points",
              "weak_severity_high", "weak_severity_medium", "weak_history_months", "weak_bottleneck_share",
              "weak_large_share_factor", "weak_shortfall_min_pp", "weak_high_max_share")),
    ("sign_in", ("session_idle_minutes", "session_max_hours", "session_cookie_secure", "max_failed_logins", "max_failed_logins_per_source", "lockout_minutes",
                 "login_throttle_seconds", "password_min_length")),
    ("files", ("max_upload_mb", "max_rows", "max_cells", "max_uncompressed_mb", "max_uncompressed_ratio", "parse_seconds",
               "parse_memory_mb")),
)


def groups() -> list[tuple[str, list[str]]]:
    """The groups with every declared setting placed once (unlisted ones under "other")."""
    listed = {k for _, keys in GROUPS for k in keys}
    out = [(g, [k for k in keys if k in settings_mod.SPECS]) for g, keys in GROUPS]
    rest = [k for k in settings_mod.SPECS if k not in listed]
    if rest:
        out.append(("other", rest))
    return [(g, keys) for g, keys in out if keys]


def _shown(value, lang: str) -> str:
    if isinstance(value, bool):
        return i18n.t("admin.settings.yes" if value else "admin.settings.no", lang)
    if isinstance(value, (int, float)):
        return number_text(value, lang)
    return str(value)


def _about(row, lang: str) -> str:
    """The declared help, the default, and who changed it when."""
    t = lambda k, **kw: i18n.t(k, lang, **md_params(kw))  # noqa: E731 - shown as a caption: names as typed
    help_text = row["help_vi"] if lang == "vi" else row["help_en"]
    if isinstance(row["default"], dict):
        default = "; ".join(f"{i18n.t(f'metrics.rule.{k}', lang)} {v}" for k, v in row["default"].items())
    else:
        default = _shown(row["default"], lang)
    parts = [help_text, t("admin.settings.default", value=default)]
    if row["changed"] and row["updated_by"]:
        parts.append(t("admin.settings.changed_by", who=row["updated_by"], when=i18n.fmt_datetime(row["updated_at"])))
    return " ".join(parts)


def _input(row, lang: str, form_key: str):
    """The widget(s) for one setting, with its help beside it; returns a function that reads what was typed
    (ValueError with the text that is not a number)."""
    key, kind, value = row["key"], row["type"], row["value"]
    label = settings_service.name(key, lang)
    widget_key = f"{form_key}_{key}"
    if kind == "dict" and key == "weak_rule_points":
        st.markdown(f"**{label}**")
        st.caption(_about(row, lang))
        cols = st.columns(3)
        texts = {rule: cols[i % 3].text_input(i18n.t(f"metrics.rule.{rule}", lang), value=number_text(value.get(rule, 0), lang),
                                              key=f"{widget_key}_{rule}") for i, rule in enumerate(FLAG_RULES)}
        return lambda: {rule: _number(text, lang) for rule, text in texts.items()}
    field, about = st.columns([1, 2], vertical_alignment="center")
    about.caption(_about(row, lang))
    if kind == "bool":
        checked = field.checkbox(label, value=bool(value), key=widget_key)
        return lambda: checked
    if kind in ("int", "float"):
        text = field.text_input(label, value=number_text(value, lang), key=widget_key)
        return lambda: _number(text, lang)
    text = field.text_input(label, value=str(value), key=widget_key)
    return lambda: text


def _number(text: str, lang: str) -> float:
    number = parse_number(text, lang)
    if number is None:
        raise ValueError(text)
    return number


def section(lang: str, actor) -> None:
    from ui import data

    t = lambda k, **kw: i18n.t(k, lang, **kw)  # noqa: E731
    engine = data.engine()
    current = settings_service.stored(engine).set_index("key", drop=False)
    st.caption(t("admin.settings.caption"))
    for group, keys in groups():
        with st.expander(t(f"admin.settings.group.{group}"), expanded=group == "deadlines"):
            form_key = f"admin_settings_{group}"
            with st.form(form_key, border=False):
                readers = {k: _input(current.loc[k], lang, form_key) for k in keys}
                submitted = st.form_submit_button(t("admin.settings.save"), type="primary", icon=":material/save:")
            if submitted:
                changes, bad = {}, None
                for k, read in readers.items():
                    try:
                        changes[k] = read()
                    except ValueError as exc:
                        bad = (k, str(exc))
                        break
                if bad is not None:
                    st.error(t("admin.settings.not_a_number", setting=settings_service.name(bad[0], lang), text=md_escape(bad[1])),
                             icon=":material/error:")
                    continue
                try:
                    changed = settings_service.change(engine, actor, changes)
                except ServiceError as exc:
                    st.error(exc.markdown(lang), icon=":material/block:")
                    continue
                if changed:
                    flash(t("admin.settings.saved", names=", ".join(settings_service.name(k, lang) for k in changed)))
                else:
                    st.info(t("admin.settings.unchanged"))
    changed = current[current["changed"]]
    if len(changed):
        with st.form("admin_settings_reset", border=True):
            picked = st.multiselect(t("admin.settings.reset_which"), changed["key"].tolist(),
                                    format_func=lambda k: settings_service.name(k, lang), key="admin_settings_reset_keys",
                                    placeholder=t("filters.choose"))
            reset = st.form_submit_button(t("admin.settings.reset"), icon=":material/restart_alt:")
        if reset and picked:
            try:
                done = settings_service.reset(engine, actor, picked)
            except ServiceError as exc:
                st.error(exc.markdown(lang), icon=":material/block:")
            else:
                flash(t("admin.settings.reset_done", names=", ".join(settings_service.name(k, lang) for k in done)))
