"""A drafter registers a draft through the form; the document page renders with local assets only."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests.browser.conftest import log_in
from tracker.documents.models import Document
from tracker.extensions import db

pytestmark = pytest.mark.browser


def test_a_drafter_registers_a_draft_and_sees_it_with_its_timeline(page, live_server):
    title = "沙溪镇浏览器测试管理办法"
    log_in(page, "drafter")
    page.get_by_test_id("nav-new-document").click()
    page.wait_for_url("**/documents/new")
    # The drafter may only draft for their own unit: the form offers nothing else.
    assert page.locator("#drafting_unit_id option").all_inner_texts() == ["沙溪镇综合行政执法局"]
    page.fill("#title", title)
    page.get_by_test_id("save-document").click()

    page.wait_for_url("**/documents/*")
    assert page.get_by_test_id("doc-title").inner_text() == title
    assert page.locator("[data-status]").first.get_attribute("data-status") == "drafting"
    entries = page.get_by_test_id("timeline").locator("li")
    assert entries.count() == 1
    assert f"登记文件草案《{title}》" in entries.first.inner_text()
    assert "黄经办" in entries.first.inner_text()
    with live_server.app.app_context():
        doc = db.session.scalar(sa.select(Document).where(Document.title == title))
        assert doc is not None and doc.drafting_unit.name == "沙溪镇综合行政执法局"
        assert page.url == f"{live_server.url}/documents/{doc.id}"
        db.session.remove()


def test_the_document_page_loads_only_local_assets_and_lays_out(page, live_server, tmp_path):
    with live_server.app.app_context():
        doc_id = db.session.scalar(sa.select(Document.id).where(Document.title == "沙溪镇来穗人员服务管理办法"))
        db.session.remove()
    log_in(page, "clerk")
    requests, responses = [], {}
    page.on("request", lambda r: requests.append(r.url))
    page.on("response", lambda r: responses.__setitem__(r.url, r.status))

    page.goto(f"/documents/{doc_id}")
    page.wait_for_load_state("networkidle")
    shot = tmp_path / "document.png"
    page.screenshot(path=str(shot), full_page=True)

    assert shot.stat().st_size > 20_000
    remote = [u for u in requests if urlsplit(u).scheme != "data" and urlsplit(u).hostname != "127.0.0.1"]
    assert remote == []
    css = [u for u in requests if u.endswith("bootstrap.min.css")]
    js = [u for u in requests if u.endswith(".js")]
    assert css and js
    assert all(responses.get(u) in (200, 304) for u in css + js)  # 304: served from this server, cached
    # The CSS is applied: the navbar is the app's dark blue (white text at 10:1), the two columns side by side.
    navbar = page.locator("nav.navbar")
    assert navbar.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(11, 58, 117)"
    timeline = page.get_by_test_id("timeline").bounding_box()
    actions = page.locator("#actions-title").bounding_box()
    assert actions["x"] > timeline["x"] + timeline["width"]
    assert page.get_by_test_id("timeline").locator("li").count() >= 10
