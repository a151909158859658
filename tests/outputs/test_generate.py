"""Generating opinions and filing reports from real records: every field, the format, hostile text, versions."""

from __future__ import annotations

import hashlib
import re

import pytest
import sqlalchemy as sa
from docx.shared import Mm

from tests.outputs.steps import (
    CHINESE_FONTS,
    CJK,
    FINDING,
    all_text,
    beijing_date,
    east_asian_font,
    open_docx,
    published,
    reviewed,
    run_text,
    runs_of,
    xml_parts_parse,
)
from tracker.audit.models import AuditEvent
from tracker.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tracker.files.storage import path_of
from tracker.files.uploads import DOCX_TYPE, CheckedFile
from tracker.filing.services import missing_packet_items
from tracker.outputs import services
from tracker.outputs.context import date_cn
from tracker.outputs.models import GeneratedDocument, OutputKind, TemplateVersion
from tracker.review.models import PointResult, ReviewPoint

NUMBER = re.compile(r"〔\d{4}〕\d+号")


def stored_bytes(row: GeneratedDocument) -> bytes:
    return path_of(row.file).read_bytes()


def assert_official_format(data: bytes) -> None:
    """Reopen with python-docx: A4, GB/T 9704 margins, every Chinese run on an East-Asian font; XML parses."""
    xml_parts_parse(data)
    d = open_docx(data)
    for section in d.sections:
        assert abs(section.page_width - Mm(210)) < Mm(0.1) and abs(section.page_height - Mm(297)) < Mm(0.1)
        assert abs(section.top_margin - Mm(37)) < Mm(0.1) and abs(section.bottom_margin - Mm(35)) < Mm(0.1)
        assert abs(section.left_margin - Mm(28)) < Mm(0.1) and abs(section.right_margin - Mm(26)) < Mm(0.1)
    chinese = [r for r in runs_of(d) if CJK.search(run_text(r))]
    assert chinese
    missing = [run_text(r)[:20] for r in chinese if east_asian_font(r) not in CHINESE_FONTS]
    assert not missing, f"runs without an East-Asian font: {missing}"


def test_opinion_with_several_findings_carries_every_field_of_domain_4(db, world, now):
    findings = [
        FINDING,
        ("第八条", "要求提交无犯罪记录证明，增加了相对人义务。", "《优化营商环境条例》第三十九条", "删除该项材料。"),
    ]
    walk = reviewed(world, now, findings=findings)
    row = services.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    data = stored_bytes(row)
    assert_official_format(data)
    text = all_text(data)
    today = beijing_date(now)
    for expected in (
        "测试镇司法所",  # the 司法所 of the issuing reviewer
        "规范性文件合法性审查意见书",
        walk.opinion.number,
        f"{walk.doc.drafting_unit.name}：",  # addressee
        "《测试镇某某管理办法》",
        f"起草单位：{walk.doc.drafting_unit.name}",
        f"收件日期：{date_cn(walk.round.received_on)}",
        "送审稿（第1稿）",
        "请示/送审函",
        "起草说明",
        "征求意见及采纳情况",
        "《中华人民共和国行政处罚法》第三条",  # declared basis with its articles
        "《优化营商环境条例》第三十九条",  # basis cited by a finding
        "（一）制定主体是否合法：符合。",
        "（五）是否违法设定许可、处罚、强制、收费等事项：不符合。设定了罚款。",
        "（九）文件名称、结构和表述是否规范：符合。",
        "第五条第二款 | 规定对违规行为处以罚款",
        "第八条 | 要求提交无犯罪记录证明",
        "删除该项材料。",
        "审查结论：基本合法，建议修改后出台。",
        "经审查，提出如下意见。",
        # 基本合法，建议修改后出台: each suggestion answered, those not adopted explained at deliberation.
        "作出采纳、部分采纳或者不采纳的答复；未予采纳的，应当在提请集体审议时说明理由。",
        "审查人：reviewer",
        "测试镇司法所（盖章）",
        date_cn(today),
    ):
        assert expected in text, expected
    assert NUMBER.search(walk.opinion.number) and "〔" in text and "[" not in text
    # Sections numbered without gaps; several findings form a table.
    assert [h for h in re.findall(r"^([一二三四五六])、", text, re.M)] == ["一", "二", "三", "四", "五"]
    assert len(open_docx(data).tables) == 1 and len(open_docx(data).tables[0].rows) == 3


