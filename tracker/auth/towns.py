"""The organisation tree: the city, its towns and streets, and which town a request works in (tracker/tenancy.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import abort, g, has_request_context, request

from tracker import tenancy
from tracker.auth.models import Town, TownKind, User
from tracker.common.stamp import ensure_stamp
from tracker.errors import ValidationFailed
from tracker.extensions import db

NAME_LIMIT = 50


def enter(user: User) -> None:
    """Scope this request to the person's town: their town's records, and the units and people above it."""
    enter_town(user.town)


def _shared(town: Town) -> tuple[int, ...]:
    return (town.id, town.parent_id) if town.parent_id is not None else (town.id,)


def enter_town(town: Town) -> None:
    """Scope this request to `town` (a command counting one town's figures runs inside such a request)."""
    tenancy.enter(town.id, _shared(town))


def as_town(town: Town):
    """Read as `town` reads for a block of this request (the city's view, town by town)."""
    return tenancy.within(town.id, _shared(town))


def towns_of_city(city_id: int) -> list[Town]:
    """The towns and streets of the city, in the order they joined it."""
    return list(db.session.scalars(sa.select(Town).where(Town.parent_id == city_id).order_by(Town.id)))


def enter_city(user: User) -> None:
    """Scope this request to the person's city and every town of it: the city justice bureau's desk reads the
    filings of all its towns (only the bureau's own pages enter this scope; may() still judges each record)."""
    members = towns_of_city(user.town_id)
    # Held for the request: may() and the pages look these towns up by id, from the session's identity map (which
    # keeps an object only while something refers to it) instead of the database.
    g.city_towns = members
    towns = (user.town_id, *(town.id for town in members))
    tenancy.enter(user.town_id, towns, reads=towns)


def own_or_404(record, user):
    """A unit or person of `user`'s own town. The city's (the justice bureau) are read on a town's pages but are not
    the town's to change: 404, as for anything a town cannot see."""
    if record.town_id != user.town_id:
        abort(404)
    return record


def all_towns() -> list[Town]:
    """Every organisation, the city first, then its towns and streets by name."""
    stmt = sa.select(Town).order_by(Town.parent_id.is_not(None), Town.parent_id, Town.name)
    return list(db.session.scalars(stmt))


def town_ids() -> list[int]:
    """The towns and streets whose records the scheduler works through (the city's own bodies issue none here)."""
    return list(db.session.scalars(sa.select(Town.id).where(Town.kind != TownKind.CITY).order_by(Town.id)))


def by_name(name: str) -> Town | None:
    return db.session.scalar(sa.select(Town).where(Town.name == name.strip()))


def _first_two_towns() -> list[Town]:
    return list(db.session.scalars(sa.select(Town).where(Town.kind != TownKind.CITY).order_by(Town.id).limit(2)))


def the_only_town() -> Town | None:
    """The town of a single-town install (what commands use when no town is named); None when there are several."""
    towns = _first_two_towns()
    return towns[0] if len(towns) == 1 else None


def single_town() -> bool:
    """Whether the install has one town (or none yet): then that town's administrator keeps the install's
    configuration too. Asked once per request (the navigation asks for two entries)."""
    if has_request_context() and hasattr(request, "tracker_single_town"):
        return request.tracker_single_town
    single = len(_first_two_towns()) < 2
    if has_request_context():
        request.tracker_single_town = single
    return single


def library_owner(default: str) -> str:
    """The name the public library goes by: the only town's, else the city's (`default` before any town exists)."""
    only = the_only_town()
    if only is not None:
        return only.name
    city = db.session.scalar(sa.select(Town.name).where(Town.kind == TownKind.CITY))
    return city or default


def create_town(*, name: str, kind: TownKind, parent: Town | None, now: datetime) -> Town:
    """A new organisation; a town or street hangs under the city, and there is one city."""
    name = (name or "").strip()
    if not name or len(name) > NAME_LIMIT:
        raise ValidationFailed(f"请填写名称（不超过 {NAME_LIMIT} 字）。")
    if by_name(name) is not None:
        raise ValidationFailed(f"“{name}”已存在。")
    if kind is TownKind.CITY:
        if parent is not None or db.session.scalar(sa.select(Town.id).where(Town.kind == TownKind.CITY)):
            raise ValidationFailed("一个系统只有一个市。")
    elif parent is None or parent.kind is not TownKind.CITY:
        raise ValidationFailed("镇、街道须属于一个市。")
    town = Town(name=name, kind=kind, parent_id=parent.id if parent else None, created_at=now)
    db.session.add(town)
    db.session.flush()
    ensure_stamp((town.id,))  # its own figures' stamp (tracker/common/stamp.py)
    return town


def rename(town: Town, name: str) -> None:
    name = (name or "").strip()
    if not name or len(name) > NAME_LIMIT:
        raise ValidationFailed(f"请填写名称（不超过 {NAME_LIMIT} 字）。")
    clash = by_name(name)
    if clash is not None and clash is not town:
        raise ValidationFailed(f"“{name}”已存在。")
    town.name = name
    db.session.flush()


def ensure_town(*, city: str, town: str, now: datetime, kind: TownKind = TownKind.TOWN) -> Town:
    """The town `town` of the city `city`, each made when missing (the demo, a benchmark, a first install)."""
    root = by_name(city) or create_town(name=city, kind=TownKind.CITY, parent=None, now=now)
    return by_name(town) or create_town(name=town, kind=kind, parent=root, now=now)
