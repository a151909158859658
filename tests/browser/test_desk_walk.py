"""The review desk through the browser: flags beside the text, a finding made from a clause, the revision traced.

The drafter uploads a draft with risky clauses; the reviewer sees the pre-check's flags beside the text, turns the
penalty flag into a finding by choosing its clause, and returns the draft; the drafter answers and uploads a
revised version; in the second round the reviewer sees that clause marked changed, the difference marked.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_wait, flashed, make_docx
from tests.browser.test_review_walk import fill_points, issue_opinion, status_of, submit_for_review
from tests.factories import PACKET, upload
from tracker.auth.models import User
from tracker.common.timeutil import now_utc, office_today
from tracker.documents.models import Document
from tracker.documents.services import add_attachment

pytestmark = pytest.mark.browser

TITLE = "沙溪镇农贸市场摊位管理办法"
FIRST = [
    "第一条 为规范农贸市场摊位管理，制定本办法。",
    "第二条 摊位承租人应当按月缴纳卫生保证金。",
    "第三条 占道经营的，由镇综合行政执法局没收其商品，并处二千元罚款。",
    "第四条 本办法自印发之日起施行。",
]
REVISED = [
    "第一条 为规范农贸市场摊位管理，制定本办法。",
    "第二条 摊位承租人应当按月缴纳卫生保证金。",
    "第三条 占道经营的，由镇综合行政执法局依照有关法律法规处理。",
    "第四条 本办法自印发之日起施行。",
]


def attach_packet(live_server, doc_url: str) -> None:
    """The packet's materials (the submission's own checks are not this walk's subject)."""
    doc_id = int(doc_url.rsplit("/", 1)[1])
    with live_server.app.app_context():
        from tracker.extensions import db

        doc = db.session.get(Document, doc_id)
        drafter = db.session.scalar(sa.select(User).where(User.username == "drafter"))
        for kind in PACKET:
            material = upload(f"{kind.value}.docx", kind.label)
            add_attachment(doc, material, kind=kind, title="", actor=drafter, now=now_utc())
        db.session.commit()
        db.session.remove()


def accept(page: Page, round_no: int) -> None:
    page.get_by_test_id("nav-review-desk").click()
    page.wait_for_url("**/review/")
    row = page.get_by_test_id("queue-row").filter(has_text=TITLE)
    expect(row).to_contain_text(f"第 {round_no} 轮")
    click_and_wait(page, row.get_by_role("link", name=TITLE))
    click_and_wait(page, "[data-testid=accept-review]")
    expect(flashed(page, "已受理，审查期限开始计算。")).to_be_visible()
    assert "/worksheet" in page.url


def upload_version(page: Page, path, number: int) -> None:
    page.set_input_files("#version-file", str(path))
    click_and_wait(page, "[data-testid=upload-version]")
    expect(flashed(page, f"已上传第 {number} 稿。")).to_be_visible()


