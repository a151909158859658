"""Daily digest e-mails of each user's due-soon and overdue items; retried on failure, never lost."""

from __future__ import annotations

import logging
import smtplib
import ssl
import time
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr

import sqlalchemy as sa
from flask import current_app

from tracker.alerts.models import OPEN_LEVELS, Alert, AlertKind, AlertLevel, ReminderSend
from tracker.alerts.queries import days_left_of
from tracker.auth.models import Role, User
from tracker.common.stamp import remembered
from tracker.extensions import db

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
CLERK_KINDS = {
    AlertKind.DELIBERATION_PENDING,
    AlertKind.EFFECT_DUE,
    AlertKind.FILING_DUE,
    AlertKind.CORRECTION_DUE,
    AlertKind.FILING_REVIEW_DUE,
    AlertKind.DEADLINE_CHANGED,
    AlertKind.COMMENT_REPLY_DUE,
    AlertKind.CLEANUP_DUE,
}
DRAFTER_KINDS = {AlertKind.EVALUATION_DUE, AlertKind.REVISION_DUE, AlertKind.DEADLINE_CHANGED}


def _alerts_of(user: User, levels: set[AlertLevel] | None = None):
    """The open alerts a user is responsible for (or, for a leader, every overdue one), as a query; None: none."""
    # The person's town said here too: the reminder e-mails and calendar feeds are read outside a town's request.
    stmt = sa.select(Alert).where(Alert.town_id == user.town_id, Alert.level.in_(OPEN_LEVELS))
    if levels:
        stmt = stmt.where(Alert.level.in_(levels))
    mine = sa.or_(Alert.assignee_id == user.id, Alert.assignee_id.is_(None))
    if user.role is Role.REVIEWER:
        return stmt.where(Alert.kind.in_([AlertKind.REVIEW_DUE, AlertKind.COMMENT_REPLY_DUE]), mine)
    if user.role is Role.CLERK:
        return stmt.where(Alert.kind.in_(CLERK_KINDS), sa.or_(Alert.kind != AlertKind.COMMENT_REPLY_DUE, mine))
    if user.role is Role.DRAFTER:
        return stmt.where(Alert.unit_id == user.unit_id, Alert.kind.in_(DRAFTER_KINDS))
    if user.role is Role.LEADER:
        return stmt.where(Alert.level == AlertLevel.OVERDUE)
    return None


def alerts_for(user: User, *, levels: set[AlertLevel] | None = None, limit: int | None = None) -> list[Alert]:
    """The open alerts a user is responsible for, earliest deadline first (the first `limit` of them)."""
    stmt = _alerts_of(user, levels)
    if stmt is None:
        return []
    return list(db.session.scalars(stmt.order_by(Alert.due_on, Alert.id).limit(limit)))


def count_alerts_for(user: User) -> int:
    """How many open alerts the user is responsible for (remembered until a record or an alert changes)."""
    stmt = _alerts_of(user)
    if stmt is None:
        return 0
    count = sa.select(sa.func.count()).select_from(stmt.subquery())
    return remembered(("alerts_for", user.id, user.role, user.unit_id), lambda: db.session.scalar(count))


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


@dataclass
class DigestResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    nothing_due: int = 0
    configured: bool = True

    def line(self) -> str:
        if not self.configured:
            return "mail not configured (MAIL_SERVER empty): nothing sent"
        return f"sent={self.sent} failed={self.failed} skipped={self.skipped} nothing_due={self.nothing_due}"


