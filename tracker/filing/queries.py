"""Reads of filing records: what is due (the first submission, the city's answer, a correction)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tracker.auth.models import Unit
from tracker.common.together import Child, Part, rows_of
from tracker.documents.models import Document
from tracker.documents.states import EVER_PUBLISHED, FilingStatus
from tracker.extensions import db
from tracker.filing.models import Filing, FilingAttempt
from tracker.publication.models import Publication
from tracker.rules.due import DueItem, DueKind


def current_filing_part(doc: Document) -> Part:
    current = sa.select(Publication.id).where(Publication.document_id == doc.id, Publication.is_current.is_(True))
    return Part(
        ("current_filing", doc.id),
        Filing,
        Filing.publication_id.in_(current.scalar_subquery()),
        children=(Child(Filing.attempts),),
    )


def current_filing(doc: Document) -> Filing | None:
    """The current publication's filing (a page reads it once: its panel and the guards of its actions ask)."""
    found = rows_of(current_filing_part(doc))
    return found[-1] if found else None


def latest_attempt(doc: Document) -> FilingAttempt | None:
    """The latest submission of the current filing (None before the first)."""
    filing = current_filing(doc)
    return filing.attempts[-1] if filing is not None and filing.attempts else None


# What is due on a document's filing, each in one state of its filing (the SQL below says so with the same
# constants, and alerts/scan.DUE_WHEN asks a source only for a document in its state): the first submission, a
# correction the city asked for, the city's answer to the latest submission.
FIRST_SUBMISSION_STATES = (FilingStatus.NOT_SUBMITTED,)  # of a document that was published (EVER_PUBLISHED)
CORRECTION_STATES = (FilingStatus.CORRECTION, FilingStatus.CORRECTION_ORDERED, FilingStatus.PACKET_RETURNED)
ANSWER_STATES = (FilingStatus.SUBMITTED,)

_CURRENT = sa.and_(Publication.id == Filing.publication_id, Publication.is_current.is_(True))


def _is_latest_attempt():
    later = aliased(FilingAttempt)
    return ~sa.exists().where(later.filing_id == FilingAttempt.filing_id, later.attempt_no > FilingAttempt.attempt_no)


def _of(stmt, documents: Collection[int] | None):
    return stmt if documents is None else stmt.where(Document.id.in_(documents))


def filing_due_items(today: date, *, documents: Collection[int] | None = None) -> list[DueItem]:
    """报送备案 of the current publication until it is first submitted (docs/rules.md §5: counted from publication).
    A renewed document's earlier, superseded filing no longer counts: only the current publication's."""
    filings = (
        sa.select(
            Filing.id,
            Filing.due_on,
            Filing.due_rule_code,
            Filing.due_rule_days,
            Filing.due_provisional,
            Document.id,
            Document.title,
            Document.drafting_unit_id,
        )
        .join(Publication, _CURRENT)
        .join(Document, Document.id == Filing.document_id)
        .where(
            Document.status.in_(EVER_PUBLISHED),
            Document.filing_status.in_(FIRST_SUBMISSION_STATES),
            Filing.first_submitted_on.is_(None),
        )
    )
    return [
        DueItem(
            DueKind.FILING_DUE,
            f"filing:{filing_id}",
            doc_id,
            unit_id,
            None,
            due_on,
            code,
            provisional,
            f"《{title}》报送备案",
            "报送备案",
            days,
        )
        for filing_id, due_on, code, days, provisional, doc_id, title, unit_id in db.session.execute(
            _of(filings, documents)
        )
    ]


def correction_due_items(today: date, *, documents: Collection[int] | None = None) -> list[DueItem]:
    """The correction the city asked for on the latest attempt, until the document is resubmitted."""
    corrections = (
        sa.select(
            FilingAttempt.id, FilingAttempt.correction_due_on, Document.id, Document.title, Document.drafting_unit_id
        )
        .join(Filing, Filing.id == FilingAttempt.filing_id)
        .join(Publication, _CURRENT)
        .join(Document, Document.id == Filing.document_id)
        .where(
            Document.filing_status.in_(CORRECTION_STATES),
            FilingAttempt.correction_due_on.is_not(None),
            _is_latest_attempt(),
        )
    )
    return [
        DueItem(
            DueKind.CORRECTION_DUE,
            f"correction:{attempt_id}",
            doc_id,
            unit_id,
            None,
            due_on,
            "correction_period",
            False,
            f"《{title}》备案补正/纠正",
            "备案补正/纠正",
        )
        for attempt_id, due_on, doc_id, title, unit_id in db.session.execute(_of(corrections, documents))
    ]


