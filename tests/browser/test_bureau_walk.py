"""Issue 16 through the browser: a town files in the product, the city's bureau asks for a correction, the town
corrects and files again, the bureau registers it; both sides show the right deadlines throughout; the public
library shows the document.

The document is the demo town's 文明养犬管理规定（试行）: published ten days ago and not filed yet (no other walk of the
shared server touches it). Expected dates are computed by the rule set the server itself uses (`compute_due`), on
the day the test runs.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import docx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_wait, download, flashed
from tracker.common.timeutil import now_utc, office_today
from tracker.rules.services import compute_due

pytestmark = pytest.mark.browser

TITLE = "沙溪镇文明养犬管理规定（试行）"


def cn(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def open_document(page: Page) -> str:
    page.goto("/documents/?q=" + TITLE)
    click_and_wait(page, page.get_by_test_id("register-row").get_by_role("link", name=TITLE))
    return urlsplit(page.url).path


def file_here(clerk: Page, doc_url: str) -> None:
    clerk.goto(doc_url)
    click_and_wait(clerk, clerk.get_by_test_id("action-submit_filing").get_by_role("link"))
    # The city's bureau works here: filing here is what the page offers first.
    expect(clerk.locator("input[name=channel][value=online]")).to_be_checked()
    click_and_wait(clerk, "[data-testid=submit-filing]")
    expect(flashed(clerk, "已登记报送备案。")).to_be_visible()
    expect(clerk.get_by_test_id("filing-status")).to_have_text("备案：已报备待审查")


def bureau_row(bureau: Page, section: str):
    bureau.goto("/bureau/")
    return bureau.get_by_test_id(section).get_by_test_id("desk-row").filter(has_text=TITLE)


def test_a_town_files_the_bureau_asks_for_a_correction_and_registers_the_corrected_filing(
    as_user, live_server, tmp_path
):
    today = office_today(now_utc())
    with live_server.app.app_context():
        answer_due = compute_due("filing_review", today).day
        correction_due = compute_due("correction_period", today).day
    clerk, bureau = as_user("clerk"), as_user("bureau")

    # --- the town files in the product, the filing report is part of the packet ------------------------------
    doc_url = open_document(clerk)
    click_and_wait(clerk, "[data-testid=generate-filing-report]")
    expect(flashed(clerk, "已生成备案报告。")).to_be_visible()
    clerk.goto("/")
    due = clerk.get_by_test_id("board-risk").locator("[data-kind=filing_due]").filter(has_text=TITLE)
    expect(due).to_have_count(1)
    file_here(clerk, doc_url)
    expect(clerk.get_by_test_id("city-review-due")).to_contain_text(cn(answer_due))
    expect(clerk.get_by_test_id("city-review-days-left")).to_have_text(f"剩余 {(answer_due - today).days} 日")
    clerk.goto("/")
    board = clerk.get_by_test_id("board-risk")
    expect(board.locator("[data-kind=filing_review_due]").filter(has_text=TITLE)).to_contain_text(cn(answer_due))
    expect(board.locator("[data-kind=filing_due]").filter(has_text=TITLE)).to_have_count(0)

    # --- the bureau: its home is the desk; the filing waits to be accepted with the same due date ----------------
    assert urlsplit(bureau.url).path == "/bureau/"
    row = bureau_row(bureau, "to-accept")
    expect(row).to_contain_text("沙溪镇")
    expect(row).to_contain_text(cn(answer_due))
    expect(row).to_contain_text(f"剩余 {(answer_due - today).days} 日")
    click_and_wait(bureau, row.get_by_role("link", name=TITLE))
    packet = bureau.get_by_test_id("bureau-packet")
    expect(packet.get_by_role("link", name="备案报告")).to_be_visible()
    report = download(bureau, packet.get_by_role("link", name="正式文本"), tmp_path)
    assert report.suffix == ".docx"
    click_and_wait(bureau, "[data-testid=accept-filing]")
    expect(flashed(bureau, "已受理")).to_be_visible()
    expect(bureau.get_by_test_id("bureau-review-due")).to_contain_text(cn(answer_due))

    # --- 暂缓登记、限期补正 with its written opinion ---------------------------------------------------------
    bureau.select_option("#decide-result", label="暂缓登记、限期补正")
    bureau.fill("#decide-note", "一、试行期限\n请在正文中写明试行期限。")
    click_and_wait(bureau, "[data-testid=decide-filing]")
    notice = flashed(bureau, "已作出审查结果：暂缓登记、限期补正")
    expect(notice).to_be_visible()
    number = re.search(r"中司备审〔\d{4}〕\d+号", notice.inner_text()).group(0)
    expect(bureau.get_by_test_id("bureau-closed")).to_contain_text(cn(correction_due))
    row = bureau_row(bureau, "awaiting-town")
    expect(row).to_contain_text(cn(correction_due))

    # --- the town: the result, its due date and the opinion on the filing record, the correction on the board ----
    clerk.goto(doc_url)
    expect(clerk.get_by_test_id("filing-status")).to_have_text("备案：暂缓登记、限期补正")
    expect(clerk.locator("#filing")).to_contain_text(f"补正期限：{cn(correction_due)}")
    opinion = download(clerk, clerk.get_by_test_id("filing-opinion"), tmp_path)
    body = re.sub(r"\s", "", "".join(p.text for p in docx.Document(str(opinion)).paragraphs))
    assert number in body and f"关于《{TITLE}》的备案审查意见" in body and "请在正文中写明试行期限。" in body
    clerk.goto("/")
    board = clerk.get_by_test_id("board-risk")
    item = board.locator("[data-testid=risk-item][data-kind=correction_due]").filter(has_text=TITLE)
    expect(item).to_have_count(1)
    expect(item).to_contain_text(cn(correction_due))

    # --- corrected and filed again: back on the bureau's desk, registered -----------------------------------
    file_here(clerk, doc_url)
    row = bureau_row(bureau, "to-accept")
    expect(row).to_contain_text("第 2 次")
    click_and_wait(bureau, row.get_by_role("link", name=TITLE))
    click_and_wait(bureau, "[data-testid=accept-filing]")
    bureau.select_option("#decide-result", label="予以备案")
    click_and_wait(bureau, "[data-testid=decide-filing]")
    expect(flashed(bureau, "已作出审查结果：予以备案")).to_be_visible()
    expect(bureau_row(bureau, "decided").first).to_contain_text("予以备案")
    expect(bureau_row(bureau, "to-accept")).to_have_count(0)

    clerk.goto(doc_url)
    expect(clerk.get_by_test_id("filing-status")).to_have_text("备案：予以备案")
    attempts = clerk.get_by_test_id("filing-attempts").locator("tbody tr")
    expect(attempts).to_have_count(2)
    expect(attempts.nth(0)).to_contain_text(number)
    expect(attempts.nth(1)).to_contain_text("予以备案")
    expect(clerk.get_by_test_id("city-review-due")).to_have_count(0)
    clerk.goto("/")
    filing_items = "[data-kind=filing_due], [data-kind=filing_review_due], [data-kind=correction_due]"
    expect(clerk.get_by_test_id("board-risk").locator(filing_items).filter(has_text=TITLE)).to_have_count(0)

    # --- the public library shows the published document, no login ---------------------------------------
    reader = clerk.context.browser.new_context(base_url=live_server.url, locale="zh-CN")
    try:
        public = reader.new_page()
        public.goto("/public/?q=" + TITLE)
        expect(public.get_by_role("link", name=TITLE)).to_be_visible()
    finally:
        reader.close()
