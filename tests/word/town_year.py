"""A year of 测试镇 through the real services: four documents published, a clean-up campaign, a draft for comment.

Written as a small story so the tests can state their expectations by hand:

- four documents of 综合行政执法局 are reviewed (合法，同意出台), deliberated, numbered, published and take effect
  in the first half of 2026; the first three are filed within the 15 days, the fourth is never filed;
- the 司法所 opens a 定期清理 with the cut-off 2026-09-30 over those four; the unit proposes, the 司法所 agrees with
  three and changes one (继续有效 → 修改, with a note); nobody proposes 宣布失效, so that category stays empty;
- the office records the deliberation on 2026-10-15 and publishes the result on 2026-10-20: 《占道经营》 is repealed;
- 中山市司法局 sends a draft for comment on 2026-09-01; the 司法所 answers it on 2026-09-10.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from tests.factories import at, d, published, submit_filing, take_effect
from tracker.cleanup import services as cleanup
from tracker.cleanup.models import CampaignKind, CampaignTrigger, CleanupCampaign, CleanupResult
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.solicitations import services as solicitations
from tracker.solicitations.models import Solicitation

HOSTILE = "A&B <tag> \"双引号\" '单引号'"

# (title, submitted on, filed?, proposed result, proposed reason, reviewed result, review note)
STORY = (
    (
        "测试镇户外广告设置管理办法",
        "2026-02-02",
        True,
        CleanupResult.KEEP,
        "符合现行法律法规，仍需继续实施。",
        None,
        "",
    ),
    (
        "测试镇农村宅基地审批管理办法",
        "2026-03-02",
        True,
        CleanupResult.KEEP,
        "仍需继续实施。",
        CleanupResult.AMEND,
        "第八条与修订后的《中华人民共和国土地管理法实施条例》不一致，须修改。",
    ),
    ("测试镇占道经营管理规定", "2026-04-01", True, CleanupResult.REPEAL, "调整对象已不存在。", None, ""),
    ("测试镇<防汛>&“应急”物资管理办法", "2026-05-04", False, CleanupResult.KEEP, f"理由：{HOSTILE}", None, ""),
)
CAMPAIGN_NAME = "2026年规范性文件定期清理"
REPLY = (
    "一、关于第五条\n"
    "　　（一）建议明确“有关部门”的具体范围。\r\n"
    f"建议增加镇街备案的时限要求，{HOSTILE}。\n"
    "\n"
    "二、其他意见\n"
    "无。"
)


@dataclass
class TownYear:
    documents: list[Document] = field(default_factory=list)
    campaign: CleanupCampaign | None = None
    solicitation: Solicitation | None = None


def publish_documents(w) -> list[Document]:
    docs = []
    for title, submitted, filed, *_ in STORY:
        submitted_on = d(submitted)
        published_on = submitted_on + timedelta(days=18)
        effective_on = published_on + timedelta(days=30)
        doc = published(w, title, submitted_on, published_on, effective_on)
        take_effect(doc, effective_on, actor=w["clerk"], minute=5)
        if filed:
            submit_filing(w, doc, published_on + timedelta(days=5))
        docs.append(doc)
    db.session.flush()
    return docs


def run_campaign(w, *, publish_result: bool = True) -> CleanupCampaign:
    campaign = cleanup.open_campaign(
        actor=w["reviewer"],
        now=at(d("2026-10-08")),
        name=CAMPAIGN_NAME,
        kind=CampaignKind.PERIODIC,
        trigger=CampaignTrigger.SCHEDULE,
        trigger_ref=None,
        cutoff_on=d("2026-09-30"),
    )
    by_title = {item.document.title: item for item in campaign.items}
    for title, _, _, proposed, reason, reviewed, note in STORY:
        item = by_title[title]
        cleanup.propose(item, actor=w["drafter"], now=at(d("2026-10-09")), result=proposed, reason=reason)
        cleanup.review(item, actor=w["reviewer"], now=at(d("2026-10-12")), result=reviewed or proposed, note=note)
    cleanup.deliberate_campaign(
        campaign, actor=w["clerk"], now=at(d("2026-10-15"), 16), meeting="镇政府常务会议", held_on=d("2026-10-15")
    )
    if publish_result:
        cleanup.publish_campaign(
            campaign,
            actor=w["clerk"],
            now=at(d("2026-10-20")),
            published_on=d("2026-10-20"),
            notice_number="测府[2026]30号",
            url="https://www.example.gov.cn/gfxwj/qingli-2026.html",
        )
    db.session.flush()
    return campaign


def answer_solicitation(w, *, reply: str = REPLY, sent: bool = True) -> Solicitation:
    sol = solicitations.register(
        actor=w["reviewer"],
        now=at(d("2026-09-01")),
        from_body="中山市司法局",
        title="中山市行政规范性文件管理规定（征求意见稿）",
        reference="中司函[2026]18号",
        received_on=d("2026-09-01"),
        reply_due_on=d("2026-09-15"),
        assignee_id=w["reviewer"].id,
    )
    solicitations.save_reply(
        sol, actor=w["reviewer"], now=at(d("2026-09-08")), reply_text=reply, assignee_id=None, expected_version=None
    )
    if sent:
        solicitations.mark_sent(
            sol, actor=w["reviewer"], now=at(d("2026-09-10")), sent_on=d("2026-09-10"), method="公文交换系统",
            no_comment=False,
        )  # fmt: skip
    db.session.flush()
    return sol


def town_year(w) -> TownYear:
    year = TownYear(documents=publish_documents(w))
    year.campaign = run_campaign(w)
    year.solicitation = answer_solicitation(w)
    db.session.commit()
    return year
