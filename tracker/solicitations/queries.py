"""Reads of requests for comments: the town's reply, due until it is sent."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import sqlalchemy as sa

from tracker.auth.models import Role, Unit, UnitKind, User
from tracker.extensions import db
from tracker.rules.due import DueItem, DueKind
from tracker.solicitations.models import Solicitation, SolicitationPhase
from tracker.solicitations.phases import ANSWERED_PHASES


def subject_key(solicitation_id: int) -> str:
    return f"solicitation:{solicitation_id}"


def due_items(today: date, *, solicitations: Collection[int] | None = None) -> list[DueItem]:
    """A reply not yet sent is due on the date the requesting body set (no rule: the letter says it)."""
    stmt = sa.select(Solicitation).where(
        Solicitation.phase.in_([SolicitationPhase.REGISTERED, SolicitationPhase.DRAFTING])
    )
    if solicitations is not None:
        stmt = stmt.where(Solicitation.id.in_(solicitations))
    return [
        DueItem(
            DueKind.COMMENT_REPLY_DUE,
            subject_key(sol.id),
            None,
            None,
            sol.assignee_id,
            sol.reply_due_on,
            None,
            False,
            f"答复{sol.from_body}《{sol.title}》征求意见",
            "答复征求意见",
            town_id=sol.town_id,
        )
        for sol in db.session.scalars(stmt)
    ]


# The organs that may reply to a higher level and sign the letter (docs/rules.md §8).
REPLYING_KINDS = (UnitKind.GOVERNMENT, UnitKind.JUDICIAL_OFFICE)


def replying_units() -> list[Unit]:
    return list(
        db.session.scalars(
            sa.select(Unit).where(Unit.active.is_(True), Unit.kind.in_(REPLYING_KINDS)).order_by(Unit.id)
        )
    )


def handlers() -> list[User]:
    """Who may be named to handle a draft for comment: active reviewers and clerks."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.active.is_(True), User.role.in_([Role.REVIEWER, Role.CLERK]))
            .order_by(User.display_name)
        )
    )


def received_in(year: int) -> list[Solicitation]:
    """The year's drafts for comment, those still waiting for a reply first, by reply date."""
    return list(
        db.session.scalars(
            sa.select(Solicitation)
            .where(sa.extract("year", Solicitation.received_on) == year)
            .order_by(Solicitation.phase.in_(ANSWERED_PHASES), Solicitation.reply_due_on)
        )
    )
