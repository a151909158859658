"""Measuring what an operation costs a worker: elapsed time and peak memory growth, in a fresh process.

The test process's own peak (ru_maxrss is a high-water mark) says nothing about one call made late in a suite,
so the calls run in a new interpreter: the set-up runs first (imports, an app, payloads read from files), then
for each call the peak is noted, the call made, and the growth of the peak and the time reported back as JSON.
Calls that each grow the process by little can share one process: each is measured against the peak before it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# gunicorn kills a worker that answers nothing for 30 s; a refusal must come well before.
WORKER_TIMEOUT = 30

_PRELUDE = """
import json, resource, time
def _measure(name, call):
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    outcome, result = "returned", None
    try:
        result = call()
    except Exception as exc:
        outcome = type(exc).__name__ + ": " + str(getattr(exc, "message", exc))
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {"elapsed": elapsed, "growth_mb": (peak - base) / 1024, "outcome": outcome, "result": result}
    print("MEASURED " + json.dumps([name, report], default=str), flush=True)
"""


@dataclass(frozen=True)
class Measured:
    elapsed: float  # seconds
    growth_mb: float  # growth of the process's peak resident memory
    outcome: str  # "returned" or "ExceptionType: message"
    result: object  # the value the call returned


def measure_all(calls: dict[str, str], *, setup: str = "", timeout: float = 180) -> dict[str, Measured]:
    """Run `setup`, then each expression of `calls` in turn, in one new Python process."""
    lines = [_PRELUDE, textwrap.dedent(setup)]
    lines += [f"_measure({name!r}, lambda: ({expression}))" for name, expression in calls.items()]
    done = subprocess.run(
        [sys.executable, "-c", "\n".join(lines)], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    found = {}
    for line in done.stdout.splitlines():
        if line.startswith("MEASURED "):
            name, report = json.loads(line.removeprefix("MEASURED "))
            found[name] = Measured(**report)
    assert set(found) == set(calls), f"the measured process failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return found


def measure(expression: str, *, setup: str = "", timeout: float = 180) -> Measured:
    return measure_all({"call": expression}, setup=setup, timeout=timeout)["call"]
