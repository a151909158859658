"""The auth tests' shared town set-up: the test town and a neighbour of the same city."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD, make_document
from tracker.auth import towns
from tracker.auth.models import Role, Town, TownKind, Unit, UnitKind
from tracker.auth.permissions import SYSTEM
from tracker.auth.services import create_user
from tracker.extensions import db as _db

OTHER_TITLE = "邻镇某某管理办法"


@pytest.fixture
def two_towns(db, world, now):
    """The test town and a neighbour (邻镇) of the same city with its own government, drafting unit and people."""
    neighbour = towns.create_town(
        name="邻镇", kind=TownKind.TOWN, parent=_db.session.get(Town, world.town.parent_id), now=now
    )
    units = {}
    for key, name, kind, issue, draft in (
        ("gov", "邻镇人民政府", UnitKind.GOVERNMENT, True, False),
        ("dept", "测试镇党政办公室", UnitKind.DEPARTMENT, False, True),  # the same name as a unit of the test town
    ):
        units[key] = Unit(name=name, kind=kind, can_issue=issue, can_draft=draft, created_at=now, town_id=neighbour.id)
        _db.session.add(units[key])
    _db.session.flush()
    people = {
        role: create_user(
            actor=SYSTEM,
            now=now,
            username=f"lin_{role.value}",
            display_name=role.label,
            role=role,
            unit_id=(units["dept"] if role is not Role.LEADER else units["gov"]).id,
            password=PASSWORD,
        )
        for role in (Role.ADMIN, Role.CLERK, Role.DRAFTER, Role.LEADER)
    }
    world.users["lin_drafter"] = people[Role.DRAFTER]
    world.units["lin_gov"] = units["gov"]
    other = make_document(world, now, title=OTHER_TITLE, drafter="lin_drafter", issuer=units["gov"])
    own = make_document(world, now, title="测试镇本镇管理办法")
    db.session.commit()
    return world, neighbour, other, own
