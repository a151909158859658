"""Administration of users and units: audited, password policy, no self-lockout, no lost update."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.pages import flashes, hidden_value, is_chinese, redirect_target, text
from tracker.audit.models import AuditEvent
from tracker.auth.models import Role, Unit, UnitKind, User


def _user(db, username: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _new_user_form(world, **changes) -> dict:
    data = {
        "username": "wangfang",
        "display_name": "王芳",
        "role": "reviewer",
        "unit_id": world.units["judicial"].id,
        "email": "wangfang@example.gov.cn",
        "phone": "0760-88880000",
        "password": "Lanhua-2026",
        "active": "y",
    }
    data.update(changes)
    return data


def _edit_form(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role.value,
        "unit_id": user.unit_id,
        "email": user.email or "",
        "phone": user.phone or "",
        "password": "",
        "active": "y" if user.active else "",
        "version_id": str(user.version_id),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def _only_flash(response) -> str:
    messages = flashes(response)
    assert len(messages) == 1, messages
    assert is_chinese(messages[0])
    return messages[0]


def test_admin_creates_a_user_who_can_log_in(app, db, world, login_as):
    admin = login_as("admin")
    r = admin.post("/admin/users/new", data=_new_user_form(world))
    assert redirect_target(r)[0] == "/admin/users"
    user = _user(db, "wangfang")
    assert user is not None
    assert (user.display_name, user.role, user.unit_id) == ("王芳", Role.REVIEWER, world.units["judicial"].id)
    assert user.password_hash != "Lanhua-2026"
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.create", AuditEvent.object_id == user.id)
    )
    assert event is not None and event.actor_id == world["admin"].id
    assert "wangfang" in event.summary
    # The new account works.
    c = app.test_client()
    r = c.post("/login", data={"username": "wangfang", "password": "Lanhua-2026"})
    assert redirect_target(r)[0] == "/"


def test_admin_creates_a_unit(db, world, login_as):
    r = login_as("admin").post(
        "/admin/units/new",
        data={
            "name": "测试镇应急管理办公室",
            "short_name": "应急办",
            "kind": "department",
            "can_draft": "y",
            "active": "y",
        },
    )
    assert redirect_target(r)[0] == "/admin/units"
    unit = db.session.scalar(sa.select(Unit).where(Unit.name == "测试镇应急管理办公室"))
    assert unit is not None and unit.kind is UnitKind.DEPARTMENT and unit.can_draft and not unit.can_issue
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "unit.create", AuditEvent.object_id == unit.id)
    )
    assert event is not None and event.actor_id == world["admin"].id


def test_duplicate_username_is_refused_in_chinese(db, world, login_as):
    users = _count(db, User)
    r = login_as("admin").post("/admin/users/new", data=_new_user_form(world, username="drafter"))
    assert r.status_code == 200
    assert "已被使用" in _only_flash(r)
    assert _count(db, User) == users
    assert _user(db, "drafter").role is Role.DRAFTER  # the existing account was not touched


def test_duplicate_unit_name_is_refused_in_chinese(db, world, login_as):
    units = _count(db, Unit)
    r = login_as("admin").post("/admin/units/new", data={"name": world.units["agri"].name, "kind": "department"})
    assert r.status_code == 200
    assert "已存在" in _only_flash(r)
    assert _count(db, Unit) == units


@pytest.mark.parametrize(
    ("password", "words"),
    [("Ab1-short", "至少 10 位"), ("20261102123456", "字母"), ("onlylettersherE", "数字")],
    ids=["short", "digits-only", "letters-only"],
)
def test_weak_password_is_refused_in_chinese(db, world, login_as, password, words):
    events = _count(db, AuditEvent)
    r = login_as("admin").post("/admin/users/new", data=_new_user_form(world, password=password))
    assert r.status_code == 200
    assert words in text(r)
    assert _user(db, "wangfang") is None
    assert _count(db, AuditEvent) == events + 1  # only the admin's own login


def test_weak_password_is_refused_when_resetting_too(db, world, login_as):
    drafter = world["drafter"]
    old_hash = drafter.password_hash
    r = login_as("admin").post(f"/admin/users/{drafter.id}", data=_edit_form(drafter, password="1234567890"))
    assert r.status_code == 200 and "字母" in text(r)
    assert _user(db, "drafter").password_hash == old_hash


def test_malformed_email_is_refused_in_chinese(db, world, login_as):
    r = login_as("admin").post("/admin/users/new", data=_new_user_form(world, email="wangfang at example"))
    assert r.status_code == 200 and "邮箱格式不正确" in text(r)
    assert _user(db, "wangfang") is None


def test_new_user_needs_a_password(db, world, login_as):
    data = _new_user_form(world)
    del data["password"]
    r = login_as("admin").post("/admin/users/new", data=data)
    assert r.status_code == 200 and "须设置密码" in _only_flash(r)
    assert _user(db, "wangfang") is None


def test_admin_resets_a_password_and_it_is_audited(app, db, world, login_as):
    drafter = world["drafter"]
    r = login_as("admin").post(f"/admin/users/{drafter.id}", data=_edit_form(drafter, password="Reset-pass-2026"))
    assert redirect_target(r)[0] == "/admin/users"
    assert _user(db, "drafter").check_password("Reset-pass-2026")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.update"))
    assert event.object_id == drafter.id and "重设密码" in event.summary
    assert "Reset-pass-2026" not in str(event.before) + str(event.after) + event.summary


@pytest.mark.parametrize("change", [{"active": ""}, {"role": "clerk"}], ids=["deactivate-self", "demote-self"])
def test_admin_cannot_lock_themself_out(db, world, login_as, change):
    admin = world["admin"]
    c = login_as("admin")
    r = c.post(f"/admin/users/{admin.id}", data=_edit_form(admin, **change))
    assert r.status_code == 200
    assert "自己" in _only_flash(r)
    me = _user(db, "admin")
    assert me.active and me.role is Role.ADMIN
    assert c.get("/admin/users").status_code == 200


def test_admin_deactivates_someone_else(db, world, login_as):
    drafter = world["drafter"]
    r = login_as("admin").post(f"/admin/users/{drafter.id}", data=_edit_form(drafter, active=""))
    assert redirect_target(r)[0] == "/admin/users"
    assert _user(db, "drafter").active is False


def test_stale_edit_of_a_user_is_refused_and_loses_nothing(db, world, login_as):
    """Two tabs open on the same user: the second save must not silently undo the first."""
    drafter = world["drafter"]
    admin = login_as("admin")
    page = admin.get(f"/admin/users/{drafter.id}")
    stale_version = hidden_value(page, "version_id")
    assert stale_version == str(drafter.version_id)

    first = admin.post(f"/admin/users/{drafter.id}", data=_edit_form(drafter, display_name="李明（执法局）"))
    assert redirect_target(first)[0] == "/admin/users"
    admin.get("/admin/users")  # the first tab shows its flash
    events = _count(db, AuditEvent)

    second = admin.post(
        f"/admin/users/{drafter.id}",
        data=_edit_form(drafter, display_name="李明明", phone="13800000000", version_id=stale_version),
    )
    assert second.status_code == 200
    assert "已被他人修改" in _only_flash(second)
    saved = _user(db, "drafter")
    assert saved.display_name == "李明（执法局）" and saved.phone is None
    assert saved.version_id == int(stale_version) + 1
    assert _count(db, AuditEvent) == events  # the refused save wrote nothing
