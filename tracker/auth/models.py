"""Organisations (units) and the people who log in."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.db import LabelledEnum, TimestampMixin, UTCDateTime, enum_column
from tracker.extensions import db
from tracker.tenancy import TownShared


class Role(LabelledEnum):
    ADMIN = ("admin", "管理员")
    REVIEWER = ("reviewer", "司法所审查员")
    CLERK = ("clerk", "党政办文秘")
    DRAFTER = ("drafter", "起草单位经办人")
    LEADER = ("leader", "领导（只读）")
    # The city justice bureau's 备案审查员: a person of the city, who reviews the filings of every town of it.
    BUREAU = ("bureau", "市司法局备案审查员")
    # A leader of the city (the justice bureau's, the city government's): reads the city's pages, nothing else.
    CITY_LEADER = ("city_leader", "市级领导（只读）")
    # The city's administrator: the city's own people and units, and what the install keeps for every town (the
    # install's time limits, the working-day calendar, pre-check rules, Word templates).
    CITY_ADMIN = ("city_admin", "市级系统管理员")


class DisplayMode(LabelledEnum):
    """How pages are drawn for this person; 长者模式 is larger type, stronger contrast, bigger targets."""

    STANDARD = ("standard", "标准模式")
    ELDER = ("elder", "长者模式")


class UnitKind(LabelledEnum):
    GOVERNMENT = ("government", "镇人民政府")
    GOVERNMENT_OFFICE = ("government_office", "镇政府办公室")
    DEPARTMENT = ("department", "镇属部门")
    JUDICIAL_OFFICE = ("judicial_office", "司法所")
    FILING_AUTHORITY = ("filing_authority", "备案审查机关")
    HIGHER_LEVEL = ("higher_level", "上级机关")


class TownKind(LabelledEnum):
    CITY = ("city", "市")
    TOWN = ("town", "镇")
    STREET = ("street", "街道")


class Town(TimestampMixin, db.Model):
    """An organisation of the install: the city (the root) or one of its towns and streets (docs/architecture.md).

    Each town keeps its own units, people, documents and numbers; the city keeps the justice bureau (备案审查机关)
    and the bodies above the towns. A single-town install is a city of one.
    """

    __tablename__ = "towns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(50), unique=True)
    kind: Mapped[TownKind] = mapped_column(enum_column(TownKind, "town_kind"), default=TownKind.TOWN)
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("towns.id"))
    # The short form in numbers and file names (沙溪); optional.
    short_name: Mapped[str | None] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Town | None] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Town {self.name}>"


class Unit(TownShared, TimestampMixin, db.Model):
    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The town (or the city, for the justice bureau and the bodies above the towns) the unit belongs to.
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("towns.id"))
    name: Mapped[str] = mapped_column(sa.String(100))
    short_name: Mapped[str | None] = mapped_column(sa.String(30))
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, "unit_kind"))
    # An issuer signs documents in its own name (镇政府, 镇政府办公室); its 文号 prefix feeds numbering.
    can_issue: Mapped[bool] = mapped_column(default=False)
    can_draft: Mapped[bool] = mapped_column(default=False)
    number_prefix: Mapped[str | None] = mapped_column(sa.String(20))
    active: Mapped[bool] = mapped_column(default=True)

    users: Mapped[list[User]] = relationship(back_populates="unit")
    town: Mapped[Town] = relationship()

    # Names are unique within a town: two towns each have their 司法所 and 党政办.
    __table_args__ = (sa.UniqueConstraint("town_id", "name"),)

    def __repr__(self) -> str:
        return f"<Unit {self.name}>"


class User(TownShared, UserMixin, TimestampMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Always the unit's town (auth.services keeps them equal): the scope of every page the person opens.
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("towns.id"), index=True)
    username: Mapped[str] = mapped_column(sa.String(50), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(50))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    email: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(30))
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # SHA-256 of the personal deadline feed's secret (.ics), like the API tokens: the address itself is shown once.
    ical_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # Stamped into each session at login; raising it ends every session made before (logout, password change,
    # reset, deactivation). Checked by the user loader.
    session_version: Mapped[int] = mapped_column(default=1)
    display_mode: Mapped[DisplayMode] = mapped_column(
        enum_column(DisplayMode, "display_mode"), default=DisplayMode.STANDARD, server_default="standard"
    )
    version_id: Mapped[int] = mapped_column(default=1)

    unit: Mapped[Unit] = relationship(back_populates="users")
    town: Mapped[Town] = relationship()

    __mapper_args__ = {"version_id_col": version_id}

    # scrypt (Werkzeug's default) is memory-hard: a stolen table is expensive to crack.
    # Only the test configuration lowers the cost, so that a suite creating hundreds of users stays fast.
    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What the session keeps: the id and the session version, so an ended session no longer loads a user."""
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


class LoginFailure(db.Model):
    """A failed login, kept while the throttle's window looks at it; in the database, so every worker counts it."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The name as typed (lower case, cut to the form's 50 characters): names that do not exist count too, so the
    # throttle says nothing about which accounts exist.
    username: Mapped[str] = mapped_column(sa.String(50))
    address: Mapped[str] = mapped_column(sa.String(45))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    __table_args__ = (
        sa.Index("ix_login_failures_username_failed_at", "username", "failed_at"),
        sa.Index("ix_login_failures_address_failed_at", "address", "failed_at"),
    )
