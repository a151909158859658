"""The daily deadline scan: what is due, due soon or overdue today, from the state of the records.

Idempotent: an alert has a unique (kind, subject) key, is created once, escalates from 未到期 to 即将到期 to
已逾期, and resolves by itself when the step is done. A scan reads the state on `today`, so a run after days of
downtime catches up in one go: nothing due in between is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.audit import services as audit
from tracker.common.locks import serialize
from tracker.documents.models import Document
from tracker.documents.states import DocStatus, FilingStatus
from tracker.extensions import db
from tracker.rules.models import DayUnit
from tracker.rules.ruleset import get_rule
from tracker.rules.services import add_period, load_calendar


@dataclass(frozen=True)
class Expected:
    kind: AlertKind
    key: str
    document_id: int | None
    unit_id: int | None
    assignee_id: int | None
    due_on: date
    rule_code: str | None
    provisional: bool
    message: str


@dataclass
class ScanResult:
    created: int = 0
    resolved: int = 0
    escalated: int = 0
    changed: int = 0
    open: int = 0

    def line(self) -> str:
        return f"created={self.created} resolved={self.resolved} open={self.open}"


def _recompute_provisional(today: date, now: datetime) -> list[tuple[Document, str, date, date]]:
    """Due dates computed on an unconfirmed year are computed again once the calendar knows more."""
    from tracker.filing.models import Filing
    from tracker.review.models import ReviewRound

    calendar = load_calendar()
    moved = []
    rounds = db.session.scalars(
        sa.select(ReviewRound).where(ReviewRound.due_provisional.is_(True), ReviewRound.concluded_at.is_(None))
    )
    for rnd in rounds:
        day, provisional = add_period(rnd.received_on, rnd.due_rule_days, DayUnit.WORKING_DAYS, calendar)
        if rnd.extended_due_on is None and (day, provisional) != (rnd.due_on, True):
            if day != rnd.due_on:
                moved.append((rnd.document, "合法性审查期限", rnd.due_on, day))
            rnd.due_on, rnd.due_provisional = day, provisional
    filings = db.session.scalars(
        sa.select(Filing).where(Filing.due_provisional.is_(True), Filing.first_submitted_on.is_(None))
    )
    for filing in filings:
        from tracker.publication.models import Publication

        published_on = db.session.get(Publication, filing.publication_id).published_on
        day, provisional = add_period(published_on, filing.due_rule_days, get_rule(filing.due_rule_code).unit, calendar)
        if (day, provisional) != (filing.due_on, True):
            if day != filing.due_on:
                moved.append((filing.document, "报送备案期限", filing.due_on, day))
            filing.due_on, filing.due_provisional = day, provisional
    for doc, label, old, new in moved:
        audit.record(
            "deadline.changed",
            actor=None,
            now=now,
            object_type="document",
            object_id=doc.id,
            document_id=doc.id,
            summary=f"{label}因节假日安排确认由 {old.isoformat()} 调整为 {new.isoformat()}",
        )
    db.session.flush()
    return moved


def expected_alerts(today: date) -> list[Expected]:
    from tracker.cleanup.models import CampaignPhase, CleanupItem, CleanupResult, Evaluation
    from tracker.filing.models import Filing
    from tracker.publication.models import Publication
    from tracker.review.models import ReviewRound

    out: list[Expected] = []
    latest = (
        sa.select(ReviewRound.document_id, sa.func.max(ReviewRound.round_no).label("n"))
        .group_by(ReviewRound.document_id)
        .subquery()
    )
    rounds = db.session.execute(
        sa.select(ReviewRound, Document)
        .join(latest, sa.and_(latest.c.document_id == ReviewRound.document_id, latest.c.n == ReviewRound.round_no))
        .join(Document, Document.id == ReviewRound.document_id)
        .where(Document.status.in_([DocStatus.SUBMITTED, DocStatus.UNDER_REVIEW, DocStatus.PASSED]))
    ).all()
    pending_rule = get_rule("deliberation_pending")
    calendar = load_calendar()
    for rnd, doc in rounds:
        if doc.status is DocStatus.PASSED:
            if rnd.concluded_on is None:
                continue
            due = calendar.add_working_days(rnd.concluded_on, pending_rule.value)
            out.append(
                Expected(
                    AlertKind.DELIBERATION_PENDING,
                    f"deliberation:{rnd.id}",
                    doc.id,
                    doc.drafting_unit_id,
                    None,
                    due.day,
                    pending_rule.code,
                    due.provisional,
                    f"《{doc.title}》审查通过，待提请集体审议",
                )
            )
        else:
            out.append(
                Expected(
                    AlertKind.REVIEW_DUE,
                    f"round:{rnd.id}",
                    doc.id,
                    doc.drafting_unit_id,
                    rnd.reviewer_id,
                    rnd.effective_due_on,
                    rnd.due_rule_code,
                    rnd.due_provisional,
                    f"《{doc.title}》第 {rnd.round_no} 轮合法性审查",
                )
            )
    current_pub = sa.and_(Publication.document_id == Document.id, Publication.is_current.is_(True))
    for pub, doc in db.session.execute(
        sa.select(Publication, Document).join(Document, current_pub).where(Document.status == DocStatus.PUBLISHED)
    ):
        if pub.effective_on:
            out.append(
                Expected(
                    AlertKind.EFFECT_DUE,
                    f"effect:{pub.id}",
                    doc.id,
                    doc.drafting_unit_id,
                    None,
                    pub.effective_on,
                    "effect_min_gap",
                    False,
                    f"《{doc.title}》待施行",
                )
            )
    # A renewed document's old, superseded filing no longer counts: only the current publication's.
    current_pubs = sa.select(Publication.id).where(Publication.is_current.is_(True))
    for filing, doc in db.session.execute(
        sa.select(Filing, Document)
        .join(Document, Document.id == Filing.document_id)
        .where(Filing.first_submitted_on.is_(None), Filing.publication_id.in_(current_pubs))
    ):
        out.append(
            Expected(
                AlertKind.FILING_DUE,
                f"filing:{filing.id}",
                doc.id,
                doc.drafting_unit_id,
                None,
                filing.due_on,
                filing.due_rule_code,
                filing.due_provisional,
                f"《{doc.title}》报送备案",
            )
        )
    corrections = db.session.scalars(
        sa.select(Document).where(
            Document.filing_status.in_([FilingStatus.CORRECTION, FilingStatus.CORRECTION_ORDERED])
        )
    )
    from tracker.filing.services import current_filing

    for doc in corrections:
        filing = current_filing(doc)
        last = filing.attempts[-1] if filing and filing.attempts else None
        if last is not None and last.correction_due_on:
            out.append(
                Expected(
                    AlertKind.CORRECTION_DUE,
                    f"correction:{last.id}",
                    doc.id,
                    doc.drafting_unit_id,
                    None,
                    last.correction_due_on,
                    "correction_period",
                    False,
                    f"《{doc.title}》备案补正/纠正",
                )
            )
    lead, interval = get_rule("evaluation_lead"), get_rule("evaluation_interval")
    last_eval = dict(
        db.session.execute(
            sa.select(Evaluation.document_id, sa.func.max(Evaluation.concluded_on)).group_by(Evaluation.document_id)
        ).all()
    )
    for pub, doc in db.session.execute(
        sa.select(Publication, Document).join(Document, current_pub).where(Document.status == DocStatus.IN_FORCE)
    ):
        # 277 Art. 34: evaluate 6 months before the validity ends, or every 5 years when none is set.
        if pub.validity_end_on:
            due = pub.validity_end_on
        elif pub.effective_on:
            due = (last_eval.get(doc.id) or pub.effective_on) + relativedelta(years=interval.value)
        else:
            continue
        start = due - relativedelta(months=lead.value)
        done = last_eval.get(doc.id)
        if today >= start and not (done and done >= start):
            out.append(
                Expected(
                    AlertKind.EVALUATION_DUE,
                    f"evaluation:{pub.id}:{due.isoformat()}",
                    doc.id,
                    doc.drafting_unit_id,
                    None,
                    due,
                    "evaluation_lead",
                    False,
                    f"《{doc.title}》有效期届满前评估" if pub.validity_end_on else f"《{doc.title}》定期评估",
                )
            )
    items = db.session.execute(
        sa.select(CleanupItem, Document)
        .join(Document, Document.id == CleanupItem.document_id)
        .where(
            CleanupItem.reviewed_result == CleanupResult.AMEND,
            CleanupItem.revision_due_on.is_not(None),
            Document.status.in_([DocStatus.PUBLISHED, DocStatus.IN_FORCE]),
        )
    )
    for item, doc in items:
        if item.campaign.phase is CampaignPhase.PUBLISHED and not _revised_since(doc, item.applied_on or today):
            out.append(
                Expected(
                    AlertKind.REVISION_DUE,
                    f"revision:{item.id}",
                    doc.id,
                    doc.drafting_unit_id,
                    None,
                    item.revision_due_on,
                    "revision_after_cleanup",
                    False,
                    f"《{doc.title}》清理后修改",
                )
            )
    from tracker.solicitations.models import Solicitation, SolicitationPhase

    pending = db.session.scalars(
        sa.select(Solicitation).where(
            Solicitation.phase.in_([SolicitationPhase.REGISTERED, SolicitationPhase.DRAFTING])
        )
    )
    for sol in pending:
        out.append(
            Expected(
                AlertKind.COMMENT_REPLY_DUE,
                f"solicitation:{sol.id}",
                None,
                None,
                sol.assignee_id,
                sol.reply_due_on,
                None,
                False,
                f"答复{sol.from_body}《{sol.title}》征求意见",
            )
        )
    evaluations = db.session.execute(
        sa.select(Evaluation, Document)
        .join(Document, Document.id == Evaluation.document_id)
        .where(Evaluation.revision_due_on.is_not(None), Document.status.in_([DocStatus.PUBLISHED, DocStatus.IN_FORCE]))
    )
    for ev, doc in evaluations:
        if not _revised_since(doc, ev.concluded_on):
            out.append(
                Expected(
                    AlertKind.REVISION_DUE,
                    f"evaluation-revision:{ev.id}",
                    doc.id,
                    doc.drafting_unit_id,
                    None,
                    ev.revision_due_on,
                    "revision_after_cleanup",
                    False,
                    f"《{doc.title}》评估后修改",
                )
            )
    return out


def _revised_since(doc: Document, since: date) -> bool:
    """A newer document amending or replacing this one was registered after `since`."""
    from tracker.common.timeutil import office_tz
    from tracker.documents.models import DocumentRelation

    start = datetime.combine(since, time.min, tzinfo=office_tz()).astimezone(UTC)
    stmt = sa.select(DocumentRelation.id).where(
        DocumentRelation.target_id == doc.id, DocumentRelation.created_at >= start
    )
    return db.session.scalar(stmt.limit(1)) is not None


def _level(today: date, due_on: date, lead_wd: int, calendar) -> AlertLevel:
    if today > due_on:
        return AlertLevel.OVERDUE
    if calendar.working_days_between(today, due_on) <= lead_wd:
        return AlertLevel.DUE_SOON
    return AlertLevel.OPEN


def scan(*, today: date, now: datetime) -> ScanResult:
    # Two scans at once (the scheduler's and one typed by hand) would both create the same alerts: one waits.
    serialize(Alert.__table__)
    result = ScanResult()
    moved = _recompute_provisional(today, now)
    expected = {(e.kind, e.key): e for e in expected_alerts(today)}
    existing = {(a.kind, a.subject_key): a for a in db.session.scalars(sa.select(Alert))}
    calendar, lead = load_calendar(), get_rule("due_soon_lead").value
    for doc, label, old, new in moved:
        key = f"{doc.id}:{label}:{new.isoformat()}"
        expected[(AlertKind.DEADLINE_CHANGED, key)] = Expected(
            AlertKind.DEADLINE_CHANGED,
            key,
            doc.id,
            doc.drafting_unit_id,
            None,
            new,
            None,
            False,
            f"《{doc.title}》{label}由 {old.isoformat()} 调整为 {new.isoformat()}",
        )
    for (kind, key), alert in existing.items():
        # A change notice stays while the deadline it speaks of is open.
        if kind is AlertKind.DEADLINE_CHANGED and alert.level is not AlertLevel.RESOLVED and today <= alert.due_on:
            expected.setdefault(
                (kind, key),
                Expected(kind, key, alert.document_id, alert.unit_id, None, alert.due_on, None, False, alert.message),
            )
    for ident, e in expected.items():
        level = _level(today, e.due_on, lead, calendar)
        alert = existing.get(ident)
        if alert is None:
            db.session.add(
                Alert(
                    kind=e.kind,
                    subject_key=e.key,
                    document_id=e.document_id,
                    unit_id=e.unit_id,
                    assignee_id=e.assignee_id,
                    due_on=e.due_on,
                    rule_code=e.rule_code,
                    provisional=e.provisional,
                    level=level,
                    level_changed_on=today,
                    message=e.message,
                    created_at=now,
                )
            )
            result.created += 1
            continue
        if alert.due_on != e.due_on or alert.provisional != e.provisional:
            alert.due_on, alert.provisional = e.due_on, e.provisional
            result.changed += 1
        if alert.level is not level:
            if alert.level is not AlertLevel.RESOLVED:
                result.escalated += 1
            alert.level, alert.level_changed_on, alert.resolved_on = level, today, None
        alert.assignee_id, alert.message = e.assignee_id, e.message
    for ident, alert in existing.items():
        if ident not in expected and alert.level is not AlertLevel.RESOLVED:
            alert.level, alert.level_changed_on, alert.resolved_on = AlertLevel.RESOLVED, today, today
            result.resolved += 1
    db.session.flush()
    result.open = (
        db.session.scalar(sa.select(sa.func.count()).select_from(Alert).where(Alert.level != AlertLevel.RESOLVED)) or 0
    )
    return result
