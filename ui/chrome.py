"""What every page shares around its content, drawn once per run by app.py: the app's own CSS and the small
scripts the server side needs in the browser, in a container nobody sees.

- The file uploader in the reader's language (issue 16 item 8): Streamlit has no translation for its
  dropzone ("Upload", "20MB per file • …", "Drag and drop files here" while dragging, "Add files" and
  "Remove …" for screen readers), so the visible words are replaced through CSS (the element's own text
  at size 0, ours in `::after`) and the spoken ones by a script. Selectors are the data-testids of
  Streamlit 1.67's uploader; tests/test_browser_firstday.py reads the words back in Chromium.
- Phones (issue 16 item 4): the menu closes after a page is chosen; the heat map's narrow twin is shown
  instead of it below 640 px (ui/views/localities.py).
- The session cookie's scripts (ui.auth.cookie_script).
"""

from __future__ import annotations

import json

import streamlit as st

import i18n
from ui import auth, data
from ui.theme import STATUS

SCRIPTS_KEY = "p06_scripts"  # the hidden container: Streamlit gives it the class st-key-p06_scripts
NARROW_PX = 640  # below this width the page is laid out for a phone
DROPZONE = '[data-testid="stFileUploaderDropzone"]'


def draw(lang: str, max_upload_mb: int | None = None) -> None:
    st.html(f"<style>{css(lang, max_upload_mb)}</style>")
    with st.container(key=SCRIPTS_KEY):
        auth.cookie_script()
        st.html(_SCRIPT.replace("__WORDS__", json.dumps(_spoken_words(lang), ensure_ascii=False))
                .replace("__NARROW__", str(NARROW_PX)), unsafe_allow_javascript=True)


def upload_limit_mb() -> int | None:
    """The largest file taken: the setting max_upload_mb, within Streamlit's own server.maxUploadSize."""
    from streamlit import config

    try:
        setting = int(data.settings(data.version())["max_upload_mb"])
    except Exception:  # noqa: BLE001 - no database yet (first start): no figure rather than a wrong one
        return None
    server = config.get_option("server.maxUploadSize")
    return min(setting, int(server)) if server else setting


def css_text(text: str) -> str:
    """`text` as a CSS string literal (quotes, backslashes and line ends escaped)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ").replace("<", "\\3C ")
    return f'"{escaped}"'


def css(lang: str, max_upload_mb: int | None = None) -> str:
    t = lambda key, **kw: i18n.t(key, lang, **kw)  # noqa: E731
    limit = t("firstday.uploader.limit", mb=i18n.fmt_int(max_upload_mb, lang)) if max_upload_mb else ""
    return f"""
.st-key-{SCRIPTS_KEY} {{ display: none; }}
{DROPZONE} button [data-testid="stMarkdownContainer"] p {{ font-size: 0; }}
{DROPZONE} button [data-testid="stMarkdownContainer"] p::after {{ content: {css_text(t("firstday.uploader.button"))}; font-size: 14px; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: {css_text(t("firstday.uploader.instructions") + limit)}; font-size: 14px; }}
{DROPZONE} > div:not([data-testid]) > span:only-child {{ font-size: 0; }}
{DROPZONE} > div:not([data-testid]) > span:only-child::after {{ content: {css_text(t("firstday.uploader.drop"))}; font-size: 16px; }}
.st-key-heatmap_narrow {{ display: none; }}
.p06-chips p {{ margin: 0 0 0.75rem 0; line-height: 1.9; }}
.p06-chips .p06-gap {{ font-style: italic; color: #6b6b6b; }}
.p06-chip {{ display: inline-block; border-radius: 0.5rem; padding: 0 0.45rem; margin: 0 0.25rem 0 0; font-size: 14px;
  line-height: 1.6; white-space: nowrap; }}
{_chip_colours()}
@media (max-width: {NARROW_PX - 0.02}px) {{
  .st-key-heatmap_wide {{ display: none; }}
  .st-key-heatmap_narrow {{ display: block; }}
}}
"""


def _chip_colours() -> str:
    """Each status's chip: dark text (readable whatever the colour) on a fill and a border of its colour
    (ui.theme); the symbol says the status without the colour."""
    return "\n".join(f".p06-chip.p06-{status} {{ color: #1f1f1f; background: {style.colour}26; border: 1px solid {style.colour}; }}"
                     for status, style in STATUS.items())


def _spoken_words(lang: str) -> dict:
    return {"add": i18n.t("firstday.uploader.add", lang), "remove": i18n.t("firstday.uploader.remove", lang),
            "input": i18n.t("firstday.uploader.button", lang)}


# Once per browser tab (the window survives page changes): screen-reader labels of the uploader in the
# reader's language, and, on a phone, the menu closed after a page is chosen in it.
_SCRIPT = """<script>(() => {
  const words = __WORDS__;
  window.__p06Words = words;
  if (window.__p06Chrome) return;
  window.__p06Chrome = true;
  const relabel = () => {
    const w = window.__p06Words;
    document.querySelectorAll('[data-testid="stFileUploader"] button[aria-label="Add files"]').forEach(b => b.setAttribute("aria-label", w.add));
    document.querySelectorAll('[data-testid="stFileChipDeleteBtn"] button[aria-label^="Remove "]').forEach(b =>
      b.setAttribute("aria-label", w.remove + " " + b.getAttribute("aria-label").slice(7)));
    document.querySelectorAll('input[data-testid="stFileUploaderDropzoneInput"][aria-label="file upload"]').forEach(i => i.setAttribute("aria-label", w.input));
  };
  new MutationObserver(relabel).observe(document.body, {childList: true, subtree: true});
  relabel();
  document.addEventListener("click", (event) => {
    if (window.innerWidth >= __NARROW__) return;
    if (!event.target.closest('[data-testid="stSidebarNav"] a, [data-testid="stSidebarNavLink"]')) return;
    setTimeout(() => {
      const close = document.querySelector('[data-testid="stSidebar"][data-collapsed="false"] [data-testid="stSidebarCollapseButton"] button');
      if (close) close.click();
    }, 150);
  }, true);
})();</script>"""
