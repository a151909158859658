"""A filing per publication, with one attempt per submission (resubmissions after correction)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import LabelledEnum, TimestampMixin, enum_column
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.tenancy import DocumentPart


class FilingResult(LabelledEnum):
    REGISTERED = ("registered", "予以备案")
    CORRECTION = ("correction", "暂缓登记、限期补正")
    NOT_ACCEPTED = ("not_accepted", "不予备案")
    CORRECTION_ORDERED = ("correction_ordered", "纠正意见")
    # Not a review result: the packet was incomplete and not accepted (不予受理，退回补正).
    PACKET_RETURNED = ("packet_returned", "备案材料退回补正")


class Filing(DocumentPart, TimestampMixin, db.Model):
    __tablename__ = "filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    publication_id: Mapped[int] = mapped_column(sa.ForeignKey("publications.id"), unique=True)
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    # Computed from the publication date by the rule set; the rule is snapshotted with it.
    due_on: Mapped[date]
    due_rule_code: Mapped[str] = mapped_column(sa.String(40))
    due_rule_days: Mapped[int]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    first_submitted_on: Mapped[date | None]
    # The 备案报告's own 发文字号, from the issuer's 报告 series; taken at the first generation and kept.
    report_number: Mapped[str | None] = mapped_column(sa.String(60), unique=True)

    document: Mapped[Document] = relationship()
    attempts: Mapped[list[FilingAttempt]] = relationship(
        back_populates="filing", order_by="FilingAttempt.attempt_no", cascade="all, delete-orphan"
    )

    @property
    def on_time(self) -> bool | None:
        """报备及时: the first submission was on or before the due date (None while not submitted)."""
        if self.first_submitted_on is None:
            return None
        return self.first_submitted_on <= self.due_on


class FilingAttempt(db.Model):
    __tablename__ = "filing_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    filing_id: Mapped[int] = mapped_column(sa.ForeignKey("filings.id", ondelete="CASCADE"))
    attempt_no: Mapped[int]
    submitted_on: Mapped[date]
    method: Mapped[str] = mapped_column(sa.String(50))
    system_ref: Mapped[str | None] = mapped_column(sa.String(100))
    result: Mapped[FilingResult | None] = mapped_column(enum_column(FilingResult, "filing_result"))
    result_on: Mapped[date | None]
    result_note: Mapped[str] = mapped_column(sa.Text, default="")
    correction_due_on: Mapped[date | None]
    # When the city's 备案审查 answer to this submission is due (docs/rules.md §5), fixed at submission with the rule's
    # value (`filing_review`); an extension the city announces adds `filing_review_extension` days to it.
    review_due_on: Mapped[date | None]
    review_due_days: Mapped[int | None]
    review_due_provisional: Mapped[bool] = mapped_column(default=False)
    review_extended_on: Mapped[date | None]
    review_extension_days: Mapped[int | None]
    review_extension_note: Mapped[str | None] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # Filed in this product to the city's bureau, which reviews it here (docs/rules.md §5 备案审查): the bureau
    # accepts (受理) or returns the packet, decides, and issues its numbered 备案审查意见. Otherwise the city answered
    # through its own system and the clerk records what it said.
    in_product: Mapped[bool] = mapped_column(default=False)
    accepted_on: Mapped[date | None]
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    opinion_number: Mapped[str | None] = mapped_column(sa.String(60), unique=True)

    filing: Mapped[Filing] = relationship(back_populates="attempts")

    __table_args__ = (
        sa.UniqueConstraint("filing_id", "attempt_no"),
        sa.CheckConstraint("result_on IS NULL OR result_on >= submitted_on", name="result_after_submission"),
        sa.CheckConstraint(
            "correction_due_on IS NULL OR (result_on IS NOT NULL AND correction_due_on >= result_on)",
            name="correction_after_result",
        ),
        sa.CheckConstraint(
            "review_extended_on IS NULL OR review_extended_on >= submitted_on", name="extension_after_submission"
        ),
        sa.CheckConstraint("accepted_on IS NULL OR accepted_on >= submitted_on", name="accepted_after_submission"),
        sa.Index("ix_filing_attempts_in_product_open", "in_product", "result"),
    )
