"""The public library at /public/: published documents only, their state and text, search, feed, the switch."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest
import sqlalchemy as sa

from tests.factories import at, d, number, publish, ready_to_publish, repeal, review_and_deliberate, take_effect
from tests.factories import draft as make_draft
from tracker.common import stamp
from tracker.documents.models import Attachment, AttachmentKind, Document, RelationKind
from tracker.extensions import db
from tracker.public import queries
from tracker.publication import services as publication
from tracker.publication.queries import current_publication, in_force_filter

TODAY = date(2026, 11, 2)  # FIXED_NOW in the office's time zone
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def library(world, clock):
    """In force (with text and a newer document that will replace it), not yet in force, repealed; a numbered
    document not yet published and a draft that will repeal the one in force (neither public)."""
    w = world
    in_force = ready_to_publish(w, "测试镇宅基地管理办法", d("2026-08-01"))
    publish(
        w,
        in_force,
        d("2026-09-01"),
        effective_on=d("2026-10-01"),
        text=("测试镇宅基地管理办法", "第一条 为规范农村宅基地审批，制定本办法。"),
        interpretation="本办法解读：宅基地审批流程。",
    )
    take_effect(in_force, d("2026-10-01"))

    waiting = make_draft(w, "测试镇宅基地管理办法（修订）", d("2026-09-01"))
    publication.add_relation(waiting, in_force, RelationKind.REPLACES, actor=w["drafter"], now=clock())
    review_and_deliberate(w, waiting, d("2026-09-01"))
    number(w, waiting, d("2026-09-17"))
    publish(w, waiting, d("2026-10-20"), effective_on=d("2026-11-20"))

    repealed = ready_to_publish(w, "测试镇旧渔船管理规定", d("2026-05-01"))
    publish(w, repealed, d("2026-06-01"), effective_on=d("2026-07-01"))
    take_effect(repealed, d("2026-07-01"))
    repeal(w, repealed, d("2026-10-15"))

    unpublished = ready_to_publish(w, "测试镇尚未发布的办法", d("2026-10-01"))
    secret = make_draft(w, "测试镇内部征求意见草案", d("2026-10-25"))
    publication.add_relation(secret, in_force, RelationKind.REPEALS, actor=w["drafter"], now=clock())
    db.session.commit()
    return {
        "in_force": in_force.id,
        "waiting": waiting.id,
        "repealed": repealed.id,
        "unpublished": unpublished.id,
        "secret": secret.id,
    }


HIDDEN = ("测试镇尚未发布的办法", "测试镇内部征求意见草案")


def page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code)
    return html.unescape(r.get_data(as_text=True))


def links(body: str) -> set[str]:
    return {html.unescape(h) for h in re.findall(r'(?:href|src)="([^"#]+)"', body)}


def test_lists_published_documents_only_without_login(client, library):
    body = page(client, "/public/")
    for title in ("测试镇宅基地管理办法", "测试镇宅基地管理办法（修订）", "测试镇旧渔船管理规定"):
        assert title in body
    for title in HIDDEN:
        assert title not in body
    assert 'data-testid="public-total">共 3 件' in body
    assert "退出" not in body and "/login" not in body


def test_a_document_not_published_is_not_found(client, library):
    for key in ("unpublished", "secret"):
        r = client.get(f"/public/documents/{library[key]}")
        assert r.status_code == 404
        assert HIDDEN[0] not in r.get_data(as_text=True) and HIDDEN[1] not in r.get_data(as_text=True)
    r = client.get("/public/documents/999999")
    assert r.status_code == 404
    # The error page stays in the library: no way into the office's pages.
    assert all(h.startswith(("/public/", "/static/", "/bootstrap/static/")) for h in links(r.get_data(as_text=True)))


def test_document_page_has_numbers_state_text_interpretation_and_files(client, library):
    body = page(client, f"/public/documents/{library['in_force']}")
    doc = db.session.get(Document, library["in_force"])
    pub = current_publication(doc)
    assert pub.issue_number in body and pub.normative_number in body
    assert 'data-testid="public-state">现行有效' in body
    assert "第一条 为规范农村宅基地审批，制定本办法。" in body
    assert "本办法解读：宅基地审批流程。" in body
    # The newer document that replaces it is named, the draft that would repeal it is not.
    said = re.sub(r"<[^>]+>", "", body)
    assert "被《测试镇宅基地管理办法（修订）》" in said and "替代" in said
    assert "测试镇内部征求意见草案" not in body
    files = re.findall(r'href="(/public/documents/\d+/files/\d+/download)"', body)
    assert len(files) == 2
    # The official text first, then the interpretation.
    assert body.index("正式文本：") < body.index("政策解读：")
    for url in files:
        r = client.get(url)
        assert r.status_code == 200 and r.data[:2] == b"PK"
        assert "filename*=UTF-8''" in r.headers["Content-Disposition"]


def test_only_the_official_text_and_interpretation_can_be_downloaded(client, library):
    doc_id = library["in_force"]
    others = db.session.scalars(
        sa.select(Attachment.id).where(
            Attachment.document_id == doc_id,
            Attachment.kind.not_in([AttachmentKind.OFFICIAL_TEXT, AttachmentKind.INTERPRETATION]),
        )
    ).all()
    assert others, "the document has its submission materials"
    for attachment_id in others:
        assert client.get(f"/public/documents/{doc_id}/files/{attachment_id}/download").status_code == 404
    # A public file asked for through another document's address is not found either.
    official = db.session.scalar(
        sa.select(Attachment.id).where(
            Attachment.document_id == doc_id, Attachment.kind == AttachmentKind.OFFICIAL_TEXT
        )
    )
    assert client.get(f"/public/documents/{library['repealed']}/files/{official}/download").status_code == 404
    assert client.get(f"/public/documents/{library['unpublished']}/files/{official}/download").status_code == 404


def test_states_shown_and_filtered(client, library):
    rows = {key: page(client, f"/public/documents/{library[key]}") for key in ("in_force", "waiting", "repealed")}
    assert 'public-state">现行有效' in rows["in_force"]
    assert 'public-state">尚未施行' in rows["waiting"]
    assert 'public-state">已废止' in rows["repealed"]
    counts = {}
    for state in queries.STATES:
        body = page(client, f"/public/?state={state.key}")
        counts[state.key] = int(re.search(r'public-total">共 (\d+) 件', body).group(1))
    assert counts == {"in_force": 1, "not_yet": 1, "ended": 1}
    assert "测试镇旧渔船管理规定" in page(client, "/public/?state=ended")


def test_in_force_agrees_with_the_registers_rule_on_any_day(library):
    """The library's 现行有效 is the register's in-force condition, before and after the newer one takes effect."""
    for day in (TODAY, d("2026-11-20"), d("2026-12-31")):
        lq = queries.LibraryQuery(state=queries.IN_FORCE)
        shown = {r.document.id for r in queries.library_page(lq, today=day, per_page=50).rows}
        rule = set(db.session.scalars(sa.select(Document.id).where(in_force_filter(day))))
        assert shown == rule
        pairs = [
            (r.document, r.publication)
            for r in queries.library_page(queries.LibraryQuery(), today=day, per_page=50).rows
        ]
        labels = queries.states_of(pairs, day)
        assert {i for i, label in labels.items() if label == queries.IN_FORCE.label} == rule
    # After the newer document takes effect the old one is shown as replaced, even before the daily job ran.
    later = queries.states_of(
        [
            (r.document, r.publication)
            for r in queries.library_page(queries.LibraryQuery(), today=d("2026-11-20"), per_page=50).rows
        ],
        d("2026-11-20"),
    )
    assert later[library["in_force"]] == "已废止"
    assert later[library["waiting"]] == queries.IN_FORCE.label


def test_search_finds_text_and_highlights(client, library):
    # The register's search text: title, numbers and the final version's text.
    body = page(client, "/public/?q=宅基地管理")
    assert "<mark>宅基地管理</mark>" in body
    assert 'public-total">共 2 件' in body
    assert 'public-total">共 1 件' in page(client, "/public/?q=渔船 管理")
    # A term only in a draft finds nothing.
    assert 'public-total">共 0 件' in page(client, "/public/?q=内部征求意见草案")


def test_filters_by_year_and_issuer(client, library):
    # One town: no town to choose (the filter shows in a city's install: tests/test_demo.py).
    assert 'id="town"' not in page(client, "/public/")
    town = db.session.get(Document, library["in_force"]).town_id
    assert 'public-total">共 3 件' in page(client, f"/public/?town={town}")
    assert 'public-total">共 0 件' in page(client, f"/public/?town={town + 1000}")
    assert 'public-total">共 3 件' in page(client, f"/public/?year={TODAY.year}")
    assert 'public-total">共 0 件' in page(client, f"/public/?year={TODAY.year - 1}")
    issuer = db.session.get(Document, library["in_force"]).issuer_id
    assert 'public-total">共 3 件' in page(client, f"/public/?issuer={issuer}")
    assert 'public-total">共 0 件' in page(client, f"/public/?issuer={issuer + 1000}")


@pytest.mark.parametrize(
    "query",
    ["state=nonsense", "year=abc", "year=1066", "issuer=-1", "town=x", "page=zzz", "q=" + "宅" * 300, "page=99999"],
)
def test_bad_queries_get_a_message_not_an_error(client, library, query):
    r = client.get(f"/public/?{query}")
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    if not query.startswith("page="):
        assert 'data-testid="query-error"' in body
    assert "public-total" in body


def test_atom_feed(client, library):
    r = client.get("/public/feed.atom")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    root = ET.fromstring(r.data)
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles == ["测试镇宅基地管理办法（修订）", "测试镇宅基地管理办法", "测试镇旧渔船管理规定"]
    first = entries[0]
    assert first.find(f"{ATOM}link").get("href").endswith(f"/public/documents/{library['waiting']}")
    assert first.findtext(f"{ATOM}updated").startswith("2026-10-20T00:00:00+08:00")
    for title in HIDDEN:
        assert title not in r.get_data(as_text=True)


def test_every_link_stays_in_the_library_and_answers(client, library):
    seen, todo = set(), ["/public/", f"/public/documents/{library['in_force']}", "/public/?q=宅基地"]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        r = client.get(url)
        assert r.status_code == 200, url
        if r.mimetype != "text/html":
            continue
        for href in links(r.get_data(as_text=True)):
            assert href.startswith(("/public/", "/static/", "/bootstrap/static/")), (url, href)
            if href.startswith("/public/") and len(seen) < 60:
                todo.append(href)
    assert len(seen) > 5


def test_nothing_but_get(client, library):
    assert client.post("/public/").status_code == 405
    assert client.post(f"/public/documents/{library['in_force']}").status_code == 405


def test_switched_off(app, client, login_as, library, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_LIBRARY", False)
    for url in ("/public/", "/public/feed.atom", f"/public/documents/{library['in_force']}"):
        assert client.get(url).status_code == 404
    clerk = login_as("clerk")
    assert 'data-testid="public-link"' not in page(clerk, f"/documents/{library['in_force']}")


def test_register_links_a_published_document_to_its_public_page(app, login_as, library):
    clerk = login_as("clerk")
    body = page(clerk, f"/documents/{library['in_force']}")
    assert f'href="/public/documents/{library["in_force"]}" data-testid="public-link"' in body
    assert 'data-testid="public-link"' not in page(clerk, f"/documents/{library['unpublished']}")


def test_publish_form_proposes_the_library_address(app, login_as, library, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://gfxwj.example.gov.cn/")
    clerk = login_as("clerk")
    body = page(clerk, f"/publication/documents/{library['unpublished']}/publish")
    assert f'value="https://gfxwj.example.gov.cn/public/documents/{library["unpublished"]}"' in body
    monkeypatch.setitem(app.config, "PUBLIC_LIBRARY", False)
    body = page(clerk, f"/publication/documents/{library['unpublished']}/publish")
    assert "gfxwj.example.gov.cn" not in body


def test_a_document_published_today_appears_and_the_cached_total_follows(client, world, library, clock):
    assert 'public-total">共 3 件' in page(client, "/public/")
    assert 'public-total">共 1 件' in page(client, "/public/?state=not_yet")  # counts by state are remembered too
    doc = db.session.get(Document, library["unpublished"])
    publish(world, doc, TODAY, effective_on=d("2026-12-02"), now=clock())
    db.session.commit()
    body = page(client, "/public/")
    assert 'public-total">共 4 件' in body and "测试镇尚未发布的办法" in body
    assert 'public-total">共 2 件' in page(client, "/public/?state=not_yet")


def test_a_search_matching_more_than_the_cap_says_so_and_pages_through_the_first(client, library, monkeypatch):
    assert 'public-total">共 2 件' in page(client, "/public/?q=宅基地管理")
    monkeypatch.setattr(queries, "SEARCH_COUNT_CAP", 1)
    stamp.forget()  # a worker started with the lower cap: the page remembered under the old one is not its own
    body = page(client, "/public/?q=宅基地管理")
    assert "超过 1 件" in body and "共 2 件" not in body
    assert "<mark>宅基地管理</mark>" in body  # the matches are still listed, newest first
    # A list without search words is counted to the end (no cap): the library's total is the total.
    assert re.search(r'public-total">共 \d+ 件', page(client, "/public/"))


def test_a_documents_page_is_found_once_published_and_follows_each_day(client, world, library, clock):
    """The library's pages are remembered per address and day until the next write (public/views.py): a page
    answered 404 before publication is there once published, and a new day shows the document's new state."""
    url = f"/public/documents/{library['unpublished']}"
    assert client.get(url).status_code == 404
    doc = db.session.get(Document, library["unpublished"])
    publish(world, doc, TODAY, effective_on=d("2026-12-02"), now=clock())
    db.session.commit()
    body = page(client, url)
    assert "测试镇尚未发布的办法" in body and "尚未施行" in body
    clock.set(at(d("2026-12-03")))  # past its effective date, nothing written (the daily job has not run)
    assert "尚未施行" not in page(client, url)
