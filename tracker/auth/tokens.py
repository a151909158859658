"""Creating, revoking and checking API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa

from tracker.audit import services as audit
from tracker.auth.api_tokens import ApiToken
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db

PREFIX = "trk_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user, *, actor, now: datetime, name: str) -> str:
    """Returns the token once; only its SHA-256 is kept."""
    if actor.id != user.id:
        raise PermissionDenied("只能为自己创建接口令牌。")
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationFailed("请填写令牌用途（不超过 100 字）。")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=_hash(token), created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "api.token_create",
        actor=actor,
        now=now,
        object_type="api_token",
        object_id=row.id,
        summary=f"创建接口令牌“{name}”",
    )
    return token


def revoke_token(row: ApiToken, *, actor, now: datetime) -> None:
    if actor.id != row.user_id:
        raise PermissionDenied("只能停用自己的接口令牌。")
    row.revoked_at = now
    db.session.flush()
    audit.record(
        "api.token_revoke",
        actor=actor,
        now=now,
        object_type="api_token",
        object_id=row.id,
        summary=f"停用接口令牌“{row.name}”",
    )


# "Last used" is kept to the hour: a script polling the API every few seconds must not turn each read into a
# write (and a commit) of the token row.
LAST_USED_RESOLUTION = timedelta(hours=1)


def user_for_token(token: str, *, now: datetime):
    """The token's user, or None; records the use when the last one recorded is an hour old or more."""
    if not token or not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == _hash(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row.user
