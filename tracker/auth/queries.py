"""Reads of users, units and API tokens for the administration and account pages."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.auth.api_tokens import ApiToken
from tracker.auth.models import Unit, User
from tracker.common.readcache import once_per_read
from tracker.extensions import db


def users(town_id: int) -> list[User]:
    """The town's people (the request also reads the city's, who are not the town administrator's to manage)."""
    stmt = sa.select(User).where(User.town_id == town_id)
    return list(db.session.scalars(stmt.order_by(User.role, User.username)))


def unit_names() -> dict[int, str]:
    """Every unit's name by id (read once per page: common/readcache.py)."""
    return once_per_read("unit_names", lambda: {u.id: u.name for u in db.session.scalars(sa.select(Unit))})


def units_by_name(town_id: int) -> list[Unit]:
    return list(db.session.scalars(sa.select(Unit).where(Unit.town_id == town_id).order_by(Unit.name)))


def units_by_kind(town_id: int) -> list[Unit]:
    return list(db.session.scalars(sa.select(Unit).where(Unit.town_id == town_id).order_by(Unit.kind, Unit.name)))


def active_units() -> list[Unit]:
    return list(db.session.scalars(sa.select(Unit).where(Unit.active.is_(True)).order_by(Unit.name)))


def tokens_of(user) -> list[ApiToken]:
    return list(db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())))
