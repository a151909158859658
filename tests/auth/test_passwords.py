"""The password rule: common, guessable and username-bearing passwords are refused wherever a password is set."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.pages import text
from tracker.auth.models import User
from tracker.auth.passwords import COMMON_PASSWORDS_FILE, common_passwords, password_problem


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("password12", "常见"),  # accepted before issue #15
        ("Password2026!", "常见"),  # a common word behind capitals, digits and a symbol
        ("P@ssw0rd2026", "常见"),
        ("iloveyou!!", "常见"),
        ("woaini1314", "常见"),
        ("a123456789", "常见"),
        ("qwerty1234", "常见"),
        ("Zhangsan-2026", "用户名"),
        ("2026ZHANGSAN!", "用户名"),
        ("aaaa1111bb", "重复"),
        ("abcdefgh12", "常见"),
        ("kLmN7890op", "连续"),  # abc-style, digits-row and keyboard-row runs chained
        ("zyxwvu9876", "连续"),  # the same, backwards
        ("Ab1-Ab1-Ab1-", "重复"),  # one short piece, repeated
        ("Ab1-short", "至少 10 位"),
        ("1234567890", "字母"),
    ],
)
def test_guessable_passwords_are_refused_with_the_reason(password, words):
    problem = password_problem(password, username="zhangsan")
    assert problem is not None and words in problem


@pytest.mark.parametrize(
    "password",
    ["Shaxi-2026", "Test-pass-2026", "Lanhua-2026", "Zq7!mLp2#tR", "晨光-沙溪-2026", "Fgh-Lanhua-9"],
)
def test_ordinary_good_passwords_are_accepted(password):
    assert password_problem(password, username="zhangsan") is None


def test_a_short_username_is_not_searched_for():
    assert password_problem("Lizhi-ab-2026", username="li") is None
    assert password_problem("Lizhi-ab-2026", username="lizhi") is not None


def test_the_common_list_is_read_whole_and_lower_case():
    words = common_passwords()
    assert len(words) > 9000
    assert {"password", "password12", "qwerty", "iloveyou", "woaini1314"} <= words
    assert all(w == w.lower() and not w.startswith("#") for w in words)
    assert COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").startswith("# Common passwords")


def _user(db, username):
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


def _new_user(world, password, username="wangfang"):
    return {
        "username": username,
        "display_name": "王芳",
        "role": "reviewer",
        "unit_id": world.units["judicial"].id,
        "password": password,
        "active": "y",
    }


@pytest.mark.parametrize(("password", "words"), [("password12", "常见"), ("Wangfang-2026", "用户名")])
def test_the_administrator_cannot_create_a_user_with_a_guessable_password(db, world, login_as, password, words):
    r = login_as("admin").post("/admin/users/new", data=_new_user(world, password))
    assert r.status_code == 200 and words in text(r)
    assert _user(db, "wangfang") is None


def test_the_administrator_cannot_reset_to_a_common_password(db, world, login_as):
    drafter = world["drafter"]
    old_hash = drafter.password_hash
    data = {
        "username": "drafter",
        "display_name": drafter.display_name,
        "role": "drafter",
        "unit_id": drafter.unit_id,
        "password": "Qwerty123!",
        "active": "y",
        "version_id": str(drafter.version_id),
    }
    r = login_as("admin").post(f"/admin/users/{drafter.id}", data=data)
    assert r.status_code == 200 and "常见" in text(r)
    assert _user(db, "drafter").password_hash == old_hash


def test_the_service_refuses_too_for_callers_without_a_form(db, world, now):
    """The command line's create-admin and any future caller go through the same rule."""
    from tracker.auth.models import Role
    from tracker.auth.permissions import SYSTEM
    from tracker.auth.services import create_user
    from tracker.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match="常见"):
        create_user(
            actor=SYSTEM,
            now=now,
            username="zhou",
            display_name="周某",
            role=Role.ADMIN,
            unit_id=world.units["office"].id,
            password="password12",
        )


def test_create_admin_on_the_command_line_refuses_a_common_password(app, db, world):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create-admin", "zhou", "--name", "周某", "--unit", "测试镇党政办公室"],
        input="password12\npassword12\n",
    )
    assert result.exit_code != 0 and "常见" in result.output
    assert _user(db, "zhou") is None
    result = runner.invoke(
        args=["users", "create-admin", "zhou", "--name", "周某", "--unit", "测试镇党政办公室"],
        input="Lanhua-2026\nLanhua-2026\n",
    )
    assert result.exit_code == 0, result.output
    assert _user(db, "zhou").check_password("Lanhua-2026")
