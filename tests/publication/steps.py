"""Row counts for "nothing was written" in the publication tests; the documents come from tests/factories.py."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.audit.models import AuditEvent
from tracker.common.numbering import NumberCounter
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.filing.models import Filing, FilingAttempt
from tracker.publication.models import Publication

COUNTED = {
    "documents": Document,
    "publications": Publication,
    "filings": Filing,
    "filing_attempts": FilingAttempt,
    "audit_events": AuditEvent,
}


def row_counts() -> dict[str, int]:
    """Rows per table; of the audit events only those of operations (a refused attempt is recorded too)."""
    counts = {name: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for name, m in COUNTED.items()}
    counts["audit_events"] -= refusals()
    return counts


def refusals() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action.like("refused.%")))


def counters() -> dict[tuple[str, int], int]:
    """The 发文字号 and 规范性文件编号 counters (the same table also counts review opinions: left out)."""
    rows = db.session.scalars(sa.select(NumberCounter).where(NumberCounter.scope.not_like("opinion:%")))
    return {(c.scope, c.year): c.last_value for c in rows}
