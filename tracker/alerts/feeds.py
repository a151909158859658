"""A user's deadlines as an iCalendar feed (.ics) behind a revocable per-user token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar, Event

from tracker.alerts.models import AlertLevel
from tracker.alerts.queries import days_left_of
from tracker.alerts.reminders import alerts_for
from tracker.audit import services as audit
from tracker.auth.models import User
from tracker.common.timeutil import office_today
from tracker.extensions import db


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rotate_token(user: User, *, actor, now: datetime) -> str:
    """Issue a new feed token, returned once (only its SHA-256 is kept); the old address stops working at once."""
    token = secrets.token_urlsafe(32)
    user.ical_token_hash = _hash(token)
    db.session.flush()
    audit.record(
        "user.ical_token",
        actor=actor,
        now=now,
        object_type="user",
        object_id=user.id,
        summary="重新生成期限订阅地址（原地址失效）",
    )
    return token


def revoke_token(user: User, *, actor, now: datetime) -> None:
    user.ical_token_hash = None
    db.session.flush()
    audit.record(
        "user.ical_token", actor=actor, now=now, object_type="user", object_id=user.id, summary="停用期限订阅地址"
    )


def user_by_token(token: str) -> User | None:
    if not token or len(token) > 64:
        return None
    user = db.session.scalar(sa.select(User).where(User.ical_token_hash == _hash(token)))
    return user if user is not None and user.active else None


def feed(user: User, *, now: datetime) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//tracker//规范性文件期限//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"规范性文件期限（{user.display_name}）")
    cal.add("x-wr-timezone", current_app.config["OFFICE_TIMEZONE"])
    base = (current_app.config.get("SITE_URL") or "").rstrip("/")
    alerts = alerts_for(user)
    today = office_today(now)
    left = days_left_of(alerts, today=today)
    for alert in alerts:
        event = Event()
        event.add("uid", f"alert-{alert.id}@{current_app.config.get('TOWN_NAME', 'tracker')}")
        state = {AlertLevel.OVERDUE: "【已逾期】", AlertLevel.DUE_SOON: "【即将到期】"}.get(alert.level, "")
        # Days left as of the feed's fetch: calendar programs fetch it again every few hours.
        event.add("summary", f"{state}{alert.kind.label}：{alert.message}（{left[alert.id]}）")
        event.add("dtstart", alert.due_on)
        event.add("dtend", alert.due_on + timedelta(days=1))
        event.add("dtstamp", now)
        if alert.document_id:
            event.add("url", f"{base}/documents/{alert.document_id}")
        counted = "按工作日计算" if left[alert.id].working_days else "按自然日计算"
        description = f"截至 {today.isoformat()}：{left[alert.id]}（{counted}）。"
        if alert.provisional:
            description += "期限依赖尚未公布的节假日安排，为暂定日期。"
        event.add("description", description)
        cal.add_component(event)
    return cal.to_ical()
