"""Accessibility checks in Chromium: axe-core run inside the page, and the pages each person can reach.

axe-core comes from the PyPI package axe-playwright-python (pinned in requirements-dev.txt, installed by
`make test`): only its bundled axe.min.js is used, read from the installed package, never fetched at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib.resources import files
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Page

AXE_SOURCE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
# The WCAG 2.1 A and AA rules; heading order and empty table headers are best-practice rules that the issue names.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
EXTRA_RULES = ["heading-order", "empty-table-header"]

_START = """(options) => {
  window.__axeRun = axe.run(document, options).then(
    (r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
             nodes: v.nodes.map((n) => n.target.join(" ") + " — " + n.failureSummary.replace(/\\s+/g, " "))})),
    (e) => [{id: "axe-error", impact: "critical", help: String(e), nodes: []}],
  );
}"""


def start_axe(page: Page) -> None:
    """Start axe-core on the page as it is now (injected first when the page does not have it yet)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    options = {
        "runOnly": {"type": "tag", "values": WCAG_TAGS},
        "rules": {rule: {"enabled": True} for rule in EXTRA_RULES},
        "resultTypes": ["violations"],
    }
    page.evaluate(_START, options)


def axe_result(page: Page) -> list[dict]:
    """The violations of the run started by start_axe (waits for it; runs started in other pages go on meanwhile)."""
    return page.evaluate("() => window.__axeRun")


def run_axe(page: Page) -> list[dict]:
    start_axe(page)
    return axe_result(page)


def overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the window (0 when nothing has to be scrolled sideways)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"  {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"][:5]) for v in violations
    )


# --- the pages a person can reach ---------------------------------------------------------------------------


class _Parsed(HTMLParser):
    """Links of a page and the shape of its markup: every element as (parent, element) kinds, text aside."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.shape: set[str] = set()
        self._stack: list[str] = []

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        kind = "{}.{}[{}]".format(
            tag,
            ".".join(sorted((a.get("class") or "").split())),
            ",".join(
                sorted(
                    f"{k}={v}" if k in ("role", "type", "scope") else k
                    for k, v in a.items()
                    if k in ("role", "type", "scope", "for", "disabled", "tabindex", "autofocus", "title")
                    or k.startswith("aria-")
                )
            ),
        )
        self.shape.add(f"{self._stack[-1] if self._stack else ''} > {kind}")
        if tag not in self.VOID:
            self._stack.append(kind)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if data.strip() and self._stack:
            self.shape.add(f"{self._stack[-1]} > #text")


@dataclass
class Reached:
    url: str
    endpoint: str
    shape: frozenset[str]
    roles: list[str] = field(default_factory=list)


SKIPPED_ENDPOINTS = {"static", "bootstrap.static", "main.health", "alerts.ical_feed"}


def reachable_pages(page: Page, app, *, key=None, limit: int = 400) -> list[Reached]:
    """Every HTML page the logged-in person of `page` reaches by following links from the home page.

    Links are followed with the browser context's own requests (its cookies, no rendering). Of the pages of one
    endpoint, a new one is read only when `key(endpoint, view_args)` differs (e.g. a document in another state);
    downloads and other non-HTML answers are left out, and the JSON API (not pages) is not followed.
    """
    adapter = app.url_map.bind("localhost")
    base = urlsplit(page.url)
    queue, seen_urls, seen_keys, found = ["/"], set(), set(), []
    while queue and len(found) < limit:
        url = queue.pop(0)
        if url in seen_urls:
            continue
        seen_urls.add(url)
        try:
            endpoint, args = adapter.match(urlsplit(url).path, method="GET")
        except Exception:  # noqa: BLE001 - a link outside the URL map (e.g. the site root of another app)
            continue
        if endpoint in SKIPPED_ENDPOINTS or endpoint.startswith("api."):
            continue
        k = (endpoint, key(endpoint, args) if key else None)
        if k in seen_keys:
            continue
        response = page.request.get(f"{base.scheme}://{base.netloc}{url}", max_redirects=0)
        if 300 <= response.status < 400 and (location := response.headers.get("location")):
            queue.append(location)  # a home page that is another page (the bureau's desk)
            continue
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        seen_keys.add(k)
        parsed = _Parsed()
        parsed.feed(response.text())
        found.append(Reached(url, endpoint, frozenset(parsed.shape)))
        for href in parsed.links:
            target = urlsplit(urljoin(f"{base.scheme}://{base.netloc}{url}", href))
            if target.netloc == base.netloc and target.scheme in ("http", "https"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return found
