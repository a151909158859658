"""The document page lists every campaign the document was in, with the result and its reason."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from tests.factories import at, d, in_force
from tests.pages import text
from tracker.cleanup import services
from tracker.cleanup.models import CampaignKind, CampaignTrigger, CleanupItem
from tracker.cleanup.models import CleanupResult as R
from tracker.extensions import db


def history(client, doc) -> list[str]:
    page = text(client.get(f"/documents/{doc.id}"))
    m = re.search(r'data-testid="cleanup-history">(.*?)</ul>', page, re.S)
    if m is None:
        return []
    items = re.findall(r"<li>(.*?)</li>", m.group(1), re.S)
    return [re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", li))) for li in items]


def open_campaign(w, name, kind, cutoff, trigger=CampaignTrigger.SCHEDULE, ref=None, ids=None):
    return services.open_campaign(
        actor=w["reviewer"],
        now=at(d(cutoff)),
        name=name,
        kind=kind,
        trigger=trigger,
        trigger_ref=ref,
        cutoff_on=d(cutoff),
        document_ids=ids,
    )


def item(campaign, doc) -> CleanupItem:
    return db.session.scalar(
        sa.select(CleanupItem).where(CleanupItem.campaign_id == campaign.id, CleanupItem.document_id == doc.id)
    )


def test_the_document_page_shows_each_campaign_with_its_result_and_reason(db, world, login_as):
    market = in_force(world, "测试镇农贸市场管理办法", d("2024-01-08"), d("2024-03-01"), d("2024-04-01"))
    dogs = in_force(world, "测试镇犬只管理办法", d("2024-01-15"), d("2024-03-01"), d("2024-04-01"))

    periodic = open_campaign(world, "2025年度规范性文件定期清理", CampaignKind.PERIODIC, "2025-03-03")
    for doc, result, reason in ((market, R.KEEP, "符合上位法规定，继续执行"), (dogs, R.KEEP, "仍需执行")):
        services.propose(
            item(periodic, doc), actor=world["drafter"], now=at(d("2025-03-10")), result=result, reason=reason
        )
        services.review(item(periodic, doc), actor=world["reviewer"], now=at(d("2025-03-17")), result=result, note="")
    special = open_campaign(
        world,
        "市场监管领域专项清理",
        CampaignKind.SPECIAL,
        "2026-05-08",
        CampaignTrigger.INSTRUCTION,
        "中市司函〔2026〕8号",
        ids=[market.id],
    )
    services.propose(
        item(special, market), actor=world["drafter"], now=at(d("2026-05-11")), result=R.KEEP, reason="继续执行"
    )
    services.review(
        item(special, market),
        actor=world["reviewer"],
        now=at(d("2026-05-18")),
        result=R.AMEND,
        note="收费条款须按新规定修改",
    )
    routine = open_campaign(world, "2026年日常清理", CampaignKind.ROUTINE, "2026-06-01", ids=[market.id])
    db.session.commit()

    client = login_as("leader")
    assert history(client, market) == [
        "2025年度规范性文件定期清理（定期清理，截止2025年3月3日）：继续有效——符合上位法规定，继续执行",
        "市场监管领域专项清理（专项清理，截止2026年5月8日）：修改——收费条款须按新规定修改",
        "2026年日常清理（日常清理，截止2026年6月1日）：待提出意见",
    ]
    assert history(client, dogs) == ["2025年度规范性文件定期清理（定期清理，截止2025年3月3日）：继续有效——仍需执行"]
    page = text(client.get(f"/documents/{market.id}"))
    for campaign in (periodic, special, routine):
        assert f'href="/cleanup/{campaign.id}"' in page

    # A proposal not yet reviewed shows as such.
    services.propose(
        item(routine, market), actor=world["drafter"], now=at(d("2026-06-03")), result=R.REPEAL, reason="已无必要"
    )
    db.session.commit()
    assert history(client, market)[-1] == "2026年日常清理（日常清理，截止2026年6月1日）：起草单位建议废止（待审核）"


def test_a_document_never_in_a_campaign_has_no_history(db, world, login_as):
    doc = in_force(world, "测试镇农贸市场管理办法", d("2024-01-08"), d("2024-03-01"), d("2024-04-01"))
    db.session.commit()
    page = text(login_as("leader").get(f"/documents/{doc.id}"))
    assert 'data-testid="cleanup-history"' not in page
