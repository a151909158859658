"""The filing report (备案报告) as Word: the context, and generation from real records."""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import SimpleNamespace as NS

import pytest

from tests.pages import flashes, text
from tests.word.steps import all_text, assert_official_format, published, reviewed, stored_bytes
from tracker.errors import InvalidTransition, PermissionDenied
from tracker.filing import services as filing
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


def test_long_titles_break_between_words_and_never_inside_the_book_title_brackets_when_they_fit():
    assert filing_word.samples()[0]["heading"] == "关于《某某镇某某管理办法》的备案报告"
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
    assert out["heading"] == "关于《测试镇农村集体土地承包经\n营权流转管理办法》的备案报告"
    short = NS(**{**vars(publication), "document": _doc()})
    short.document.title = "测试镇高龄老人津贴发放办法"
    heading = filing_word.filing_report_context(
        short, authority_name="市司法局", office_name="司法所", opinion=None, effect_min_gap=30,
        report_date=date(2026, 1, 5),
    )["heading"]  # fmt: skip
    assert heading == "关于《测试镇高龄老人津贴发放办法》的\n备案报告"
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


def test_the_report_is_an_upward_document_with_its_number_signer_review_and_deliberation(db, world, now):
    walk, pub = published(world, now)
    row = filing_word.generate_filing_report(walk.doc, actor=world["clerk"], now=now)
    filing = filing_word.filing_of(pub)
    assert filing.report_number == "测府报〔2026〕1号"  # the issuer's 报告 series
    lines = [line for line in all_text(stored_bytes(row)).splitlines() if line]
    # 版头 first: the red mark, then the number with 签发人 on one line, then the title.
    assert [line.strip("\u3000") for line in lines[:3]] == [
        "测试镇人民政府文件",
        "测府报〔2026〕1号签发人：镇长",  # one character in from each edge, on one line
        "关于《测试镇某某管理办法》的备案报告",
    ]
    assert "中山市司法局：" in lines
    body = "\n".join(lines)
    assert (
        f"该文件已经测试镇司法所合法性审查（{walk.opinion.number}），审查结论为“合法，同意出台”，"
        f"并经镇政府常务会议于{date_cn(pub.signed_on)}集体审议通过。"
    ) in body
    # 署名 over 成文日期 (today: not yet filed), then 附注, then the 版记 closes the document.
    today = date_cn(now.date())
    at = lines.index("测试镇人民政府")
    assert lines[at + 1 : at + 3] == [today, "（联系人：clerk）"]
    assert lines[-2:] == ["抄送：测试镇司法所。", f"测试镇人民政府{today}印发"]
    # Regenerating keeps the number.
    again = filing_word.generate_filing_report(walk.doc, actor=world["clerk"], now=now)
    assert again.version_no == 2 and "测府报〔2026〕1号" in all_text(stored_bytes(again))


def test_the_report_is_dated_on_the_filing_date(db, world, now):
    walk, pub = published(world, now)
    first = filing_word.generate_filing_report(walk.doc, actor=world["clerk"], now=now)
    assert date_cn(now.date()) in all_text(stored_bytes(first))
    # Filed three days later than the report was prepared: the packet's report now bears the filing date.
    later = now + timedelta(days=3)
    filing.submit(walk.doc, actor=world["clerk"], now=later, submitted_on=later.date(), method="系统", system_ref="")
    latest = filing_word.versions(pub)[0]
    assert latest.version_no == 2 and signed_on(stored_bytes(latest)) == date_cn(later.date())
    # Rendering later (after a template change, say) keeps the filing date, not the day of rendering.
    rendered = filing_word.render_filing_report(walk.doc, now=later + timedelta(days=20))
    assert signed_on(rendered.data) == date_cn(later.date())
    assert signed_on(stored_bytes(first)) == date_cn(now.date())  # the earlier version stays as it was
    # Filed on the day it was prepared: no new version.
    assert (
        filing_word.date_report_on_filing(walk.doc, actor=world["clerk"], now=later, submitted_on=later.date()) is None
    )


def signed_on(data: bytes) -> str:
    """The 成文日期: the line under the 署名."""
    lines = [line for line in all_text(data).splitlines() if line]
    return lines[lines.index("测试镇人民政府") + 1]


def test_a_refused_filing_links_to_the_page_that_makes_the_missing_report(db, world, now, login_as):
    walk, _pub = published(world, now)
    db.session.commit()
    r = login_as("clerk").post(
        f"/filing/documents/{walk.doc.id}/submit",
        data={"submitted_on": now.date().isoformat(), "method": "系统", "system_ref": ""},
        follow_redirects=True,
    )
    page = text(r)
    assert any("缺少：备案报告" in m for m in flashes(r))
    assert f'href="/documents/{walk.doc.id}#word-outputs"' in page and "备案报告（在文件页面的“文书”中生成）" in page
