"""APScheduler wiring only: jobs are data, each a thin call of an idempotent service; run as its own process."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    # A daily job must still run after a stall or a restart later the same day.
    misfire_grace_time: int = 20 * 3600


# Times are the office's (Asia/Shanghai). Entry into force first, then the scan sees the new state.
JOBS: tuple[JobSpec, ...] = (
    JobSpec("daily_effects", "cron", {"hour": 0, "minute": 10}),
    JobSpec("periodic_cleanup", "cron", {"hour": 0, "minute": 30}),
    JobSpec("backup", "cron", {"hour": 1, "minute": 30}),
    JobSpec("deadline_scan", "cron", {"hour": 6, "minute": 30}),
    JobSpec("reminders", "cron", {"hour": 8, "minute": 0}),
)


def _call(app: Flask, job_id: str) -> None:
    from tracker.scheduler.jobs import run_once

    with app.app_context():
        run_once(job_id)


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=app.config["OFFICE_TIMEZONE"])
    # For tests of the process setup only: every job on a short interval instead of its daily time.
    interval = os.environ.get("TRACKER_SCHEDULER_INTERVAL_SECONDS")
    for job in JOBS:
        trigger, args = ("interval", {"seconds": int(interval)}) if interval else (job.trigger, job.trigger_args)
        scheduler.add_job(
            _call,
            trigger,
            args=[app, job.id],
            id=job.id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=job.misfire_grace_time,
            replace_existing=True,
            **args,
        )
    return scheduler


def catch_up(app: Flask) -> None:
    """At start-up: a job whose time today has passed without a run (the process was down) runs now, once."""
    from datetime import datetime

    from tracker.common.timeutil import now_utc, office_tz
    from tracker.scheduler.jobs import run_once

    with app.app_context():
        local = now_utc().astimezone(office_tz())
        for job in JOBS:
            due_today = datetime.combine(local.date(), datetime.min.time(), office_tz()).replace(
                hour=job.trigger_args.get("hour", 0), minute=job.trigger_args.get("minute", 0)
            )
            if local >= due_today:
                run_once(job.id)


def run(app: Flask) -> None:
    log.info("scheduler starting (pid %d) with jobs: %s", os.getpid(), ", ".join(j.id for j in JOBS))
    catch_up(app)
    scheduler = build_scheduler(app)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
