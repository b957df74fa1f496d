"""Page filters mirrored in the address (`st.query_params`), so that a link reproduces a view.

Every picker here behaves the same way:
- its first value on a page comes from the address (`?period=2026-09&level=commune`), else from what the
  user last chose for the same parameter on another page of this session (the month picked on the
  overview stays picked on the comparison page), else from the page's default; a value that is not among
  the options (an old link, a month without figures) is dropped for the next one;
- its current value is written back to the address at every run, always, also when it equals the
  default: a link to "the latest month" would show another month once new figures arrive.

The parameter names are shared by all pages: `period`, `level`, `ind` (indicators), `units`; lists are
comma-separated codes. Widget keys are per page (`key=`), the parameter names are not.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd
import streamlit as st

import i18n
from domain.registry import Registry
from storage.frames import units_valid_in

_MEMORY = "_p06_filter."  # session_state prefix: the last value chosen per parameter, across pages

# The levels a comparison can be made at, in the order the level switch shows them.
COMPARISON_LEVELS = ("commune", "former_district", "department", "former_province")
TREND_LEVELS = ("province", "former_province", "former_district", "commune", "department")


# --- the mechanism --------------------------------------------------------------------------------------


def _from_address(param: str) -> str | None:
    value = st.query_params.get(param)
    return value if value not in (None, "") else None


def _seed(key: str, param: str, valid: Callable[[object], bool], decode: Callable[[str], object], default) -> None:
    """Give the widget `key` its value before it is created, unless it holds a valid one already."""
    if key in st.session_state and valid(st.session_state[key]):
        # Assigned again, not left as it is: after a page change the value may still be the previous
        # page's widget's (same key, another page), which the new widget would not take up: it would
        # start from its first option instead (the province opened fell back to the country).
        st.session_state[key] = st.session_state[key]
        return
    candidates = []
    raw = _from_address(param)
    if raw is not None:
        candidates.append(decode(raw))
    if _MEMORY + param in st.session_state:
        candidates.append(st.session_state[_MEMORY + param])
    candidates.append(default)
    st.session_state[key] = next(c for c in candidates if valid(c))


def _publish(param: str, value, encode: Callable[[object], str]) -> None:
    st.session_state[_MEMORY + param] = value
    text = encode(value)
    if st.query_params.get(param) != text:
        st.query_params[param] = text


def remember(param: str, value: str) -> None:
    """Choose `value` for `param` from code (a click elsewhere on the page): the next picker of that
    parameter drawn under a new key starts from it (the address first, then this session's memory)."""
    _publish(param, value, str)


def _split(raw: str) -> list[str]:
    return [part for part in (p.strip() for p in raw.split(",")) if part]


# --- single choices ------------------------------------------------------------------------------------


def choice(key: str, options: Sequence[str], *, param: str, label: str, format_func: Callable[[str], str],
           default: str | None = None, widget: str = "select", container=None, help: str | None = None) -> str:
    """One value among `options` (codes), mirrored in `?<param>=`. `widget` is "select" (a drop-down,
    for long lists) or "segmented" (buttons side by side, for two to four options)."""
    options = list(options)
    if not options:
        raise ValueError(f"no options for {param}")
    where = container or st
    default = default if default in options else options[0]
    _seed(key, param, lambda v: v in options, str, default)
    if widget == "segmented":
        value = where.segmented_control(label, options, format_func=format_func, key=key, required=True, help=help)
    else:
        value = where.selectbox(label, options, format_func=format_func, key=key, help=help)
    value = value if value in options else default
    _publish(param, value, str)
    return value


def multi_choice(key: str, options: Sequence[str], *, param: str, label: str, format_func: Callable[[str], str],
                 default: Sequence[str] = (), container=None, max_selections: int | None = None,
                 placeholder: str | None = None, help: str | None = None) -> list[str]:
    """Several values among `options`, in the order chosen, mirrored in `?<param>=a,b,c`."""
    options = list(options)
    known = set(options)

    def valid(v) -> bool:
        return isinstance(v, list) and all(x in known for x in v) and (max_selections is None or len(v) <= max_selections)

    def decode(raw: str) -> list[str]:
        picked = [x for x in dict.fromkeys(_split(raw)) if x in known]
        return picked[:max_selections] if max_selections else picked

    default = [x for x in default if x in known]
    _seed(key, param, valid, decode, default)
    where = container or st
    value = where.multiselect(label, options, format_func=format_func, key=key, max_selections=max_selections,
                              placeholder=placeholder, help=help)
    _publish(param, list(value), ",".join)
    return list(value)


# --- the pickers the pages share -----------------------------------------------------------------------


def month_picker(key: str, months: Sequence[str], lang: str, *, container=None, param: str = "period",
                 default: str | None = None) -> str:
    """The reporting month ("YYYY-MM"), newest first, shown as "Tháng 10/2026"; default the latest."""
    newest_first = sorted(months, reverse=True)
    return choice(key, newest_first, param=param, label=i18n.t("period.picker", lang),
                  format_func=lambda p: i18n.fmt_period(p, lang), default=default or newest_first[0], container=container)


def level_label(level: str, lang: str, units: pd.DataFrame | None = None, period: str | None = None) -> str:
    """The name of a level; the district-level areas are simply "Cấp huyện" in a month before communes
    reported (they were then the district-level units themselves)."""
    if level == "former_district" and units is not None and period is not None and not _has_level(units, period, "commune"):
        return i18n.t("level.district", lang)
    return i18n.t(f"level.{level}", lang)


def _has_level(units: pd.DataFrame, period: str, level: str) -> bool:
    return bool((units_valid_in(units, period)["level"] == level).any())


def levels_in(units: pd.DataFrame, period: str, levels: Sequence[str] = COMPARISON_LEVELS) -> list[str]:
    """The levels of `levels` that have units that month: communes only from 07/2025; the district-level
    areas always (the districts themselves, or after the reform their communes summed); departments; the
    former provinces of a province merged in 2025, in every month (after the reform, their communes summed)."""
    out = []
    for level in levels:
        if level == "former_province":
            present = bool((units["level"] == "former_province").any())
        elif level in ("province", "former_district"):
            present = _has_level(units, period, "district") or _has_level(units, period, "commune")
        else:
            present = _has_level(units, period, level)
        if present:
            out.append(level)
    return out


def indicator_picker(key: str, registry: Registry, lang: str, *, default: str | None = None, container=None,
                     param: str = "ind", codes: Sequence[str] | None = None) -> str:
    """One indicator (its code), named in the reader's language."""
    names = {i.code: i.name(lang) for i in registry.indicators}
    options = [c for c in (codes or names) if c in names]
    return choice(key, options, param=param, label=i18n.t("filters.indicator", lang), format_func=names.__getitem__,
                  default=default, container=container)


def indicators_picker(key: str, registry: Registry, lang: str, *, default: Sequence[str] = (), container=None,
                      param: str = "ind", max_selections: int | None = None) -> list[str]:
    """Several indicators, in the order chosen."""
    names = {i.code: i.name(lang) for i in registry.indicators}
    return multi_choice(key, list(names), param=param, label=i18n.t("filters.indicators", lang),
                        format_func=names.__getitem__, default=default, container=container,
                        max_selections=max_selections, placeholder=i18n.t("filters.choose", lang))


def units_picker(key: str, names: Mapping[str, str], lang: str, *, default: Sequence[str] = (), container=None,
                 param: str = "units", max_selections: int | None = None) -> list[str]:
    """Several units (codes) among `names` (code -> name shown), in the order chosen."""
    return multi_choice(key, list(names), param=param, label=i18n.t("filters.units", lang),
                        format_func=lambda c: names.get(c, c), default=default, container=container,
                        max_selections=max_selections, placeholder=i18n.t("filters.choose", lang))


def toggle(key: str, *, param: str, label: str, default: bool = False, container=None) -> bool:
    """An on/off switch, mirrored as `?<param>=1` or `0`."""
    _seed(key, param, lambda v: isinstance(v, bool), lambda raw: raw == "1" if raw in ("0", "1") else None, default)
    where = container or st
    value = bool(where.toggle(label, key=key))
    _publish(param, value, lambda v: "1" if v else "0")
    return value


def month_range(key: str, months: Sequence[str], lang: str, *, default: tuple[str, str] | None = None, container=None,
                params: tuple[str, str] = ("from", "to")) -> tuple[str, str]:
    """A span of months (first, last) on a slider, mirrored as `?from=2025-01&to=2026-10`."""
    options = sorted(months)
    known = set(options)
    first_param, last_param = params

    def valid(v) -> bool:
        return isinstance(v, (tuple, list)) and len(v) == 2 and v[0] in known and v[1] in known and v[0] <= v[1]

    default = default if default and valid(tuple(default)) else (options[0], options[-1])
    if key in st.session_state and valid(st.session_state[key]):
        start = tuple(st.session_state[key])  # the widget's own state: what the person dragged it to
    else:
        st.session_state.pop(key, None)
        a, b = _from_address(first_param), _from_address(last_param)
        remembered = st.session_state.get(_MEMORY + first_param + "," + last_param)
        candidates = [(a or default[0], b or default[1]) if (a or b) else None, remembered, tuple(default)]
        start = next(c for c in candidates if c is not None and valid(c))
    where = container or st
    # The start goes in as `value=`, never through st.session_state: a range slider seeded through the
    # session state snaps back to that start a moment after it is dragged.
    value = tuple(where.select_slider(i18n.t("filters.months", lang), options=options, value=start, key=key,
                                      format_func=i18n.fmt_period_short))
    st.session_state[_MEMORY + first_param + "," + last_param] = value
    for param, v in zip(params, value):
        if st.query_params.get(param) != v:
            st.query_params[param] = v
    return value[0], value[1]
