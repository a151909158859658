"""What a person reads: every output of the demo town converted to PDF by LibreOffice, read back as text and fonts.

The demo town (plus a published clean-up and a reply sent, made through the services) gives one record of each
kind; each output is converted once for the whole module, in one LibreOffice run (conversion is slow), then read
with `pdftotext -layout` page by page and with `pdffonts`. CI installs libreoffice-writer-nogui, fonts-noto-cjk and
poppler-utils (.ci/run); a skip there is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import _truncate_all
from tests.word.steps import open_docx
from tracker.auth.models import Role, User
from tracker.cleanup import services as cleanup
from tracker.cleanup import word as cleanup_word
from tracker.cleanup.models import CampaignKind, CampaignTrigger, CleanupResult
from tracker.common.timeutil import now_utc, office_today
from tracker.demo import load_demo
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.files.storage import path_of
from tracker.filing import opinion_word as filing_opinion_word
from tracker.filing import word as filing_word
from tracker.filing.models import FilingAttempt, FilingResult
from tracker.publication.queries import current_publication
from tracker.reports import word as reports_word
from tracker.review import word as review_word
from tracker.solicitations import services as solicitations
from tracker.solicitations import word as solicitations_word
from tracker.word import pdf
from tracker.word.text import date_cn

pytestmark = pytest.mark.slow

TOOLS = {name: shutil.which(name) for name in ("pdftotext", "pdffonts", "pdfinfo")}
PAGE_NUMBER = re.compile(r"^—\s*(\d+)\s*—$")
DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


@dataclass
class Output:
    docx: Path
    pdf: Path
    pages: list[list[str]]  # per page, the non-empty lines of `pdftotext -layout`, as laid out
    fonts: list[dict]
    facts: dict  # what the records say the output must show

    @property
    def lines(self) -> list[str]:
        """Every line without the spaces the layout put between characters, page numbers left out."""
        return [squeeze(line) for page in self.pages for line in page if not PAGE_NUMBER.match(squeeze(line))]


def squeeze(line: str) -> str:
    return re.sub(r"\s+", "", line)


def columns(text: str) -> float:
    """Width in layout columns: an East-Asian character takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def run(*command: str) -> str:
    return subprocess.run(command, capture_output=True, timeout=120, check=True).stdout.decode("utf-8")


def read_pages(path: Path) -> list[list[str]]:
    text = run(TOOLS["pdftotext"], "-layout", str(path), "-")
    return [[line for line in page.splitlines() if line.strip()] for page in text.split("\f") if page.strip()]


def read_fonts(path: Path) -> list[dict]:
    rows = run(TOOLS["pdffonts"], str(path)).splitlines()[2:]
    return [{"name": r.split()[0], "embedded": r.split()[-5] == "yes"} for r in rows if r.strip()]


def page_count(path: Path) -> int:
    return int(re.search(r"Pages:\s+(\d+)", run(TOOLS["pdfinfo"], str(path))).group(1))


def _demo_town_year(now):
    """The demo town, then a clean-up of every document in force, published, and a draft for comment answered."""
    load_demo(now=now)
    today = office_today(now)
    users = {u.username: u for u in db.session.scalars(sa.select(User))}
    campaign = cleanup.open_campaign(
        actor=users["reviewer"],
        now=now,
        name=f"沙溪镇{today.year}年度规范性文件定期清理",
        kind=CampaignKind.PERIODIC,
        trigger=CampaignTrigger.SCHEDULE,
        trigger_ref=None,
        cutoff_on=today - timedelta(days=3),
    )
    drafters = {u.unit_id: u for u in users.values() if u.role is Role.DRAFTER}
    for n, item in enumerate(campaign.items):
        result = CleanupResult.AMEND if n == 0 else CleanupResult.KEEP
        drafter = drafters[item.document.drafting_unit_id]
        cleanup.propose(item, actor=drafter, now=now, result=result, reason="与现行法律法规相符，仍需继续实施。")
        cleanup.review(item, actor=users["reviewer"], now=now, result=result, note="")
    cleanup.deliberate_campaign(campaign, actor=users["clerk"], now=now, meeting="镇政府常务会议", held_on=today)
    cleanup.publish_campaign(
        campaign,
        actor=users["clerk"],
        now=now,
        published_on=today,
        notice_number="",
        url="http://www.zs.gov.cn/sxz/zwgk/gfxwj/qingli.html",
    )
    sol = solicitations.register(
        actor=users["reviewer"],
        now=now,
        from_body="中山市司法局",
        title="中山市行政规范性文件管理规定（征求意见稿）",
        reference="中司函[2026]18号",
        received_on=today - timedelta(days=5),
        reply_due_on=today + timedelta(days=5),
        assignee_id=users["reviewer"].id,
    )
    solicitations.save_reply(
        sol,
        actor=users["reviewer"],
        now=now,
        reply_text="一、关于第五条\n建议明确“有关部门”的具体范围。\n二、关于第十二条\n建议增加镇街报送备案的时限要求。",
        assignee_id=None,
        expected_version=None,
    )
    solicitations.mark_sent(
        sol, actor=users["reviewer"], now=now, sent_on=today, method="公文交换系统", no_comment=False
    )
    return campaign, sol


