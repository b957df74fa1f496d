"""Who is acting in this browser session, for pages that write through the services.

The app shell (app.py, ui/auth.py) signs the user in and puts the signed-in `services.permissions.Actor`
in `st.session_state["actor"]`, re-checked on every run; pages ask `current_actor()` and pass the result
to every service call, which authorises and audits. Signed out, it is None and every service refuses.
"""

from __future__ import annotations

import streamlit as st

from services.permissions import Actor

SESSION_KEY = "actor"


def current_actor() -> Actor | None:
    """The signed-in actor, or None."""
    actor = st.session_state.get(SESSION_KEY)
    return actor if isinstance(actor, Actor) else None


def allowed(actor: Actor | None, action: str, lang: str, *, show: bool = True) -> bool:
    """Whether the actor may do `action` at all (the matrix only: no audit row, for deciding what to draw);
    when not and `show`, says why on the page. The service still decides, and audits, when it is asked."""
    from services.permissions import check

    refusal = check(actor, action)
    if refusal is not None and show:
        st.info(refusal.markdown(lang), icon=":material/lock:")
    return refusal is None
