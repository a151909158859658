"""Campaign and solicitation phases are declared tables like the documents': every (phase, step, actor) is allowed
exactly when the table says so, a refusal changes nothing, a move writes its audit event in the same flush."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from tests.factories import at, d, in_force
from tests.pages import flashes, text
from tracker.audit.models import AuditEvent
from tracker.cleanup import services as cleanup
from tracker.cleanup.models import CampaignKind, CampaignPhase, CampaignTrigger, CleanupCampaign, CleanupResult
from tracker.cleanup.phases import CAMPAIGN
from tracker.errors import InvalidTransition, PermissionDenied
from tracker.solicitations.models import Solicitation
from tracker.solicitations.phases import SOLICITATION

ACTORS = ["admin", "reviewer", "clerk", "drafter", "drafter2", "leader"]
HOLDERS = {"review": {"reviewer"}, "office": {"clerk"}, "solicitation": {"reviewer", "clerk"}}
STEPS = [(m, t) for m in (CAMPAIGN, SOLICITATION) for t in m.transitions]


def _record(machine, world, now):
    if machine is CAMPAIGN:
        return CleanupCampaign(
            town_id=world.town.id,
            name="2026年定期清理",
            kind=CampaignKind.PERIODIC,
            trigger=CampaignTrigger.SCHEDULE,
            cutoff_on=date(2026, 10, 30),
            created_at=now,
        )
    return Solicitation(
        town_id=world.town.id,
        from_body="中山市司法局",
        title="征求意见稿",
        received_on=date(2026, 10, 28),
        reply_due_on=date(2026, 11, 11),
        created_by_id=world["clerk"].id,
        created_at=now,
    )


def _events(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(("machine", "t"), STEPS, ids=[f"{m.object_type}-{t.name}" for m, t in STEPS])
def test_every_phase_step_actor(db, world, now, machine, t, actor):
    record = _record(machine, world, now)
    db.session.add(record)
    db.session.commit()
    for phase in type(t.target):
        setattr(record, t.field, phase)
        db.session.commit()
        before = _events(db)
        may, legal = actor in HOLDERS[t.permission], phase in t.sources
        try:
            machine.apply(record, t.name, actor=world[actor], now=now)
        except PermissionDenied as exc:
            assert not may, (phase, exc.message)
            outcome = "refused"
        except InvalidTransition as exc:
            assert may and not legal, (phase, exc.message)  # the tables' guards pass on a campaign without items
            assert re.search(r"[\u4e00-\u9fff]", exc.message)
            outcome = "refused"
        else:
            assert may and legal, (phase, "an illegal move went through")
            event = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
            assert (event.action, event.object_type, event.object_id) == (
                f"{machine.audit_prefix}.{t.name}",
                machine.object_type,
                record.id,
            )
            assert event.before == {t.field: phase.value} and event.after[t.field] == t.target.value
            assert getattr(record, t.field) is t.target and _events(db) == before + 1
            outcome = "applied"
        db.session.rollback()
        if outcome == "refused":
            assert getattr(record, t.field) is phase and _events(db) == before


@pytest.fixture
def campaign(db, world):
    in_force(world, "测试镇犬只管理办法", d("2025-01-06"), d("2025-03-03"), d("2025-04-02"))
    campaign = cleanup.open_campaign(
        actor=world["reviewer"],
        now=at(d("2026-07-01")),
        name="2026年定期清理",
        kind=CampaignKind.PERIODIC,
        trigger=CampaignTrigger.SCHEDULE,
        trigger_ref=None,
        cutoff_on=d("2026-06-30"),
    )
    db.session.commit()
    return campaign


def _steps(page: str) -> set[str]:
    return set(re.findall(r'data-testid="step-(\w+)"', page))


def test_the_campaign_page_offers_the_steps_of_the_table(db, world, login_as, campaign):
    """Deliberation is offered to the clerk alone, greyed out with the table's reason until every result is
    reviewed; publication only once deliberated; proposals close with deliberation."""
    url = f"/cleanup/{campaign.id}"
    [item] = campaign.items
    page = text(login_as("clerk").get(url))
    assert _steps(page) == {"deliberate"}
    assert "尚有 1 件文件没有经司法所审核的清理结果" in page and re.search(r'deliberate-campaign"\s+disabled', page)
    for role in ("reviewer", "drafter", "leader", "admin"):
        assert _steps(text(login_as(role).get(url))) == set(), role
    assert 'data-testid="propose-' in text(login_as("drafter").get(url))

    cleanup.propose(item, actor=world["drafter"], now=at(d("2026-07-10")), result=CleanupResult.KEEP, reason="继续")
    cleanup.review(item, actor=world["reviewer"], now=at(d("2026-07-11")), result=CleanupResult.KEEP, note="")
    db.session.commit()
    assert campaign.phase is CampaignPhase.REVIEWING  # the first review moved it on, through the table
    page = text(login_as("clerk").get(url))
    assert _steps(page) == {"deliberate"} and not re.search(r'deliberate-campaign"\s+disabled', page)

    r = login_as("clerk").post(f"{url}/deliberate", data={"meeting": "镇政府常务会议", "held_on": "2026-07-20"})
    assert r.status_code == 302
    page = text(login_as("clerk").get(url))
    assert _steps(page) == {"publish"}
    assert 'data-testid="propose-' not in text(login_as("drafter").get(url))

    # A page left open still posts the deliberation: refused on the page, in the words of the table.
    r = login_as("clerk").post(f"{url}/deliberate", data={"meeting": "镇政府常务会议", "held_on": "2026-07-20"})
    assert r.status_code == 409 and flashes(r) == ["该清理已登记审议。"]
