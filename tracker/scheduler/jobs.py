"""The scheduled jobs: each a thin, idempotent call of one service for `today`, run at most once per day."""

from __future__ import annotations

import logging
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from tracker.common.planner import refresh_statistics
from tracker.common.timeutil import now_utc, office_today
from tracker.extensions import db
from tracker.scheduler.models import JobRun

log = logging.getLogger("tracker.jobs")


def daily_effects(today: date, now: datetime) -> str:
    from tracker.publication.services import apply_daily_effects

    r = apply_daily_effects(now=now)
    return f"took_effect={r.took_effect} expired={r.expired}"


def deadline_scan(today: date, now: datetime) -> str:
    from tracker.alerts.scan import scan
    from tracker.cleanup.services import open_due_evaluations

    opened = open_due_evaluations(today=today, now=now)
    line = scan(today=today, now=now).line() + f" evaluations_opened={opened}"
    refresh_statistics()  # once a day, as the records grow: the planner's statistics (common/planner.py)
    return line


def reminders(today: date, now: datetime) -> str:
    from tracker.alerts.reminders import send_digests

    return send_digests(today=today, now=now).line()


def periodic_cleanup(today: date, now: datetime) -> str:
    from tracker.cleanup.services import open_periodic_everywhere

    opened = open_periodic_everywhere(today=today, now=now)
    return f"opened={','.join(str(c.id) for c in opened) or 0}"


def backup(today: date, now: datetime) -> str:
    from tracker.backup.services import nightly_backup

    return nightly_backup(now)


JOB_FUNCTIONS = {
    "daily_effects": daily_effects,
    "deadline_scan": deadline_scan,
    "reminders": reminders,
    "periodic_cleanup": periodic_cleanup,
    "backup": backup,
}
# Jobs that read the database from outside this session (the backup: SQLite's backup API, pg_dump). Their claim is
# committed before the work, so no write lock is held meanwhile (SQLite would refuse every other write for as long
# as the backup takes), and withdrawn if the work fails, so the next trigger tries again.
CLAIM_FIRST = frozenset({"backup"})


def last_run(job_id: str) -> date | None:
    return db.session.scalar(sa.select(sa.func.max(JobRun.run_on)).where(JobRun.job_id == job_id))


def run_once(job_id: str, *, now: datetime | None = None, force: bool = False) -> str | None:
    """Run a job for the office's today unless it already ran today (in this or another process).

    The JobRun row is written in the same transaction as the job's work: a job that fails leaves no row and
    runs again at the next trigger; a second scheduler waiting on the row's unique key finds it and skips.
    """
    now = now or now_utc()
    today = office_today(now)
    func = JOB_FUNCTIONS[job_id]
    previous = last_run(job_id)
    db.session.rollback()
    if not force:
        try:
            db.session.add(JobRun(job_id=job_id, run_on=today, started_at=now))
            db.session.flush()
            if job_id in CLAIM_FIRST:
                db.session.commit()
        except IntegrityError:
            db.session.rollback()
            log.info("%s: already ran for %s, skipped", job_id, today)
            return None
        except OperationalError as exc:  # e.g. SQLite "database is locked" while another scheduler runs the job
            db.session.rollback()
            log.warning("%s: could not claim the run for %s (%s); the next trigger tries again", job_id, today, exc)
            return None
    try:
        summary = func(today, now)
        if not force:
            run = db.session.get(JobRun, (job_id, today))
            run.finished_at, run.summary = now_utc(), summary[:300]
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("%s: failed for %s; it will run again at the next trigger", job_id, today)
        if job_id in CLAIM_FIRST and not force:
            db.session.execute(sa.delete(JobRun).where(JobRun.job_id == job_id, JobRun.run_on == today))
            db.session.commit()
        return None
    if previous is not None and (today - previous).days > 1:
        log.warning(
            "%s: caught up after %d days without a run (last %s): the state on %s was scanned once",
            job_id,
            (today - previous).days - 1,
            previous,
            today,
        )
    log.info("%s %s: %s", job_id, today, summary)
    return summary
