"""Issue 5 through the browser: the clerk signs, numbers, publishes and files a deliberated document.

The document is the demo town's one waiting for signing (审议通过待签发), found in the register by its status.
"""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import timedelta
from urllib.parse import urlsplit

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_in_order, click_and_wait, flashed, make_docx, timeline_entries
from tracker.common.timeutil import now_utc, office_today

pytestmark = pytest.mark.browser

TITLE = "沙溪镇防汛防台风应急物资储备管理办法"  # tracker/demo.py: deliberated, waiting for signing
URL = "http://www.zs.gov.cn/sxz/zwgk/gfxwj/content/post_0000042.html"


def status_of(page: Page) -> str:
    return page.locator("[data-status]").first.get_attribute("data-status")


def open_action(page: Page, action: str) -> None:
    click_and_wait(page, page.get_by_test_id(f"action-{action}").get_by_role("link"))


def open_form_step(page: Page, action: str, path: str) -> None:
    """A step the document page offers (its action box is there) but only as a disabled button.

    App bug: the guards of 签发登记编号 and 统一发布 (has_numbers, has_publication_date) test the data their own
    form records, so available_actions() always reports them blocked and show.html renders no link to the form.
    The clerk has to type the form's address; this goes there the same way once the action box is shown.
    """
    expect(page.get_by_test_id(f"action-{action}")).to_be_visible()
    page.goto(path)


def fill_publication(page: Page, published_on, effective_on, official, interpretation) -> None:
    page.fill("#published_on", published_on.isoformat())
    page.fill("#effective_on", effective_on.isoformat())
    page.fill("#url", URL)
    page.set_input_files("#official_text", str(official))
    page.set_input_files("#interpretation", str(interpretation))
    click_and_wait(page, "[data-testid=publish-document]")


def record_filing(page: Page, doc_url: str, ref: str) -> None:
    page.goto(doc_url)
    open_action(page, "submit_filing")
    # Filed through the city's own system (the bureau reviewing in the product: test_bureau_walk.py).
    page.check("input[name=channel][value=other]")
    page.fill("#system_ref", ref)
    click_and_wait(page, "[data-testid=submit-filing]")
    expect(flashed(page, "已登记报送备案。")).to_be_visible()
    expect(page.get_by_test_id("filing-status")).to_have_text("备案：已报备待审查")


def record_result(page: Page, doc_url: str, action: str, label: str, note: str) -> None:
    page.goto(doc_url)
    open_action(page, action)
    assert page.locator("#result option:checked").inner_text() == label  # the button chose the result
    page.fill("#note", note)
    click_and_wait(page, "[data-testid=record-filing-result]")
    expect(flashed(page, "已登记备案审查结果。")).to_be_visible()
    expect(page.get_by_test_id("filing-status")).to_have_text(f"备案：{label}")