def answer_due_items(today: date, *, documents: Collection[int] | None = None) -> list[DueItem]:
    """The city's answer to the latest submission, while it has none."""
    awaiting = (
        sa.select(
            Filing.id,
            FilingAttempt.review_due_on,
            FilingAttempt.review_due_days,
            FilingAttempt.review_extension_days,
            FilingAttempt.review_due_provisional,
            Document.id,
            Document.title,
            Document.drafting_unit_id,
            sa.func.coalesce(Unit.short_name, Unit.name),
        )
        .join(Filing, Filing.id == FilingAttempt.filing_id)
        .join(Publication, _CURRENT)
        .join(Document, Document.id == Filing.document_id)
        .join(Unit, Unit.id == Filing.authority_id)
        .where(
            Document.filing_status.in_(ANSWER_STATES),
            FilingAttempt.result.is_(None),
            FilingAttempt.review_due_on.is_not(None),
            _is_latest_attempt(),
        )
    )
    return [
        DueItem(
            DueKind.FILING_REVIEW_DUE,
            # One per filing: a resubmission after correction opens it again with the new submission's due date.
            f"city_review:{filing_id}",
            doc_id,
            unit_id,
            None,
            due_on,
            "filing_review",
            provisional,
            f"《{title}》待{authority}备案审查答复",
            f"{authority}备案审查答复",
            days + (extension or 0),
        )
        for filing_id, due_on, days, extension, provisional, doc_id, title, unit_id, authority in db.session.execute(
            _of(awaiting, documents)
        )
    ]


def overdue_by_town(today: date) -> dict[int, dict[str, int]]:
    """Per town the request reads: filings not made by their due date, corrections not made by theirs, and
    submissions made here that the bureau has not answered in time (the city's view)."""
    later = aliased(FilingAttempt)
    latest = ~sa.exists().where(later.filing_id == FilingAttempt.filing_id, later.attempt_no > FilingAttempt.attempt_no)
    current = sa.and_(Publication.id == Filing.publication_id, Publication.is_current.is_(True))
    counts: dict[int, dict[str, int]] = {}
    queries = {
        "filing": sa.select(Document.town_id, sa.func.count())
        .select_from(Filing)
        .join(Publication, current)
        .join(Document, Document.id == Filing.document_id)
        .where(Filing.first_submitted_on.is_(None), Filing.due_on < today),
        "correction": sa.select(Document.town_id, sa.func.count())
        .select_from(FilingAttempt)
        .join(Filing, Filing.id == FilingAttempt.filing_id)
        .join(Publication, current)
        .join(Document, Document.id == Filing.document_id)
        .where(
            Document.filing_status.in_(
                [FilingStatus.CORRECTION, FilingStatus.CORRECTION_ORDERED, FilingStatus.PACKET_RETURNED]
            ),
            FilingAttempt.correction_due_on < today,
            latest,
        ),
        "answer": sa.select(Document.town_id, sa.func.count())
        .select_from(FilingAttempt)
        .join(Filing, Filing.id == FilingAttempt.filing_id)
        .join(Publication, current)
        .join(Document, Document.id == Filing.document_id)
        .where(
            Document.filing_status == FilingStatus.SUBMITTED,
            FilingAttempt.in_product.is_(True),
            FilingAttempt.result.is_(None),
            FilingAttempt.review_due_on < today,
            latest,
        ),
    }
    for what, stmt in queries.items():
        for town_id, n in db.session.execute(stmt.group_by(Document.town_id)):
            counts.setdefault(town_id, {"filing": 0, "correction": 0, "answer": 0})[what] = n
    return counts
