"""The pure context builders: numbering, dates, 〔〕 numbers, optional parts and the enclosure list."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace as NS

import pytest

from tracker.outputs import context as ctx
from tracker.outputs.fields import SPECS, filing_report_samples, opinion_samples
from tracker.outputs.models import OutputKind


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"), (9, "九"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (99, "九十九"), (100, "一百"),
        (101, "一百零一"), (110, "一百一十"), (115, "一百一十五"), (1001, "一千零一"), (1010, "一千零一十"),
    ],
)  # fmt: skip
def test_chinese_numerals(n, text):
    assert ctx.cn_numeral(n) == text


def test_numeral_out_of_range_is_refused():
    with pytest.raises(ValueError):
        ctx.cn_numeral(10000)


def test_dates_use_arabic_numerals_without_leading_zeros():
    assert ctx.date_cn(date(2026, 3, 5)) == "2026年3月5日"
    assert ctx.date_cn(None) == ""


@pytest.mark.parametrize(
    "raw", ["沙司审[2026]3号", "沙司审(2026)3号", "沙司审（2026）3号", "沙司审【2026】3号", "沙司审〔2026〕3号"]
)
def test_year_brackets_become_hexagonal(raw):
    assert ctx.official_number(raw) == "沙司审〔2026〕3号"


def test_sentences_end_with_a_full_stop_once():
    assert ctx.sentence("详见修改意见") == "详见修改意见。"
    assert ctx.sentence("详见修改意见。") == "详见修改意见。"
    assert ctx.sentence("  ") == ""


def test_section_numbers_close_the_gaps_of_absent_sections():
    numbers = ctx.section_numbers(["basic", "points", "conclusion"], ctx.OPINION_SECTIONS)
    assert numbers == {"basic": "一", "basis": "", "points": "二", "findings": "", "conclusion": "三"}


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
    assert ctx.basis_lines(doc, findings) == ["《优化营商环境条例》第三十九条", "《中华人民共和国行政处罚法》第十四条"]


def test_every_sample_has_exactly_the_declared_fields():
    for kind, spec in SPECS.items():
        for sample in spec.samples():
            assert set(sample) == set(spec.names), kind


def test_opinion_samples_cover_table_paragraphs_and_no_findings():
    full, single, bare = opinion_samples()
    assert full["findings_as_table"] and full["findings_count"] == 3
    assert not single["findings_as_table"] and single["findings"][0]["heading"] == "（一）总体意见"
    assert bare["findings"] == [] and bare["basis"] == [] and bare["materials"] == []
    assert bare["sec"]["conclusion"] == "三" and bare["sec"]["findings"] == ""
    assert full["round_text"] == "（第二次送审）" and bare["round_text"] == ""


def test_filing_report_lists_the_early_effect_reason_only_when_early():
    early, normal = filing_report_samples()
    assert early["early_effect"] is True
    assert early["enclosures"][-1]["name"] == "提前施行的理由说明"
    assert "合法性审查意见书（沙司审〔2026〕3号）" in [e["name"] for e in early["enclosures"]]
    assert normal["early_effect"] is False and normal["early_effect_reason"] == ""
    assert all("提前施行" not in e["name"] for e in normal["enclosures"])


def test_early_effect_follows_the_rule_sets_gap():
    pub = NS(published_on=date(2026, 1, 1), effective_on=date(2026, 1, 20))
    assert ctx.is_early(pub, 30) is True
    assert ctx.is_early(pub, 19) is False
    assert ctx.is_early(NS(published_on=date(2026, 1, 1), effective_on=None), 30) is False


def test_long_titles_break_before_the_words_filing_report():
    assert filing_report_samples()[0]["title_break"] == ""
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
    out = ctx.filing_report_context(
        publication, authority_name="市司法局", office_name="司法所", opinion=None, effect_min_gap=30,
        report_date=date(2026, 1, 5),
    )  # fmt: skip
    assert out["title_break"] == "\n"
    assert out["numbers"] == "测府〔2026〕1号，测府规字〔2026〕1号"
    assert out["opinion_number"] == ""


def test_specs_cover_every_output_kind():
    assert set(SPECS) == set(OutputKind)
    for spec in SPECS.values():
        assert spec.required <= spec.names
