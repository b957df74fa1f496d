"""The `download_template` action: a submitter downloads the blank templates of their own units only;
the standing agency and the administrator, any unit's (or the compiled template of every unit of a
form). A refusal is audited like any other; the workbook itself is built by the loaders
(loaders.template.build_template), so that what is downloaded is what the loaders read back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Engine

import i18n
from services.clock import setting
from services.guard import authorize
from services.permissions import Actor
from storage import frames


def authorize_template(engine: Engine, actor: Actor | None, unit_codes: Iterable[str] | str, *,
                       now: dt.datetime | None = None) -> None:
    """Return when `actor` may download the template of `unit_codes`; otherwise Refused (audited)."""
    codes = [unit_codes] if isinstance(unit_codes, str) else sorted(set(unit_codes))
    authorize(engine, actor, "download_template", unit_codes=codes, target=",".join(codes)[:300], now=now)


def template_for(engine: Engine, actor: Actor | None, form: str, period: str, unit: str | None = None,
                 lang: str = i18n.DEFAULT_LANG, *, now: dt.datetime | None = None) -> bytes:
    """The .xlsx template of `form` for `period`: one unit's (`unit`), or the compiled one listing every
    unit of the form (which needs the right to every one of them). loaders.template.TemplateError when
    the unit does not report that form in that month."""
    from loaders.template import build_template, form_units

    registry, units = frames.load_registry(engine), frames.load_units(engine)
    if unit is not None:
        authorize_template(engine, actor, unit, now=now)
    else:
        covered = list(form_units(registry, units, form, period)["code"]) if form in registry.form_by_code else []
        authorize(engine, actor, "download_template", unit_codes=covered, target=f"{form}/{period}", now=now)
    return build_template(registry, units, form, period, unit=unit, lang=lang,
                          deadline_day=setting(engine, "deadline_day"))
