"""The audit trail: append-only, one event per operation, logins recorded, who may read whose history."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD, make_document
from tests.pages import error_message, is_chinese, text
from tracker.audit import services as audit
from tracker.audit.models import AuditEvent


def _count(db, **where) -> int:
    stmt = sa.select(sa.func.count()).select_from(AuditEvent)
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, column) == value)
    return db.session.scalar(stmt)


@pytest.fixture
def event(db, world, now):
    ev = audit.record(
        "test.something", actor=world["clerk"], now=now, summary="原始记录", object_type="user", object_id=1
    )
    db.session.commit()
    return ev


def test_an_event_cannot_be_changed_through_the_orm(db, event):
    event.summary = "改过的记录"
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.summary).where(AuditEvent.id == event.id)) == "原始记录"


def test_an_event_cannot_be_deleted_through_the_orm(db, event):
    db.session.delete(event)
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    assert _count(db, id=event.id) == 1


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(AuditEvent).values(summary="批量改过"),
        sa.delete(AuditEvent),
        sa.update(AuditEvent.__table__).values(summary="批量改过"),
        sa.delete(AuditEvent.__table__),
    ],
    ids=["bulk-update", "bulk-delete", "table-update", "table-delete"],
)
def test_bulk_orm_statements_are_refused_too(db, event, statement):
    with pytest.raises(RuntimeError, match="append-only"):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.scalar(sa.select(AuditEvent.summary).where(AuditEvent.id == event.id)) == "原始记录"


def test_a_transition_writes_exactly_one_event(db, world, now, login_as):
    doc = make_document(world, now, title="测试镇门前三包管理办法")
    db.session.commit()
    c = login_as("drafter")
    before = _count(db)
    r = c.post(f"/documents/{doc.id}/actions/withdraw", data={"note": "上级已统一规定"})
    assert r.status_code == 302
    assert _count(db) == before + 1
    ev = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert ev.action == "transition.withdraw"
    assert ev.actor_id == world["drafter"].id and ev.document_id == doc.id
    assert ev.before == {"status": "drafting"} and ev.after["status"] == "withdrawn"
    assert "上级已统一规定" in ev.summary


def test_a_refused_transition_changes_nothing_and_is_recorded_as_refused(db, world, now, login_as):
    doc = make_document(world, now)
    db.session.commit()
    c = login_as("leader")
    before = _count(db)
    r = c.post(f"/documents/{doc.id}/actions/withdraw", data={"note": "越权"})
    assert r.status_code == 403
    assert _count(db) == before + 1
    assert _count(db, action="transition.withdraw") == 0
    refused = db.session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    assert refused.action == "refused.permission" and refused.actor_id == world["leader"].id


def test_successful_login_is_audited(db, world, client):
    user = world["reviewer"]
    r = client.post("/login", data={"username": "reviewer", "password": PASSWORD})
    assert r.status_code == 302
    ev = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.login"))
    assert ev is not None and ev.actor_id == user.id and ev.object_id == user.id
    assert _count(db, action="auth.login_failed") == 0


@pytest.mark.parametrize("cause", ["wrong-password", "inactive"])
def test_failed_login_is_audited(db, world, client, cause):
    user = world["reviewer"]
    password = PASSWORD
    if cause == "inactive":
        user.active = False
        db.session.commit()
    else:
        password = "Wrong-pass-2026"
    r = client.post("/login", data={"username": "reviewer", "password": password})
    assert r.status_code == 200
    ev = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "auth.login_failed"))
    assert ev is not None and ev.object_id == user.id
    assert ev.actor_id is None  # nobody was authenticated
    assert _count(db, action="auth.login") == 0


# Whose history each role may read: their own always; someone else's only with an audit role.
HISTORY = {
    "admin": 200,
    "reviewer": 200,
    "clerk": 200,
    "leader": 200,
    "drafter": 200,  # the drafter's own
    "drafter2": 403,  # another drafter's
}


@pytest.mark.parametrize("viewer", list(HISTORY))
def test_who_may_read_the_drafters_history(db, world, now, login_as, viewer):
    make_document(world, now, title="测试镇农村建房管理办法")
    db.session.commit()
    r = login_as(viewer).get(f"/audit/users/{world['drafter'].id}")
    assert r.status_code == HISTORY[viewer]
    if r.status_code == 200:
        assert "登记文件草案《测试镇农村建房管理办法》" in text(r)
    else:
        assert is_chinese(error_message(r))
        assert "测试镇农村建房管理办法" not in text(r)


def test_a_drafter_cannot_read_a_reviewers_history(world, login_as):
    r = login_as("drafter").get(f"/audit/users/{world['reviewer'].id}")
    assert r.status_code == 403


def test_my_history_shows_my_own_events_only(db, world, now, login_as):
    make_document(world, now, title="测试镇农村建房管理办法", drafter="drafter")
    make_document(world, now, title="测试镇耕地保护办法", drafter="drafter2")
    db.session.commit()
    body = text(login_as("drafter2").get("/audit/me"))
    assert "测试镇耕地保护办法" in body and "测试镇农村建房管理办法" not in body


def test_history_of_an_unknown_user_is_404(world, login_as):
    assert login_as("admin").get("/audit/users/999999").status_code == 404


def test_document_page_shows_the_timeline(db, world, now, login_as):
    doc = make_document(world, now, title="测试镇门前三包管理办法")
    db.session.commit()
    c = login_as("drafter")
    c.post(f"/documents/{doc.id}/actions/withdraw", data={"note": "上级已统一规定"})
    page = text(login_as("leader").get(f"/documents/{doc.id}"))
    m = re.search(r'data-testid="timeline">(.*?)</ol>', page, re.S)
    assert m, "no timeline on the document page"
    timeline = m.group(1)
    registered = timeline.find("登记文件草案《测试镇门前三包管理办法》")
    withdrawn = timeline.find("撤回：上级已统一规定")
    assert registered != -1 and withdrawn != -1
    assert registered < withdrawn  # oldest first
    assert timeline.count("— drafter") == 2  # who did each step
