"""Login throttling per account name and per address, in the database (shared by workers), limits from config."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.factories import PASSWORD, build_world
from tests.pages import flashes, is_login_redirect
from tracker import create_app
from tracker.auth.models import LoginFailure
from tracker.extensions import db as _db

WRONG = "Wrong-pass-2026"


class DayClock:
    """Times of the fixed day, in Beijing, set on the suite's one clock (the `clock` fixture)."""

    def __init__(self, clock, start):
        self.clock, self.start = clock, start  # start: 2026-11-02 10:00:00 in Beijing

    def at(self, hh_mm_ss: str):
        h, m, s = (int(x) for x in hh_mm_ss.split(":"))
        self.clock.set(self.start + timedelta(hours=h - 10, minutes=m, seconds=s))
        return self


@pytest.fixture
def login_clock(clock, now):
    return DayClock(clock, now)


def _login(client, username, password=PASSWORD, address="10.0.0.1"):
    return client.post(
        "/login", data={"username": username, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def _locked_message(response) -> str:
    assert response.status_code == 429
    messages = flashes(response)
    assert len(messages) == 1
    return messages[0]


def test_five_failures_lock_the_account_and_say_until_when(client, world, login_clock):
    for minute in range(5):
        login_clock.at(f"10:0{minute}:00")
        assert _login(client, "clerk", WRONG).status_code == 200
    login_clock.at("10:05:00")
    r = _login(client, "clerk")  # even the right password: a locked account tells nothing
    assert _locked_message(r) == "登录失败次数过多，请于 10:15 后再试。"
    assert is_login_redirect(client.get("/"))
    login_clock.at("10:14:59")
    assert _login(client, "clerk").status_code == 429
    login_clock.at("10:15:00")  # the first failure leaves the 15-minute window
    assert _login(client, "clerk").status_code == 302


def test_the_time_is_rounded_up_to_the_minute(client, world, login_clock):
    for second in range(5):
        login_clock.at(f"10:00:3{second}")
        _login(client, "clerk", WRONG)
    login_clock.at("10:01:00")
    assert "请于 10:16 后再试" in _locked_message(_login(client, "clerk"))


def test_attempts_while_locked_do_not_extend_the_lock(client, world, login_clock):
    for minute in range(5):
        login_clock.at(f"10:0{minute}:00")
        _login(client, "clerk", WRONG)
    for minute in range(5, 15):
        login_clock.at(f"10:{minute:02d}:00")
        assert _login(client, "clerk", WRONG).status_code == 429
    login_clock.at("10:15:00")
    assert _login(client, "clerk").status_code == 302


def test_an_unknown_name_is_locked_the_same_way(client, world, login_clock):
    """The throttle does not reveal which names exist: the same count and the same sentence for both."""
    messages = []
    for username in ("clerk", "nobody-here"):
        for _ in range(5):
            _login(client, username, WRONG)
        messages.append(_locked_message(_login(client, username)))
    assert messages[0] == messages[1]


def test_other_accounts_from_other_addresses_are_not_locked(app, world, login_clock):
    attacker, colleague = app.test_client(), app.test_client()
    for _ in range(5):
        _login(attacker, "clerk", WRONG, address="10.0.0.66")
    assert _login(colleague, "leader", address="10.0.0.2").status_code == 302


def test_a_successful_login_starts_the_accounts_count_again(app, world, login_clock):
    client = app.test_client()
    for _ in range(4):
        _login(client, "clerk", WRONG)
    assert _login(client, "clerk").status_code == 302
    other = app.test_client()
    for _ in range(4):
        assert _login(other, "clerk", WRONG).status_code == 200
    assert _login(other, "clerk").status_code == 302


def test_twenty_failures_from_one_address_lock_that_address(app, world, login_clock):
    guesser = app.test_client()
    for i in range(20):  # one every 30 seconds, from 10:00:00 to 10:09:30
        login_clock.at(f"10:{i // 2:02d}:{30 * (i % 2):02d}")
        assert _login(guesser, f"guess{i}", WRONG, address="10.0.0.66").status_code == 200
    login_clock.at("10:10:00")
    # The per-account count of each name is 1, but the address made 20 failures in the window.
    r = _login(app.test_client(), "leader", address="10.0.0.66")
    assert _locked_message(r) == "登录失败次数过多，请于 10:15 后再试。"
    assert _login(app.test_client(), "leader", address="10.0.0.2").status_code == 302


def test_the_limits_come_from_the_configuration(app, world, login_clock, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 2)
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_WINDOW_MINUTES", 60)
    client = app.test_client()
    _login(client, "clerk", WRONG)
    login_clock.at("10:01:00")
    _login(client, "clerk", WRONG)
    assert "请于 11:00 后再试" in _locked_message(_login(client, "clerk"))
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 0)  # 0 turns the limit off
    assert _login(client, "clerk").status_code == 302


def test_a_lock_ending_on_another_day_names_the_day(app, world, login_clock, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURE_WINDOW_MINUTES", 24 * 60)
    client = app.test_client()
    for _ in range(5):
        _login(client, "clerk", WRONG)
    assert "请于 11月3日 10:00 后再试" in _locked_message(_login(client, "clerk"))


def test_failures_older_than_the_window_are_deleted(db, client, world, login_clock):
    for _ in range(3):
        _login(client, "clerk", WRONG)
    login_clock.at("10:30:00")
    _login(client, "leader", WRONG)
    db.session.expire_all()
    assert db.session.scalars(sa.select(LoginFailure.username)).all() == ["leader"]


def test_wrong_current_passwords_on_the_password_page_count_too(app, db, world, login_clock, login_as):
    """A session left open must not become a way to guess the password without limit."""
    session = login_as("clerk")
    for _ in range(5):
        r = session.post(
            "/password", data={"current_password": WRONG, "new_password": "Lanhua-2027", "confirm": "Lanhua-2027"}
        )
        assert r.status_code == 200 and flashes(r) == ["当前密码不正确。"]
    r = session.post(
        "/password", data={"current_password": PASSWORD, "new_password": "Lanhua-2027", "confirm": "Lanhua-2027"}
    )
    assert "登录失败次数过多" in _locked_message(r)
    db.session.expire_all()
    assert world["clerk"].check_password(PASSWORD)  # nothing changed
    assert _login(app.test_client(), "clerk", address="127.0.0.1").status_code == 429


# --------------------------------------------------------------------------------------------------------------
# Shared by the workers: two app instances (two gunicorn workers) on one database count together
# --------------------------------------------------------------------------------------------------------------


@pytest.fixture
def two_workers(tmp_path, now):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    apps = [create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "u")) for _ in range(2)]
    with apps[0].app_context():
        _db.create_all()
        build_world(now)
        _db.session.commit()
        _db.session.remove()
    yield apps
    for app in apps:
        with app.app_context():
            _db.session.remove()
            _db.engine.dispose()


