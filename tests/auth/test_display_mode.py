"""长者模式 (issue 14): switched from any page, remembered with the account, drawn by the page's root class."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD
from tests.pages import flashes, redirect_target, text
from tracker.auth.models import DisplayMode, User


def _elder(response) -> bool:
    return bool(re.search(r'<html lang="zh-CN" class="mode-elder">', text(response)))


def _button_pressed(response) -> str:
    m = re.search(r'data-testid="display-mode"\s+aria-pressed="(true|false)"', text(response))
    assert m, "no 长者模式 button on the page"
    return m.group(1)


def test_the_standard_mode_is_the_default_and_the_switch_is_on_every_page(world, login_as):
    c = login_as("clerk")
    for url in ("/", "/documents/", "/rules/", "/audit/me", "/account"):
        r = c.get(url)
        assert r.status_code == 200 and not _elder(r), url
        assert _button_pressed(r) == "false", url


def test_switching_on_comes_back_to_the_same_page_and_is_remembered_at_the_next_login(app, db, world, login_as):
    c = login_as("drafter")
    r = c.post("/display-mode", data={"mode": "elder", "next": "/documents/?status=drafting"})
    assert redirect_target(r) == ("/documents/", {"status": ["drafting"]})
    page = c.get("/documents/?status=drafting")
    assert _elder(page) and _button_pressed(page) == "true"
    assert "已切换为长者模式。" in flashes(page)
    assert db.session.get(User, world["drafter"].id).display_mode is DisplayMode.ELDER

    again = app.test_client()
    again.post("/login", data={"username": "drafter", "password": PASSWORD})
    assert _elder(again.get("/"))
    # Only that person: the others keep the standard mode.
    assert not _elder(login_as("clerk").get("/"))

    r = c.post("/display-mode", data={"mode": "standard", "next": "/"})
    assert redirect_target(r)[0] == "/"
    assert not _elder(c.get("/"))


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example"])
def test_the_way_back_never_leaves_the_site(world, login_as, target):
    r = login_as("leader").post("/display-mode", data={"mode": "elder", "next": target})
    path, _ = redirect_target(r)
    assert path == "/"


def test_without_a_next_the_referring_page_of_this_site_is_used(world, login_as):
    r = login_as("leader").post(
        "/display-mode", data={"mode": "elder"}, headers={"Referer": "http://localhost/reports/annual?year=2026"}
    )
    assert redirect_target(r) == ("/reports/annual", {"year": ["2026"]})


def test_an_unknown_mode_is_refused_and_changes_nothing(db, world, login_as):
    r = login_as("clerk").post("/display-mode", data={"mode": "huge", "next": "/"})
    assert r.status_code == 400
    assert db.session.get(User, world["clerk"].id).display_mode is DisplayMode.STANDARD