def test_flags_beside_the_text_become_a_finding_whose_clause_is_traced(as_user, live_server, tmp_path):
    today = office_today(now_utc())
    year = today.year
    drafter = as_user("drafter")
    drafter.get_by_test_id("nav-new-document").click()
    drafter.wait_for_url("**/documents/new")
    drafter.fill("#title", TITLE)
    drafter.fill("#summary", "规范农贸市场摊位的承租和经营。")
    drafter.fill("#necessity", "摊位管理无章可循，有必要制定本办法。")
    click_and_wait(drafter, "[data-testid=save-document]")
    doc_url = drafter.url.removeprefix(live_server.url)
    upload_version(drafter, make_docx(tmp_path / "送审稿.docx", TITLE, FIRST), 1)
    attach_packet(live_server, doc_url)
    submit_for_review(drafter, doc_url, today.isoformat())

    # --- round 1: the flags stand beside the text; the penalty flag becomes a finding on its clause ----------
    reviewer = as_user("reviewer")
    accept(reviewer, 1)
    panel = reviewer.get_by_test_id("text-panel")
    expect(panel.get_by_test_id("unit")).to_have_count(5)  # the title, then four articles
    clause = panel.locator("[data-key='a3.p1']")
    expect(clause.get_by_test_id("unit-text")).to_have_text(FIRST[2])
    penalty = clause.locator("[data-testid=flag][data-rule=penalty]")
    expect(penalty).to_contain_text("第 5 点 · 设定行政处罚")
    expect(penalty.get_by_test_id("flag-words")).to_have_text("没收、罚款")
    expect(panel.locator("[data-key='a2.p1'] [data-testid=flag][data-rule=fee]")).to_have_count(1)
    expect(panel.locator("[data-key='a1.p1'] [data-testid=flag]")).to_have_count(0)

    click_and_wait(reviewer, penalty.get_by_test_id("flag-to-finding"))
    expect(reviewer.get_by_test_id("chosen-clause")).to_contain_text(FIRST[2])
    assert reviewer.input_value("#f-clause") == "第三条第一款"
    assert reviewer.input_value("#f-problem").startswith("设定行政处罚：")
    reviewer.fill("#f-suggestion", "删去没收和罚款，改为依照有关法律法规处理。")
    click_and_wait(reviewer, "[data-testid=add-finding]")
    expect(flashed(reviewer, "已添加审查意见。")).to_be_visible()
    expect(reviewer.get_by_test_id("finding").get_by_test_id("finding-quote")).to_have_text(f"原文：{FIRST[2]}")
    penalty = reviewer.get_by_test_id("text-panel").locator("[data-key='a3.p1'] [data-testid=flag][data-rule=penalty]")
    expect(penalty).to_have_attribute("data-state", "finding")

    # The fee flag is ruled out with a reason, which stays beside it.
    fee = reviewer.get_by_test_id("text-panel").locator("[data-key='a2.p1'] [data-testid=flag][data-rule=fee]")
    fee.locator("summary").click()
    fee.locator("textarea").fill("卫生保证金由市场开办者收取，另行核查")
    click_and_wait(reviewer, fee.get_by_test_id("dismiss-flag"))
    fee = reviewer.get_by_test_id("text-panel").locator("[data-key='a2.p1'] [data-testid=flag][data-rule=fee]")
    expect(fee).to_have_attribute("data-state", "dismissed")
    expect(fee).to_contain_text("已排除：卫生保证金由市场开办者收取，另行核查")

    fill_points(reviewer, problem_point="no_new_powers")
    issue_opinion(reviewer, "应当修改后重新送审", "经审查，提出如下修改意见。", year)
    assert status_of(reviewer) == "returned"

    # --- the drafter answers, uploads the revision and resubmits ------------------------------------------------
    drafter.goto(doc_url)
    click_and_wait(drafter, "[data-testid=answer-link]")
    card = drafter.locator("[data-testid^='answer-']").filter(has_text="第三条第一款")
    expect(card).to_contain_text(FIRST[2])  # the drafter answers with the clause's words in view
    card.locator("select[id$='-response']").select_option(label="采纳")
    click_and_wait(drafter, card.get_by_role("button", name="保存答复"))
    expect(flashed(drafter, "答复已保存。")).to_be_visible()
    drafter.goto(doc_url)
    upload_version(drafter, make_docx(tmp_path / "修改稿.docx", TITLE, REVISED), 2)
    submit_for_review(drafter, doc_url, today.isoformat())

    # --- round 2: the finding's clause is marked changed, beside the answer ----------------------------------
    accept(reviewer, 2)
    trace = reviewer.get_by_test_id("traces").get_by_test_id("trace").filter(has_text="第三条第一款")
    expect(trace).to_have_attribute("data-status", "changed")
    expect(trace.get_by_test_id("trace-status")).to_have_text("已修改")
    expect(trace).to_contain_text("采纳")
    marked = trace.locator("mark")
    assert any("罚款" in m for m in marked.all_inner_texts()), marked.all_inner_texts()
    assert any(re.search("依照有关法律法规", m) for m in marked.all_inner_texts()), marked.all_inner_texts()
    # The new version's text no longer carries the penalty flag.
    panel = reviewer.get_by_test_id("text-panel")
    expect(panel.locator("[data-key='a3.p1'] [data-testid=flag][data-rule=penalty]")).to_have_count(0)
