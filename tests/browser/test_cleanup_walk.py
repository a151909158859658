"""Issue 7 through the browser: a 全面清理 from opening to the published result and its catalogue.

The 司法所 opens the campaign, each drafting unit's officer proposes a result for each of its documents, the 司法所
reviews (one result changed, with a note), the clerk records the deliberation (refused while one is unreviewed) and
publishes; the catalogue downloads as Excel and Word and the documents' statuses follow.

Runs on the shared live server: the scope is the demo's documents in force today, which no other walk changes
(the publication walk's document takes effect 30 days after today).
"""

from __future__ import annotations

import re

import docx
import openpyxl
import pytest
from dateutil.relativedelta import relativedelta
from docx.table import Table
from docx.text.paragraph import Paragraph
from playwright.sync_api import Page, expect

from tests.browser.conftest import click_and_wait, download, flashed, timeline_entries
from tracker.common.filters import date_cn
from tracker.common.timeutil import now_utc, office_today

pytestmark = pytest.mark.browser

KEEP, AMEND, REPEAL, INVALID = "继续有效", "修改", "废止", "宣布失效"
RESULTS = (KEEP, AMEND, REPEAL, INVALID)  # the order of the notice and of the workbook's sheets

# tracker/demo.py: the documents in force today, by drafting unit and its officer (the snapshot of the campaign).
# 经济发展办公室 (drafter4) has none: its only published document was repealed 150 days ago.
SCOPE = {
    "沙溪镇出租屋安全管理规定": ("drafter", "沙溪镇综合行政执法局"),
    "沙溪镇村（社区）集体经济组织财务管理办法": ("drafter2", "沙溪镇农业农村办公室"),
    "沙溪镇农业产业化扶持资金管理办法": ("drafter2", "沙溪镇农业农村办公室"),
    "沙溪镇社区网格化服务管理办法": ("drafter3", "沙溪镇社会事务局"),
    "沙溪镇来穗人员服务管理办法": ("drafter3", "沙溪镇社会事务局"),
}
# What each unit proposes, with its reason.
PROPOSED = {
    "沙溪镇出租屋安全管理规定": (AMEND, "消防安全检查要求已有新规定，第六条、第九条须相应修改。"),
    "沙溪镇村（社区）集体经济组织财务管理办法": (KEEP, "仍适用于各村（社区）集体经济组织的财务管理。"),
    "沙溪镇农业产业化扶持资金管理办法": (KEEP, "扶持政策仍在执行期内，内容符合上位法。"),
    "沙溪镇社区网格化服务管理办法": (INVALID, "网格化服务已由市级统一规定，调整对象已不存在。"),
    "沙溪镇来穗人员服务管理办法": (KEEP, "本年新制定，执行情况良好。"),
}
# The 司法所 agrees with every proposal but one, which it changes with a note.
CHANGED = "沙溪镇村（社区）集体经济组织财务管理办法"
CHANGED_TO, NOTE = REPEAL, "有效期即将届满，相关事项已纳入镇农村集体资产管理制度，建议废止。"
FINAL = {title: (CHANGED_TO, NOTE) if title == CHANGED else proposed for title, proposed in PROPOSED.items()}
STATUS_AFTER = {KEEP: "in_force", AMEND: "in_force", REPEAL: "repealed", INVALID: "invalid"}
STATUS_LABEL = {"in_force": "施行中", "repealed": "已废止", "invalid": "已宣布失效"}


def status_of(page: Page) -> str:
    return page.locator("[data-status]").first.get_attribute("data-status")


def item_row(page: Page, title: str):
    return page.get_by_test_id("item-row").filter(has_text=title)


def titles_by_result(rows) -> dict[str, list[str]]:
    """{result: sorted titles} from (title, result) pairs."""
    out: dict[str, list[str]] = {}
    for title, result in rows:
        out.setdefault(result, []).append(title)
    return {result: sorted(titles) for result, titles in out.items()}


def word_catalogue(path) -> list[tuple[str, list[list[str]]]]:
    """The Word catalogue's tables in body order, each with the paragraph just before it (its heading)."""
    document = docx.Document(str(path))
    out, heading = [], ""
    for element in document.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(element, document).text.strip()
            heading = text or heading
        elif tag == "tbl":
            table = Table(element, document)
            if table.rows[0].cells[0].paragraphs[0].style.name == "版记":
                continue  # the notice's 版记 (抄送, 印发) closes the document: not a catalogue table
            out.append((heading, [[cell.text.strip() for cell in row.cells] for row in table.rows]))
    return out


