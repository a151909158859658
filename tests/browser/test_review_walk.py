"""Issue 3 through the browser: a draft from registration, via a return-for-revision round, to deliberation.

The drafter, the reviewer and the clerk each work in their own browser context, as three people would.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from tests.browser.conftest import (
    assert_in_order,
    click_and_wait,
    csrf_token,
    flashed,
    make_docx,
    timeline_entries,
)
from tracker.common.timeutil import now_utc, office_today
from tracker.rules.models import Conclusion

pytestmark = pytest.mark.browser

TITLE = "沙溪镇户外广告设施设置管理办法"
CLAUSE = "第五条第二款"


def draft_paragraphs(fine: bool) -> list[str]:
    return [
        "第一条 为规范本镇户外广告设施设置，根据有关法律法规，结合本镇实际，制定本办法。",
        "第二条 本办法适用于本镇行政区域内户外广告设施的设置和管理。",
        "第五条 设置户外广告设施应当符合本镇户外广告设施设置规划。",
        "未经批准擅自设置的，由镇综合行政执法局责令限期拆除，并处五千元罚款。"
        if fine
        else "未经批准擅自设置的，由镇综合行政执法局依照有关法律法规处理。",
        "第八条 本办法自印发之日起三十日后施行。",
    ]


def status_of(page: Page) -> str:
    return page.locator("[data-status]").first.get_attribute("data-status")


def opinion_number_rx(year: int) -> re.Pattern:
    return re.compile(rf"^沙司审〔{year}〕([1-9]\d*)号$")


def fill_points(page: Page, problem_point: str | None = None) -> None:
    """The nine review points of the worksheet: all comply, except one that does not (with its note)."""
    selects = page.locator("select[id^='p-result_']")
    assert selects.count() == 9
    for select in selects.all():
        point = select.get_attribute("id").removeprefix("p-result_")
        if point == problem_point:
            select.select_option("does_not")
            page.fill(f"#p-note_{point}", f"{CLAUSE}设定罚款，详见具体审查意见。")
        else:
            select.select_option("complies")
    click_and_wait(page, "[data-testid=save-points]")
    expect(flashed(page, "审查要点已保存。")).to_be_visible()


def issue_opinion(page: Page, conclusion: str, summary: str, year: int) -> int:
    page.select_option("#c-conclusion_id", label=conclusion)
    page.fill("#c-summary", summary)
    click_and_wait(page, "[data-testid=issue-opinion]")
    expect(flashed(page, "审查意见书已出具。")).to_be_visible()
    number = flashed(page, "审查意见书编号：", "info").inner_text().strip().removeprefix("审查意见书编号：")
    match = opinion_number_rx(year).match(number)
    assert match, number
    return int(match[1])


def accept_from_desk(page: Page, round_no: int) -> None:
    page.get_by_test_id("nav-review-desk").click()
    page.wait_for_url("**/review/")
    row = page.get_by_test_id("queue-row").filter(has_text=TITLE)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"第 {round_no} 轮")
    expect(row).to_contain_text("未分配")
    click_and_wait(page, row.get_by_role("link", name=TITLE))
    # The reviewer assigns himself (the form proposes the person accepting).
    assert page.locator("#reviewer_id option:checked").inner_text() == "李审查"
    click_and_wait(page, "[data-testid=accept-review]")
    expect(flashed(page, "已受理，审查期限开始计算。")).to_be_visible()
    assert "/worksheet" in page.url


def submit_for_review(page: Page, doc_url: str, received_on: str) -> None:
    page.goto(doc_url)
    click_and_wait(page, page.get_by_test_id("action-submit_for_review").get_by_role("link"))
    expect(page.get_by_test_id("checklist").locator("[aria-label='缺少']")).to_have_count(0)
    page.fill("#received_on", received_on)
    click_and_wait(page, "[data-testid=submit-review]")
    expect(flashed(page, "已送交司法所审查。")).to_be_visible()
    assert status_of(page) == "submitted"


def test_a_draft_goes_through_two_review_rounds_to_deliberation(as_user, live_server, tmp_path):
    today = office_today(now_utc())
    year = today.year
    with live_server.app.app_context():
        from tracker.extensions import db

        passing_id = db.session.scalar(sa.select(Conclusion.id).where(Conclusion.label == "合法，同意出台"))
        db.session.remove()

    # --- the drafter registers the draft and uploads the first version -----------------------------------
    drafter = as_user("drafter")
    drafter.get_by_test_id("nav-new-document").click()
    drafter.wait_for_url("**/documents/new")
    drafter.fill("#title", TITLE)
    drafter.fill("#summary", "规范户外广告设施的设置、维护和拆除。")
    drafter.fill("#necessity", "户外广告设施设置无序，影响市容和公共安全，有必要制定本办法。")
    click_and_wait(drafter, "[data-testid=save-document]")
    expect(flashed(drafter, "文件草案已登记。")).to_be_visible()
    assert re.fullmatch(rf"{live_server.url}/documents/\d+", drafter.url), drafter.url
    doc_url = drafter.url.removeprefix(live_server.url)
    assert status_of(drafter) == "drafting"

    first = make_docx(tmp_path / f"{TITLE}（征求意见稿）.docx", TITLE, draft_paragraphs(fine=True))
    drafter.set_input_files("#version-file", str(first))
    drafter.fill("#version-note", "征求意见稿")
    click_and_wait(drafter, "[data-testid=upload-version]")
    expect(flashed(drafter, "已上传第 1 稿。")).to_be_visible()
    expect(drafter.get_by_test_id("versions")).to_contain_text(first.name)

    # --- public comment: a 31-day window that has closed, and one comment adopted ---------------------------
    click_and_wait(drafter, drafter.locator("#materials").get_by_role("link", name=re.compile("^公开征求意见")))
    drafter.fill("#w-url", "http://www.zs.gov.cn/sxz/zmhd/yjzj/content/post_0000001.html")
    drafter.fill("#w-start_on", (today - timedelta(days=40)).isoformat())
    drafter.fill("#w-end_on", (today - timedelta(days=10)).isoformat())
    drafter.fill("#w-summary", "在镇政府门户网站公开征求意见，收到意见 1 条。")
    click_and_wait(drafter, "[data-testid=save-consultation]")
    expect(flashed(drafter, "征求意见信息已保存。")).to_be_visible()
    drafter.fill("#m-commenter", "群众甲")
    drafter.fill("#m-received_on", (today - timedelta(days=30)).isoformat())
    drafter.fill("#m-content", "建议明确广告设施的安全检查频次。")
    drafter.select_option("#m-disposition", label="采纳")
    click_and_wait(drafter, drafter.get_by_role("button", name="登记意见"))
    expect(flashed(drafter, "意见已登记。")).to_be_visible()
    expect(drafter.locator("#comments tbody tr")).to_contain_text(["建议明确广告设施的安全检查频次。"])

    # --- every material the checklist asks for, attached by type ----------------------------------------
    drafter.goto(doc_url)
    checklist = drafter.get_by_test_id("checklist")
    missing = [
        li.inner_text().replace("✘", "").strip()
        for li in checklist.locator("li").all()
        if li.locator("[aria-label='缺少']").count()
    ]
    assert {"请示/送审函", "起草说明", "制定依据", "征求意见及采纳情况"} <= set(missing), missing
    assert "送审稿" not in missing  # the uploaded draft version is the 送审稿
    for label in missing:
        name = label.replace("/", "、")
        path = make_docx(tmp_path / f"{name}.docx", f"《{TITLE}》{name}", [f"{name}正文。"])
        drafter.select_option("#att-kind", label=label)
        drafter.set_input_files("#att-file", str(path))
        click_and_wait(drafter, "[data-testid=upload-attachment]")
        expect(flashed(drafter, f"已上传材料：{label}")).to_be_visible()
    expect(checklist.locator("[aria-label='缺少']")).to_have_count(0)
    expect(checklist.locator("[aria-label='已提交']")).to_have_count(len(missing) + 1)

    submit_for_review(drafter, doc_url, today.isoformat())

    # --- round 1: the reviewer accepts, fills the worksheet, finds a problem, returns the draft -------------
    reviewer = as_user("reviewer")
    accept_from_desk(reviewer, 1)

    # A forged step: the drafter posts the worksheet's conclusion with a valid CSRF token; refused, nothing changes.
    drafter.goto(doc_url)
    before = timeline_entries(drafter)
    response = drafter.request.post(
        f"{doc_url.replace('/documents/', '/review/documents/')}/worksheet",
        form={
            "c-csrf_token": csrf_token(drafter),
            "form": "conclude",
            "c-conclusion_id": str(passing_id),
            "c-summary": "自行通过",
        },
    )
    assert response.status == 403
    body = response.text()
    assert "您没有权限查看此页面或执行此操作。" in body and "CSRF" not in body
    drafter.reload()
    assert status_of(drafter) == "under_review"
    assert timeline_entries(drafter) == before

    fill_points(reviewer, problem_point="no_new_powers")
    reviewer.fill("#f-clause", CLAUSE)
    reviewer.fill("#f-problem", "规定对擅自设置户外广告设施的处以罚款，属于设定行政处罚，超出镇政府权限。")
    reviewer.fill("#f-legal_basis", "《中华人民共和国行政处罚法》第十四条、第十六条")
    reviewer.fill("#f-suggestion", "删除罚款规定，改为依照有关法律法规处理。")
    click_and_wait(reviewer, "[data-testid=add-finding]")
    expect(flashed(reviewer, "已添加审查意见。")).to_be_visible()
    seq1 = issue_opinion(reviewer, "应当修改后重新送审", "经审查，提出如下修改意见。", year)
    round1 = reviewer.get_by_test_id("round-1")
    expect(round1.get_by_test_id("conclusion")).to_have_text("应当修改后重新送审")
    expect(round1.get_by_test_id("opinion-number")).to_have_text(f"沙司审〔{year}〕{seq1}号")
    assert status_of(reviewer) == "returned"

    # --- the drafter answers the finding, uploads a revision, compares and resubmits ------------------------
    drafter.goto(doc_url)
    click_and_wait(drafter, "[data-testid=answer-link]")
    card = drafter.locator("[data-testid^='answer-']").filter(has_text=CLAUSE)
    card.locator("select[id$='-response']").select_option(label="不采纳")
    card.locator("textarea[id$='-reason']").fill("本镇已有市级授权，罚款规定有上位法依据，拟在审议时说明。")
    click_and_wait(drafter, card.get_by_role("button", name="保存答复"))
    expect(flashed(drafter, "答复已保存。")).to_be_visible()
    expect(drafter.locator("[data-testid^='answer-']").filter(has_text=CLAUSE)).to_contain_text("已答复：不采纳")

    drafter.goto(doc_url)
    second = make_docx(tmp_path / f"{TITLE}（修改稿）.docx", TITLE, draft_paragraphs(fine=False))
    drafter.set_input_files("#version-file", str(second))
    drafter.fill("#version-note", "根据审查意见修改")
    click_and_wait(drafter, "[data-testid=upload-version]")
    expect(flashed(drafter, "已上传第 2 稿。")).to_be_visible()
    click_and_wait(drafter, "[data-testid=compare-link]")
    changed = drafter.get_by_test_id("diff").locator("tr[data-kind='changed']")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("并处五千元罚款")
    expect(changed).to_contain_text("依照有关法律法规处理")

    submit_for_review(drafter, doc_url, today.isoformat())

    # --- round 2: accepted, points filled, passed -------------------------------------------------------
    accept_from_desk(reviewer, 2)
    fill_points(reviewer)
    seq2 = issue_opinion(reviewer, "合法，同意出台", "经审查，该文件制定主体适格，程序合法，内容合法。", year)
    assert seq2 == seq1 + 1  # allocated on issue, per year, never skipped
    assert status_of(reviewer) == "passed"

    # --- the clerk records the deliberation ----------------------------------------------------------------
    clerk = as_user("clerk")
    clerk.goto(doc_url)
    click_and_wait(clerk, clerk.get_by_test_id("action-approve_deliberation").get_by_role("link"))
    assert clerk.input_value("#meeting_name") == "镇政府常务会议"
    clerk.fill("#held_on", today.isoformat())
    clerk.select_option("#decision", label="审议通过")
    clerk.fill("#note", "会议同意印发实施。")
    click_and_wait(clerk, "[data-testid=save-deliberation]")
    expect(flashed(clerk, "集体审议结果已登记。")).to_be_visible()
    assert status_of(clerk) == "deliberated"
    expect(clerk.get_by_test_id("deliberation")).to_contain_text("镇政府常务会议")
    expect(clerk.get_by_test_id("deliberation")).to_contain_text("审议通过")

    # --- the document page: both rounds, and every step in the timeline in order ----------------------------
    for no, conclusion, seq in ((1, "应当修改后重新送审", seq1), (2, "合法，同意出台", seq2)):
        rnd = clerk.get_by_test_id(f"round-{no}")
        expect(rnd.get_by_test_id("conclusion")).to_have_text(conclusion)
        expect(rnd.get_by_test_id("opinion-number")).to_have_text(f"沙司审〔{year}〕{seq}号")
    expect(clerk.get_by_test_id("round-1").get_by_test_id("findings")).to_contain_text(f"{CLAUSE}")
    expect(clerk.get_by_test_id("round-1").get_by_test_id("findings")).to_contain_text("不采纳")
    entries = timeline_entries(clerk)
    received = today.isoformat()
    # Each round is concluded the day it is received: the record says the review was shorter than the usual minimum.
    same_day = "（审查用时 0 个工作日，少于一般审查时间 5 个工作日）"
    assert_in_order(
        entries,
        [
            f"登记文件草案《{TITLE}》 — 黄经办",
            f"上传第 1 稿：{first.name} — 黄经办",
            f"登记公开征求意见：{(today - timedelta(days=40)).isoformat()} 至",
            "登记意见（采纳） — 黄经办",
            "上传材料：请示/送审函",
            "上传材料：征求意见及采纳情况",
            "送交合法性审查 — 黄经办",
            f"第 1 轮送审，司法所收件 {received}",
            "受理并分配审查人：审查人：李审查 — 李审查",
            "填写审查要点 — 李审查",
            f"提出审查意见：{CLAUSE} — 李审查",
            "退回修改：应当修改后重新送审 — 李审查",
            f"出具审查意见书 沙司审〔{year}〕{seq1}号：应当修改后重新送审{same_day} — 李审查",
            f"答复审查意见（{CLAUSE}）：不采纳 — 黄经办",
            f"上传第 2 稿：{second.name} — 黄经办",
            "送交合法性审查 — 黄经办",
            f"第 2 轮送审，司法所收件 {received}",
            "受理并分配审查人：审查人：李审查 — 李审查",
            "填写审查要点 — 李审查",
            "审查通过：合法，同意出台 — 李审查",
            f"出具审查意见书 沙司审〔{year}〕{seq2}号：合法，同意出台{same_day} — 李审查",
            "集体审议通过：会议同意印发实施。 — 陈文秘",
            f"镇政府常务会议（{today.isoformat()}）：审议通过 — 陈文秘",
        ],
    )
    # The refused forgery left no trace.
    assert not [e for e in entries if "自行通过" in e]
