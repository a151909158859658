"""Every desk usable by everyone (issue 14): axe-core on every page of every role, 长者模式, phones, the keyboard.

The pages are gathered, not listed: each person follows every link from their home page (documents.show once per
document state). Pages whose markup has the same shape (the same kinds of elements in the same places; text and
the number of repeated rows aside) are checked once, by the first person who reaches them; every page is then
checked by axe-core at 1280 px and at 390 px, in the standard mode and in 长者模式.

Screenshots of each role's home page (390 px, and 长者模式 at 1280 px and 390 px) are written to
test-results/a11y/ (gitignored) for people to look at.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect

from tests.browser.a11y import Reached, axe_result, describe, overflow, reachable_pages, run_axe, start_axe
from tests.browser.conftest import LiveServer, click_and_wait, log_in
from tracker.documents.models import Document

pytestmark = pytest.mark.browser

ROLES = ["admin", "reviewer", "clerk", "drafter", "leader", "bureau", "city_leader", "city_admin"]
# Where each person lands after logging in: the home page, or (the city's people) their own first page.
HOME = {"bureau": "bureau.desk", "city_leader": "city.index", "city_admin": "admin.users"}
DESKTOP, PHONE, ZOOMED = 1280, 390, 640  # 640 px: a 1280 px screen at 200 % zoom
RESULTS = Path(__file__).resolve().parents[2] / "test-results" / "a11y"

# Pages the demo town gives no way to reach (no data leads there yet); every other HTML page must be reached.
NOT_IN_DEMO = {
    "auth.login": "only before logging in: checked on its own below",
    "cleanup.show": "the demo town has no clean-up campaign",
    "city.campaign": "the demo city has deployed no clean-up",
    "cleanup.renew": "no evaluation has concluded 继续施行",
    "register.compare": "no document has two draft versions",
    "review.submit": "no draft has a complete packet",
    "solicitations.show": "no draft for comment from a higher level",
}


FILES = ("/download", ".docx", ".pdf", ".xlsx", ".zip", ".ics", ".json", ".atom")


def html_endpoints(app) -> set[str]:
    """GET endpoints that answer with a page (not a file, not JSON)."""
    found = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint.startswith("api.") or rule.endpoint in ("static", "main.health"):
            continue
        if rule.endpoint == "bootstrap.static" or rule.rule.endswith(FILES):
            continue
        found.add(rule.endpoint)
    return found


@contextmanager
def people(browser: Browser, server: LiveServer, username: str, *, count: int = 2, width: int = DESKTOP):
    """`count` pages of one person, each in its own browser context (axe runs in them side by side)."""
    contexts = [
        browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": width, "height": 900})
        for _ in range(count)
    ]
    try:
        pages = []
        for context in contexts:
            context.set_default_timeout(30_000)
            page = context.new_page()
            log_in(page, username)
            pages.append(page)
        yield pages
    finally:
        for context in contexts:
            context.close()


def set_mode(page: Page, elder: bool) -> None:
    """Switch 长者模式 with the button every page has (in the collapsed menu on narrow screens)."""
    button = page.get_by_test_id("display-mode")
    if (button.get_attribute("aria-pressed") == "true") == elder:
        return
    if not button.is_visible():
        page.locator(".navbar-toggler").click()
    click_and_wait(page, button)
    expect(page.get_by_test_id("display-mode")).to_have_attribute("aria-pressed", "true" if elder else "false")


@pytest.fixture(scope="module")
def reached(browser, live_server) -> dict[str, list[Reached]]:
    """Per person, the pages they reach from their home page."""
    with live_server.app.app_context():
        from tracker.extensions import db

        states = dict(db.session.execute(sa.select(Document.id, Document.status)).all())
        db.session.remove()

    def key(endpoint, args):
        return states.get(args["doc_id"]) if endpoint == "register.show" else None

    found = {}
    for username in ROLES:
        with people(browser, live_server, username, count=1) as (page,):
            found[username] = reachable_pages(page, live_server.app, key=key)
    return found


def test_every_page_of_the_app_is_reached_by_someone(reached, live_server):
    endpoints = {r.endpoint for pages in reached.values() for r in pages}
    expected = html_endpoints(live_server.app) - set(NOT_IN_DEMO)
    assert expected - endpoints == set(), "pages nobody reaches from the demo town"
    assert sum(len(pages) for pages in reached.values()) >= 150  # (person, page) pairs: the crawl really ran
    # Each person reaches their own desk's pages.
    assert {"admin.users", "numbering.page"} <= {r.endpoint for r in reached["admin"]}
    # What every town shares is the city's administrator's, in an install of several towns.
    assert {"admin.users", "outputs.templates", "precheck_rules.index", "rules.rule_edit"} <= {
        r.endpoint for r in reached["city_admin"]
    }
    assert not {"outputs.templates", "precheck_rules.index", "rules.rule_edit"} & {r.endpoint for r in reached["admin"]}
    assert {"review.desk", "review.conclude", "review.accept"} <= {r.endpoint for r in reached["reviewer"]}
    assert {"filing.submit", "publication.publish", "publication.import_register"} <= {
        r.endpoint for r in reached["clerk"]
    }
    assert {"documents.new", "review.answers"} <= {r.endpoint for r in reached["drafter"]}
    assert {"bureau.desk", "bureau.filing"} <= {r.endpoint for r in reached["bureau"]}


def test_axe_finds_nothing_on_any_page_in_either_mode_at_desktop_and_phone_widths(browser, live_server, reached):
    # One check per page shape, by the first person who reaches it; every person's home page and navigation.
    plan: dict[str, list[Reached]] = {username: [] for username in ROLES}
    shapes = set()
    for username in ROLES:
        for r in reached[username]:
            if r.endpoint.startswith("public."):
                continue  # the public library has no 长者模式 switch: checked as the public sees it, below
            if r.endpoint == HOME.get(username, "main.index") or (r.endpoint, r.shape) not in shapes:
                shapes.add((r.endpoint, r.shape))
                plan[username].append(r)
    checked = sum(len(p) for p in plan.values())
    assert checked >= 60, checked

    RESULTS.mkdir(parents=True, exist_ok=True)
    failures: list[str] = []
    for elder in (False, True):
        mode = "长者模式" if elder else "标准模式"
        for username in ROLES:
            with people(browser, live_server, username) as pages:
                set_mode(pages[0], elder)  # remembered for the person: the second page gets it on its next load
                try:
                    for i in range(0, len(plan[username]), len(pages)):
                        batch = list(zip(pages, plan[username][i : i + len(pages)], strict=False))
                        for width in (DESKTOP, PHONE):
                            for page, r in batch:
                                page.set_viewport_size({"width": width, "height": 900})
                                if width == DESKTOP:
                                    page.goto(r.url)
                                    assert page.locator("html.mode-elder").count() == int(elder), r.url
                                start_axe(page)
                            for page, r in batch:
                                violations = axe_result(page)
                                if violations:
                                    failures.append(f"{username} {mode} {width}px {r.url}\n{describe(violations)}")
                                if wider := overflow(page):
                                    failures.append(f"{username} {mode} {width}px {r.url}: {wider} px too wide")
                                if r.endpoint == HOME.get(username, "main.index"):
                                    shot = RESULTS / f"{username}-home-{'elder' if elder else 'standard'}-{width}.png"
                                    page.screenshot(path=str(shot), full_page=True)
                finally:
                    set_mode(pages[0], False)
    assert failures == [], f"{len(failures)} page(s) with findings:\n" + "\n".join(failures)
    for username in ROLES:
        for name in ("standard-390", "elder-1280", "elder-390"):
            assert (RESULTS / f"{username}-home-{name}.png").stat().st_size > 10_000


def test_the_login_page_has_no_axe_findings(page):
    for width in (DESKTOP, PHONE):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/login")
        assert run_axe(page) == []
        assert overflow(page) == 0


def test_the_public_library_has_no_axe_findings(browser, live_server, reached):
    """The library as the public sees it (no login), at both widths: its list, a search, a document, a 404."""
    library = [r.url for pages in reached.values() for r in pages if r.endpoint == "public.show"]
    assert library, "a published document's page links to the public library"
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        page = context.new_page()
        failures = []
        for url in ("/public/", "/public/?q=%E5%8A%9E%E6%B3%95", library[0], "/public/documents/999999"):
            for width in (DESKTOP, PHONE):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(url)
                assert "/login" not in page.url, url
                if violations := run_axe(page):
                    failures.append(f"{width}px {url}\n{describe(violations)}")
                if wider := overflow(page):
                    failures.append(f"{width}px {url}: {wider} px too wide")
        assert failures == [], "\n".join(failures)
    finally:
        context.close()
