"""The city justice bureau's 备案审查 of the filings its towns make here (docs/rules.md §5).

A town's clerk files in the product (`services.submit(in_product=True)`): the submission arrives on the bureau's
desk with its packet. The bureau's reviewer accepts it (受理) or returns an incomplete packet (退回补正); reviews
within `filing_review` days of receipt, `filing_review_extension` more with a recorded reason; and decides 予以备案 /
暂缓登记、限期补正 / 不予备案 / 纠正意见 with a numbered written opinion (opinion_word). The result is the
document's filing status, so it shows at once on the town's filing record and its clerk's board; the town's
correction comes back as a new submission.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from tracker.audit import services as audit
from tracker.auth.models import Town
from tracker.auth.permissions import may
from tracker.common.timeutil import office_today
from tracker.documents.models import Document
from tracker.documents.states import FilingStatus
from tracker.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.filing import guards, opinion_word, services
from tracker.filing.models import Filing, FilingAttempt, FilingResult
from tracker.filing.queries import latest_attempt
from tracker.publication.models import Publication
from tracker.word.models import GeneratedDocument

# The bureau's results (a returned packet is not one: it is the refusal to accept).
RESULTS = (
    FilingResult.REGISTERED,
    FilingResult.CORRECTION,
    FilingResult.NOT_ACCEPTED,
    FilingResult.CORRECTION_ORDERED,
)
AWAITING_TOWN = (FilingResult.CORRECTION, FilingResult.CORRECTION_ORDERED, FilingResult.PACKET_RETURNED)
# How far back the desk lists what was decided.
DECIDED_DAYS = 90
# Rows shown per list, the most urgent first (a city's desk must stay one page whatever the towns send; the town
# filter narrows it, and the list's total is always shown).
DESK_LIMIT = 100


@dataclass(frozen=True)
class DeskRow:
    attempt: FilingAttempt
    document: Document
    town: str
    number: str
    # The day the next step is due (the bureau's answer, or the town's correction) and the days left (< 0: late).
    due_on: date | None
    days_left: int | None


@dataclass(frozen=True)
class DeskList:
    rows: list[DeskRow]  # the first DESK_LIMIT, in the list's order
    total: int

    @property
    def cut(self) -> bool:
        return self.total > len(self.rows)


@dataclass(frozen=True)
class Desk:
    to_accept: DeskList
    in_review: DeskList
    awaiting_town: DeskList
    decided: DeskList
    towns: list[tuple[int, str]]


def _rows(stmt, today: date, due) -> DeskList:
    """The list's first DESK_LIMIT rows and, in the same statement, how many there are in all."""
    rows = db.session.execute(stmt.add_columns(sa.func.count().over()).limit(DESK_LIMIT)).all()
    out = []
    for attempt, doc, town, issue, normative, _total in rows:
        day = due(attempt)
        out.append(DeskRow(attempt, doc, town, normative or issue or "", day, (day - today).days if day else None))
    return DeskList(out, rows[0][-1] if rows else 0)


def desk(*, today: date, town_id: int | None = None) -> Desk:
    """The submissions made here by the towns the request reads (the bureau's scope: its city), latest per filing."""
    later = aliased(FilingAttempt)
    base = (
        sa.select(FilingAttempt, Document, Town.name, Publication.issue_number, Publication.normative_number)
        .join(Filing, Filing.id == FilingAttempt.filing_id)
        .join(Document, Document.id == Filing.document_id)
        .join(Publication, Publication.id == Filing.publication_id)
        .join(Town, Town.id == Document.town_id)
        .where(
            FilingAttempt.in_product.is_(True),
            Publication.is_current.is_(True),
            ~sa.exists().where(later.filing_id == FilingAttempt.filing_id, later.attempt_no > FilingAttempt.attempt_no),
        )
    )
    if town_id is not None:
        base = base.where(Document.town_id == town_id)
    open_ = base.where(FilingAttempt.result.is_(None), Document.filing_status == FilingStatus.SUBMITTED)
    to_accept = _rows(
        open_.where(FilingAttempt.accepted_on.is_(None)).order_by(FilingAttempt.review_due_on, FilingAttempt.id),
        today,
        lambda a: a.review_due_on,
    )
    in_review = _rows(
        open_.where(FilingAttempt.accepted_on.is_not(None)).order_by(FilingAttempt.review_due_on, FilingAttempt.id),
        today,
        lambda a: a.review_due_on,
    )
    awaiting_town = _rows(
        base.where(
            FilingAttempt.result.in_(AWAITING_TOWN),
            Document.filing_status.in_(
                [FilingStatus.CORRECTION, FilingStatus.CORRECTION_ORDERED, FilingStatus.PACKET_RETURNED]
            ),
        ).order_by(FilingAttempt.correction_due_on, FilingAttempt.id),
        today,
        lambda a: a.correction_due_on,
    )
    decided = _rows(
        base.where(
            FilingAttempt.result.in_(RESULTS), FilingAttempt.result_on >= today - timedelta(days=DECIDED_DAYS)
        ).order_by(FilingAttempt.result_on.desc(), FilingAttempt.id.desc()),
        today,
        lambda a: None,
    )
    towns = [
        (t.id, t.name)
        for t in db.session.scalars(sa.select(Town).where(Town.parent_id.is_not(None)).order_by(Town.name))
    ]
    return Desk(to_accept, in_review, awaiting_town, decided, towns)


