"""Reads for the register of drafts for comment."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.solicitations.models import Solicitation
from tracker.solicitations.phases import ANSWERED_PHASES


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
