"""Deadline alerts (one per step that is due) and the daily reminder digests sent for them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.rules.due import DueKind
from tracker.tenancy import TownScoped

# An alert speaks of one due step, so its kind is the step's kind (the domains name it: tracker/rules/due.py).
AlertKind = DueKind


class AlertLevel(LabelledEnum):
    OPEN = ("open", "未到期")
    DUE_SOON = ("due_soon", "即将到期")
    OVERDUE = ("overdue", "已逾期")
    RESOLVED = ("resolved", "已办结")


class Alert(TownScoped, TimestampMixin, db.Model):
    """One deadline of one record, created once (unique key) and resolved when the step is done."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The town of the record the deadline belongs to.
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("towns.id"))
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, "alert_kind"))
    subject_key: Mapped[str] = mapped_column(sa.String(80))
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    # The person the alert is for, when it is one person's (the assigned reviewer); else by role and unit.
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    due_on: Mapped[date]
    rule_code: Mapped[str | None] = mapped_column(sa.String(40))
    provisional: Mapped[bool] = mapped_column(default=False)
    level: Mapped[AlertLevel] = mapped_column(enum_column(AlertLevel, "alert_level"), default=AlertLevel.OPEN)
    level_changed_on: Mapped[date | None]
    resolved_on: Mapped[date | None]
    message: Mapped[str] = mapped_column(sa.String(300), default="")

    document: Mapped[Document | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("kind", "subject_key"),
        # The morning scan, across every town.
        sa.Index("ix_alerts_level_due_on", "level", "due_on"),
        # A town's open deadlines, earliest first (the boards, the risk list).
        sa.Index("ix_alerts_town_id_level_due_on", "town_id", "level", "due_on"),
        # The boards' counts of a town's open alerts by kind and by unit, read from the index alone.
        sa.Index("ix_alerts_town_id_level_kind_unit_id", "town_id", "level", "kind", "unit_id"),
        # A drafting unit's open deadlines, earliest first (its home page).
        sa.Index("ix_alerts_unit_id_level_due_on", "unit_id", "level", "due_on"),
    )


# Every level of an alert still open, the most urgent first.
OPEN_LEVELS = (AlertLevel.OVERDUE, AlertLevel.DUE_SOON, AlertLevel.OPEN)


class ReminderSend(db.Model):
    """A user's daily digest: sent once per day, retried on failure, never lost."""

    __tablename__ = "reminder_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    day: Mapped[date]
    items: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(sa.String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        sa.UniqueConstraint("user_id", "day"),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_valid"),
    )
