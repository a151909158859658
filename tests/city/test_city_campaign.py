"""A clean-up the city deploys to every town (issue 16, item 3): one cut-off, a campaign of each town's own over
its documents in force that day, and each town's progress followed by the city."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.pages import flashes, redirect_target, refusal, text
from tests.town import login
from tracker.audit.models import AuditEvent
from tracker.auth.models import Town, TownKind, User
from tracker.cleanup import services as cleanup
from tracker.cleanup.models import CityCampaign, CleanupCampaign, CleanupItem, CleanupResult
from tracker.common.timeutil import now_utc, office_today
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.publication.queries import in_force_filter

NOTICE = "中司〔2026〕88号"


def _form(**change) -> dict:
    today = office_today(now_utc())
    form = {
        "name": "2026年全市行政规范性文件全面清理",
        "kind": "comprehensive",
        "notice_ref": NOTICE,
        "cutoff_on": today.isoformat(),
        "due_on": (today + timedelta(days=90)).isoformat(),
    }
    return form | change


def _counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count()).select_from(CityCampaign)),
        db.session.scalar(sa.select(sa.func.count()).select_from(CleanupCampaign)),
        # (logins and refusals are audited too: only a clean-up's own events count here)
        db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action.startswith("cleanup."))),
    )


def test_only_the_bureau_deploys_and_a_wrong_form_changes_nothing(city):
    with city.app_context():
        before = _counts()
        leader = login(city, "city_leader")
        assert 'data-testid="open-city-campaign"' not in text(leader.get("/city/campaigns"))
        assert leader.post("/city/campaigns/new", data=_form()).status_code == 403
        bureau = login(city, "bureau")
        page = text(bureau.get("/city/campaigns"))
        assert 'data-testid="open-city-campaign"' in page and "市里尚未部署统一清理" in page
        today = office_today(now_utc())
        early = bureau.post("/city/campaigns/new", data=_form(due_on=(today - timedelta(days=1)).isoformat()))
        assert early.status_code == 400 and "完成时限不能早于清理截止日期" in refusal(early)
        later = bureau.post("/city/campaigns/new", data=_form(cutoff_on=(today + timedelta(days=1)).isoformat()))
        assert later.status_code == 400 and "不能晚于今天" in refusal(later)
        routine = bureau.post("/city/campaigns/new", data=_form(kind="routine"))
        assert routine.status_code == 400  # not a choice of the form: a city deploys 全面 or 专项 clean-ups
        for who in ("clerk", "reviewer", "dayong_admin"):
            assert login(city, who).get("/city/campaigns").status_code == 403
            assert login(city, who).post("/city/campaigns/new", data=_form()).status_code == 403
        assert _counts() == before


def test_a_city_clean_up_opens_one_campaign_per_town_and_the_city_follows_each(city):
    with city.app_context():
        bureau = login(city, "bureau")
        r = bureau.post("/city/campaigns/new", data=_form(), follow_redirects=False)
        path, _ = redirect_target(r)
        assert any("已向各镇街部署" in m for m in flashes(bureau.get(path)))
        deployed = db.session.scalar(sa.select(CityCampaign).where(CityCampaign.notice_ref == NOTICE))
        assert path == f"/city/campaigns/{deployed.id}"
        assert deployed.town_id == db.session.scalar(sa.select(Town.id).where(Town.kind == TownKind.CITY))
        today = office_today(now_utc())
        members = db.session.scalars(sa.select(Town).where(Town.kind != TownKind.CITY).order_by(Town.id)).all()
        for town in members:
            campaign = db.session.scalar(
                sa.select(CleanupCampaign).where(
                    CleanupCampaign.town_id == town.id, CleanupCampaign.city_campaign_id == deployed.id
                )
            )
            in_force = set(
                db.session.scalars(sa.select(Document.id).where(Document.town_id == town.id, in_force_filter(today)))
            )
            assert campaign is not None and {i.document_id for i in campaign.items} == in_force, town.name
            assert campaign.trigger_ref == NOTICE and campaign.cutoff_on == today
            # Opened as the town's: its own trail says so.
            opened = db.session.scalar(
                sa.select(AuditEvent).where(AuditEvent.action == "cleanup.open", AuditEvent.object_id == campaign.id)
            )
            assert opened.town_id == town.id
        assert (
            db.session.scalar(
                sa.select(AuditEvent.town_id).where(
                    AuditEvent.action == "cleanup.city_open", AuditEvent.object_id == deployed.id
                )
            )
            == deployed.town_id
        )
        page = text(bureau.get(path))
        for town in members:
            assert f'data-town="{town.name}"' in page

        # 大涌镇's drafting unit proposes a result for its one document: that town's count moves, no other's.
        dayong = next(t for t in members if t.name == "大涌镇")
        item = db.session.scalar(
            sa.select(CleanupItem)
            .join(CleanupCampaign, CleanupCampaign.id == CleanupItem.campaign_id)
            .where(CleanupCampaign.city_campaign_id == deployed.id, CleanupCampaign.town_id == dayong.id)
        )
        drafter = db.session.scalar(
            sa.select(User).where(User.town_id == dayong.id, User.unit_id == item.document.drafting_unit_id)
        )
        cleanup.propose(item, actor=drafter, now=now_utc(), result=CleanupResult.KEEP, reason="仍然适用。")
        db.session.commit()
        rows = {r["town"].name: r for r in cleanup.city_progress(db.session.get(CityCampaign, deployed.id))}
        assert (rows["大涌镇"]["proposed"], rows["石岐街道"]["proposed"], rows["沙溪镇"]["proposed"]) == (1, 0, 0)
        page = text(login(city, "city_leader").get(path))
        assert "已提出意见" in page
        listing = text(bureau.get("/city/campaigns"))
        assert NOTICE in listing and "0 / 3" in listing

        # The town's reviewer sees, on its campaign, that the city deployed it and when the result is due.
        mine = db.session.scalar(
            sa.select(CleanupCampaign).where(
                CleanupCampaign.town_id == dayong.id, CleanupCampaign.city_campaign_id == deployed.id
            )
        )
        shown = text(login(city, "dayong_reviewer").get(f"/cleanup/{mine.id}"))
        assert 'data-testid="city-campaign"' in shown and NOTICE in shown
        # No town reads the city's page of it.
        assert login(city, "dayong_clerk").get(path).status_code == 403
