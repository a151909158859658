"""Public comment, procedure checks, review rounds, findings, opinions and deliberations (docs/rules.md §2–§4)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from tracker.documents.models import Attachment, Document, DocumentVersion
from tracker.extensions import db
from tracker.rules.models import Conclusion
from tracker.tenancy import DocumentPart


class Disposition(LabelledEnum):
    PENDING = ("pending", "待处理")
    ADOPTED = ("adopted", "采纳")
    PARTLY = ("partly", "部分采纳")
    NOT_ADOPTED = ("not_adopted", "不采纳")


class ProcedureKind(LabelledEnum):
    FAIR_COMPETITION = ("fair_competition", "公平竞争审查")
    EXPERT = ("expert", "专家论证")
    RISK = ("risk", "风险评估")
    DEPARTMENTS = ("departments", "征求部门意见")


class ReviewPoint(LabelledEnum):
    """The nine review points of docs/rules.md §4, in the order of the worksheet."""

    AUTHORITY_BODY = ("body", "制定主体是否合法")
    COMPETENCE = ("competence", "是否超越法定职权")
    PROCEDURE = ("procedure", "制定程序是否符合规定")
    CONSISTENCY = ("consistency", "内容是否与上位法及上级文件相抵触")
    NO_NEW_POWERS = ("no_new_powers", "是否违法设定许可、处罚、强制、收费等事项")
    RIGHTS = ("rights", "是否违法减损权利或增加义务")
    DUTIES = ("duties", "是否违法增加本机关权力或减少法定职责")
    COMPETITION = ("competition", "是否排除、限制公平竞争")
    TECHNIQUE = ("technique", "文件名称、结构和表述是否规范")


class PointResult(LabelledEnum):
    COMPLIES = ("complies", "符合")
    DOES_NOT = ("does_not", "不符合")
    NOT_APPLICABLE = ("na", "不适用")


class FindingResponse(LabelledEnum):
    ADOPTED = ("adopted", "采纳")
    PARTLY = ("partly", "部分采纳")
    NOT_ADOPTED = ("not_adopted", "不采纳")


class FlagState(LabelledEnum):
    OPEN = ("open", "待处理")
    FINDING = ("finding", "已转为审查意见")
    DISMISSED = ("dismissed", "已排除")


class DeliberationDecision(LabelledEnum):
    APPROVED = ("approved", "审议通过")
    REVISE = ("revise", "修改后再审议")
    NOT_APPROVED = ("not_approved", "不予通过")


class Consultation(DocumentPart, TimestampMixin, db.Model):
    """A public-comment window (公开征求意见)."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(sa.String(100))
    url: Mapped[str | None] = mapped_column(sa.String(500))
    start_on: Mapped[date]
    end_on: Mapped[date]
    # Required when the window is shorter than the rule set's minimum.
    short_reason: Mapped[str | None] = mapped_column(sa.Text)
    rule_min_days: Mapped[int | None]
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The day comment really closed; before end_on only with a reason (docs/rules.md §2 stage 3).
    closed_on: Mapped[date | None]
    close_reason: Mapped[str | None] = mapped_column(sa.Text)

    document: Mapped[Document] = relationship()
    comments: Mapped[list[ConsultationComment]] = relationship(
        back_populates="consultation", order_by="ConsultationComment.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("end_on >= start_on", name="window_order"),
        sa.CheckConstraint("closed_on IS NULL OR closed_on >= start_on", name="closed_after_start"),
        sa.CheckConstraint(
            "closed_on IS NULL OR closed_on >= end_on OR close_reason IS NOT NULL", name="early_close_reason"
        ),
    )

    @property
    def actual_end_on(self) -> date:
        """The last day comment was open: the real close when it closed early, else the announced end."""
        return self.closed_on if self.closed_on is not None and self.closed_on < self.end_on else self.end_on

    @property
    def days(self) -> int:
        """Days comment was really open, both ends counted (docs/rules.md §3, comment_min)."""
        return (self.actual_end_on - self.start_on).days + 1


