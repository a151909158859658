"""What every town of an install shares (its time limits, the working-day calendar, the pre-check rules, the Word
templates) is kept by the city's administrator; a town's administrator keeps it only while the install has one town.
A town's administrator keeps the town's people with the town's roles, the city's administrator the city's."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.factories import PASSWORD
from tracker.auth.models import Role, Town, Unit, User
from tracker.auth.permissions import SYSTEM, may, roles_granted_by
from tracker.auth.services import create_user, update_user
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db as _db
from tracker.review.models import PrecheckRuleSetting
from tracker.rules.models import CalendarDay, Confidence, Rule
from tracker.rules.services import update_rule
from tracker.word.models import TemplateVersion

SCHEDULE = "date,kind,source\n2027-02-06,workday,国办发明电〔2026〕X号\n"


def _rule() -> Rule:
    return _db.session.scalar(sa.select(Rule).where(Rule.code == "review_max"))


def _rule_post(rule: Rule, value: int) -> dict:
    return {
        "value": str(value),
        "unit": rule.unit.value,
        "source": rule.source,
        "confidence": rule.confidence.value,
        "note": "",
        "version_id": str(rule.version_id),
    }


@pytest.fixture
def city_admin(app: Flask, two_towns) -> User:
    """The city's administrator, made as an operator makes one: the create-admin command naming the city."""
    world = two_towns[0]
    city = _db.session.get(Town, world.town.parent_id)
    made = app.test_cli_runner().invoke(
        args=["users", "create-admin", "city_boss", "--name", "市管理", "--unit", "中山市司法局", "--town", city.name],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert made.exit_code == 0, made.output
    assert "市级系统管理员" in made.output
    return _db.session.scalar(sa.select(User).where(User.username == "city_boss"))


def test_a_single_town_administrator_keeps_the_install(app: Flask, world, login_as):
    assert may(world["admin"], "install")
    admin = login_as("admin")
    rule = _rule()
    value = rule.value
    assert admin.get(f"/rules/{rule.id}").status_code == 200
    r = admin.post(f"/rules/{rule.id}", data=_rule_post(rule, value - 1))
    assert r.status_code == 302
    _db.session.expire_all()
    assert _rule().value == value - 1
    nav = admin.get("/rules/").get_data(as_text=True)
    assert 'data-testid="nav-precheck-rules"' in nav and 'data-testid="nav-word-templates"' in nav


def test_with_two_towns_a_town_administrator_changes_nothing_the_install_keeps(app: Flask, two_towns, login_as, now):
    world = two_towns[0]
    admin = world["admin"]
    assert not may(admin, "install") and may(admin, "admin")
    client = login_as("admin")
    rule = _rule()
    before = (rule.value, rule.version_id)

    assert client.get(f"/rules/{rule.id}").status_code == 403
    assert client.post(f"/rules/{rule.id}", data=_rule_post(rule, rule.value - 1)).status_code == 403
    r = client.post("/rules/calendar", data={"text": SCHEDULE})
    assert r.status_code == 403
    assert client.post("/admin/precheck-rules/R01/switch", data={"active": "off"}).status_code == 403
    upload = {"file": (io.BytesIO(b"PK"), "模板.docx"), "note": ""}
    assert client.post("/word/templates/opinion/upload", data=upload).status_code == 403
    _db.session.expire_all()
    assert (_rule().value, _rule().version_id) == before
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == 0
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(PrecheckRuleSetting)) == 0
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(TemplateVersion)) == 0

    # The pages say who changes them and offer nothing the town's administrator may not do.
    page = client.get("/rules/").get_data(as_text=True)
    assert "由市级系统管理员修改" in page and f"/rules/{rule.id}" not in page
    assert "/rules/town/review_max" in page  # the town's own, stricter limits stay the town's
    calendar = client.get("/rules/calendar").get_data(as_text=True)
    assert 'data-testid="import-schedule"' not in calendar
    assert 'data-testid="nav-precheck-rules"' not in page and 'data-testid="nav-word-templates"' not in page
    # A service called directly refuses as well, in words the person understands.
    with pytest.raises(PermissionDenied, match="市级系统管理员"):
        update_rule(
            rule,
            actor=admin,
            now=now,
            expected_version=None,
            value=rule.value - 1,
            unit=rule.unit,
            source=rule.source,
            confidence=Confidence(rule.confidence.value),
            note="",
        )


