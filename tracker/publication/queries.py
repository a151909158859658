"""Reads of publication records."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db
from tracker.publication.models import Publication


def current_publication(document) -> Publication | None:
    stmt = (
        sa.select(Publication)
        .where(Publication.document_id == document.id, Publication.is_current.is_(True))
        .order_by(Publication.id.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def publications_of(document) -> list[Publication]:
    return list(
        db.session.scalars(
            sa.select(Publication).where(Publication.document_id == document.id).order_by(Publication.id)
        )
    )
