"""Guards of the transition table, by name: each returns None when the move is allowed, else a Chinese refusal.

The table (transitions.py) names its guards; each domain registers the guards about its own records with
@guard(name) in its guards.py, which the domain package imports. The workflow sits below review, publication
and clean-up, so it never imports them: it looks their guards up here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from tracker.documents.states import EVER_PUBLISHED

Guard = Callable[[object, date], str | None]

_GUARDS: dict[str, Guard] = {}


def guard(name: str) -> Callable[[Guard], Guard]:
    def register(fn: Guard) -> Guard:
        if name in _GUARDS and _GUARDS[name] is not fn:
            raise RuntimeError(f"guard {name!r} registered twice")
        _GUARDS[name] = fn
        return fn

    return register


def registered() -> frozenset[str]:
    return frozenset(_GUARDS)


def check(name: str, document, today: date) -> str | None:
    try:
        fn = _GUARDS[name]
    except KeyError:
        raise LookupError(f"guard {name!r} is named in the transition table but no domain registered it") from None
    return fn(document, today)


@guard("was_published")
def was_published(document, today: date) -> str | None:
    if document.status not in EVER_PUBLISHED:
        return "文件尚未发布，不能办理备案。"
    return None
