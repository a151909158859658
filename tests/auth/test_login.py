"""Login, logout, the `next` redirect and how passwords are kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from config import Config, ProductionConfig
from tests.factories import PASSWORD
from tests.pages import flashes, hidden_value, is_chinese, is_login_redirect, redirect_target
from tracker import create_app
from tracker.auth.models import User
from tracker.extensions import db as _db


def _login(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra})


def _refused(client, response) -> str:
    """The login page came back with a Chinese refusal and the client is still anonymous."""
    assert response.status_code == 200
    messages = flashes(response)
    assert len(messages) == 1 and is_chinese(messages[0])
    assert is_login_redirect(client.get("/"))
    return messages[0]


def test_login_and_the_home_page(client, world):
    r = _login(client, "clerk")
    assert redirect_target(r)[0] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_is_refused_in_chinese(client, world):
    message = _refused(client, _login(client, "clerk", "Wrong-pass-2026"))
    assert "密码" in message


def test_unknown_user_gets_the_same_refusal_as_a_wrong_password(app, client, world):
    wrong_password = _refused(client, _login(client, "clerk", "Wrong-pass-2026"))
    unknown_user = _refused(client, _login(client, "nobody-here"))
    assert unknown_user == wrong_password  # the message does not reveal which usernames exist


def test_empty_fields_are_refused_in_chinese(client, world):
    r = client.post("/login", data={"username": "", "password": ""})
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "请输入用户名" in body and "请输入密码" in body
    assert is_login_redirect(client.get("/"))


def test_inactive_user_is_refused_even_with_the_right_password(db, client, world):
    world["clerk"].active = False
    db.session.commit()
    message = _refused(client, _login(client, "clerk"))
    assert "停用" in message


def test_deactivation_ends_an_open_session(db, world, login_as):
    c = login_as("clerk")
    assert c.get("/documents/").status_code == 200
    world["clerk"].active = False
    db.session.commit()
    assert is_login_redirect(c.get("/documents/"))


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/documents/",
        "http://evil.example/",
        "https://evil.example/login",
        "/\\evil.example",
        "\\\\evil.example",
        "https:/evil",
        "javascript:alert(1)",
        "/\r\nSet-Cookie: x=1",
        "/\t/evil.example",
        "evil.example",
    ],
)
def test_next_never_leaves_the_site(client, world, target):
    r = _login(client, "clerk", next=target)
    path, _ = redirect_target(r)  # fails on any absolute or protocol-relative Location
    assert path == "/"
    assert client.get("/").status_code == 200  # the refusal of `next` did not refuse the login


def test_next_inside_the_site_is_followed(client, world):
    r = _login(client, "clerk", next="/documents/")
    assert r.headers["Location"] == "/documents/"


def test_login_wall_brings_the_person_back_to_the_page_asked_for(client, world):
    r = client.get("/documents/?q=管理办法")
    path, query = redirect_target(r)
    assert path == "/login"
    page = client.get(r.headers["Location"])
    carried = hidden_value(page, "next")
    assert carried == query["next"][0]
    r = _login(client, "clerk", next=carried)
    assert redirect_target(r) == ("/documents/", {"q": ["管理办法"]})


def test_logged_in_user_visiting_login_goes_home(world, login_as):
    r = login_as("clerk").get("/login?next=//evil.example")
    assert redirect_target(r)[0] == "/"


def test_logout_is_post_only(world, login_as):
    c = login_as("clerk")
    assert c.get("/logout").status_code == 405
    assert c.get("/").status_code == 200
    r = c.post("/logout")
    assert redirect_target(r)[0] == "/login"
    assert is_login_redirect(c.get("/"))


def test_logout_ends_every_session_of_that_user_and_no_one_elses(world, login_as):
    # Issue #15: logging out (say at the end of the day) also ends a session left open on another computer.
    first, second, other = login_as("clerk"), login_as("clerk"), login_as("leader")
    first.post("/logout")
    assert is_login_redirect(first.get("/"))
    assert is_login_redirect(second.get("/"))
    assert other.get("/").status_code == 200


# --------------------------------------------------------------------------------------------------------------
# Passwords
# --------------------------------------------------------------------------------------------------------------


def test_stored_hash_is_not_the_password(db, world):
    user = db.session.scalar(sa.select(User).where(User.username == "clerk"))
    assert user.password_hash != PASSWORD and PASSWORD not in user.password_hash
    assert user.check_password(PASSWORD) and not user.check_password(PASSWORD.upper())
    other = db.session.scalar(sa.select(User).where(User.username == "leader"))
    assert other.password_hash != user.password_hash  # salted: the same password hashes differently


@pytest.mark.parametrize("config_class", [Config, ProductionConfig], ids=["Config", "ProductionConfig"])
def test_real_configurations_hash_with_scrypt(monkeypatch, tmp_path, config_class):
    monkeypatch.setattr(config_class, "SECRET_KEY", "s3cret-" * 7)
    real = create_app(
        config_class, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'h.sqlite3'}", UPLOAD_DIR=str(tmp_path / "u")
    )
    with real.app_context():
        user = User(username="x", display_name="x")
        user.set_password("Scrypt-pass-2026")
        assert user.password_hash.startswith("scrypt:")
        assert user.check_password("Scrypt-pass-2026")
        _db.session.remove()
