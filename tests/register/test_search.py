"""Chinese search (issue #8 item 3): substrings in titles, numbers and the latest version's text, highlighted."""

from __future__ import annotations

import html
import logging
import re
import uuid
from datetime import date

import flask_migrate
import pytest
import sqlalchemy as sa

from config import TestConfig
from tests.documents.files import docx_bytes
from tests.factories import make_document
from tests.pages import text
from tests.register.test_register import ids, make
from tracker import create_app
from tracker.documents import search
from tracker.documents.models import TRGM_INDEX, DocKind, DocumentSearch
from tracker.documents.services import DocumentData, add_version, update_metadata
from tracker.documents.states import DocStatus
from tracker.extensions import db as _db
from tracker.files.uploads import check_upload
from tracker.publication import services as publication
from tracker.publication import services as publication_services


def version(doc, w, now, *paragraphs: str):
    checked = check_upload(docx_bytes(list(paragraphs)), "草案.docx")
    return add_version(doc, checked, note="", actor=w["drafter"], now=now)


@pytest.fixture
def corpus(db, world, now):
    w = world
    docs = {
        "homestead": make(w, now, "沙溪镇农村宅基地管理办法"),
        "market": make(w, now, "沙溪镇集贸市场管理规定"),
        "numbered": make(
            w,
            now,
            "沙溪镇河道保洁实施细则",
            status=DocStatus.IN_FORCE,
            published_on=date(2026, 3, 1),
            effective_on=date(2026, 4, 1),
            number=(2026, 7),
        ),
        "old_number": make(
            w, now, "沙溪镇道路命名办法", status=DocStatus.IN_FORCE, published_on=date(2024, 3, 1), number=(2024, 5)
        ),
        "versions": make(w, now, "沙溪镇殡葬改革实施方案"),
        "html": make(w, now, "<b>加粗</b>&<script>alert(1)</script>宅基地审批"),
        "other_unit": make(w, now, "沙溪镇乙单位宅基地草案", drafter="drafter2"),
    }
    version(docs["versions"], w, now, "第一条 旧稿条款：骨灰存放实行备案。")
    version(docs["versions"], w, now, "第一条 新稿条款：公益性公墓由镇政府统一规划。", "第二条 <i>不得</i>违规收费。")
    db.session.commit()
    return {k: v.id for k, v in docs.items()}


def found(client, q: str) -> list[int]:
    return ids(client.get("/documents/", query_string={"q": q}))