@pytest.fixture(scope="module")
def outputs(app, tmp_path_factory) -> dict[str, Output]:
    if not (pdf.find_soffice() and all(TOOLS.values())):
        pytest.skip("LibreOffice (soffice) or poppler-utils not installed; .ci/run installs them")
    workdir = tmp_path_factory.mktemp("pdf")
    now = now_utc()
    with app.app_context():
        _truncate_all()
        campaign, sol = _demo_town_year(now)
        db.session.commit()
        # The filed document that took effect early (its report encloses the reason) and its passing opinion.
        doc = db.session.scalar(sa.select(Document).where(Document.title == "沙溪镇出租屋安全管理规定"))
        pub = current_publication(doc)
        report = filing_word.versions(pub)[0]
        opinion = review_word.passing_opinion(doc)
        returned = db.session.scalar(sa.select(Document).where(Document.title == "沙溪镇占道经营管理规定"))
        returned_opinion = review_word.opinions_of(returned)[-1]
        files = {
            "opinion": path_of(review_word.versions(returned_opinion)[0].file).read_bytes(),
            "filing_report": path_of(report.file).read_bytes(),
            "cleanup_catalogue": path_of(cleanup_word.catalogue_versions(campaign)[0].file).read_bytes(),
            "comment_reply": path_of(solicitations_word.versions(sol)[0].file).read_bytes(),
            "annual_statistics": reports_word.render_annual_statistics(now.year, town="沙溪镇", now=now).data,
        }
        attempt = filing_word.filing_of(pub).attempts[-1]
        # The bureau's written opinion on 大涌镇's filing made in the product (registered).
        answered = db.session.scalar(
            sa.select(FilingAttempt)
            .where(FilingAttempt.opinion_number.is_not(None), FilingAttempt.result == FilingResult.REGISTERED)
            .order_by(FilingAttempt.id)
        )
        files["filing_opinion"] = path_of(filing_opinion_word.versions(answered)[0].file).read_bytes()
        facts = {
            "filing_opinion": {
                "number": answered.opinion_number,
                "title": answered.filing.document.title,
                "signed": date_cn(answered.result_on),
            },
            "opinion": {"number": returned_opinion.number, "title": returned.title},
            "filing_report": {
                "number": filing_word.filing_of(pub).report_number,
                "title": doc.title,
                "opinion": opinion.number,
                "signed": date_cn(attempt.submitted_on),
                "signer": pub.signer,
            },
            "cleanup_catalogue": {"number": campaign.notice_number, "signed": date_cn(campaign.published_on)},
            "comment_reply": {"number": sol.reply_number, "signed": date_cn(sol.sent_on)},
            "annual_statistics": {"year": now.year},
        }
        _truncate_all()
    docx_paths = []
    for name, data in files.items():
        path = workdir / f"{name}.docx"
        path.write_bytes(data)
        docx_paths.append(path)
    pdfs = pdf.convert(docx_paths, workdir)
    return {
        path.stem: Output(path, out, read_pages(out), read_fonts(out), facts[path.stem])
        for path, out in zip(docx_paths, pdfs, strict=True)
    }


KINDS = ["opinion", "filing_report", "cleanup_catalogue", "comment_reply", "annual_statistics", "filing_opinion"]
SIGNED = {"filing_report", "cleanup_catalogue", "comment_reply"}  # the outgoing 公文


