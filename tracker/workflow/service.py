"""apply(): the only code that changes a document's status; available_actions() drives the buttons."""

from __future__ import annotations

from datetime import datetime

from tracker.documents.states import EVER_PUBLISHED
from tracker.workflow.machine import MAX_NOTE_LENGTH, Action, Machine, Transition
from tracker.workflow.transitions import TRANSITIONS

__all__ = [
    "MAX_NOTE_LENGTH",
    "Action",
    "DOCUMENT",
    "allows",
    "apply",
    "available_actions",
    "get_transition",
    "require",
]

DOCUMENT = Machine(
    TRANSITIONS,
    object_type="document",
    audit_prefix="transition",
    what="文件",
    document_id=lambda doc: doc.id,
    stamp="status_changed_at",
)


def get_transition(action: str) -> Transition:
    return DOCUMENT.get(action)


def allows(document, action: str) -> bool:
    """Whether the document is in a source state of the action (the table's answer; nothing else asked)."""
    return DOCUMENT.allows(document, action)


def require(document, action: str, *, actor, now: datetime, note: str = "", form_pending: bool = False) -> Transition:
    """Every check of apply() (source state, permission, note, guard) without changing anything.

    A service that must refuse before doing its own work (allocating numbers, storing a publication) calls this
    first, so the rules of a step are stated once, in the table.
    """
    return DOCUMENT.require(document, action, actor=actor, now=now, note=note, form_pending=form_pending)


def apply(document, action: str, *, actor, now: datetime, note: str = ""):
    """Check source state, permission and guard; set the state; write the audit event; flush.

    Raises a DomainError (and changes nothing) when any check fails.
    """
    return DOCUMENT.apply(document, action, actor=actor, now=now, note=note)


def available_actions(document, user, *, now: datetime) -> list[Action]:
    """Transitions whose source state matches and that the user may take; guard refusals are shown, not hidden."""
    published = document.status in EVER_PUBLISHED
    # Filing is not a step of a draft: do not offer it, even greyed out.
    return DOCUMENT.available(document, user, now=now, hidden=lambda t: t.field == "filing_status" and not published)
