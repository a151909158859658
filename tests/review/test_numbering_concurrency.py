"""Opinion numbers under concurrency: two reviewers issuing at the same moment get 1 and 2, never a duplicate or a gap.

Runs on whatever database the suite uses (SQLite file, or PostgreSQL via TEST_DATABASE_URL). Each thread has its own
app context, hence its own session and connection, and commits as a request would.
"""

from __future__ import annotations

import sqlalchemy as sa

from tests import factories
from tests.review import steps
from tests.threads import race_ok
from tracker.auth.models import User
from tracker.common.numbering import next_serial
from tracker.documents.models import Document
from tracker.documents.states import DocStatus
from tracker.extensions import db as _db
from tracker.review import services
from tracker.review.models import Opinion
from tracker.rules.conclusions import conclusion_by_label


def test_two_reviewers_issuing_at_the_same_moment_get_consecutive_numbers(app, db, world, now):
    docs = []
    for title in ("测试镇甲办法", "测试镇乙办法"):
        doc, rnd = steps.under_review(world, now, title=title)
        steps.fill_points(rnd, world, now)
        docs.append(doc.id)
    reviewer_id = world["reviewer"].id
    conclusion_id = conclusion_by_label(factories.PASS).id
    db.session.commit()
    db.session.close()  # the test's own connection holds nothing while the threads run

    def issue(i: int, barrier) -> str:
        doc = _db.session.get(Document, docs[i])
        reviewer = _db.session.get(User, reviewer_id)
        barrier.wait()
        opinion = services.issue_opinion(doc, actor=reviewer, now=now, conclusion_id=conclusion_id, summary="同意出台")
        _db.session.commit()
        return opinion.number

    numbers = race_ok(app, issue)
    assert sorted(numbers) == ["沙司审〔2026〕1号", "沙司审〔2026〕2号"]
    rows = db.session.execute(sa.select(Opinion.document_id, Opinion.seq).order_by(Opinion.seq)).all()
    assert [seq for _, seq in rows] == [1, 2]
    assert {doc_id for doc_id, _ in rows} == set(docs)
    statuses = db.session.scalars(sa.select(Document.status).where(Document.id.in_(docs))).all()
    assert statuses == [DocStatus.PASSED, DocStatus.PASSED]


def test_next_serial_from_eight_threads_gives_exactly_one_to_forty(app, db):
    db.session.commit()
    db.session.close()

    def allocate(i: int, barrier) -> list[int]:
        got = []
        barrier.wait()
        for _ in range(5):
            got.append(next_serial("concurrency-test", 2026))
            _db.session.commit()
        return got

    per_thread = race_ok(app, allocate, 8)
    every = [n for got in per_thread for n in got]
    assert sorted(every) == list(range(1, 41))
    # Each thread saw its own numbers increase; the counter ends at the last one handed out.
    assert all(got == sorted(got) for got in per_thread)
    assert next_serial("concurrency-test", 2026) == 41
    # Another year starts again at 1.
    assert next_serial("concurrency-test", 2027) == 1
