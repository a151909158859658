"""SQLite's planner statistics are kept by the morning job (common/planner.py)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import at, d, make_document
from tracker.common.planner import refresh_statistics
from tracker.extensions import db as _db
from tracker.scheduler.jobs import run_once


def _stat_rows() -> list[str]:
    return list(_db.session.scalars(sa.text("SELECT DISTINCT tbl FROM sqlite_stat1")))


def test_the_morning_job_refreshes_the_statistics_on_sqlite_only(db, world, now):
    make_document(world, now)
    db.session.commit()
    sqlite = _db.engine.dialect.name == "sqlite"
    if sqlite and _db.session.scalar(sa.text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        _db.session.execute(sa.text("DELETE FROM sqlite_stat1"))  # what an earlier test left
        _db.session.commit()
        assert _stat_rows() == []
    run_once("deadline_scan", now=at(d("2026-11-03"), 1))
    if sqlite:
        assert "documents" in _stat_rows()  # the planner knows how many documents share a town
    else:
        assert refresh_statistics() is False  # PostgreSQL's autovacuum keeps its own