def test_a_comprehensive_cleanup_is_proposed_reviewed_published_and_applied(as_user, live_server, tmp_path):
    today = office_today(now_utc())
    year = today.year
    name = f"{year}年度规范性文件全面清理"
    expected_final = titles_by_result((t, r) for t, (r, _) in FINAL.items())
    assert set(expected_final) == set(RESULTS)  # every category appears in this walk

    # --- the 司法所 opens a 全面清理 with today's cut-off ------------------------------------------------------
    reviewer = as_user("reviewer")
    reviewer.get_by_test_id("nav-cleanup").click()
    reviewer.wait_for_url("**/cleanup/")
    click_and_wait(reviewer, reviewer.get_by_test_id("new-campaign"))
    assert reviewer.input_value("#cutoff_on") == today.isoformat()
    reviewer.fill("#name", name)
    reviewer.select_option("#kind", label="全面清理")
    reviewer.select_option("#trigger", label="上级部署")
    reviewer.fill("#trigger_ref", f"中府办函〔{year}〕88号")
    click_and_wait(reviewer, "[data-testid=open-campaign]")
    expect(flashed(reviewer, "已发起清理，各起草单位可以提出清理意见。")).to_be_visible()
    assert re.fullmatch(rf"{live_server.url}/cleanup/\d+", reviewer.url), reviewer.url
    campaign_url = reviewer.url.removeprefix(live_server.url)
    expect(reviewer.get_by_test_id("campaign-phase")).to_have_text("起草单位提出意见")

    # The scope is the snapshot of the documents in force today, and progress is shown per unit.
    rows = reviewer.get_by_test_id("item-row")
    titles = [row.locator("td").first.locator("a").inner_text() for row in rows.all()]
    assert sorted(titles) == sorted(SCOPE), titles
    expect(reviewer.get_by_test_id("outstanding")).to_have_text(str(len(SCOPE)))
    units = {unit for _, unit in SCOPE.values()}
    progress = reviewer.get_by_test_id("progress").locator("tr")
    expect(progress).to_have_count(len(units))
    for unit in units:
        n = sum(1 for _, u in SCOPE.values() if u == unit)
        expect(progress.filter(has_text=unit)).to_contain_text(f"提出 0 / 审核 0 / 共 {n}")
    # Nothing proposed yet: the 司法所 has nothing to review.
    expect(reviewer.locator("[data-testid^='review-']")).to_have_count(0)

    # --- each drafting unit proposes, starting from its dashboard --------------------------------------------
    for username in ("drafter", "drafter2", "drafter3", "drafter4"):
        mine = sorted(t for t, (u, _) in SCOPE.items() if u == username)
        drafter = as_user(username)
        tasks = drafter.get_by_test_id("board-drafter").get_by_test_id("task-proposal")
        expect(tasks).to_have_count(len(mine))
        assert sorted(t.removeprefix("提出清理意见：") for t in tasks.all_inner_texts()) == mine
        if not mine:  # 经济发展办公室: nothing of theirs in force, nothing to propose on the campaign page
            drafter.goto(campaign_url)
            expect(drafter.locator("[data-testid^='propose-']")).to_have_count(0)
            continue
        click_and_wait(drafter, tasks.first.get_by_role("link"))
        assert drafter.url.removeprefix(live_server.url).split("#")[0] == campaign_url
        # Only the unit's own documents carry a proposal form.
        expect(drafter.locator("[data-testid^='propose-']")).to_have_count(len(mine))
        for title in mine:
            result, reason = PROPOSED[title]
            row = item_row(drafter, title)
            row.get_by_label("清理意见").select_option(label=result)
            row.get_by_label("理由").fill(reason)
            click_and_wait(drafter, row.locator("[data-testid^='propose-']"))
            expect(flashed(drafter, "清理意见已提交。")).to_be_visible()
            expect(item_row(drafter, title).get_by_test_id("proposal")).to_contain_text(f"{result}：{reason}")
        drafter.goto("/")
        expect(drafter.get_by_test_id("board-drafter").get_by_test_id("task-proposal")).to_have_count(0)

    # --- the 司法所 reviews: a change without a note is refused; all agreed but the changed one -------------------
    reviewer.goto(campaign_url)
    for unit in units:
        n = sum(1 for _, u in SCOPE.values() if u == unit)
        expect(progress.filter(has_text=unit)).to_contain_text(f"提出 {n} / 审核 0 / 共 {n}")
    row = item_row(reviewer, CHANGED)
    assert row.get_by_label("审核结果").locator("option:checked").inner_text() == PROPOSED[CHANGED][0]
    row.get_by_label("审核结果").select_option(label=CHANGED_TO)
    click_and_wait(reviewer, row.locator("[data-testid^='review-']"))
    expect(flashed(reviewer, "改变起草单位意见的，须说明理由。", "danger")).to_be_visible()
    expect(item_row(reviewer, CHANGED).get_by_test_id("reviewed")).to_contain_text("未审核")
    for title in sorted(t for t in SCOPE if t != CHANGED):
        row = item_row(reviewer, title)
        assert row.get_by_label("审核结果").locator("option:checked").inner_text() == PROPOSED[title][0]
        click_and_wait(reviewer, row.locator("[data-testid^='review-']"))
        expect(flashed(reviewer, "审核意见已保存。")).to_be_visible()
        expect(item_row(reviewer, title).get_by_test_id("reviewed")).to_contain_text(PROPOSED[title][0])
    expect(reviewer.get_by_test_id("outstanding")).to_have_text("1")
    expect(reviewer.get_by_test_id("campaign-phase")).to_have_text("司法所审核")

    # --- the clerk cannot record the deliberation while one result is unreviewed -------------------------------
    clerk = as_user("clerk")
    clerk.get_by_test_id("nav-cleanup").click()
    clerk.wait_for_url("**/cleanup/")
    campaigns = clerk.get_by_test_id("campaigns").locator("tbody tr").filter(has_text=name)
    expect(campaigns).to_contain_text(f"已审核 {len(SCOPE) - 1} / {len(SCOPE)}")
    click_and_wait(clerk, campaigns.get_by_role("link", name=name))
    assert clerk.url.removeprefix(live_server.url) == campaign_url
    assert clerk.input_value("#held_on") == today.isoformat()
    # The step is offered greyed out, with the table's reason.
    expect(clerk.get_by_test_id("deliberate-campaign")).to_be_disabled()
    expect(clerk.get_by_test_id("deliberate-blocked")).to_have_text(
        f"尚有 1 件文件没有经司法所审核的清理结果，不能提交审议：《{CHANGED}》等。"
    )
    expect(clerk.get_by_test_id("campaign-phase")).to_have_text("司法所审核")

    # The 司法所 changes the last one, with its note.
    reviewer.goto(campaign_url)
    row = item_row(reviewer, CHANGED)
    row.get_by_label("审核结果").select_option(label=CHANGED_TO)
    row.get_by_label("审核意见").fill(NOTE)
    click_and_wait(reviewer, row.locator("[data-testid^='review-']"))
    expect(flashed(reviewer, "审核意见已保存。")).to_be_visible()
    expect(item_row(reviewer, CHANGED).get_by_test_id("reviewed")).to_contain_text(f"{CHANGED_TO}：{NOTE}")
    expect(reviewer.get_by_test_id("outstanding")).to_have_text("0")

    # --- deliberation, then publication of the result -----------------------------------------------------
    clerk.goto(campaign_url)
    assert clerk.input_value("#meeting") == "镇政府常务会议"
    click_and_wait(clerk, "[data-testid=deliberate-campaign]")
    expect(flashed(clerk, "已登记集体审议。")).to_be_visible()
    expect(clerk.get_by_test_id("campaign-phase")).to_have_text("已审议")
    expect(clerk.get_by_test_id("catalogue-xlsx")).to_have_count(0)  # no catalogue before publication
    assert clerk.input_value("#published_on") == today.isoformat()
    clerk.fill("#notice_number", f"沙府〔{year}〕96号")
    clerk.fill("#url", "http://www.zs.gov.cn/sxz/zwgk/gfxwj/content/post_0000096.html")
    click_and_wait(clerk, "[data-testid=publish-campaign]")
    expect(flashed(clerk, "清理结果已公布，文件状态已随之更新。")).to_be_visible()
    expect(clerk.get_by_test_id("campaign-phase")).to_have_text("结果已公布")
    revision_due = today + relativedelta(months=3)  # rule set: 修改 within 3 months of the publication
    for title, (result, _) in FINAL.items():
        row = item_row(clerk, title)
        expect(row.get_by_test_id("item-status")).to_have_text(STATUS_LABEL[STATUS_AFTER[result]])
        if result == AMEND:
            expect(row.get_by_test_id("revision-due")).to_have_text(f"修改期限 {date_cn(revision_due)}")
        else:
            expect(row.get_by_test_id("revision-due")).to_have_count(0)

    # --- the catalogue as Excel: one sheet per result, the right titles on each -------------------------------
    workbook = openpyxl.load_workbook(download(clerk, clerk.get_by_test_id("catalogue-xlsx"), tmp_path))
    assert workbook.sheetnames == list(RESULTS)
    for result in RESULTS:
        ws = workbook[result]
        header, *body = list(ws.iter_rows(values_only=True))
        assert header == ("序号", "文件名称", "发文字号", "规范性文件编号", "发文机关", "理由")
        assert [r[0] for r in body] == list(range(1, len(body) + 1))
        assert sorted(r[1] for r in body) == expected_final[result], result
        for r in body:
            assert r[5] == FINAL[r[1]][1]
            assert r[4] == "沙溪镇人民政府"
            assert re.fullmatch(r"沙府规字〔\d{4}〕\d+号", r[3]), r[3]

    # --- the catalogue as Word: one table per non-empty result category, its rows the results ---------------
    path = download(clerk, clerk.get_by_test_id("catalogue-docx"), tmp_path)
    assert path.suffix == ".docx"
    tables = word_catalogue(path)
    assert len(tables) == len([r for r in RESULTS if expected_final.get(r)])
    seen = {}
    for heading, (header, *body) in tables:
        result = next(r for r in RESULTS if r in heading)
        assert result not in seen, f"two tables for {result}"
        assert heading.endswith(f"（{len(body)}件）"), heading
        assert header == ["序号", "文件名称", "发文字号/规范性文件编号", "理由"]
        assert [r[0] for r in body] == [str(i) for i in range(1, len(body) + 1)]
        for r in body:
            assert FINAL[r[1]] == (result, r[3]), r
            assert re.search(r"沙府规字〔\d{4}〕\d+号", r[2]), r[2]
        seen[result] = sorted(r[1] for r in body)
    assert seen == expected_final
    assert [next(r for r in RESULTS if r in h) for h, _ in tables] == [r for r in RESULTS if r in expected_final]

    # --- the documents follow: statuses, the revision due date, the campaign history --------------------------
    clerk.goto(campaign_url)
    links = {t: item_row(clerk, t).get_by_role("link", name=t).get_attribute("href") for t in FINAL}
    for title, (result, reason) in FINAL.items():
        clerk.goto(links[title])
        assert status_of(clerk) == STATUS_AFTER[result], title
        expect(clerk.locator("[data-status]").first).to_have_text(STATUS_LABEL[STATUS_AFTER[result]])
        history = clerk.get_by_test_id("cleanup-history").locator("li").filter(has_text=name)
        expect(history).to_have_count(1)
        assert "".join(history.inner_text().split()) == f"{name}（全面清理，截止{date_cn(today)}）：{result}——{reason}"
        entries = timeline_entries(clerk)
        assert any(f"清理“{name}”：建议{PROPOSED[title][0]}——{PROPOSED[title][1]}" in e for e in entries), title
        if result in (REPEAL, INVALID):
            ended = clerk.locator("dt", has_text="终止日期").locator("xpath=following-sibling::dd[1]")
            expect(ended).to_have_text(date_cn(today))
            assert any(f"根据“{name}”结果{result}" in e for e in entries), entries[-3:]
        elif result == AMEND:
            assert any(f"清理结果为修改，须于 {revision_due.isoformat()} 前完成修改" in e for e in entries)
        if title == CHANGED:
            assert any(f"司法所改为{CHANGED_TO}（{NOTE}）" in e for e in entries)
