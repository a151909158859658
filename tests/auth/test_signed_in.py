"""The signed-in person kept between read-only requests (tracker/auth/queries.signed_in): a page asked again reads
no statement for them, and any change to them or to their unit shows on their very next page."""

from __future__ import annotations

import sqlalchemy as sa

from tests.pages import text
from tracker.auth import services
from tracker.auth.models import User
from tracker.extensions import db as _db


def _statements(client, path: str) -> tuple[str, list[str]]:
    seen: list[str] = []

    def watch(*args) -> None:
        seen.append(args[2])

    _db.session.expunge_all()  # nothing of earlier requests left in the test's own session
    sa.event.listen(_db.engine, "before_cursor_execute", watch)
    try:
        page = text(client.get(path))
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", watch)
    return page, seen


def _edit(ids: dict[str, int], who: str, now, **changes) -> None:
    user = _db.session.get(User, ids[who])
    fields = {
        "display_name": user.display_name,
        "role": user.role,
        "unit_id": user.unit_id,
        "email": user.email,
        "phone": user.phone,
        "active": user.active,
    } | changes
    admin = _db.session.get(User, ids["admin"])
    services.update_user(user, actor=admin, now=now, expected_version=None, **fields)
    _db.session.commit()


def test_a_page_asked_again_reads_nothing_for_the_person(db, world, login_as):
    clerk = login_as("clerk")
    clerk.get("/documents/")
    page, seen = _statements(clerk, "/documents/")
    assert world["clerk"].display_name in page
    assert not [s for s in seen if "FROM users" in s], seen


def test_a_change_to_the_person_shows_on_their_next_page(db, world, login_as, now):
    ids = {who: world[who].id for who in ("clerk", "admin")}
    clerk = login_as("clerk")
    clerk.get("/")
    assert world["clerk"].display_name in text(clerk.get("/"))
    _edit(ids, "clerk", now, display_name="改名后的办事员")
    page, seen = _statements(clerk, "/")
    assert "改名后的办事员" in page and [s for s in seen if "FROM users" in s]
    # Deactivated: the next request is no longer theirs.
    _edit(ids, "clerk", now, active=False)
    response = clerk.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_change_to_the_persons_unit_shows_on_their_next_page(db, world, login_as, now):
    clerk = login_as("clerk")
    clerk.get("/")
    unit = world["clerk"].unit
    services.save_unit(
        unit,
        actor=world["admin"],
        now=now,
        name="测试镇综合办公室",
        short_name=unit.short_name,
        kind=unit.kind,
        can_issue=unit.can_issue,
        can_draft=unit.can_draft,
        number_prefix=unit.number_prefix,
        active=unit.active,
    )
    _db.session.commit()
    assert "测试镇综合办公室" in text(clerk.get("/"))
