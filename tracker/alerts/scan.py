"""Alerts from the domains' due items: the daily scan of every record, and the refresh of the records one change
touched.

Each domain says what is due in its own queries.py; this module only composes them (DOCUMENT_DUE_ITEMS and
SOLICITATION_DUE_ITEMS below) and keeps one Alert per due step: created once (unique kind and subject key),
escalated from 未到期 to 即将到期 to 已逾期 as the days pass, resolved when the step is done. refresh() runs in the
transaction of every change (alerts/hooks.py), so a list never waits for the next morning; the morning scan is for
what the passing of a day changes (escalation, provisional dates) and a safety net. A scan reads the state on
`today`, so a run after days of downtime catches up in one go: nothing due in between is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tracker.alerts.models import OPEN_LEVELS, Alert, AlertLevel
from tracker.audit import services as audit
from tracker.cleanup import queries as cleanup_queries
from tracker.common.locks import serialize
from tracker.common.rows import plain_rows
from tracker.documents.models import Document
from tracker.documents.states import EVER_PUBLISHED, DocStatus, FilingStatus
from tracker.extensions import db
from tracker.filing import queries as filing_queries
from tracker.filing import services as filing_services
from tracker.publication import queries as publication_queries
from tracker.review import queries as review_queries
from tracker.review import services as review_services
from tracker.rules.calendar import WorkCalendar
from tracker.rules.due import DeadlineMoved, DueItem, DueKind, chunks
from tracker.rules.ruleset import get_rule
from tracker.rules.services import load_calendar
from tracker.solicitations import queries as solicitation_queries

# What is due on a document, each domain for its own step, in the order of the lifecycle.
DOCUMENT_DUE_ITEMS: tuple[Callable[..., list[DueItem]], ...] = (
    review_queries.due_items,
    publication_queries.due_items,
    filing_queries.filing_due_items,
    filing_queries.correction_due_items,
    filing_queries.answer_due_items,
    cleanup_queries.evaluation_due_items,
    cleanup_queries.revision_due_items,
)


@dataclass(frozen=True)
class DueWhen:
    """The states a document is in when a source can find something due on it (None: any); the source's own SQL
    says so with the same constants."""

    status: Collection[DocStatus] | None = None
    filing_status: Collection[FilingStatus] | None = None

    def holds(self, doc: Document) -> bool:
        return (self.status is None or doc.status in self.status) and (
            self.filing_status is None or doc.filing_status in self.filing_status
        )


# A source not named here may find something in any state. The document page asks only the sources that can answer
# for its document's state.
DUE_WHEN: dict[Callable[..., list[DueItem]], DueWhen] = {
    review_queries.due_items: DueWhen(status=review_queries.DUE_STATES),
    publication_queries.due_items: DueWhen(status=publication_queries.DUE_STATES),
    filing_queries.filing_due_items: DueWhen(EVER_PUBLISHED, filing_queries.FIRST_SUBMISSION_STATES),
    filing_queries.correction_due_items: DueWhen(filing_status=filing_queries.CORRECTION_STATES),
    filing_queries.answer_due_items: DueWhen(filing_status=filing_queries.ANSWER_STATES),
    cleanup_queries.evaluation_due_items: DueWhen(status=cleanup_queries.EVALUATION_STATES),
    cleanup_queries.revision_due_items: DueWhen(status=cleanup_queries.REVISION_STATES),
}
# What is due on a request for comments from a higher level (no document of the town).
SOLICITATION_DUE_ITEMS: tuple[Callable[..., list[DueItem]], ...] = (solicitation_queries.due_items,)
CAMPAIGN_DUE_ITEMS: tuple[Callable[..., list[DueItem]], ...] = (cleanup_queries.campaign_due_items,)

Ident = tuple[DueKind, str]


@dataclass
class ScanResult:
    created: int = 0
    resolved: int = 0
    escalated: int = 0
    changed: int = 0
    open: int = 0

    def line(self) -> str:
        return f"created={self.created} resolved={self.resolved} open={self.open}"


def document_due_items(today: date, doc) -> list[DueItem]:
    """What is due on one document, asking only the sources that can find something in its state."""
    out: list[DueItem] = []
    for source in DOCUMENT_DUE_ITEMS:
        when = DUE_WHEN.get(source)
        if when is None or when.holds(doc):
            out += source(today, documents=[doc.id])
    return out


def due_items(
    today: date,
    *,
    documents: Collection[int] | None = None,
    solicitations: Collection[int] | None = None,
    campaigns: Collection[int] | None = None,
) -> list[DueItem]:
    """Every record's due items (None), or only those of the given documents, requests for comments and clean-up
    campaigns."""
    out: list[DueItem] = []
    for sources, scope, ids in (
        (DOCUMENT_DUE_ITEMS, "documents", documents),
        (SOLICITATION_DUE_ITEMS, "solicitations", solicitations),
        (CAMPAIGN_DUE_ITEMS, "campaigns", campaigns),
    ):
        for chunk in [None] if ids is None else chunks(ids):
            for source in sources:
                out += source(today) if chunk is None else source(today, **{scope: chunk})
    return out


def _level(today: date, due_on: date, lead_wd: int, calendar: WorkCalendar) -> AlertLevel:
    if today > due_on:
        return AlertLevel.OVERDUE
    if calendar.working_days_between(today, due_on) <= lead_wd:
        return AlertLevel.DUE_SOON
    return AlertLevel.OPEN


# What the reconciliation reads of an alert: plain rows, not ORM objects (a scan reads every open alert).
_COLUMNS = (
    Alert.id,
    Alert.kind,
    Alert.subject_key,
    Alert.document_id,
    Alert.unit_id,
    Alert.assignee_id,
    Alert.due_on,
    Alert.provisional,
    Alert.level,
    Alert.message,
)


def _read(condition) -> dict[Ident, sa.Row]:
    return {(r.kind, r.subject_key): r for r in plain_rows(sa.select(*_COLUMNS).where(condition))}


def _alerts_with_keys(idents: Iterable[Ident]) -> dict[Ident, sa.Row]:
    """The alerts of these (kind, key) pairs, resolved ones too, read through the unique (kind, subject_key) index."""
    keys: dict[DueKind, set[str]] = {}
    for kind, key in idents:
        keys.setdefault(kind, set()).add(key)
    found: dict[Ident, sa.Row] = {}
    for kind, subject_keys in keys.items():
        ordered = sorted(subject_keys)
        for i in range(0, len(ordered), 500):
            found.update(_read(sa.and_(Alert.kind == kind, Alert.subject_key.in_(ordered[i : i + 500]))))
    return found


def _reconcile(
    expected: dict[Ident, DueItem],
    existing: dict[Ident, sa.Row],
    *,
    today: date,
    now: datetime,
    result: ScanResult,
    retry: bool = True,
) -> None:
    """Create what is newly due, bring the rest up to date, resolve what is no longer due.

    Existing alerts are read as rows and changed by primary key in bulk: a day on which nothing changed costs
    the reading of the due items and of the open alerts, nothing more.
    """
    calendar, lead = load_calendar(), get_rule("due_soon_lead").value
    towns = _towns_of([e for ident, e in expected.items() if ident not in existing])
    new: list[Alert] = []
    changes: list[dict] = []
    for ident, e in expected.items():
        level = _level(today, e.due_on, lead, calendar)
        alert = existing.get(ident)
        if alert is None:
            new.append(
                Alert(
                    town_id=e.town_id or towns[e.document_id],
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
            continue
        change: dict = {}
        if alert.due_on != e.due_on or alert.provisional != e.provisional:
            change.update(due_on=e.due_on, provisional=e.provisional)
            result.changed += 1
        if alert.level is not level:
            if alert.level is not AlertLevel.RESOLVED:
                result.escalated += 1
            change.update(level=level, level_changed_on=today, resolved_on=None)
        if alert.assignee_id != e.assignee_id or alert.message != e.message:
            change.update(assignee_id=e.assignee_id, message=e.message)
        if change:
            changes.append({"id": alert.id, **change})
    for ident, alert in existing.items():
        if ident not in expected and alert.level is not AlertLevel.RESOLVED:
            resolved = {"level": AlertLevel.RESOLVED, "level_changed_on": today, "resolved_on": today}
            changes.append({"id": alert.id, **resolved})
            result.resolved += 1
    _update(changes)
    if not new:
        return
    try:
        with db.session.begin_nested():
            db.session.add_all(new)
        result.created += len(new)
    except IntegrityError:
        if not retry:
            raise
        # Another transaction created some of these alerts meanwhile (two people acting on one document at the same
        # moment, or the morning scan): take the rows it wrote and bring them up to date instead.
        idents = [(a.kind, a.subject_key) for a in new]
        taken = _alerts_with_keys(idents)
        _reconcile({i: expected[i] for i in idents}, taken, today=today, now=now, result=result, retry=False)


def _towns_of(items: list[DueItem]) -> dict[int | None, int]:
    """The town of each document these new alerts are for (an alert is its record's town's)."""
    ids = sorted({e.document_id for e in items if e.document_id is not None and e.town_id is None})
    towns: dict[int | None, int] = {}
    for chunk in chunks(ids):
        stmt = sa.select(Document.id, Document.town_id).where(Document.id.in_(chunk))
        towns.update(db.session.execute(stmt.execution_options(all_towns=True)).tuples().all())
    return towns


def _update(changes: list[dict]) -> None:
    """UPDATE by primary key, grouped by the columns that change; alert objects already loaded are refreshed."""
    if not changes:
        return
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for change in changes:
        by_columns.setdefault(tuple(sorted(change)), []).append(change)
    for rows in by_columns.values():
        db.session.execute(sa.update(Alert), rows)
    changed = {c["id"] for c in changes}
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Alert) and obj.id in changed:
            db.session.expire(obj)


def _notice(moved: DeadlineMoved) -> DueItem:
    return DueItem(
        DueKind.DEADLINE_CHANGED,
        f"{moved.document_id}:{moved.label}:{moved.new.isoformat()}",
        moved.document_id,
        moved.unit_id,
        None,
        moved.new,
        None,
        False,
        f"《{moved.title}》{moved.label}由 {moved.old.isoformat()} 调整为 {moved.new.isoformat()}",
        moved.label,
    )


def _recompute_provisional(now: datetime) -> list[DeadlineMoved]:
    """Due dates computed on an unconfirmed year are computed again once the calendar knows more."""
    calendar = load_calendar()
    moved = review_services.recompute_provisional_due(calendar) + filing_services.recompute_provisional_due(calendar)
    for m in moved:
        audit.record(
            "deadline.changed",
            actor=None,
            now=now,
            object_type="document",
            object_id=m.document_id,
            document_id=m.document_id,
            summary=f"{m.label}因节假日安排确认由 {m.old.isoformat()} 调整为 {m.new.isoformat()}",
        )
    return moved


def scan(*, today: date, now: datetime) -> ScanResult:
    """Every record's alerts on `today`. Reads the due items and the open alerts, not every document."""
    # Two scans at once (the scheduler's and one typed by hand) would both create the same alerts: one waits.
    serialize(Alert.__table__)
    result = ScanResult()
    moved = _recompute_provisional(now)
    expected = {(e.kind, e.key): e for e in due_items(today)}
    for m in moved:
        e = _notice(m)
        expected[(e.kind, e.key)] = e
    existing = _read(Alert.level.in_(OPEN_LEVELS))
    # A change notice stays while the deadline it speaks of is open.
    for (kind, key), a in existing.items():
        if kind is DueKind.DEADLINE_CHANGED and today <= a.due_on:
            kept = DueItem(kind, key, a.document_id, a.unit_id, None, a.due_on, None, False, a.message, "")
            expected.setdefault((kind, key), kept)
    existing.update(_alerts_with_keys(set(expected) - set(existing)))
    _reconcile(expected, existing, today=today, now=now, result=result)
    result.open = len(expected)  # every expected alert is open now, every other one resolved
    return result


def refresh(
    *,
    today: date,
    now: datetime,
    documents: Collection[int] = (),
    solicitations: Collection[int] = (),
    campaigns: Collection[int] = (),
) -> ScanResult:
    """The alerts of these documents, requests for comments and clean-up campaigns on `today`, as the scan would
    leave them.

    A change notice (DEADLINE_CHANGED) is the scan's own and is left as it is.
    """
    result = ScanResult()
    expected = {
        (e.kind, e.key): e
        for e in due_items(today, documents=documents, solicitations=solicitations, campaigns=campaigns)
    }
    existing: dict[Ident, sa.Row] = {}
    for ids in chunks(documents):
        existing.update(_read(sa.and_(Alert.document_id.in_(ids), Alert.kind != DueKind.DEADLINE_CHANGED)))
    existing.update(
        _alerts_with_keys((DueKind.COMMENT_REPLY_DUE, solicitation_queries.subject_key(i)) for i in solicitations)
    )
    existing.update(_alerts_with_keys((DueKind.CLEANUP_DUE, cleanup_queries.campaign_key(i)) for i in campaigns))
    existing.update(_alerts_with_keys(set(expected) - set(existing)))
    _reconcile(expected, existing, today=today, now=now, result=result)
    return result
