"""Issue 14 with the keyboard alone: a document from registration to 予以备案, and what the keyboard and the eye need.

Each person opens the login page by its address; from there on every step is a key press: Tab to a control,
type, choose in a list with the arrow keys, open the file dialog with the space bar, press Enter. No clicks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.a11y import overflow, run_axe
from tests.browser.conftest import flashed, make_docx, timeline_entries
from tracker.demo import DEMO_PASSWORD

pytestmark = pytest.mark.browser

TITLE = "沙溪镇公共充电设施安全管理办法"


# --- the keyboard ---------------------------------------------------------------------------------------------


def is_focused(page: Page, target: Locator) -> bool:
    return target.evaluate("e => e === document.activeElement")


def tab_to(page: Page, target: Locator, *, limit: int = 400) -> None:
    """Press Tab until `target` has the focus (it must be reachable, in the page's order)."""
    expect(target).to_have_count(1)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if is_focused(page, target):
            return
    pytest.fail(f"{target} not reached with Tab after {limit} presses")


def press_enter_and_wait(page: Page) -> None:
    with page.expect_navigation(wait_until="domcontentloaded"):
        page.keyboard.press("Enter")


def activate(page: Page, target: Locator) -> None:
    """Tab to a link or a button and press Enter: the page it leads to is loaded."""
    tab_to(page, target)
    press_enter_and_wait(page)


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def choose(page: Page, select: Locator, label: str) -> None:
    """Choose in a list with the arrow keys only."""
    tab_to(page, select)
    labels = select.evaluate("s => [...s.options].map(o => o.text.trim())")
    assert label in labels, labels
    for _ in range(len(labels)):
        current = select.evaluate("s => s.options[s.selectedIndex].text.trim()")
        if current == label:
            return
        page.keyboard.press("ArrowDown" if labels.index(label) > labels.index(current) else "ArrowUp")
    pytest.fail(f"could not choose {label} in {labels}")


def attach_file(page: Page, file_input: Locator, path: Path) -> None:
    """The space bar opens the file dialog of a focused file field."""
    tab_to(page, file_input)
    for attempt in range(3):
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Space")
        except PlaywrightTimeout:  # a busy machine may swallow the first press; a person would press again
            assert is_focused(page, file_input) and attempt < 2
            continue
        chooser.value.set_files(str(path))
        return


def to_actions(page: Page) -> None:
    """Through the document page's skip link to its actions."""
    tab_to(page, page.get_by_test_id("skip-actions"))
    page.keyboard.press("Enter")
    expect(page.locator("#actions")).to_be_focused()


def do_action(page: Page, action: str) -> None:
    to_actions(page)
    activate(page, page.get_by_test_id(f"action-{action}").get_by_role("link"))


def log_in_by_keyboard(page: Page, username: str) -> None:
    page.goto("/login")
    type_into(page, page.locator("#username"), username)
    page.keyboard.press("Tab")
    expect(page.locator("#password")).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    press_enter_and_wait(page)
    expect(page.get_by_test_id("current-user")).to_have_count(1)


def status_of(page: Page) -> str:
    return page.locator("[data-status]").first.get_attribute("data-status")


def test_a_document_goes_from_draft_to_filed_with_the_keyboard_only(browser, live_server, tmp_path):
    contexts = []

    def person(username: str) -> Page:
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        log_in_by_keyboard(page, username)
        return page

    try:
        # --- the drafting unit: register, upload the draft, the materials, submit --------------------------------
        drafter = person("drafter")
        activate(drafter, drafter.get_by_test_id("nav-new-document"))
        type_into(drafter, drafter.locator("#title"), TITLE)
        activate(drafter, drafter.get_by_test_id("save-document"))
        expect(flashed(drafter, "文件草案已登记。")).to_be_visible()
        doc_path = re.sub(r"^https?://[^/]+", "", drafter.url)
        # The first two stops of the keyboard on a document page: to the content, to the actions.
        drafter.keyboard.press("Tab")
        expect(drafter.get_by_test_id("skip-main")).to_be_focused()
        expect(drafter.get_by_test_id("skip-main")).to_be_visible()  # shown while focused
        drafter.keyboard.press("Tab")
        expect(drafter.get_by_test_id("skip-actions")).to_be_focused()

        draft = make_docx(
            tmp_path / f"{TITLE}（送审稿）.docx", TITLE, ["第一条 为加强公共充电设施安全管理，制定本办法。"]
        )
        attach_file(drafter, drafter.locator("#version-file"), draft)
        page_note = drafter.locator("#version-note")
        drafter.keyboard.press("Tab")
        expect(page_note).to_be_focused()
        drafter.keyboard.type("送审稿")
        activate(drafter, drafter.get_by_test_id("upload-version"))
        expect(flashed(drafter, "已上传第 1 稿。")).to_be_visible()

        checklist = drafter.get_by_test_id("checklist")
        missing = [
            li.inner_text().replace("✘", "").strip()
            for li in checklist.locator("li").all()
            if li.locator("[aria-label='缺少']").count()
        ]
        assert {"请示/送审函", "起草说明", "制定依据", "征求意见及采纳情况"} <= set(missing), missing
        for label in missing:
            name = label.replace("/", "、")
            path = make_docx(tmp_path / f"{name}.docx", f"《{TITLE}》{name}", [f"{name}正文。"])
            choose(drafter, drafter.locator("#att-kind"), label)
            attach_file(drafter, drafter.locator("#att-file"), path)
            activate(drafter, drafter.get_by_test_id("upload-attachment"))
            expect(flashed(drafter, f"已上传材料：{label}")).to_be_visible()
        expect(checklist.locator("[aria-label='缺少']")).to_have_count(0)

        do_action(drafter, "submit_for_review")
        assert run_axe(drafter) == []  # the submission page: no demo document leads there
        activate(drafter, drafter.get_by_test_id("submit-review"))
        expect(flashed(drafter, "已送交司法所审查。")).to_be_visible()
        assert status_of(drafter) == "submitted"

        # --- the judicial office: accept, the nine points, a passing opinion -----------------------------------
        reviewer = person("reviewer")
        activate(reviewer, reviewer.get_by_test_id("nav-review-desk"))
        activate(reviewer, reviewer.get_by_test_id("queue-row").filter(has_text=TITLE).get_by_role("link"))
        activate(reviewer, reviewer.get_by_test_id("accept-review"))
        expect(flashed(reviewer, "已受理，审查期限开始计算。")).to_be_visible()
        selects = reviewer.locator("select[id^='p-result_']")
        assert selects.count() == 9
        for i in range(9):
            choose(reviewer, selects.nth(i), "符合")
        activate(reviewer, reviewer.get_by_test_id("save-points"))
        expect(flashed(reviewer, "审查要点已保存。")).to_be_visible()
        choose(reviewer, reviewer.locator("#c-conclusion_id"), "合法，同意出台")
        type_into(reviewer, reviewer.locator("#c-summary"), "经审查，制定主体适格，程序合法，内容合法。")
        activate(reviewer, reviewer.get_by_test_id("issue-opinion"))
        expect(flashed(reviewer, "审查意见书已出具。")).to_be_visible()
        assert status_of(reviewer) == "passed"
        activate(reviewer, reviewer.locator("[data-testid^='generate-opinion-']"))
        expect(flashed(reviewer, "已生成审查意见书")).to_be_visible()

        # --- the government office: deliberation, numbers, publication, filing, the city's result --------------
        clerk = person("clerk")
        activate(clerk, clerk.get_by_test_id("nav-documents"))
        type_into(clerk, clerk.locator("#q"), TITLE)
        press_enter_and_wait(clerk)  # Enter in the search field submits the filter form
        activate(clerk, clerk.get_by_test_id("register-row").get_by_role("link", name=TITLE))
        assert clerk.url.endswith(doc_path)

        do_action(clerk, "approve_deliberation")
        type_into(clerk, clerk.locator("#note"), "会议同意印发实施。")
        activate(clerk, clerk.get_by_test_id("save-deliberation"))
        expect(flashed(clerk, "集体审议结果已登记。")).to_be_visible()
        assert status_of(clerk) == "deliberated"

        do_action(clerk, "register_and_number")
        type_into(clerk, clerk.locator("#signer"), "郑镇长")
        activate(clerk, clerk.get_by_test_id("number-document"))
        expect(flashed(clerk, "已签发登记。")).to_be_visible()
        assert status_of(clerk) == "numbered"

        do_action(clerk, "publish")
        type_into(clerk, clerk.locator("#url"), "http://www.zs.gov.cn/sxz/zwgk/gfxwj/content/post_0000099.html")
        official = make_docx(tmp_path / f"{TITLE}.docx", TITLE, ["第一条 为加强公共充电设施安全管理……"])
        reading = make_docx(tmp_path / f"《{TITLE}》政策解读.docx", "政策解读", ["一、制定背景"])
        attach_file(clerk, clerk.locator("#official_text"), official)
        attach_file(clerk, clerk.locator("#interpretation"), reading)
        activate(clerk, clerk.get_by_test_id("publish-document"))
        expect(flashed(clerk, "已登记发布，报备期限已开始计算。")).to_be_visible()
        assert status_of(clerk) == "published"

        activate(clerk, clerk.get_by_test_id("generate-filing-report"))
        expect(flashed(clerk, "已生成备案报告。")).to_be_visible()
        do_action(clerk, "submit_filing")
        # Filed through the city's own system: the radio group is one tab stop, the arrow key moves the choice.
        tab_to(clerk, clerk.locator("input[name=channel]:checked"))
        clerk.keyboard.press("ArrowDown")
        expect(clerk.locator("input[name=channel][value=other]")).to_be_checked()
        type_into(clerk, clerk.locator("#system_ref"), "ZSBA-KEYBOARD-01")
        activate(clerk, clerk.get_by_test_id("submit-filing"))
        expect(flashed(clerk, "已登记报送备案。")).to_be_visible()

        do_action(clerk, "filing_registered")
        assert clerk.locator("#result option:checked").inner_text() == "予以备案"
        activate(clerk, clerk.get_by_test_id("record-filing-result"))
        expect(flashed(clerk, "已登记备案审查结果。")).to_be_visible()
        expect(clerk.get_by_test_id("filing-status")).to_have_text("备案：予以备案")
        entries = timeline_entries(clerk)
        for step in ("登记文件草案", "送交合法性审查", "出具审查意见书", "集体审议通过", "签发登记编号", "统一发布"):
            assert any(step in e for e in entries), step
        assert any("予以备案" in e for e in entries)
    finally:
        for context in contexts:
            context.close()


# --- what the keyboard and the eye need -------------------------------------------------------------------------


def test_the_focus_ring_is_plain_to_see_on_links_buttons_and_fields(as_user):
    clerk = as_user("clerk")
    clerk.goto("/documents/")
    for target in (
        clerk.get_by_test_id("nav-documents"),
        clerk.get_by_test_id("display-mode"),
        clerk.locator("#q"),
        clerk.get_by_test_id("register-row").first.get_by_role("link"),
    ):
        tab_to(clerk, target)
        ring = target.evaluate(
            "e => { const s = getComputedStyle(e); return [s.outlineStyle, parseFloat(s.outlineWidth), s.boxShadow]; }"
        )
        assert ring[0] == "solid" and ring[1] >= 3, ring
        assert "6px" in ring[2], ring  # the dark edge around the yellow ring, visible on light and dark


def test_elder_mode_is_large_high_contrast_with_big_targets_and_fits_a_200_percent_zoom(as_user):
    leader = as_user("leader")
    button = leader.get_by_test_id("display-mode")
    try:
        leader.get_by_test_id("display-mode").click()
        leader.wait_for_load_state()
        expect(button).to_have_attribute("aria-pressed", "true")
        expect(leader.locator("html")).to_have_class("mode-elder")
        body = leader.evaluate(
            "() => [parseFloat(getComputedStyle(document.body).fontSize), getComputedStyle(document.body).color]"
        )
        assert body[0] >= 20 and body[1] == "rgb(0, 0, 0)", body
        heights = leader.locator("main .btn").evaluate_all("bs => bs.map(b => b.getBoundingClientRect().height)")
        assert heights and min(heights) >= 44, heights
        # Remembered with the account: another browser, the same person, the same mode.
        other = as_user("leader")
        expect(other.locator("html")).to_have_class("mode-elder")
        # 200 % zoom of a 1280 px screen leaves 640 CSS pixels: nothing to scroll sideways, tables as rows.
        for path in ("/", "/documents/", "/rules/", "/reports/annual"):
            other.set_viewport_size({"width": 640, "height": 900})
            other.goto(path)
            assert overflow(other) == 0, path
        other.goto("/rules/")
        assert other.get_by_test_id("rules").locator("thead").evaluate("t => t.getBoundingClientRect().height") <= 1
    finally:
        leader.goto("/")
        if leader.get_by_test_id("display-mode").get_attribute("aria-pressed") == "true":
            leader.get_by_test_id("display-mode").click()
            leader.wait_for_load_state()
    expect(leader.locator("html")).not_to_have_class("mode-elder")


def test_on_a_phone_the_actions_come_first_and_tables_become_rows(as_user, live_server):
    clerk = as_user("clerk")
    clerk.set_viewport_size({"width": 390, "height": 844})
    clerk.goto("/documents/?status=returned")
    clerk.get_by_test_id("register-row").first.get_by_role("link").click()
    clerk.wait_for_load_state()
    actions = clerk.locator("#actions").bounding_box()
    first_card = clerk.locator("main section.card").first
    assert first_card.get_attribute("id") == "actions"
    assert actions["y"] < 400  # right under the title, not below the whole timeline
    timeline = clerk.get_by_test_id("timeline").bounding_box()
    assert timeline["y"] > actions["y"] + actions["height"]
    findings = clerk.get_by_test_id("findings").first
    cells = findings.locator("tbody td")
    assert cells.first.evaluate("td => getComputedStyle(td).display") == "block"
    widths = cells.evaluate_all("tds => tds.map(td => td.getBoundingClientRect().width)")
    assert min(widths) > 200, widths  # each cell the width of the card, not 1–3 characters
    labels = cells.evaluate_all("tds => tds.map(td => getComputedStyle(td, '::before').content)")
    assert '"问题"' in labels and '"修改建议"' in labels, labels
    assert overflow(clerk) == 0
    # Desktop keeps the table and puts the actions beside the document.
    clerk.set_viewport_size({"width": 1280, "height": 900})
    assert cells.first.evaluate("td => getComputedStyle(td).display") == "table-cell"
    actions = clerk.locator("#actions").bounding_box()
    timeline = clerk.get_by_test_id("timeline").bounding_box()
    assert actions["x"] > timeline["x"] + timeline["width"]
