"""The document page reads in a number of statements that does not grow with the rows it shows (issue #17: no
N+1): more materials, more versions of its Word outputs, more rounds of review cost nothing more."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import at, d, in_force, upload
from tracker.documents.models import AttachmentKind
from tracker.documents.services import add_attachment
from tracker.extensions import db as _db
from tracker.filing.word import generate_filing_report
from tracker.review.word import generate_opinion, opinions_of


@pytest.fixture
def statements(app):
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = _db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    yield seen
    sa.event.remove(engine, "before_cursor_execute", note)


def _statements(client, path: str, seen: list[str]) -> list[str]:
    assert client.get(path).status_code == 200  # warm: compiled templates, figures remembered until a write
    # The test's requests share its session (one app context): what the test loaded must not spare the page a read.
    _db.session.expunge_all()
    seen.clear()
    assert client.get(path).status_code == 200
    return list(seen)


def test_the_document_page_reads_as_many_statements_for_many_rows_as_for_few(db, world, login_as, statements):
    doc = in_force(world, "测试镇语句计数管理办法", d("2026-03-02"), d("2026-03-20"), d("2026-04-20"))
    db.session.commit()
    clerk = login_as("clerk")
    path = f"/documents/{doc.id}"
    before = _statements(clerk, path, statements)
    later = at(d("2026-05-06"))
    for i, kind in enumerate((AttachmentKind.INTERPRETATION, AttachmentKind.MINUTES, AttachmentKind.OFFICIAL_TEXT)):
        material = upload(f"材料{i}.docx", f"材料{i}")
        add_attachment(doc, material, kind=kind, title="", actor=world["clerk"], now=later + timedelta(minutes=i))
    (opinion,) = opinions_of(doc)
    for i in range(3):
        generate_opinion(opinion, actor=world["reviewer"], now=later + timedelta(hours=1, minutes=i))
        generate_filing_report(doc, actor=world["clerk"], now=later + timedelta(hours=2, minutes=i))
    db.session.commit()
    page = clerk.get(path).get_data(as_text=True)
    assert page.count("合法性审查意见书") >= 3 and "材料2.docx" in page  # the rows are shown
    after = _statements(clerk, path, statements)
    # The same statements, not merely as many (the difference is shown when it fails).
    assert len(after) == len(before), (set(after) - set(before), set(before) - set(after))
