"""A live server on 127.0.0.1 with the demo town (CSRF on), and Chromium driven by Playwright's sync API.

Each module here carries `pytestmark = pytest.mark.browser`: `make test` runs them in one process after the rest
(one server, one Chromium) and leaves them out of the PostgreSQL run.
"""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from config import TestConfig
from tracker import create_app
from tracker.common.timeutil import now_utc
from tracker.demo import DEMO_PASSWORD, load_demo
from tracker.extensions import db

CHROMIUM = "/usr/bin/chromium"  # Debian's package (.ci/run installs it); never `playwright install`
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@dataclass
class LiveServer:
    url: str
    app: object


@contextmanager
def demo_server(tmp: Path):
    """Serve a freshly loaded demo town (its own SQLite file and uploads under `tmp`) on a free port."""
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp / 'browser.sqlite3'}",
        UPLOAD_DIR=str(tmp / "uploads"),
        WTF_CSRF_ENABLED=True,
    )
    with app.app_context():
        db.create_all()
        load_demo(now=now_utc())
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The server the browser tests share (walks change its data: never count on global totals)."""
    with demo_server(tmp_path_factory.mktemp("live")) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: apt-get install chromium (.ci/run does), or deselect with -m 'not browser'")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer):
    """A fresh browser context (no cookies) per test."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(5000)
    page = context.new_page()
    yield page
    context.close()


def log_in(page: Page, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("[data-testid=login-submit]")
    page.wait_for_load_state()


# --- helpers for the walks: several people, each in their own browser context ------------------------------


@contextmanager
def user_opener(browser: Browser, server: LiveServer):
    """open_as("clerk"): a fresh context (own cookies) on `server`, that person logged in; all closed at the end."""
    contexts = []

    def open_as(username: str) -> Page:
        context = browser.new_context(base_url=server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10000)
        contexts.append(context)
        page = context.new_page()
        log_in(page, username)
        assert page.get_by_test_id("current-user").count() == 1, f"{username} could not log in"
        return page

    try:
        yield open_as
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def as_user(browser: Browser, live_server: LiveServer):
    """`as_user("clerk")` opens a fresh context (own cookies), logs that person in and returns the page."""
    with user_opener(browser, live_server) as open_as:
        yield open_as


def click_and_wait(page: Page, target) -> None:
    """Click a submit button or link (a locator or a selector) and wait for the page it leads to."""
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_navigation(wait_until="domcontentloaded"):
        locator.click()


def flashed(page: Page, text: str, category: str = "success"):
    """The flash message of a category containing `text` (Bootstrap alert), for expect(...)."""
    return page.locator(f".alert-{category}[role=alert]").filter(has_text=text)


def csrf_token(page: Page) -> str:
    return page.locator("input[name$='csrf_token']").first.get_attribute("value")


def timeline_entries(page: Page) -> list[str]:
    return [" ".join(t.split()) for t in page.get_by_test_id("timeline").locator("li").all_inner_texts()]


def assert_in_order(entries: list[str], expected: list[str]) -> list[int]:
    """Each expected text is found in a later timeline entry than the one before; returns their positions."""
    positions, start = [], 0
    for text in expected:
        found = next((i for i in range(start, len(entries)) if text in entries[i]), None)
        assert found is not None, f"“{text}” not found (in order) after entry {start} of the timeline:\n" + "\n".join(
            f"{i:3d} {e}" for i, e in enumerate(entries)
        )
        positions.append(found)
        start = found + 1
    return positions


def make_docx(path, title: str, paragraphs: list[str]):
    """A real Word file written by python-docx."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def download(page: Page, target, folder: Path) -> Path:
    """Click a download link (a locator or a selector), wait for the file and save it under its suggested name."""
    locator = page.locator(target) if isinstance(target, str) else target
    with page.expect_download() as info:
        locator.click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path