def test_failures_on_one_worker_count_on_the_other(two_workers, login_clock):
    first, second = (app.test_client() for app in two_workers)
    for _ in range(3):
        assert _login(first, "clerk", WRONG).status_code == 200
    for _ in range(2):
        assert _login(second, "clerk", WRONG).status_code == 200
    assert _login(first, "clerk").status_code == 429
    assert _login(second, "clerk").status_code == 429


def test_behind_a_proxy_the_forwarded_address_is_counted_only_when_configured(tmp_path, now, login_clock):
    url = f"sqlite:///{tmp_path / 'proxy.sqlite3'}"
    for proxies, expected in ((0, "127.0.0.1"), (1, "203.0.113.9")):
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path / "u"), PROXY_COUNT=proxies)
        with app.app_context():
            _db.drop_all()
            _db.create_all()
            build_world(now)
            _db.session.commit()
            r = app.test_client().post(
                "/login",
                data={"username": "clerk", "password": WRONG},
                headers={"X-Forwarded-For": "203.0.113.9"},
                environ_base={"REMOTE_ADDR": "127.0.0.1"},
            )
            assert r.status_code == 200
            assert _db.session.scalars(sa.select(LoginFailure.address)).all() == [expected]
            _db.session.remove()
            _db.engine.dispose()
