"""A draft for comment's reply due date joins the daily deadline scan: created, escalated, reassigned, resolved.

Rule set: “即将到期” from 3 working days before the due date. Received Tuesday 2026-10-20, reply due Tuesday
2026-11-10: working days in (11-04, 11-10] are 4, in (11-05, 11-10] 3.
"""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import at, d
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.alerts.reminders import alerts_for
from tracker.alerts.scan import scan
from tracker.extensions import db
from tracker.reports.dashboard import risk_board
from tracker.scheduler.jobs import run_once
from tracker.solicitations import services

TITLE = "中山市城市更新管理办法（征求意见稿）"
MESSAGE = f"答复中山市自然资源局《{TITLE}》征求意见"


def register(w, assignee: str | None):
    sol = services.register(
        actor=w["reviewer"],
        now=at(d("2026-10-20")),
        from_body="中山市自然资源局",
        title=TITLE,
        reference=None,
        received_on=d("2026-10-20"),
        reply_due_on=d("2026-11-10"),
        assignee_id=w[assignee].id if assignee else None,
    )
    db.session.commit()
    return sol


def alerts() -> list[Alert]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Alert).where(Alert.kind == AlertKind.COMMENT_REPLY_DUE)))


def scan_on(day: str) -> None:
    scan(today=d(day), now=at(d(day), 1))
    db.session.commit()


def who_sees(w) -> set[str]:
    return {name for name in ("admin", "reviewer", "clerk", "drafter", "drafter2", "leader") if alerts_for(w[name])}


def test_the_daily_scan_creates_escalates_and_resolves_the_reply_alert(db, world):
    sol = register(world, "clerk")
    assert run_once("deadline_scan", now=at(d("2026-10-21"), 1)) is not None
    [alert] = alerts()
    assert (
        alert.subject_key,
        alert.document_id,
        alert.unit_id,
        alert.assignee_id,
        alert.due_on,
        alert.level,
        alert.message,
    ) == (f"solicitation:{sol.id}", None, None, world["clerk"].id, d("2026-11-10"), AlertLevel.OPEN, MESSAGE)
    assert who_sees(world) == {"clerk"}

    levels = {}
    for day in ("2026-11-04", "2026-11-05", "2026-11-10", "2026-11-11"):
        scan_on(day)
        [alert] = alerts()
        levels[day] = alert.level
    assert levels == {
        "2026-11-04": AlertLevel.OPEN,
        "2026-11-05": AlertLevel.DUE_SOON,
        "2026-11-10": AlertLevel.DUE_SOON,
        "2026-11-11": AlertLevel.OVERDUE,
    }
    assert alert.level_changed_on == d("2026-11-11")
    # Overdue: the leader sees it too; the risk board lists it among the town-level items.
    assert who_sees(world) == {"clerk", "leader"}
    board = dict(risk_board(today=d("2026-11-11"))["by_unit"])
    assert [a.message for a in board["（镇级事项）"]] == [MESSAGE]

    services.save_reply(sol, actor=world["clerk"], now=at(d("2026-11-11")), reply_text="无其他意见。",
                        assignee_id=None, expected_version=None)  # fmt: skip
    services.mark_sent(sol, actor=world["clerk"], now=at(d("2026-11-12")), sent_on=d("2026-11-12"),
                       method="公文交换系统", no_comment=False)  # fmt: skip
    db.session.commit()
    scan_on("2026-11-12")
    [alert] = alerts()
    assert (alert.level, alert.resolved_on) == (AlertLevel.RESOLVED, d("2026-11-12"))
    assert who_sees(world) == set()
    # A later scan neither reopens nor duplicates it.
    scan_on("2026-11-13")
    assert [(a.level, a.resolved_on) for a in alerts()] == [(AlertLevel.RESOLVED, d("2026-11-12"))]


def test_the_alert_follows_the_assignee(db, world):
    sol = register(world, "clerk")
    scan_on("2026-10-21")
    services.save_reply(sol, actor=world["clerk"], now=at(d("2026-10-22")), reply_text="",
                        assignee_id=world["reviewer"].id, expected_version=None)  # fmt: skip
    db.session.commit()
    scan_on("2026-10-22")
    [alert] = alerts()
    assert alert.assignee_id == world["reviewer"].id
    assert who_sees(world) == {"reviewer"}


def test_an_unassigned_request_is_everyones_in_the_office_and_the_judicial_office(db, world):
    register(world, None)
    scan_on("2026-10-21")
    [alert] = alerts()
    assert alert.assignee_id is None
    assert who_sees(world) == {"reviewer", "clerk"}


def test_the_alert_comes_with_the_registration_and_goes_with_the_reply_without_a_scan(db, world):
    sol = register(world, "reviewer")
    [alert] = alerts()
    assert (alert.level, alert.assignee_id, alert.level_changed_on) == (
        AlertLevel.OPEN,
        world["reviewer"].id,
        d("2026-10-20"),
    )
    assert who_sees(world) == {"reviewer"}
    services.mark_sent(sol, actor=world["reviewer"], now=at(d("2026-10-20"), 16), sent_on=d("2026-10-20"),
                       method="电子邮件", no_comment=True)  # fmt: skip
    db.session.commit()
    assert [(a.level, a.resolved_on) for a in alerts()] == [(AlertLevel.RESOLVED, d("2026-10-20"))]
    assert who_sees(world) == set()
    scan_on("2026-10-21")
    assert [(a.level, a.resolved_on) for a in alerts()] == [(AlertLevel.RESOLVED, d("2026-10-20"))]
