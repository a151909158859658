"""Documents for the clean-up tests, walked through the real services at hand-picked Beijing dates.

Drafting, review, deliberation, numbering, publication and filing reuse tests/alerts/lifecycle.py; what it
cannot do (a second drafting unit, a subject, another issuer, a cited legal basis, no validity period) is added
here through the same services.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import sqlalchemy as sa

from tests.alerts.lifecycle import PACKET, accept, at, deliberate, docx_bytes, number, pass_review, publish
from tests.factories import World
from tracker.auth.models import Unit, UnitKind
from tracker.auth.permissions import SYSTEM
from tracker.cleanup.models import CleanupCampaign
from tracker.documents.models import DocKind, Document, DocumentBasis, LegalSource, SourceKind
from tracker.documents.services import DocumentData, add_attachment, add_version, register_draft
from tracker.extensions import db
from tracker.files.uploads import check_upload
from tracker.publication import services as publication
from tracker.review import services as review


@cache
def _docx(*paragraphs: str) -> bytes:
    return docx_bytes(*paragraphs)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def gov_office(w: World) -> Unit:
    """A second issuer (镇政府办公室, 文号 测府办〔…〕), for narrowing a 专项 campaign by issuer."""
    if "gov_office" not in w.units:
        unit = Unit(
            name="测试镇人民政府办公室",
            kind=UnitKind.GOVERNMENT_OFFICE,
            can_issue=True,
            can_draft=False,
            number_prefix="测府办",
            created_at=at(d("2020-01-02")),
        )
        db.session.add(unit)
        db.session.flush()
        w.units["gov_office"] = unit
    return w.units["gov_office"]


def source(title: str) -> LegalSource:
    found = db.session.scalar(sa.select(LegalSource).where(LegalSource.title == title))
    if found is None:
        found = LegalSource(title=title, kind=SourceKind.LAW, created_at=at(d("2020-01-02")))
        db.session.add(found)
        db.session.flush()
    return found


def draft_as(
    w: World,
    title: str,
    on: date,
    *,
    drafter: str = "drafter",
    subject: str | None = None,
    issuer: Unit | None = None,
    bases: tuple[str, ...] = (),
) -> Document:
    """A registered draft with a version and the submission packet, like lifecycle.draft, for any drafter."""
    now, user = at(on, 9), w[drafter]
    data = DocumentData(
        title=title,
        kind=DocKind.GOVERNMENT,
        issuer_id=(issuer or w.units["gov"]).id,
        drafting_unit_id=user.unit_id,
        subject=subject,
    )
    doc = register_draft(data, actor=user, now=now)
    version = check_upload(_docx(title, "第一条 总则。"), "送审稿.docx", docx_only=True)
    add_version(doc, version, note="", actor=user, now=now)
    for kind in PACKET:
        checked = check_upload(_docx(kind.label), f"{kind.value}.docx")
        add_attachment(doc, checked, kind=kind, title="", actor=user, now=now)
    # The register has no form for 制定依据 yet: recorded as the demo data and tests/outputs do.
    for pos, name in enumerate(bases):
        db.session.add(DocumentBasis(document=doc, source=source(name), position=pos))
    db.session.flush()
    return doc


def numbered(w: World, title: str, submitted_on: date, **kw) -> Document:
    """A draft taken through review, deliberation and numbering (see review_and_number)."""
    return review_and_number(
        w, draft_as(w, title, submitted_on, **kw), submitted_on, drafter=kw.get("drafter", "drafter")
    )


def review_and_number(w: World, doc: Document, submitted_on: date, *, drafter: str = "drafter") -> Document:
    """Submitted, accepted the next day, passed after a week, deliberated after two, numbered on day 16."""
    rnd = review.submit_for_review(doc, actor=w[drafter], now=at(submitted_on, 10), received_on=submitted_on)
    accept(w, doc, submitted_on + timedelta(days=1))
    pass_review(w, doc, rnd, submitted_on + timedelta(days=7))
    deliberate(w, doc, submitted_on + timedelta(days=14))
    number(w, doc, submitted_on + timedelta(days=16))
    return doc


def in_force(w: World, title: str, submitted_on: date, published_on: date, effective_on: date, **kw) -> Document:
    """Numbered, published with the default validity, and taken into force on its effective date."""
    doc = numbered(w, title, submitted_on, **kw)
    publish(w, doc, published_on, effective_on=effective_on)
    publication.take_effect(doc, actor=SYSTEM, now=at(effective_on, 0, 10))
    return doc


def repeal(w: World, doc: Document, on: date, reason: str = "镇政府决定废止") -> None:
    publication.end_document(doc, "repeal", actor=w["clerk"], now=at(on, 10), on=on, reason=reason)


def titles(documents) -> set[str]:
    return {doc.title for doc in documents}


def item_titles(campaign: CleanupCampaign) -> set[str]:
    db.session.expire_all()
    return {item.document.title for item in db.session.get(CleanupCampaign, campaign.id).items}


def ids_to_titles(ids) -> set[str]:
    return set(db.session.scalars(sa.select(Document.title).where(Document.id.in_(list(ids)))))


def build_subjects(w: World) -> dict[str, Document]:
    """Documents in force on 2026-06-30 with a subject, an issuer and cited laws, and two that are not in force.

    title (key)                     subject   issuer      drafter   cites            state on 2026-06-30
    测试镇食品摊贩管理办法 (S1)       市场监管   镇政府       执法局     食品安全法        in force
    测试镇农贸市场管理办法 (S2)       市场监管   镇政府办     执法局     价格法            in force
    测试镇农产品质量管理办法 (S3)     农业农村   镇政府办     农业办     食品安全法        in force
    测试镇耕地保护管理办法 (S4)       农业农村   镇政府       农业办     —                in force
    测试镇餐饮油烟管理办法 (S5)       市场监管   镇政府       执法局     食品安全法        repealed 2026-03-02
    测试镇小作坊登记办法 (S6)         市场监管   镇政府       执法局     食品安全法        a draft
    """
    office = gov_office(w)
    food, price = "中华人民共和国食品安全法", "中华人民共和国价格法"
    rows = (
        ("S1", "测试镇食品摊贩管理办法", "2024-03-04", "市场监管", None, "drafter", (food,)),
        ("S2", "测试镇农贸市场管理办法", "2024-03-11", "市场监管", office, "drafter", (price,)),
        ("S3", "测试镇农产品质量管理办法", "2024-03-18", "农业农村", office, "drafter2", (food,)),
        ("S4", "测试镇耕地保护管理办法", "2024-03-25", "农业农村", None, "drafter2", ()),
        ("S5", "测试镇餐饮油烟管理办法", "2024-04-01", "市场监管", None, "drafter", (food, price)),
    )
    docs = {}
    for key, title, submitted, subject, issuer, drafter, bases in rows:
        docs[key] = in_force(
            w,
            title,
            d(submitted),
            d("2024-05-06"),
            d("2024-06-05"),
            subject=subject,
            issuer=issuer,
            drafter=drafter,
            bases=bases,
        )
    repeal(w, docs["S5"], d("2026-03-02"))
    docs["S6"] = draft_as(w, "测试镇小作坊登记办法", d("2026-05-11"), subject="市场监管", bases=(food,))
    return docs
