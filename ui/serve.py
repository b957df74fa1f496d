"""Start the dashboard: `python -m ui.serve [options of streamlit run]` is `streamlit run app.py [options]`
without Streamlit's "Page not found" on the first request of a fresh server.

Why: a `pages/` folder beside app.py switches Streamlit's old multipage mode on for the first session of
the process (`PagesManager.uses_pages_directory`); that session is routed through the folder's file
names before app.py's `st.navigation` takes over, so a link to any page but the default one (e.g.
/xu-huong) gets an English "Page not found" dialog once. app.py declares every page itself, so the old
mode is switched off before the server starts.

The server also answers the session cookie's route and sends the default page's own address (/tong-quan)
to the root (ui/signin_cookie.py): Streamlit's app is wrapped in that middleware here.

The tables' own export (CSV download, copy) is switched off here too (ALWAYS), so that no configuration
can bring it back.

Once the server runs, a background thread warms the process up (ui/warmup.py: imports, the figures and
their cube), so that its first visitor does not wait for them.
"""

from __future__ import annotations

import sys
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app.py"
# Streamlit's own table toolbar would let anyone download any table as CSV (no export right, no audit, no
# formula guard) and copy cells: off whatever the config file says. Every download is the app's button.
ALWAYS = ("--client.disableDataExport", "true")


def main(argv: list[str] | None = None) -> int:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    from ui.warmup import start_when_serving

    PagesManager.uses_pages_directory = False
    _wrap_app()
    start_when_serving()
    sys.argv = ["streamlit", "run", str(APP), *ALWAYS, *(sys.argv[1:] if argv is None else argv)]
    return cli.main()


def _wrap_app() -> None:
    """Put ui.signin_cookie's middleware in front of the Starlette app Streamlit's server builds."""
    from streamlit import config
    from streamlit.web.server.starlette import starlette_server

    from ui.signin_cookie import SessionCookieMiddleware

    build = starlette_server.create_starlette_app
    if getattr(build, "p06_wrapped", False):
        return

    def create_starlette_app(runtime):
        return SessionCookieMiddleware(build(runtime), config.get_option("server.baseUrlPath") or "")

    create_starlette_app.p06_wrapped = True
    starlette_server.create_starlette_app = create_starlette_app


if __name__ == "__main__":
    sys.exit(main())