class ConsultationComment(db.Model):
    __tablename__ = "consultation_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultations.id", ondelete="CASCADE"))
    commenter: Mapped[str] = mapped_column(sa.String(100), default="")
    content: Mapped[str] = mapped_column(sa.Text)
    received_on: Mapped[date | None]
    disposition: Mapped[Disposition] = mapped_column(
        enum_column(Disposition, "disposition"), default=Disposition.PENDING
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")

    consultation: Mapped[Consultation] = relationship(back_populates="comments")


class ProcedureCheck(DocumentPart, TimestampMixin, db.Model):
    """Fair-competition review, expert argumentation, risk assessment, departmental consultation."""

    __tablename__ = "procedure_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"))
    kind: Mapped[ProcedureKind] = mapped_column(enum_column(ProcedureKind, "procedure_kind"))
    applicable: Mapped[bool]
    conclusion: Mapped[str] = mapped_column(sa.Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachments.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    attachment: Mapped[Attachment | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("document_id", "kind"),)


class ReviewRound(DocumentPart, TimestampMixin, db.Model):
    """One submission to the 司法所 and its review; a return for revision starts a new round."""

    __tablename__ = "review_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    round_no: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version_id_reviewed: Mapped[int | None] = mapped_column(sa.ForeignKey("document_versions.id"))
    received_on: Mapped[date]
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The due date as computed, with the rule it was computed from (a later rule edit does not move it).
    due_on: Mapped[date]
    due_rule_code: Mapped[str] = mapped_column(sa.String(40))
    due_rule_days: Mapped[int]
    due_provisional: Mapped[bool] = mapped_column(default=False)
    extended_due_on: Mapped[date | None]
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    conclusion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("conclusions.id"))
    concluded_on: Mapped[date | None]
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the 司法所 returns an incomplete packet at receipt (no opinion is issued then).
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    concluded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    worksheet_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version_id: Mapped[int] = mapped_column(default=1)

    document: Mapped[Document] = relationship()
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    conclusion: Mapped[Conclusion | None] = relationship()
    points: Mapped[list[ReviewPointResult]] = relationship(
        back_populates="round", order_by="ReviewPointResult.id", cascade="all, delete-orphan"
    )
    findings: Mapped[list[Finding]] = relationship(
        back_populates="round", order_by="Finding.position", cascade="all, delete-orphan"
    )
    opinion: Mapped[Opinion | None] = relationship(back_populates="round", uselist=False)

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("document_id", "round_no"),
        sa.CheckConstraint("due_on >= received_on", name="due_after_receipt"),
        sa.CheckConstraint(
            "extended_due_on IS NULL OR (extended_due_on > due_on AND extension_reason IS NOT NULL)",
            name="extension_has_reason",
        ),
    )

    @property
    def effective_due_on(self) -> date:
        return self.extended_due_on or self.due_on


class ReviewPointResult(db.Model):
    __tablename__ = "review_point_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id", ondelete="CASCADE"))
    point: Mapped[ReviewPoint] = mapped_column(enum_column(ReviewPoint, "review_point"))
    result: Mapped[PointResult] = mapped_column(enum_column(PointResult, "point_result"))
    note: Mapped[str] = mapped_column(sa.Text, default="")

    round: Mapped[ReviewRound] = relationship(back_populates="points")

    __table_args__ = (sa.UniqueConstraint("round_id", "point"),)


