"""Accounts and units: authentication and administration (audited)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.audit import services as audit
from tracker.auth import throttle
from tracker.auth.models import DisplayMode, Role, Unit, UnitKind, User
from tracker.auth.passwords import password_problem
from tracker.auth.permissions import SYSTEM, roles_granted_by
from tracker.errors import ConcurrentEdit, ValidationFailed
from tracker.extensions import db

# Compared against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not-a-real-password", method="scrypt")


def set_display_mode(user: User, mode: DisplayMode) -> None:
    """A personal display preference: not a record of the office's work, so no audit event."""
    user.display_mode = mode
    db.session.flush()


WRONG_CURRENT_PASSWORD = "当前密码不正确。"


def authenticate(username: str, password: str, *, address: str | None, now: datetime) -> User | None:
    """The user, or None after recording the failure; LoginThrottled while the name or the address is locked."""
    throttle.check(username, address, now=now)  # before the password: a locked account tells nothing
    user = db.session.scalar(sa.select(User).where(User.username == (username or "").strip()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        throttle.record_failure(username, address, now=now)
        audit.record(
            "auth.login_failed",
            actor=None,
            now=now,
            summary=f"登录失败：未知用户名“{(username or '')[:50]}”",
            object_type="user",
            object_id=None,
        )
        return None
    if not user.check_password(password or "") or not user.active:
        throttle.record_failure(username, address, now=now)
        audit.record(
            "auth.login_failed",
            actor=None,
            now=now,
            summary=f"登录失败：{user.username}",
            object_type="user",
            object_id=user.id,
        )
        return None
    user.last_login_at = now
    throttle.forget_account(username)
    audit.record("auth.login", actor=user, now=now, summary="登录", object_type="user", object_id=user.id)
    db.session.flush()
    return user


def end_sessions(user: User) -> None:
    """Every session made so far for `user` stops loading a user (the loader compares User.session_version).

    One UPDATE … SET session_version = session_version + 1: two logouts at once both count, and the user's
    version_id is left alone, so an administrator editing this user at the same moment meets no false conflict.
    """
    db.session.execute(sa.update(User).where(User.id == user.id).values(session_version=User.session_version + 1))


def log_out(user: User, *, now: datetime) -> None:
    """Logging out ends the user's sessions everywhere, not only in this browser (issue #15)."""
    end_sessions(user)
    audit.record(
        "auth.logout",
        actor=user,
        now=now,
        summary="退出登录（该账号的全部会话随之结束）",
        object_type="user",
        object_id=user.id,
    )


def change_password(
    user: User, *, current_password: str, new_password: str, address: str | None, now: datetime
) -> str | None:
    """The user's own change: the current password first; every other session of the user ends.

    A wrong current password counts as a failed login of the account, so an open session left unattended cannot be
    used to guess the password without limit: the failure is recorded (and kept: the request commits it) and the
    refusal is returned, not raised, so that nothing rolls it back. Other refusals raise as usual.
    """
    throttle.check(user.username, address, now=now)
    if not user.check_password(current_password or ""):
        throttle.record_failure(user.username, address, now=now)
        return WRONG_CURRENT_PASSWORD
    if new_password == current_password:
        raise ValidationFailed("新密码不能与当前密码相同。")
    _check_password(new_password, username=user.username)
    user.set_password(new_password)
    db.session.flush()
    end_sessions(user)
    audit.record(
        "user.password_change",
        actor=user,
        now=now,
        summary="修改本人密码（其他会话随之结束）",
        object_type="user",
        object_id=user.id,
    )
    return None


def _check_password(password: str, *, username: str) -> None:
    problem = password_problem(password, username=username)
    if problem:
        raise ValidationFailed(problem)


def _unit(unit_id: int, actor) -> Unit:
    """The unit a person is put in: one of the actor's own town (an administrator manages their town only)."""
    unit = db.session.get(Unit, unit_id)
    town_id = getattr(actor, "town_id", None)
    if unit is None or (town_id is not None and unit.town_id != town_id):
        raise ValidationFailed("所选单位不存在。")
    return unit


def _role(role: Role, actor) -> Role:
    """A role the actor may give: a town's administrator the town's roles, the city's the city's (the console any)."""
    if actor is not None and actor is not SYSTEM and role not in roles_granted_by(actor):
        raise ValidationFailed(f"您不能设置“{role.label}”角色。")
    return role


def create_user(
    *,
    actor,
    now: datetime,
    username: str,
    display_name: str,
    role: Role,
    unit_id: int,
    password: str,
    email: str | None = None,
    phone: str | None = None,
    active: bool = True,
) -> User:
    if not password:
        raise ValidationFailed("新建用户须设置密码。")
    _check_password(password, username=username)
    _role(role, actor)
    # Usernames are unique across the install: the check reads every town's.
    taken = sa.select(User.id).where(User.username == username).execution_options(all_towns=True)
    if db.session.scalar(taken) is not None:
        raise ValidationFailed(f"用户名“{username}”已被使用。")
    unit = _unit(unit_id, actor)
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        unit=unit,
        town_id=unit.town_id,
        email=email or None,
        phone=phone or None,
        active=active,
        created_at=now,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create",
        actor=actor,
        now=now,
        summary=f"新建用户 {username}（{role.label}）",
        object_type="user",
        object_id=user.id,
        after={"role": role.value, "unit_id": unit_id},
    )
    return user


def update_user(
    user: User,
    *,
    actor,
    now: datetime,
    expected_version: int | None,
    display_name: str,
    role: Role,
    unit_id: int,
    email: str | None,
    phone: str | None,
    active: bool,
    password: str | None = None,
) -> User:
    if expected_version is not None and expected_version != user.version_id:
        raise ConcurrentEdit("该用户信息已被他人修改，请刷新后再编辑。")
    if user.id == getattr(actor, "id", None) and (not active or role is not user.role):
        raise ValidationFailed("不能停用自己的账号或取消自己的管理员角色。")
    _role(role, actor)
    if password:
        _check_password(password, username=user.username)
    before = {"role": user.role.value, "unit_id": user.unit_id, "active": user.active}
    deactivated = user.active and not active
    user.display_name = display_name
    user.role = role
    user.unit = _unit(unit_id, actor)
    user.town_id = user.unit.town_id
    user.email = email or None
    user.phone = phone or None
    user.active = active
    if password:
        user.set_password(password)
    try:
        db.session.flush()
    except StaleDataError:
        raise ConcurrentEdit("该用户信息已被他人修改，请刷新后再编辑。") from None
    if password or deactivated:
        # A reset password or a closed account: whoever is logged in with the old one is out at once.
        end_sessions(user)
    audit.record(
        "user.update",
        actor=actor,
        now=now,
        summary=f"修改用户 {user.username}" + ("（重设密码）" if password else ""),
        object_type="user",
        object_id=user.id,
        before=before,
        after={"role": role.value, "unit_id": unit_id, "active": active},
    )
    return user


def save_unit(
    unit: Unit | None,
    *,
    actor,
    now: datetime,
    name: str,
    short_name: str | None,
    kind: UnitKind,
    can_issue: bool,
    can_draft: bool,
    number_prefix: str | None,
    active: bool,
) -> Unit:
    town_id = unit.town_id if unit is not None else actor.town_id
    clash = db.session.scalar(sa.select(Unit).where(Unit.town_id == town_id, Unit.name == name))
    if clash is not None and clash is not unit:
        raise ValidationFailed(f"单位“{name}”已存在。")
    creating = unit is None
    if creating:
        unit = Unit(created_at=now, town_id=town_id)
        db.session.add(unit)
    unit.name, unit.short_name, unit.kind = name, short_name or None, kind
    unit.can_issue, unit.can_draft, unit.active = can_issue, can_draft, active
    unit.number_prefix = number_prefix or None
    db.session.flush()
    audit.record(
        "unit.create" if creating else "unit.update",
        actor=actor,
        now=now,
        summary=("新建单位 " if creating else "修改单位 ") + name,
        object_type="unit",
        object_id=unit.id,
    )
    return unit
