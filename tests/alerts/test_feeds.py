"""The per-user .ics feed behind a revocable token, and the account page that issues it."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from tests.alerts.lifecycle import seed_alerts
from tests.factories import d
from tracker.auth.models import User

SITE = "https://tracker.town.test"


@pytest.fixture
def alerts(app, db, world, now, clock, monkeypatch):
    monkeypatch.setitem(app.config, "SITE_URL", SITE)
    clock.set(now)  # the feed is fetched on 2026-11-02
    seeded = seed_alerts(world, now)
    db.session.commit()
    return seeded


def feed_path(response) -> str | None:
    """The subscription address shown on a page (only the answer to 生成 shows it), as a path."""
    page = response.get_data(as_text=True)
    match = re.search(r'value="http://localhost(/ical/[A-Za-z0-9_-]+\.ics)" data-testid="feed-url"', page)
    return match[1] if match else None


def rotate(client) -> str:
    """Press 生成订阅地址 and read the address off the answer, the one time it is shown."""
    r = client.post("/account", data={"action": "rotate"})
    assert r.status_code == 200
    path = feed_path(r)
    assert path is not None
    return path


def token_of(username: str) -> str | None:
    """What the database keeps of the user's feed secret: its SHA-256, never the secret."""
    from tracker.extensions import db

    db.session.expire_all()
    return db.session.scalar(sa.select(User.ical_token_hash).where(User.username == username))


def _sha256(path: str) -> str:
    token = path.removeprefix("/ical/").removesuffix(".ics")
    return hashlib.sha256(token.encode()).hexdigest()


def events(response) -> list[dict]:
    cal = Calendar.from_ical(response.get_data())
    out = []
    for ev in cal.walk("VEVENT"):
        start, end = ev.decoded("dtstart"), ev.decoded("dtend")
        assert isinstance(start, date) and not isinstance(start, datetime), "an all-day event"
        assert ev["dtstart"].params.get("VALUE") == "DATE"
        out.append(
            {
                "start": start,
                "end": end,
                "summary": str(ev["summary"]),
                "url": str(ev.get("url", "")),
                "description": str(ev.get("description", "")),
            }
        )
    return sorted(out, key=lambda e: e["start"])


def test_the_feed_lists_the_users_alerts_as_all_day_events(app, alerts, login_as):
    clerk = login_as("clerk")
    assert feed_path(clerk.get("/account")) is None
    assert "尚未生成订阅地址" in clerk.get("/account").get_data(as_text=True)
    path = rotate(clerk)
    assert token_of("clerk") == _sha256(path)  # the database keeps the hash, not the address's secret
    assert token_of("clerk") not in path
    page = clerk.get("/account")
    assert feed_path(page) is None  # shown once: a later visit says it exists without showing it
    assert 'data-testid="feed-exists"' in page.get_data(as_text=True)

    anonymous = app.test_client()  # calendar programs do not log in: the token is the credential
    r = anonymous.get(path)
    assert r.status_code == 200
    assert r.mimetype == "text/calendar"
    assert r.headers["Cache-Control"] == "no-store"
    f2, f4 = alerts["f2"], alerts["f4"]
    # The clerk's alerts are the two filings (due soon and not yet due); the resolved review is not a deadline.
    assert events(r) == [
        {
            "start": d("2026-11-04"),
            "end": d("2026-11-05"),
            "summary": "【即将到期】报备期限：《测试镇f2号管理办法》报送备案（剩 2 日）",
            "url": f"{SITE}/documents/{f2.document_id}",
            "description": "截至 2026-11-02：剩 2 日（按自然日计算）。",
        },
        {
            "start": d("2026-11-30"),
            "end": d("2026-12-01"),
            "summary": "报备期限：《测试镇f4号管理办法》报送备案（剩 28 日）",
            "url": f"{SITE}/documents/{f4.document_id}",
            "description": "截至 2026-11-02：剩 28 日（按自然日计算）。",
        },
    ]
    cal = Calendar.from_ical(r.get_data())
    assert str(cal["x-wr-calname"]) == "规范性文件期限（clerk）"


LATE_1WD = "（逾期 1 个工作日）"


@pytest.mark.parametrize(
    "username, expected",
    [
        # The review counts working days (10-30 is a Friday: one working day, Monday 11-02, has passed since).
        ("reviewer", [("2026-10-30", f"【已逾期】合法性审查期限：《测试镇r1号管理办法》第 1 轮合法性审查{LATE_1WD}")]),
        (
            "drafter",
            [("2026-11-05", "【即将到期】有效期届满前评估：《测试镇e3号管理办法》有效期届满前评估（剩 3 日）")],
        ),  # noqa: E501
        ("drafter2", [("2026-12-31", "有效期届满前评估：《测试镇e6号管理办法》有效期届满前评估（剩 59 日）")]),
        ("leader", [("2026-10-30", f"【已逾期】合法性审查期限：《测试镇r1号管理办法》第 1 轮合法性审查{LATE_1WD}")]),
        ("admin", []),
    ],
)
def test_each_user_sees_their_own_deadlines(app, alerts, login_as, username, expected):
    client = login_as(username)
    r = app.test_client().get(rotate(client))
    assert r.status_code == 200
    assert [(e["start"].isoformat(), e["summary"]) for e in events(r)] == expected


def test_unknown_rotated_and_revoked_tokens_are_not_found(app, db, alerts, login_as, world):
    anonymous = app.test_client()
    assert anonymous.get("/ical/no-such-token.ics").status_code == 404
    assert anonymous.get(f"/ical/{'x' * 65}.ics").status_code == 404

    clerk = login_as("clerk")
    old = rotate(clerk)
    assert anonymous.get(old).status_code == 200
    assert anonymous.get(f"/ical/{token_of('clerk')}.ics").status_code == 404  # the stored hash opens nothing

    new = rotate(clerk)
    assert new != old
    assert anonymous.get(old).status_code == 404  # the old address stops working at once
    assert anonymous.get(new).status_code == 200

    r = clerk.post("/account", data={"action": "revoke"})
    assert r.status_code == 302
    assert token_of("clerk") is None
    assert "尚未生成订阅地址" in clerk.get("/account").get_data(as_text=True)
    assert anonymous.get(new).status_code == 404

    # A deactivated user's address stops working too.
    path = rotate(clerk)
    world["clerk"].active = False
    db.session.commit()
    assert anonymous.get(path).status_code == 404


def test_the_account_page_needs_login_and_csrf(app, alerts, login_as, monkeypatch):
    anonymous = app.test_client()
    r = anonymous.post("/account", data={"action": "rotate"})
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = anonymous.get("/account")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert token_of("clerk") is None

    clerk = login_as("clerk")
    assert clerk.post("/account", data={"action": "nonsense"}).status_code == 400
    clerk.post("/account", data={"action": "rotate"})
    page = clerk.get("/account").get_data(as_text=True)
    forms = re.findall(r"<form method=\"post\".*?</form>", page, re.S)
    assert all('name="csrf_token"' in form for form in forms)  # every form on the page, logout included
    feed_actions = re.findall(r'name="action" value="(rotate|revoke)"', page)
    assert sorted(feed_actions) == ["revoke", "rotate"]

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = token_of("clerk")
    r = clerk.post("/account", data={"action": "revoke"})  # a forged request carries no token
    assert r.status_code == 400
    assert token_of("clerk") == before
    page = clerk.get("/account").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]
    r = clerk.post("/account", data={"action": "revoke", "csrf_token": csrf})
    assert r.status_code == 302
    assert token_of("clerk") is None
