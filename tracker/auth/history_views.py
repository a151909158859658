"""History views: per user (a document's history is on its page)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from tracker.audit.services import user_history
from tracker.auth.models import User
from tracker.auth.permissions import may
from tracker.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.get("/users/<int:user_id>")
def user_events(user_id: int):
    user = db.get_or_404(User, user_id)
    # Everyone may read their own history; reading others' needs the audit permission.
    if user.id != current_user.id and not may(current_user, "audit.view"):
        abort(403)
    return render_template("audit/user.html", user=user, events=user_history(user.id))


@bp.get("/me")
def my_events():
    return user_events(current_user.id)