def marks(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", text(response))]


def test_a_chinese_substring_of_a_title_is_found_and_highlighted(corpus, login_as):
    c = login_as("clerk")
    assert set(found(c, "宅基地")) == {corpus["homestead"], corpus["html"], corpus["other_unit"]}
    r = c.get("/documents/", query_string={"q": "宅基地"})
    assert "沙溪镇农村<mark>宅基地</mark>管理办法" in text(r)
    # Inside a word a segmenter would cut differently (农村宅基地 / 管理): still a plain substring.
    assert found(c, "村宅基地管") == [corpus["homestead"]]


def test_a_number_is_found_and_highlighted(corpus, login_as):
    c = login_as("clerk")
    assert found(c, "〔2026〕") == [corpus["numbered"]]
    r = c.get("/documents/", query_string={"q": "〔2026〕7号"})
    assert ids(r) == [corpus["numbered"]]
    assert "沙府规字<mark>〔2026〕7号</mark>" in text(r)
    assert found(c, "测府〔2024〕5号") == [corpus["old_number"]]


def test_only_the_latest_versions_text_is_searched(corpus, login_as):
    c = login_as("clerk")
    assert found(c, "公益性公墓") == [corpus["versions"]]
    assert found(c, "骨灰存放") == []  # only in the first version
    r = c.get("/documents/", query_string={"q": "公益性公墓"})
    snippet = re.search(r'data-testid="snippet">(.*?)</div>', text(r), re.S).group(1)
    assert snippet.startswith("正文：") and "<mark>公益性公墓</mark>由镇政府统一规划" in snippet


def test_html_in_titles_and_text_is_escaped_around_the_marks(corpus, login_as):
    c = login_as("clerk")
    r = c.get("/documents/", query_string={"q": "宅基地审批"})
    page = text(r)
    assert ids(r) == [corpus["html"]]
    assert "&lt;b&gt;加粗&lt;/b&gt;&amp;&lt;script&gt;alert(1)&lt;/script&gt;<mark>宅基地审批</mark>" in page
    assert "<script>alert(1)" not in page and "<b>加粗" not in page
    r = c.get("/documents/", query_string={"q": "违规收费"})
    assert "&lt;i&gt;不得&lt;/i&gt;<mark>违规收费</mark>" in text(r)
    # A search for markup itself finds it, escaped, and marks it.
    r = c.get("/documents/", query_string={"q": "<script>"})
    assert ids(r) == [corpus["html"]] and marks(r) == ["<script>"]
    assert "<mark>&lt;script&gt;</mark>" in text(r)


@pytest.mark.parametrize(
    "q, expected",
    [
        ("宅", {"homestead", "html", "other_unit"}),  # one character: LIKE, no trigram
        ("河道", {"numbered"}),  # two
        ("殡葬", {"versions"}),
        ("公墓", {"versions"}),  # two characters in the latest text
        ("骨灰", set()),  # two characters only in the older version
    ],
)
def test_one_and_two_character_queries_work(corpus, login_as, q, expected):
    assert set(found(login_as("clerk"), q)) == {corpus[k] for k in expected}


def test_short_queries_are_highlighted_too(corpus, login_as):
    r = login_as("clerk").get("/documents/", query_string={"q": "河道"})
    assert "沙溪镇<mark>河道</mark>保洁实施细则" in text(r)


def test_several_terms_must_all_occur(corpus, login_as):
    c = login_as("clerk")
    assert found(c, "宅基地 管理办法") == [corpus["homestead"]]
    assert set(found(c, "沙溪镇 宅")) == {corpus["homestead"], corpus["other_unit"]}
    assert found(c, "宅基地 集贸") == []


def test_wildcards_and_search_syntax_are_taken_literally(corpus, login_as):
    c = login_as("clerk")
    for q in ("%", "_", "%%%", '"', '宅基地"', "宅基地 OR 集贸", "NEAR(宅基地)", "*", "宅*", "\\"):
        r = c.get("/documents/", query_string={"q": q})
        assert r.status_code == 200, q
    assert found(c, "%") == [] and found(c, "___") == []
    assert found(c, "宅基地 OR 集贸") == []


def test_ascii_matches_ignore_case(db, world, now, login_as):
    make(world, now, "沙溪镇PPP项目管理办法")
    db.session.commit()
    r = login_as("clerk").get("/documents/", query_string={"q": "ppp项目"})
    assert len(ids(r)) == 1 and marks(r) == ["PPP项目"]


def test_search_respects_visibility_and_filters(corpus, login_as):
    # drafter2 sees its own draft, not drafter's; the published one for everyone.
    assert set(found(login_as("drafter2"), "宅基地")) == {corpus["other_unit"]}
    c = login_as("clerk")
    r = c.get("/documents/", query_string={"q": "沙溪镇", "status": "in_force"})
    assert set(ids(r)) == {corpus["numbered"], corpus["old_number"]}


# --- the search rows follow every change -------------------------------------------------------------------


def _content(db, doc_id: int) -> str:
    return db.session.scalar(sa.select(DocumentSearch.content).where(DocumentSearch.document_id == doc_id))


def test_a_title_edit_is_searchable_at_once(db, world, now, login_as):
    doc = make_document(world, now, title="沙溪镇旧名称办法")
    db.session.commit()
    data = DocumentData(
        title="沙溪镇新名称规定",
        kind=DocKind.GOVERNMENT,
        issuer_id=doc.issuer_id,
        drafting_unit_id=doc.drafting_unit_id,
    )
    update_metadata(doc, data, actor=world["drafter"], now=now, expected_version=doc.version_id)
    db.session.commit()
    c = login_as("clerk")
    assert found(c, "新名称") == [doc.id] and found(c, "旧名称") == []


def test_numbering_makes_the_numbers_searchable(db, world, now, login_as):
    doc = make_document(world, now, title="沙溪镇编号测试办法")
    doc.status = DocStatus.DELIBERATED
    db.session.flush()
    pub = publication.number_document(doc, actor=world["clerk"], now=now, signed_on=date(2026, 11, 2), signer="镇长")
    db.session.commit()
    assert pub.normative_number in _content(db, doc.id)
    assert found(login_as("clerk"), pub.normative_number) == [doc.id]


def test_the_search_row_layout_and_reindex_all(db, world, now):
    doc = make(world, now, "沙溪镇布局办法", published_on=date(2026, 1, 5), number=(2026, 3))
    version(doc, world, now, "第一条 正文。")
    assert search.parts(_content(db, doc.id)) == (
        "沙溪镇布局办法",
        "测府〔2026〕3号 沙府规字〔2026〕3号",
        "第一条 正文。",
    )
    db.session.execute(sa.update(DocumentSearch).values(content=""))
    assert publication_services.reindex_all() >= 1
    db.session.commit()
    assert search.parts(_content(db, doc.id))[1:] == ("测府〔2026〕3号 沙府规字〔2026〕3号", "第一条 正文。")


# --- the pieces, without a database -----------------------------------------------------------------------


def test_highlight_merges_overlapping_terms_and_ignores_case():
    segments = search.highlight("农村宅基地管理 ABC abc", ["宅基", "基地管", "abc"])
    assert segments == [
        search.Segment("农村", False),
        search.Segment("宅基地管", True),
        search.Segment("理 ", False),
        search.Segment("ABC", True),
        search.Segment(" ", False),
        search.Segment("abc", True),
    ]


def test_snippet_is_a_window_around_the_first_match():
    body = "甲" * 100 + "宅基地" + "乙" * 100
    segments = search.snippet(body, ["宅基地"], radius=5)
    assert "".join(s.text for s in segments) == "…甲甲甲甲甲宅基地乙乙乙乙乙…"
    assert search.snippet(body, ["没有"]) is None


def test_terms_are_split_on_any_whitespace_and_capped():
    assert search.terms_of("宅基地\u3000管理  办法") == ["宅基地", "管理", "办法"]
    assert search.terms_of("a A b c d e f g") == ["a", "b", "c", "d", "e"]
    assert search.terms_of("   ") == []


# --- the index's schema: made by create_all and by migration 0002, repaired by ensure_search_index ---------


def test_ensure_search_index_rebuilds_a_missing_index(db, corpus, login_as):
    with db.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TABLE document_search_fts")
        else:
            conn.exec_driver_sql(f"DROP INDEX {TRGM_INDEX}")
    with db.engine.begin() as conn:
        search.ensure_search_index(conn)
        search.ensure_search_index(conn)  # idempotent
    assert set(found(login_as("clerk"), "宅基地")) == {corpus["homestead"], corpus["html"], corpus["other_unit"]}
    if db.engine.dialect.name == "postgresql":
        assert TRGM_INDEX in {ix["name"] for ix in sa.inspect(db.engine).get_indexes("document_search")}


@pytest.fixture
def fresh_database(app, tmp_path):
    """An empty database on the suite's server: a SQLite file, or a new PostgreSQL database."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    name = f"tracker_search_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_migration_0002_gives_existing_documents_their_search_rows(fresh_database, tmp_path):
    """An office database from before the search: its documents become searchable on upgrade."""
    other = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=fresh_database, UPLOAD_DIR=str(tmp_path / "uploads"))
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        with other.app_context():
            flask_migrate.upgrade(revision="0001")
            with _db.engine.begin() as conn:
                for statement in (
                    "INSERT INTO units (id, name, kind, can_issue, can_draft, active, created_at)"
                    " VALUES (1, '沙溪镇人民政府', 'government', true, false, true, '2026-01-01 00:00:00')",
                    "INSERT INTO documents (id, title, kind, issuer_id, drafting_unit_id, trial_kind, summary,"
                    " necessity, is_major, affects_market, status, filing_status, status_changed_at, updated_at,"
                    " version_id, created_at) VALUES (1, '沙溪镇农村宅基地管理办法', 'government', 1, 1, 'none', '',"
                    " '', false, false, 'in_force', 'registered', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 1,"
                    " '2026-01-01 00:00:00')",
                    "INSERT INTO publications (id, document_id, is_current, signed_on, signer, issue_scope,"
                    " issue_year, issue_seq, issue_number, normative_scope, normative_year, normative_seq,"
                    " normative_number, numbers_entered_by_hand, created_at) VALUES (1, 1, true, '2026-01-05', '',"
                    " '沙府', 2026, 4, '沙府〔2026〕4号', 'normative', 2026, 4, '沙府规字〔2026〕4号', true,"
                    " '2026-01-05 00:00:00')",
                    "INSERT INTO stored_files (id, storage_name, original_name, content_type, size, sha256,"
                    " created_at) VALUES (1, 'x', 'a.docx', 'application/octet-stream', 0, '0', '2026-01-01 00:00:00')",
                    "INSERT INTO document_versions (id, document_id, seq, file_id, note, text, uploaded_at) VALUES"
                    " (1, 1, 1, 1, '', '旧稿：殡葬', '2026-01-01 00:00:00'),"
                    " (2, 1, 2, 1, '', '第一条 宅基地审批实行一户一宅。', '2026-01-02 00:00:00')",
                ):
                    conn.exec_driver_sql(statement)
            flask_migrate.upgrade(revision="0002")
            content = _db.session.scalar(sa.select(DocumentSearch.content))
            assert search.parts(content) == (
                "沙溪镇农村宅基地管理办法",
                "沙府〔2026〕4号 沙府规字〔2026〕4号",
                "第一条 宅基地审批实行一户一宅。",
            )
            for q, hits in (("一户一宅", 1), ("沙府规字〔2026〕4号", 1), ("旧稿：殡葬", 0), ("宅基", 1)):
                terms = search.terms_of(q)
                stmt = sa.select(sa.func.count()).where(search.match_condition(terms, _db.engine.dialect.name))
                assert _db.session.scalar(stmt) == hits, q
            _db.session.remove()
            _db.engine.dispose()
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
