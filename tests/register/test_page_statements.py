"""The document page reads in a number of statements that does not grow with the rows it shows (issue #17: no
N+1): more materials, legal bases, versions of its Word outputs, rounds of review cost nothing more. Asked again
before any write, it is the remembered body (common/fragments.py): two statements, a new day or a write renders
it again, and every session gets its own CSRF token in its forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.factories import at, cite, d, draft, in_force, published, upload
from tests.pages import csrf_token, without_tokens
from tracker.common import stamp
from tracker.common.fragments import CSRF_MARK
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
    stamp.forget()  # the page rendered, not its remembered body
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
    cite(doc, ("测试法甲", "测试法乙", "测试法丙"), now=later)  # its legal bases, each naming its source
    (opinion,) = opinions_of(doc)
    for i in range(3):
        generate_opinion(opinion, actor=world["reviewer"], now=later + timedelta(hours=1, minutes=i))
        generate_filing_report(doc, actor=world["clerk"], now=later + timedelta(hours=2, minutes=i))
    db.session.commit()
    page = clerk.get(path).get_data(as_text=True)
    assert page.count("合法性审查意见书") >= 3 and "材料2.docx" in page and "测试法丙" in page  # the rows are shown
    after = _statements(clerk, path, statements)
    # The same statements, not merely as many (the difference is shown when it fails).
    assert len(after) == len(before), (set(after) - set(before), set(before) - set(after))


# --- the page remembered until the next write (common/fragments.py) ----------------------------------------------


def _deadline_text(page: str) -> str:
    """The deadlines panel as the reader sees it, tags left out."""
    panel = page.split('data-testid="deadlines"', 1)[1].split("</ul>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", panel)).strip()


def test_the_page_asked_again_reads_two_statements_and_a_write_renders_it_again(db, world, login_as, statements, clock):
    clock.set(at(d("2026-11-03")))
    doc = published(world, "测试镇记住页面管理办法", d("2026-10-08"), d("2026-11-02"), d("2026-12-05"))
    db.session.commit()
    clerk = login_as("clerk")
    path = f"/documents/{doc.id}"
    first = clerk.get(path).get_data(as_text=True)
    _db.session.expunge_all()
    statements.clear()
    again = clerk.get(path).get_data(as_text=True)
    # The same page (its tokens aside: they carry the second they were signed in), from two statements: the stamps
    # and the document (its access); the person is kept under the stamps (tests/auth/test_signed_in.py).
    assert without_tokens(again) == without_tokens(first) and len(statements) <= 2, statements
    # A material added by another person, through the service: the next request shows it.
    add_attachment(
        _db.session.get(type(doc), doc.id),
        upload("起草说明补充.docx", "补充"),
        kind=AttachmentKind.INTERPRETATION,
        title="",
        actor=world["clerk"],
        now=at(d("2026-11-03"), 11),
    )
    db.session.commit()
    assert "起草说明补充.docx" in clerk.get(path).get_data(as_text=True)


def test_a_new_day_renders_the_page_again_with_the_days_left(db, world, login_as, clock):
    clock.set(at(d("2026-11-03")))
    doc = published(world, "测试镇期限页面管理办法", d("2026-10-08"), d("2026-11-02"), d("2026-12-05"))
    db.session.commit()
    clerk = login_as("clerk")
    path = f"/documents/{doc.id}"
    tuesday = _deadline_text(clerk.get(path).get_data(as_text=True))
    clock.set(at(d("2026-11-04")))  # the next day, nothing written in between
    wednesday = _deadline_text(clerk.get(path).get_data(as_text=True))
    left = [int(n) for n in re.findall(r"剩余 (\d+) 日", tuesday)]  # filing, taking effect: calendar days
    assert len(left) == 2 and [int(n) for n in re.findall(r"剩余 (\d+) 日", wednesday)] == [n - 1 for n in left]


def test_each_session_gets_its_own_token_in_the_remembered_page(app, db, world, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    doc = draft(world, "测试镇令牌页面管理办法", d("2026-10-08"))  # its drafter's page: actions, uploads
    db.session.commit()

    def session_of_the_drafter():
        c = app.test_client()
        c.post("/login", data={"username": "drafter", "password": PASSWORD, "csrf_token": csrf_token(c.get("/login"))})
        return c

    office, home = session_of_the_drafter(), session_of_the_drafter()
    pages = [c.get(f"/documents/{doc.id}").get_data(as_text=True) for c in (office, home)]  # the second remembered
    # The body's own forms (after the page frame's), each with its session's token only.
    tokens = [set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', p.split('id="actions"', 1)[1])) for p in pages]
    assert all(len(t) == 1 for t in tokens) and tokens[0] != tokens[1], tokens
    assert CSRF_MARK not in pages[1]
    first, second = (t.pop() for t in tokens)
    # The remembered page's token is the second session's own: its forms are accepted there, the first one's not.
    assert home.post("/documents/filters", data={"name": "甲", "query": "", "csrf_token": first}).status_code == 400
    assert home.post("/documents/filters", data={"name": "乙", "query": "", "csrf_token": second}).status_code == 302


def test_each_person_gets_the_page_of_their_own_permissions(db, world, login_as):
    doc = draft(world, "测试镇各人页面管理办法", d("2026-10-08"))
    db.session.commit()
    path = f"/documents/{doc.id}"
    drafter, leader = login_as("drafter"), login_as("leader")  # (a login writes: both before the pages)
    drafter = drafter.get(path).get_data(as_text=True)
    assert 'id="version-file"' in drafter and 'data-testid="action-' in drafter  # hers to edit and to submit
    leader = leader.get(path).get_data(as_text=True)  # the same document and day, nothing written in between
    assert 'id="version-file"' not in leader and 'data-testid="action-' not in leader
