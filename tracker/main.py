"""The home page and the health endpoint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from flask_login import current_user

from tracker.documents import queries
from tracker.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    from tracker.common.timeutil import now_utc
    from tracker.deadlines.models import AlertLevel
    from tracker.deadlines.reminders import alerts_for, mail_configured
    from tracker.reports.dashboard import board_for

    counts = queries.status_counts(current_user)
    recent = queries.visible_documents(current_user).limit(10)
    return render_template(
        "main/index.html",
        counts=counts,
        recent=db.session.scalars(recent).all(),
        alerts=alerts_for(current_user),
        mail_missing=not mail_configured(),
        board=board_for(current_user, now=now_utc()),
        AlertLevel=AlertLevel,
    )


@bp.get("/health")
def health():
    # Public, for load balancers and systemd checks: says only whether the database answers.
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return {"status": "error"}, 503
    return {"status": "ok"}
