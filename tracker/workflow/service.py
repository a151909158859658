"""apply(): the only code that changes a document's status; available_actions() drives the buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError

from tracker.audit import services as audit
from tracker.auth.permissions import may
from tracker.common.timeutil import office_today
from tracker.documents.states import EVER_PUBLISHED
from tracker.errors import ConcurrentEdit, InvalidTransition, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.workflow import guards
from tracker.workflow.transitions import BY_NAME, TRANSITIONS, Transition

MAX_NOTE_LENGTH = 2000


@dataclass(frozen=True)
class Action:
    """A transition as offered to one user on one document; `blocked` says why it cannot run yet."""

    transition: Transition
    blocked: str | None

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> str:
        return self.transition.label


def get_transition(action: str) -> Transition:
    try:
        return BY_NAME[action]
    except KeyError:
        raise InvalidTransition("没有这个操作。") from None


def require(document, action: str, *, actor, now: datetime, note: str = "") -> Transition:
    """Every check of apply() (source state, permission, note, guard) without changing anything.

    A service that must refuse before doing its own work (allocating numbers, storing a publication) calls this
    first, so the rules of a step are stated once, in the table.
    """
    t = get_transition(action)
    current = getattr(document, t.field)
    if current not in t.sources:
        raise InvalidTransition(f"文件当前为“{current.label}”，不能执行“{t.label}”。")
    if not may(actor, t.permission, document):
        raise PermissionDenied(f"您无权对该文件执行“{t.label}”。")
    note = (note or "").strip()
    if t.needs_note and not note:
        raise ValidationFailed(f"执行“{t.label}”须填写理由。")
    if len(note) > MAX_NOTE_LENGTH:
        raise ValidationFailed(f"说明不能超过 {MAX_NOTE_LENGTH} 字。")
    if t.guard is not None:
        refusal = guards.check(t.guard, document, office_today(now))
        if refusal:
            raise InvalidTransition(refusal)
    return t


def apply(document, action: str, *, actor, now: datetime, note: str = ""):
    """Check source state, permission and guard; set the state; write the audit event; flush.

    Raises a DomainError (and changes nothing) when any check fails.
    """
    t = require(document, action, actor=actor, now=now, note=note)
    current = getattr(document, t.field)
    note = (note or "").strip()

    setattr(document, t.field, t.target)
    document.status_changed_at = now
    event = audit.record(
        f"transition.{t.name}",
        actor=actor,
        now=now,
        summary=t.label + (f"：{note}" if note else ""),
        object_type="document",
        object_id=document.id,
        document_id=document.id,
        before={t.field: current.value},
        after={t.field: t.target.value, **({"note": note} if note else {})},
    )
    try:
        db.session.flush()
    except StaleDataError:
        raise ConcurrentEdit("该文件刚被他人修改，请刷新页面查看最新状态后再操作。") from None
    return event


def available_actions(document, user, *, now: datetime) -> list[Action]:
    """Transitions whose source state matches and that the user may take; guard refusals are shown, not hidden."""
    today = office_today(now)
    actions = []
    published = document.status in EVER_PUBLISHED
    for t in TRANSITIONS:
        if getattr(document, t.field) not in t.sources or not may(user, t.permission, document):
            continue
        if t.internal:
            continue
        if t.field == "filing_status" and not published:
            continue  # filing is not a step of a draft: do not offer it, even greyed out
        blocked = guards.check(t.guard, document, today) if t.guard and not t.guard_after_form else None
        actions.append(Action(t, blocked))
    return actions
