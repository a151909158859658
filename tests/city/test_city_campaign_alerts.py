"""A clean-up the city deploys falls due on each town's board: the town's clerk sees it with the city's due date
from the moment it is deployed, and it is done when the town publishes the results."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.pages import text
from tests.town import login
from tracker.alerts.models import Alert, AlertLevel
from tracker.auth.models import Town, TownKind, User
from tracker.cleanup import services as cleanup
from tracker.cleanup.models import CampaignPhase, CityCampaign, CleanupCampaign, CleanupResult
from tracker.common.timeutil import now_utc, office_today
from tracker.extensions import db
from tracker.rules.due import DueKind

NOTICE = "中司〔2026〕99号"


def test_each_towns_clerk_sees_the_city_clean_up_due_until_its_results_are_published(city):
    with city.app_context():
        today = office_today(now_utc())
        due = today + timedelta(days=60)
        form = {
            "name": "2026年全市行政规范性文件专项清理",
            "kind": "special",
            "notice_ref": NOTICE,
            "cutoff_on": today.isoformat(),
            "due_on": due.isoformat(),
        }
        assert login(city, "bureau").post("/city/campaigns/new", data=form).status_code == 302
        deployed = db.session.scalar(sa.select(CityCampaign).where(CityCampaign.notice_ref == NOTICE))
        campaigns = db.session.scalars(
            sa.select(CleanupCampaign).where(CleanupCampaign.city_campaign_id == deployed.id)
        ).all()
        towns = db.session.scalars(sa.select(Town).where(Town.kind != TownKind.CITY)).all()
        assert len(campaigns) == len(towns)
        # Raised in the same transaction as the deployment, not at the next morning's scan.
        alerts = db.session.scalars(sa.select(Alert).where(Alert.kind == DueKind.CLEANUP_DUE)).all()
        assert {(a.town_id, a.subject_key, a.due_on) for a in alerts} == {
            (c.town_id, f"cleanup:{c.id}", due) for c in campaigns
        }
        dayong_id = next(t.id for t in towns if t.name == "大涌镇")
        dayong = next(c for c in campaigns if c.town_id == dayong_id)
        home = text(login(city, "dayong_clerk").get("/"))
        assert f"/cleanup/{dayong.id}" in home and NOTICE in home
        # The town's results published (its one document kept): its alert is done at once, the other towns' stay.
        [item] = dayong.items
        people = {u.username: u for u in db.session.scalars(sa.select(User).where(User.town_id == dayong_id))}
        proposer = next(u for u in people.values() if u.unit_id == item.document.drafting_unit_id)
        now = now_utc()
        cleanup.propose(item, actor=proposer, now=now, result=CleanupResult.KEEP, reason="仍然适用。")
        cleanup.review(item, actor=people["dayong_reviewer"], now=now, result=CleanupResult.KEEP, note="同意。")
        clerk = people["dayong_clerk"]
        cleanup.deliberate_campaign(dayong, actor=clerk, now=now, meeting="镇党委会", held_on=today)
        db.session.commit()
        assert NOTICE in text(login(city, "dayong_clerk").get("/"))  # still due until published
        cleanup.publish_campaign(
            dayong, actor=clerk, now=now, published_on=today, notice_number="", url="https://www.example.gov.cn/q"
        )
        db.session.commit()
        assert dayong.phase is CampaignPhase.PUBLISHED
        levels = {
            a.subject_key: a.level
            for a in db.session.scalars(sa.select(Alert).where(Alert.kind == DueKind.CLEANUP_DUE))
        }
        assert levels.pop(f"cleanup:{dayong.id}") is AlertLevel.RESOLVED
        assert set(levels.values()) <= {AlertLevel.OPEN, AlertLevel.DUE_SOON}
        assert NOTICE not in text(login(city, "dayong_clerk").get("/"))


def test_the_citys_list_of_clean_ups_reads_in_the_same_statements_however_many(city):
    with city.app_context():
        bureau = login(city, "bureau")
        city_id = db.session.scalar(sa.select(Town.id).where(Town.kind == TownKind.CITY))
        today = office_today(now_utc())

        def statements() -> int:
            # Asked once before counting: the person is kept again after the write (tests/auth/test_signed_in.py),
            # so both counts are of the list itself.
            bureau.get("/city/campaigns")
            seen: list[str] = []

            def note(conn, cursor, statement, *args):
                seen.append(statement)

            sa.event.listen(db.engine, "before_cursor_execute", note)
            try:
                assert bureau.get("/city/campaigns").status_code == 200
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", note)
            return len(seen)

        def deploy(n: int) -> None:
            db.session.add(
                CityCampaign(
                    town_id=city_id,
                    name=f"专项清理{n}",
                    kind="special",
                    notice_ref=f"中司〔2026〕{n}号",
                    cutoff_on=today,
                    due_on=today + timedelta(days=30),
                    created_at=now_utc(),
                )
            )
            db.session.commit()

        deploy(1)
        bureau.get("/city/campaigns")  # warm: templates, the rule set
        one = statements()
        for n in range(2, 5):
            deploy(n)
        assert statements() == one