def test_a_deliberated_document_is_numbered_published_and_filed_after_a_correction(as_user, tmp_path):
    today = office_today(now_utc())
    year = today.year
    clerk = as_user("clerk")

    # --- found in the register by its status ------------------------------------------------------------
    clerk.get_by_test_id("nav-documents").click()
    clerk.wait_for_url("**/documents/")
    clerk.select_option("#status", label="审议通过待签发")
    click_and_wait(clerk, clerk.get_by_test_id("register-filters").get_by_role("button", name="筛选"))
    assert "status=deliberated" in clerk.url
    rows = clerk.get_by_test_id("register-row")
    assert rows.count() >= 1
    assert {r.locator("[data-status]").get_attribute("data-status") for r in rows.all()} == {"deliberated"}
    click_and_wait(clerk, rows.filter(has_text=TITLE).get_by_role("link", name=TITLE))
    doc_url = urlsplit(clerk.url).path
    assert status_of(clerk) == "deliberated"
    before = len(timeline_entries(clerk))

    # --- signing and numbering (三统一) -----------------------------------------------------------------
    doc_id = doc_url.rsplit("/", 1)[-1]
    open_form_step(clerk, "register_and_number", f"/publication/documents/{doc_id}/number")
    clerk.fill("#signed_on", today.isoformat())
    clerk.fill("#signer", "郑镇长")
    click_and_wait(clerk, "[data-testid=number-document]")
    expect(flashed(clerk, "已签发登记。")).to_be_visible()
    issue_number = clerk.get_by_test_id("issue-number").inner_text().strip()
    normative_number = clerk.get_by_test_id("normative-number").inner_text().strip()
    assert re.fullmatch(rf"沙府〔{year}〕[1-9]\d*号", issue_number), issue_number
    assert re.fullmatch(rf"沙府规字〔{year}〕[1-9]\d*号", normative_number), normative_number
    expect(flashed(clerk, "发文字号：", "info")).to_have_text(
        f"发文字号：{issue_number}；规范性文件编号：{normative_number}", use_inner_text=True
    )
    assert status_of(clerk) == "numbered"

    # --- publication: an effective date too early without a reason is refused, nothing changes --------------
    official = make_docx(tmp_path / f"{TITLE}.docx", TITLE, [issue_number, "第一条 为做好防汛防台风应急物资储备……"])
    interpretation = f"《{TITLE}》政策解读"
    reading = make_docx(tmp_path / f"{interpretation}.docx", interpretation, ["一、制定背景", "二、主要内容"])
    numbered = timeline_entries(clerk)
    open_form_step(clerk, "publish", f"/publication/documents/{doc_id}/publish")
    fill_publication(clerk, today, today + timedelta(days=10), official, reading)
    expect(flashed(clerk, "施行日期距发布日期仅 10 日，少于规定的 30 日", "danger")).to_be_visible()
    expect(flashed(clerk, "请填写理由", "danger")).to_be_visible()
    clerk.goto(doc_url)
    assert status_of(clerk) == "numbered"
    assert timeline_entries(clerk) == numbered
    expect(clerk.get_by_test_id("publication")).not_to_contain_text("施行")
    expect(clerk.get_by_test_id("attachments")).not_to_contain_text("正式文本")
    expect(clerk.get_by_test_id("attachments")).not_to_contain_text("政策解读")

    effective_on = today + timedelta(days=30)
    open_form_step(clerk, "publish", f"/publication/documents/{doc_id}/publish")
    fill_publication(clerk, today, effective_on, official, reading)
    expect(flashed(clerk, "已登记发布，报备期限已开始计算。")).to_be_visible()
    assert status_of(clerk) == "published"
    publication = clerk.get_by_test_id("publication")
    expect(publication).to_contain_text(URL)
    expect(publication).to_contain_text(f"{effective_on.year}年{effective_on.month}月{effective_on.day}日")
    expect(clerk.get_by_test_id("attachments")).to_contain_text(f"正式文本：{official.name}")
    expect(clerk.get_by_test_id("attachments")).to_contain_text(f"政策解读：{reading.name}")
    expect(clerk.get_by_test_id("filing-status")).to_have_text("备案：待报备")
    expect(clerk.get_by_test_id("filing-days-left")).to_be_visible()

    # --- the filing report, generated on the page (Word outputs) -------------------------------------------
    report = clerk.get_by_test_id("filing-report-output")
    expect(report).to_contain_text("尚未生成")
    click_and_wait(clerk, "[data-testid=generate-filing-report]")
    expect(flashed(clerk, "已生成备案报告。")).to_be_visible()
    expect(clerk.get_by_test_id("filing-report-output")).to_contain_text("第 1 版")
    expect(clerk.get_by_test_id("packet").locator(".text-danger")).to_have_count(0)

    # --- the opinion (generated when it was issued) and the filing report as PDF, for the archive -------------
    for section, expected in (
        (clerk.locator("[data-testid^=opinion-output-]").last, ["规范性文件合法性审查意见书", "沙溪镇司法所（盖章）"]),
        (clerk.get_by_test_id("filing-report-output"), [f"关于《{TITLE}》的备案报告", f"沙府报〔{year}〕", "签发人"]),
    ):
        with clerk.expect_download(timeout=180_000) as info:  # LibreOffice converts it now: a few seconds
            section.get_by_role("link", name="PDF").first.click(no_wait_after=True)
        pdf = tmp_path / info.value.suggested_filename
        info.value.save_as(pdf)
        assert pdf.suffix == ".pdf" and pdf.read_bytes().startswith(b"%PDF")
        text = re.sub(
            r"\s+", "", subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
        )
        assert all(e in text for e in expected), (expected, text[:200])

    # --- the whole packet as one .zip ---------------------------------------------------------------------
    with clerk.expect_download() as info:
        clerk.get_by_test_id("export-packet").click()
    download = info.value
    assert download.suggested_filename == f"{normative_number}《{TITLE}》备案材料.zip"
    packet = tmp_path / "packet.zip"
    download.save_as(packet)
    with zipfile.ZipFile(packet) as zf:
        names = zf.namelist()
        sheet = zf.read(next(n for n in names if n.endswith(".xlsx")))
        assert zf.testzip() is None
    assert names == [
        "01 备案报告.docx",
        "02 正式文本.docx",
        "03 起草说明.docx",
        "04 制定依据.docx",
        "05 合法性审查意见书.docx",
        "06 政策解读.docx",
        "07 文件信息.xlsx",
    ]
    ws = openpyxl.load_workbook(io.BytesIO(sheet)).active
    assert ws.title == "文件信息"
    meta = {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert meta["文件名称"] == TITLE
    assert (meta["发文字号"], meta["规范性文件编号"]) == (issue_number, normative_number)
    assert meta["发布网址"] == URL
    assert meta["施行日期"].date() == effective_on

    # --- submission, 暂缓登记、限期补正, resubmission, 予以备案 ---------------------------------------------
    record_filing(clerk, doc_url, f"ZSBA{today:%Y%m%d}01")
    record_result(
        clerk, doc_url, "filing_correction", "暂缓登记、限期补正", "请补充制定依据的文本及起草说明中的数据来源"
    )
    expect(clerk.locator("#filing")).to_contain_text("补正期限：")
    record_filing(clerk, doc_url, f"ZSBA{today:%Y%m%d}02")
    record_result(clerk, doc_url, "filing_registered", "予以备案", "")

    # --- the document page: numbers, filing status, on-time flag, the whole life in the timeline ----------
    clerk.goto(doc_url)
    expect(clerk.get_by_test_id("issue-number")).to_have_text(issue_number)
    expect(clerk.get_by_test_id("normative-number")).to_have_text(normative_number)
    expect(clerk.get_by_test_id("filing-status")).to_have_text("备案：予以备案")
    expect(clerk.get_by_test_id("on-time")).to_have_text("按时报备")
    attempts = clerk.get_by_test_id("filing-attempts").locator("tbody tr")
    expect(attempts).to_have_count(2)
    expect(attempts.nth(0)).to_contain_text("暂缓登记、限期补正")
    expect(attempts.nth(1)).to_contain_text("予以备案")
    entries = timeline_entries(clerk)
    assert_in_order(
        entries[:before],
        ["登记文件草案", "送交合法性审查", "出具审查意见书 沙司审", "集体审议通过", "镇政府常务会议"],
    )
    d = today.isoformat()
    assert_in_order(
        entries[before:],
        [
            f"签发登记编号：{issue_number}，{normative_number} — 陈文秘",
            f"上传材料：正式文本（{official.name}） — 陈文秘",
            f"上传材料：政策解读（{reading.name}） — 陈文秘",
            f"统一发布：{d} 发布，{effective_on.isoformat()} 施行，有效期至",
            "生成备案报告第 1 版",
            f"报送备案：{d} 经中山市规范性文件管理系统报送，系统编号 ZSBA{today:%Y%m%d}01 — 陈文秘",
            f"登记：暂缓登记、限期补正：{d}：暂缓登记、限期补正，请补充制定依据的文本",
            "备案审查结果：暂缓登记、限期补正 — 陈文秘",
            f"报送备案：{d} 经中山市规范性文件管理系统报送，系统编号 ZSBA{today:%Y%m%d}02 — 陈文秘",
            f"登记：予以备案：{d}：予以备案 — 陈文秘",
            "备案审查结果：予以备案 — 陈文秘",
        ],
    )
    assert len(entries) - before == 11
