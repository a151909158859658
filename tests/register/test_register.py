"""The register (issue #8 item 2): each filter, each sort, pages, visibility, saved filters per user."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from tests.factories import PASSWORD, make_document
from tests.pages import csrf_token, flashes, redirect_target, text
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.auth.models import Unit, UnitKind
from tracker.documents import search
from tracker.documents.models import DocKind, Document, SavedFilter
from tracker.documents.states import DocStatus
from tracker.extensions import db as _db
from tracker.publication.models import Publication
from tracker.publication.queries import numbers_of
from tracker.register import queries

# The fixed `now` of conftest is 2026-11-02 (Beijing); "today" below is that date.
TODAY = date(2026, 11, 2)
_serial = iter(range(1, 10_000))


def utc(y: int, m: int, d: int, hour: int = 2) -> datetime:
    return datetime(y, m, d, hour, tzinfo=UTC)


def make(
    w,
    now,
    title: str,
    *,
    status: DocStatus = DocStatus.DRAFTING,
    drafter: str = "drafter",
    issuer: str = "gov",
    kind: DocKind = DocKind.GOVERNMENT,
    created: datetime | None = None,
    updated: datetime | None = None,
    signed_on: date | None = None,
    published_on: date | None = None,
    effective_on: date | None = None,
    validity_end_on: date | None = None,
    number: tuple[int, int] | None = None,
    ended_on: date | None = None,
) -> Document:
    """A document registered through the service, then put by hand into the state a test needs (a test may)."""
    doc = make_document(w, created or now, title=title, drafter=drafter)
    doc.status, doc.kind, doc.issuer_id, doc.ended_on = status, kind, w.units[issuer].id, ended_on
    doc.created_at = created or now
    doc.updated_at = updated or created or now
    if number or published_on:
        year, seq = number or (published_on.year, next(_serial))
        _db.session.add(
            Publication(
                document_id=doc.id,
                signed_on=signed_on or published_on,
                issue_scope="测府",
                issue_year=year,
                issue_seq=seq,
                issue_number=f"测府〔{year}〕{seq}号",
                normative_scope="normative",
                normative_year=year,
                normative_seq=seq,
                normative_number=f"沙府规字〔{year}〕{seq}号",
                published_on=published_on,
                effective_on=effective_on,
                validity_end_on=validity_end_on,
                created_at=now,
            )
        )
    _db.session.flush()
    # Numbers go in the way publication passes them (the test builds its publications by hand).
    search.reindex(doc, numbers=numbers_of(doc))
    return doc


def alert(doc: Document, level: AlertLevel, key: str) -> None:
    _db.session.add(
        Alert(
            town_id=doc.town_id,
            kind=AlertKind.FILING_DUE,
            subject_key=key,
            document_id=doc.id,
            due_on=TODAY,
            level=level,
        )
    )


@pytest.fixture
def reg(db, world, now):
    """Eight documents across statuses, units, issuers, kinds, years, validity and deadlines."""
    w = world
    w.units["office_gov"] = Unit(
        name="测试镇人民政府办公室",
        kind=UnitKind.GOVERNMENT_OFFICE,
        can_issue=True,
        number_prefix="测府办",
        created_at=now,
        town_id=w.town.id,
    )
    db.session.add(w.units["office_gov"])
    db.session.flush()
    d = SimpleNamespace()
    d.draft = make(w, now, "测试镇甲类草案管理办法", created=utc(2026, 3, 1), updated=utc(2026, 10, 1))
    d.draft_2025 = make(
        w, now, "测试镇乙类草案实施细则", drafter="drafter2", created=utc(2025, 5, 1), updated=utc(2026, 9, 1)
    )
    d.numbered = make(
        w,
        now,
        "测试镇丙类已编号办法",
        status=DocStatus.NUMBERED,
        created=utc(2025, 2, 1),
        updated=utc(2026, 8, 1),
        signed_on=date(2026, 1, 5),
        number=(2026, 1),
    )
    d.in_force = make(
        w,
        now,
        "测试镇丁类施行中规定",
        status=DocStatus.IN_FORCE,
        kind=DocKind.DEPARTMENT,
        created=utc(2024, 1, 1),
        updated=utc(2026, 7, 1),
        published_on=date(2025, 3, 1),
        effective_on=date(2025, 4, 1),
        validity_end_on=date(2027, 3, 31),
        number=(2025, 2),
    )
    d.in_force_long = make(
        w,
        now,
        "测试镇戊类长期施行规定",
        status=DocStatus.IN_FORCE,
        issuer="office_gov",
        drafter="drafter2",
        created=utc(2023, 1, 1),
        updated=utc(2026, 6, 1),
        published_on=date(2026, 2, 1),
        effective_on=date(2026, 3, 1),
        validity_end_on=date(2031, 2, 28),
        number=(2026, 10),
    )
    d.published = make(
        w,
        now,
        "测试镇己类待施行通知",
        status=DocStatus.PUBLISHED,
        created=utc(2026, 1, 1),
        updated=utc(2026, 5, 1),
        published_on=date(2026, 10, 20),
        effective_on=date(2026, 12, 1),
        validity_end_on=date(2031, 11, 30),
        number=(2026, 2),
    )
    d.repealed = make(
        w,
        now,
        "测试镇庚类已废止办法",
        status=DocStatus.REPEALED,
        created=utc(2020, 1, 1),
        updated=utc(2026, 4, 1),
        published_on=date(2021, 1, 10),
        effective_on=date(2021, 2, 10),
        validity_end_on=date(2026, 2, 9),
        ended_on=date(2026, 1, 1),
        number=(2021, 3),
    )
    d.expiring_soon = make(
        w,
        now,
        "测试镇辛类即将届满办法",
        status=DocStatus.IN_FORCE,
        created=utc(2021, 6, 1),
        updated=utc(2026, 3, 1),
        published_on=date(2021, 12, 1),
        effective_on=date(2022, 1, 1),
        validity_end_on=date(2026, 12, 31),
        number=(2021, 9),
    )
    # Made-up alerts on documents that owe nothing: added after the documents' commit, which brings the alerts of
    # what it touched up to date (and would resolve these).
    db.session.commit()
    alert(d.in_force, AlertLevel.OVERDUE, "a1")
    alert(d.draft, AlertLevel.OPEN, "a2")
    alert(d.repealed, AlertLevel.RESOLVED, "a3")
    db.session.commit()
    d.w = w
    return SimpleNamespace(**{k: (v.id if isinstance(v, Document) else v) for k, v in vars(d).items()})


def ids(response) -> list[int]:
    assert response.status_code == 200, response.status_code
    return [int(i) for i in re.findall(r'data-testid="register-row" data-document-id="(\d+)"', text(response))]


def total(response) -> int:
    return int(re.search(r'data-testid="register-total">共 (\d+) 件', text(response)).group(1))


def listed(client, query: str) -> list[int]:
    r = client.get(f"/documents/?{query}")
    found = ids(r)
    assert total(r) == len(found), f"count and rows disagree for {query}"
    return found


# --- filters -------------------------------------------------------------------------------------------------


def test_unfiltered_register_lists_everything_newest_update_first(reg, login_as):
    assert listed(login_as("clerk"), "") == [
        reg.draft,
        reg.draft_2025,
        reg.numbered,
        reg.in_force,
        reg.in_force_long,
        reg.published,
        reg.repealed,
        reg.expiring_soon,
    ]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status=in_force", {"in_force", "in_force_long", "expiring_soon"}),
        ("status=repealed", {"repealed"}),
        ("issuer={office_gov}", {"in_force_long"}),
        ("unit={agri}", {"draft_2025", "in_force_long"}),
        ("kind=department", {"in_force"}),
        # Published in 2026 (current publication), or not published and registered in 2026.
        ("year=2026", {"draft", "in_force_long", "published"}),
        # The numbered document is not published yet: it counts by its registration (2025).
        ("year=2025", {"draft_2025", "numbered", "in_force"}),
        ("year=2021", {"repealed", "expiring_soon"}),
        # In force on 2026-06-01: effective by then, not ended, validity not over.
        ("in_force=2026-06-01", {"in_force", "in_force_long", "expiring_soon"}),
        # The repealed one ended on 2026-01-01: in force on 2025-12-15, not after.
        ("in_force=2025-12-15", {"in_force", "repealed", "expiring_soon"}),
        ("in_force=2026-01-15", {"in_force", "expiring_soon"}),
        ("in_force=2026-12-15", {"in_force", "in_force_long", "published", "expiring_soon"}),
        # Validity ending within N months of today (2026-11-02), documents still published or in force.
        ("expiring=3", {"expiring_soon"}),
        ("expiring=6", {"in_force", "expiring_soon"}),
        # The two made-up alerts, and the published document's own: it takes effect on 2026-12-01 (待施行).
        ("deadlines=1", {"in_force", "draft", "published"}),
        ("status=in_force&year=2026&in_force=2026-06-01", {"in_force_long"}),
        ("status=in_force&year=2025&in_force=2026-06-01&deadlines=1", {"in_force"}),
        ("kind=government&issuer={gov}&unit={enforcement}&status=drafting", {"draft"}),
    ],
)
def test_each_filter_lists_the_right_documents(reg, login_as, query, expected):
    units = {k: u.id for k, u in reg.w.units.items()}
    found = listed(login_as("clerk"), query.format(**units))
    assert set(found) == {getattr(reg, key) for key in expected}


def test_invalid_filter_values_are_ignored_with_a_warning(reg, login_as):
    r = login_as("clerk").get("/documents/?status=nonsense&year=abc&in_force=2026-13-01&expiring=999&sort=evil")
    assert len(ids(r)) == 8
    messages = flashes(r)
    assert any("状态" in m for m in messages) and any("年度" in m for m in messages)
    assert any("施行中日期" in m for m in messages) and any("有效期届满月数" in m for m in messages)


def test_the_filter_form_shows_the_current_values(reg, login_as):
    page = text(login_as("clerk").get(f"/documents/?status=in_force&year=2026&unit={reg.w.units['agri'].id}"))
    assert '<option value="in_force" selected>' in page
    assert 'name="year" min="1949" max="2200" value="2026"' in page
    assert f'<option value="{reg.w.units["agri"].id}" selected>' in page


# --- sorting -------------------------------------------------------------------------------------------------


def test_sort_by_title_both_ways(reg, login_as):
    c = login_as("clerk")
    # The first click sorts A→Z (by code point).
    titles = {i: _db.session.get(Document, i).title for i in listed(c, "sort=title")}
    assert list(titles.values()) == sorted(titles.values())
    assert listed(c, "sort=title&dir=desc") == list(reversed(list(titles)))


def test_sort_by_updated_ascending(reg, login_as):
    assert listed(login_as("clerk"), "dir=asc") == [
        reg.expiring_soon,
        reg.repealed,
        reg.published,
        reg.in_force_long,
        reg.in_force,
        reg.numbered,
        reg.draft_2025,
        reg.draft,
    ]


def test_sort_by_published_date_puts_unpublished_last_both_ways(reg, login_as):
    c = login_as("clerk")
    published = [reg.published, reg.in_force_long, reg.in_force, reg.expiring_soon, reg.repealed]
    unpublished_by_id = sorted([reg.draft, reg.draft_2025, reg.numbered], reverse=True)
    assert listed(c, "sort=published") == published + unpublished_by_id
    assert listed(c, "sort=published&dir=asc") == list(reversed(published)) + sorted(unpublished_by_id)


def test_sort_by_normative_number_is_by_year_then_serial_not_as_text(reg, login_as):
    c = login_as("clerk")
    # 〔2026〕10 after 〔2026〕2 (as text "10" < "2").
    numbered = [reg.in_force_long, reg.published, reg.numbered, reg.in_force, reg.expiring_soon, reg.repealed]
    assert listed(c, "sort=number")[:6] == numbered
    assert listed(c, "sort=number&dir=asc")[:6] == list(reversed(numbered))
    assert set(listed(c, "sort=number")[6:]) == {reg.draft, reg.draft_2025}


def test_column_headers_toggle_the_direction_and_keep_the_filters(reg, login_as):
    page = text(login_as("clerk").get("/documents/?status=in_force&sort=title"))
    link = re.search(r'href="([^"]+)" data-testid="sort-title"', page).group(1)
    assert "status=in_force" in link and "sort=title" in link and "dir=desc" in link
    link = re.search(r'href="([^"]+)" data-testid="sort-published"', page).group(1)
    assert "sort=published" in link and "dir=" not in link


def test_sort_keys_are_whitelisted(reg):
    rq = queries.RegisterQuery.from_args({"sort": "title; drop table documents", "dir": "sideways"})
    assert rq.sort == "updated" and rq.desc is True


# --- pages ---------------------------------------------------------------------------------------------------


def test_pages_split_the_list_and_keep_the_filter(app, reg, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    c = login_as("clerk")
    everything = []
    for page in (1, 2, 3):
        r = c.get(f"/documents/?page={page}")
        assert total(r) == 8
        everything += ids(r)
    assert len(everything) == 8 and len(set(everything)) == 8
    assert "下一页" not in text(c.get("/documents/?status=in_force"))  # three in force: one page, no pager
    r = c.get("/documents/?sort=title")
    nxt = re.search(r'href="([^"]+)">下一页', text(r)).group(1)
    assert "page=2" in nxt and "sort=title" in nxt


@pytest.mark.parametrize("query", ["sort=published", "sort=published&dir=asc", "sort=number", "sort=number&dir=asc"])
@pytest.mark.parametrize("per_page", [2, 3, 4])
def test_pages_sorted_by_a_publication_key_cross_into_the_unpublished_ones(
    app, reg, login_as, monkeypatch, query, per_page
):
    # Documents with the key come first (read through their publications), those without after them by id.
    c = login_as("clerk")
    everything = listed(c, query)
    monkeypatch.setitem(app.config, "PER_PAGE", per_page)
    paged = []
    for page in range(1, -(-8 // per_page) + 1):
        paged += ids(c.get(f"/documents/?{query}&page={page}"))
    assert paged == everything


def test_a_page_past_the_end_shows_the_last_page(app, reg, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 3)
    c = login_as("clerk")
    assert ids(c.get("/documents/?page=99")) == ids(c.get("/documents/?page=3"))
    assert len(ids(c.get("/documents/?page=0"))) == 3
    for odd in ("²", "-1", "1e3", "9" * 400, "abc"):
        assert ids(c.get(f"/documents/?page={odd}&year=²")) == ids(c.get("/documents/?page=1")), odd


# --- visibility ----------------------------------------------------------------------------------------------


def test_a_drafter_sees_own_units_documents_and_published_ones_only(reg, login_as):
    published = {reg.in_force, reg.in_force_long, reg.published, reg.repealed, reg.expiring_soon}
    assert set(listed(login_as("drafter"), "")) == published | {reg.draft, reg.numbered}
    assert set(listed(login_as("drafter2"), "")) == published | {reg.draft_2025}
    # Filters narrow what may be seen; they never widen it.
    assert listed(login_as("drafter2"), "status=drafting") == [reg.draft_2025]
    other_unit = set(listed(login_as("drafter2"), f"unit={reg.w.units['enforcement'].id}"))
    assert other_unit == {reg.in_force, reg.published, reg.repealed, reg.expiring_soon}


def test_every_role_may_read_the_register(reg, login_as):
    for role in ("admin", "reviewer", "clerk", "leader", "drafter", "drafter2"):
        assert login_as(role).get("/documents/").status_code == 200


# --- saved filters -------------------------------------------------------------------------------------------


def test_saved_filters_belong_to_their_user(db, reg, login_as):
    clerk, leader = login_as("clerk"), login_as("leader")
    r = clerk.post("/documents/filters", data={"name": "施行中 2026", "query": "status=in_force&year=2026"})
    path, query = redirect_target(r)
    assert path == "/documents/" and query == {"status": ["in_force"], "year": ["2026"]}
    assert "施行中 2026" in text(clerk.get("/documents/"))
    assert "施行中 2026" not in text(leader.get("/documents/"))

    saved = db.session.scalar(sa.select(SavedFilter).where(SavedFilter.name == "施行中 2026"))
    # Another user can neither use nor delete it: it does not exist for them.
    assert leader.post(f"/documents/filters/{saved.id}/delete").status_code == 404
    assert db.session.get(SavedFilter, saved.id) is not None

    # Its link opens the register with the saved query.
    page = text(clerk.get("/documents/"))
    assert 'href="/documents/?status=in_force&amp;year=2026"' in page
    assert listed(clerk, "status=in_force&year=2026") == [reg.in_force_long]

    r = clerk.post(f"/documents/filters/{saved.id}/delete")
    assert redirect_target(r)[0] == "/documents/"
    db.session.expire_all()
    assert db.session.get(SavedFilter, saved.id) is None


def test_saving_under_the_same_name_replaces_and_unknown_parameters_are_dropped(db, reg, login_as):
    clerk = login_as("clerk")
    clerk.post("/documents/filters", data={"name": "我的", "query": "status=in_force"})
    clerk.post("/documents/filters", data={"name": "我的", "query": "kind=department&evil=1&page=3&sort=number"})
    rows = db.session.scalars(sa.select(SavedFilter)).all()
    assert [(f.name, f.query) for f in rows] == [("我的", "kind=department&sort=number")]


def test_a_filter_needs_a_name(db, reg, login_as):
    r = login_as("clerk").post(
        "/documents/filters", data={"name": "  ", "query": "status=in_force"}, follow_redirects=True
    )
    assert "请输入筛选条件的名称。" in flashes(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SavedFilter)) == 0


def test_saving_a_filter_needs_the_csrf_token(app, db, reg, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    c = app.test_client()
    c.post("/login", data={"username": "clerk", "password": PASSWORD, "csrf_token": csrf_token(c.get("/login"))})
    assert c.post("/documents/filters", data={"name": "无令牌", "query": ""}).status_code == 400
    token = csrf_token(c.get("/documents/"))
    r = c.post("/documents/filters", data={"name": "有令牌", "query": "", "csrf_token": token})
    assert r.status_code == 302
    assert [f.name for f in db.session.scalars(sa.select(SavedFilter))] == ["有令牌"]


# --- the benchmark's generator (bench/register.py), small --------------------------------------------------


def test_the_benchmark_generator_builds_a_working_register(app, db):
    from bench.register import PASSWORD as BENCH_PASSWORD
    from bench.register import generate

    counts = generate(200, seed=3)
    assert counts["documents"] == 200 and counts["publications"] > 100 and counts["versions"] > 100
    c = app.test_client()
    assert c.post("/login", data={"username": "bench_clerk", "password": BENCH_PASSWORD}).status_code == 302
    assert total(c.get("/documents/")) == 200
    # Every document has its search row, and the index answers.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(search.DocumentSearch)) == 200
    r = c.get("/documents/", query_string={"q": "管理"})
    assert 0 < total(r) < 200 and "<mark>管理</mark>" in text(r)
    assert total(c.get("/documents/?q=沙府规字")) == counts["publications"]
    assert c.get("/documents/export.xlsx").status_code == 200
    # The ids the generator chose leave the sequences usable for the next document.
    from tracker.auth.models import User
    from tracker.documents.services import DocumentData, register_draft

    drafter = db.session.scalar(sa.select(User).where(User.username == "bench_drafter"))
    gov = db.session.scalar(sa.select(Unit.id).where(Unit.name == "沙溪镇人民政府"))
    title = "基准之后的新文件"
    data = DocumentData(title=title, kind=DocKind.GOVERNMENT, issuer_id=gov, drafting_unit_id=drafter.unit_id)
    assert register_draft(data, actor=drafter, now=datetime(2026, 11, 2, 2, tzinfo=UTC)).id > 200
