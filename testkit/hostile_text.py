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
# raw HTML, or a request: an unescaped `](` or `][`, an unescaped `<`, the corpus's own directives (the
# app's badges use directives on purpose); and, in the text once escapes are resolved (remark-gfm finds
# autolinks there), `https://`, `www.` or an e-mail address.
_MARKUP = re.compile(r"(?<!\\)\]\(|(?<!\\)\]\[|(?<!\\)<[a-zA-Z/!]|(?<!\\):red\[đỏ|(?<!\\):material/warning:")
_AUTOLINK = re.compile(r"https?://|www\.|[\w.+-]@[\w-]+\.", re.IGNORECASE)


def renders_link(markdown: str) -> bool:
    """Whether `markdown` (the source Streamlit is given) would draw a link, an image or HTML."""
    markdown = markdown or ""
    text = re.sub(r"\\(.)", r"\1", markdown)  # the text remark-gfm looks for autolinks in
    return bool(_MARKUP.search(markdown) or _AUTOLINK.search(text))
