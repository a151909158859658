"""The home page and the health endpoint."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from tracker.alerts.models import AlertLevel
from tracker.alerts.queries import days_left_of
from tracker.alerts.reminders import alerts_for, count_alerts_for, mail_configured
from tracker.auth.models import Role
from tracker.common.fragments import remembered_part
from tracker.common.timeutil import now_utc, office_today
from tracker.documents.queries import status_counts
from tracker.extensions import db
from tracker.register.queries import recent_documents
from tracker.reports.dashboard import board_for

bp = Blueprint("main", __name__)
HOME_ALERTS = 50  # deadlines listed on a home page


@bp.get("/")
def index():
    # The people of the city have no town of their own to show: the bureau works at its desk, a leader reads the
    # towns side by side.
    if current_user.role is Role.BUREAU:
        return redirect(url_for("bureau.desk"))
    if current_user.role is Role.CITY_LEADER:
        return redirect(url_for("city.index"))
    if current_user.role is Role.CITY_ADMIN:  # the city's accounts, then the install's configuration
        return redirect(url_for("admin.users"))
    user = current_user._get_current_object()
    now = now_utc()
    today = office_today(now)

    def context() -> dict:
        # The clerk's home shows the risk board instead; the others see their earliest deadlines (a leader's town may
        # have thousands overdue: the page names how many more there are).
        alerts = [] if user.role is Role.CLERK else alerts_for(user, limit=HOME_ALERTS)
        total = len(alerts) if len(alerts) < HOME_ALERTS else count_alerts_for(user)
        return {
            "counts": status_counts(user),
            "recent": recent_documents(user, limit=10),
            "alerts": alerts,
            "alerts_total": total,
            "left": days_left_of(alerts, today=today),
            "mail_missing": not mail_configured(),
            "board": board_for(user, now=now),
            "AlertLevel": AlertLevel,
        }

    # Everything the body shows is read from the records, the person and today: remembered under the records' stamp
    # (any write in the town renders it again), per person and day.
    content = remembered_part(("home", user.id, today), "main/_home.html", context)
    return render_template("main/index.html", content=content)


@bp.get("/health")
def health():
    # Public, for load balancers and systemd checks: says only whether the database answers.
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return {"status": "error"}, 503
    return {"status": "ok"}
