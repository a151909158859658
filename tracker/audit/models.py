"""The audit event table: append-only (the ORM refuses updates and deletes; on PostgreSQL a trigger too)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db
from tracker.tenancy import TownScoped

if TYPE_CHECKING:  # the audit sits below auth: it names the user table, not the module
    from tracker.auth.models import User


class AuditEvent(TownScoped, db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The town whose record changed; None for what belongs to the whole install (rules, calendar, templates).
    town_id: Mapped[int | None] = mapped_column(sa.ForeignKey("towns.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # None = the system (scheduler, command line without a user).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int | None]
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    summary: Mapped[str] = mapped_column(sa.String(500))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    # The hash chain (tracker/audit/chain.py), set once when the event's transaction commits: its place in the
    # chain, the previous event's hash and SHA-256(previous hash + this event's canonical content).
    chain_seq: Mapped[int | None] = mapped_column(unique=True)
    chain_prev: Mapped[str | None] = mapped_column(sa.String(64))
    chain_hash: Mapped[str | None] = mapped_column(sa.String(64))

    actor: Mapped[User | None] = relationship("User")

    # A town's trail, newest first (its history page and the document timelines read it through the town).
    __table_args__ = (sa.Index("ix_audit_events_town_id_occurred_at_id", "town_id", "occurred_at", "id"),)


class AuditChainHead(db.Model):
    """The chain's newest sealed event, one row: every seal locks it (appends never fork) and moves it on, so
    deleting the newest events is detected too."""

    __tablename__ = "audit_chain_heads"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int]
    hash: Mapped[str] = mapped_column(sa.String(64))
    sealed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The first place in the chain whose hash covers the event's town (migration 0020: events sealed before it were
    # given their town afterwards and keep the content they were sealed with).
    town_from: Mapped[int | None]

    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise RuntimeError("audit events are append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(orm_execute_state):
    # session.execute(update(AuditEvent)) / delete(...) skip the mapper events above: refuse them here.
    if orm_execute_state.is_update or orm_execute_state.is_delete:
        table = getattr(orm_execute_state.statement, "table", None)
        if getattr(table, "name", None) == AuditEvent.__tablename__:
            raise RuntimeError("audit events are append-only")


# On PostgreSQL the database itself refuses to change or remove an event, whoever connects (psql included). The
# one update allowed is the seal at commit: it fills the chain columns of an unsealed event and changes nothing
# else. SQLite has no such guard: there the hash chain is what shows a change (`flask audit verify`).
# Migration 0006 creates the same function and triggers.
APPEND_ONLY_FUNCTION = "audit_events_append_only"
APPEND_ONLY_DDL = (
    f"""CREATE OR REPLACE FUNCTION {APPEND_ONLY_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.chain_hash IS NULL AND NEW.chain_hash IS NOT NULL
           AND to_jsonb(NEW) - 'chain_seq' - 'chain_prev' - 'chain_hash'
             = to_jsonb(OLD) - 'chain_seq' - 'chain_prev' - 'chain_hash' THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION USING MESSAGE = 'audit_events is append-only: ' || TG_OP || ' refused';
END $$""",
    f"CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events"
    f" FOR EACH ROW EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()",
    f"CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events"
    f" FOR EACH STATEMENT EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}()",
)
for _statement in APPEND_ONLY_DDL:
    event.listen(AuditEvent.__table__, "after_create", sa.DDL(_statement).execute_if(dialect="postgresql"))
