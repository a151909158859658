"""The review opinion as Word, from real records: every field, the format, hostile text, versions."""

from __future__ import annotations

import hashlib
import re
from types import SimpleNamespace as NS

import pytest
import sqlalchemy as sa

from tests.pages import text
from tests.word.steps import (
    FINDING,
    all_text,
    assert_official_format,
    beijing_date,
    builtin,
    edit,
    open_docx,
    reviewed,
    stored_bytes,
    xml_parts_parse,
)
from tracker.audit.models import AuditEvent
from tracker.errors import PermissionDenied
from tracker.files.storage import path_of
from tracker.files.uploads import DOCX_TYPE, CheckedFile
from tracker.review import word as review_word
from tracker.review.models import PointResult, ReviewPoint
from tracker.word import templates as word_templates
from tracker.word.models import OutputKind
from tracker.word.text import date_cn


def _doc(bases=()):
    return NS(
        title="测试镇某某办法",
        drafting_unit=NS(name="起草单位"),
        issuer=NS(name="测试镇人民政府"),
        bases=[NS(source=NS(title=t), articles=a, position=i) for i, (t, a) in enumerate(bases)],
    )


def test_basis_keeps_the_precise_line_and_drops_duplicates():
    doc = _doc([("中华人民共和国行政处罚法", None), ("优化营商环境条例", "第三十九条")])
    findings = [
        NS(legal_basis="《中华人民共和国行政处罚法》第十四条"),
        NS(legal_basis="《中华人民共和国行政处罚法》第十四条"),
        NS(legal_basis=""),
    ]
    assert review_word.basis_lines(doc, findings) == [
        "《优化营商环境条例》第三十九条",
        "《中华人民共和国行政处罚法》第十四条",
    ]


def test_opinion_samples_cover_table_paragraphs_and_no_findings():
    full, single, bare = review_word.samples()
    assert full["findings_as_table"] and full["findings_count"] == 3
    assert not single["findings_as_table"] and single["findings"][0]["heading"] == "（一）总体意见"
    assert bare["findings"] == [] and bare["basis"] == [] and bare["materials"] == []
    assert bare["sec"]["conclusion"] == "三" and bare["sec"]["findings"] == ""
    assert full["round_text"] == "（第二次送审）" and bare["round_text"] == ""
    # A finding quoting its clause and one without a quote (as findings made before quotes were kept).
    assert full["findings"][1]["quote"].startswith("第六条 ") and full["findings"][2]["quote"] == ""


NUMBER = re.compile(r"〔\d{4}〕\d+号")


def test_opinion_with_several_findings_carries_every_field_of_domain_4(db, world, now):
    findings = [
        FINDING,
        ("第八条", "要求提交无犯罪记录证明，增加了相对人义务。", "《优化营商环境条例》第三十九条", "删除该项材料。"),
    ]
    walk = reviewed(world, now, findings=findings)
    row = review_word.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
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
    data = review_word.render_opinion(walk.opinion).data
    text = all_text(data)
    assert open_docx(data).tables == []
    assert (
        "（一）关于第五条第二款" in text
        and "存在问题：规定对违规行为处以罚款" in text
        and "修改意见：删除该款。" in text
    )


def test_empty_optional_parts_disappear_without_blank_headings(db, world, now):
    walk = reviewed(world, now, findings=[], label="合法，同意出台", summary="", bases=())
    data = review_word.render_opinion(walk.opinion).data
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
    data = review_word.render_opinion(walk.opinion).data
    assert_official_format(data)
    text = all_text(data)
    assert "《测试镇<关于&“规范”>管理办法》" in text
    assert f"问题：{hostile}" in text and f"建议 {hostile}" in text
    # A newline in user text is a line break inside the paragraph, not a broken run.
    summary = next(p for p in open_docx(data).paragraphs if p.text.startswith("综述"))
    assert summary.text == f"综述 {hostile}\n第二行"


def test_control_characters_pasted_from_elsewhere_do_not_corrupt_the_file(db, world, now):
    walk = reviewed(world, now, findings=[("第一条", "含控制字符\x0b与\x1f的文字\x07", "", "")])
    data = review_word.render_opinion(walk.opinion).data
    xml_parts_parse(data)
    assert "含控制字符与的文字" in all_text(data)


def test_three_thousand_character_findings_and_a_hundred_findings_give_a_valid_file(db, world, now):
    long_text = ("规定对违规行为处以罚款，属于设定行政处罚，超出镇政府权限。" * 120)[:3000]
    findings = [
        (f"第{i + 1}条", long_text if i < 3 else f"问题{i + 1}", "《某法》第一条", f"建议{i + 1}") for i in range(100)
    ]
    walk = reviewed(world, now, findings=findings)
    row = review_word.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    data = stored_bytes(row)
    assert_official_format(data)
    table = open_docx(data).tables[0]
    assert len(table.rows) == 101
    assert table.rows[1].cells[2].text == long_text and table.rows[100].cells[4].text == "建议100"


def test_issuing_stores_the_opinion_and_generating_again_makes_a_new_version_keeping_the_old(db, world, now):
    walk = reviewed(world, now)
    (first,) = review_word.versions(walk.opinion)  # issuing the opinion generated its file
    db.session.commit()
    second = review_word.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
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
    assert [v.version_no for v in review_word.versions(walk.opinion)] == [2, 1]
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "word.generate")).all()
    assert len(events) == 2 and all(e.document_id == walk.doc.id for e in events)


@pytest.mark.parametrize("who", ["drafter", "clerk", "leader", "admin"])
def test_only_reviewers_generate_opinions(db, world, now, who):
    walk = reviewed(world, now)
    with pytest.raises(PermissionDenied):
        review_word.generate_opinion(walk.opinion, actor=world[who], now=now)


