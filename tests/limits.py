"""Measuring what one operation costs a worker: elapsed time and peak memory growth, in a fresh process.

The test process's own peak (ru_maxrss is a high-water mark) says nothing about one call made late in a suite,
so the call runs in a new interpreter: the set-up runs first (imports, an app, the payload read from a file),
then the peak is noted, the call made, and the growth of the peak and the time reported back as JSON.
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

_SCRIPT = """
import json, resource, time
{setup}
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
outcome = "returned"
try:
{call}
except Exception as exc:
    outcome = type(exc).__name__ + ": " + str(getattr(exc, "message", exc))
elapsed = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("MEASURED " + json.dumps({{"elapsed": elapsed, "growth_mb": (peak - base) / 1024, "outcome": outcome,
                                 "result": globals().get("result")}}, default=str))
"""


@dataclass(frozen=True)
class Measured:
    elapsed: float  # seconds
    growth_mb: float  # growth of the process's peak resident memory
    outcome: str  # "returned" or "ExceptionType: message"
    result: object  # the value the call left in `result`, if any


def measure(call: str, *, setup: str = "", timeout: float = 120) -> Measured:
    """Run `setup`, then `call` (which may set `result`), in a new Python process."""
    script = _SCRIPT.format(setup=textwrap.dedent(setup), call=textwrap.indent(textwrap.dedent(call), "    "))
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("MEASURED ")), None)
    assert line, f"the measured process failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return Measured(**json.loads(line.removeprefix("MEASURED ")))
