"""The filing report (备案报告) as Word: the context, and generation from real records."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace as NS

import pytest

from tests.word.steps import all_text, assert_official_format, published, reviewed, stored_bytes
from tracker.errors import InvalidTransition, PermissionDenied
from tracker.filing import word as filing_word
from tracker.filing.services import missing_packet_items
from tracker.word.text import date_cn


def _doc(bases=()):
    return NS(
        title="测试镇某某办法",
        drafting_unit=NS(name="起草单位"),
        issuer=NS(name="测试镇人民政府"),
        bases=[NS(source=NS(title=t), articles=a, position=i) for i, (t, a) in enumerate(bases)],
    )


def test_filing_report_lists_the_early_effect_reason_only_when_early():
    early, normal = filing_word.samples()
    assert early["early_effect"] is True
    assert early["enclosures"][-1]["name"] == "提前施行的理由说明"
    assert "合法性审查意见书（沙司审〔2026〕3号）" in [e["name"] for e in early["enclosures"]]
    assert normal["early_effect"] is False and normal["early_effect_reason"] == ""
    assert all("提前施行" not in e["name"] for e in normal["enclosures"])


def test_early_effect_follows_the_rule_sets_gap():
    pub = NS(published_on=date(2026, 1, 1), effective_on=date(2026, 1, 20))
    assert filing_word.is_early(pub, 30) is True
    assert filing_word.is_early(pub, 19) is False
    assert filing_word.is_early(NS(published_on=date(2026, 1, 1), effective_on=None), 30) is False


def test_long_titles_break_before_the_words_filing_report():
    assert filing_word.samples()[0]["title_break"] == ""
    publication = NS(
        document=_doc(),
        signed_on=date(2026, 1, 1),
        issue_number="测府[2026]1号",
        normative_number="测府规字[2026]1号",
        published_on=date(2026, 1, 2),
        channel="",
        url="",
        effective_on=None,
        validity_end_on=None,
        early_effect_reason=None,
    )
    publication.document.title = "测试镇农村集体土地承包经营权流转管理办法"
    out = filing_word.filing_report_context(
        publication, authority_name="市司法局", office_name="司法所", opinion=None, effect_min_gap=30,
        report_date=date(2026, 1, 5),
    )  # fmt: skip
    assert out["title_break"] == "\n"
    assert out["numbers"] == "测府〔2026〕1号，测府规字〔2026〕1号"
    assert out["opinion_number"] == ""


NUMBER = re.compile(r"〔\d{4}〕\d+号")


def test_filing_report_states_the_dates_numbers_and_enclosures(db, world, now):
    walk, pub = published(world, now)
    row = filing_word.generate_filing_report(walk.doc, actor=world["clerk"], now=now)
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
    text = all_text(filing_word.render_filing_report(walk.doc, actor=world["clerk"], now=now).data)
    assert "该文件自公布至施行不足30日，提前施行的理由是：汛期安全隐患突出，需尽快施行。" in text
    assert "6. 提前施行的理由说明" in text


def test_no_filing_report_before_publication(db, world, now):
    walk, _pub = published(world, now, publish=False)
    with pytest.raises(InvalidTransition, match="尚未发布"):
        filing_word.generate_filing_report(walk.doc, actor=world["clerk"], now=now)
    unnumbered = reviewed(world, now, title="测试镇另一办法")
    with pytest.raises(InvalidTransition, match="尚未签发编号"):
        filing_word.render_filing_report(unnumbered.doc, now=now)


@pytest.mark.parametrize("who", ["drafter", "reviewer", "leader", "admin"])
def test_only_the_office_generates_filing_reports(db, world, now, who):
    walk, _pub = published(world, now)
    with pytest.raises(PermissionDenied):
        filing_word.generate_filing_report(walk.doc, actor=world[who], now=now)
