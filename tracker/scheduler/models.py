"""Which job ran on which day: the guard that lets a job run once per day across processes."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db


class JobRun(db.Model):
    """One row per (job, trigger day), written in the job's own transaction: a second scheduler (or a restart)
    that finds the row does not run the job again; a job that failed left no row, so it runs again."""

    __tablename__ = "job_runs"

    job_id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    run_on: Mapped[date] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
