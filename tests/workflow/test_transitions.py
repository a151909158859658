"""Every (state, action, actor): allowed exactly when the table says so; a refusal changes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.factories import make_document
from tracker.audit.models import AuditEvent
from tracker.auth.models import Role
from tracker.auth.permissions import SYSTEM
from tracker.auth.services import create_user
from tracker.documents.states import EVER_PUBLISHED, DocStatus, FilingStatus
from tracker.errors import DomainError, InvalidTransition, PermissionDenied
from tracker.workflow import service as workflow
from tracker.workflow.transitions import TRANSITIONS

ACTORS = ["admin", "reviewer", "clerk", "drafter", "drafter2", "leader", "bureau", "system"]
# Which actors hold each permission of the table (drafter2 belongs to another unit: never for 'draft').
HOLDERS = {
    "draft": {"drafter"},
    "review": {"reviewer"},
    "office": {"clerk"},
    "system": {"clerk", "system"},
    "bureau": {"bureau"},
}


def _actor(world, name: str, now):
    """The world's person, or the city justice bureau's reviewer (a person of the city, made here)."""
    if name == "system":
        return SYSTEM
    if name != "bureau":
        return world[name]
    return create_user(
        actor=SYSTEM,
        now=now,
        username="bureau",
        display_name="bureau",
        role=Role.BUREAU,
        unit_id=world.units["city"].id,
        password=PASSWORD,
    )


def _events(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent))


def _states_for(t):
    return list(FilingStatus) if t.field == "filing_status" else list(DocStatus)


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize("t", TRANSITIONS, ids=lambda t: t.name)
def test_every_state_action_role(db, world, now, t, actor_name):
    actor = _actor(world, actor_name, now)
    doc = make_document(world, now)
    db.session.commit()
    for state in _states_for(t):
        if t.field == "filing_status":
            doc.status = DocStatus.IN_FORCE
            doc.filing_status = state
        else:
            doc.status = state
            doc.filing_status = FilingStatus.NOT_SUBMITTED
        db.session.commit()
        before_events = _events(db)
        allowed_state = state in t.sources
        allowed_actor = actor_name in HOLDERS[t.permission]
        note = "理由" if t.needs_note else ""
        try:
            workflow.apply(doc, t.name, actor=actor, now=now, note=note)
        except PermissionDenied:
            # Who may comes before whether now: one who may never take the step hears so in any state.
            db.session.rollback()
            assert not allowed_actor, (state, "permission refused wrongly")
            outcome = "refused"
        except InvalidTransition as exc:
            db.session.rollback()
            assert allowed_actor, (state, "a state refusal for one who may not take the step at all")
            if allowed_state:
                # Only a guard may refuse a legal move, and it says why in Chinese.
                assert t.guard is not None, (state, exc.message)
                assert any("\u4e00" <= ch <= "\u9fff" for ch in exc.message)
                outcome = "guarded"
            else:
                outcome = "refused"
        else:
            assert allowed_state and allowed_actor, (state, "an illegal move went through")
            assert getattr(doc, t.field) is t.target
            assert _events(db) == before_events + 1
            db.session.rollback()
            outcome = "applied"
        if outcome != "applied":
            db.session.refresh(doc)
            assert getattr(doc, t.field) is state, "a refused action changed the state"
            assert _events(db) == before_events, "a refused action wrote an audit event"


def test_filing_actions_need_a_published_document(db, world, now):
    doc = make_document(world, now)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="尚未发布"):
        workflow.apply(doc, "submit_filing", actor=world["clerk"], now=now)
    assert doc.filing_status is FilingStatus.NOT_SUBMITTED
    assert DocStatus.PUBLISHED in EVER_PUBLISHED and DocStatus.DRAFTING not in EVER_PUBLISHED


def test_unknown_action_is_refused(db, world, now):
    doc = make_document(world, now)
    with pytest.raises(DomainError, match="没有这个操作"):
        workflow.apply(doc, "publish_now_please", actor=world["clerk"], now=now)


def test_note_is_required_where_declared(db, world, now):
    doc = make_document(world, now)
    db.session.commit()
    with pytest.raises(DomainError, match="须填写理由"):
        workflow.apply(doc, "withdraw", actor=world["drafter"], now=now, note="   ")
    workflow.apply(doc, "withdraw", actor=world["drafter"], now=now, note="上级已统一规定")
    assert doc.status is DocStatus.WITHDRAWN


def test_transition_writes_one_audit_event_with_before_and_after(db, world, now):
    doc = make_document(world, now)
    db.session.commit()
    event = workflow.apply(doc, "withdraw", actor=world["drafter"], now=now, note="不再制定")
    db.session.commit()
    assert event.document_id == doc.id and event.actor_id == world["drafter"].id
    assert event.before == {"status": "drafting"}
    assert event.after == {"status": "withdrawn", "note": "不再制定"}
    assert event.occurred_at == now


def test_available_actions_follow_role_and_state(db, world, now):
    doc = make_document(world, now)
    db.session.commit()
    names = {a.name for a in workflow.available_actions(doc, world["drafter"], now=now)}
    assert names == {"start_consultation", "submit_for_review", "withdraw"}
    assert workflow.available_actions(doc, world["drafter2"], now=now) == []
    assert workflow.available_actions(doc, world["leader"], now=now) == []
    assert workflow.available_actions(doc, world["reviewer"], now=now) == []
    # The submit guard says what is missing instead of hiding the button.
    submit = next(
        a for a in workflow.available_actions(doc, world["drafter"], now=now) if a.name == "submit_for_review"
    )
    assert submit.blocked and "起草说明" in submit.blocked


def test_concurrent_transition_is_refused_not_lost(db, world, now):
    """Someone else moved the document after this page loaded: a conflict, never a silent overwrite."""
    from tracker.errors import ConcurrentEdit

    doc = make_document(world, now)
    doc.status = DocStatus.SUBMITTED
    db.session.commit()
    assert doc.status is DocStatus.SUBMITTED  # loaded at version N
    with db.engine.begin() as conn:  # another request commits first
        conn.execute(
            sa.text("UPDATE documents SET status = 'returned', version_id = version_id + 1 WHERE id = :id"),
            {"id": doc.id},
        )
    events = _events(db)
    with pytest.raises(ConcurrentEdit, match="刚被他人修改"):
        workflow.apply(doc, "accept_for_review", actor=world["reviewer"], now=now)
    db.session.rollback()
    db.session.refresh(doc)
    assert doc.status is DocStatus.RETURNED
    assert _events(db) == events


def test_only_the_workflow_assigns_status():
    """grep: `.status =` appears in tracker/ only inside tracker/workflow/."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[2] / "tracker"
    offenders = []
    for path in root.rglob("*.py"):
        if "workflow" in path.parts:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\.(status|filing_status)\s*=[^=]", line):
                offenders.append(f"{path}:{n}")
    assert offenders == []


def test_roles_in_table_exist():
    from tracker.auth.permissions import ROLE_PERMISSIONS

    for t in TRANSITIONS:
        assert t.permission in ROLE_PERMISSIONS
    assert Role.LEADER not in set().union(*(ROLE_PERMISSIONS[p] for p in HOLDERS))
