"""Alerts follow every change at once: before a transaction commits, the alerts of the documents (and requests for
comments) it touched are brought up to date in it, so publishing at 10:00 puts the filing deadline on the clerk's
risk board at 10:00, not after the next morning's scan.

The domains know nothing of this: the session reports which records a unit of work wrote, and this module maps them
to documents. Registered once by the application factory (init_app).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from tracker.alerts.models import Alert, ReminderSend
from tracker.alerts.scan import refresh
from tracker.audit.models import AuditEvent
from tracker.cleanup.models import CleanupCampaign
from tracker.common import timeutil
from tracker.documents.models import Document, DocumentRelation
from tracker.extensions import db
from tracker.filing.models import Filing, FilingAttempt
from tracker.rules.due import chunks
from tracker.solicitations.models import Solicitation

_KEY = "alerts.touched"
# Written by the alerts themselves: reading them back would only refresh what was just refreshed.
_OWN = (Alert, ReminderSend)


@dataclass
class Touched:
    documents: set[int] = field(default_factory=set)
    filings: set[int] = field(default_factory=set)
    solicitations: set[int] = field(default_factory=set)
    campaigns: set[int] = field(default_factory=set)
    # The latest instant the unit of work recorded its changes at (services write an audit event with their `now`).
    at: datetime | None = None

    def __bool__(self) -> bool:
        return bool(self.documents or self.filings or self.solicitations or self.campaigns)


def _collect(session: Session, flush_context) -> None:
    """After each flush: note what was written (ids of new rows are known by now)."""
    touched = session.info.setdefault(_KEY, Touched())
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, _OWN):
            continue
        # The instance's own state only: no lazy load inside a flush.
        values = sa.inspect(obj).dict
        if isinstance(obj, Document):
            touched.documents.add(values.get("id"))
        elif isinstance(obj, Solicitation):
            touched.solicitations.add(values.get("id"))
        elif isinstance(obj, CleanupCampaign):
            touched.campaigns.add(values.get("id"))
        elif isinstance(obj, DocumentRelation):
            # A newer document amending an older one ends the older one's revision step.
            touched.documents.update((values.get("source_id"), values.get("target_id")))
        elif isinstance(obj, FilingAttempt):
            touched.filings.add(values.get("filing_id"))
        else:
            touched.documents.add(values.get("document_id"))
        if isinstance(obj, AuditEvent) and values.get("occurred_at") is not None:
            touched.at = max(touched.at or values["occurred_at"], values["occurred_at"])
    for ids in (touched.documents, touched.filings, touched.solicitations, touched.campaigns):
        ids.discard(None)


def _refresh_touched(session: Session) -> None:
    """Before commit: refresh the alerts of what the transaction touched, as of the day it did so."""
    if session.in_nested_transaction():  # a savepoint (e.g. the refresh's own): the outer commit refreshes
        return
    session.flush()
    touched: Touched = session.info.pop(_KEY, None) or Touched()
    if not touched:
        return
    documents = set(touched.documents)
    for ids in chunks(touched.filings):
        documents.update(session.scalars(sa.select(Filing.document_id).where(Filing.id.in_(ids))))
    now = touched.at or timeutil.now_utc()
    refresh(
        today=timeutil.office_today(now),
        now=now,
        documents=documents,
        solicitations=touched.solicitations,
        campaigns=touched.campaigns,
    )
    session.flush()
    session.info.pop(_KEY, None)


def _forget(session: Session, transaction) -> None:
    """A transaction that ended without the refresh (rolled back) leaves nothing for the next one."""
    if transaction.parent is None:
        session.info.pop(_KEY, None)


def init_app(app: Flask) -> None:
    """Register the hooks on the application's session (once: every app of the process shares `db.session`)."""
    hooks = (("after_flush", _collect), ("before_commit", _refresh_touched), ("after_transaction_end", _forget))
    for name, fn in hooks:
        if not event.contains(db.session, name, fn):
            event.listen(db.session, name, fn)
