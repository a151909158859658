"""Real processes on one database: two gunicorn workers and two scheduler processes.

Every job is put on a 1-second interval (TRACKER_SCHEDULER_INTERVAL_SECONDS=1), so each scheduler fires each job
several times during the test; the job_runs row written in the job's own transaction lets exactly one run happen
per job and day. The database is a SQLite file of its own, and in the PostgreSQL run of the suite also a new
PostgreSQL database: concurrent scans and claims are probed on both.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.backends import BACKENDS, fresh_database
from tests.processes import BIN, Processes, count, database, environment, free_port, health, wait_for
from tracker.scheduler.models import JobRun

pytestmark = pytest.mark.slow

JOBS = ("daily_effects", "deadline_scan", "periodic_cleanup", "backup", "reminders")


def office_today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def job_runs(engine: sa.Engine) -> list[tuple[str, str, object]]:
    runs = JobRun.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(runs.c.job_id, runs.c.run_on, runs.c.finished_at).order_by(runs.c.job_id, runs.c.run_on)
        ).all()
    return [(job, run_on.isoformat(), finished) for job, run_on, finished in rows]


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_web_workers_and_two_schedulers_run_each_job_once_per_day(tmp_path, backend):
    with fresh_database(backend, tmp_path, "procs") as url:
        _two_workers_and_two_schedulers(tmp_path, url)


def _two_workers_and_two_schedulers(tmp_path, url: str) -> None:
    # TRACKER_SCHEDULER_INTERVAL_SECONDS is set for the web server too: a scheduler started inside a worker would
    # fire within a second.
    env = environment(url, tmp_path, TRACKER_SCHEDULER_INTERVAL_SECONDS="1")
    db = database(url)
    procs = Processes(env, tmp_path)
    procs.flask("db", "upgrade")
    procs.flask("demo", "load")  # the demo town: documents in force, filings due, reviews under way
    assert job_runs(db) == []

    port = free_port()
    try:
        web = procs.gunicorn(port, workers=2)
        assert wait_for(lambda: health(port), 60) == {"status": "ok"}, procs.log("gunicorn")
        assert wait_for(lambda: len(re.findall(r"Booting worker with pid", procs.log("gunicorn"))) >= 2, 10)
        # The web workers alone for 2.5 s (a scheduler inside them would have fired every job twice): no job runs.
        baseline = count(db, "alerts")  # the demo load ran the morning scan once, as the scheduler would
        time.sleep(2.5)
        assert web.poll() is None
        assert job_runs(db) == []
        assert count(db, "alerts") == baseline

        first_day = office_today()
        schedulers = [
            procs.start(f"scheduler{i}", [str(BIN / "flask"), "--app", "wsgi", "scheduler", "run"]) for i in (1, 2)
        ]

        def all_finished():
            rows = job_runs(db)
            return {job for job, _, finished in rows if finished} == set(JOBS)

        # Returns as soon as every job finished; the bound is generous for a loaded machine (CI shares its 2 cores).
        assert wait_for(all_finished, 90), (job_runs(db), procs.log("scheduler1"), procs.log("scheduler2"))
        time.sleep(3)  # several more fires of every job in both schedulers
        last_day = office_today()

        assert all(p.poll() is None for p in schedulers), (procs.log("scheduler1"), procs.log("scheduler2"))
        logs = procs.log("scheduler1") + procs.log("scheduler2")
        rows = job_runs(db)
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
        assert count(db, "cleanup_campaigns") == 1
        assert len(list((tmp_path / "backups").glob("tracker-backup-*.tar.gz"))) == len(
            [r for r in rows if r[0] == "backup"]
        )
        scan_line = re.search(r"tracker\.jobs: deadline_scan \S+: created=(\d+) resolved=0 open=(\d+)", logs)
        assert scan_line and baseline + int(scan_line[1]) == int(scan_line[2]) == count(db, "alerts"), logs
        assert "scheduler starting" in procs.log("scheduler1") and "scheduler starting" in procs.log("scheduler2")
        assert "scheduler starting" not in procs.log("gunicorn")
        assert "tracker.jobs" not in procs.log("gunicorn")

        assert health(port) == {"status": "ok"}
        assert web.poll() is None
    finally:
        procs.stop_all()
        db.dispose()
