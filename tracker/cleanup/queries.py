"""Reads of campaigns, evaluations and legal sources for the clean-up pages and the document page."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.auth.models import Unit
from tracker.cleanup.models import CleanupCampaign, CleanupItem, Evaluation
from tracker.documents.models import Document, DocumentBasis, LegalSource
from tracker.extensions import db


def campaigns() -> list[CleanupCampaign]:
    return list(db.session.scalars(sa.select(CleanupCampaign).order_by(CleanupCampaign.id.desc())))


def evaluations() -> list[Evaluation]:
    """Open evaluations first, by due date."""
    return list(
        db.session.scalars(sa.select(Evaluation).order_by(Evaluation.concluded_on.is_not(None), Evaluation.due_on))
    )


def issuing_units() -> list[Unit]:
    return list(db.session.scalars(sa.select(Unit).where(Unit.can_issue.is_(True)).order_by(Unit.name)))


def legal_sources() -> list[LegalSource]:
    return list(db.session.scalars(sa.select(LegalSource).order_by(LegalSource.title)))


def sources_with_citations() -> list[tuple[LegalSource, int]]:
    """Every legal source with the number of documents citing it."""
    return list(
        db.session.execute(
            sa.select(LegalSource, sa.func.count(DocumentBasis.id))
            .outerjoin(DocumentBasis, DocumentBasis.source_id == LegalSource.id)
            .group_by(LegalSource.id)
            .order_by(LegalSource.title)
        ).tuples()
    )


def history_for(doc: Document) -> dict:
    """Every campaign the document was in, with its result and reason, and its evaluations."""
    items = db.session.scalars(
        sa.select(CleanupItem).where(CleanupItem.document_id == doc.id).order_by(CleanupItem.campaign_id)
    ).all()
    evals = db.session.scalars(
        sa.select(Evaluation).where(Evaluation.document_id == doc.id).order_by(Evaluation.opened_on)
    ).all()
    return {"campaign_items": items, "evaluations": evals}
