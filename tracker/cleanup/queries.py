"""Reads of evaluation and clean-up records: when an evaluation is due, and a revision after 修改."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from tracker.auth.models import Unit
from tracker.cleanup.models import (
    CampaignPhase,
    CityCampaign,
    CleanupCampaign,
    CleanupItem,
    CleanupResult,
    Evaluation,
    EvaluationReason,
)
from tracker.common.rows import plain_rows
from tracker.common.timeutil import office_tz
from tracker.common.together import Part, rows_of
from tracker.documents.models import Document, DocumentBasis, DocumentRelation, LegalSource
from tracker.documents.states import PUBLISHED_STATES, DocStatus
from tracker.extensions import db
from tracker.publication.models import Publication
from tracker.rules.due import DueItem, DueKind, chunks
from tracker.rules.ruleset import get_rule

# Month arithmetic ends on different days at month ends (08-31 minus 6 months is 02-28): SQL selects the
# candidates with this much room, and the exact dates are checked in Python.
_MONTH_END_ROOM = timedelta(days=4)


@dataclass(frozen=True)
class EvaluationWindow:
    start: date  # the evaluation is opened from this day
    due_on: date  # and is to be finished by this one
    reason: EvaluationReason


def evaluation_rules() -> tuple[int, int]:
    """(months before the validity ends, years between evaluations when no validity is set), from the rule set."""
    return get_rule("evaluation_lead").value, get_rule("evaluation_interval").value


@lru_cache(maxsize=16384)
def _shifted(day: date, years: int, months: int) -> date:
    """day moved by whole years and months (a month's end stays in its month). Remembered: the morning scan asks
    this of every document in force, and documents share their dates (dateutil's arithmetic is slow enough to be
    a third of the scan at 100,000 documents)."""
    return day + relativedelta(years=years, months=months)


def evaluation_window(
    *,
    validity_end_on: date | None,
    effective_on: date | None,
    last_evaluated_on: date | None,
    rules: tuple[int, int],
) -> EvaluationWindow | None:
    """277 Art. 34: evaluate before the validity ends (the rule set's lead, 6 months by default), or periodically
    (every 5 years by default, from the last evaluation or the entry into force) when no validity is set."""
    lead, interval = rules
    if validity_end_on is not None:
        due, reason = validity_end_on, EvaluationReason.VALIDITY_ENDING
    elif effective_on is not None:
        due, reason = _shifted(last_evaluated_on or effective_on, interval, 0), EvaluationReason.PERIODIC
    else:
        return None
    return EvaluationWindow(_shifted(due, 0, -lead), due, reason)


def evaluations_part(document: Document) -> Part:
    return Part(
        ("evaluations", document.id), Evaluation, Evaluation.document_id == document.id, (Evaluation.opened_on,)
    )


def evaluations_of(document: Document) -> list[Evaluation]:
    """Every evaluation of the document, oldest first (read once per page: common/together.py)."""
    return rows_of(evaluations_part(document))


def evaluation_window_of(document: Document, publication: Publication) -> EvaluationWindow | None:
    concluded = [e.concluded_on for e in evaluations_of(document) if e.concluded_on is not None]
    return evaluation_window(
        validity_end_on=publication.validity_end_on,
        effective_on=publication.effective_on,
        last_evaluated_on=max(concluded, default=None),
        rules=evaluation_rules(),
    )


@dataclass(frozen=True)
class EvaluationDue:
    document_id: int
    publication_id: int
    title: str
    unit_id: int
    window: EvaluationWindow


# A document has something due here only in these states (the SQL below says so with the same constants, and
# alerts/scan.DUE_WHEN asks a source only for a document in its state): an evaluation falls due in force, a revision
# published or in force.
EVALUATION_STATES = (DocStatus.IN_FORCE,)
REVISION_STATES = PUBLISHED_STATES


def evaluations_due(today: date, *, documents: Collection[int] | None = None) -> list[EvaluationDue]:
    """Documents in force whose evaluation window has begun and that were not evaluated within it."""
    rules = evaluation_rules()
    lead, interval = rules
    last = sa.select(sa.func.max(Evaluation.concluded_on)).where(Evaluation.document_id == Document.id)
    last = last.scalar_subquery()
    validity_window_begun = sa.and_(
        Publication.validity_end_on.is_not(None),
        Publication.validity_end_on <= today + relativedelta(months=lead) + _MONTH_END_ROOM,
    )
    period_window_begun = sa.and_(
        Publication.validity_end_on.is_(None),
        Publication.effective_on.is_not(None),
        sa.func.coalesce(last, Publication.effective_on)
        <= today - relativedelta(years=interval) + relativedelta(months=lead) + _MONTH_END_ROOM,
    )
    stmt = (
        sa.select(
            Publication.id,
            Publication.validity_end_on,
            Publication.effective_on,
            Document.id.label("document_id"),
            Document.title,
            Document.drafting_unit_id,
            last.label("last_evaluated_on"),
        )
        .join(Document, sa.and_(Publication.document_id == Document.id, Publication.is_current.is_(True)))
        .where(Document.status.in_(EVALUATION_STATES), sa.or_(validity_window_begun, period_window_begun))
    )
    if documents is not None:
        stmt = stmt.where(Document.id.in_(documents))
    out = []
    for r in plain_rows(stmt):
        window = evaluation_window(
            validity_end_on=r.validity_end_on,
            effective_on=r.effective_on,
            last_evaluated_on=r.last_evaluated_on,
            rules=rules,
        )
        done = r.last_evaluated_on is not None and r.last_evaluated_on >= window.start
        if today >= window.start and not done:
            out.append(EvaluationDue(r.document_id, r.id, r.title, r.drafting_unit_id, window))
    return out


def _latest_relation(document_ids: Collection[int]) -> dict[int, datetime]:
    """When a newer document amending, replacing or repealing each of these was last registered (one query per
    500 documents)."""
    latest: dict[int, datetime] = {}
    for ids in chunks(document_ids):
        stmt = (
            sa.select(DocumentRelation.target_id, sa.func.max(DocumentRelation.created_at))
            .where(DocumentRelation.target_id.in_(ids))
            .group_by(DocumentRelation.target_id)
        )
        latest.update(db.session.execute(stmt).tuples().all())
    return latest


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=office_tz()).astimezone(UTC)


def campaign_key(campaign_id: int) -> str:
    return f"cleanup:{campaign_id}"


def campaign_due_items(today: date, *, campaigns: Collection[int] | None = None) -> list[DueItem]:
    """A town's campaign of a clean-up the city deployed, until its results are published: due on the date the
    city's notice set (docs/rules.md §6). A town's own campaign has no due date of the city's."""
    stmt = (
        sa.select(CleanupCampaign.id, CleanupCampaign.town_id, CityCampaign.name, CityCampaign.notice_ref)
        .add_columns(CityCampaign.due_on)
        .join(CityCampaign, CityCampaign.id == CleanupCampaign.city_campaign_id)
        .where(CleanupCampaign.phase != CampaignPhase.PUBLISHED)
        .order_by(CleanupCampaign.id)
    )
    if campaigns is not None:
        stmt = stmt.where(CleanupCampaign.id.in_(campaigns))
    return [
        DueItem(
            DueKind.CLEANUP_DUE,
            campaign_key(row.id),
            None,
            None,
            None,
            row.due_on,
            None,
            False,
            f"完成{row.name}并公布结果（{row.notice_ref}）",
            "完成清理",
            town_id=row.town_id,
        )
        for row in db.session.execute(stmt)
    ]


def evaluation_due_items(today: date, *, documents: Collection[int] | None = None) -> list[DueItem]:
    """An evaluation whose window has begun."""
    return [
        DueItem(
            DueKind.EVALUATION_DUE,
            f"evaluation:{e.publication_id}:{e.window.due_on.isoformat()}",
            e.document_id,
            e.unit_id,
            None,
            e.window.due_on,
            "evaluation_lead",
            False,
            f"《{e.title}》{e.window.reason.label}",
            e.window.reason.label,
        )
        for e in evaluations_due(today, documents=documents)
    ]


def revision_due_items(today: date, *, documents: Collection[int] | None = None) -> list[DueItem]:
    """A revision after a clean-up (its result published) or an evaluation concluded 修改, until a newer document
    amending the old one is registered."""
    published = Document.status.in_(REVISION_STATES)
    # Both in one statement: (key prefix, id, due, since, document, title, unit), due until revised since the result
    # was applied (a clean-up; its day, else today) or the evaluation concluded.
    items = (
        sa.select(
            sa.literal("revision").label("prefix"),
            CleanupItem.id.label("row_id"),
            CleanupItem.revision_due_on.label("due_on"),
            CleanupItem.applied_on.label("since"),
            Document.id.label("document_id"),
            Document.title,
            Document.drafting_unit_id,
        )
        .join(CleanupCampaign, CleanupCampaign.id == CleanupItem.campaign_id)
        .join(Document, Document.id == CleanupItem.document_id)
        .where(
            CleanupItem.reviewed_result == CleanupResult.AMEND,
            CleanupItem.revision_due_on.is_not(None),
            CleanupCampaign.phase == CampaignPhase.PUBLISHED,
            published,
        )
    )
    evaluations = (
        sa.select(
            sa.literal("evaluation-revision"),
            Evaluation.id,
            Evaluation.revision_due_on,
            Evaluation.concluded_on,
            Document.id,
            Document.title,
            Document.drafting_unit_id,
        )
        .join(Document, Document.id == Evaluation.document_id)
        .where(Evaluation.revision_due_on.is_not(None), published)
    )
    if documents is not None:
        items = items.where(Document.id.in_(documents))
        evaluations = evaluations.where(Document.id.in_(documents))
    both = sa.union_all(items, evaluations).subquery()
    rows = plain_rows(sa.select(both).order_by(both.c.prefix.desc(), both.c.row_id))  # clean-ups first, as entered
    latest = _latest_relation({row.document_id for row in rows})
    what = {"revision": "清理后修改", "evaluation-revision": "评估后修改"}
    return [
        DueItem(
            DueKind.REVISION_DUE,
            f"{row.prefix}:{row.row_id}",
            row.document_id,
            row.drafting_unit_id,
            None,
            row.due_on,
            "revision_after_cleanup",
            False,
            f"《{row.title}》{what[row.prefix]}",
            what[row.prefix],
        )
        for row in rows
        if not (row.document_id in latest and latest[row.document_id] >= _start_of(row.since or today))
    ]


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


def campaign_items_part(doc: Document) -> Part:
    return Part(("campaign_items", doc.id), CleanupItem, CleanupItem.document_id == doc.id, (CleanupItem.campaign_id,))


def history_for(doc: Document) -> dict:
    """Every campaign the document was in, with its result and reason, and its evaluations."""
    return {"campaign_items": rows_of(campaign_items_part(doc)), "evaluations": evaluations_of(doc)}
