"""Read queries of the register, filtered by what the user may see."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.auth.models import Role
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.workflow.states import EVER_PUBLISHED, DocStatus


def visible_filter(user):
    """The same rule as may(user, 'document.view', doc), as SQL for lists."""
    if user.role is Role.DRAFTER:
        return sa.or_(Document.drafting_unit_id == user.unit_id, Document.status.in_(EVER_PUBLISHED))
    return sa.true()


def visible_documents(user, *, status: DocStatus | None = None, q: str | None = None) -> sa.Select:
    stmt = sa.select(Document).where(visible_filter(user))
    if status is not None:
        stmt = stmt.where(Document.status == status)
    if q:
        stmt = stmt.where(Document.title.contains(q, autoescape=True))
    return stmt.order_by(Document.updated_at.desc(), Document.id.desc())


def status_counts(user) -> dict[DocStatus, int]:
    stmt = sa.select(Document.status, sa.func.count()).where(visible_filter(user)).group_by(Document.status)
    return {status: n for status, n in db.session.execute(stmt)}
