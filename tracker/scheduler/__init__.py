"""APScheduler wiring only: jobs are data, each a thin call of an idempotent service; run as its own process."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: Callable[[Flask], None]
    trigger: str
    trigger_args: dict
    # A daily job must still run after a stall or restart the same day.
    misfire_grace_time: int = 6 * 3600


# Filled by the scheduler issue (deadline scan, reminders, periodic clean-up).
JOBS: list[JobSpec] = []


def build_scheduler(app: Flask) -> BlockingScheduler:
    scheduler = BlockingScheduler(timezone=app.config["OFFICE_TIMEZONE"])
    for job in JOBS:
        scheduler.add_job(
            job.func,
            job.trigger,
            args=[app],
            id=job.id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=job.misfire_grace_time,
            replace_existing=True,
            **job.trigger_args,
        )
    return scheduler


def run(app: Flask) -> None:
    scheduler = build_scheduler(app)
    log.info("scheduler starting with %d job(s): %s", len(JOBS), ", ".join(j.id for j in JOBS) or "-")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
