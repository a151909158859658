"""Sessions: the development signing key, and ending a user's other sessions (logout, password change, reset)."""

from __future__ import annotations

import os
import stat

import pytest
from flask import Flask

import config
from config import DevelopmentConfig
from tests.factories import PASSWORD, build_world
from tests.pages import is_login_redirect
from tracker import create_app
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
