"""Lists of a document's records read together in one statement (common/together.py): the same lists, in the same
order, as each read alone, and only the town's own (issue #17: the document page read first after a write)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tracker.audit.models import AuditEvent
from tracker.audit.services import history_part
from tracker.auth import towns
from tracker.auth.models import User
from tracker.common.together import Part, read_together, rows_of
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.publication.models import Publication
from tracker.register.views import page_parts


@pytest.fixture
def statements(city):
    seen: list[str] = []

    def note(*args) -> None:
        seen.append(args[2])

    with city.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", note)


def _ids(parts: list[Part]) -> list[list]:
    """Each part's records by id, each with the ids of its child collections."""
    return [
        [(r.id, [[c.id for c in getattr(r, child.collection.key)] for child in part.children]) for r in rows_of(part)]
        for part in parts
    ]


def test_every_demo_documents_lists_read_together_are_those_read_alone_in_one_statement(city, statements):
    checked = non_empty = 0
    with city.app_context():
        clerks = sa.select(User.id).where(User.username.in_(["clerk", "dayong_clerk", "shiqi_clerk"]))
        for clerk_id in db.session.scalars(clerks).all():
            with city.test_request_context("/", method="POST"):  # nothing is kept: each list read on its own
                towns.enter(db.session.get(User, clerk_id))
                docs = db.session.scalars(sa.select(Document).order_by(Document.id)).all()
                alone = {doc.id: _ids(page_parts(doc)) for doc in docs}
            db.session.expunge_all()
            for doc_id, expected in alone.items():
                with city.test_request_context("/"):
                    towns.enter(db.session.get(User, clerk_id))
                    doc = db.session.get(Document, doc_id)
                    statements.clear()
                    read_together(page_parts(doc))
                    together = [s for s in statements if "part_keys" in s]
                    statements.clear()
                    got = _ids(page_parts(doc))
                    assert statements == []  # every list was kept from the one statement
                    assert len(together) == 1 and got == expected, doc.title
                    checked += 1
                    non_empty += sum(1 for ids in expected if ids)
                db.session.expunge_all()
    assert checked >= 24 and non_empty > 3 * checked  # the demo's documents, most with many kinds of record


def test_parts_read_together_are_only_the_towns_own(city):
    models = (AuditEvent, Document, Publication)  # a town's record, a document, a part of a document
    everything = [Part(("all", m.__name__), m, sa.true()) for m in models]
    with city.app_context():
        clerk = db.session.scalar(sa.select(User).where(User.username == "dayong_clerk"))
        in_all_towns = [db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models]
        with city.test_request_context("/"):
            towns.enter(clerk)
            read_together(everything)
            lists = [rows_of(p) for p in everything]
            assert all(lists)
            towns_read = {r.town_id for r in lists[0] + lists[1]} | {p.document.town_id for p in lists[2]}
            assert towns_read == {clerk.town_id}
            # Other towns' records were left out.
            assert all(len(records) < total for records, total in zip(lists, in_all_towns, strict=True))


def test_outside_a_read_only_request_nothing_is_read_together(city, statements):
    with city.app_context():
        doc = db.session.scalar(sa.select(Document).order_by(Document.id).limit(1))
        with city.test_request_context("/", method="POST"):
            statements.clear()
            read_together(page_parts(doc))
            assert statements == []  # nothing would be kept for the readers: nothing is read
            assert [e.id for e in rows_of(history_part(doc.id))]  # each reads its own list, afresh
