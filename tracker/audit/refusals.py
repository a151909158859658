"""Refused attempts as audit events: no permission, a step not allowed now, a request failing its CSRF check.

The refused operation itself is rolled back, so its record is written after the request in a transaction of its
own (a session of its own, sealed into the hash chain like every event).
"""

from __future__ import annotations

import logging

from flask import Flask, g, request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tracker import tenancy
from tracker.audit.models import AuditEvent
from tracker.common.timeutil import now_utc
from tracker.errors import REFUSALS
from tracker.extensions import db

log = logging.getLogger(__name__)

LABELS = {
    "permission": "无权限的操作",
    "transition": "不允许的步骤",
    "csrf": "未通过来源校验（CSRF）的请求",
}
MAX_PATH = 300


def _actor_id() -> int | None:
    try:
        return current_user.id if current_user.is_authenticated else None
    except (TypeError, ValueError, SQLAlchemyError):
        return None


def record_refusals(response):
    refusals = g.pop(REFUSALS, None)
    if not refusals:
        return response
    actor_id = _actor_id()
    scope = tenancy.current()
    town_id = scope.town_id if scope is not None else None
    db.session.rollback()  # nothing of the refused operation is kept, and its locks are released
    path = request.path[:MAX_PATH]
    now = now_utc()
    try:
        with Session(db.engine) as session:
            for kind, message in refusals:
                session.add(
                    AuditEvent(
                        town_id=town_id,
                        occurred_at=now,
                        actor_id=actor_id,
                        action=f"refused.{kind}",
                        object_type="request",
                        object_id=None,
                        summary=f"拒绝{LABELS.get(kind, kind)}：{request.method} {path}（{message}）"[:500],
                        after={
                            "kind": kind,
                            "method": request.method,
                            "path": path,
                            "endpoint": request.endpoint,
                            "address": request.remote_addr,
                            "status": response.status_code,
                            "message": message[:300],
                        },
                    )
                )
            session.commit()
    except SQLAlchemyError:
        log.exception("could not record %d refused attempt(s) on %s %s", len(refusals), request.method, path)
    return response


def register(app: Flask) -> None:
    app.after_request(record_refusals)
