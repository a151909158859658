"""Running a function in a child process with hard limits on its CPU time and memory.

What an administrator's Word template does when it is rendered is code the tracker did not write: a loop
nested in a loop, or {{ 'x' * 30000000 }}, must cost a child process that the kernel stops (RLIMIT_CPU,
RLIMIT_AS), never the web worker, which gunicorn kills when it answers nothing for 30 s.

Each web worker process starts one small server (a Python process that has imported the function's module) and
sends it jobs; the server forks a child, the render worker, and hands it the jobs one after another. Before each
job the child sets that job's limits (CPU time counted from what it has used so far, memory from its present
size); a job that exceeds them ends the child, and the next job gets a fresh one, as does every job after a child
ran out of memory, grew by more than a quarter of a job's memory budget, or served MAX_JOBS_PER_WORKER jobs. A
child kept warm renders as fast as the web worker would in-process (a fresh fork per job paid ~30 ms to copy every
memory page the render touched); templates run in Jinja's sandbox, so a job cannot leave state for the next. A
fork never happens in a threaded web worker, and the main script is never re-run (as multiprocessing's spawn and
forkserver methods do).

The protocol on the server's pipes is records of one letter and a number: the parent sends J (a pickled job of
that many bytes); the server answers P (the child's pid), D (that many bytes of the child's pickled answer, as
often as needed) and X (0 when the child answered, else its wait status). Between the server and its child the
same J and D records, and E at the end of an answer (1: the child is leaving).
"""

from __future__ import annotations

import importlib
import math
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable

MB = 1024 * 1024
# Time for the child to start and to hand its answer back, beyond its CPU budget.
GRACE_SECONDS = 2.0
# Time a new server may take to import the function's module.
START_SECONDS = 60.0
MAX_ANSWER_BYTES = 256 * MB
# A worker serves this many jobs, then a fresh one is forked (whatever a job leaves behind does not pile up).
MAX_JOBS_PER_WORKER = 200
_RECORD = struct.Struct("<cq")
_CHUNK = 64 * 1024


