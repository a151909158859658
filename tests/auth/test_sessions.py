"""Sessions: the development signing key, and ending a user's other sessions (logout, password change, reset)."""

from __future__ import annotations

import os
import stat

import pytest
import sqlalchemy as sa
from flask import Flask

import config
from config import DevelopmentConfig
from tests.factories import PASSWORD, build_world
from tests.pages import flashes, is_login_redirect, redirect_target, text
from tracker import create_app
from tracker.auth.services import update_user
from tracker.common.instance_key import KEY_FILE, DamagedKeyFile, instance_secret_key
from tracker.extensions import db as _db

# --------------------------------------------------------------------------------------------------------------
# The development signing key (`make run`)
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def dev_app_in(monkeypatch, tmp_path):
    """dev_app_in(folder) -> a development app (as `make run` builds it) whose instance folder is `folder`."""
    monkeypatch.setattr(DevelopmentConfig, "SECRET_KEY", None)  # as when SECRET_KEY is not in the environment
    made = []

    def _make(instance):
        monkeypatch.setattr(config, "INSTANCE_DIR", instance)
        app = create_app(
            DevelopmentConfig,
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'dev.sqlite3'}",
            UPLOAD_DIR=str(tmp_path / "uploads"),
            WTF_CSRF_ENABLED=False,
            PASSWORD_HASH_METHOD="pbkdf2:sha256:1000",
        )
        made.append(app)
        return app

    yield _make
    for app in made:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def _with_world(app, now):
    with app.app_context():
        _db.create_all()
        build_world(now)
        _db.session.commit()
        _db.session.remove()


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie was set"
    return cookie.value


def _sign(payload: dict, key: str) -> str:
    """A session cookie as Flask would sign it with `key` (what a forger does with a key they know)."""
    forger = Flask("forger")
    forger.secret_key = key
    return forger.session_interface.get_signing_serializer(forger).dumps(payload)


def test_two_fresh_instance_folders_get_different_random_keys(dev_app_in, tmp_path):
    first, second = dev_app_in(tmp_path / "one"), dev_app_in(tmp_path / "two")
    keys = {first.config["SECRET_KEY"], second.config["SECRET_KEY"]}
    assert len(keys) == 2
    assert config.DEV_SECRET_KEY not in keys
    assert all(len(key) >= config.MIN_SECRET_KEY_LENGTH for key in keys)
    for folder, app in ((tmp_path / "one", first), (tmp_path / "two", second)):
        path = folder / KEY_FILE
        assert path.read_text().strip() == app.config["SECRET_KEY"]
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # readable by the service user only
    assert not [p for p in (tmp_path / "one").iterdir() if p.name.startswith(".")]  # no temporary file left


def test_the_key_persists_across_restarts_and_sessions_survive(dev_app_in, tmp_path, now):
    instance = tmp_path / "instance"
    before = dev_app_in(instance)
    _with_world(before, now)
    client = before.test_client()
    assert client.post("/login", data={"username": "clerk", "password": PASSWORD}).status_code == 302
    cookie = _session_cookie(client)

    after = dev_app_in(instance)  # the restart: a new process reads the same instance folder
    assert after.config["SECRET_KEY"] == before.config["SECRET_KEY"]
    restarted = after.test_client()
    restarted.set_cookie("session", cookie)
    assert restarted.get("/").status_code == 200


def test_a_session_forged_with_the_old_fixed_development_key_is_refused(dev_app_in, tmp_path, now):
    app = dev_app_in(tmp_path / "instance")
    _with_world(app, now)
    client = app.test_client()
    assert client.post("/login", data={"username": "admin", "password": PASSWORD}).status_code == 302
    # What an administrator's session holds: anyone who knows the signing key can write this without a password.
    payload = app.session_interface.get_signing_serializer(app).loads(_session_cookie(client))
    assert payload.get("_user_id")

    forged = app.test_client()
    forged.set_cookie("session", _sign(payload, config.DEV_SECRET_KEY))
    assert is_login_redirect(forged.get("/admin/users"))

    # The same payload signed with the instance's key is a valid session: the forgery failed only for want of it.
    genuine = app.test_client()
    genuine.set_cookie("session", _sign(payload, app.config["SECRET_KEY"]))
    assert genuine.get("/admin/users").status_code == 200