class Finding(db.Model):
    """A clause-level finding (e.g. 第五条第二款) with its legal basis, a suggested change and the drafter's answer."""

    __tablename__ = "findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    clause: Mapped[str] = mapped_column(sa.String(100), default="")
    problem: Mapped[str] = mapped_column(sa.Text)
    legal_basis: Mapped[str] = mapped_column(sa.Text, default="")
    suggestion: Mapped[str] = mapped_column(sa.Text, default="")
    response: Mapped[FindingResponse | None] = mapped_column(enum_column(FindingResponse, "finding_response"))
    response_reason: Mapped[str] = mapped_column(sa.Text, default="")
    responded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The anchor: the clause (its key in the structure of that version, and its words then). A later version is
    # compared with these words to say what became of the clause (documents/structure.trace).
    text_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("document_versions.id"))
    unit_key: Mapped[str] = mapped_column(sa.String(40), default="")
    quote: Mapped[str] = mapped_column(sa.Text, default="")

    round: Mapped[ReviewRound] = relationship(back_populates="findings")
    text_version: Mapped[DocumentVersion | None] = relationship()


class PrecheckFlag(db.Model):
    """A pre-check flag on one clause of the version under review; the reviewer turns it into a finding or
    dismisses it with a reason, and both are kept (docs/precheck.md)."""

    __tablename__ = "precheck_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id", ondelete="CASCADE"), index=True)
    text_version_id: Mapped[int] = mapped_column(sa.ForeignKey("document_versions.id"))
    unit_key: Mapped[str] = mapped_column(sa.String(40))
    ref: Mapped[str] = mapped_column(sa.String(100))
    point: Mapped[int]
    rule_code: Mapped[str] = mapped_column(sa.String(40))
    label: Mapped[str] = mapped_column(sa.String(100))
    words: Mapped[str] = mapped_column(sa.Text, default="")
    why: Mapped[str] = mapped_column(sa.Text, default="")
    quote: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[FlagState] = mapped_column(enum_column(FlagState, "flag_state"), default=FlagState.OPEN)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    finding_id: Mapped[int | None] = mapped_column(sa.ForeignKey("findings.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[ReviewRound] = relationship()
    finding: Mapped[Finding | None] = relationship()
    decided_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("round_id", "unit_key", "rule_code"),
        sa.CheckConstraint("point BETWEEN 1 AND 9", name="point_range"),
        sa.CheckConstraint("state <> 'dismissed' OR reason <> ''", name="dismissal_has_reason"),
    )


class PrecheckRuleSetting(TimestampMixin, db.Model):
    """The office's pre-check rules: a default rule switched off or on (builtin, only `active` counts), or a rule
    the administrator added (words or a pattern, the point, the explanation). The defaults live in
    review/precheck.py; this table holds what the office changed."""

    __tablename__ = "precheck_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    builtin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    point: Mapped[int] = mapped_column(default=9)
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    pattern: Mapped[str] = mapped_column(sa.Text, default="")
    unless_basis: Mapped[bool] = mapped_column(default=False)
    needs_private_subject: Mapped[bool] = mapped_column(default=False)
    unless: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (sa.CheckConstraint("point BETWEEN 1 AND 9", name="point_range"),)


class Opinion(DocumentPart, TimestampMixin, db.Model):
    """The numbered written opinion (审查意见书); each town's serial runs per year, never skipped (its counter is
    opinion:<town>); the number itself is unique across the install."""

    __tablename__ = "opinions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("review_rounds.id"), unique=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(sa.String(60), unique=True)
    issued_on: Mapped[date]
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    addressee: Mapped[str] = mapped_column(sa.String(100))

    round: Mapped[ReviewRound] = relationship(back_populates="opinion")
    document: Mapped[Document] = relationship()
    issued_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("seq >= 1", name="seq_positive"),)


class Deliberation(DocumentPart, TimestampMixin, db.Model):
    """Collective deliberation (集体审议); never recorded without a passing review (国办发〔2018〕37号)."""

    __tablename__ = "deliberations"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(sa.ForeignKey("review_rounds.id"))
    meeting_name: Mapped[str] = mapped_column(sa.String(100))
    held_on: Mapped[date]
    decision: Mapped[DeliberationDecision] = mapped_column(enum_column(DeliberationDecision, "deliberation_decision"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    minutes_attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachments.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    document: Mapped[Document] = relationship()
