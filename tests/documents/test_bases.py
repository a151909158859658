"""制定依据 entered on a draft: matched against the catalogue (a short national-law name finds its full name), a new
title added unverified, proposals read from the uploaded draft's 《…》 citations; through the service and HTTP."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.factories import make_document
from tests.pages import flashes, text
from tests.review import steps
from tracker.audit.models import AuditEvent
from tracker.documents import bases
from tracker.documents.models import DocumentBasis, LegalSource, SourceKind
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db as _db

PENALTY = "中华人民共和国行政处罚法"
BUSINESS = "优化营商环境条例"


@pytest.fixture
def catalogue(db, now):
    for title, kind in ((PENALTY, SourceKind.LAW), (BUSINESS, SourceKind.REGULATION)):
        db.session.add(LegalSource(title=title, kind=kind, promulgated_on=date(2019, 10, 22), created_at=now))
    db.session.commit()


def _sources() -> dict[str, tuple[SourceKind, bool]]:
    return {s.title: (s.kind, s.verified) for s in _db.session.scalars(sa.select(LegalSource))}


def test_a_short_law_name_finds_its_full_name_and_a_new_title_joins_the_catalogue_unverified(db, world, now, catalogue):
    doc = make_document(world, now)
    a = bases.add_basis(doc, actor=world["drafter"], now=now, title="《行政处罚法》", articles="第十四条")
    b = bases.add_basis(doc, actor=world["drafter"], now=now, title="中山市 养犬管理规定", kind=SourceKind.RULE)
    db.session.commit()
    assert (a.source.title, a.articles) == (PENALTY, "第十四条")
    assert [(x.source.title, x.position) for x in doc.bases] == [(PENALTY, 0), ("中山市养犬管理规定", 1)]
    assert _sources() == {
        PENALTY: (SourceKind.LAW, True),
        BUSINESS: (SourceKind.REGULATION, True),
        "中山市养犬管理规定": (SourceKind.RULE, False),
    }
    assert b.source.verified is False
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-3:] == ["document.basis", "source.add", "document.basis"]


def test_the_same_basis_twice_another_units_draft_and_a_submitted_draft_are_refused(db, world, now, catalogue):
    doc = make_document(world, now)
    bases.add_basis(doc, actor=world["drafter"], now=now, title=PENALTY)
    with pytest.raises(ValidationFailed, match="《中华人民共和国行政处罚法》已列入制定依据。"):
        bases.add_basis(doc, actor=world["drafter"], now=now, title="行政处罚法")
    with pytest.raises(PermissionDenied):
        bases.add_basis(doc, actor=world["drafter2"], now=now, title=BUSINESS)
    db.session.rollback()
    submitted, _ = steps.submitted(world, now, title="测试镇已送审办法")
    with pytest.raises(ValidationFailed, match="不能修改制定依据"):
        bases.add_basis(submitted, actor=world["drafter"], now=now, title=BUSINESS)


def test_the_uploaded_draft_proposes_its_citations_matched_against_the_catalogue(db, world, now, catalogue):
    doc = make_document(world, now)
    steps.upload_version(
        doc,
        world,
        now,
        [
            "测试镇某某管理办法",
            "第一条 根据《中华人民共和国行政处罚法》第十四条和《优化营商环境条例》，制定本办法。",
            "第二条 违反本办法的，依照《行政处罚法》第三条处理；《测试镇某某管理办法》自发布之日起施行。",
            "第三条 参照《广东省城乡生活垃圾管理条例》执行。",
        ],
    )
    bases.add_basis(doc, actor=world["drafter"], now=now, title=BUSINESS)
    got = [(p.title, p.articles, p.source is not None, p.kind) for p in bases.proposals(doc)]
    # The law cited twice (full and short name) is one proposal; the document's own title and the entered basis
    # are left out; the regulation the catalogue lacks is proposed with its level guessed from its name.
    assert got == [
        (PENALTY, "第十四条、第三条", True, SourceKind.LAW),
        ("广东省城乡生活垃圾管理条例", "", False, SourceKind.LOCAL_REGULATION),
    ]


def test_bases_through_the_page(db, world, now, catalogue, login_as):
    doc = make_document(world, now)
    steps.upload_version(doc, world, now, ["第一条 依据《行政处罚法》第十四条制定。"])
    db.session.commit()
    c = login_as("drafter")
    page = text(c.get(f"/documents/{doc.id}/bases"))
    assert 'data-proposal="中华人民共和国行政处罚法"' in page and 'data-testid="add-basis"' in page
    r = c.post(
        f"/documents/{doc.id}/bases/add",
        data={"title": "中华人民共和国行政处罚法", "articles": "第十四条", "kind": "law"},
        follow_redirects=True,
    )
    assert "已录入制定依据。" in flashes(r)
    assert 'data-basis="中华人民共和国行政处罚法"' in text(r) and "data-proposal=" not in text(r)
    basis_id = db.session.scalar(sa.select(DocumentBasis.id))
    # Another unit's drafter may not add or remove; the page is not theirs to read either (a draft).
    other = login_as("drafter2")
    assert other.get(f"/documents/{doc.id}/bases").status_code == 403
    assert other.post(f"/documents/{doc.id}/bases/add", data={"title": BUSINESS}).status_code == 403
    assert other.post(f"/documents/{doc.id}/bases/{basis_id}/delete").status_code == 403
    r = c.post(f"/documents/{doc.id}/bases/{basis_id}/delete", follow_redirects=True)
    assert "已删除该项制定依据。" in flashes(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentBasis)) == 0
    # An empty title is refused with the reason, nothing written.
    r = c.post(f"/documents/{doc.id}/bases/add", data={"title": "  "}, follow_redirects=True)
    assert "请填写制定依据的名称。" in flashes(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentBasis)) == 0
    # The document page shows the bases and the link to this page.
    assert 'data-testid="bases-link"' in text(c.get(f"/documents/{doc.id}"))


def test_the_bases_page_reads_as_many_statements_for_many_bases_and_citations_as_for_one(db, world, now, login_as):
    """Each basis names its catalogue entry and each citation of the draft is looked up in the catalogue: read
    together, not one statement per row (issue #17: no N+1)."""
    names = [f"测试条例{i}" for i in range(6)]
    for name in names:
        db.session.add(LegalSource(title=name, kind=SourceKind.REGULATION, created_at=now))
    few = make_document(world, now, title="测试镇少量依据办法")
    many = make_document(world, now, title="测试镇多项依据办法")
    steps.upload_version(few, world, now, [f"第一条 依据《{names[0]}》制定。"])
    steps.upload_version(many, world, now, [f"第{i + 1}条 依据《{name}》制定。" for i, name in enumerate(names)])
    bases.add_basis(few, actor=world["drafter"], now=now, title=names[0])
    for name in names[:3]:
        bases.add_basis(many, actor=world["drafter"], now=now, title=name)
    db.session.commit()
    paths = [f"/documents/{doc.id}/bases" for doc in (few, many)]
    seen: list[str] = []

    def note(*args) -> None:
        seen.append(args[2])

    sa.event.listen(_db.engine, "before_cursor_execute", note)
    try:
        c = login_as("drafter")
        counts = []
        for path in paths:
            c.get(path)  # the person and the compiled template, once
            _db.session.expunge_all()  # what the test loaded must not spare the page a read
            seen.clear()
            page = text(c.get(path))
            counts.append(len(seen))
        # The many-row page shows its three bases and proposes the three citations not entered.
        assert page.count("data-basis=") == 3 and page.count("data-proposal=") == 3
        assert counts[0] == counts[1], counts
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", note)