def test_one_finding_is_written_as_paragraphs_not_a_table(db, world, now):
    walk = reviewed(world, now, findings=[FINDING])
    data = services.render_opinion(walk.opinion).data
    text = all_text(data)
    assert open_docx(data).tables == []
    assert (
        "（一）关于第五条第二款" in text
        and "存在问题：规定对违规行为处以罚款" in text
        and "修改意见：删除该款。" in text
    )


def test_empty_optional_parts_disappear_without_blank_headings(db, world, now):
    walk = reviewed(world, now, findings=[], label="合法，同意出台", summary="", bases=())
    data = services.render_opinion(walk.opinion).data
    assert_official_format(data)
    text = all_text(data)
    assert "具体修改意见" not in text
    # The review basis is always stated (docs/rules.md §4): with no basis of the document, the rules it follows.
    assert re.findall(r"^([一二三四])、(\S+)", text, re.M) == [
        ("一", "基本情况"),
        ("二", "审查依据"),
        ("三", "审查情况"),
        ("四", "审查结论"),
    ]
    assert "《广东省行政规范性文件管理规定》（粤府令第277号）" in text
    assert "{%" not in text and "{{" not in text
    # No empty paragraph left where a {%p %} tag or an empty summary was.
    lines = text.splitlines()
    conclusion_at = lines.index("四、审查结论")
    assert lines[conclusion_at + 1] == "审查结论：合法，同意出台。"


def test_user_text_with_xml_characters_is_escaped_and_kept(db, world, now):
    hostile = "A&B <tag> \"quoted\" 'single' </w:t></w:r><script>alert(1)</script>"
    walk = reviewed(
        world,
        now,
        title="测试镇<关于&“规范”>管理办法",
        findings=[(f"第一条{hostile}", f"问题：{hostile}", f"依据 {hostile}", f"建议 {hostile}")],
        summary=f"综述 {hostile}\n第二行",
    )
    data = services.render_opinion(walk.opinion).data
    assert_official_format(data)
    text = all_text(data)
    assert "《测试镇<关于&“规范”>管理办法》" in text
    assert f"问题：{hostile}" in text and f"建议 {hostile}" in text
    # A newline in user text is a line break inside the paragraph, not a broken run.
    summary = next(p for p in open_docx(data).paragraphs if p.text.startswith("综述"))
    assert summary.text == f"综述 {hostile}\n第二行"


def test_control_characters_pasted_from_elsewhere_do_not_corrupt_the_file(db, world, now):
    walk = reviewed(world, now, findings=[("第一条", "含控制字符\x0b与\x1f的文字\x07", "", "")])
    data = services.render_opinion(walk.opinion).data
    xml_parts_parse(data)
    assert "含控制字符与的文字" in all_text(data)


def test_three_thousand_character_findings_and_a_hundred_findings_give_a_valid_file(db, world, now):
    long_text = ("规定对违规行为处以罚款，属于设定行政处罚，超出镇政府权限。" * 120)[:3000]
    findings = [
        (f"第{i + 1}条", long_text if i < 3 else f"问题{i + 1}", "《某法》第一条", f"建议{i + 1}") for i in range(100)
    ]
    walk = reviewed(world, now, findings=findings)
    row = services.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    data = stored_bytes(row)
    assert_official_format(data)
    table = open_docx(data).tables[0]
    assert len(table.rows) == 101
    assert table.rows[1].cells[2].text == long_text and table.rows[100].cells[4].text == "建议100"


