"""Refused attempts are evidence: an attempt without the permission, a step not allowed now and a request failing
its CSRF check each leave an audit event, written in a transaction of its own while the refused operation is
rolled back; ordinary input errors leave none."""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import PASSWORD, make_document
from tests.pages import csrf_token, error_message, flashes, refusal, text
from tests.review import steps
from tracker.audit.chain import verify
from tracker.audit.models import AuditEvent
from tracker.documents.models import Document
from tracker.documents.states import DocStatus
from tracker.review import services as review


def _refusals(db) -> list[AuditEvent]:
    return list(
        db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("refused.%")).order_by(AuditEvent.id))
    )


def _count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def test_an_action_without_the_permission_is_recorded_and_changes_nothing(db, world, now, login_as):
    doc = make_document(world, now, title="测试镇门前三包管理办法")
    db.session.commit()
    r = login_as("leader").post(f"/documents/{doc.id}/actions/withdraw", data={"note": "越权撤回"})
    assert r.status_code == 403
    assert db.session.get(Document, doc.id).status is DocStatus.DRAFTING
    [event] = _refusals(db)
    assert event.action == "refused.permission"
    assert event.actor_id == world["leader"].id
    assert event.object_type == "request" and event.document_id is None  # not on the document's timeline
    assert event.after["method"] == "POST" and event.after["path"] == f"/documents/{doc.id}/actions/withdraw"
    assert event.after["status"] == 403 and event.after["address"] == "127.0.0.1"
    assert refusal(r) in event.summary  # what the person was told (on the document page, shown again)
    assert event.chain_seq is not None and verify_ok(db)


def test_a_forbidden_page_is_recorded(db, world, login_as):
    r = login_as("drafter").get("/review/")
    assert r.status_code == 403
    [event] = _refusals(db)
    assert event.action == "refused.permission" and event.actor_id == world["drafter"].id
    assert event.after == {
        "kind": "permission",
        "method": "GET",
        "path": "/review/",
        "endpoint": "review.desk",
        "address": "127.0.0.1",
        "status": 403,
        "message": error_message(r),
    }


def test_a_step_not_allowed_in_this_state_is_recorded(db, world, now, login_as):
    doc = make_document(world, now)
    db.session.commit()
    # 重新起草 starts from 不同意出台 or 暂缓出台 only (结束征求意见 has its own page now).
    r = login_as("drafter").post(f"/documents/{doc.id}/actions/resume_drafting", data={"note": ""})
    assert r.status_code == 409
    [event] = _refusals(db)
    assert event.action == "refused.transition" and event.actor_id == world["drafter"].id
    assert "不能执行" in event.summary and event.after["status"] == 409
    assert db.session.get(Document, doc.id).status is DocStatus.DRAFTING


def test_a_refusal_shown_on_the_page_itself_is_recorded_too(db, world, now, login_as):
    """The worksheet catches the refusal and shows it in place (200): it is still an attempt on the record."""
    doc, rnd = steps.under_review(world, now)
    review.extend(rnd, actor=world["reviewer"], now=now, days=5, reason="涉及多部门职责")
    db.session.commit()
    due = rnd.extended_due_on
    r = login_as("reviewer").post(
        f"/review/documents/{doc.id}/worksheet", data={"form": "extend", "e-days": "3", "e-reason": "再延长"}
    )
    assert r.status_code == 200
    assert any("延长过一次" in m for m in flashes(r))
    [event] = _refusals(db)
    assert event.action == "refused.transition" and "延长过一次" in event.summary
    db.session.refresh(rnd)
    assert rnd.extended_due_on == due


def test_a_request_failing_the_csrf_check_is_recorded(app, db, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    c = app.test_client()
    c.post("/login", data={"username": "drafter", "password": PASSWORD, "csrf_token": csrf_token(c.get("/login"))})
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Document))
    r = c.post("/documents/new", data={"title": "测试镇伪造请求办法"})  # no token: e.g. a form on another site
    assert r.status_code == 400 and "CSRF" in error_message(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Document)) == before
    [event] = _refusals(db)
    assert event.action == "refused.csrf" and event.actor_id == world["drafter"].id
    assert event.after["path"] == "/documents/new"


def test_an_anonymous_csrf_failure_is_recorded_without_an_actor(app, db, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    r = app.test_client().post("/login", data={"username": "admin", "password": "guess"})
    assert r.status_code == 400
    [event] = _refusals(db)
    assert event.action == "refused.csrf" and event.actor_id is None


def test_input_errors_and_missing_pages_are_not_refusals(db, world, now, login_as):
    doc = make_document(world, now)
    db.session.commit()
    c = login_as("drafter")
    before = _count(db)
    r = c.post(f"/documents/{doc.id}/actions/withdraw", data={"note": ""})  # a reason is required
    # Shown on the document page with the input kept (the request wrapper), and not recorded as a refusal.
    assert r.status_code == 400 and "须填写理由" in r.get_data(as_text=True)
    assert c.get("/documents/999999").status_code == 404
    assert _count(db) == before


def test_a_long_path_is_cut_and_the_record_stays_valid(db, world, login_as):
    r = login_as("drafter").get("/review/?q=" + "长" * 100_000)
    assert r.status_code == 403
    [event] = _refusals(db)
    assert len(event.summary) <= 500 and event.after["path"] == "/review/"


def test_my_history_lists_my_refused_attempts(db, world, now, login_as):
    c = login_as("drafter")
    c.get("/review/")
    page = text(c.get("/audit/me"))
    assert "拒绝无权限的操作：GET /review/" in page


def verify_ok(db) -> bool:
    with db.engine.connect() as conn:
        return verify(conn).ok
