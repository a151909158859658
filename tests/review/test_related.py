"""The town's documents in force on the draft's subject, beside its text at the review desk (issue 18)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import render_template_string
from sqlalchemy.orm import joinedload

from tests.factories import d, draft, in_force, repeal
from tracker.documents.models import Document
from tracker.publication.queries import publications_of
from tracker.review.related import places_of, related_in_force, segments_of, title_terms

HOMESTEAD = "测试镇农村宅基地管理办法"
HOMESTEAD_TEXT = (HOMESTEAD, "第一条 为了规范农村宅基地审批和村民建房，制定本办法。", "第二条 一户只能拥有一处宅基地。")


def _in_force(world, title, text=None, **kw):
    return in_force(world, title, d("2026-01-05"), d("2026-03-02"), d("2026-04-01"), text=text, **kw)


@pytest.fixture
def town(db, world):
    """A 宅基地 rule in force, an unrelated one in force, a repealed 宅基地 rule, another 宅基地 draft, and the draft
    under review."""
    docs = {
        "homestead": _in_force(world, HOMESTEAD, HOMESTEAD_TEXT),
        "river": _in_force(world, "测试镇河道保洁管理办法", ("测试镇河道保洁管理办法", "第一条 河道保洁由各村负责。")),
        "repealed": _in_force(world, "测试镇宅基地审批暂行规定", ("测试镇宅基地审批暂行规定", "第一条 宅基地审批。")),
    }
    repeal(world, docs["repealed"], d("2026-05-04"))
    docs["other_draft"] = draft(
        world, "测试镇农村宅基地建房审批规定", d("2026-06-01"), text=("第一条 宅基地建房审批。", "第二条 附则。")
    )
    docs["draft"] = draft(
        world,
        "测试镇人民政府关于印发《测试镇农村宅基地建房管理办法》的通知",
        d("2026-10-05"),
        text=("第一条 农村村民建房应当申请宅基地。", "第二条 本办法自发布之日起施行。"),
    )
    db.session.flush()
    return docs


def test_a_draft_on_homesteads_finds_the_homestead_rule_in_force_only(town):
    found = related_in_force(town["draft"])
    assert [r.document.id for r in found] == [town["homestead"].id]
    (hit,) = found
    # The words are those of the draft's title, joined back from the windows the index matched.
    assert "农村宅基地" in hit.terms and 0 < hit.score <= 1 and not hit.same_subject
    (pub,) = publications_of(town["homestead"])
    assert pub.issue_number in hit.numbers and pub.normative_number in hit.numbers


def test_the_document_itself_is_never_its_own_relative(town):
    # The homestead rule asks for its relatives: the draft and the repealed rule are not in force, nothing else is.
    assert related_in_force(town["homestead"]) == []


def test_the_town_name_and_the_words_every_title_has_are_not_searched_for():
    places = places_of("测试镇人民政府", "测试镇综合行政执法局")
    assert places == ["测试镇"]
    segments = segments_of("测试镇人民政府关于印发《测试镇农村宅基地建房管理办法》的通知", places)
    assert segments == ["农村宅基地建房"]
    terms = [t.text for t in title_terms(segments)]
    assert "宅基地" in terms and all(3 <= len(t) <= 4 for t in terms) and len(terms) <= 10
    # A title left with one short word is still searched for (in titles: the trigram index cannot serve it).
    assert [t.text for t in title_terms(segments_of("关于加强河道管理的通知", places))] == ["河道"]
    assert segments_of("测试镇关于做好工作的通知", places) == []


def test_one_chance_three_characters_in_a_long_text_are_not_a_relation(db, world, town):
    # 基地建 is a window of 宅基地建房, and of 产业基地建设: alone, in the text only, it is noise.
    _in_force(world, "测试镇现代农业产业园扶持办法", ("测试镇现代农业产业园扶持办法", "第一条 支持产业基地建设。"))
    assert [r.document.id for r in related_in_force(town["draft"])] == [town["homestead"].id]


def test_closer_titles_rank_first_and_the_same_subject_counts(db, world, town):
    closer = _in_force(world, "测试镇农村宅基地建房管理规定", ("第一条 宅基地建房。",))
    same_field = _in_force(world, "测试镇农房风貌管控规定", ("第一条 农房外立面。",), subject="自然资源")
    found = related_in_force(town["draft"])
    assert [r.document.id for r in found][:2] == [closer.id, town["homestead"].id]
    assert same_field.id not in [r.document.id for r in found]  # the draft names no 所属领域

    town["draft"].subject = "自然资源"
    found = {r.document.id: r for r in related_in_force(town["draft"])}
    assert found[same_field.id].same_subject and found[same_field.id].terms == []
    assert set(found) == {closer.id, town["homestead"].id, same_field.id}


def test_at_most_limit_documents_in_one_query_however_many_are_found(db, world, town):
    for i in range(6):
        _in_force(world, f"测试镇第{i + 1}片区宅基地管理规定", (f"第一条 第{i + 1}片区宅基地。",))
    statements = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    # Nothing loaded but the draft with its units (as the worksheet has them): a lazy load would be counted.
    db.session.expire_all()
    draft_doc = db.session.scalars(
        sa.select(Document)
        .options(joinedload(Document.issuer), joinedload(Document.drafting_unit))
        .where(Document.id == town["draft"].id)
    ).one()
    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        found = related_in_force(draft_doc, limit=5)
        titles = [r.document.title for r in found]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert len(found) == 5 and len(statements) == 1
    assert all("宅基地" in t for t in titles)


def test_the_card_links_each_document_and_says_when_there_is_none(app, town):
    found = related_in_force(town["draft"])
    with app.test_request_context():
        html = render_template_string('{% include "review/_related.html" %}', related=found)
        empty = render_template_string('{% include "review/_related.html" %}', related=[])
    assert "本镇现行有效的相关文件" in html and f'href="/documents/{town["homestead"].id}"' in html
    assert f">{HOMESTEAD}</a>" in html and "<mark>农村宅基地</mark>" in html
    assert re.search(r"〔2026〕\d+号", html)
    assert 'data-testid="related-none"' in empty and "未找到" in empty and "related-doc" not in empty
