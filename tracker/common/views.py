"""The one way a form view runs a service: commit once on success, roll back and say why on refusal."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash

from tracker.errors import DomainError
from tracker.extensions import db


def attempt(fn: Callable[[], object], success: str) -> bool:
    """Run one service call; commit and flash on success, roll back and flash the refusal otherwise."""
    try:
        fn()
    except DomainError as exc:
        db.session.rollback()
        flash(exc.message, "danger")
        return False
    db.session.commit()
    flash(success, "success")
    return True
