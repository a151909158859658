"""API tokens: created on the account page and shown once, stored as SHA-256 only, revocable, API-only."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.api.town import bearer, create_token
from tests.conftest import FIXED_NOW
from tests.pages import flashes, is_chinese, is_login_redirect, text
from tracker.audit.models import AuditEvent
from tracker.auth.api_tokens import ApiToken
from tracker.auth.models import Role
from tracker.auth.services import update_user
from tracker.solicitations.models import Solicitation

API_URLS = ["/api/v1/documents", "/api/v1/documents/1", "/api/v1/deadlines", "/api/v1/statistics/2026"]
LOGIN_FIRST = "请先登录或在请求头中提供有效的令牌（Authorization: Bearer …）。"


@pytest.fixture(autouse=True)
def pinned_clock(clock):
    """Every clock the token paths read (account page, request loader, API views) is now_utc(): 2026-11-02
    10:00 Beijing unless a test moves it (clock.set(...))."""
    return clock


def tokens(db) -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))


def every_stored_value(db):
    """Every value of every row of every table, as text."""
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            for row in conn.execute(sa.select(table)):
                for value in row:
                    if value is not None:
                        yield table.name, str(value)


def test_a_token_is_shown_once_and_only_its_sha256_is_kept(db, world, login_as, client):
    clerk = login_as("clerk")
    token = create_token(clerk)
    assert token.startswith("trk_") and len(token) > 40

    [row] = tokens(db)
    assert (row.user_id, row.name, row.created_at, row.last_used_at, row.revoked_at) == (
        world["clerk"].id,
        "OA 系统",
        FIXED_NOW,
        None,
        None,
    )
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    leaks = [table for table, value in every_stored_value(db) if token in value or token[4:] in value]
    assert leaks == []
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "api.token_create"))
    assert event.summary == "创建接口令牌“OA 系统”" and event.actor_id == world["clerk"].id

    # Shown once: the account page lists the token by its purpose, never its value again.
    page = text(clerk.get("/account"))
    assert token not in page and "OA 系统" in page and "有效" in page
    # And it works.
    assert client.get("/api/v1/documents", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("name", ["", "   ", "长" * 101])
def test_a_token_needs_a_purpose_of_at_most_100_characters(db, world, login_as, name):
    r = login_as("reviewer").post("/account", data={"action": "api_create", "name": name})
    assert r.status_code == 200
    assert flashes(r) == ["请填写令牌用途（不超过 100 字）。"]
    assert 'data-testid="new-token"' not in text(r)
    assert tokens(db) == []


@pytest.mark.parametrize("url", API_URLS + ["/api/v1/openapi.json"])
@pytest.mark.parametrize(
    "header",
    [None, "Bearer ", "Bearer trk_not-a-real-token", "Basic Y2xlcms6VGVzdC1wYXNzLTIwMjY=", "Bearer not-our-prefix"],
)
def test_without_a_valid_token_the_api_answers_401_in_json_and_chinese(db, world, client, url, header):
    r = client.get(url, headers={"Authorization": header} if header else {})
    assert r.status_code == 401
    assert r.is_json and r.get_json() == {"error": LOGIN_FIRST}
    assert is_chinese(r.get_json()["error"])


def test_a_revoked_token_is_refused(db, world, login_as, client):
    clerk = login_as("clerk")
    token = create_token(clerk)
    [row] = tokens(db)
    assert client.get("/api/v1/deadlines", headers=bearer(token)).status_code == 200

    r = clerk.post("/account", data={"action": "api_revoke", "token_id": row.id})
    assert r.status_code == 302 and r.headers["Location"].endswith("/account")
    [row] = tokens(db)
    assert row.revoked_at == FIXED_NOW
    for url in API_URLS:
        r = client.get(url, headers=bearer(token))
        assert (r.status_code, r.get_json()) == (401, {"error": LOGIN_FIRST}), url
    assert "已停用" in text(clerk.get("/account"))


def test_nobody_revokes_another_users_token(db, world, login_as, client):
    token = create_token(login_as("clerk"))
    [row] = tokens(db)
    r = login_as("reviewer").post("/account", data={"action": "api_revoke", "token_id": row.id})
    assert r.status_code == 403
    assert tokens(db)[0].revoked_at is None
    assert client.get("/api/v1/documents", headers=bearer(token)).status_code == 200


def test_the_token_of_a_deactivated_user_is_refused(db, world, login_as, client):
    token = create_token(login_as("reviewer"))
    assert client.get("/api/v1/documents", headers=bearer(token)).status_code == 200

    reviewer = world["reviewer"]
    fields = dict(display_name="reviewer", role=Role.REVIEWER, unit_id=reviewer.unit_id, email=None, phone=None)
    update_user(reviewer, actor=world["admin"], now=FIXED_NOW, expected_version=None, active=False, **fields)
    db.session.commit()
    for url in API_URLS:
        assert client.get(url, headers=bearer(token)).status_code == 401, url

    update_user(reviewer, actor=world["admin"], now=FIXED_NOW, expected_version=None, active=True, **fields)
    db.session.commit()
    assert client.get("/api/v1/documents", headers=bearer(token)).status_code == 200


def test_a_token_opens_neither_pages_nor_forms(db, world, login_as, client):
    token = create_token(login_as("clerk"))
    headers = bearer(token)
    for url in ("/", "/documents/", "/account", "/reports/annual", "/solicitations/"):
        assert is_login_redirect(client.get(url, headers=headers)), url

    # A POST with the token is no login either: nothing is created.
    r = client.post("/account", headers=headers, data={"action": "api_create", "name": "偷偷创建"})
    assert is_login_redirect(r)
    assert [t.name for t in tokens(db)] == ["OA 系统"]
    r = client.post(
        "/solicitations/new",
        headers=headers,
        data={
            "from_body": "中山市司法局",
            "title": "某某规定（征求意见稿）",
            "received_on": "2026-11-02",
            "reply_due_on": "2026-11-16",
            "assignee_id": "0",
        },
    )
    assert is_login_redirect(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Solicitation)) == 0
    # The API itself is read-only: no route takes a POST.
    assert client.post("/api/v1/documents", headers=headers, json={"title": "新文件"}).status_code == 405


def test_each_use_records_when_the_token_was_last_used(db, world, login_as, client, clock):
    clerk = login_as("clerk")
    token = create_token(clerk)
    assert tokens(db)[0].last_used_at is None
    assert "<td>2026-11-02 10:00</td><td></td>" in text(clerk.get("/account"))

    used = datetime(2026, 11, 3, 6, 30, tzinfo=UTC)
    clock.set(used)  # 14:30 in Beijing
    assert client.get("/api/v1/deadlines", headers=bearer(token)).status_code == 200
    assert tokens(db)[0].last_used_at == used
    later = datetime(2026, 11, 4, 1, 5, tzinfo=UTC)
    clock.set(later)
    assert client.get("/api/v1/documents", headers=bearer(token)).status_code == 200
    assert tokens(db)[0].last_used_at == later
    # Within the hour a use is not written again: a polling script does not turn every read into a write.
    clock.set(later + timedelta(minutes=59))
    assert client.get("/api/v1/documents", headers=bearer(token)).status_code == 200
    assert tokens(db)[0].last_used_at == later
    # A refused call (no valid token) records nothing.
    clock.set(datetime(2026, 11, 5, 1, 0, tzinfo=UTC))
    assert client.get("/api/v1/documents", headers=bearer(token + "x")).status_code == 401
    assert tokens(db)[0].last_used_at == later
    # The account page shows the last use in office time.
    assert "<td>2026-11-02 10:00</td><td>2026-11-04 09:05</td>" in text(clerk.get("/account"))
