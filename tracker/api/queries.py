"""Reads of the JSON API."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.documents.models import Document
from tracker.documents.queries import visible_filter
from tracker.documents.states import DocStatus
from tracker.extensions import db


def documents_page(user, *, status: DocStatus | None, page: int, per_page: int) -> tuple[int, list[Document]]:
    """The documents the user may see, by id: how many there are, and one page of them."""
    stmt = sa.select(Document).where(visible_filter(user))
    if status is not None:
        stmt = stmt.where(Document.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.subquery()))
    page_stmt = stmt.order_by(Document.id).limit(per_page).offset((page - 1) * per_page)
    docs = db.session.scalars(
        page_stmt.options(selectinload(Document.issuer), selectinload(Document.drafting_unit))
    ).all()
    return total, list(docs)
