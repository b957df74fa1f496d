"""The administrator's settings (`configure`): the values declared in domain/settings.toml (deadline day,
lock delay, status bands, weak-locality thresholds, sign-in limits, file limits), changed on the Quản trị
page or by a script.

- `stored(engine)`: every declared setting with its effective value, its default, and who changed it when;
- `change(engine, actor, changes)`: checks every new value first (declared type and bounds through
  `SettingSpec.coerce`, whole numbers where a whole number is declared, the points of each weak-locality
  rule, the severity thresholds in order, and the metrics engine's own check of the whole set), then writes
  them all in one transaction; nothing is written when any value is wrong;
- `reset(engine, actor, keys)`: back to the declared defaults.

A value equal to its default is stored as no override at all, so "changed from the default" stays true to
its word. Every change is audited with the value before and after, and bumps the data version so that every
server process recomputes with the new thresholds at its next rerun.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from sqlalchemy import Engine, delete, select

import i18n
from domain import settings as settings_mod
from domain.errors import Invalid
from metrics.config import FLAG_RULES, MetricsConfig
from services import audit
from services.clock import utcnow
from services.guard import authorize
from services.permissions import Actor
from storage import models
from storage.db import session_factory
from storage.version import bump_data_version

log = logging.getLogger("p06.settings")

ACTION = "configure"
COLUMNS = ["key", "type", "value", "default", "changed", "min", "max", "help_vi", "help_en", "updated_by", "updated_at"]
NAME_KEY = "access.settings.name."


def name(key: str, lang: str = i18n.DEFAULT_LANG) -> str:
    """A setting's name for people (the catalog's), or its code when the catalog has none."""
    return i18n.t(NAME_KEY + key, lang) if i18n.has(NAME_KEY + key) else key


class SettingInvalid(Invalid):
    """An Invalid whose `setting` parameter (a code) is shown by the setting's name in the reader's language."""

    def message(self, lang: str = i18n.DEFAULT_LANG) -> str:
        params = dict(self.params)
        if "setting" in params:
            params["setting"] = name(str(params["setting"]), lang)
        return i18n.t(self.key, lang, **params)


def _number_text(x: float | None) -> str:
    return "" if x is None else f"{x:g}"


def _overrides(bind) -> dict[str, models.Setting]:
    return {row.key: row for row in bind.execute(select(models.Setting)).scalars()}


def stored(engine: Engine) -> pd.DataFrame:
    """Every declared setting (file order): type, effective value, default, whether it differs from the
    default, bounds, help in both languages, who changed it and when (None while it has its default)."""
    with session_factory(engine)() as session:
        rows = _overrides(session)
    effective = settings_mod.effective({k: json.loads(r.value) for k, r in rows.items() if k in settings_mod.SPECS})
    records = []
    for key, spec in settings_mod.SPECS.items():
        row = rows.get(key)
        records.append({
            "key": key, "type": spec.type, "value": effective[key], "default": spec.default,
            "changed": effective[key] != spec.default, "min": spec.min, "max": spec.max,
            "help_vi": spec.help_vi, "help_en": spec.help_en,
            "updated_by": row.updated_by if row is not None else None,
            "updated_at": row.updated_at if row is not None else None,
        })
    return pd.DataFrame(records, columns=COLUMNS)


def _points(key: str, value: Any) -> dict[str, int]:
    """The points per weak-locality rule: every rule known, each a whole number ≥ 0."""
    if not isinstance(value, Mapping):
        raise SettingInvalid("access.settings.bad_value", setting=key, value=str(value)[:40])
    out = {}
    for rule, points in value.items():
        if rule not in FLAG_RULES:
            raise SettingInvalid("access.settings.bad_rule", setting=key, rule=str(rule)[:40], rules=list(FLAG_RULES))
        try:
            number = float(points)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(points, bool) or not math.isfinite(number) or not number.is_integer() or number < 0:
            raise SettingInvalid("access.settings.bad_points", setting=key, rule=rule, value=str(points)[:20])
        out[rule] = int(number)
    return out


def coerce(key: str, value: Any) -> Any:
    """`value` as the declared type of setting `key`, within its bounds; SettingInvalid otherwise."""
    spec = settings_mod.SPECS.get(key)
    if spec is None:
        raise SettingInvalid("access.settings.unknown", setting=str(key)[:80])
    if spec.type == "dict" and key == "weak_rule_points":
        return _points(key, value)
    if spec.type in ("int", "float"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        bad_kind = isinstance(value, bool) or not math.isfinite(number) or (spec.type == "int" and not number.is_integer())
        low = _number_text(spec.min) or "−∞"
        high = _number_text(spec.max) or "∞"
        message = "access.settings.bad_int" if spec.type == "int" else "access.settings.bad_number"
        if bad_kind:
            raise SettingInvalid(message, setting=key, value=str(value)[:30], min=low, max=high)
        try:
            return spec.coerce(int(number) if spec.type == "int" else number)
        except ValueError:
            raise SettingInvalid(message, setting=key, value=str(value)[:30], min=low, max=high) from None
    try:
        return spec.coerce(value)
    except ValueError:
        raise SettingInvalid("access.settings.bad_value", setting=key, value=str(value)[:40]) from None


def _check_together(values: Mapping[str, Any]) -> None:
    """The rules that tie settings to each other, then the metrics engine's own check of the whole set."""
    medium, high = values["weak_severity_medium"], values["weak_severity_high"]
    if medium > high:
        raise SettingInvalid("access.settings.severity_order", medium=medium, high=high)
    try:
        MetricsConfig.from_settings(values)
    except ValueError as exc:
        log.info("settings refused by the metrics check: %s", exc)
        raise SettingInvalid("access.settings.inconsistent") from None


