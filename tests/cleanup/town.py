"""The clean-up tests' own pieces: a second issuer, a set of documents by subject, and reading a campaign's
items; the documents are walked with tests/factories.py."""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import World, at, d, draft, in_force, repeal
from tracker.auth.models import Unit, UnitKind
from tracker.cleanup.models import CleanupCampaign
from tracker.documents.models import Document
from tracker.extensions import db


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
            town_id=w.town.id,
        )
        db.session.add(unit)
        db.session.flush()
        w.units["gov_office"] = unit
    return w.units["gov_office"]


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
    docs["S6"] = draft(w, "测试镇小作坊登记办法", d("2026-05-11"), subject="市场监管", bases=(food,))
    return docs
