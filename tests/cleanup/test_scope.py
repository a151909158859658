"""A campaign's scope: the documents in force on the cut-off date, narrowed for a 专项 campaign (docs/rules.md §6).

Every date below is picked by hand; the default validity is 5 years ending the day before the anniversary.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.cleanup.town import build_subjects, gov_office, ids_to_titles, item_titles
from tests.factories import at, d, draft, in_force, publish, ready_to_publish, repeal, review_and_number
from tests.pages import flashes, redirect_target
from tracker.audit.models import AuditEvent
from tracker.cleanup import services
from tracker.cleanup.models import CampaignKind, CampaignPhase, CampaignTrigger, CleanupCampaign
from tracker.documents.models import Document, LegalSource, RelationKind
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.publication import services as publication
from tracker.workflow.service import apply

CUTOFF = d("2026-06-30")


def build_history(w) -> None:
    """Eleven documents whose lives, in date order, straddle the cut-off date 2026-06-30.

    测试镇届满前管理办法   effective 2021-01-01, validity to 2025-12-31, expired 2026-01-01       out
    测试镇届满当日管理办法 effective 2021-07-01, validity to 2026-06-30 (the cut-off), expired
                          2026-07-01                                                          in
    测试镇现行管理办法     effective 2023-11-08                                                  in
    测试镇旧版管理办法     effective 2023-11-08, amended by 新版 when it took effect 2026-02-04   out
    测试镇截止前废止办法   effective 2023-11-08, repealed 2026-05-06                              out
    测试镇截止后废止办法   effective 2023-11-08, repealed 2026-08-03                              in
    测试镇新版管理办法     effective 2026-02-04                                                  in
    测试镇起草中办法       a draft                                                               out
    测试镇已撤回办法       withdrawn 2026-04-01                                                  out
    测试镇截止后施行办法   published 2026-06-01, effective 2026-07-01                              out
    测试镇尚未施行办法     published 2026-06-15, effective 2027-01-01 (still waiting on 11-02)    out
    """
    daily = publication.apply_daily_effects
    old_expiry = ready_to_publish(w, "测试镇届满前管理办法", d("2020-11-02"))
    publish(w, old_expiry, d("2020-12-01"), effective_on=d("2021-01-01"))
    daily(now=at(d("2021-01-01"), 0, 10))
    cutoff_expiry = ready_to_publish(w, "测试镇届满当日管理办法", d("2021-04-06"))
    publish(w, cutoff_expiry, d("2021-05-31"), effective_on=d("2021-07-01"))
    daily(now=at(d("2021-07-01"), 0, 10))
    docs = {}
    for title, submitted in (
        ("测试镇现行管理办法", "2023-09-04"),
        ("测试镇旧版管理办法", "2023-09-05"),
        ("测试镇截止前废止办法", "2023-09-06"),
        ("测试镇截止后废止办法", "2023-09-07"),
    ):
        docs[title] = ready_to_publish(w, title, d(submitted))
        publish(w, docs[title], d("2023-10-09"), effective_on=d("2023-11-08"))
    daily(now=at(d("2023-11-08"), 0, 10))
    new = draft(w, "测试镇新版管理办法", d("2025-12-01"))
    publication.add_relation(
        new, docs["测试镇旧版管理办法"], RelationKind.AMENDS, actor=w["drafter"], now=at(d("2025-12-01"))
    )
    review_and_number(w, new, d("2025-12-01"))
    daily(now=at(d("2026-01-01"), 0, 10))
    publish(w, new, d("2026-01-05"), effective_on=d("2026-02-04"))
    daily(now=at(d("2026-02-04"), 0, 10))
    draft(w, "测试镇起草中办法", d("2026-03-02"))
    withdrawn = draft(w, "测试镇已撤回办法", d("2026-03-02"))
    apply(withdrawn, "withdraw", actor=w["drafter"], now=at(d("2026-04-01")), note="上位法调整，不再制定")
    repeal(w, docs["测试镇截止前废止办法"], d("2026-05-06"))
    late = ready_to_publish(w, "测试镇截止后施行办法", d("2026-05-04"))
    publish(w, late, d("2026-06-01"), effective_on=d("2026-07-01"))
    waiting = ready_to_publish(w, "测试镇尚未施行办法", d("2026-05-11"))
    publish(w, waiting, d("2026-06-15"), effective_on=d("2027-01-01"))
    daily(now=at(d("2026-07-01"), 0, 10))
    repeal(w, docs["测试镇截止后废止办法"], d("2026-08-03"))


def statuses() -> dict[str, tuple[str, str | None]]:
    db.session.expire_all()
    return {
        doc.title: (doc.status.value, doc.ended_on.isoformat() if doc.ended_on else None)
        for doc in db.session.scalars(sa.select(Document))
    }


def test_the_snapshot_is_exactly_the_documents_in_force_on_the_cutoff_date(db, world, now):
    build_history(world)
    # The town as it stands on 2026-11-02, when the campaign is opened: each document is what its row says.
    assert statuses() == {
        "测试镇届满前管理办法": ("expired", "2026-01-01"),
        "测试镇届满当日管理办法": ("expired", "2026-07-01"),
        "测试镇现行管理办法": ("in_force", None),
        "测试镇旧版管理办法": ("amended", "2026-02-04"),
        "测试镇截止前废止办法": ("repealed", "2026-05-06"),
        "测试镇截止后废止办法": ("repealed", "2026-08-03"),
        "测试镇新版管理办法": ("in_force", None),
        "测试镇起草中办法": ("drafting", None),
        "测试镇已撤回办法": ("withdrawn", None),
        "测试镇截止后施行办法": ("in_force", None),
        "测试镇尚未施行办法": ("published", None),
    }

    campaign = services.open_campaign(
        actor=world["reviewer"],
        now=now,
        name="2026年上半年规范性文件清理",
        kind=CampaignKind.COMPREHENSIVE,
        trigger=CampaignTrigger.INSTRUCTION,
        trigger_ref="中市司函〔2026〕35号",
        cutoff_on=CUTOFF,
    )
    db.session.commit()

    assert item_titles(campaign) == {
        "测试镇现行管理办法",
        "测试镇新版管理办法",
        "测试镇截止后废止办法",
        "测试镇届满当日管理办法",
    }
    assert (campaign.phase, campaign.cutoff_on, campaign.trigger_ref) == (
        CampaignPhase.PROPOSING,
        CUTOFF,
        "中市司函〔2026〕35号",
    )
    # One day later the picture differs: the validity that ended on 06-30 is over, the 07-01 document has begun.
    assert ids_to_titles(services.scoped_document_ids(cutoff_on=d("2026-07-01"))) == {
        "测试镇现行管理办法",
        "测试镇新版管理办法",
        "测试镇截止后废止办法",
        "测试镇截止后施行办法",
    }
    # Each document in scope has a timeline entry naming the campaign; nothing else got one.
    scoped = db.session.scalars(
        sa.select(Document.title)
        .join(AuditEvent, AuditEvent.document_id == Document.id)
        .where(AuditEvent.action == "cleanup.scope")
    ).all()
    assert sorted(scoped) == sorted(item_titles(campaign))


def test_the_snapshot_does_not_follow_later_changes(db, world, now):
    kept = in_force(world, "测试镇现行管理办法", d("2025-09-01"), d("2025-10-09"), d("2025-11-08"))
    campaign = services.open_campaign(
        actor=world["reviewer"],
        now=at(d("2026-07-01")),
        name="2026年定期清理",
        kind=CampaignKind.PERIODIC,
        trigger=CampaignTrigger.SCHEDULE,
        trigger_ref=None,
        cutoff_on=CUTOFF,
    )
    # A document taking effect and another being repealed after the opening change nothing in the campaign.
    in_force(world, "测试镇后来施行办法", d("2026-06-01"), d("2026-07-06"), d("2026-08-05"))
    repeal(world, kept, d("2026-08-10"))
    db.session.commit()
    assert item_titles(campaign) == {"测试镇现行管理办法"}


def test_a_campaign_needs_a_name_a_reference_for_its_trigger_and_a_document_in_scope(db, world, now):
    in_force(world, "测试镇现行管理办法", d("2025-09-01"), d("2025-10-09"), d("2025-11-08"))
    base = dict(
        now=now,
        name="专项清理",
        kind=CampaignKind.SPECIAL,
        trigger=CampaignTrigger.HIGHER_LAW,
        trigger_ref="《中华人民共和国行政处罚法》已修改",
        cutoff_on=CUTOFF,
    )
    with pytest.raises(PermissionDenied, match="只有司法所审查员可以发起清理"):
        services.open_campaign(actor=world["clerk"], **base)
    with pytest.raises(ValidationFailed, match="请填写清理名称"):
        services.open_campaign(actor=world["reviewer"], **{**base, "name": "  "})
    with pytest.raises(ValidationFailed, match="须写明所依据的法律文件或上级文件文号"):
        services.open_campaign(actor=world["reviewer"], **{**base, "trigger_ref": " "})
    with pytest.raises(ValidationFailed, match="2025-11-07 没有符合范围的现行有效文件"):
        services.open_campaign(actor=world["reviewer"], **{**base, "cutoff_on": d("2025-11-07")})
    with pytest.raises(ValidationFailed, match="没有符合范围的现行有效文件"):
        services.open_campaign(actor=world["reviewer"], **base, document_ids=[])
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CleanupCampaign)) == 0


def test_a_special_campaign_is_narrowed_by_subject_issuer_or_cited_source(db, world):
    build_subjects(world)
    office = gov_office(world)
    food = db.session.scalar(sa.select(LegalSource.id).where(LegalSource.title == "中华人民共和国食品安全法"))

    def scope(**kw):
        return ids_to_titles(services.scoped_document_ids(cutoff_on=CUTOFF, **kw))

    assert scope() == {
        "测试镇食品摊贩管理办法",
        "测试镇农贸市场管理办法",
        "测试镇农产品质量管理办法",
        "测试镇耕地保护管理办法",
    }
    assert scope(subject="市场监管") == {"测试镇食品摊贩管理办法", "测试镇农贸市场管理办法"}
    assert scope(issuer_id=office.id) == {"测试镇农贸市场管理办法", "测试镇农产品质量管理办法"}
    assert scope(source_id=food) == {"测试镇食品摊贩管理办法", "测试镇农产品质量管理办法"}
    assert scope(subject="市场监管", source_id=food) == {"测试镇食品摊贩管理办法"}
    assert scope(subject="市场监管", issuer_id=office.id) == {"测试镇农贸市场管理办法"}
    assert scope(subject="城市管理") == set()

    campaign = services.open_campaign(
        actor=world["reviewer"],
        now=at(d("2026-07-06")),
        name="市场监管领域专项清理",
        kind=CampaignKind.SPECIAL,
        trigger=CampaignTrigger.INSTRUCTION,
        trigger_ref="中市司函〔2026〕12号",
        cutoff_on=CUTOFF,
        document_ids=services.scoped_document_ids(cutoff_on=CUTOFF, subject="市场监管"),
    )
    db.session.commit()
    assert item_titles(campaign) == {"测试镇食品摊贩管理办法", "测试镇农贸市场管理办法"}


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("subject", "农业农村", {"测试镇农产品质量管理办法", "测试镇耕地保护管理办法"}),
        ("issuer_id", "office", {"测试镇农贸市场管理办法", "测试镇农产品质量管理办法"}),
    ],
)
def test_the_new_campaign_form_narrows_a_special_campaign(db, world, login_as, field, value, expected):
    build_subjects(world)
    if value == "office":
        value = str(gov_office(world).id)
    db.session.commit()
    form = {
        "name": "专项清理",
        "kind": "special",
        "trigger": "instruction",
        "trigger_ref": "中市司函〔2026〕12号",
        "cutoff_on": "2026-06-30",
        "subject": "",
        "issuer_id": "0",
        "source_id": "0",
        field: value,
    }
    response = login_as("reviewer").post("/cleanup/new", data=form)
    path, _ = redirect_target(response)
    campaign = db.session.scalar(sa.select(CleanupCampaign))
    assert path == f"/cleanup/{campaign.id}"
    assert campaign.kind is CampaignKind.SPECIAL
    assert item_titles(campaign) == expected


def test_a_periodic_campaign_from_the_form_ignores_the_special_filters(db, world, login_as):
    build_subjects(world)
    db.session.commit()
    form = {
        "name": "2026年定期清理",
        "kind": "periodic",
        "trigger": "schedule",
        "cutoff_on": "2026-06-30",
        "subject": "市场监管",
        "issuer_id": "0",
        "source_id": "0",
    }
    response = login_as("reviewer").post("/cleanup/new", data=form, follow_redirects=True)
    assert "已发起清理，各起草单位可以提出清理意见。" in flashes(response)
    campaign = db.session.scalar(sa.select(CleanupCampaign))
    assert item_titles(campaign) == {
        "测试镇食品摊贩管理办法",
        "测试镇农贸市场管理办法",
        "测试镇农产品质量管理办法",
        "测试镇耕地保护管理办法",
    }
