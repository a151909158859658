"""Reads a page repeats, done once per read-only request.

A page asks for the same reference data many times: every deadline reads its rule, every working-day count the
calendar, every panel of the document page the current publication. A GET (or HEAD) request never writes: the
request wrapper never commits it (common/views.py), so nothing it reads can change under it, and what it read once
it may keep until the response is sent. The cache lives in the request's own environ, so it ends with the request
(a test that keeps one application context across requests still reads afresh each time).

Outside a read-only request (a POST, a job, a command, a test calling a service) every read goes to the database:
those may write, and must see what they wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from flask import has_request_context, request

from tracker.common.views import READ_ONLY_METHODS

T = TypeVar("T")
_ENVIRON_KEY = "tracker.read_cache"


def once_per_read(key: Hashable, load: Callable[[], T]) -> T:
    """`load()` the first time `key` is asked for in this read-only request; the same value after that."""
    if not keeps():
        return load()
    store = request.environ.setdefault(_ENVIRON_KEY, {})
    if key not in store:
        store[key] = load()
    return store[key]


def keeps() -> bool:
    """Whether this is a read-only request, which keeps what it read."""
    return has_request_context() and request.method in READ_ONLY_METHODS


def kept(key: Hashable) -> bool:
    """Whether this read-only request already holds `key` (always False outside one)."""
    return has_request_context() and key in request.environ.get(_ENVIRON_KEY, {})


def keep(key: Hashable, value: object) -> None:
    """Hold `value` under `key` for the rest of this read-only request, as `once_per_read` would have after loading
    it (a read that loaded several keys at once); outside a read-only request nothing is kept."""
    if keeps():
        request.environ.setdefault(_ENVIRON_KEY, {})[key] = value
