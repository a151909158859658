"""The scheduler's periodic trigger: a 定期清理 every cleanup_interval (2) years, never two open at once."""

from __future__ import annotations

import sqlalchemy as sa

from tests.cleanup.town import item_titles
from tests.factories import at, d, in_force
from tracker.cleanup import services
from tracker.cleanup.models import CampaignKind, CampaignPhase, CampaignTrigger, CleanupCampaign, CleanupResult
from tracker.extensions import db
from tracker.scheduler.jobs import run_once


def periodic(day: str):
    """What the scheduler's trigger opens on `day`: at most one campaign, the test town being the only town."""
    opened = services.open_periodic_everywhere(today=d(day), now=at(d(day), 2))
    assert len(opened) <= 1
    return opened[0] if opened else None


def campaigns() -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [
        (c.kind.value, c.cutoff_on.isoformat(), c.phase.value)
        for c in db.session.scalars(sa.select(CleanupCampaign).order_by(CleanupCampaign.id))
    ]


def close(w, campaign: CleanupCampaign, first: str, published: str) -> None:
    """Every item kept, reviewed, deliberated on `first` and published on `published`."""
    for item in campaign.items:
        services.propose(item, actor=w["drafter"], now=at(d(first), 9), result=CleanupResult.KEEP, reason="继续执行")
        services.review(item, actor=w["reviewer"], now=at(d(first), 10), result=CleanupResult.KEEP, note="")
    services.deliberate_campaign(
        campaign, actor=w["clerk"], now=at(d(first), 15), meeting="镇政府常务会议", held_on=d(first)
    )
    services.publish_campaign(
        campaign,
        actor=w["clerk"],
        now=at(d(published)),
        published_on=d(published),
        notice_number="",
        url="https://www.example.gov.cn/qljg.html",
    )


def test_one_periodic_campaign_when_due_none_while_open_and_again_after_the_interval(db, world):
    # Registered 2023-01-09 (the system holds documents from then on), in force from 2024-04-01 (published
    # 2024-03-01), default validity to 2029-03-31.
    in_force(world, "测试镇现行管理办法", d("2023-01-09"), d("2024-03-01"), d("2024-04-01"))

    assert periodic("2024-03-29") is None  # nothing in force yet: nothing to clean up
    assert campaigns() == []

    first = periodic("2025-03-03")
    assert (first.kind, first.trigger, first.trigger_ref, first.cutoff_on, first.name) == (
        CampaignKind.PERIODIC,
        CampaignTrigger.SCHEDULE,
        None,
        d("2025-03-03"),
        "2025年度规范性文件定期清理",
    )
    assert first.opened_by_id is None  # opened by the system
    assert first.scope_note == (
        "按规则设置“定期清理周期”（cleanup_interval）每 2 年开展一次定期清理；该间隔为参照外地规定，"
        "来源：外地做法（粤府令第277号第36条要求定期清理，未规定间隔）。"
    )
    assert item_titles(first) == {"测试镇现行管理办法"}

    # While it is open, never a second one, however much later.
    for day in ("2025-03-03", "2025-03-04", "2027-06-01"):
        assert periodic(day) is None
    assert campaigns() == [("periodic", "2025-03-03", "proposing")]

    close(world, db.session.get(CleanupCampaign, first.id), "2025-04-14", "2025-04-21")
    # Closed, but the last one was cut off on 2025-03-03: the next is due 2 years later, on 2027-03-03.
    for day in ("2025-04-22", "2026-03-03", "2027-03-02"):
        assert periodic(day) is None
    assert campaigns() == [("periodic", "2025-03-03", "published")]

    # A 专项 campaign in between (opened and closed) does not count as the periodic one.
    special = services.open_campaign(
        actor=world["reviewer"],
        now=at(d("2026-05-11")),
        name="专项清理",
        kind=CampaignKind.SPECIAL,
        trigger=CampaignTrigger.INSTRUCTION,
        trigger_ref="中市司函〔2026〕8号",
        cutoff_on=d("2026-05-08"),
    )
    close(world, special, "2026-06-01", "2026-06-08")
    db.session.commit()

    # The scheduler's job, run for 2027-03-03 at 02:00 Beijing time: it opens the second one, once.
    summary = run_once("periodic_cleanup", now=at(d("2027-03-03"), 2))
    second = db.session.scalars(sa.select(CleanupCampaign).order_by(CleanupCampaign.id.desc())).first()
    assert summary == f"opened={second.id}"
    assert run_once("periodic_cleanup", now=at(d("2027-03-03"), 14)) is None  # already ran that day
    assert run_once("periodic_cleanup", now=at(d("2027-03-04"), 2)) == "opened=0"
    assert campaigns() == [
        ("periodic", "2025-03-03", "published"),
        ("special", "2026-05-08", "published"),
        ("periodic", "2027-03-03", "proposing"),
    ]
    assert second.name == "2027年度规范性文件定期清理"
    assert item_titles(second) == {"测试镇现行管理办法"}
    assert second.phase is CampaignPhase.PROPOSING


def test_a_fresh_database_waits_a_whole_interval_before_its_first_periodic_campaign(db, world):
    """The office's last clean-up before the system is unknown: the interval counts from the first registration."""
    in_force(world, "测试镇现行管理办法", d("2026-01-05"), d("2026-03-02"), d("2026-04-01"))
    for day in ("2026-04-01", "2027-06-01", "2028-01-04"):
        assert periodic(day) is None
    assert campaigns() == []
    opened = periodic("2028-01-05")
    assert (opened.kind, opened.cutoff_on) == (CampaignKind.PERIODIC, d("2028-01-05"))
