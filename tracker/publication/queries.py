"""Reads of publication records."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tracker.common.together import Part, rows_of
from tracker.documents.models import Document, DocumentRelation
from tracker.documents.states import EVER_PUBLISHED, DocStatus
from tracker.extensions import db
from tracker.publication.models import Publication
from tracker.rules.due import DueItem, DueKind
from tracker.workflow.service import DOCUMENT

# A relation ends its target when the new document takes effect: the target must be where those steps start.
RELATION_TARGET_STATES = DOCUMENT.sources_of("repealed_by_new", "superseded_by_new")


def current_publication(document) -> Publication | None:
    """The document's current publication (a page reads the document's publications once: common/readcache.py)."""
    current = [p for p in publications_of(document) if p.is_current]
    return current[-1] if current else None


def publicly_visible(document, publication: Publication | None, today: date) -> bool:
    """The public may read the document: its current publication was published by today and its status is one a
    published document has (the public library's rule; public/queries.py says the same in SQL)."""
    return (
        publication is not None
        and publication.is_current
        and publication.published_on is not None
        and publication.published_on <= today
        and document.status in EVER_PUBLISHED
    )


def current_publications(document_ids) -> dict[int, Publication]:
    """The current publication of each document, in one query (a list page must not read them row by row)."""
    ids = list(document_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Publication)
        .where(Publication.document_id.in_(ids), Publication.is_current.is_(True))
        .order_by(Publication.id)
    )
    return {pub.document_id: pub for pub in rows}  # the latest current one wins, as in current_publication()


def numbers_of(document) -> list[str]:
    """Every 发文字号 and 规范性文件编号 the document had, the current publication's first (for the search index)."""
    rows = db.session.execute(
        sa.select(Publication.issue_number, Publication.normative_number)
        .where(Publication.document_id == document.id)
        .order_by(Publication.is_current.desc(), Publication.id.desc())
    ).all()
    return [n for pair in rows for n in pair if n]


def publications_part(document) -> Part:
    return Part(("publications", document.id), Publication, Publication.document_id == document.id)


def publications_of(document) -> list[Publication]:
    """Every publication of the document, oldest first (read once per page: common/together.py)."""
    return rows_of(publications_part(document))


def relation_candidates(document) -> list[Document]:
    """Documents a new document may amend, replace or repeal: those its taking effect can end (the table's
    sources of repealed_by_new / superseded_by_new: published, public record for every unit)."""
    return list(
        db.session.scalars(
            sa.select(Document)
            .where(Document.status.in_(RELATION_TARGET_STATES), Document.id != document.id)
            .order_by(Document.title)
        )
    )


def in_force_filter(day: date, *, status: bool = True):
    """SQL condition: the document was in force on `day` (effective by then, not yet ended, validity not over).

    status=False leaves out the status condition, for a query that already keeps to published documents (and
    whose planner should not be drawn to the status index: the public library reads in publication-date order).
    """
    # An alias: the register joins the current publication itself, and these must not correlate to it.
    # EXISTS / NOT EXISTS rather than scalar subqueries: PostgreSQL turns them into (anti-)joins over many rows,
    # and the current validity is read once, not twice.
    pub = aliased(Publication)
    effective_by_then = sa.exists().where(pub.document_id == Document.id, pub.effective_on <= day)
    validity_over = sa.exists().where(
        pub.document_id == Document.id, pub.is_current.is_(True), pub.validity_end_on < day
    )
    # A newer document that amends, replaces or repeals this one ends it the day the newer one takes effect, even
    # before the daily job has applied the relation (so a future date D is answered right too).
    newer = aliased(Publication)
    superseded = sa.exists().where(
        DocumentRelation.target_id == Document.id,
        DocumentRelation.applied_on.is_(None),
        newer.document_id == DocumentRelation.source_id,
        newer.is_current.is_(True),
        newer.effective_on <= day,
    )
    return sa.and_(
        Document.status.in_(EVER_PUBLISHED) if status else sa.true(),
        effective_by_then,
        sa.or_(Document.ended_on.is_(None), Document.ended_on > day),
        ~validity_over,
        ~superseded,
    )


def in_force_on(day: date) -> list[Document]:
    return list(db.session.scalars(sa.select(Document).where(in_force_filter(day)).order_by(Document.id)))


# A document has something due here only in these states (alerts/scan.DUE_STATES).
DUE_STATES = (DocStatus.PUBLISHED,)


def due_items(today: date, *, documents: Collection[int] | None = None) -> list[DueItem]:
    """A published document waiting for its effective date (the daily job lets it take effect that day)."""
    stmt = (
        sa.select(Publication.id, Publication.effective_on, Document.id, Document.title, Document.drafting_unit_id)
        .join(Document, sa.and_(Publication.document_id == Document.id, Publication.is_current.is_(True)))
        .where(Document.status.in_(DUE_STATES), Publication.effective_on.is_not(None))
    )
    if documents is not None:
        stmt = stmt.where(Document.id.in_(documents))
    return [
        DueItem(
            DueKind.EFFECT_DUE,
            f"effect:{pub_id}",
            doc_id,
            unit_id,
            None,
            effective_on,
            "effect_min_gap",
            False,
            f"《{title}》待施行",
            "施行",
        )
        for pub_id, effective_on, doc_id, title, unit_id in db.session.execute(stmt)
    ]
