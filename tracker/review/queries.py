"""Reads for the review desk and the review part of the document page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.auth.models import Role, User
from tracker.auth.permissions import may
from tracker.common.timeutil import office_today
from tracker.documents.models import AttachmentKind, Document
from tracker.documents.states import DocStatus
from tracker.extensions import db
from tracker.review.models import Consultation, Deliberation, ProcedureCheck, ReviewRound
from tracker.review.packet import required_kinds
from tracker.review.services import awaits_answers
from tracker.rules.calendar import WorkCalendar
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
        .where(Document.status.in_([DocStatus.SUBMITTED, DocStatus.UNDER_REVIEW]))
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


def review_summary(doc: Document, user, *, now: datetime) -> dict:
    rounds = list(
        db.session.scalars(
            sa.select(ReviewRound)
            .where(ReviewRound.document_id == doc.id)
            .order_by(ReviewRound.round_no)
            .options(
                selectinload(ReviewRound.points),
                selectinload(ReviewRound.findings),
                selectinload(ReviewRound.opinion),
                selectinload(ReviewRound.reviewer),
            )
        )
    )
    current = rounds[-1] if rounds else None
    today = office_today(now)
    left = None
    if current is not None and doc.status in (DocStatus.SUBMITTED, DocStatus.UNDER_REVIEW):
        left = days_left(load_calendar(), today, current.effective_due_on)
    return {
        "rounds": rounds,
        "current": current,
        "days_left": left,
        "consultations": list(
            db.session.scalars(
                sa.select(Consultation).where(Consultation.document_id == doc.id).order_by(Consultation.start_on)
            )
        ),
        "procedures": list(
            db.session.scalars(
                sa.select(ProcedureCheck).where(ProcedureCheck.document_id == doc.id).order_by(ProcedureCheck.kind)
            )
        ),
        "deliberations": list(
            db.session.scalars(
                sa.select(Deliberation).where(Deliberation.document_id == doc.id).order_by(Deliberation.held_on)
            )
        ),
        "checklist": checklist(doc),
        "can_answer": may(user, "draft", doc) and awaits_answers(doc, current),
        "can_review": may(user, "review", doc) and doc.status is DocStatus.UNDER_REVIEW,
        "can_edit_procedures": may(user, "document.edit", doc),
    }