def _message(user: User, alerts: list[Alert], today: date) -> EmailMessage:
    cfg = current_app.config
    base = (cfg.get("SITE_URL") or "http://127.0.0.1:5000").rstrip("/")
    overdue = [a for a in alerts if a.level is AlertLevel.OVERDUE]
    msg = EmailMessage()
    soon = len(alerts) - len(overdue)
    msg["Subject"] = f"【规范性文件】{today.month}月{today.day}日提醒：{len(overdue)} 项已逾期，{soon} 项即将到期"
    msg["From"] = formataddr((cfg.get("SITE_NAME", "规范性文件审查备案跟踪"), cfg["MAIL_FROM"]))
    msg["To"] = formataddr((user.display_name, user.email))
    lines = [f"{user.display_name}，您好：", "", f"截至 {today.isoformat()}，以下事项需要您处理：", ""]
    left = days_left_of(alerts, today=today)
    for a in alerts:
        link = f"{base}/documents/{a.document_id}" if a.document_id else base
        state = "已逾期" if a.level is AlertLevel.OVERDUE else "即将到期"
        due = f"期限 {a.due_on.isoformat()}{'，暂定' if a.provisional else ''}，{left[a.id]}"
        lines.append(f"· [{state}] {a.message}（{a.kind.label}，{due}）")
        lines.append(f"  {link}")
    lines += ["", "此邮件由系统每日自动发送。"]
    msg.set_content("\n".join(lines))
    return msg


def _send(msg: EmailMessage) -> None:
    cfg = current_app.config
    host, port = cfg["MAIL_SERVER"], int(cfg.get("MAIL_PORT") or 25)
    timeout = float(cfg.get("MAIL_TIMEOUT", 10))
    if cfg.get("MAIL_USE_SSL"):
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
    with server:
        if cfg.get("MAIL_USE_TLS"):
            server.starttls(context=ssl.create_default_context())
        if cfg.get("MAIL_USERNAME"):
            server.login(cfg["MAIL_USERNAME"], cfg.get("MAIL_PASSWORD", ""))
        server.send_message(msg)


def send_digests(*, today: date, now: datetime) -> DigestResult:
    """One digest per user per day. A failed send is recorded and retried on the next run; the alerts stay."""
    result = DigestResult()
    if not mail_configured():
        log.warning("reminders: no MAIL_SERVER configured, nothing sent")
        result.configured = False
        return result
    users = db.session.scalars(sa.select(User).where(User.active.is_(True), User.email.is_not(None))).all()
    for user in users:
        row = db.session.scalar(
            sa.select(ReminderSend).where(ReminderSend.user_id == user.id, ReminderSend.day == today)
        )
        if row is not None and (row.status == "sent" or row.attempts >= MAX_ATTEMPTS):
            result.skipped += 1
            continue
        alerts = alerts_for(user, levels={AlertLevel.DUE_SOON, AlertLevel.OVERDUE})
        if not alerts:
            result.nothing_due += 1
            continue
        if row is None:
            # Column defaults apply only at INSERT: attempts would still be None for the += below.
            row = ReminderSend(user_id=user.id, day=today, items=len(alerts), status="pending", attempts=0)
            db.session.add(row)
        try:
            message = _message(user, alerts, today)
        except ValueError as exc:  # an address the message cannot carry (e.g. non-ASCII): this user only
            row.attempts += 1
            row.status, row.last_error = "failed", str(exc)[:500]
            result.failed += 1
            log.warning("reminders: cannot address a message to %s: %s", user.username, exc)
            db.session.flush()
            continue
        # A passing fault (server restarting, network blip) is retried a few times with a pause; a lasting one is
        # recorded and the alerts stay on the home page and in the feed. `flask jobs run reminders --force` resends.
        for delay in [0, *current_app.config.get("MAIL_RETRY_DELAYS", (5, 30))]:
            if delay:
                time.sleep(delay)
            row.attempts += 1
            try:
                _send(message)
            # ValueError: an address the message cannot carry (e.g. non-ASCII) fails for this user only.
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                row.status, row.last_error = "failed", str(exc)[:500]
                log.warning("reminders: sending to %s failed (attempt %d): %s", user.username, row.attempts, exc)
                if isinstance(exc, ValueError) or row.attempts >= MAX_ATTEMPTS:
                    break
            else:
                row.status, row.sent_at, row.items, row.last_error = "sent", now, len(alerts), ""
                break
        if row.status == "sent":
            result.sent += 1
        else:
            result.failed += 1
        db.session.flush()
    return result