def test_generating_again_makes_a_new_version_and_keeps_the_old(db, world, now):
    walk = reviewed(world, now)
    first = services.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    db.session.commit()
    second = services.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    db.session.commit()
    assert (first.version_no, second.version_no) == (1, 2)
    assert first.file_id != second.file_id and path_of(first.file).exists() and path_of(second.file).exists()
    assert first.file.original_name == f"《测试镇某某管理办法》合法性审查意见书（{walk.opinion.number}）.docx"
    assert second.file.original_name.endswith("（第2版）.docx")
    for row in (first, second):
        data = stored_bytes(row)
        assert row.file.sha256 == hashlib.sha256(data).hexdigest() and row.file.size == len(data)
        assert re.fullmatch(r"v0:[0-9a-f]{12}", row.template_version)
        assert row.created_by_id == world["reviewer"].id and row.created_at == now
        assert row.document_id == walk.doc.id and (row.object_type, row.object_id) == ("opinion", walk.opinion.id)
    assert [v.version_no for v in services.versions_of(OutputKind.OPINION, "opinion", walk.opinion.id)] == [2, 1]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "word.generate")).all()
    assert len(events) == 2 and all(e.document_id == walk.doc.id for e in events)


@pytest.mark.parametrize("who", ["drafter", "clerk", "leader", "admin"])
def test_only_reviewers_generate_opinions(db, world, now, who):
    walk = reviewed(world, now)
    with pytest.raises(PermissionDenied):
        services.generate_opinion(walk.opinion, actor=world[who], now=now)


def test_each_round_has_its_own_opinion_and_versions(db, world, now):
    walk = reviewed(world, now, label="应当修改后重新送审")
    assert [o.id for o in services.opinions_of(walk.doc)] == [walk.opinion.id]
    assert services.latest_opinion(walk.doc) == walk.opinion


# --- filing report ------------------------------------------------------------------------------------------


def test_filing_report_states_the_dates_numbers_and_enclosures(db, world, now):
    walk, pub = published(world, now)
    row = services.generate_filing_report(walk.doc, actor=world["clerk"], now=now)
    data = stored_bytes(row)
    assert_official_format(data)
    text = all_text(data)
    for expected in (
        "关于《测试镇某某管理办法》的备案报告",
        "中山市司法局：",
        f"测试镇人民政府于{date_cn(pub.signed_on)}印发的《测试镇某某管理办法》",
        f"（{pub.issue_number}，{pub.normative_number}）报送备案",
        f"已于{date_cn(pub.published_on)}在测试镇人民政府门户网站公布",
        f"自{date_cn(pub.effective_on)}起施行",
        f"有效期至{date_cn(pub.validity_end_on)}",
        f"测试镇司法所合法性审查（{walk.opinion.number}），审查结论为“合法，同意出台”",
        "特此报告。",
        "附件：1. 《测试镇某某管理办法》正式文本",
        "2. 《测试镇某某管理办法》起草说明",
        "3. 制定依据（《中华人民共和国行政处罚法》）",
        f"4. 合法性审查意见书（{walk.opinion.number}）",
        "5. 《测试镇某某管理办法》政策解读",
        "（联系人：clerk）",
    ):
        assert expected in text, expected
    assert "提前施行" not in text
    assert NUMBER.search(pub.issue_number) and "[" not in text
    assert row.file.original_name == "关于《测试镇某某管理办法》的备案报告.docx"
    assert (row.object_type, row.object_id) == ("publication", pub.id)
    # The filing packet now finds its report.
    assert "备案报告" not in missing_packet_items(walk.doc)


def test_filing_report_of_a_document_taking_effect_early_gives_the_reason_and_encloses_it(db, world, now):
    walk, _pub = published(world, now, gap_days=10)
    text = all_text(services.render_filing_report(walk.doc, actor=world["clerk"], now=now).data)
    assert "该文件自公布至施行不足30日，提前施行的理由是：汛期安全隐患突出，需尽快施行。" in text
    assert "6. 提前施行的理由说明" in text


