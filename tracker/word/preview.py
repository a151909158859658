"""An in-browser preview of a .docx without Word: mammoth converts it to HTML, then an allow-list sanitiser.

mammoth escapes text, but a template uploaded by an administrator may carry hyperlinks (javascript: URLs),
images or other markup; the page shows only the tags and attributes listed here, everything else as text.
"""

from __future__ import annotations

import io
import re
from html import escape
from html.parser import HTMLParser

import mammoth

# Our template styles (build_templates.py) as HTML; a template edited in Word keeps the style names.
STYLE_MAP = """
p[style-name='公文标题'] => h1.doc-title:fresh
p[style-name='发文字号'] => p.doc-number:fresh
p[style-name='主送机关'] => p.doc-addressee:fresh
p[style-name='一级标题'] => h2.doc-h1:fresh
p[style-name='二级标题'] => h3.doc-h2:fresh
p[style-name='落款'] => p.doc-signature:fresh
p[style-name='发文机关标志'] => p.doc-organ:fresh
p[style-name='署名'] => p.doc-signed:fresh
p[style-name='版记'] => p.doc-colophon:fresh
p[style-name='附注'] => p.doc-note:fresh
p[style-name='表头文字'] => p.doc-cell-head:fresh
p[style-name='表格文字'] => p.doc-cell:fresh
"""

ALLOWED_TAGS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "u", "s", "sup", "sub", "br", "ul", "ol", "li"}
    | {"table", "thead", "tbody", "tr", "td", "th"}
)
VOID_TAGS = frozenset({"br"})
# Content dropped entirely (not shown as text either).
DROP_CONTENT = frozenset({"script", "style", "iframe", "object", "embed", "template", "noscript"})
_CLASS = re.compile(r"^[a-z0-9 -]{1,60}$")
_SPAN = re.compile(r"^[1-9][0-9]?$")


class _Sanitiser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag, attrs):
        if tag in DROP_CONTENT:
            self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        kept = []
        for name, value in attrs:
            value = value or ""
            if name == "class" and _CLASS.match(value):
                kept.append(f' class="{escape(value)}"')
            elif name in ("colspan", "rowspan") and tag in ("td", "th") and _SPAN.match(value):
                kept.append(f' {name}="{value}"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        if tag in VOID_TAGS and not self.dropping:
            self.out.append(f"<{tag}>")

    def handle_endtag(self, tag):
        if tag in DROP_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in ALLOWED_TAGS or tag in VOID_TAGS or tag not in self.open:
            return
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data):
        if not self.dropping:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{t}>" for t in reversed(self.open))


def sanitise_html(html: str) -> str:
    parser = _Sanitiser()
    parser.feed(html)
    return parser.result()


def docx_to_html(data: bytes) -> str:
    """Safe HTML for the preview; images are left out (the Word file is the record)."""
    result = mammoth.convert_to_html(
        io.BytesIO(data),
        style_map=STYLE_MAP,
        convert_image=mammoth.images.img_element(lambda image: {"src": ""}),
    )
    return sanitise_html(result.value)