def test_each_round_has_its_own_opinion_and_versions(db, world, now):
    walk = reviewed(world, now, label="应当修改后重新送审")
    assert [o.id for o in review_word.opinions_of(walk.doc)] == [walk.opinion.id]
    assert review_word.opinions_of(walk.doc)[-1] == walk.opinion


def test_point_results_follow_the_worksheet_order(db, world, now):
    walk = reviewed(world, now)
    text = all_text(review_word.render_opinion(walk.opinion).data)
    labels = [p.label for p in ReviewPoint]
    positions = [text.index(label) for label in labels]
    assert positions == sorted(positions)
    assert PointResult.DOES_NOT.label in text


def test_every_round_has_its_file_and_the_drafter_of_a_returned_round_can_download_it(db, world, now, login_as):
    walk = reviewed(world, now, label="应当修改后重新送审")
    (row,) = review_word.versions(walk.opinion)
    db.session.commit()
    drafter = login_as("drafter")
    page = text(drafter.get(f"/documents/{walk.doc.id}"))
    assert "尚未生成" not in page and f'href="/word/generated/{row.id}/download"' in page
    assert f'href="/word/generated/{row.id}/download.pdf"' in page
    r = drafter.get(f"/word/generated/{row.id}/download")
    assert r.status_code == 200 and "应当修改后重新送审" in all_text(r.data)


# --- the clause's words in the opinion (issue 18) ------------------------------------------------------------

QUOTE = "第五条 违反本办法规定的，由镇人民政府处以五百元以上一千元以下罚款；情节严重的，处一千元以上罚款 & 通报。"
SECOND = ("第八条", "要求提交无犯罪记录证明，增加了相对人义务。", "《优化营商环境条例》第三十九条", "删除该项材料。")


def _quoted(db, world, now, findings, quotes):
    """An opinion whose findings quote the clauses they are about, as the review desk stores them."""
    walk = reviewed(world, now, findings=findings)
    for finding, quote in zip(sorted(walk.round.findings, key=lambda f: f.position), quotes, strict=True):
        finding.quote = quote
    db.session.flush()
    return walk


def test_the_findings_table_quotes_the_clause_under_its_reference(db, world, now):
    walk = _quoted(db, world, now, [FINDING, SECOND], [QUOTE, ""])
    data = stored_bytes(review_word.generate_opinion(walk.opinion, actor=world["reviewer"], now=now))
    assert_official_format(data)
    (table,) = open_docx(data).tables
    rows = [[c.text for c in row.cells] for row in table.rows]
    # Header, the first finding, its clause's words across the row under the reference, the second finding.
    assert len(rows) == 4
    assert rows[1][:2] == ["1", "第五条第二款"] and rows[1][2].startswith("规定对违规行为处以罚款")
    assert rows[2][1:] == [f"原文：{QUOTE}"] * 4  # one cell spanning 条款 to 修改意见
    assert rows[3][:2] == ["2", "第八条"]
    # The number spans the finding's row and its quote's row.
    first, under = (tr.tc_lst[0] for tr in table._tbl.tr_lst[1:3])
    assert (first.vMerge, under.vMerge) == ("restart", "continue")
    # The second finding quotes nothing: no 原文 row, no empty 原文 anywhere.
    text = all_text(data)
    assert text.count("原文：") == 1 and "原文： " not in text and not text.rstrip().endswith("原文：")
    assert "{{" not in text and "{%" not in text


def test_a_table_of_findings_without_quotes_has_no_quote_rows(db, world, now):
    walk = reviewed(world, now, findings=[FINDING, SECOND])  # findings made before quotes were kept
    data = review_word.render_opinion(walk.opinion).data
    (table,) = open_docx(data).tables
    assert len(table.rows) == 3 and "原文" not in all_text(data)


def test_one_finding_quotes_its_clause_between_the_heading_and_the_problem(db, world, now):
    walk = _quoted(db, world, now, [FINDING], [QUOTE])
    data = review_word.render_opinion(walk.opinion).data
    lines = all_text(data).splitlines()
    at = lines.index("（一）关于第五条第二款")
    assert lines[at + 1] == f"原文：{QUOTE}" and lines[at + 2].startswith("存在问题：规定对违规行为处以罚款")

    unquoted = reviewed(world, now, findings=[FINDING])
    lines = all_text(review_word.render_opinion(unquoted.opinion).data).splitlines()
    at = lines.index("（一）关于第五条第二款")
    assert lines[at + 1].startswith("存在问题：") and not any(line.startswith("原文") for line in lines)


def test_an_office_template_made_before_quotes_still_passes_and_renders(db, world, now):
    """The quote is an optional field: a template the office edited before it existed is accepted and used."""
    older = edit(builtin(OutputKind.OPINION), "原文：{{ f.quote }}", "")
    older = edit(older, "{%tr if f.quote %}", "{%tr if false %}")
    older = edit(older, "{%p if f.quote %}", "{%p if false %}")
    older = edit(older, "原文：{{ f.quote }}", "")
    assert b"f.quote" not in older
    checked = CheckedFile(older, "意见书模板.docx", DOCX_TYPE, "docx")
    version = word_templates.upload_template(review_word.SPEC, checked, actor=world["admin"], now=now)
    walk = _quoted(db, world, now, [FINDING, SECOND], [QUOTE, ""])
    row = review_word.generate_opinion(walk.opinion, actor=world["reviewer"], now=now)
    assert row.template_version.startswith(f"v{version.version_no}:")
    data = stored_bytes(row)
    assert "第五条第二款 | 规定对违规行为处以罚款" in all_text(data) and "原文" not in all_text(data)