def test_the_city_administrator_keeps_the_install_and_reads_no_town(app: Flask, two_towns, city_admin, login_as):
    world, _neighbour, other, own = two_towns
    assert city_admin.role is Role.CITY_ADMIN and city_admin.town_id == world.town.parent_id
    assert may(city_admin, "install") and may(city_admin, "people")
    assert not may(city_admin, "admin") and not may(city_admin, "city") and not may(city_admin, "document.view")
    # A record of a town is not the city's administrator's, whatever the permission.
    assert not may(city_admin, "people", world.units["office"])
    assert not may(city_admin, "people", world["clerk"])
    assert not may(city_admin, "install", own)

    client = login_as("city_boss")
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/admin/users")
    rule = _rule()
    value = rule.value
    r = client.post(f"/rules/{rule.id}", data=_rule_post(rule, value - 1))
    assert r.status_code == 302
    _db.session.expire_all()
    assert _rule().value == value - 1
    r = client.post("/rules/calendar", data={"text": SCHEDULE})
    assert r.status_code == 200 and "节假日安排已导入" in r.get_data(as_text=True)
    assert _db.session.scalar(sa.select(sa.func.count()).select_from(CalendarDay)) == 1
    rules_page = client.get("/rules/").get_data(as_text=True)
    assert "自定的时限" not in rules_page  # the city keeps no limits of its own

    # The city's people, not a town's; no town's documents or register.
    users = client.get("/admin/users").get_data(as_text=True)
    assert "city_boss" in users and "lin_clerk" not in users and ">clerk<" not in users
    assert client.get(f"/admin/users/{world['clerk'].id}").status_code == 404
    assert client.get(f"/admin/units/{world.units['office'].id}").status_code == 404
    assert client.get("/documents/").status_code == 403
    assert client.get(f"/documents/{own.id}").status_code in (403, 404)
    assert client.get(f"/documents/{other.id}").status_code in (403, 404)
    assert client.get("/numbering/").status_code == 403


def test_each_administrator_gives_only_the_roles_of_their_own_organisation(
    app: Flask, two_towns, city_admin, login_as, now
):
    world = two_towns[0]
    admin = world["admin"]
    assert Role.BUREAU not in roles_granted_by(admin) and Role.CITY_ADMIN not in roles_granted_by(admin)
    assert set(roles_granted_by(city_admin)) == {Role.BUREAU, Role.CITY_LEADER, Role.CITY_ADMIN}
    assert roles_granted_by(world["clerk"]) == ()

    # The form offers the town's roles only; a forged choice is refused and nobody is made.
    client = login_as("admin")
    form = client.get("/admin/users/new").get_data(as_text=True)
    assert 'value="clerk"' in form and 'value="bureau"' not in form and 'value="city_admin"' not in form
    r = client.post(
        "/admin/users/new",
        data={
            "username": "fake_bureau",
            "display_name": "冒充",
            "role": "bureau",
            "unit_id": str(world.units["office"].id),
            "password": "Another-pass-2026",
            "active": "y",
        },
    )
    assert r.status_code == 200 and "fake_bureau" not in {u.username for u in _db.session.scalars(sa.select(User))}
    with pytest.raises(ValidationFailed, match="市司法局备案审查员"):
        create_user(
            actor=admin,
            now=now,
            username="fake_bureau",
            display_name="冒充",
            role=Role.BUREAU,
            unit_id=world.units["office"].id,
            password="Another-pass-2026",
        )
    clerk = world["clerk"]
    with pytest.raises(ValidationFailed):
        update_user(
            clerk,
            actor=admin,
            now=now,
            expected_version=None,
            display_name=clerk.display_name,
            role=Role.CITY_ADMIN,
            unit_id=clerk.unit_id,
            email=None,
            phone=None,
            active=True,
        )
    _db.session.rollback()
    assert _db.session.get(User, clerk.id).role is Role.CLERK

    # The city's administrator makes the bureau's reviewer in the city's unit; the console may make anyone.
    bureau_unit = _db.session.scalar(sa.select(Unit).where(Unit.town_id == city_admin.town_id))
    made = create_user(
        actor=city_admin,
        now=now,
        username="new_bureau",
        display_name="新审查员",
        role=Role.BUREAU,
        unit_id=bureau_unit.id,
        password="Another-pass-2026",
    )
    assert made.town_id == city_admin.town_id
    with pytest.raises(ValidationFailed):
        create_user(
            actor=city_admin,
            now=now,
            username="city_clerk",
            display_name="文秘",
            role=Role.CLERK,
            unit_id=bureau_unit.id,
            password="Another-pass-2026",
        )
    assert may(SYSTEM, "install") and not may(SYSTEM, "admin")
