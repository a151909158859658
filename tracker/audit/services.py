"""Writing audit events; every service that changes a record calls record() in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tracker.audit.models import AuditEvent
from tracker.extensions import db


def _actor_id(actor: Any) -> int | None:
    return getattr(actor, "id", None)


def record(
    action: str,
    *,
    actor: Any,
    now: datetime,
    summary: str,
    object_type: str,
    object_id: int | None,
    document_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    event = AuditEvent(
        occurred_at=now,
        actor_id=_actor_id(actor),
        action=action,
        object_type=object_type,
        object_id=object_id,
        document_id=document_id,
        summary=summary[:500],
        before=before,
        after=after,
    )
    db.session.add(event)
    return event


def document_history(document_id: int) -> list[AuditEvent]:
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.document_id == document_id)
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    )
    return list(db.session.scalars(stmt))


def user_history(user_id: int, *, limit: int = 200) -> list[AuditEvent]:
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.actor_id == user_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
