"""A lifecycle declared as a table: each move with its sources, target, permission and guard; one apply() that
checks, sets the state, audits and flushes. Documents, clean-up campaigns and solicitations each declare one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from tracker.audit import services as audit
from tracker.auth.permissions import may
from tracker.common.timeutil import office_today
from tracker.errors import ConcurrentEdit, InvalidTransition, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.workflow import guards

MAX_NOTE_LENGTH = 2000


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset
    target: Enum
    permission: str
    # A guard name (workflow/guards.py): the domain that owns the records registers the function.
    guard: str | None = None
    needs_note: bool = False
    # The page (an endpoint answering GET) where the step's data is entered; its form performs the step. The
    # object's page links to it.
    page: str | None = None
    # The POST endpoint that performs a step needing no data of its own but more than a change of state (entry
    # into force applies the relations); the object's page shows it as a button. A document step with neither a
    # page nor an endpoint is a button posting to the document page's generic action (register.act).
    endpoint: str | None = None
    style: str = "primary"
    # Applied only by the service of another step (never offered as a button, never accepted on its own).
    internal: bool = False
    # The guard checks what the transition's own page records (numbers, dates): it holds at apply(), but must not
    # grey out the button that leads to that page.
    guard_after_form: bool = False
    # The attribute of the object that this transition moves.
    field: str = "status"
    # The refusals in the words of the step, when the generic ones ("…当前为…，不能执行…") say it less well.
    wrong_state: str | None = None
    not_allowed: str | None = None


@dataclass(frozen=True)
class Action:
    """A transition as offered to one user on one object; `blocked` says why it cannot run yet."""

    transition: Transition
    blocked: str | None

    @property
    def name(self) -> str:
        return self.transition.name

    @property
    def label(self) -> str:
        return self.transition.label


@dataclass(frozen=True)
class Machine:
    """One table and the rules of applying it.

    `object_type` and `audit_prefix` name the audit rows ("<prefix>.<transition>"); `document_id` says which
    document an event belongs to (none for a campaign); `stamp` is a column set to `now` on every move.
    """

    transitions: tuple[Transition, ...]
    object_type: str
    audit_prefix: str
    what: str  # the object in messages: "文件", "清理工作" …
    document_id: Callable[[Any], int | None] = lambda obj: None
    stamp: str | None = None
    by_name: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self):
        by_name = {t.name: t for t in self.transitions}
        if len(by_name) != len(self.transitions):
            raise ValueError(f"duplicate transition name in the {self.object_type} table")
        for t in self.transitions:
            if t.page and t.endpoint:
                raise ValueError(f"{t.name}: a step has a page or an endpoint, not both")
        object.__setattr__(self, "by_name", by_name)

    def get(self, action: str) -> Transition:
        try:
            return self.by_name[action]
        except KeyError:
            raise InvalidTransition("没有这个操作。") from None

    def allows(self, obj, action: str) -> bool:
        """Whether the object is in a source state of the action (state only: no permission, no guard)."""
        t = self.get(action)
        return getattr(obj, t.field) in t.sources

    def require(self, obj, action: str, *, actor, now: datetime, note: str = "", form_pending: bool = False):
        """Every check of apply() (permission, source state, note, guard) without changing anything.

        A service that must refuse before doing its own work (allocating numbers, storing a publication) calls this
        first, so the rules of a step are stated once, in the table. `form_pending`: the data the step's own page
        records is not there yet, so a guard that checks it (guard_after_form) is left to apply().
        """
        t = self.get(action)
        # Who may, before whether now: a step the user may never take is refused as such in any state.
        if not may(actor, t.permission, obj):
            raise PermissionDenied(t.not_allowed or f"您无权对该{self.what}执行“{t.label}”。")
        current = getattr(obj, t.field)
        if current not in t.sources:
            raise InvalidTransition(t.wrong_state or f"{self.what}当前为“{current.label}”，不能执行“{t.label}”。")
        note = (note or "").strip()
        if t.needs_note and not note:
            raise ValidationFailed(f"执行“{t.label}”须填写理由。")
        if len(note) > MAX_NOTE_LENGTH:
            raise ValidationFailed(f"说明不能超过 {MAX_NOTE_LENGTH} 字。")
        if t.guard is not None and not (form_pending and t.guard_after_form):
            refusal = guards.check(t.guard, obj, office_today(now))
            if refusal:
                raise InvalidTransition(refusal)
        return t

    def apply(self, obj, action: str, *, actor, now: datetime, note: str = "", summary: str | None = None):
        """Check permission, source state and guard; set the state; write the audit event; flush.

        Raises a DomainError (and changes nothing) when any check fails.
        """
        t = self.require(obj, action, actor=actor, now=now, note=note)
        current = getattr(obj, t.field)
        note = (note or "").strip()
        setattr(obj, t.field, t.target)
        if self.stamp:
            setattr(obj, self.stamp, now)
        event = audit.record(
            f"{self.audit_prefix}.{t.name}",
            actor=actor,
            now=now,
            summary=summary or (t.label + (f"：{note}" if note else "")),
            object_type=self.object_type,
            object_id=obj.id,
            document_id=self.document_id(obj),
            before={t.field: current.value},
            after={t.field: t.target.value, **({"note": note} if note else {})},
        )
        try:
            db.session.flush()
        except StaleDataError:
            raise ConcurrentEdit(f"该{self.what}刚被他人修改，请刷新页面查看最新状态后再操作。") from None
        return event

    def available(self, obj, user, *, now: datetime, hidden: Callable[[Transition], bool] | None = None):
        """Transitions whose source state matches and that the user may take; guard refusals are shown, not hidden."""
        today = office_today(now)
        actions = []
        for t in self.transitions:
            if t.internal or getattr(obj, t.field) not in t.sources or not may(user, t.permission, obj):
                continue
            if hidden is not None and hidden(t):
                continue
            blocked = guards.check(t.guard, obj, today) if t.guard and not t.guard_after_form else None
            actions.append(Action(t, blocked))
        return actions

    def sources_of(self, *actions: str) -> frozenset:
        """The states from which any of the actions may be taken."""
        return frozenset().union(*(self.get(a).sources for a in actions))