class LimitExceeded(Exception):
    """The child used up its time or memory (reason: "time" | "memory"), or died (reason: "crash")."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- the server and its children -----------------------------------------------------------------------------


def _write_record(fd: int, kind: bytes, value: int, payload: bytes = b"") -> None:
    data = memoryview(_RECORD.pack(kind, value) + payload)
    while data:
        data = data[os.write(fd, data) :]


def _read_exactly(fd: int, n: int) -> bytes | None:
    parts, left = [], n
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _address_space() -> int:
    """The process's current virtual size: the memory limit is counted from here."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _limit(kind: int, soft: int) -> None:
    """Lower (or raise again) a soft limit; the hard one stays, so the next job can be given its own budget."""
    _soft, hard = resource.getrlimit(kind)
    resource.setrlimit(kind, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _run_job(job: bytes, channel: int, started_size: int) -> bool:
    """In the worker: this job's limits, the job, its answer as D records to the server. True: retire the worker."""
    fn, args, seconds, memory = pickle.loads(job)
    # RLIMIT_CPU counts the process's whole life: the job may use `seconds` more than the worker has used so far.
    # At the limit the kernel sends SIGXCPU, which ends the worker (no handler is installed for it).
    _limit(resource.RLIMIT_CPU, math.ceil(_cpu_seconds() + max(1.0, seconds)))
    size = _address_space()
    if size:
        _limit(resource.RLIMIT_AS, size + memory)
    try:
        answer = ("ok", fn(*args))
    except MemoryError:
        answer = ("memory", None)
    except Exception as exc:  # handed to the caller, who knows what it means
        answer = ("error", exc)
    outcome = answer[0]
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        outcome, data = "memory", pickle.dumps(("memory", None))
    except Exception:  # an exception that does not pickle: say what it was
        data = pickle.dumps(("error", RuntimeError(repr(answer[1]))))
    del answer
    if size:
        _limit(resource.RLIMIT_AS, resource.RLIM_INFINITY)
    for i in range(0, len(data), _CHUNK):
        part = data[i : i + _CHUNK]
        _write_record(channel, b"D", len(part), part)
    # A worker that ran out of memory, or kept what a job left behind, makes way for a fresh one.
    return outcome == "memory" or (bool(size) and _address_space() > started_size + memory // 4)


def _work(jobs: int, channel: int) -> None:
    """The worker's loop: one job after another until the server closes the pipe or the worker retires."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a worker stopped for its time leaves no core file
    started_size = _address_space()
    for done in range(1, MAX_JOBS_PER_WORKER + 1):
        header = _read_exactly(jobs, _RECORD.size)
        if header is None:
            return
        job = _read_exactly(jobs, _RECORD.unpack(header)[1])
        if job is None:
            return
        retire = _run_job(job, channel, started_size) or done == MAX_JOBS_PER_WORKER
        _write_record(channel, b"E", int(retire))  # the server waits for a retiring worker before the next job
        if retire:
            return


def _start_worker(out: int) -> tuple[int, int, int]:
    """Fork the worker: (pid, the pipe its jobs go into, the pipe its answers come out of)."""
    job_read, job_write = os.pipe()
    answer_read, answer_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(job_write)
        os.close(answer_read)
        os.close(out)  # the worker holds no end of the web worker's pipes: the server's death is seen at once
        os.close(0)
        try:
            _work(job_read, answer_write)
        finally:
            os._exit(0)
    os.close(job_read)
    os.close(answer_write)
    return pid, job_write, answer_read


def _stop_worker(worker: tuple[int, int, int]) -> int:
    """Close the worker's pipes and collect its exit status (it leaves when its job pipe closes)."""
    pid, job_write, answer_read = worker
    os.close(job_write)
    os.close(answer_read)
    return os.waitpid(pid, 0)[1]


def _relay(worker: tuple[int, int, int], out: int) -> tuple[int, bool]:
    """Pass the worker's answer to the web worker: (status, worker still alive)."""
    _pid, _job_write, answer_read = worker
    while True:
        header = _read_exactly(answer_read, _RECORD.size)
        if header is None:
            return _stop_worker(worker), False  # died in the job: its exit status says how
        kind, value = _RECORD.unpack(header)
        if kind == b"E":
            if value:
                _stop_worker(worker)
            return 0, not value
        payload = _read_exactly(answer_read, value)
        if payload is None:
            return _stop_worker(worker), False
        _write_record(out, b"D", value, payload)


def serve(module: str) -> None:
    """The server's loop (python -c): import the module once, then run jobs in a forked worker.

    The worker is kept from one job to the next, so the second job finds the parsed templates, compiled
    expressions and touched memory of the first: a render costs what it costs in-process, not a fork's copying of
    every page it touches. Each job gets its own CPU-time and memory budget; a worker that exceeds one is ended by
    the kernel (or by the web worker's clock) and the next job gets a new one.
    """
    importlib.import_module(module)
    out = os.dup(1)
    os.dup2(2, 1)  # a stray print() must not break the protocol
    _write_record(out, b"R", 0)
    worker: tuple[int, int, int] | None = None
    while True:
        header = _read_exactly(0, _RECORD.size)
        if header is None:
            return  # the web worker has gone
        _kind, size = _RECORD.unpack(header)
        job = _read_exactly(0, size)
        if job is None:
            return
        for _attempt in range(2):
            if worker is None:
                worker = _start_worker(out)
            try:
                _write_record(worker[1], b"J", len(job), job)
                break
            except OSError:  # the worker was killed by the web worker's clock just after it answered
                _stop_worker(worker)
                worker = None
        _write_record(out, b"P", worker[0])
        status, alive = _relay(worker, out)
        if not alive:
            worker = None
        _write_record(out, b"X", status)


_SERVE = "import sys; from tracker.common.confine import serve; serve(sys.argv[1])"


# --- the worker's side -----------------------------------------------------------------------------------------


class _Server:
    def __init__(self, module: str):
        path = os.pathsep.join(p for p in sys.path if p and os.path.isdir(p))
        env = dict(os.environ, PYTHONPATH=path)
        self.owner = os.getpid()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVE, module], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env
        )
        self.buffer = b""
        kind, _ = self.record(time.monotonic() + START_SECONDS)
        if kind != b"R":
            raise LimitExceeded("crash")

    def alive(self) -> bool:
        return self.owner == os.getpid() and self.process.poll() is None

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()

    def send(self, job: bytes) -> None:
        _write_record(self.process.stdin.fileno(), b"J", len(job), job)

    def _fill(self, n: int, deadline: float) -> bool:
        fd = self.process.stdout.fileno()
        while len(self.buffer) < n:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return False
            chunk = os.read(fd, max(n - len(self.buffer), _CHUNK))
            if not chunk:
                raise LimitExceeded("crash")  # the server died
            self.buffer += chunk
        return True

    def record(self, deadline: float) -> tuple[bytes | None, int | bytes]:
        """(kind, value), or (kind, payload) for D records; (None, 0) when the deadline passes first."""
        if not self._fill(_RECORD.size, deadline):
            return None, 0
        kind, value = _RECORD.unpack(self.buffer[: _RECORD.size])
        if kind != b"D":
            self.buffer = self.buffer[_RECORD.size :]
            return kind, value
        if not self._fill(_RECORD.size + value, deadline):
            return None, 0
        payload = self.buffer[_RECORD.size : _RECORD.size + value]
        self.buffer = self.buffer[_RECORD.size + value :]
        return kind, payload


