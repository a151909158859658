"""The minimum review time (issue 12, item 5): 一般不少于 5 个工作日 from the day after the packet is received
(`review_min`, docs/rules.md §3). Not a block: the worksheet says how long the review has had, and an opinion issued
sooner is marked on its round and in the audit record.

2026 calendar (docs/rules.md §3): 国庆 10-01…10-07 off, 10-10 (Sat) a make-up workday. Counted by hand.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import accept, at, conclude_review, d, draft, submit
from tests.pages import text
from tracker.audit.models import AuditEvent
from tracker.review.services import latest_round, review_time


@pytest.mark.parametrize(
    ("received", "issued", "working_days", "earliest", "short"),
    [
        # 10-13, 10-14: two working days.
        (d("2026-10-12"), d("2026-10-14"), 2, d("2026-10-19"), True),
        # 10-13…16 (4), 10-19 (5): the minimum, on the day.
        (d("2026-10-12"), d("2026-10-19"), 5, d("2026-10-19"), False),
        # received 09-29: 09-30 (1), 10-08 (2), 10-09 (3), 10-10 make-up (4), 10-12 (5) — across 国庆.
        (d("2026-09-29"), d("2026-10-09"), 3, d("2026-10-12"), True),
    ],
    ids=["two-days", "five-days", "across-national-day"],
)
def test_an_opinion_sooner_than_the_minimum_is_allowed_and_said(
    db, world, login_as, clock, received, issued, working_days, earliest, short
):
    doc = draft(world, "测试镇河道管理办法", received)
    rnd = submit(world, doc, received)
    accept(world, doc, received)
    db.session.commit()
    took = review_time(rnd, today=issued)
    assert (took.working_days, took.minimum, took.earliest, took.short) == (working_days, 5, earliest, short)

    clock.set(at(issued, 9))
    worksheet = text(login_as("reviewer").get(f"/review/documents/{doc.id}/worksheet"))
    assert f"已审查 {working_days} 个工作日；审查时间一般不少于 5 个工作日" in worksheet
    assert ("此前出具意见书的，审查记录中注明用时" in worksheet) is short

    conclude_review(world, doc, latest_round(doc), issued)
    db.session.commit()
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "review.opinion")).one()
    said = f"（审查用时 {working_days} 个工作日，少于一般审查时间 5 个工作日）"
    assert event.summary.endswith(said) is short
    clock.set(at(issued, 16))
    page = text(login_as("reviewer").get(f"/documents/{doc.id}"))
    assert f"审查用时 {working_days} 个工作日" in page
    assert ('data-testid="short-review"' in page) is short
