"""Reads of users, units and API tokens for the administration and account pages, and the signed-in person."""

from __future__ import annotations

import threading
from collections import OrderedDict

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import joinedload, make_transient_to_detached

from tracker.auth.api_tokens import ApiToken
from tracker.auth.models import Unit, User
from tracker.common import stamp
from tracker.common.readcache import once_per_read
from tracker.common.views import READ_ONLY_METHODS
from tracker.extensions import db

# Signed-in people kept by each worker (the oldest forgotten first): a copy of each, detached from every session.
PEOPLE = 1024
_people: OrderedDict[tuple[str, int], tuple[tuple[str, str], User]] = OrderedDict()
_people_lock = threading.Lock()


def signed_in(user_id: int) -> User | None:
    """The person of a session with their unit and town (every page names them).

    In a read-only request the person is kept from an earlier request while the stamps of the install and of their
    own town (or city) are the ones it was read under (common/stamp.py): a person is a record of their town, so a
    change to them (deactivated, logged out everywhere, another role or unit) or to their unit gives that town a
    new stamp, and the next request reads them again. Kept, they cost no statement: the stamps are read by the
    request anyway. Anything else (a POST, a job) reads the person afresh."""
    if not (has_request_context() and request.method in READ_ONLY_METHODS):
        return _read_person(user_id)
    now = stamp.stamps()
    key = (str(db.engine.url), user_id)
    with _people_lock:
        kept = _people.get(key)
        if kept is not None:
            _people.move_to_end(key)
    if kept is not None and kept[0] == _stamps_of(now, kept[1]):
        return db.session.merge(kept[1], load=False)  # no statement: the copy's values, its unit and town with it
    person = _read_person(user_id)
    if person is not None:
        with _people_lock:
            _people[key] = (_stamps_of(now, person), _detached_copy(person))
            while len(_people) > PEOPLE:
                _people.popitem(last=False)
    return person


def forget_people() -> None:
    """Empty this worker's people (tests)."""
    with _people_lock:
        _people.clear()


def _read_person(user_id: int) -> User | None:
    return db.session.get(User, user_id, options=[joinedload(User.unit), joinedload(User.town)])


def _stamps_of(now: dict[str, str], person: User) -> tuple[str, str]:
    return now.get(stamp.SCOPE, ""), now.get(stamp.town_scope(person.town_id), "")


def _copy(record):
    """A detached copy of a record's columns, as if read by a session now closed."""
    mapper = sa.inspect(type(record))
    return type(record)(**{attr.key: getattr(record, attr.key) for attr in mapper.column_attrs})


def _detached_copy(person: User) -> User:
    unit, town = _copy(person.unit), _copy(person.town)
    copy = _copy(person)
    copy.unit, copy.town = unit, town
    for record in (unit, town, copy):
        make_transient_to_detached(record)
    return copy


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
