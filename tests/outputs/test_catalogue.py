"""The clean-up result catalogue (清理结果目录) as Word: one table per result category, stored as versioned records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace as NS

import pytest
import sqlalchemy as sa
from docx.oxml.ns import qn

from tests.outputs.steps import all_text, open_docx
from tests.outputs.test_generate import assert_official_format, stored_bytes
from tests.outputs.town_year import CAMPAIGN_NAME, HOSTILE, publish_documents, run_campaign
from tests.pages import flashes, text
from tracker.audit.models import AuditEvent
from tracker.errors import InvalidTransition, PermissionDenied
from tracker.outputs import context as ctx
from tracker.outputs import outputs
from tracker.outputs.models import GeneratedDocument, OutputKind

HEADER = ["序号", "文件名称", "发文字号/规范性文件编号", "理由"]
# Written from the story in town_year.py: the reviewed result decides the category, the 司法所's note (when it
# changed the proposal) is the reason, documents in the order they were registered.
EXPECTED = {
    "一、继续有效的规范性文件（2件）": [
        ["1", "测试镇户外广告设置管理办法", "测府〔2026〕1号\n测府规字〔2026〕1号", "符合现行法律法规，仍需继续实施。"],
        ["2", "测试镇<防汛>&“应急”物资管理办法", "测府〔2026〕4号\n测府规字〔2026〕4号", f"理由：{HOSTILE}"],
    ],
    "二、需要修改的规范性文件（1件）": [
        [
            "1",
            "测试镇农村宅基地审批管理办法",
            "测府〔2026〕2号\n测府规字〔2026〕2号",
            "第八条与修订后的《中华人民共和国土地管理法实施条例》不一致，须修改。",
        ],
    ],
    "三、决定废止的规范性文件（1件）": [
        ["1", "测试镇占道经营管理规定", "测府〔2026〕3号\n测府规字〔2026〕3号", "调整对象已不存在。"],
    ],
}
ROLES = ["admin", "reviewer", "clerk", "drafter", "drafter2", "leader"]


@pytest.fixture
def campaign(db, world):
    publish_documents(world)
    campaign = run_campaign(world)
    db.session.commit()
    return campaign


def tables_with_headings(data: bytes) -> list[tuple[str, list[list[str]]]]:
    """Each table of the body with the text of the paragraph right before it, rows as cell texts."""
    d = open_docx(data)
    by_element = {t._tbl: t for t in d.tables}
    out, last = [], None
    for block in d.element.body.iterchildren():
        if block.tag == qn("w:p"):
            last = "".join(t.text or "" for t in block.iter(qn("w:t")))
        elif block.tag == qn("w:tbl"):
            table = by_element[block]
            out.append((last, [[cell.text for cell in row.cells] for row in table.rows]))
    return out


def test_the_catalogue_has_one_table_per_non_empty_category_with_the_reviewed_results(db, world, now, campaign):
    row = outputs.generate_cleanup_catalogue(campaign, actor=world["clerk"], now=now)
    data = stored_bytes(row)
    assert_official_format(data)

    tables = tables_with_headings(data)
    assert [heading for heading, _ in tables] == list(EXPECTED)
    for (heading, rows), expected in zip(tables, EXPECTED.values(), strict=True):
        assert rows[0] == HEADER, heading
        assert rows[1:] == expected, heading
    # 宣布失效 had no document: no heading, no table, no sentence about it.
    body = all_text(data)
    assert "宣布失效" not in body and "四、" not in body

    for expected in (
        f"测试镇人民政府关于公布{CAMPAIGN_NAME}结果的通知",
        "测府〔2026〕30号",  # typed as 测府[2026]30号 when the result was published
        "各村（社区），镇属各部门、各单位：",
        "测试镇人民政府以2026年9月30日为截止日期，对现行有效的规范性文件开展了定期清理。",
        "测试镇司法所审核，并经镇政府常务会议于2026年10月15日审议通过",
        "本次清理共涉及规范性文件4件，其中继续有效2件，修改1件，废止1件（目录见附件）。",
        "决定废止的规范性文件，自本通知公布之日起停止执行。",
        "由起草单位于2027年1月20日前完成修改",  # 3 months after publication (rule set)
        f"附件：{CAMPAIGN_NAME}结果目录",
        "测试镇人民政府\n2026年10月20日\n（此件公开发布）",
        "清理类型：定期清理；清理截止日期：2026年9月30日；审议：镇政府常务会议（2026年10月15日）；公布日期：2026年10月20日",
    ):
        assert expected in body, expected
    assert "[" not in body and "{{" not in body and "{%" not in body

    d = open_docx(data)
    headings = [p for p in d.paragraphs if p.text in EXPECTED]
    assert [p.style.name for p in headings] == ["一级标题"] * 3
    assert all(r._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体" for p in headings for r in p.runs)
    attachment = next(p for p in d.paragraphs if p.text == "附件")
    assert attachment.paragraph_format.page_break_before
    # The catalogue's table text is 仿宋, its header 黑体.
    first = d.tables[0]
    assert first.rows[0].cells[1].paragraphs[0].runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert first.rows[1].cells[1].paragraphs[0].runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_catalogues_are_records_with_versions_by_the_clerk_or_the_reviewer(db, world, now, campaign):
    first = outputs.generate_cleanup_catalogue(campaign, actor=world["clerk"], now=now)
    db.session.commit()
    second = outputs.generate_cleanup_catalogue(campaign, actor=world["reviewer"], now=now)
    db.session.commit()
    assert (first.version_no, second.version_no) == (1, 2)
    for row in (first, second):
        assert (row.kind, row.object_type, row.object_id) == (
            OutputKind.CLEANUP_CATALOGUE,
            "cleanup_campaign",
            campaign.id,
        )
        assert row.document_id is None and row.template_version.startswith("v0:")
    assert first.file.original_name == f"{CAMPAIGN_NAME}结果目录.docx"
    assert second.file.original_name == f"{CAMPAIGN_NAME}结果目录（第2版）.docx"
    assert stored_bytes(first) and stored_bytes(second)
    assert [v.version_no for v in outputs.catalogue_versions(campaign)] == [2, 1]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "word.generate")).all()
    catalogue_events = [e for e in events if "清理结果目录" in e.summary]
    assert len(catalogue_events) == 2 and all(e.document_id is None for e in catalogue_events)
    for who in ("drafter", "leader", "admin"):
        with pytest.raises(PermissionDenied):
            outputs.generate_cleanup_catalogue(campaign, actor=world[who], now=now)


def test_no_catalogue_before_the_result_is_published(db, world, now):
    publish_documents(world)
    campaign = run_campaign(world, publish_result=False)
    with pytest.raises(InvalidTransition, match="公布后"):
        outputs.generate_cleanup_catalogue(campaign, actor=world["clerk"], now=now)
    assert outputs.catalogue_versions(campaign) == []


# --- the context alone: which categories and sentences appear ----------------------------------------------


def _campaign(**kw) -> NS:
    values = {
        "name": "2026年度规范性文件专项清理结果",
        "kind": NS(label="专项清理"),
        "trigger": NS(value="instruction"),
        "trigger_ref": "中府办函[2026]7号",
        "cutoff_on": date(2026, 6, 30),
        "deliberation_meeting": "",
        "deliberated_on": None,
        "published_on": date(2026, 7, 20),
        "notice_number": "",
    }
    return NS(**(values | kw))


def _rows(*titles: str) -> list[dict]:
    return [
        {"title": t, "issue_number": "", "normative_number": "测府规字[2025]1号", "reason": " 理由 "} for t in titles
    ]


@dataclass(frozen=True)
class Result:
    """A stand-in for a CleanupResult member: the context needs only its label (and a dict key)."""

    label: str


def test_only_non_empty_categories_are_numbered_and_explained():
    groups = {Result("继续有效"): [], Result("修改"): [], Result("废止"): [], Result("宣布失效"): _rows("甲")}
    out = ctx.cleanup_catalogue_context(_campaign(), groups, issuer="测试镇人民政府", office_name="测试镇司法所")
    assert [(c["no"], c["heading"], c["count"]) for c in out["categories"]] == [("一", "宣布失效的规范性文件", 1)]
    assert out["categories"][0]["rows"] == [
        {"no": 1, "title": "甲", "numbers": "测府规字〔2025〕1号", "reason": "理由"}
    ]
    assert [e["text"] for e in out["effects"]] == ["宣布失效的规范性文件，自本通知公布之日起停止执行。"]
    assert out["title"] == "测试镇人民政府关于公布2026年度规范性文件专项清理结果的通知"  # no doubled 结果
    assert out["opening"].startswith("根据上级部署（中府办函〔2026〕7号），")
    assert "审议" not in out["opening"] and out["number"] == ""


def test_repeal_and_declared_invalidity_share_one_sentence_and_amend_falls_back_to_the_rule():
    groups = {Result("修改"): _rows("乙"), Result("废止"): _rows("丙"), Result("宣布失效"): _rows("丁")}
    out = ctx.cleanup_catalogue_context(
        _campaign(trigger=NS(value="higher_law"), trigger_ref="《某条例》已修改"),
        groups,
        issuer="测试镇人民政府",
        office_name="测试镇司法所",
        revision_months=3,
    )
    assert [e["text"] for e in out["effects"]] == [
        "决定废止和宣布失效的规范性文件，自本通知公布之日起停止执行。",
        "需要修改的规范性文件，由起草单位自本通知公布之日起3个月内完成修改，并按程序报送合法性审查。",
    ]
    assert out["opening"].startswith("鉴于《某条例》已修改，")
    assert [c["no"] for c in out["categories"]] == ["一", "二", "三"]


# --- through the pages ------------------------------------------------------------------------------------


def _rows_in_db(db) -> list[GeneratedDocument]:
    """The stored catalogues (the story's opinions and filing reports are generated records too)."""
    return list(
        db.session.scalars(
            sa.select(GeneratedDocument)
            .where(GeneratedDocument.kind == OutputKind.CLEANUP_CATALOGUE)
            .order_by(GeneratedDocument.id)
        )
    )


def test_the_first_download_generates_the_catalogue_and_later_ones_return_it(db, login_as, campaign):
    url = f"/cleanup/{campaign.id}/catalogue.docx"
    # Before anyone generated it, a drafting unit is told so and nothing is stored.
    r = login_as("drafter").get(url, follow_redirects=True)
    assert any("尚未生成" in m for m in flashes(r)) and _rows_in_db(db) == []
    page = text(login_as("drafter").get(f"/cleanup/{campaign.id}"))
    assert 'data-testid="catalogue-xlsx"' in page and 'data-testid="catalogue-docx"' not in page

    clerk = login_as("clerk")
    page = text(clerk.get(f"/cleanup/{campaign.id}"))
    assert 'data-testid="catalogue-docx"' in page and "generate-catalogue-docx" not in page
    r = clerk.get(url)
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    (row,) = _rows_in_db(db)
    assert r.data == stored_bytes(row) and "决定废止的规范性文件" in all_text(r.data)
    assert clerk.get(url).data == r.data and len(_rows_in_db(db)) == 1

    # Now everyone who reads the register downloads the same record, and sees its versions.
    drafter = login_as("drafter2")
    assert drafter.get(url).data == r.data
    page = text(drafter.get(f"/cleanup/{campaign.id}"))
    assert 'data-testid="catalogue-docx"' in page and 'data-testid="catalogue-docx-versions"' in page
    assert "generate-catalogue-docx" not in page
    assert drafter.get(f"/word/generated/{row.id}/download").data == r.data
    preview = drafter.get(f"/word/generated/{row.id}/preview")
    assert preview.status_code == 200 and "需要修改的规范性文件" in text(preview) and "返回清理" in text(preview)


@pytest.mark.parametrize("who", ROLES)
def test_generating_a_new_version_is_for_the_clerk_and_the_reviewer(db, login_as, campaign, who):
    r = login_as(who).post(f"/cleanup/{campaign.id}/catalogue.docx")
    if who in ("clerk", "reviewer"):
        assert r.status_code == 302 and r.headers["Location"].endswith(f"/cleanup/{campaign.id}")
        assert [row.version_no for row in _rows_in_db(db)] == [1]
        page = text(login_as(who).get(f"/cleanup/{campaign.id}"))
        assert 'data-testid="generate-catalogue-docx"' in page
    else:
        assert r.status_code == 403 and _rows_in_db(db) == []


def test_regenerating_keeps_every_version_and_needs_a_csrf_token(app, db, login_as, campaign, monkeypatch):
    reviewer = login_as("reviewer")
    reviewer.get(f"/cleanup/{campaign.id}/catalogue.docx")
    r = reviewer.post(f"/cleanup/{campaign.id}/catalogue.docx", follow_redirects=True)
    assert any("此前的版本仍保留" in m for m in flashes(r))
    assert [row.version_no for row in _rows_in_db(db)] == [1, 2]
    # The download gives the latest version.
    latest = _rows_in_db(db)[-1]
    assert reviewer.get(f"/cleanup/{campaign.id}/catalogue.docx").data == stored_bytes(latest)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert reviewer.post(f"/cleanup/{campaign.id}/catalogue.docx").status_code == 400
    assert len(_rows_in_db(db)) == 2


def test_an_unpublished_campaign_offers_no_word_catalogue(db, world, login_as):
    publish_documents(world)
    campaign = run_campaign(world, publish_result=False)
    db.session.commit()
    clerk = login_as("clerk")
    assert "catalogue-docx" not in text(clerk.get(f"/cleanup/{campaign.id}"))
    r = clerk.get(f"/cleanup/{campaign.id}/catalogue.docx", follow_redirects=True)
    assert any("公布后" in m for m in flashes(r)) and _rows_in_db(db) == []
    r = clerk.post(f"/cleanup/{campaign.id}/catalogue.docx", follow_redirects=True)
    assert any("公布后" in m for m in flashes(r)) and _rows_in_db(db) == []


def test_cli_renders_the_catalogue_to_a_file(db, app, campaign, tmp_path):
    out = tmp_path / "目录.docx"
    result = app.test_cli_runner().invoke(
        args=["word", "render", "cleanup-catalogue", "--campaign", str(campaign.id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert [h for h, _ in tables_with_headings(out.read_bytes())] == list(EXPECTED)
    result = app.test_cli_runner().invoke(
        args=["word", "render", "cleanup-catalogue", "--campaign", "999", "--out", "x"]
    )
    assert result.exit_code != 0 and "没有编号（ID）为 999 的清理" in result.output


@pytest.mark.slow
def test_libreoffice_finds_the_category_headings_of_the_catalogue(db, world, now, campaign, tmp_path):
    from tests.outputs.test_pdf import PDFINFO, PDFTOTEXT, SOFFICE, convert_to_pdf, pdf_page_size, pdf_text

    if not (SOFFICE and PDFTOTEXT and PDFINFO):
        pytest.skip("LibreOffice (soffice) or poppler-utils not installed; .ci/run installs them")
    path = tmp_path / "catalogue.docx"
    path.write_bytes(stored_bytes(outputs.generate_cleanup_catalogue(campaign, actor=world["clerk"], now=now)))
    (pdf,) = convert_to_pdf([path], tmp_path)
    found = pdf_text(pdf)
    positions = [found.index(heading) for heading in EXPECTED]
    assert positions == sorted(positions)
    # Table cells wrap and pdftotext interleaves their columns: the headings and the notice are what can be read.
    for expected in (
        f"关于公布{CAMPAIGN_NAME}结果的通知",
        "测府〔2026〕30号",
        f"{CAMPAIGN_NAME}结果目录",
        "—1—",
        "—2—",
    ):
        assert expected in found, expected
    assert "宣布失效" not in found
    assert "(A4)" in pdf_page_size(pdf)
