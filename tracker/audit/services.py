"""Writing audit events; every service that changes a record calls record() in the same transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from tracker import tenancy
from tracker.audit.models import AuditEvent
from tracker.common.together import Part, rows_of
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
    town_id: int | None = None,
) -> AuditEvent:
    event = AuditEvent(
        town_id=town_id or _town_of(actor, document_id),
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


_DOCUMENTS = sa.table("documents", sa.column("id"), sa.column("town_id"))


def _town_of(actor: Any, document_id: int | None) -> int | None:
    """The town an event belongs to: the request's town; else (the scheduler acting, the city's bureau at its desk)
    the document's; else the actor's."""
    scope = tenancy.current()
    if scope is not None and not scope.reads:
        return scope.town_id
    if document_id is not None:
        return db.session.scalar(sa.select(_DOCUMENTS.c.town_id).where(_DOCUMENTS.c.id == document_id))
    if getattr(actor, "town_id", None) is not None:
        return actor.town_id
    if scope is not None:
        return scope.town_id
    return None


def history_part(document_id: int) -> Part:
    return Part(("history", document_id), AuditEvent, AuditEvent.document_id == document_id, (AuditEvent.occurred_at,))


def document_history(document_id: int) -> list[AuditEvent]:
    """The document's events, oldest first (read once per page: common/together.py)."""
    return rows_of(history_part(document_id))


def user_history(user_id: int, *, limit: int = 200) -> list[AuditEvent]:
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.actor_id == user_id)
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
