"""Names a hostile user might give a file, a note, an account or (as an administrator) a unit: markdown
links and images, raw HTML, autolinks, Streamlit's own directives, maths and formula starts. Shown
anywhere, each must read as typed: no link, no image, no request to another server."""

from __future__ import annotations

import re

ATTACKER = "attacker.example"
HOSTILE = (
    f"![t](https:{ATTACKER}/pixel.png) [Đăng nhập lại](https:{ATTACKER}).csv",
    f"<img src=https://{ATTACKER}/i.png> <a href='https://{ATTACKER}'>Đăng nhập</a>",
    f"www.{ATTACKER} và bao@{ATTACKER}",
    "[x](javascript:alert(1)) **đậm** :red[đỏ] :material/warning: $x^2$ # tiêu đề",
    f"=HYPERLINK(\"https://{ATTACKER}\",\"Bấm\")",
)

# Markdown source that Streamlit (CommonMark + GFM + its directives) would turn into a link or an image,
# raw HTML, or a request: an unescaped `](`, an autolink scheme or `www.`, an unescaped `<`, the corpus's own directives
# (the app's badges use directives on purpose).
_LINKY = re.compile(r"(?<!\\)\]\(|(?<!\\)\]\[|https?:|www\.|javascript:|(?<!\\)<[a-zA-Z/!]|(?<!\\):red\[đỏ|(?<!\\):material/warning:|(?<!\\)@" + re.escape(ATTACKER))


def renders_link(markdown: str) -> bool:
    """Whether `markdown` (the source Streamlit is given) would draw a link, an image or HTML."""
    return bool(_LINKY.search(markdown or ""))
