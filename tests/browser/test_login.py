"""Logging in through the real form: the navigation each role sees, the name shown, logout, a wrong password."""

from __future__ import annotations

import pytest

from tests.browser.conftest import log_in
from tracker.demo import DEMO_USERS

pytestmark = pytest.mark.browser

# Written out by hand from the roles (not computed from tracker.nav): what each person should see.
EXPECTED_NAV = {
    "admin": {"home", "documents", "cleanup", "rules", "users", "units", "my-history", "account"},
    "reviewer": {"home", "documents", "review-desk", "cleanup", "rules", "my-history", "account"},
    "clerk": {"home", "documents", "cleanup", "import", "rules", "my-history", "account"},
    "drafter": {"home", "documents", "new-document", "cleanup", "my-history", "account"},
    "leader": {"home", "documents", "cleanup", "rules", "my-history", "account"},
}
# Drafts for comment from higher levels and the annual statistics: the town's officers, not the drafting units.
for _username in ("admin", "reviewer", "clerk", "leader"):
    EXPECTED_NAV[_username] |= {"solicitations", "reports"}
# The catalogue of laws is read by everyone of the town (the 司法所 keeps it); the number patterns are the town
# administrator's.
for _username in EXPECTED_NAV:
    EXPECTED_NAV[_username] |= {"catalogue"}
EXPECTED_NAV["admin"] |= {"numbering"}
# The demo install has several towns: what they all share (the install's time limits, calendar, pre-check rules and
# Word templates) is kept by the city's administrator, who also keeps the city's people and units.
EXPECTED_NAV["city_admin"] = {"rules", "users", "units", "precheck-rules", "word-templates", "my-history", "account"}
# Where logging in lands (the home page, unless the person has no town of their own to show).
LANDING = {"city_admin": "/admin/users"}
# The page behind each entry (the clerk's deadlines board is the clerk's home page, not an entry of its own).
ENDPOINTS = {
    "home": "main.index",
    "catalogue": "catalogue.index",
    "numbering": "numbering.page",
    "precheck-rules": "precheck_rules.index",
    "documents": "register.index",
    "new-document": "documents.new",
    "review-desk": "review.desk",
    "cleanup": "cleanup.index",
    "solicitations": "solicitations.index",
    "reports": "reports.annual",
    "import": "publication.import_register",
    "rules": "rules.rules",
    "users": "admin.users",
    "units": "admin.units",
    "word-templates": "outputs.templates",
    "my-history": "audit.my_events",
    "account": "alerts.account",
}
PEOPLE = {username: (name, role) for username, name, role, _unit, _pw in DEMO_USERS}


def nav_keys(page) -> set[str]:
    return {el.get_attribute("data-testid").removeprefix("nav-") for el in page.locator("[data-testid^='nav-']").all()}


@pytest.mark.parametrize("username", sorted(EXPECTED_NAV))
def test_each_role_sees_its_navigation_and_name_and_can_log_out(page, live_server, username):
    assert all(endpoint in live_server.app.view_functions for endpoint in ENDPOINTS.values())

    log_in(page, username)

    assert page.url == live_server.url + LANDING.get(username, "/")
    assert nav_keys(page) == EXPECTED_NAV[username]
    name, role = PEOPLE[username]
    current = page.get_by_test_id("current-user")
    assert name in current.inner_text()
    # On narrower screens the role and unit move into the tooltip so the bar stays one line.
    assert role.label in current.get_attribute("title")

    page.get_by_test_id("logout").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("您已退出登录。").is_visible()
    assert nav_keys(page) == set()
    assert page.get_by_test_id("current-user").count() == 0
    page.goto("/")
    assert page.url.startswith(live_server.url + "/login")  # deny by default once logged out


def test_only_the_admins_manage_users_and_only_the_drafter_registers_drafts():
    # The hand-written table itself says what the brief says, so a typo in it cannot hide a wrong navigation.
    assert [u for u, keys in EXPECTED_NAV.items() if {"users", "units"} & keys] == ["admin", "city_admin"]
    shared = {"precheck-rules", "word-templates"}  # the install's, in an install of several towns
    assert [u for u, keys in EXPECTED_NAV.items() if shared & keys] == ["city_admin"]
    assert not {"documents", "numbering", "catalogue"} & EXPECTED_NAV["city_admin"]  # no town of its own
    assert [u for u, keys in EXPECTED_NAV.items() if "new-document" in keys] == ["drafter"]
    assert [u for u, keys in EXPECTED_NAV.items() if "import" in keys] == ["clerk"]
    assert not {"solicitations", "reports"} & EXPECTED_NAV["drafter"]
    assert not {"users", "units", "new-document", "review-desk", "import"} & EXPECTED_NAV["leader"]


def test_a_wrong_password_is_refused_in_chinese(page, live_server):
    log_in(page, "clerk", "not-the-password-1")

    assert page.url.startswith(live_server.url + "/login")
    assert page.get_by_role("alert").filter(has_text="用户名或密码不正确").is_visible()
    assert nav_keys(page) == set()
    # The username stays filled in, the password does not.
    assert page.input_value("#username") == "clerk"
    assert page.input_value("#password") == ""
