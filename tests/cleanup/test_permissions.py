"""Who may do what on the clean-up pages: every protected URL for every role (deny by default)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import at, d, in_force
from tests.pages import flashes, is_login_redirect, text
from tracker.cleanup import services
from tracker.cleanup.models import CampaignKind, CampaignPhase, CampaignTrigger, CleanupCampaign, CleanupResult
from tracker.extensions import db

ROLES = ("admin", "reviewer", "clerk", "drafter", "drafter2", "leader")


@pytest.fixture
def setup(db, world):
    doc = in_force(world, "测试镇犬只管理办法", d("2025-01-06"), d("2025-03-03"), d("2025-04-02"))
    campaign = services.open_campaign(
        actor=world["reviewer"],
        now=at(d("2026-07-01")),
        name="2026年定期清理",
        kind=CampaignKind.PERIODIC,
        trigger=CampaignTrigger.SCHEDULE,
        trigger_ref=None,
        cutoff_on=d("2026-06-30"),
    )
    [item] = campaign.items
    services.propose(
        item, actor=world["drafter"], now=at(d("2026-07-10")), result=CleanupResult.KEEP, reason="继续执行"
    )
    db.session.commit()
    return {"doc": doc, "campaign": campaign, "item": item}


# GET pages: who gets the page (200); everyone else gets 403.
PAGES = {
    "/cleanup/": set(ROLES),
    "/cleanup/{campaign}": set(ROLES),
    "/cleanup/sources": set(ROLES),
    "/cleanup/new": {"reviewer"},
    "/cleanup/documents/{doc}/renew": {"clerk"},
}


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(setup, login_as, role):
    client = login_as(role)
    for url, allowed in PAGES.items():
        response = client.get(url.format(campaign=setup["campaign"].id, doc=setup["doc"].id))
        assert response.status_code == (200 if role in allowed else 403), (url, role)
    index = text(client.get("/cleanup/"))
    assert ('data-testid="new-campaign"' in index) is (role == "reviewer")


def test_anonymous_is_sent_to_login(setup, client):
    for url in PAGES:
        assert is_login_redirect(client.get(url.format(campaign=setup["campaign"].id, doc=setup["doc"].id))), url
    assert is_login_redirect(client.post(f"/cleanup/items/{setup['item'].id}/review", data={"result": "repeal"}))


# POSTs refused by the service: a Chinese message, nothing changed.
@pytest.mark.parametrize("role", [r for r in ROLES if r != "reviewer"])
def test_only_the_reviewer_reviews(setup, login_as, role):
    item = setup["item"]
    page = login_as(role).post(
        f"/cleanup/items/{item.id}/review", data={"result": "repeal", "note": "改为废止"}, follow_redirects=True
    )
    assert "只有司法所审查员可以审核清理意见。" in flashes(page)
    db.session.expire_all()
    assert item.reviewed_result is None


@pytest.mark.parametrize("role", [r for r in ROLES if r != "clerk"])
def test_only_the_clerk_deliberates(setup, world, login_as, role):
    services.review(setup["item"], actor=world["reviewer"], now=at(d("2026-07-20")), result=CleanupResult.KEEP, note="")
    db.session.commit()
    campaign = setup["campaign"]
    page = login_as(role).post(
        f"/cleanup/{campaign.id}/deliberate",
        data={"meeting": "镇政府常务会议", "held_on": "2026-07-21"},
        follow_redirects=True,
    )
    assert "只有党政办文秘可以登记集体审议。" in flashes(page)
    db.session.expire_all()
    assert (campaign.phase, campaign.deliberated_on) == (CampaignPhase.REVIEWING, None)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CleanupCampaign)) == 1
