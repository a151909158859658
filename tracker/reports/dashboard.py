"""What each role sees first: the reviewer's queue, the clerk's risk board, the drafter's tasks, the leader's year."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.alerts.models import Alert, AlertLevel
from tracker.alerts.queries import days_left_of
from tracker.auth.models import Role
from tracker.auth.queries import unit_names
from tracker.cleanup.models import CleanupItem, Evaluation
from tracker.cleanup.phases import RESULTS_OPEN
from tracker.common.timeutil import office_today
from tracker.documents.models import Document
from tracker.documents.states import ENDED_STATES, EVER_PUBLISHED, DocStatus
from tracker.extensions import db
from tracker.reports import charts
from tracker.reports.stats import annual, monthly_opinions
from tracker.review import queries as review_queries
from tracker.review import services as review_services
from tracker.review.queries import desk
from tracker.rules.due import counts_working_days, days_left
from tracker.rules.services import load_calendar


def reviewer_board(user, *, now: datetime) -> dict:

    rows = desk(now=now)
    mine = [r for r in rows if r.round.reviewer_id == user.id]
    unassigned = [r for r in rows if r.round.reviewer_id is None]
    return {
        "mine": mine,
        "unassigned": unassigned,
        "late": [r for r in rows if r.late],
        "due_soon": [r for r in mine if 0 <= r.days_left <= 3],
    }


RISK_BOARD_ROWS = 200


def risk_board(*, today: date) -> dict:
    """Every open deadline across units, grouped by unit and by kind, worst first, each with its days left.

    The counts come from SQL over all open alerts; the list shows the most urgent RISK_BOARD_ROWS of them.
    """

    open_ = Alert.level != AlertLevel.RESOLVED
    order = {AlertLevel.OVERDUE: 0, AlertLevel.DUE_SOON: 1, AlertLevel.OPEN: 2}
    urgency = sa.case({AlertLevel.OVERDUE: 0, AlertLevel.DUE_SOON: 1}, value=Alert.level, else_=2)
    alerts = db.session.scalars(
        sa.select(Alert).where(open_).order_by(urgency, Alert.due_on, Alert.id).limit(RISK_BOARD_ROWS)
    ).all()
    units = unit_names()
    by_unit: dict[str, list[Alert]] = defaultdict(list)
    for a in alerts:
        by_unit[units.get(a.unit_id, "（镇级事项）")].append(a)
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"overdue": 0, "due_soon": 0, "open": 0})
    counts = dict.fromkeys(order, 0)
    for kind, level, n in db.session.execute(
        sa.select(Alert.kind, Alert.level, sa.func.count()).where(open_).group_by(Alert.kind, Alert.level)
    ):
        by_kind[kind.label][level.value] += n
        counts[level] += n
    grouped = sorted(by_unit.items(), key=lambda kv: (min(order[a.level] for a in kv[1]), kv[0]))
    return {
        "by_unit": grouped,
        "by_kind": dict(sorted(by_kind.items())),
        "counts": counts,
        "shown": len(alerts),
        "total": sum(counts.values()),
        "left": days_left_of(alerts, today=today),
    }


def drafter_board(user, *, today: date) -> dict:

    in_progress = db.session.scalars(
        sa.select(Document)
        .where(Document.drafting_unit_id == user.unit_id, Document.status.not_in(EVER_PUBLISHED | ENDED_STATES))
        .order_by(Document.updated_at.desc())
    ).all()
    rounds = review_queries.latest_rounds([d.id for d in in_progress if d.status is DocStatus.PASSED])
    answers = [
        d
        for d in in_progress
        if d.status is DocStatus.RETURNED
        or (d.status is DocStatus.PASSED and review_services.unanswered(rounds.get(d.id)))
    ]
    proposals = db.session.scalars(
        sa.select(CleanupItem)
        .join(Document, Document.id == CleanupItem.document_id)
        .where(Document.drafting_unit_id == user.unit_id, CleanupItem.proposed_result.is_(None))
        .options(selectinload(CleanupItem.campaign))
    ).all()
    proposals = [i for i in proposals if i.campaign.phase in RESULTS_OPEN]
    evaluations = db.session.scalars(
        sa.select(Evaluation)
        .join(Document, Document.id == Evaluation.document_id)
        .where(
            Document.drafting_unit_id == user.unit_id,
            Evaluation.concluded_on.is_(None),
            Evaluation.conclusion.is_(None),
        )
    ).all()
    calendar, working = load_calendar(), counts_working_days("evaluation_lead")
    return {
        "in_progress": in_progress,
        "answers": answers,
        "proposals": proposals,
        "evaluations": evaluations,
        "evaluation_left": {
            ev.id: days_left(today, ev.due_on, working_days=working, calendar=calendar) for ev in evaluations
        },
    }


def leader_board(*, now: datetime) -> dict:

    year = office_today(now).year
    stats = annual(year)
    return {"year": year, "stats": stats, "monthly": monthly_opinions(year)}


def year_charts(*, now: datetime, stats=None) -> dict:
    """The charts of the leader's and the clerk's home pages: rates by month, deadlines by unit, states."""

    year = office_today(now).year
    stats = stats or annual(year)
    statuses = charts.documents_by_status()
    return {
        "year": year,
        "months": charts.rates_by_month(stats),
        "rate_names": charts.MONTHLY_RATES,
        "units": charts.deadlines_by_unit(),
        "status_labels": [label for label, _ in statuses],
        "status_values": [n for _, n in statuses],
    }


def board_for(user, *, now: datetime) -> dict:
    if user.role is Role.REVIEWER:
        return {"reviewer": reviewer_board(user, now=now)}
    if user.role is Role.CLERK:
        return {"risk": risk_board(today=office_today(now)), "charts": year_charts(now=now)}
    if user.role is Role.DRAFTER:
        return {"drafter": drafter_board(user, today=office_today(now))}
    if user.role is Role.LEADER:
        leader = leader_board(now=now)
        return {
            "leader": leader,
            "risk": risk_board(today=office_today(now)),
            "charts": year_charts(now=now, stats=leader["stats"]),
        }
    return {}
