"""Campaigns with a per-document result, and evaluations (docs/rules.md §6)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.tenancy import DocumentPart, TownScoped, TownShared


class CampaignKind(LabelledEnum):
    ROUTINE = ("routine", "日常清理")
    PERIODIC = ("periodic", "定期清理")
    SPECIAL = ("special", "专项清理")
    COMPREHENSIVE = ("comprehensive", "全面清理")


class CampaignTrigger(LabelledEnum):
    SCHEDULE = ("schedule", "按计划")
    HIGHER_LAW = ("higher_law", "上位法或上级文件变化")
    INSTRUCTION = ("instruction", "上级部署")


class CampaignPhase(LabelledEnum):
    PROPOSING = ("proposing", "起草单位提出意见")
    REVIEWING = ("reviewing", "司法所审核")
    DELIBERATED = ("deliberated", "已审议")
    PUBLISHED = ("published", "结果已公布")


class CleanupResult(LabelledEnum):
    KEEP = ("keep", "继续有效")
    AMEND = ("amend", "修改")
    REPEAL = ("repeal", "废止")
    DECLARE_INVALID = ("declare_invalid", "宣布失效")


class EvaluationReason(LabelledEnum):
    VALIDITY_ENDING = ("validity_ending", "有效期届满前评估")
    PERIODIC = ("periodic", "定期评估")
    MANUAL = ("manual", "专项评估")


class EvaluationConclusion(LabelledEnum):
    CONTINUE = ("continue", "继续施行（重新登记发布）")
    AMEND = ("amend", "修改")
    EXPIRE = ("expire", "期满失效")
    REPEAL = ("repeal", "废止")


class CityCampaign(TownShared, TimestampMixin, db.Model):
    """A clean-up the city deploys to all its towns at once (one cut-off): each town clears its own documents in
    its own campaign (CleanupCampaign.city_campaign_id), and the city follows each town's progress."""

    __tablename__ = "city_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The city (its towns read it: their campaigns name it).
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("towns.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[CampaignKind] = mapped_column(enum_column(CampaignKind, "campaign_kind"))
    # The 文号 of the city's notice deploying the clean-up.
    notice_ref: Mapped[str] = mapped_column(sa.String(200))
    cutoff_on: Mapped[date]
    # When the city wants the towns' results published by.
    due_on: Mapped[date]
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    campaigns: Mapped[list[CleanupCampaign]] = relationship(
        back_populates="city_campaign", order_by="CleanupCampaign.town_id"
    )

    __table_args__ = (
        sa.CheckConstraint("due_on >= cutoff_on", name="due_after_cutoff"),
        sa.Index("ix_city_campaigns_town_id_id", "town_id", "id"),
    )


class CleanupCampaign(TownScoped, TimestampMixin, db.Model):
    __tablename__ = "cleanup_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The town whose documents the campaign clears.
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("towns.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[CampaignKind] = mapped_column(enum_column(CampaignKind, "campaign_kind"))
    trigger: Mapped[CampaignTrigger] = mapped_column(enum_column(CampaignTrigger, "campaign_trigger"))
    # The higher law that changed, or the 文号 of the instruction from above.
    trigger_ref: Mapped[str | None] = mapped_column(sa.String(200))
    cutoff_on: Mapped[date]
    scope_note: Mapped[str] = mapped_column(sa.Text, default="")
    phase: Mapped[CampaignPhase] = mapped_column(
        enum_column(CampaignPhase, "campaign_phase"), default=CampaignPhase.PROPOSING
    )
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    deliberated_on: Mapped[date | None]
    deliberation_meeting: Mapped[str | None] = mapped_column(sa.String(100))
    published_on: Mapped[date | None]
    notice_number: Mapped[str | None] = mapped_column(sa.String(60))
    notice_url: Mapped[str | None] = mapped_column(sa.String(500))
    # The city's clean-up this campaign is the town's part of (None: the town's own).
    city_campaign_id: Mapped[int | None] = mapped_column(sa.ForeignKey("city_campaigns.id"), index=True)

    city_campaign: Mapped[CityCampaign | None] = relationship(back_populates="campaigns")
    items: Mapped[list[CleanupItem]] = relationship(
        back_populates="campaign", order_by="CleanupItem.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("published_on IS NULL OR deliberated_on IS NOT NULL", name="deliberated_before_publish"),
        # A town's campaigns, newest first.
        sa.Index("ix_cleanup_campaigns_town_id_id", "town_id", "id"),
    )


class CleanupItem(DocumentPart, db.Model):
    __tablename__ = "cleanup_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("cleanup_campaigns.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    proposed_result: Mapped[CleanupResult | None] = mapped_column(enum_column(CleanupResult, "proposed_result"))
    proposed_reason: Mapped[str] = mapped_column(sa.Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_result: Mapped[CleanupResult | None] = mapped_column(enum_column(CleanupResult, "reviewed_result"))
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # For 修改: the revision must be done by this date (rule set: 3 months after publication of the result).
    revision_due_on: Mapped[date | None]
    applied_on: Mapped[date | None]

    campaign: Mapped[CleanupCampaign] = relationship(back_populates="items")
    document: Mapped[Document] = relationship()

    __table_args__ = (sa.UniqueConstraint("campaign_id", "document_id"),)


class Evaluation(DocumentPart, TimestampMixin, db.Model):
    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    reason: Mapped[EvaluationReason] = mapped_column(enum_column(EvaluationReason, "evaluation_reason"))
    opened_on: Mapped[date]
    due_on: Mapped[date]
    report_attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachments.id"))
    conclusion: Mapped[EvaluationConclusion | None] = mapped_column(
        enum_column(EvaluationConclusion, "evaluation_conclusion")
    )
    conclusion_reason: Mapped[str] = mapped_column(sa.Text, default="")
    concluded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    concluded_on: Mapped[date | None] = mapped_column(index=True)  # the open ones (NULL): the drafter's home page
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reviewed_on: Mapped[date | None]
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    # For 修改: the revision must be done by this date (rule set: revision_after_cleanup).
    revision_due_on: Mapped[date | None]

    document: Mapped[Document] = relationship()

    __table_args__ = (sa.CheckConstraint("due_on >= opened_on", name="due_after_open"),)
