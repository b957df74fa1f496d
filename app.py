"""Entry point: `streamlit run app.py`. On an empty database it first sets up the province and loads the
sample (set P06_AUTO_SAMPLE=0 to start empty instead); then it signs the user in (ui/auth.py) and routes
to the pages their role may open."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

import i18n
from ui import auth, chrome, data, lang

# A local favicon: a material-icon or emoji favicon makes the browser fetch it from a CDN.
FAVICON = str(Path(__file__).with_name("ui") / "static" / "favicon.png")
st.set_page_config(page_title=i18n.t("app.short_title"), page_icon=FAVICON, layout="wide")

language = lang.selector()


def _seed_with_progress() -> None:
    bar = st.progress(0.0, text=i18n.t("app.seeding", language, done=0, total="…"))

    def progress(done: int, total: int) -> None:
        bar.progress(done / total, text=i18n.t("app.seeding", language, done=i18n.fmt_int(done, language),
                                               total=i18n.fmt_int(total, language)))

    result = data.ensure_ready(auto_sample=os.environ.get("P06_AUTO_SAMPLE", "1") != "0", progress=progress)
    bar.empty()
    if result:
        st.toast(i18n.t("app.seeding_done", language, stored=i18n.fmt_int(result["stored"], language)))


if "ready" not in st.session_state:
    _seed_with_progress()
    auth.prepare(data.engine())
    st.session_state["ready"] = True

engine = data.engine()
actor = auth.current(engine)
chrome.draw(language, chrome.upload_limit_mb())
if actor is None:
    st.navigation(auth.signed_out_pages(engine, language)).run()
else:
    auth.account_box(engine, actor, language)
    st.navigation(auth.signed_in_pages(actor, language)).run()
