"""Reads for the review desk and the review part of the document page."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload, selectinload

from tracker.auth.models import Role, User
from tracker.auth.permissions import may
from tracker.common.timeutil import office_today
from tracker.common.together import Child, Part, rows_of
from tracker.documents.models import AttachmentKind, Document
from tracker.documents.states import DocStatus
from tracker.extensions import db
from tracker.review.models import Consultation, Deliberation, Finding, ProcedureCheck, ReviewRound
from tracker.review.packet import required_kinds
from tracker.review.services import IN_REVIEW_STATES, WORKSHEET_STATES, awaits_answers, review_time
from tracker.rules.calendar import WorkCalendar
from tracker.rules.due import DueItem, DueKind
from tracker.rules.ruleset import get_rule
from tracker.rules.services import load_calendar


@dataclass
class DeskRow:
    round: ReviewRound
    document: Document
    due_on: date
    days_left: int  # working days; negative when late
    provisional: bool

    @property
    def late(self) -> bool:
        return self.days_left < 0


def days_left(calendar: WorkCalendar, today: date, due_on: date) -> int:
    return calendar.working_days_between(today, due_on)


def desk(*, now: datetime, reviewer_id: int | None = None) -> list[DeskRow]:
    """Submissions waiting for the 司法所: received, due, working days left, reviewer; most urgent first."""
    latest = (
        sa.select(ReviewRound.document_id, sa.func.max(ReviewRound.round_no).label("n"))
        .group_by(ReviewRound.document_id)
        .subquery()
    )
    stmt = (
        sa.select(ReviewRound)
        .join(latest, sa.and_(latest.c.document_id == ReviewRound.document_id, latest.c.n == ReviewRound.round_no))
        .join(Document, Document.id == ReviewRound.document_id)
        .where(Document.status.in_(IN_REVIEW_STATES))
        .options(selectinload(ReviewRound.document), selectinload(ReviewRound.reviewer))
    )
    if reviewer_id is not None:
        stmt = stmt.where(ReviewRound.reviewer_id == reviewer_id)
    calendar, today = load_calendar(), office_today(now)
    rows = [
        DeskRow(r, r.document, r.effective_due_on, days_left(calendar, today, r.effective_due_on), r.due_provisional)
        for r in db.session.scalars(stmt)
    ]
    return sorted(rows, key=lambda row: (row.due_on, row.document.id))


def latest_rounds(document_ids: Collection[int]) -> dict[int, ReviewRound]:
    """The latest round of each document with its findings, in two queries (a list must not read them row by row)."""
    if not document_ids:
        return {}
    latest = (
        sa.select(ReviewRound.document_id, sa.func.max(ReviewRound.round_no).label("n"))
        .where(ReviewRound.document_id.in_(document_ids))
        .group_by(ReviewRound.document_id)
        .subquery()
    )
    rounds = db.session.scalars(
        sa.select(ReviewRound)
        .join(latest, sa.and_(latest.c.document_id == ReviewRound.document_id, latest.c.n == ReviewRound.round_no))
        .options(selectinload(ReviewRound.findings))
    )
    return {r.document_id: r for r in rounds}


def waiting_for_answers():
    """SQL for a draft that waits for its drafting unit's answers: returned, or passed with a finding of its latest
    round unanswered (a suggestion under 基本合法，建议修改后出台). A list reads it in the query that pages the
    drafts, so a unit with hundreds of them costs what one with three does."""
    latest = aliased(ReviewRound)
    latest_no = sa.select(sa.func.max(latest.round_no)).where(latest.document_id == Document.id).scalar_subquery()
    unanswered = (
        sa.select(Finding.id)
        .join(ReviewRound, ReviewRound.id == Finding.round_id)
        .where(ReviewRound.document_id == Document.id, ReviewRound.round_no == latest_no, Finding.response.is_(None))
        .exists()
    )
    return sa.and_(
        Document.status.in_([DocStatus.RETURNED, DocStatus.PASSED]),  # the (unit, status) index
        sa.or_(Document.status == DocStatus.RETURNED, unanswered),
    )


def reviewers() -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.REVIEWER, User.active.is_(True)).order_by(User.display_name)
        )
    )


@dataclass
class ChecklistItem:
    kind: AttachmentKind
    present: bool


def checklist(doc: Document) -> list[ChecklistItem]:
    present = {a.kind for a in doc.attachments if not a.superseded}
    if doc.versions:
        present.add(AttachmentKind.DRAFT)
    return [ChecklistItem(k, k in present) for k in required_kinds(doc)]


def latest_consultation(doc: Document) -> Consultation | None:
    return db.session.scalar(
        sa.select(Consultation).where(Consultation.document_id == doc.id).order_by(Consultation.id.desc()).limit(1)
    )


def rounds_part(doc: Document) -> Part:
    """The document's review rounds, first first, with their points, findings, opinion, reviewer and conclusion."""
    return Part(
        ("rounds", doc.id),
        ReviewRound,
        ReviewRound.document_id == doc.id,
        (ReviewRound.round_no,),
        # one row each: read in the rounds' own rows
        (joinedload(ReviewRound.opinion), joinedload(ReviewRound.reviewer), joinedload(ReviewRound.conclusion)),
        children=(Child(ReviewRound.points), Child(ReviewRound.findings)),
    )


