"""The rule set, settings, calendar overrides and deadline alerts."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import LabelledEnum, UTCDateTime, enum_column, utcnow
from tracker.extensions import db
from tracker.tenancy import TownScoped


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


class TownRule(TownScoped, db.Model):
    """A town's own value of a time limit its own people apply (docs/rules.md §3): stricter than the install's,
    never laxer (ruleset.TOWN_RULES says which way), in the install's unit. Read in the town's requests."""

    __tablename__ = "town_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("towns.id"))
    code: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[int]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version_id: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.UniqueConstraint("town_id", "code"),
        sa.CheckConstraint("value > 0", name="value_positive"),
    )


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


class Outcome(LabelledEnum):
    """What a conclusion does to the document; the wording of conclusions is configurable."""

    PASS = ("pass", "通过")
    RETURN = ("return", "退回修改")
    REJECT = ("reject", "不同意出台")
    DEFER = ("defer", "暂缓出台")


class Conclusion(db.Model):
    """The configurable list of review conclusions (合法，同意出台 …) and what each one does."""

    __tablename__ = "conclusions"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(50), unique=True)
    outcome: Mapped[Outcome] = mapped_column(enum_column(Outcome, "outcome"))
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def passing(self) -> bool:
        return self.outcome is Outcome.PASS
