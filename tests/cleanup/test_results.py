"""Per-document results: the drafting unit proposes, the 司法所 reviews, the campaign is deliberated and
published, and publication applies the results through the lifecycle (docs/rules.md §6)."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from tests.factories import at, d, draft, in_force
from tests.pages import flashes, text
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.alerts.scan import scan
from tracker.audit.models import AuditEvent
from tracker.cleanup import services
from tracker.cleanup.models import CampaignKind, CampaignPhase, CampaignTrigger, CleanupCampaign, CleanupItem
from tracker.cleanup.models import CleanupResult as R
from tracker.documents.models import RelationKind
from tracker.documents.states import DocStatus
from tracker.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.publication import services as publication

NAME = "2026年规范性文件定期清理"
ENFORCEMENT, AGRI = "测试镇综合行政执法局", "测试镇农业农村办公室"
# (key, title, drafter, submitted on): numbered 16 days later, in this order, so 测府/测府规字〔2025〕1号…5号.
DOCS = (
    ("P1", "测试镇犬只管理办法", "drafter", "2025-01-06"),
    ("P2", "测试镇占道经营管理办法", "drafter", "2025-01-13"),
    ("P3", "测试镇户外广告设置管理办法", "drafter", "2025-01-20"),
    ("Q1", "测试镇农村宅基地管理办法", "drafter2", "2025-02-03"),
    ("Q2", "测试镇耕地保护奖励办法", "drafter2", "2025-02-10"),
)
# What each unit proposes on 07-10 and what the 司法所 makes of it on 08-03 (a change carries a note).
PROPOSALS = {
    "P1": (R.KEEP, "符合现行法律法规，仍需继续执行"),
    "P2": (R.REPEAL, "调整对象已不存在"),
    "P3": (R.KEEP, "仍需执行"),
    "Q1": (R.AMEND, "部分条款需要调整"),
    "Q2": (R.KEEP, "仍符合农村工作实际"),
}
REVIEWS = {
    "P1": (R.KEEP, ""),
    "P2": (R.REPEAL, ""),
    "P3": (R.AMEND, "第五条与新修订的广告法不一致，须修改"),
    "Q1": (R.DECLARE_INVALID, "所依据的上级文件已废止，文件已无实施依据"),
    "Q2": (R.KEEP, ""),
}


@pytest.fixture
def town(db, world):
    """Five documents in force since 2025-04-02 and a periodic campaign opened on 2026-07-01 over all of them."""
    docs = {
        key: in_force(world, title, d(submitted), d("2025-03-03"), d("2025-04-02"), drafter=drafter)
        for key, title, drafter, submitted in DOCS
    }
    campaign = services.open_campaign(
        actor=world["reviewer"],
        now=at(d("2026-07-01")),
        name=NAME,
        kind=CampaignKind.PERIODIC,
        trigger=CampaignTrigger.SCHEDULE,
        trigger_ref=None,
        cutoff_on=d("2026-06-30"),
    )
    db.session.commit()
    items = {key: _item(campaign, doc) for key, doc in docs.items()}
    return {"campaign": campaign, "docs": docs, "items": items}


def _item(campaign, doc) -> CleanupItem:
    return db.session.scalar(
        sa.select(CleanupItem).where(CleanupItem.campaign_id == campaign.id, CleanupItem.document_id == doc.id)
    )


def _drafter_of(key: str) -> str:
    return "drafter" if key.startswith("P") else "drafter2"


def propose(world, town, key, on="2026-07-10"):
    result, reason = PROPOSALS[key]
    services.propose(town["items"][key], actor=world[_drafter_of(key)], now=at(d(on)), result=result, reason=reason)


def review(world, town, key, on="2026-08-03"):
    result, note = REVIEWS[key]
    services.review(town["items"][key], actor=world["reviewer"], now=at(d(on)), result=result, note=note)


def test_only_the_drafting_units_drafter_proposes_and_a_reason_is_required(world, town, login_as):
    p1, q1 = town["items"]["P1"], town["items"]["Q1"]
    for user in ("drafter2", "reviewer", "clerk", "leader"):
        with pytest.raises(PermissionDenied, match="只有文件起草单位的经办人可以提出清理意见"):
            services.propose(p1, actor=world[user], now=at(d("2026-07-10")), result=R.KEEP, reason="继续有效")
    for blank in ("", "   "):
        with pytest.raises(ValidationFailed, match="请填写清理理由"):
            services.propose(p1, actor=world["drafter"], now=at(d("2026-07-10")), result=R.KEEP, reason=blank)
    with pytest.raises(ValidationFailed, match="不超过 2000 字"):
        services.propose(p1, actor=world["drafter"], now=at(d("2026-07-10")), result=R.KEEP, reason="理" * 2001)
    db.session.rollback()

    services.propose(
        p1, actor=world["drafter"], now=at(d("2026-07-10")), result=R.KEEP, reason=" 符合现行法律法规，仍需继续执行 "
    )
    db.session.commit()
    assert (p1.proposed_result, p1.proposed_reason, p1.proposed_by_id) == (
        R.KEEP,
        "符合现行法律法规，仍需继续执行",
        world["drafter"].id,
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "cleanup.propose"))
    assert (event.document_id, event.summary) == (
        town["docs"]["P1"].id,
        f"清理“{NAME}”：建议继续有效——符合现行法律法规，仍需继续执行",
    )

    # Through the page: 农业办 sees a proposal form on its own two documents only, and a forged POST is refused.
    agri = login_as("drafter2")
    page = text(agri.get(f"/cleanup/{town['campaign'].id}"))
    forms = set(re.findall(r'data-testid="propose-(\d+)"', page))
    assert forms == {str(town["items"]["Q1"].id), str(town["items"]["Q2"].id)}
    # Refusals are said on the campaign page itself, shown again with what was typed.
    response = agri.post(f"/cleanup/items/{p1.id}/propose", data={"result": "repeal", "reason": "应当废止"})
    assert response.status_code == 403 and 'data-testid="campaign-phase"' in text(response)
    assert "只有文件起草单位的经办人可以提出清理意见。" in flashes(response)
    refused = agri.post(f"/cleanup/items/{q1.id}/propose", data={"result": "amend", "reason": ""})
    assert refused.status_code == 400 and "请填写理由。" in flashes(refused)
    db.session.expire_all()
    assert (p1.proposed_result, p1.proposed_reason) == (R.KEEP, "符合现行法律法规，仍需继续执行")
    assert q1.proposed_result is None


def test_the_reviewer_agrees_or_changes_with_a_note(world, town):
    p1, p3 = town["items"]["P1"], town["items"]["P3"]
    with pytest.raises(ValidationFailed, match="起草单位尚未提出清理意见"):
        services.review(p1, actor=world["reviewer"], now=at(d("2026-08-03")), result=R.KEEP, note="")
    propose(world, town, "P1")
    propose(world, town, "P3")
    for user in ("drafter", "clerk", "leader"):
        with pytest.raises(PermissionDenied, match="只有司法所审查员可以审核清理意见"):
            services.review(p1, actor=world[user], now=at(d("2026-08-03")), result=R.KEEP, note="")
    with pytest.raises(ValidationFailed, match="改变起草单位意见的，须说明理由"):
        services.review(p3, actor=world["reviewer"], now=at(d("2026-08-03")), result=R.AMEND, note="  ")
    assert town["campaign"].phase is CampaignPhase.PROPOSING

    review(world, town, "P1")
    review(world, town, "P3")
    db.session.commit()
    assert (p1.reviewed_result, p1.review_note) == (R.KEEP, "")
    assert (p3.proposed_result, p3.reviewed_result, p3.review_note) == (
        R.KEEP,
        R.AMEND,
        "第五条与新修订的广告法不一致，须修改",
    )
    assert town["campaign"].phase is CampaignPhase.REVIEWING
    summaries = db.session.scalars(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "cleanup.review").order_by(AuditEvent.id)
    ).all()
    assert summaries == [
        f"清理“{NAME}”：司法所同意继续有效",
        f"清理“{NAME}”：司法所改为修改（第五条与新修订的广告法不一致，须修改）",
    ]

    # A new proposal after the review has to be reviewed again.
    services.propose(p1, actor=world["drafter"], now=at(d("2026-08-05")), result=R.AMEND, reason="须补充执法程序")
    assert (p1.proposed_result, p1.reviewed_result, p1.reviewed_by_id) == (R.AMEND, None, None)


def test_progress_counts_per_unit(world, town, login_as):
    empty = services.progress(town["campaign"])
    assert empty == {
        "total": 5,
        "proposed": 0,
        "reviewed": 0,
        "outstanding": 5,
        "units": {
            AGRI: {"total": 2, "proposed": 0, "reviewed": 0},
            ENFORCEMENT: {"total": 3, "proposed": 0, "reviewed": 0},
        },
    }
    for key in ("P1", "P2", "P3", "Q1"):
        propose(world, town, key)
    for key in ("P1", "P2"):
        review(world, town, key)
    db.session.commit()
    assert services.progress(town["campaign"]) == {
        "total": 5,
        "proposed": 4,
        "reviewed": 2,
        "outstanding": 3,
        "units": {
            AGRI: {"total": 2, "proposed": 1, "reviewed": 0},
            ENFORCEMENT: {"total": 3, "proposed": 3, "reviewed": 2},
        },
    }
    page = text(login_as("leader").get(f"/cleanup/{town['campaign'].id}"))
    assert "共 5 件：已提出意见 4 件，已审核 2 件" in page
    assert re.search(r'data-testid="outstanding">3<', page)
    assert "提出 1 / 审核 0 / 共 2" in page and "提出 3 / 审核 2 / 共 3" in page


def test_a_campaign_is_not_deliberated_while_a_result_is_unreviewed(world, town, login_as):
    campaign = town["campaign"]
    for key in PROPOSALS:
        propose(world, town, key)
    for key in ("P1", "P2", "Q2"):
        review(world, town, key)
    db.session.commit()

    with pytest.raises(InvalidTransition) as refused:
        services.deliberate_campaign(
            campaign, actor=world["clerk"], now=at(d("2026-09-15")), meeting="镇政府常务会议", held_on=d("2026-09-15")
        )
    assert refused.value.message == (
        "尚有 2 件文件没有经司法所审核的清理结果，不能提交审议：《测试镇户外广告设置管理办法》等。"
    )
    db.session.rollback()

    # Through the page (the clerk's form), the same refusal and nothing recorded.
    page = login_as("clerk").post(
        f"/cleanup/{campaign.id}/deliberate",
        data={"meeting": "镇政府常务会议", "held_on": "2026-09-15"},
        follow_redirects=True,
    )
    assert any(m.startswith("尚有 2 件文件没有经司法所审核的清理结果") for m in flashes(page))
    db.session.expire_all()
    assert (campaign.phase, campaign.deliberated_on, campaign.deliberation_meeting) == (
        CampaignPhase.REVIEWING,
        None,
        None,
    )

    review(world, town, "P3")
    review(world, town, "Q1")
    # A proposal changed after its review counts as unreviewed again.
    services.propose(
        town["items"]["Q2"], actor=world["drafter2"], now=at(d("2026-09-01")), result=R.AMEND, reason="须补充"
    )
    with pytest.raises(InvalidTransition, match="尚有 1 件文件没有经司法所审核的清理结果.*《测试镇耕地保护奖励办法》"):
        services.deliberate_campaign(
            campaign, actor=world["clerk"], now=at(d("2026-09-15")), meeting="镇政府常务会议", held_on=d("2026-09-15")
        )
    assert campaign.phase is CampaignPhase.REVIEWING


def _reviewed_and_deliberated(world, town):
    for key in PROPOSALS:
        propose(world, town, key)
    for key in REVIEWS:
        review(world, town, key)
    campaign = town["campaign"]
    with pytest.raises(InvalidTransition, match="清理结果须经集体审议后才能公布"):
        services.publish_campaign(
            campaign,
            actor=world["clerk"],
            now=at(d("2026-09-21")),
            published_on=d("2026-09-21"),
            notice_number="",
            url="https://www.example.gov.cn/qlj.html",
        )
    with pytest.raises(PermissionDenied, match="只有党政办文秘可以登记集体审议"):
        services.deliberate_campaign(
            campaign,
            actor=world["reviewer"],
            now=at(d("2026-09-15")),
            meeting="镇政府常务会议",
            held_on=d("2026-09-15"),
        )
    with pytest.raises(ValidationFailed, match="会议日期须在清理截止日期之后、今天之前"):
        services.deliberate_campaign(
            campaign, actor=world["clerk"], now=at(d("2026-09-15")), meeting="镇政府常务会议", held_on=d("2026-06-29")
        )
    services.deliberate_campaign(
        campaign, actor=world["clerk"], now=at(d("2026-09-15")), meeting="镇政府第12次常务会议", held_on=d("2026-09-15")
    )
    assert (campaign.phase, campaign.deliberated_on) == (CampaignPhase.DELIBERATED, d("2026-09-15"))
    with pytest.raises(ValidationFailed, match="该清理已提交审议，不能再修改清理意见"):
        services.propose(
            town["items"]["P1"], actor=world["drafter"], now=at(d("2026-09-16")), result=R.REPEAL, reason="废止"
        )
    return campaign


def test_publication_applies_the_results(world, town, login_as):
    campaign = _reviewed_and_deliberated(world, town)
    docs = town["docs"]
    with pytest.raises(ValidationFailed, match="公布日期须在审议日期之后、今天之前"):
        services.publish_campaign(
            campaign,
            actor=world["clerk"],
            now=at(d("2026-09-21")),
            published_on=d("2026-09-14"),
            notice_number="",
            url="https://www.example.gov.cn/qlj.html",
        )
    with pytest.raises(ValidationFailed, match="请填写公布网址"):
        services.publish_campaign(
            campaign,
            actor=world["clerk"],
            now=at(d("2026-09-21")),
            published_on=d("2026-09-21"),
            notice_number="",
            url="www.example.gov.cn",
        )
    services.publish_campaign(
        campaign,
        actor=world["clerk"],
        now=at(d("2026-09-21")),
        published_on=d("2026-09-21"),
        notice_number="测府〔2026〕30号",
        url="https://www.example.gov.cn/qlj.html",
    )
    db.session.commit()
    db.session.expire_all()

    assert (campaign.phase, campaign.published_on, campaign.notice_number) == (
        CampaignPhase.PUBLISHED,
        d("2026-09-21"),
        "测府〔2026〕30号",
    )
    assert {key: (doc.status, doc.ended_on) for key, doc in docs.items()} == {
        "P1": (DocStatus.IN_FORCE, None),
        "P2": (DocStatus.REPEALED, d("2026-09-21")),
        "P3": (DocStatus.IN_FORCE, None),
        "Q1": (DocStatus.INVALID, d("2026-09-21")),
        "Q2": (DocStatus.IN_FORCE, None),
    }
    # 277 / rule set revision_after_cleanup: a 修改 result is due 3 months after publication.
    assert {key: item.revision_due_on for key, item in town["items"].items()} == {
        "P1": None,
        "P2": None,
        "P3": d("2026-12-21"),
        "Q1": None,
        "Q2": None,
    }
    assert {item.applied_on for item in town["items"].values()} == {d("2026-09-21")}

    leader = login_as("leader")
    repealed = text(leader.get(f"/documents/{docs['P2'].id}"))
    invalid = text(leader.get(f"/documents/{docs['Q1'].id}"))
    timeline = re.compile(r'data-testid="timeline">(.*?)</ol>', re.S)
    assert f"废止：2026-09-21：根据“{NAME}”结果废止" in timeline.search(repealed).group(1)
    assert f"宣布失效：2026-09-21：根据“{NAME}”结果宣布失效" in timeline.search(invalid).group(1)

    with pytest.raises(ValidationFailed, match="该清理已提交审议"):
        services.review(
            town["items"]["P1"], actor=world["reviewer"], now=at(d("2026-09-22")), result=R.REPEAL, note="改为废止"
        )


def test_a_revision_is_watched_until_an_amending_document_is_registered(world, town):
    campaign = _reviewed_and_deliberated(world, town)
    services.publish_campaign(
        campaign,
        actor=world["clerk"],
        now=at(d("2026-09-21")),
        published_on=d("2026-09-21"),
        notice_number="",
        url="https://www.example.gov.cn/qlj.html",
    )

    def revision_alerts():
        db.session.expire_all()
        return [
            (a.document_id, a.due_on, a.level, a.unit_id, a.message, a.resolved_on)
            for a in db.session.scalars(sa.select(Alert).where(Alert.kind == AlertKind.REVISION_DUE))
        ]

    p3 = town["docs"]["P3"]
    scan(today=d("2026-09-22"), now=at(d("2026-09-22"), 1))
    assert revision_alerts() == [
        (
            p3.id,
            d("2026-12-21"),
            AlertLevel.OPEN,
            world.units["enforcement"].id,
            "《测试镇户外广告设置管理办法》清理后修改",
            None,
        )
    ]

    amending = draft(world, "关于修改《测试镇户外广告设置管理办法》的决定", d("2026-10-12"))
    publication.add_relation(amending, p3, RelationKind.AMENDS, actor=world["drafter"], now=at(d("2026-10-12"), 11))
    scan(today=d("2026-10-13"), now=at(d("2026-10-13"), 1))
    assert revision_alerts() == [
        (
            p3.id,
            d("2026-12-21"),
            AlertLevel.RESOLVED,
            world.units["enforcement"].id,
            "《测试镇户外广告设置管理办法》清理后修改",
            d("2026-10-13"),
        )
    ]
    assert p3.status is DocStatus.IN_FORCE  # amended only when the new document takes effect


# The result catalogue, one list per result, in the notice's order; each row as the clerk reads it.
CATALOGUE = {
    R.KEEP: [
        (
            "测试镇犬只管理办法",
            "测府〔2025〕1号",
            "测府规字〔2025〕1号",
            "测试镇人民政府",
            "符合现行法律法规，仍需继续执行",
        ),
        ("测试镇耕地保护奖励办法", "测府〔2025〕5号", "测府规字〔2025〕5号", "测试镇人民政府", "仍符合农村工作实际"),
    ],
    R.AMEND: [
        (
            "测试镇户外广告设置管理办法",
            "测府〔2025〕3号",
            "测府规字〔2025〕3号",
            "测试镇人民政府",
            "第五条与新修订的广告法不一致，须修改",
        ),
    ],
    R.REPEAL: [
        ("测试镇占道经营管理办法", "测府〔2025〕2号", "测府规字〔2025〕2号", "测试镇人民政府", "调整对象已不存在"),
    ],
    R.DECLARE_INVALID: [
        (
            "测试镇农村宅基地管理办法",
            "测府〔2025〕4号",
            "测府规字〔2025〕4号",
            "测试镇人民政府",
            "所依据的上级文件已废止，文件已无实施依据",
        ),
    ],
}
KEYS = ("title", "issue_number", "normative_number", "issuer", "reason")


def test_the_catalogue_and_its_spreadsheet_follow_the_results(world, town, login_as):
    campaign = _reviewed_and_deliberated(world, town)
    services.publish_campaign(
        campaign,
        actor=world["clerk"],
        now=at(d("2026-09-21")),
        published_on=d("2026-09-21"),
        notice_number="",
        url="https://www.example.gov.cn/qlj.html",
    )
    db.session.commit()

    catalogue = services.catalogue(campaign)
    assert list(catalogue) == [R.KEEP, R.AMEND, R.REPEAL, R.DECLARE_INVALID]
    assert {result: [tuple(row[k] for k in KEYS) for row in rows] for result, rows in catalogue.items()} == CATALOGUE

    response = login_as("leader").get(f"/cleanup/{campaign.id}/catalogue.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    for data in (services.catalogue_xlsx(campaign), response.data):
        book = openpyxl.load_workbook(io.BytesIO(data))
        assert book.sheetnames == ["继续有效", "修改", "废止", "宣布失效"]
        for result, rows in CATALOGUE.items():
            sheet = list(book[result.label].iter_rows(values_only=True))
            assert sheet == [
                ("序号", "文件名称", "发文字号", "规范性文件编号", "发文机关", "理由"),
                *[(n, *row) for n, row in enumerate(rows, 1)],
            ]
    assert campaign.phase is CampaignPhase.PUBLISHED
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CleanupCampaign)) == 1