def _heading(lines: list[str], heading: str) -> int:
    """Where a title of up to three lines starts: it may break after 关于 or inside the book title."""
    start = _index(lines, lambda s: s.startswith("关于"))
    assert "".join(lines[start : start + 3]).startswith(heading), lines[start : start + 3]
    return start


def _index(lines: list[str], predicate, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if predicate(lines[i]):
            return i
    raise AssertionError(f"no line after {start} matches; lines: {lines[start : start + 40]}")


@pytest.mark.parametrize("kind", KINDS)
def test_every_page_has_its_number_and_no_page_holds_only_the_signature(outputs, kind):
    out = outputs[kind]
    assert out.pages
    for n, page in enumerate(out.pages, start=1):
        numbers = [int(m[1]) for line in page if (m := PAGE_NUMBER.match(squeeze(line)))]
        assert numbers == [n], f"page {n} of {kind}: {page[-3:]}"
        text = [squeeze(line) for line in page if not PAGE_NUMBER.match(squeeze(line))]
        signature_only = all(
            DATE.match(line) or line.startswith(("（联系人", "（此件", "抄送")) or line.endswith(("印发", "人民政府"))
            for line in text
        )
        assert text and not signature_only, f"page {n} of {kind} holds only the signature: {text}"


@pytest.mark.parametrize("kind", KINDS)
def test_the_pdf_uses_serif_cjk_faces_embedded(outputs, kind):
    fonts = outputs[kind].fonts
    names = [f["name"] for f in fonts]
    assert all(f["embedded"] for f in fonts), names
    # 仿宋, 宋 and 小标宋 come out in Noto Serif CJK; only 黑体 (headings, table heads) may be the sans face.
    assert any("NotoSerifCJK" in n for n in names), names
    assert all("NotoSerifCJK" in n or "NotoSansCJK" in n or "TimesNewRoman" in n or "Liberation" in n for n in names)
    assert not any("DejaVu" in n for n in names), names


def test_the_filing_report_shows_every_element_of_an_upward_document_in_order(outputs):
    out = outputs["filing_report"]
    facts, lines = out.facts, out.lines
    assert lines[0] == "沙溪镇人民政府文件"  # 版头 first
    assert lines[1] == f"{facts['number']}签发人：{facts['signer']}"
    title = _heading(lines, f"关于《{facts['title']}》的备案报告")
    addressee = _index(lines, lambda s: s == "中山市司法局：", title)
    body = "".join(lines[addressee:])
    assert f"合法性审查（{facts['opinion']}）" in body and "集体审议通过" in body
    assert "提前施行的理由" in body
    enclosures = _index(lines, lambda s: s.startswith("附件：1."), addressee)
    signature = _index(lines, lambda s: s == "沙溪镇人民政府", enclosures)
    assert lines[signature + 1] == facts["signed"]  # dated on the filing date
    assert lines[-2:] == ["抄送：沙溪镇司法所。", f"沙溪镇人民政府办公室{facts['signed']}印发"]  # 版记 last


def test_the_bureaus_opinion_is_a_letter_of_the_bureau_to_the_town(outputs):
    out = outputs["filing_opinion"]
    facts, lines = out.facts, out.lines
    assert lines[0] == "中山市司法局"  # 信函格式: the organ's name over the red double line
    assert lines[1] == facts["number"]
    title = _heading(lines, f"关于《{facts['title']}》的备案审查意见")
    addressee = _index(lines, lambda s: s.endswith("人民政府："), title)
    body = "".join(lines[addressee:])
    assert "经审查，该文件符合备案要求，予以备案登记。" in body and "特此函告。" in body
    signature = _index(lines, lambda s: s == "中山市司法局", addressee)
    assert lines[signature + 1] == facts["signed"]
    assert lines[-1] == f"中山市司法局{facts['signed']}印发"


def test_the_signature_is_centred_over_the_date(outputs):
    for kind in SIGNED:
        page = (
            outputs[kind].pages[-1]
            if kind != "cleanup_catalogue"
            else next(p for p in outputs[kind].pages if any("此件公开发布" in squeeze(line) for line in p))
        )
        at = next(i for i, line in enumerate(page) if DATE.match(squeeze(line)) and i and "人民政府" in page[i - 1])
        name, day = page[at - 1], page[at]
        centre = [len(s) - len(s.lstrip()) + columns(s.strip()) / 2 for s in (name, day)]
        ends = [len(s.rstrip()) for s in (name, day)]
        assert abs(centre[0] - centre[1]) <= 2, (kind, name, day)
        assert ends[1] - ends[0] >= 2, (kind, name, day)  # not right-aligned with the date


def test_the_clean_up_notice_and_its_catalogue_read_in_order(outputs):
    out = outputs["cleanup_catalogue"]
    facts, lines = out.facts, out.lines
    assert lines[:2] == ["沙溪镇人民政府文件", facts["number"]]
    assert facts["number"].startswith("沙府〔")  # the government's next 发文字号
    title = _index(lines, lambda s: "关于公布" in s)
    addressee = _index(lines, lambda s: s.startswith("各村（社区）"), title)
    attachment_note = _index(lines, lambda s: s.startswith("附件：") and s.endswith("结果目录"), addressee)
    signature = _index(lines, lambda s: s == "沙溪镇人民政府", attachment_note)
    assert lines[signature + 1 : signature + 3] == [facts["signed"], "（此件公开发布）"]
    catalogue = _index(lines, lambda s: s == "附件", signature)
    assert _index(lines, lambda s: "继续有效的规范性文件" in s, catalogue)
    assert lines[-2:] == ["抄送：中山市司法局。", f"沙溪镇人民政府办公室{facts['signed']}印发"]


def test_the_reply_is_a_numbered_letter_quoting_the_incoming_number(outputs):
    out = outputs["comment_reply"]
    facts, lines = out.facts, out.lines
    assert lines[:2] == ["沙溪镇人民政府", facts["number"]] and facts["number"].startswith("沙府函〔")
    title = _index(lines, lambda s: s.startswith("关于《"))
    # The title breaks outside the brackets: (征求意见稿) stays on one line.
    assert any("（征求意见稿）》的意见" in s for s in lines[title : title + 2])
    assert not any(s.endswith("（征求") or s.endswith("（") for s in lines[title : title + 2])
    assert "（中司函〔2026〕18号）收悉" in "".join(lines[title:])
    signature = _index(lines, lambda s: s == "沙溪镇人民政府", title + 2)
    assert lines[signature + 1] == facts["signed"]
    assert lines[-1] == f"沙溪镇人民政府办公室{facts['signed']}印发"


def test_the_opinion_of_a_returned_round_reads_as_issued(outputs):
    out = outputs["opinion"]
    body = "".join(out.lines)
    assert out.lines[1] == "规范性文件合法性审查意见书"
    for expected in (out.facts["number"], f"《{out.facts['title']}》", "应当修改后重新送审", "沙溪镇司法所（盖章）"):
        assert expected in body, expected


def test_the_annual_statistics_name_no_zero_items(outputs):
    out = outputs["annual_statistics"]
    body = "".join(out.lines)
    assert out.lines[0] == f"沙溪镇{out.facts['year']}年度行政规范性文件管理情况"
    assert "一、总体情况" in body and not re.search(r"(?<!\d)0[件次份]", body)


def test_every_output_reopens_in_libreoffice_with_the_same_page_count(outputs, tmp_path):
    """A proxy for WPS: LibreOffice opens each file without repair, saves it as Word again, and the pages stay."""
    again_dir, pdf_dir = tmp_path / "docx", tmp_path / "pdf"
    again_dir.mkdir()
    pdf_dir.mkdir()
    sources = [outputs[kind].docx for kind in KINDS]
    command = [
        pdf.find_soffice(),
        f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "docx:MS Word 2007 XML",
        "--outdir",
        str(again_dir),
        *map(str, sources),
    ]
    subprocess.run(command, capture_output=True, timeout=300, check=False, env={**os.environ, "HOME": str(tmp_path)})
    resaved = [again_dir / path.name for path in sources]
    assert all(p.exists() for p in resaved), sorted(again_dir.iterdir())
    for path in resaved:
        open_docx(path.read_bytes())  # still a Word file python-docx opens
    for kind, out_pdf in zip(KINDS, pdf.convert(resaved, pdf_dir), strict=True):
        assert page_count(out_pdf) == page_count(outputs[kind].pdf), kind