def attempt_of(attempt_id: int) -> tuple[FilingAttempt, Document] | None:
    """A submission made here and its document, as the request reads them (None: not one the bureau may see)."""
    row = db.session.execute(
        sa.select(FilingAttempt, Document)
        .join(Filing, Filing.id == FilingAttempt.filing_id)
        .join(Document, Document.id == Filing.document_id)
        .where(FilingAttempt.id == attempt_id, FilingAttempt.in_product.is_(True))
        .options(contains_eager(FilingAttempt.filing))  # the filing read with it, not on first use
    ).first()
    return (row[0], row[1]) if row else None


def _current(doc: Document, attempt: FilingAttempt) -> FilingAttempt:
    """The submission the bureau acts on must still be the latest: an older one was answered already."""
    latest = latest_attempt(doc)
    if latest is None or latest.id != attempt.id:
        raise InvalidTransition("该次报送已有后续报送，请处理最新一次报送。")
    return latest


def _allowed(actor, doc: Document) -> None:
    if not may(actor, "bureau", doc):
        raise PermissionDenied("只有市司法局备案审查员可以办理备案审查。")


def _check_day(day: date, attempt: FilingAttempt, now: datetime, what: str) -> None:
    if day > office_today(now):
        raise ValidationFailed(f"{what}不能晚于今天。")
    if day < attempt.submitted_on:
        raise ValidationFailed(f"{what}不能早于报送日期（{attempt.submitted_on.isoformat()}）。")


def accept(doc: Document, attempt: FilingAttempt, *, actor, now: datetime, accepted_on: date) -> FilingAttempt:
    """受理: the packet is complete; the review runs to the due date fixed at receipt."""
    _allowed(actor, doc)
    attempt = _current(doc, attempt)
    refusal = guards.awaits_acceptance(doc, office_today(now))
    if refusal is None and (attempt.result is not None or doc.filing_status is not FilingStatus.SUBMITTED):
        refusal = "本次报送已有审查结果。"
    if refusal:
        raise InvalidTransition(refusal)
    _check_day(accepted_on, attempt, now, "受理日期")
    attempt.accepted_on, attempt.reviewer_id = accepted_on, actor.id
    db.session.flush()
    audit.record(
        "filing.accepted",
        actor=actor,
        now=now,
        object_type="filing_attempt",
        object_id=attempt.id,
        document_id=doc.id,
        summary=f"备案审查机关 {accepted_on.isoformat()} 受理第 {attempt.attempt_no} 次报送"
        + (f"，审查期限至 {attempt.review_due_on.isoformat()}" if attempt.review_due_on else ""),
    )
    return attempt


def return_packet(
    doc: Document, attempt: FilingAttempt, *, actor, now: datetime, returned_on: date, note: str
) -> FilingAttempt:
    """退回补正: the packet is incomplete; the town completes it within the correction period and files again."""
    _allowed(actor, doc)
    _current(doc, attempt)
    return services.record_result(
        doc,
        actor=actor,
        now=now,
        result=FilingResult.PACKET_RETURNED,
        result_on=returned_on,
        note=note,
        by_bureau=True,
    )


def decide(
    doc: Document,
    attempt: FilingAttempt,
    *,
    actor,
    now: datetime,
    result: FilingResult,
    decided_on: date,
    note: str,
    correction_due_on: date | None = None,
) -> tuple[FilingAttempt, GeneratedDocument]:
    """The bureau's result with its numbered written opinion, kept with the document for the town to read."""
    _allowed(actor, doc)
    _current(doc, attempt)
    if result not in RESULTS:
        raise ValidationFailed("请选择审查结果。")
    if result is not FilingResult.REGISTERED and not (note or "").strip():
        raise ValidationFailed(f"“{result.label}”须写明审查意见（问题和理由）。")
    answered = services.record_result(
        doc,
        actor=actor,
        now=now,
        result=result,
        result_on=decided_on,
        note=note,
        correction_due_on=correction_due_on,
        by_bureau=True,
    )
    return answered, opinion_word.generate_filing_opinion(doc, answered, actor=actor, now=now)


def extend(doc: Document, attempt: FilingAttempt, *, actor, now: datetime, extended_on: date, reason: str) -> date:
    """The bureau needs longer: `filing_review_extension` more days, once, with its reason (the town sees both)."""
    _allowed(actor, doc)
    _current(doc, attempt)
    return services.record_review_extension(
        doc, actor=actor, now=now, notified_on=extended_on, note=reason, by_bureau=True
    )