def test_a_secret_key_from_the_environment_is_used_as_it_is(dev_app_in, monkeypatch, tmp_path):
    monkeypatch.setattr(DevelopmentConfig, "SECRET_KEY", "from-the-environment-" * 3)
    app = dev_app_in(tmp_path / "instance")
    assert app.config["SECRET_KEY"] == "from-the-environment-" * 3
    assert not (tmp_path / "instance" / KEY_FILE).exists()


def test_a_damaged_key_file_stops_the_start_with_a_chinese_message(tmp_path):
    (tmp_path / KEY_FILE).write_text("short\n")
    with pytest.raises(DamagedKeyFile, match="删除该文件"):
        instance_secret_key(tmp_path, min_length=config.MIN_SECRET_KEY_LENGTH)


def test_processes_starting_together_agree_on_one_key(tmp_path):
    """Two gunicorn workers and the scheduler call the factory at the same moment on the first `make run`."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=4) as pool:
        keys = list(pool.map(_key_of, [tmp_path] * 8))
    assert len(set(keys)) == 1
    assert (tmp_path / KEY_FILE).read_text().strip() == keys[0]


def _key_of(folder):
    return instance_secret_key(folder, min_length=config.MIN_SECRET_KEY_LENGTH)


# --------------------------------------------------------------------------------------------------------------
# Ending the other sessions of a user: logout, the user's password change, an administrator's reset
# --------------------------------------------------------------------------------------------------------------


def _replay(app, cookie: str):
    """A new browser presenting a session cookie copied earlier (stolen, or kept from before a logout)."""
    client = app.test_client()
    client.set_cookie("session", cookie)
    return client


def _user(db, username):
    from tracker.auth.models import User

    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.username == username))


def test_a_session_cookie_kept_from_before_logout_no_longer_logs_in(app, world, login_as):
    clerk = login_as("clerk")
    kept = _session_cookie(clerk)
    assert _replay(app, kept).get("/").status_code == 200  # the copy works while the session is open
    clerk.post("/logout")
    assert is_login_redirect(_replay(app, kept).get("/"))


def test_logout_is_audited_and_does_not_make_an_open_edit_of_the_user_stale(db, world, login_as):
    from tracker.audit.models import AuditEvent

    admin, clerk = login_as("admin"), login_as("clerk")
    version_before = _user(db, "clerk").version_id
    clerk.post("/logout")
    assert _user(db, "clerk").version_id == version_before  # an administrator's form for this user still saves
    events = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.object_id == world["clerk"].id)).all()
    assert "auth.logout" in events
    assert admin.get("/").status_code == 200


def test_changing_ones_password_keeps_this_session_and_ends_the_others(app, db, world, login_as):
    here, elsewhere, colleague = login_as("clerk"), login_as("clerk"), login_as("leader")
    page = here.get("/password")
    assert page.status_code == 200 and "修改密码" in text(page)
    r = here.post(
        "/password",
        data={"current_password": PASSWORD, "new_password": "Lanhua-2027", "confirm": "Lanhua-2027"},
    )
    assert redirect_target(r)[0] == "/"
    assert "其他电脑" in " ".join(flashes(here.get("/")))
    assert here.get("/documents/").status_code == 200
    assert is_login_redirect(elsewhere.get("/"))
    assert colleague.get("/").status_code == 200
    assert _user(db, "clerk").check_password("Lanhua-2027")
    fresh = app.test_client()
    assert fresh.post("/login", data={"username": "clerk", "password": PASSWORD}).status_code == 200  # old: refused
    assert fresh.post("/login", data={"username": "clerk", "password": "Lanhua-2027"}).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "words"),
    [
        ("Wrong-pass-2026", "Lanhua-2027", "Lanhua-2027", "当前密码不正确"),
        (PASSWORD, "password12", "password12", "常见"),
        (PASSWORD, "Clerk-2027-x", "Clerk-2027-x", "用户名"),
        (PASSWORD, "Lanhua-2027", "Lanhua-2028", "不一致"),
        (PASSWORD, PASSWORD, PASSWORD, "不能与当前密码相同"),
        ("", "Lanhua-2027", "Lanhua-2027", "请输入当前密码"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(db, world, login_as, current, new, confirm, words):
    here, elsewhere = login_as("clerk"), login_as("clerk")
    before = _user(db, "clerk")
    hash_before, version_before = before.password_hash, before.session_version
    r = here.post("/password", data={"current_password": current, "new_password": new, "confirm": confirm})
    assert r.status_code == 200 and words in text(r)
    after = _user(db, "clerk")
    assert (after.password_hash, after.session_version) == (hash_before, version_before)
    assert elsewhere.get("/").status_code == 200


def test_an_administrators_reset_ends_every_session_of_that_user(app, db, world, login_as):
    admin, drafter = login_as("admin"), login_as("drafter")
    kept = _session_cookie(drafter)
    target = _user(db, "drafter")
    data = {
        "username": "drafter",
        "display_name": target.display_name,
        "role": "drafter",
        "unit_id": target.unit_id,
        "password": "Reset-pass-2027",
        "active": "y",
        "version_id": str(target.version_id),
    }
    assert redirect_target(admin.post(f"/admin/users/{target.id}", data=data))[0] == "/admin/users"
    assert is_login_redirect(drafter.get("/"))
    assert is_login_redirect(_replay(app, kept).get("/"))
    assert admin.get("/admin/users").status_code == 200


def test_an_administrator_resetting_their_own_password_stays_logged_in_only_here(db, world, login_as):
    here, elsewhere = login_as("admin"), login_as("admin")
    me = _user(db, "admin")
    data = {
        "username": "admin",
        "display_name": me.display_name,
        "role": "admin",
        "unit_id": me.unit_id,
        "password": "Reset-pass-2027",
        "active": "y",
        "version_id": str(me.version_id),
    }
    assert redirect_target(here.post(f"/admin/users/{me.id}", data=data))[0] == "/admin/users"
    assert here.get("/admin/users").status_code == 200
    assert is_login_redirect(elsewhere.get("/"))


def test_an_edit_without_a_new_password_leaves_the_users_sessions_alone(db, world, login_as):
    admin, drafter = login_as("admin"), login_as("drafter")
    target = _user(db, "drafter")
    data = {
        "username": "drafter",
        "display_name": "新名字",
        "role": "drafter",
        "unit_id": target.unit_id,
        "active": "y",
        "version_id": str(target.version_id),
    }
    assert redirect_target(admin.post(f"/admin/users/{target.id}", data=data))[0] == "/admin/users"
    assert drafter.get("/").status_code == 200


def test_a_reactivated_account_does_not_get_its_old_sessions_back(app, db, world, login_as, now):
    drafter = login_as("drafter")
    kept = _session_cookie(drafter)
    user = _user(db, "drafter")
    fields = dict(display_name=user.display_name, role=user.role, unit_id=user.unit_id, email=None, phone=None, now=now)
    update_user(user, actor=world["admin"], expected_version=None, active=False, **fields)
    db.session.commit()
    update_user(user, actor=world["admin"], expected_version=None, active=True, **fields)
    db.session.commit()
    assert is_login_redirect(_replay(app, kept).get("/"))
    assert login_as("drafter").get("/").status_code == 200  # logging in again works


def test_a_session_from_before_the_upgrade_carries_no_version_and_is_refused(app, world, login_as):
    clerk = login_as("clerk")
    payload = app.session_interface.get_signing_serializer(app).loads(_session_cookie(clerk))
    user_id, _, version = payload["_user_id"].partition(":")
    assert version.isdigit()
    payload["_user_id"] = user_id  # what sessions held before issue #15
    assert is_login_redirect(_replay(app, _sign(payload, app.config["SECRET_KEY"])).get("/"))
    payload["_user_id"] = f"{user_id}:{int(version)}"  # the control: the current form loads the user
    assert _replay(app, _sign(payload, app.config["SECRET_KEY"])).get("/").status_code == 200
