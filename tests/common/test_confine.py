"""The confined render worker: kept warm from one job to the next, each job with its own limits (common/confine.py).

The jobs are functions of this module: the render server imports it, as it imports tracker.word.render.
"""

from __future__ import annotations

import os
import time

import pytest

from tracker.common import confine


def whoami() -> int:
    return os.getpid()


def spin(seconds: float) -> int:
    """Use about `seconds` of CPU time; the worker's pid."""
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return os.getpid()


def hold(mb: int) -> int:
    """Allocate `mb` MB, touch it, let it go; the worker's pid."""
    block = bytearray(mb * confine.MB)
    block[::4096] = b"x" * len(block[::4096])
    del block
    return os.getpid()


def fail() -> None:
    raise ValueError("模板有误")


def run(fn, *args, seconds: float = 5, memory_mb: int = 256):
    return confine.run(fn, *args, seconds=seconds, memory_mb=memory_mb)


def test_jobs_run_in_one_warm_worker_not_in_the_web_worker():
    first = run(whoami)
    assert first != os.getpid()
    assert run(whoami) == first
    # An exception is an answer like any other: the worker stays.
    with pytest.raises(ValueError, match="模板有误"):
        run(fail)
    assert run(whoami) == first


def test_each_job_gets_its_own_cpu_budget():
    """Three jobs of 0.6 s in a 1-second budget each: together they use more than one budget, and all pass."""
    pids = {run(spin, 0.6, seconds=1) for _ in range(3)}
    assert len(pids) == 1


def test_a_job_over_its_time_ends_the_worker_and_the_next_job_gets_a_new_one():
    before = run(whoami)
    started = time.monotonic()
    with pytest.raises(confine.LimitExceeded) as stopped:
        run(spin, 30, seconds=1)
    assert stopped.value.reason == "time"
    assert time.monotonic() - started < 1 + confine.GRACE_SECONDS + 1
    after = run(whoami)
    assert after != before
    assert run(whoami) == after


def test_each_job_gets_its_own_memory_budget_and_running_out_replaces_the_worker():
    before = run(whoami)
    # 100 MB, let go, three times, in a 160 MB budget: the budget is the job's, not the worker's life's.
    assert {run(hold, 100, memory_mb=160) for _ in range(3)} == {before}
    with pytest.raises(confine.LimitExceeded) as refused:
        run(hold, 400, memory_mb=160)
    assert refused.value.reason == "memory"
    after = run(whoami)
    assert after != before