def test_no_filing_report_before_publication(db, world, now):
    walk, _pub = published(world, now, publish=False)
    with pytest.raises(InvalidTransition, match="尚未发布"):
        services.generate_filing_report(walk.doc, actor=world["clerk"], now=now)
    unnumbered = reviewed(world, now, title="测试镇另一办法")
    with pytest.raises(InvalidTransition, match="尚未签发编号"):
        services.render_filing_report(unnumbered.doc, now=now)


@pytest.mark.parametrize("who", ["drafter", "reviewer", "leader", "admin"])
def test_only_the_office_generates_filing_reports(db, world, now, who):
    walk, _pub = published(world, now)
    with pytest.raises(PermissionDenied):
        services.generate_filing_report(walk.doc, actor=world[who], now=now)


# --- templates: upload, refusal, restore -----------------------------------------------------------------


def edited_opinion_template(old="现提出审查意见如下：", new="现将审查意见函告如下：") -> bytes:
    from tests.outputs.test_templates import builtin, edit

    return edit(builtin(OutputKind.OPINION), old, new)


def test_an_uploaded_template_is_checked_kept_as_a_version_and_used(db, world, now):
    walk = reviewed(world, now)
    checked = CheckedFile(edited_opinion_template(), "意见书模板.docx", DOCX_TYPE, "docx")
    v1 = services.upload_template(OutputKind.OPINION, checked, actor=world["admin"], now=now, note="改措辞")
    db.session.commit()
    assert (v1.version_no, v1.active, v1.note) == (1, True, "改措辞")
    row = services.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    assert row.template_version.startswith("v1:")
    assert "现将审查意见函告如下" in all_text(stored_bytes(row))

    # A bad upload is refused with the reason; version 1 stays active.
    bad = CheckedFile(edited_opinion_template("{{ reviewers }}", "{{ nobody }}"), "坏模板.docx", DOCX_TYPE, "docx")
    with pytest.raises(ValidationFailed, match="未知字段：nobody"):
        services.upload_template(OutputKind.OPINION, bad, actor=world["admin"], now=now)
    db.session.rollback()
    assert services.active_template(OutputKind.OPINION).version_no == 1
    assert [v.version_no for v in services.template_versions(OutputKind.OPINION)] == [1]

    # Restore the built-in template, then version 1 again: versions are kept.
    services.activate_template(OutputKind.OPINION, 0, actor=world["admin"], now=now)
    assert services.active_template(OutputKind.OPINION).version_no == 0
    assert services.generate_opinion(walk.opinion, actor=world["reviewer"], now=now).template_version.startswith("v0:")
    services.activate_template(OutputKind.OPINION, 1, actor=world["admin"], now=now)
    db.session.commit()
    actives = db.session.scalars(sa.select(TemplateVersion).where(TemplateVersion.active.is_(True))).all()
    assert [(a.kind, a.version_no) for a in actives] == [(OutputKind.OPINION, 1)]


@pytest.mark.parametrize("who", ["reviewer", "clerk", "drafter", "leader"])
def test_only_the_administrator_manages_templates(db, world, now, who):
    checked = CheckedFile(edited_opinion_template(), "x.docx", DOCX_TYPE, "docx")
    with pytest.raises(PermissionDenied):
        services.upload_template(OutputKind.OPINION, checked, actor=world[who], now=now)
    with pytest.raises(PermissionDenied):
        services.activate_template(OutputKind.OPINION, 0, actor=world[who], now=now)


def test_point_results_follow_the_worksheet_order(db, world, now):
    walk = reviewed(world, now)
    text = all_text(services.render_opinion(walk.opinion).data)
    labels = [p.label for p in ReviewPoint]
    positions = [text.index(label) for label in labels]
    assert positions == sorted(positions)
    assert PointResult.DOES_NOT.label in text