_servers: dict[str, _Server] = {}
_lock = threading.Lock()


def _server(module: str) -> _Server:
    server = _servers.get(module)
    if server is None or not server.alive():
        server = _servers[module] = _Server(module)
    return server


def run(fn: Callable, *args, seconds: float, memory_mb: int):
    """fn(*args) in a child limited to `seconds` of CPU and `memory_mb` more memory; its value or its exception.

    fn and the arguments travel by pickle (fn must be a module-level function). Raises LimitExceeded when the
    child runs out of time or memory or dies; the caller words the refusal. One job at a time per process.
    """
    job = pickle.dumps((fn, args, seconds, memory_mb * MB), protocol=pickle.HIGHEST_PROTOCOL)
    with _lock:
        server = _server(fn.__module__)
        try:
            outcome, value = _exchange(server, job, seconds)
        except BaseException:
            # The exchange stopped half-way (the server died, or records are left unread): start afresh next time.
            server.stop()
            _servers.pop(fn.__module__, None)
            raise
    if outcome == "ok":
        return value
    if outcome == "memory":
        raise LimitExceeded("memory")
    if isinstance(value, LimitExceeded):
        raise value
    raise value


def _exchange(server: _Server, job: bytes, seconds: float) -> tuple[str, object]:
    """Send the job and read the records up to the child's exit status: (outcome, value) as the child sent it."""
    try:
        server.send(job)
    except OSError:
        raise LimitExceeded("crash") from None
    deadline = time.monotonic() + seconds + GRACE_SECONDS
    kind, pid = server.record(deadline)
    if kind != b"P":
        raise LimitExceeded("crash")
    chunks, size, timed_out = [], 0, False
    while True:
        kind, value = server.record(deadline)
        if kind is None:  # out of time: stop the child, then read on to its exit status
            if timed_out:
                raise LimitExceeded("time")
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + GRACE_SECONDS
            continue
        if kind == b"X":
            status = value
            break
        size += len(value)
        if size > MAX_ANSWER_BYTES:
            os.kill(pid, signal.SIGKILL)
            raise LimitExceeded("memory")
        chunks.append(value)
    if timed_out:
        return "error", LimitExceeded("time")
    if os.WIFSIGNALED(status) or not chunks:
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) in (signal.SIGXCPU, signal.SIGKILL)
        return "error", LimitExceeded("time" if killed else "crash")
    return pickle.loads(b"".join(chunks))
