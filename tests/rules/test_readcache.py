"""A page reads the rule set, the settings, the calendar and a document's current publication once; anything that
may write reads them afresh, and the next page sees what was written (tracker/common/readcache.py)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tests import factories
from tracker.common import stamp
from tracker.publication.queries import current_publication
from tracker.rules.models import Rule
from tracker.rules.ruleset import get_rule, get_setting
from tracker.rules.services import load_calendar


class Statements:
    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, *rest):
        self.seen.append(statement)


def _reads(db, doc):
    with Statements(db.engine) as s:
        for _ in range(3):
            get_rule("review_max"), get_rule("filing_deadline")
            get_setting("packet_required"), get_setting("packet_if_major")
            load_calendar()
            current_publication(doc)
    return len(s.seen)


def test_a_get_reads_each_once_and_a_post_reads_each_time(app, db, world, clock):
    doc = factories.in_force(world, "测试镇某某管理办法", date(2026, 6, 1), date(2026, 6, 22), date(2026, 7, 22))
    db.session.commit()
    db.session.refresh(doc)  # loaded again after the commit, so that only the reads below are counted
    # The calendar and the settings are remembered in the worker under the install's stamp (common/stamp.py):
    # forgotten here, they are read (days and years; the settings) the first time only, whatever the request.
    stamp.forget()
    with app.test_request_context("/documents/1", method="GET"):
        # the rule set, the settings, the stamp, the calendar, the publication
        assert _reads(db, doc) == 1 + 1 + 1 + 2 + 1
    stamp.forget()
    # Every read each time (the settings and the calendar: their stamp); the calendar and the settings once.
    with app.test_request_context("/documents/1", method="POST"):
        assert _reads(db, doc) == 3 * (2 + 2 + 1 + 1) + 2 + 1
    stamp.forget()
    assert _reads(db, doc) == 3 * (2 + 2 + 1 + 1) + 2 + 1  # a job or a command: no request, the same


def test_the_next_request_sees_a_rule_changed_in_between(app, db):
    """One application context across requests (as a test keeps it): the cache still ends with its request."""
    with app.test_request_context("/", method="GET"):
        assert get_rule("review_max").value == 15
    db.session.execute(sa.update(Rule).where(Rule.code == "review_max").values(value=17))
    db.session.commit()
    with app.test_request_context("/", method="GET"):
        assert get_rule("review_max").value == 17
