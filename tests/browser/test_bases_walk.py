"""制定依据 in a real browser: a drafter enters the legal bases of a new draft (one found in the catalogue by its short
name, one the catalogue lacks), the 司法所 verifies the new one and records that it was repealed, and the draft is
flagged — in the list of documents citing it, on the document page and at submission, with the reason."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import click_and_wait, flashed
from tracker.common.timeutil import now_utc, office_today

pytestmark = pytest.mark.browser

TITLE = "沙溪镇浏览器测试摊贩疏导管理办法"
HIGHER = "沙溪镇浏览器测试上级摊贩管理规定"


def test_bases_entered_on_a_new_draft_and_a_higher_law_change_flags_it(as_user, live_server):
    drafter = as_user("drafter")
    click_and_wait(drafter, drafter.get_by_test_id("nav-new-document"))
    drafter.fill("#title", TITLE)
    click_and_wait(drafter, drafter.get_by_test_id("save-document"))
    doc_url = drafter.url
    expect(drafter.get_by_test_id("doc-bases")).to_contain_text("尚未录入")

    click_and_wait(drafter, drafter.get_by_test_id("bases-link"))
    # A national law by its short name: the catalogue holds it under its full name.
    drafter.fill("#title", "行政处罚法")
    drafter.fill("#articles", "第二十八条")
    click_and_wait(drafter, drafter.get_by_test_id("add-basis"))
    expect(flashed(drafter, "已录入制定依据。")).to_be_visible()
    expect(drafter.locator('[data-basis="中华人民共和国行政处罚法"]')).to_contain_text("第二十八条")
    # A higher-level document the catalogue does not know yet: added to it, waiting for the 司法所.
    drafter.fill("#title", HIGHER)
    drafter.select_option("#kind", "higher_document")
    click_and_wait(drafter, drafter.get_by_test_id("add-basis"))
    row = drafter.locator(f'[data-basis="{HIGHER}"]')
    expect(row).to_contain_text("上级规范性文件")
    expect(row.get_by_test_id("unverified")).to_be_visible()

    # The 司法所 finds it in the catalogue, verifies it, then records that it was repealed.
    reviewer = as_user("reviewer")
    reviewer.goto("/catalogue/?show=unverified")
    entry = reviewer.locator(f'[data-source="{HIGHER}"]')
    click_and_wait(reviewer, entry.locator("[data-testid^=verify-]"))
    expect(flashed(reviewer, f"已核实《{HIGHER}》。")).to_be_visible()
    reviewer.goto("/cleanup/sources")
    change = reviewer.locator("tr", has_text=HIGHER)
    change.locator("select[name=state]").select_option("repealed")
    change.locator("input[name=changed_on]").fill(office_today(now_utc()).isoformat())
    click_and_wait(reviewer, change.locator("button[type=submit]"))
    flagged = reviewer.get_by_test_id("flagged")
    expect(flagged).to_contain_text(f"《{HIGHER}》已废止")
    expect(flagged.get_by_role("link", name=TITLE)).to_be_visible()

    # The drafter sees the draft flagged: on its page, and when about to submit it, with the reason.
    drafter.goto(doc_url)
    expect(drafter.get_by_test_id("doc-bases")).to_contain_text("已废止")
    drafter.goto(doc_url.replace("/documents/", "/review/documents/") + "/submit")
    flags = drafter.get_by_test_id("law-flag")
    expect(flags).to_have_count(1)
    today = office_today(now_utc()).isoformat()
    expect(flags.first).to_contain_text(f"《{HIGHER}》已于 {today} 废止，不能再作为制定依据")
