"""The register's year kept on the document (Document.register_year) is what a full recount says: the year of the
current publication, or, never published, of the registration; kept through every step that changes it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from bench.register import generate
from tests.factories import at, d, make_document, ready_to_publish
from tests.factories import publish as publish_document
from tracker.common.timeutil import office_today
from tracker.demo import load_demo
from tracker.documents.models import Document
from tracker.documents.states import EVER_PUBLISHED, DocStatus
from tracker.extensions import db
from tracker.publication.models import Publication


def recount() -> dict[int, int | None]:
    """Every document's year, read from the records themselves (the register's rule, docs/rules.md §4)."""
    published = dict(
        db.session.execute(
            sa.select(Publication.document_id, Publication.published_on).where(
                Publication.is_current.is_(True), Publication.published_on.is_not(None)
            )
        ).all()
    )
    years = {}
    for doc_id, status, created in db.session.execute(sa.select(Document.id, Document.status, Document.created_at)):
        if doc_id in published:
            years[doc_id] = published[doc_id].year
        else:
            years[doc_id] = None if status in EVER_PUBLISHED else office_today(created).year
    return years


def stored() -> dict[int, int | None]:
    db.session.expire_all()
    return dict(db.session.execute(sa.select(Document.id, Document.register_year)).all())


def test_the_demo_city_agrees_with_the_recount(app, db, now):
    load_demo(now=now)
    db.session.commit()
    years = recount()
    assert len(years) > 20 and len(set(years.values())) > 2  # several documents and years, really
    assert stored() == years


def test_a_draft_of_one_year_published_in_the_next_moves_to_the_publications_year(app, db, world):
    doc = ready_to_publish(world, "测试镇跨年发布管理办法", d("2025-11-20"))
    db.session.commit()
    assert doc.created_at.year == 2025 and stored()[doc.id] == 2025
    publish_document(world, doc, d("2026-01-05"), effective_on=d("2026-02-10"))
    db.session.commit()
    assert doc.status is DocStatus.PUBLISHED
    assert stored()[doc.id] == 2026 == recount()[doc.id]


def test_a_registration_on_new_years_eve_counts_in_the_offices_year(app, db, world):
    # 2025-12-31 17:00 UTC is 2026-01-01 01:00 in the office: registered in 2026.
    doc = make_document(world, at(date(2026, 1, 1), 1), title="测试镇元旦登记管理办法")
    db.session.commit()
    assert doc.created_at.year == 2025 and stored()[doc.id] == 2026 == recount()[doc.id]


def test_the_benchmarks_generator_writes_the_year_the_app_would_keep(app, db):
    counts = generate(300, seed=5)
    assert counts["documents"] == 300
    years = recount()
    assert len(set(years.values()) - {None}) > 5  # several years, really
    assert stored() == years
