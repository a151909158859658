"""Login throttling per account name and per address, counted in the database so every worker shares the count."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from tracker.auth.models import LoginFailure
from tracker.common.timeutil import local_time
from tracker.errors import DomainError
from tracker.extensions import db


class LoginThrottled(DomainError):
    status_code = 429


def _name(username: str | None) -> str:
    return (username or "").strip().lower()[:50]


def _address(address: str | None) -> str:
    return (address or "unknown")[:45]


def _window() -> timedelta:
    return timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])


def check(username: str | None, address: str | None, *, now: datetime) -> None:
    """Raise LoginThrottled, saying when to try again, while the name or the address has too many recent failures.

    A refused attempt is not counted: the lock ends when the oldest counted failure leaves the window, so an
    attacker gets at most the limit's number of guesses per window, and the owner waits at most one window.
    """
    window = _window()
    until = None
    for column, value, limit in (
        (LoginFailure.username, _name(username), current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]),
        (LoginFailure.address, _address(address), current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]),
    ):
        if limit <= 0:
            continue
        recent = db.session.scalars(
            sa.select(LoginFailure.failed_at)
            .where(column == value, LoginFailure.failed_at > now - window)
            .order_by(LoginFailure.failed_at.desc())
            .limit(limit)
        ).all()
        if len(recent) >= limit:
            free_at = recent[-1] + window
            until = free_at if until is None else max(until, free_at)
    if until is not None:
        raise LoginThrottled(f"登录失败次数过多，请于 {_when(until, now=now)} 后再试。")


def _when(until: datetime, *, now: datetime) -> str:
    """The office's local time, rounded up to the minute (never earlier than the lock really ends)."""
    local = local_time(until)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    if local.date() != local_time(now).date():
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%H:%M}"


def record_failure(username: str | None, address: str | None, *, now: datetime) -> None:
    """Count a failure; failures older than the window are of no more use and are deleted on the way."""
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.failed_at <= now - _window()))
    db.session.add(LoginFailure(username=_name(username), address=_address(address), failed_at=now))
    db.session.flush()


def forget_account(username: str | None) -> None:
    """After a successful login the account's count starts again (the address's does not: one person's own good
    password must not reset the count of guesses made from their machine at other accounts)."""
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.username == _name(username)))
