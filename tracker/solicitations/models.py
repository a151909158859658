"""A request for comments on a higher level's draft, and the town's reply."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import Unit, User
from tracker.db import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from tracker.extensions import db
from tracker.tenancy import TownScoped


class SolicitationPhase(LabelledEnum):
    REGISTERED = ("registered", "待办理")
    DRAFTING = ("drafting", "答复起草中")
    SENT = ("sent", "已答复")
    NO_COMMENT = ("no_comment", "无意见（已回复）")


class Solicitation(TownScoped, TimestampMixin, db.Model):
    __tablename__ = "solicitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The town that received the draft for comment.
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("towns.id"))
    from_body: Mapped[str] = mapped_column(sa.String(100))
    title: Mapped[str] = mapped_column(sa.String(300))
    reference: Mapped[str | None] = mapped_column(sa.String(100))
    received_on: Mapped[date]
    reply_due_on: Mapped[date]
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    phase: Mapped[SolicitationPhase] = mapped_column(
        enum_column(SolicitationPhase, "solicitation_phase"), default=SolicitationPhase.REGISTERED
    )
    reply_text: Mapped[str] = mapped_column(sa.Text, default="")
    sent_on: Mapped[date | None]
    sent_method: Mapped[str | None] = mapped_column(sa.String(50))
    # The organ that replies and signs (the town government when none is chosen) and the reply's own 文号, taken
    # from that organ's 函 series when the reply is sent.
    reply_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    reply_number: Mapped[str | None] = mapped_column(sa.String(60), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(default=1)

    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    reply_unit: Mapped[Unit | None] = relationship(foreign_keys=[reply_unit_id])

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint("reply_due_on >= received_on", name="due_after_receipt"),
        sa.CheckConstraint("sent_on IS NULL OR sent_on >= received_on", name="sent_after_receipt"),
        # A town's drafts for comment: the open ones by reply date first.
        sa.Index("ix_solicitations_town_id_phase_reply_due_on", "town_id", "phase", "reply_due_on"),
    )
