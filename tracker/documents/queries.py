"""Read queries of the register, filtered by what the user may see."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.auth.models import Role
from tracker.documents.models import Document, DocumentRelation
from tracker.extensions import db
from tracker.workflow.states import EVER_PUBLISHED, DocStatus


def visible_filter(user):
    """The same rule as may(user, 'document.view', doc), as SQL for lists."""
    if user.role is Role.DRAFTER:
        return sa.or_(Document.drafting_unit_id == user.unit_id, Document.status.in_(EVER_PUBLISHED))
    return sa.true()


def visible_documents(
    user, *, status: DocStatus | None = None, q: str | None = None, in_force: date | None = None
) -> sa.Select:
    stmt = sa.select(Document).where(visible_filter(user))
    if in_force is not None:
        stmt = stmt.where(in_force_filter(in_force))
    if status is not None:
        stmt = stmt.where(Document.status == status)
    if q:
        stmt = stmt.where(Document.title.contains(q, autoescape=True))
    return stmt.order_by(Document.updated_at.desc(), Document.id.desc())


def status_counts(user) -> dict[DocStatus, int]:
    stmt = sa.select(Document.status, sa.func.count()).where(visible_filter(user)).group_by(Document.status)
    return {status: n for status, n in db.session.execute(stmt)}


def relations_of(doc: Document) -> dict[str, list[DocumentRelation]]:
    """What this document amends/repeals, and what amends/repeals it."""
    outgoing = db.session.scalars(sa.select(DocumentRelation).where(DocumentRelation.source_id == doc.id)).all()
    incoming = db.session.scalars(sa.select(DocumentRelation).where(DocumentRelation.target_id == doc.id)).all()
    return {"outgoing": list(outgoing), "incoming": list(incoming)}


def in_force_filter(day: date):
    """SQL condition: the document was in force on `day` (effective by then, not yet ended, validity not over)."""
    from tracker.publication.models import Publication

    first_effective = (
        sa.select(sa.func.min(Publication.effective_on)).where(Publication.document_id == Document.id).scalar_subquery()
    )
    current_validity = (
        sa.select(Publication.validity_end_on)
        .where(Publication.document_id == Document.id, Publication.is_current.is_(True))
        .limit(1)
        .scalar_subquery()
    )
    return sa.and_(
        Document.status.in_(EVER_PUBLISHED),
        first_effective <= day,
        sa.or_(Document.ended_on.is_(None), Document.ended_on > day),
        sa.or_(current_validity.is_(None), current_validity >= day),
    )


def in_force_on(day: date) -> list[Document]:
    return list(db.session.scalars(sa.select(Document).where(in_force_filter(day)).order_by(Document.id)))