def review_parts(doc: Document) -> list[Part]:
    """What the review panel shows: the rounds, the requests for public comment, the procedure checks and the
    deliberations."""
    return [
        rounds_part(doc),
        Part(("consultations", doc.id), Consultation, Consultation.document_id == doc.id, (Consultation.start_on,)),
        Part(("procedures", doc.id), ProcedureCheck, ProcedureCheck.document_id == doc.id, (ProcedureCheck.kind,)),
        Part(("deliberations", doc.id), Deliberation, Deliberation.document_id == doc.id, (Deliberation.held_on,)),
    ]


def review_summary(doc: Document, user, *, now: datetime) -> dict:
    rounds, consultations, procedures, deliberations = (rows_of(part) for part in review_parts(doc))
    current = rounds[-1] if rounds else None
    today = office_today(now)
    calendar = load_calendar()
    left = None
    if current is not None and doc.status in IN_REVIEW_STATES:
        left = days_left(calendar, today, current.effective_due_on)
    return {
        "rounds": rounds,
        "current": current,
        "days_left": left,
        # Per round (by id): the working days the 司法所 had, against the minimum review time.
        "times": {rnd.id: review_time(rnd, today=today, calendar=calendar) for rnd in rounds if not rnd.returned_at},
        "consultations": consultations,
        "procedures": procedures,
        "deliberations": deliberations,
        "checklist": checklist(doc),
        "can_answer": may(user, "draft", doc) and awaits_answers(doc, current),
        "can_review": may(user, "review", doc) and doc.status in WORKSHEET_STATES,
        "can_edit_procedures": may(user, "document.edit", doc),
    }


# A document has something due here only in these states (alerts/scan.DUE_STATES).
DUE_STATES = (DocStatus.SUBMITTED, DocStatus.UNDER_REVIEW, DocStatus.PASSED)


def due_items(today: date, *, documents: Collection[int] | None = None) -> list[DueItem]:
    """The 司法所's review of the latest round (the rule set's period, or as extended), and a passed review
    waiting for collective deliberation. Only documents in those states are read (the status is indexed)."""
    later = aliased(ReviewRound)
    stmt = (
        sa.select(
            ReviewRound.id,
            ReviewRound.document_id,
            ReviewRound.round_no,
            ReviewRound.reviewer_id,
            ReviewRound.due_on,
            ReviewRound.extended_due_on,
            ReviewRound.due_rule_code,
            ReviewRound.due_rule_days,
            ReviewRound.due_provisional,
            ReviewRound.concluded_on,
            Document.title,
            Document.drafting_unit_id,
            Document.status,
        )
        .join(Document, Document.id == ReviewRound.document_id)
        .where(
            Document.status.in_(DUE_STATES),
            ~sa.exists().where(later.document_id == ReviewRound.document_id, later.round_no > ReviewRound.round_no),
        )
    )
    if documents is not None:
        stmt = stmt.where(Document.id.in_(documents))
    rows = db.session.execute(stmt).all()
    if not rows:
        return []
    pending = get_rule("deliberation_pending")
    calendar = load_calendar() if any(r.status is DocStatus.PASSED for r in rows) else None
    deliberation_due = {}  # by conclusion day: many reviews conclude on the same day
    out: list[DueItem] = []
    for r in rows:
        if r.status is not DocStatus.PASSED:
            out.append(
                DueItem(
                    DueKind.REVIEW_DUE,
                    f"round:{r.id}",
                    r.document_id,
                    r.drafting_unit_id,
                    r.reviewer_id,
                    r.extended_due_on or r.due_on,
                    r.due_rule_code,
                    r.due_provisional,
                    f"《{r.title}》第 {r.round_no} 轮合法性审查",
                    "合法性审查",
                    r.due_rule_days,
                )
            )
        elif r.concluded_on is not None:
            if r.concluded_on not in deliberation_due:
                deliberation_due[r.concluded_on] = calendar.add_working_days(r.concluded_on, pending.value)
            due = deliberation_due[r.concluded_on]
            out.append(
                DueItem(
                    DueKind.DELIBERATION_PENDING,
                    f"deliberation:{r.id}",
                    r.document_id,
                    r.drafting_unit_id,
                    None,
                    due.day,
                    pending.code,
                    due.provisional,
                    f"《{r.title}》审查通过，待提请集体审议",
                    "提请集体审议",
                )
            )
    return out
