"""The rule set, settings, calendar overrides and deadline alerts."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from tracker.documents.models import Document
from tracker.extensions import db


class DayUnit(LabelledEnum):
    WORKING_DAYS = ("wd", "工作日")
    CALENDAR_DAYS = ("cd", "自然日")
    MONTHS = ("months", "个月")
    YEARS = ("years", "年")


class Confidence(LabelledEnum):
    VERIFIED = ("V", "已核实（见于本地规定）")
    OTHER_LOCALITY = ("C", "参照外地规定")
    PRACTICE = ("R", "通行做法（默认值）")


class Rule(db.Model):
    """A time limit of docs/rules.md §3 as data: value, day type, source and how sure we are."""

    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    value: Mapped[int]
    unit: Mapped[DayUnit] = mapped_column(enum_column(DayUnit, "day_unit"))
    source: Mapped[str] = mapped_column(sa.String(300))
    confidence: Mapped[Confidence] = mapped_column(enum_column(Confidence, "confidence"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (sa.CheckConstraint("value >= 0", name="value_not_negative"),)


class Setting(db.Model):
    """Other configurable values: number patterns, packet checklists, schedules (JSON text)."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str] = mapped_column(sa.String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CalendarYear(db.Model):
    """A year whose official holiday schedule was entered; dates in it are no longer provisional."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(sa.String(200))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class CalendarDay(db.Model):
    """One day of an official schedule (holiday or make-up workday 调休); overrides the package."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    source: Mapped[str] = mapped_column(sa.String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.CheckConstraint("kind IN ('holiday', 'workday')", name="kind_valid"),)


class AlertKind(LabelledEnum):
    REVIEW_DUE = ("review_due", "合法性审查期限")
    DELIBERATION_PENDING = ("deliberation_pending", "待集体审议")
    EFFECT_DUE = ("effect_due", "待施行")
    FILING_DUE = ("filing_due", "报备期限")
    CORRECTION_DUE = ("correction_due", "备案补正期限")
    EVALUATION_DUE = ("evaluation_due", "有效期届满前评估")
    REVISION_DUE = ("revision_due", "清理后修改期限")
    COMMENT_REPLY_DUE = ("comment_reply_due", "上级征求意见答复期限")
    DEADLINE_CHANGED = ("deadline_changed", "期限变化")


class AlertLevel(LabelledEnum):
    OPEN = ("open", "未到期")
    DUE_SOON = ("due_soon", "即将到期")
    OVERDUE = ("overdue", "已逾期")
    RESOLVED = ("resolved", "已办结")


class Alert(TimestampMixin, db.Model):
    """One deadline of one record, created once (unique key) and resolved when the step is done."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
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
        sa.Index("ix_alerts_level_due_on", "level", "due_on"),
    )


class JobRun(db.Model):
    """One row per (job, trigger day), written in the job's own transaction: a second scheduler (or a restart)
    that finds the row does not run the job again; a job that failed left no row, so it runs again."""

    __tablename__ = "job_runs"

    job_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    run_on: Mapped[date] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[str] = mapped_column(sa.String(300), default="")


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