def change(engine: Engine, actor: Actor | None, changes: Mapping[str, Any], *, now: dt.datetime | None = None) -> list[str]:
    """Set several settings at once (all or nothing). Returns the keys whose value changed, in file order."""
    keys = sorted(str(k) for k in changes)
    authorize(engine, actor, ACTION, target=("settings/" + ",".join(keys))[:300], detail={"op": "settings"}, now=now)
    now = utcnow(now)
    new = {key: coerce(key, value) for key, value in changes.items()}
    with session_factory(engine).begin() as session:
        rows = _overrides(session)
        current = settings_mod.effective({k: json.loads(r.value) for k, r in rows.items() if k in settings_mod.SPECS})
        _check_together({**current, **new})
        changed = [k for k in settings_mod.SPECS if k in new and new[k] != current[k]]
        for key in changed:
            _write(session, rows.get(key), key, new[key], actor, now)
            audit.record(session, actor, ACTION, f"settings/{key}", "ok",
                         {"op": "setting", "key": key, "before": current[key], "after": new[key],
                          "default": settings_mod.SPECS[key].default}, now=now)
        if changed:
            bump_data_version(session, values=False)
    return changed


def reset(engine: Engine, actor: Actor | None, keys: Iterable[str], *, now: dt.datetime | None = None) -> list[str]:
    """Give settings back their declared defaults. Returns the keys whose value changed."""
    keys = list(keys)
    unknown = [k for k in keys if k not in settings_mod.SPECS]
    authorize(engine, actor, ACTION, target=("settings/" + ",".join(sorted(keys)))[:300], detail={"op": "reset"}, now=now)
    if unknown:
        raise SettingInvalid("access.settings.unknown", setting=str(unknown[0])[:80])
    return change(engine, actor, {k: settings_mod.SPECS[k].default for k in keys}, now=now)


def _write(session, row: models.Setting | None, key: str, value: Any, actor: Actor, now: dt.datetime) -> None:
    if value == settings_mod.SPECS[key].default:
        session.execute(delete(models.Setting).where(models.Setting.key == key))
        return
    if row is None:
        row = models.Setting(key=key)
        session.add(row)
    row.value, row.updated_by, row.updated_at = json.dumps(value, ensure_ascii=False), actor.username, now
