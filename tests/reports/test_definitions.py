"""Figures mean what the annual report means (docs/rules.md §7): 统一发布率 treats the year-end lag as 备案率 does;
repeals and declarations of invalidity outside a campaign are counted; every figure states its definition on the
statistics page (and in docs/rules.md §7) and still links to its records."""

from __future__ import annotations

import re
from pathlib import Path

from tests.factories import at, d, numbered, publish
from tests.pages import text
from tracker.publication import services as publication
from tracker.reports import stats

RULES = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")


def test_a_document_signed_in_december_and_published_in_january_counts_as_published_for_its_year(db, world):
    late = numbered(world, "测试镇年底签发管理办法", d("2026-12-28"))
    publish(world, late, d("2027-01-05"), effective_on=d("2027-02-05"))
    never = numbered(world, "测试镇未发布管理办法", d("2026-12-29"))
    rate = stats.annual(2026).rates["publication_rate"]
    assert (rate.numerator_ids, rate.denominator_ids) == ([late.id], [late.id, never.id])
    # Counted once, for the year it was signed: 2027 has nothing signed.
    assert stats.annual(2027).rates["publication_rate"].denominator == 0


def test_repeals_and_declarations_of_invalidity_outside_a_campaign_are_counted(db, world):
    a = numbered(world, "测试镇甲管理办法", d("2025-03-02"))
    publish(world, a, d("2025-03-05"), effective_on=d("2025-04-05"))
    b = numbered(world, "测试镇乙管理办法", d("2025-03-09"))
    publish(world, b, d("2025-03-12"), effective_on=d("2025-04-12"))
    for doc in (a, b):
        publication.take_effect(doc, actor=world["clerk"], now=publication_now(d("2025-04-20")))
    publication.end_document(
        a,
        "repeal",
        actor=world["clerk"],
        now=publication_now(d("2026-05-06")),
        on=d("2026-05-06"),
        reason="镇政府决定废止",
    )
    publication.end_document(b, "declare_invalid", actor=world["clerk"], now=publication_now(d("2026-06-01")),
                             on=d("2026-06-01"), reason="调整对象已消失")  # fmt: skip
    figure = stats.annual(2026).figures["ended"]
    assert (figure.value, figure.document_ids, figure.breakdown) == (
        2,
        [a.id, b.id],
        {"废止": 1, "宣布失效": 1, "其中经清理": 0},
    )
    assert stats.annual(2025).figures["ended"].value == 0
    paragraph = stats.paragraph(stats.annual(2026), "测试镇")
    assert "全年废止规范性文件1件、宣布失效1件" in paragraph


def publication_now(day):
    return at(day, 10)


def test_every_figure_states_its_definition_on_the_page_and_in_the_docs(db, world, login_as, clock):
    numbered(world, "测试镇甲管理办法", d("2026-03-02"))
    s = stats.annual(2026)
    page = text(login_as("leader").get("/reports/annual", query_string={"year": 2026}))
    for key, item in [*s.rates.items(), *s.figures.items()]:
        assert item.definition, key
        shown = re.search(rf'data-definition="{key}">口径：(.*?)</(?:div|td)>', page).group(1)
        assert shown == item.definition
        assert f"`{key}`" in RULES, f"docs/rules.md §7 does not define {key}"
    # Still linked to its records: the rate's denominator lists the document signed in 2026.
    assert 'href="/reports/annual/2026/records/publication_rate?part=denominator"' in page
    records = text(login_as("leader").get("/reports/annual/2026/records/publication_rate?part=denominator"))
    assert "测试镇甲管理办法" in records
