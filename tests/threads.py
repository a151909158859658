"""The one harness for concurrency tests: n threads doing their work at the same moment, as n requests would.

Each thread has its own app context, hence its own session and connection, and commits as a request would; a
barrier lines them up just before the step that races. (Separate processes — web workers, the scheduler — are
tests/processes.py.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

TIMEOUT = 60


def race(app: Flask, work: Callable[[int, threading.Barrier], Any], n: int = 2) -> list:
    """Run work(i, barrier) for i in 0…n−1, each in its own thread and app context; the work calls barrier.wait()
    right before the racing step. Returns what each produced, or the exception it raised (some races expect one);
    fails when a thread hangs."""
    results: list = [None] * n
    barrier = threading.Barrier(n, timeout=TIMEOUT)

    def run(i: int) -> None:
        try:
            with app.app_context():
                results[i] = work(i, barrier)
        except BaseException as exc:  # the caller decides whether an exception was expected
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), name=f"race-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
        assert not t.is_alive(), f"{t.name} hung: the race deadlocked"
    return results


def race_ok(app: Flask, work: Callable[[int, threading.Barrier], Any], n: int = 2) -> list:
    """As race(), and every thread must have succeeded."""
    results = race(app, work, n)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results
