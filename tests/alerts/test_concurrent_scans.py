"""Two deadline scans at the same moment (the scheduler's job and `flask deadlines scan` typed by hand, or two
schedulers started by mistake), each in a session of its own, on the suite's database (SQLite, or PostgreSQL in
CI's second run): both finish without a database error and every alert exists once."""

from __future__ import annotations

import sqlalchemy as sa

from tests.factories import at, d, draft, submit
from tests.threads import race_ok
from tracker.alerts.models import Alert
from tracker.alerts.scan import ScanResult, scan
from tracker.extensions import db as _db


def test_two_scans_at_the_same_moment_create_each_alert_once(app, db, world):
    for i, received in enumerate(("2026-11-16", "2026-11-17", "2026-11-18")):
        doc = draft(world, f"测试镇并发扫描{i}办法", d("2026-11-13"))
        submit(world, doc, d(received))
    db.session.commit()
    # Each submission put its deadline on the board in its own transaction; start from a board that has lost them
    # (an install upgraded from before the alerts were kept fresh) so that the two scans race to create them.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Alert)) == 3
    db.session.execute(sa.delete(Alert))
    db.session.commit()
    db.session.close()
    day = d("2026-12-01")

    def run(i: int, barrier) -> ScanResult:
        barrier.wait()
        result = scan(today=day, now=at(day, 6, 30))
        _db.session.commit()
        return result

    results = race_ok(app, run)
    assert sorted(r.created for r in results) == [0, 3]
    assert [r.open for r in results] == [3, 3]
    keys = db.session.execute(sa.select(Alert.kind, Alert.subject_key)).all()
    assert len(keys) == len(set(keys)) == 3
