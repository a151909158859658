"""A town's own time limits: stricter than the install's, never laxer, for that town only, fixed on the record."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.factories import d, draft, submit
from tests.pages import text
from tracker.audit.models import AuditEvent
from tracker.auth.models import Role, Unit, UnitKind, User
from tracker.auth.permissions import SYSTEM
from tracker.auth.services import create_user
from tracker.auth.towns import create_town
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.rules import services
from tracker.rules.models import TownRule
from tracker.rules.ruleset import TOWN_RULES, get_rule


@pytest.fixture
def neighbour(world, now):
    """A second town of the city with its administrator."""
    town = create_town(name="邻镇", kind=world.town.kind, parent=world.town.parent, now=now)
    office = Unit(name="邻镇党政办公室", kind=UnitKind.DEPARTMENT, town_id=town.id, created_at=now)
    db.session.add(office)
    db.session.flush()
    create_user(
        actor=SYSTEM,
        now=now,
        username="neighbour_admin",
        display_name="邻镇管理员",
        role=Role.ADMIN,
        unit_id=office.id,
        password=PASSWORD,
    )
    db.session.commit()
    return town


def test_the_town_sets_a_shorter_review_and_its_rounds_are_due_sooner(world, neighbour, login_as, now):
    admin = login_as("admin")
    page = text(admin.get("/rules/town/review_max"))
    assert "本系统规定 15 工作日" in page
    r = admin.post("/rules/town/review_max", data={"value": "10", "note": "镇司法所承诺", "version_id": "0"})
    assert r.status_code == 302
    assert get_rule("review_max", town_id=world.town.id).value == 10
    assert get_rule("review_max", town_id=neighbour.id).value == 15  # the other town keeps the install's
    rules_page = text(admin.get("/rules/"))
    assert 'data-own="10"' in rules_page and "镇司法所承诺" in rules_page
    # A review received in this town is due in 10 working days, and the round keeps the 10 it was computed with.
    doc = draft(world, "测试镇某某办法", d("2026-11-02"))
    rnd = submit(world, doc, d("2026-11-02"))
    assert (rnd.due_rule_days, rnd.due_on) == (10, d("2026-11-16"))
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "rule.town_set"))
    assert event.town_id == world.town.id and "10工作日" in event.summary


def test_never_laxer_than_the_install(world, login_as):
    admin = login_as("admin")
    r = admin.post("/rules/town/review_max", data={"value": "20", "version_id": "0"})
    assert r.status_code == 200
    assert "须不超过 15工作日" in text(r)
    r = admin.post("/rules/town/comment_min", data={"value": "20", "version_id": "0"})
    assert "须不少于 30自然日" in text(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TownRule)) == 0
    # The install's own value is no rule of the town's: it leaves the install's in place.
    assert admin.post("/rules/town/comment_min", data={"value": "30", "version_id": "0"}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TownRule)) == 0


def test_an_install_made_stricter_than_the_town_wins(world, now):
    services.set_town_rule(
        world.town.id, "review_max", actor=world["admin"], now=now, value=12, note="", expected_version=0
    )
    install = services.install_rule("review_max")
    install.value = 8
    db.session.flush()
    assert get_rule("review_max", town_id=world.town.id).value == 8


def test_only_the_limits_a_town_applies_itself(world, login_as, now):
    assert "filing_deadline" not in TOWN_RULES and "filing_review" not in TOWN_RULES
    assert login_as("admin").get("/rules/town/filing_deadline").status_code == 404
    with pytest.raises(ValidationFailed):
        services.set_town_rule(
            world.town.id, "filing_deadline", actor=world["admin"], now=now, value=10, note="", expected_version=0
        )


def test_another_towns_administrator_cannot_set_this_towns(world, neighbour, now):
    from_other = db.session.scalar(sa.select(User).where(User.username == "neighbour_admin"))
    with pytest.raises(PermissionDenied):
        services.set_town_rule(
            world.town.id, "review_max", actor=from_other, now=now, value=10, note="", expected_version=0
        )
    assert get_rule("review_max", town_id=world.town.id).value == 15


def test_restoring_the_install_value_and_a_stale_edit(world, login_as, now):
    admin = login_as("admin")
    assert admin.post("/rules/town/review_max", data={"value": "10", "version_id": "0"}).status_code == 302
    stale = admin.post("/rules/town/review_max", data={"value": "9", "version_id": "0"})
    assert "已被他人修改" in text(stale)
    assert get_rule("review_max", town_id=world.town.id).value == 10
    assert admin.post("/rules/town/review_max/clear").status_code == 302
    assert get_rule("review_max", town_id=world.town.id).value == 15
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.like("rule.town%")).order_by(AuditEvent.id)
    ).all()
    assert actions == ["rule.town_set", "rule.town_clear"]
