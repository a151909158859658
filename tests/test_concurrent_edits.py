"""The lost-update probe with real concurrency: two people saving the same record at the same moment, each in a
session and transaction of their own, on the suite's database (SQLite, or PostgreSQL in CI's second run).

Exactly one save wins; the other is told in Chinese that someone else changed the record (never a database error,
never a silent overwrite), and the audit trail holds one event for the one change.
"""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import make_document
from tests.threads import race
from tracker.audit.chain import verify
from tracker.audit.models import AuditEvent
from tracker.auth.models import User
from tracker.documents.models import Document
from tracker.documents.services import DocumentData, update_metadata
from tracker.documents.states import DocStatus
from tracker.errors import ConcurrentEdit, InvalidTransition
from tracker.extensions import db as _db
from tracker.workflow import service as workflow


def _events(db, action: str) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == action))


def test_two_people_saving_the_same_document_lose_nothing(app, db, world, now):
    doc = make_document(world, now, title="测试镇原标题办法")
    db.session.commit()
    doc_id, drafter_id, version = doc.id, world["drafter"].id, doc.version_id
    issuer_id, unit_id = doc.issuer_id, doc.drafting_unit_id
    db.session.close()
    titles = ["测试镇甲改的办法", "测试镇乙改的办法"]

    def save(i: int, barrier) -> str:
        document = _db.session.get(Document, doc_id)
        drafter = _db.session.get(User, drafter_id)
        data = DocumentData(title=titles[i], kind=document.kind, issuer_id=issuer_id, drafting_unit_id=unit_id)
        barrier.wait()  # both loaded the same version; both save now
        try:
            update_metadata(document, data, actor=drafter, now=now, expected_version=version)
            _db.session.commit()
            return "saved"
        except ConcurrentEdit as exc:
            _db.session.rollback()
            return exc.message

    results = race(app, save)
    assert sorted(r if r == "saved" else "refused" for r in results) == ["refused", "saved"], results
    refusal = next(r for r in results if r != "saved")
    assert "已被他人修改" in refusal and "未保存" in refusal
    winner = titles[results.index("saved")]
    saved = db.session.get(Document, doc_id)
    assert saved.title == winner and saved.version_id == version + 1
    assert _events(db, "document.update") == 1
    with db.engine.connect() as conn:
        assert verify(conn).ok


def test_a_withdrawal_and_an_acceptance_at_once_apply_one(app, db, world, now):
    """The drafter withdraws the submission while the reviewer accepts it: one of the two happens."""
    doc = make_document(world, now)
    doc.status = DocStatus.SUBMITTED  # set directly: the race is the subject here, not the way there
    db.session.commit()
    doc_id = doc.id
    steps = [("withdraw", world["drafter"].id, "上级已统一规定"), ("accept_for_review", world["reviewer"].id, "")]
    db.session.close()

    def step(i: int, barrier) -> str:
        action, user_id, note = steps[i]
        document = _db.session.get(Document, doc_id)
        user = _db.session.get(User, user_id)
        assert document.status is DocStatus.SUBMITTED
        barrier.wait()
        try:
            workflow.apply(document, action, actor=user, now=now, note=note)
            _db.session.commit()
            return "applied"
        except (ConcurrentEdit, InvalidTransition) as exc:
            _db.session.rollback()
            return exc.message

    results = race(app, step)
    assert sorted(r if r == "applied" else "refused" for r in results) == ["applied", "refused"], results
    assert "刚被他人修改" in next(r for r in results if r != "applied")
    won = steps[results.index("applied")][0]
    status = db.session.scalar(sa.select(Document.status).where(Document.id == doc_id))
    assert status is {"withdraw": DocStatus.WITHDRAWN, "accept_for_review": DocStatus.UNDER_REVIEW}[won]
    transitions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("transition.%"))).all()
    assert transitions == [f"transition.{won}"]
