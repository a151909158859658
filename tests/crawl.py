"""Reading the app as a user does: the links and forms each page shows, found by walking from the home page.

Used by the fuzz test (tests/test_fuzz.py): every form field and query parameter it varies is one the pages offer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from werkzeug.exceptions import HTTPException


@dataclass
class Field:
    name: str
    kind: str  # text | hidden | select | textarea | checkbox | radio | file | date | number | submit …
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str  # the URL of the page that showed it
    action: str  # path (with query) it posts to
    method: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)

    def data(self) -> dict[str, str]:
        """What a browser sends as it stands: each field's value (first option, checked boxes), no file."""
        out: dict[str, str] = {}
        for f in self.fields:
            if f.kind in ("file", "submit") or (f.kind in ("checkbox", "radio") and not f.value):
                continue
            out.setdefault(f.name, f.value)
        return out

    def signature(self) -> tuple:
        return (self.method, urlsplit(self.action).path, tuple(sorted({f.name for f in self.fields})))


class _Page(HTMLParser):
    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form":
            action = urljoin(self.url, a.get("action") or self.url)
            multipart = a.get("enctype", "") == "multipart/form-data"
            self._form = Form(self.url, action, (a.get("method") or "get").upper(), multipart)
            self.forms.append(self._form)
        elif self._form is None or "disabled" in a:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            value = a.get("value", "")
            if kind in ("checkbox", "radio"):
                value = (value or "y") if "checked" in a else ""
            self._form.fields.append(Field(a["name"], kind, value))
        elif tag == "button" and a.get("name"):
            self._form.fields.append(Field(a["name"], "submit", a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a or not self._select.value:
                self._select.value = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def read_page(url: str, html: str) -> tuple[list[str], list[Form]]:
    page = _Page(url)
    page.feed(html)
    return page.links, page.forms


@dataclass
class Site:
    """What one user found: the URLs visited per endpoint, the forms and the query parameters seen."""

    visited: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    forms: dict[tuple, list[Form]] = field(default_factory=lambda: defaultdict(list))
    query_params: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def endpoint_of(adapter, url: str, method: str = "GET") -> str | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        return None
    try:
        endpoint, _args = adapter.match(parts.path, method=method)
    except HTTPException:
        return None
    return endpoint


def crawl(client, adapter, *, per_endpoint: dict[str, int], default_per_endpoint: int = 2, skip=(), start=()) -> Site:
    """Walk the site from the home page (and the `start` paths first), visiting at most so many URLs per endpoint."""
    site = Site()
    queue = [f"http://localhost{path}" for path in start] + ["http://localhost/"]
    seen = set(queue)
    while queue:
        url = queue.pop(0)
        endpoint = endpoint_of(adapter, url)
        if endpoint is None or endpoint in skip:
            continue
        if len(site.visited[endpoint]) >= per_endpoint.get(endpoint, default_per_endpoint):
            continue
        parts = urlsplit(url)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        site.visited[endpoint].append(url)
        for name, _value in parse_qsl(parts.query, keep_blank_values=True):
            site.query_params[endpoint].add(name)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        links, forms = read_page(url, response.get_data(as_text=True))
        for form in forms:
            target = endpoint_of(adapter, form.action, form.method)
            if target is None:
                continue
            if form.method == "GET":
                site.query_params[target] |= {f.name for f in form.fields if f.kind != "submit"}
            same = site.forms[(target, form.signature())]
            if len(same) < 3:
                same.append(form)
        for link in links:
            link = link.split("#", 1)[0]
            if link not in seen:
                seen.add(link)
                queue.append(link)
    return site
