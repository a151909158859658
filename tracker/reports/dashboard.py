"""What each role sees first: the reviewer's queue, the clerk's risk board, the drafter's tasks, the leader's year."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.alerts.models import OPEN_LEVELS, Alert
from tracker.alerts.queries import days_left_of, open_counts
from tracker.auth.models import Role
from tracker.auth.queries import unit_names
from tracker.cleanup.models import CleanupCampaign, CleanupItem, Evaluation
from tracker.cleanup.phases import RESULTS_OPEN
from tracker.common.timeutil import office_today
from tracker.documents.models import Document
from tracker.documents.states import ENDED_STATES, EVER_PUBLISHED, DocStatus
from tracker.extensions import db
from tracker.reports import charts
from tracker.reports.stats import annual
from tracker.review import queries as review_queries
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


RISK_BOARD_ROWS = 60  # the rest: the register's view of documents with open deadlines


def risk_board(*, today: date) -> dict:
    """Every open deadline across units, grouped by unit and by kind, worst first, each with its days left.

    The counts come from SQL over all open alerts; the list shows the most urgent RISK_BOARD_ROWS of them.
    """

    order = {level: i for i, level in enumerate(OPEN_LEVELS)}
    # The most urgent first, in one read: the first RISK_BOARD_ROWS of each level along its (level, due_on) index,
    # then the first RISK_BOARD_ROWS of those by level, due date and id.
    firsts = [
        sa.select(Alert.id).where(Alert.level == level).order_by(Alert.due_on, Alert.id).limit(RISK_BOARD_ROWS)
        for level in OPEN_LEVELS
    ]
    urgent = sa.union_all(*(sa.select(first.subquery().c.id) for first in firsts))
    alerts = db.session.scalars(
        sa.select(Alert)
        .where(Alert.id.in_(urgent))
        .order_by(sa.case(order, value=Alert.level), Alert.due_on, Alert.id)
        .limit(RISK_BOARD_ROWS)
    ).all()
    units = unit_names()
    by_unit: dict[str, list[Alert]] = defaultdict(list)
    for a in alerts:
        by_unit[units.get(a.unit_id, "（镇级事项）")].append(a)
    by_kind: dict[str, dict[str, int]] = defaultdict(lambda: {"overdue": 0, "due_soon": 0, "open": 0})
    counts = dict.fromkeys(order, 0)
    for _, kind, level, n in open_counts():
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


DRAFTER_LIST = 30  # rows of each list on the drafter's home page (the rest: the register, the campaign's page)
IN_PROGRESS = sorted(set(DocStatus) - EVER_PUBLISHED - ENDED_STATES)  # named states: the (unit, status) index


def _first_rows(stmt) -> tuple[list, int]:
    """The first DRAFTER_LIST rows of `stmt` and how many there are in all, in one read: the count of the whole
    list (a window over every matching row, taken before the limit) comes beside each row."""
    rows = db.session.execute(stmt.add_columns(sa.func.count().over()).limit(DRAFTER_LIST)).all()
    return [row[0] for row in rows], (rows[0][1] if rows else 0)


def drafter_board(user, *, today: date) -> dict:
    """The unit's tasks and drafts, each list at most DRAFTER_LIST rows: the page costs the same for a unit with
    three drafts and one with three thousand."""
    of_unit = sa.and_(Document.drafting_unit_id == user.unit_id, Document.status.in_(IN_PROGRESS))
    newest = Document.updated_at.desc(), Document.id.desc()
    in_progress, in_progress_total = _first_rows(sa.select(Document).where(of_unit).order_by(*newest))
    waiting = sa.and_(of_unit, review_queries.waiting_for_answers())
    answers, answers_total = _first_rows(sa.select(Document).where(waiting).order_by(*newest))
    # Proposals are asked only while a campaign collects them: its few ids first, then the unit's items in them
    # (through the campaign's unique index, never the unit's thousands of documents).
    open_campaigns = db.session.scalars(
        sa.select(CleanupCampaign.id).where(CleanupCampaign.phase.in_(RESULTS_OPEN))
    ).all()
    proposals, proposals_total = [], 0
    if open_campaigns:
        asked = (
            sa.select(CleanupItem.id)
            .join(Document, Document.id == CleanupItem.document_id)
            .where(
                CleanupItem.campaign_id.in_(open_campaigns),
                CleanupItem.proposed_result.is_(None),
                Document.drafting_unit_id == user.unit_id,
            )
        )
        proposals, proposals_total = _first_rows(
            sa.select(CleanupItem)
            .where(CleanupItem.id.in_(asked))
            .order_by(CleanupItem.campaign_id, CleanupItem.id)
            .options(selectinload(CleanupItem.document))
        )
    # Evaluations under way are few in any town: read through the index of the open ones (concluded_on IS NULL).
    evaluations = db.session.scalars(
        sa.select(Evaluation)
        .join(Document, Document.id == Evaluation.document_id)
        .where(
            Evaluation.concluded_on.is_(None),
            Evaluation.conclusion.is_(None),
            Document.drafting_unit_id == user.unit_id,
        )
        .order_by(Evaluation.due_on, Evaluation.id)
        .options(selectinload(Evaluation.document))
    ).all()
    calendar, working = load_calendar(), counts_working_days("evaluation_lead")
    return {
        "in_progress": in_progress,
        "in_progress_total": in_progress_total,
        "answers": answers,
        "answers_total": answers_total,
        "proposals": proposals,
        "proposals_total": proposals_total,
        "evaluations": evaluations,
        "evaluation_left": {
            ev.id: days_left(today, ev.due_on, working_days=working, calendar=calendar) for ev in evaluations
        },
    }


def leader_board(*, now: datetime) -> dict:

    year = office_today(now).year
    stats = annual(year)
    return {"year": year, "stats": stats, "monthly": stats.opinions_by_month}


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
        return {"leader": leader, "charts": year_charts(now=now, stats=leader["stats"])}
    return {}
