"""Reads of the document aggregate, filtered by what the user may see."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker.auth.models import Role
from tracker.auth.permissions import may
from tracker.common.stamp import remembered
from tracker.common.together import Part, rows_of
from tracker.documents.models import Document, DocumentRelation, DocumentVersion
from tracker.documents.states import EVER_PUBLISHED, DocStatus
from tracker.documents.structure import parse
from tracker.extensions import db


def visible_filter(user):
    """The same rule as may(user, 'document.view', doc), as SQL for lists."""
    if user.role is Role.DRAFTER:
        return sa.or_(Document.drafting_unit_id == user.unit_id, Document.status.in_(EVER_PUBLISHED))
    return sa.true()


def visibility_key(user) -> int | None:
    """What visible_filter reads of the user (a drafting unit's, or every document of the town): part of the key of
    anything remembered from a list of documents."""
    return user.unit_id if user.role is Role.DRAFTER else None


def status_counts(user=None) -> list[tuple[DocStatus, int]]:
    """Counts per status of the documents the user may see (without a user, every document the request's scope
    reads: the same figure as a clerk's), in the order of the lifecycle; remembered until a record changes (every
    home page, and the charts of the clerk's and the leader's, read it)."""
    where, key = (sa.true(), None) if user is None else (visible_filter(user), visibility_key(user))
    stmt = sa.select(Document.status, sa.func.count()).where(where).group_by(Document.status)
    counts = remembered(("status_counts", key), lambda: dict(db.session.execute(stmt).all()))
    return [(s, counts[s]) for s in DocStatus if counts.get(s)]


def relations_part(doc: Document) -> Part:
    """The relations naming the document, each with the documents at both ends (a page names them)."""
    return Part(
        ("relations", doc.id),
        DocumentRelation,
        sa.or_(DocumentRelation.source_id == doc.id, DocumentRelation.target_id == doc.id),
        options=(joinedload(DocumentRelation.source), joinedload(DocumentRelation.target)),
    )


def relations_of(doc: Document, *, user=None) -> dict[str, list[DocumentRelation]]:
    """What this document amends/repeals, and what amends/repeals it; with a user, only the documents they may see
    (another unit's draft that will amend a published document is not named to other drafting units)."""
    both = rows_of(relations_part(doc))
    outgoing = [r for r in both if r.source_id == doc.id]
    incoming = [r for r in both if r.target_id == doc.id]
    if user is not None:
        outgoing = [r for r in outgoing if may(user, "document.view", r.target)]
        incoming = [r for r in incoming if may(user, "document.view", r.source)]
    return {"outgoing": list(outgoing), "incoming": list(incoming)}


def numbering_problems(version: DocumentVersion | None) -> list[str]:
    """Gaps, duplicates and disorder in a version's numbering of 章, 条 and 项 (第三条 followed by 第五条), each a
    sentence the drafter can act on; none for a text not written in articles (read by paragraph)."""
    return parse(version.text.split("\n")).problems if version is not None else []
