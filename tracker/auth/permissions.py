"""may(user, permission, obj): the one place where roles are interpreted. Deny by default.

The kernel knows no domain: an object answers for itself through `town_id` (whose town it is: no one acts on
another town's records), `drafting_unit_id` (whose unit it is) and `ever_published` (published documents are seen
by every unit of the town).
"""

from __future__ import annotations

from typing import Any

from tracker.auth import towns
from tracker.auth.models import Role, Town, User
from tracker.extensions import db

ALL_ROLES = frozenset(Role)
# The people of the city: the bureau's reviewer reads the towns' filings at its desk, the city's leaders the city's
# figures, the city's administrator keeps the install; nothing else of the towns'.
CITY_ROLES = frozenset({Role.BUREAU, Role.CITY_LEADER, Role.CITY_ADMIN})
# The people of a town.
TOWN_ROLES = ALL_ROLES - CITY_ROLES
# The roles an administrator gives, in the order the user form offers them: a town's administrator makes the town's
# people, the city's administrator the city's (a town cannot make itself a bureau).
GRANTS = {
    Role.ADMIN: tuple(r for r in Role if r in TOWN_ROLES),
    Role.CITY_ADMIN: tuple(r for r in Role if r in CITY_ROLES),
}

# permission -> roles that hold it. Anything not listed is denied.
ROLE_PERMISSIONS: dict[str, frozenset[Role]] = {
    # One's own account, history and subscriptions.
    "self": ALL_ROLES,
    "document.view": TOWN_ROLES,
    "document.create": frozenset({Role.DRAFTER}),
    "document.edit": frozenset({Role.DRAFTER}),
    # Workflow permissions named in the transition table.
    "draft": frozenset({Role.DRAFTER}),
    "review": frozenset({Role.REVIEWER}),
    "office": frozenset({Role.CLERK}),
    # Steps the scheduler takes on its own (entry into force, expiry); the clerk may record them by hand.
    "system": frozenset({Role.CLERK}),
    "audit.view": frozenset({Role.ADMIN, Role.REVIEWER, Role.CLERK, Role.LEADER}),
    # Drafts for comment from higher levels: handled by the 司法所 or the office.
    "solicitation": frozenset({Role.REVIEWER, Role.CLERK}),
    "solicitation.view": frozenset({Role.REVIEWER, Role.CLERK, Role.LEADER, Role.ADMIN}),
    "reports.view": frozenset({Role.ADMIN, Role.REVIEWER, Role.CLERK, Role.LEADER}),
    "rules.view": frozenset({Role.ADMIN, Role.REVIEWER, Role.CLERK, Role.LEADER, Role.CITY_ADMIN}),
    # The town's own configuration: its number patterns and series, its own (stricter) time limits.
    "admin": frozenset({Role.ADMIN}),
    # The people and units of one's own organisation (a town's, or the city's: the bureau's accounts).
    "people": frozenset({Role.ADMIN, Role.CITY_ADMIN}),
    # What the install keeps for every town: its time limits, the working-day calendar, the pre-check rules and the
    # Word templates. The city's administrator; a town's administrator only while the install has no other town
    # (a single-town install is a city of one, run by the town).
    "install": frozenset({Role.CITY_ADMIN, Role.ADMIN}),
    # The city justice bureau's review of the filings of its towns (备案审查).
    "bureau": frozenset({Role.BUREAU}),
    # The city's pages: each town's figures, the documents in force across the city, the city's statistics.
    "city": frozenset({Role.BUREAU, Role.CITY_LEADER}),
    # The catalogue of laws and higher documents cited as 制定依据: kept by the 司法所 (and the administrator).
    "catalogue": frozenset({Role.REVIEWER, Role.ADMIN}),
}

# Permissions a drafter holds only for documents of their own unit.
_OWN_UNIT_ONLY = {"document.edit", "draft"}
# The permissions under which a person of the city reaches the records of the city's towns.
_CITY_WIDE = frozenset({"bureau", "city"})
# The scheduler's steps, and the install's configuration changed by whoever runs the commands on the server.
_SYSTEM_PERMISSIONS = frozenset({"system", "install"})


class _System:
    """The scheduler or a command run without a user: holds the 'system' permission, and 'install' (the person at
    the server's console configures the install)."""

    id = None
    display_name = "系统"

    def __repr__(self) -> str:
        return "<System>"


SYSTEM = _System()


_NO_OBJECT = object()


def may(user: User | _System | None, permission: str, obj: Any = _NO_OBJECT) -> bool:
    """Whether `user` holds `permission` (on `obj`, when one is named). A record asked about that is None (not
    found, or another town's: the session does not hand it out) is refused, never taken for "no record"."""
    if obj is None:
        return False
    if obj is _NO_OBJECT:
        obj = None
    if user is SYSTEM:
        return permission in _SYSTEM_PERMISSIONS
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    roles = ROLE_PERMISSIONS.get(permission)
    if roles is None or user.role not in roles:
        return False
    if permission == "install" and user.role is Role.ADMIN and not towns.single_town():
        return False
    town_id = getattr(obj, "town_id", None)
    if town_id is not None and town_id != user.town_id and not _of_the_city(user, permission, town_id):
        return False
    if obj is not None and user.role is Role.DRAFTER:
        return _drafter_may(user, permission, obj)
    return True


def roles_granted_by(user: User) -> tuple[Role, ...]:
    """The roles `user` may give to the people of their organisation (none but to an administrator)."""
    return GRANTS.get(getattr(user, "role", None), ())


def _of_the_city(user: User, permission: str, town_id: int) -> bool:
    """A person of the city reads (the bureau's reviewer: acts on) the records of the towns of the city under
    "bureau" and "city", nothing else of the towns'."""
    if user.role not in CITY_ROLES or permission not in _CITY_WIDE:
        return False
    town = db.session.get(Town, town_id)
    return town is not None and town.parent_id == user.town_id


def _drafter_may(user: User, permission: str, obj: Any) -> bool:
    unit_id = getattr(obj, "drafting_unit_id", None)
    if unit_id is None:
        return permission not in _OWN_UNIT_ONLY
    own = unit_id == user.unit_id
    if permission in _OWN_UNIT_ONLY:
        return own
    if permission == "document.view":
        # Drafting units see their own drafts and every published document, not other units' drafts.
        return own or getattr(obj, "ever_published", False)
    return own
