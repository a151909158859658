"""Instants are UTC; deadlines are calendar dates in the office's time zone (Asia/Shanghai by default)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_TZ = "Asia/Shanghai"


def office_tz() -> ZoneInfo:
    name = current_app.config.get("OFFICE_TIMEZONE", DEFAULT_TZ) if has_app_context() else DEFAULT_TZ
    return ZoneInfo(name)


def office_today(now: datetime) -> date:
    """The office's calendar date at instant `now` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(office_tz()).date()


def _wall_clock() -> datetime:
    return datetime.now(UTC)


_clock: Callable[[], datetime] = _wall_clock


def now_utc() -> datetime:
    """The only place the wall clock is read (views, jobs, commands); services take `now` as a parameter."""
    return _clock()


@contextmanager
def clock_set_to(read: Callable[[], datetime]) -> Iterator[None]:
    """Replace the clock while the block runs (tests pin and move time here, in one place)."""
    global _clock
    previous, _clock = _clock, read
    try:
        yield
    finally:
        _clock = previous


def local_time(value: datetime | None) -> datetime | None:
    return value.astimezone(office_tz()) if value is not None else None
