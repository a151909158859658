"""Real processes on one SQLite file: two gunicorn workers and two scheduler processes.

Every job is put on a 1-second interval (TRACKER_SCHEDULER_INTERVAL_SECONDS=1), so each scheduler fires each job
several times during the test; the job_runs row written in the job's own transaction lets exactly one run happen
per job and day. The database is always its own SQLite file, also in the PostgreSQL run of the suite.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
JOBS = ("daily_effects", "deadline_scan", "periodic_cleanup", "backup", "reminders")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def office_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            return json.loads(r.read())
    except OSError:
        return None


class Processes:
    """Started processes, each stopped in `stop_all` (terminate, then kill), by their own pid only."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env, self.logs, self.procs = env, logs, []

    def flask(self, *args: str, timeout: int = 60) -> str:
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"flask {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # closed in stop_all
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.procs.append((proc, log))
        return proc

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(encoding="utf-8", errors="replace")

    def stop_all(self) -> None:
        for proc, _ in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 8
        for proc, log in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            log.close()


def job_runs(db_path: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute("SELECT job_id, run_on, finished_at FROM job_runs ORDER BY job_id, run_on").fetchall()


def count(db_path: Path, table: str) -> int:
    with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def wait_for(predicate, timeout: float, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def test_two_web_workers_and_two_schedulers_run_each_job_once_per_day(tmp_path):
    db_path = tmp_path / "tracker.sqlite3"
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MAIL_", "TEST_DATABASE", "TRACKER_", "DATABASE_URL", "UPLOAD_DIR", "PYTEST", "FLASK_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{db_path}",
        TRACKER_INSTANCE_DIR=str(tmp_path),
        TRACKER_ENV="development",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        # Set for the web server too: a scheduler started inside a worker would fire within a second.
        TRACKER_SCHEDULER_INTERVAL_SECONDS="1",
        PYTHONUNBUFFERED="1",
    )
    procs = Processes(env, tmp_path)
    procs.flask("db", "upgrade")
    procs.flask("demo", "load")  # the demo town: documents in force, filings due, reviews under way
    assert job_runs(db_path) == []

    port = free_port()
    try:
        web = procs.start(
            "gunicorn",
            [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "wsgi:app"],
        )
        assert wait_for(lambda: health(port), 20) == {"status": "ok"}, procs.log("gunicorn")
        assert wait_for(lambda: len(re.findall(r"Booting worker with pid", procs.log("gunicorn"))) >= 2, 10)
        # The web workers alone for 2.5 s (a scheduler inside them would have fired every job twice): no job runs.
        baseline = count(db_path, "alerts")  # the demo load ran the morning scan once, as the scheduler would
        time.sleep(2.5)
        assert web.poll() is None
        assert job_runs(db_path) == []
        assert count(db_path, "alerts") == baseline

        first_day = office_today()
        schedulers = [
            procs.start(f"scheduler{i}", [str(BIN / "flask"), "--app", "wsgi", "scheduler", "run"]) for i in (1, 2)
        ]

        def all_finished():
            rows = job_runs(db_path)
            return {job for job, _, finished in rows if finished} == set(JOBS)

        assert wait_for(all_finished, 60), (job_runs(db_path), procs.log("scheduler1"), procs.log("scheduler2"))
        time.sleep(3)  # several more fires of every job in both schedulers
        last_day = office_today()

        assert all(p.poll() is None for p in schedulers), (procs.log("scheduler1"), procs.log("scheduler2"))
        logs = procs.log("scheduler1") + procs.log("scheduler2")
        rows = job_runs(db_path)
        # One row per job and day, each finished (the job's work committed with it).
        assert {(job, run_on) for job, run_on, _ in rows} >= {(job, last_day.isoformat()) for job in JOBS}, rows
        assert all(finished for *_, finished in rows), rows
        assert {run_on for _, run_on, _ in rows} <= {first_day.isoformat(), last_day.isoformat()}
        for job in JOBS:
            ran = re.findall(rf"tracker\.jobs: {job} \d{{4}}-\d\d-\d\d: ", logs)
            skipped = re.findall(rf"tracker\.jobs: {job}: already ran for \d{{4}}-\d\d-\d\d, skipped", logs)
            days_run = sum(1 for j, _, _ in rows if j == job)
            assert len(ran) == days_run, (job, ran, logs)  # the job's body ran once per day, in one process
            assert len(skipped) >= 3, (job, len(skipped))  # … though both schedulers fired it again and again
        # Its effects happened once: one periodic clean-up campaign, the scan's alerts created once.
        assert count(db_path, "cleanup_campaigns") == 1
        archives = list((tmp_path / "backups").glob("tracker-backup-*.tar.gz"))
        assert len(archives) == len([r for r in rows if r[0] == "backup"])  # one backup a day
        scan_line = re.search(r"tracker\.jobs: deadline_scan \S+: created=(\d+) resolved=0 open=(\d+)", logs)
        assert scan_line and baseline + int(scan_line[1]) == int(scan_line[2]) == count(db_path, "alerts"), logs
        assert "scheduler starting" in procs.log("scheduler1") and "scheduler starting" in procs.log("scheduler2")
        assert "scheduler starting" not in procs.log("gunicorn")
        assert "tracker.jobs" not in procs.log("gunicorn")

        assert health(port) == {"status": "ok"}
        assert web.poll() is None
    finally:
        procs.stop_all()
