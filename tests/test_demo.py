"""The demo town: `flask demo load` on an empty database, its refusals, `setup`, and the demo logins."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from tests.conftest import _truncate_all
from tracker.alerts import scan
from tracker.audit.services import document_history
from tracker.auth import towns
from tracker.auth.models import Role, Town, TownKind, Unit, UnitKind, User
from tracker.auth.permissions import CITY_ROLES
from tracker.common.numbering import NumberCounter
from tracker.common.timeutil import now_utc
from tracker.demo import DEMO_PASSWORD, DEMO_USERS, NEIGHBOURS, neighbour_users
from tracker.documents.models import Document
from tracker.documents.states import DocStatus, FilingStatus
from tracker.extensions import db
from tracker.filing.models import Filing, FilingAttempt
from tracker.publication.models import Publication
from tracker.review.models import Opinion

NUMBER = re.compile(r"^(?P<prefix>\S+)〔(?P<year>\d{4})〕(?P<seq>[1-9]\d*)号$")


@dataclass
class Loaded:
    setup_first: object
    setup_second: object
    counts_after_setup: tuple[dict[str, int], dict[str, int]]
    load: object
    loaded_after: object


def row_counts() -> dict[str, int]:
    return {t.name: db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in db.metadata.sorted_tables}


@pytest.fixture(scope="module")
def loaded(app):
    """Empty every table, run `setup` twice, then `demo load` once for the whole module (it takes ~2 s)."""
    runner = app.test_cli_runner()
    with app.app_context():
        _truncate_all()
    setup_first = runner.invoke(args=["setup"])
    with app.app_context():
        after_first = row_counts()
    setup_second = runner.invoke(args=["setup"])
    with app.app_context():
        after_second = row_counts()
    load = runner.invoke(args=["demo", "load"])
    after = now_utc()
    assert load.exit_code == 0, load.output
    return Loaded(setup_first, setup_second, (after_first, after_second), load, after)


@pytest.fixture
def ctx(app, loaded):
    with app.app_context():
        yield
        db.session.remove()


def test_setup_adds_the_reference_data_once(loaded):
    assert loaded.setup_first.exit_code == 0
    added = int(re.search(r"added=(\d+)", loaded.setup_first.output).group(1))
    assert added > 0
    assert loaded.setup_second.exit_code == 0
    assert "added=0" in loaded.setup_second.output
    first, second = loaded.counts_after_setup
    assert first == second
    # The records' stamp is written by the migration itself (0012), the rest by setup.
    assert first.pop("record_stamps") == 1
    assert sum(first.values()) == added


def test_setup_on_the_loaded_demo_adds_nothing(app, loaded, ctx):
    before = row_counts()
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0
    assert "added=0" in result.output
    assert row_counts() == before


def test_demo_covers_every_status_with_twenty_documents_or_more(loaded, ctx):
    assert "演示数据已加载" in loaded.load.output
    docs = db.session.scalars(sa.select(Document)).all()
    assert len(docs) >= 20
    assert {d.status for d in docs} == set(DocStatus)
    # A filing is under way, registered and asked for correction somewhere in the town.
    assert {FilingStatus.SUBMITTED, FilingStatus.REGISTERED, FilingStatus.CORRECTION} <= {d.filing_status for d in docs}


def test_every_role_has_an_active_demo_user(loaded, ctx):
    users = db.session.scalars(sa.select(User).where(User.active.is_(True))).all()
    assert {u.role for u in users} == set(Role)
    others = {f"{slug}_{suffix}" for name, _k, slug, _s, gov in NEIGHBOURS for suffix, *_ in neighbour_users(name, gov)}
    assert {u.username for u in users} == {username for username, *_ in DEMO_USERS} | others


def test_the_demo_city_has_three_towns_each_with_its_own_people_and_documents(loaded, ctx):
    towns = db.session.scalars(sa.select(Town).order_by(Town.id)).all()
    city = [t for t in towns if t.kind is TownKind.CITY]
    assert len(city) == 1 and city[0].name == "中山市"
    members = [t for t in towns if t.parent_id == city[0].id]
    assert [t.name for t in members] == ["沙溪镇", "大涌镇", "石岐街道"]
    for town in members:
        people = db.session.scalars(sa.select(User).where(User.town_id == town.id)).all()
        assert {u.role for u in people} == set(Role) - CITY_ROLES, town.name
        assert all(u.unit.town_id == town.id for u in people)
        titles = db.session.scalars(sa.select(Document.title).where(Document.town_id == town.id)).all()
        assert titles and all(t.startswith(town.name) for t in titles), town.name
    # The bureau every town files with is the city's, and so is its 备案审查员.
    bureau = db.session.scalar(sa.select(Unit).where(Unit.kind == UnitKind.FILING_AUTHORITY))
    assert bureau.town_id == city[0].id
    [reviewer] = db.session.scalars(sa.select(User).where(User.role == Role.BUREAU)).all()
    assert (reviewer.town_id, reviewer.unit_id) == (city[0].id, bureau.id)


def _check_series(rows: list[tuple[str, int, int, str, object]]) -> dict[tuple[str, int], int]:
    """rows: (scope, year, seq, number, date). Returns the highest serial per (scope, year)."""
    numbers = [r[3] for r in rows]
    assert len(numbers) == len(set(numbers)), "a number was given twice"
    series = defaultdict(list)
    for scope, year, seq, number, day in rows:
        m = NUMBER.match(number)
        assert m, f"{number} is not written as 代字〔年份〕序号号"
        assert (int(m["year"]), int(m["seq"])) == (year, seq), number
        assert day.year == year, f"{number} dated {day}"
        series[scope, year].append((seq, day))
    for key, items in series.items():
        items.sort()
        assert [seq for seq, _ in items] == list(range(1, len(items) + 1)), f"gap or duplicate in {key}"
        # Serials are taken in the order things happened, as in the office: a later number never has an earlier date.
        days = [day for _, day in items]
        assert days == sorted(days), f"{key}: serials out of calendar order"
    return {key: len(items) for key, items in series.items()}


def _counters() -> dict[tuple[str, int], int]:
    return {(c.scope, c.year): c.last_value for c in db.session.scalars(sa.select(NumberCounter))}


def test_opinion_numbers_are_unique_and_consecutive_per_year(loaded, ctx):
    opinions = db.session.scalars(sa.select(Opinion)).all()
    assert len(opinions) >= 10
    # Each town's 司法所 has its own series (counter opinion:<town>), in its own pattern.
    last = _check_series([(f"opinion:{o.document.town_id}", o.year, o.seq, o.number, o.issued_on) for o in opinions])
    assert len({year for _, year in last}) >= 2
    assert len({scope for scope, _ in last}) == 3
    # The counters continue the series: the next opinion of each year gets the next number.
    assert {k: v for k, v in _counters().items() if k[0].startswith("opinion:")} == last


def test_publication_numbers_are_unique_and_consecutive_per_scope_and_year(loaded, ctx):
    pubs = db.session.scalars(sa.select(Publication)).all()
    assert len(pubs) >= 8
    issue = _check_series([(p.issue_scope, p.issue_year, p.issue_seq, p.issue_number, p.signed_on) for p in pubs])
    normative = _check_series(
        [(p.normative_scope, p.normative_year, p.normative_seq, p.normative_number, p.signed_on) for p in pubs]
    )
    assert len({scope for scope, _ in issue}) >= 2  # two issuers (镇政府, 镇政府办)
    counters = _counters()
    # The 报告 and 函 series (filing reports, replies) are the issuers' other series: see the next test.
    documents = {
        k: v
        for k, v in counters.items()
        if not k[0].startswith(("opinion:", "filing_opinion:")) and not k[0].endswith(("报", "函"))
    }
    assert documents == issue | normative


def test_the_bureaus_written_opinions_are_one_series_for_the_city(loaded, ctx):
    answered = db.session.scalars(sa.select(FilingAttempt).where(FilingAttempt.opinion_number.is_not(None))).all()
    assert len(answered) >= 2  # 大涌镇's registered, 石岐街道's correction
    city = db.session.scalar(sa.select(Town.id).where(Town.kind == TownKind.CITY))
    rows = []
    for a in answered:
        m = NUMBER.match(a.opinion_number)
        assert m and a.opinion_number.startswith("中司备审"), a.opinion_number
        rows.append((f"filing_opinion:{city}", int(m["year"]), int(m["seq"]), a.opinion_number, a.result_on))
        assert a.in_product and a.accepted_on and a.reviewer_id
    last = _check_series(rows)
    assert {k: v for k, v in _counters().items() if k[0].startswith("filing_opinion:")} == last


def test_filing_reports_are_numbered_in_the_issuers_report_series(loaded, ctx):
    filings = db.session.scalars(sa.select(Filing).where(Filing.report_number.is_not(None))).all()
    assert len(filings) >= 8  # every filing of the demo has its report
    rows = []
    for f in filings:
        m = NUMBER.match(f.report_number)
        assert m and m["prefix"].endswith("报"), f.report_number
        rows.append((f"issue:{m['prefix']}", int(m["year"]), int(m["seq"]), f.report_number, None))
    numbers = [r[3] for r in rows]
    assert len(numbers) == len(set(numbers))
    series = defaultdict(list)
    for scope, year, seq, *_ in rows:
        series[scope, year].append(seq)
    assert all(sorted(seqs) == list(range(1, len(seqs) + 1)) for seqs in series.values())
    assert {k: v for k, v in _counters().items() if k[0].endswith("报")} == {k: len(v) for k, v in series.items()}


def test_every_timeline_starts_with_registration_and_replays_to_the_current_state(loaded, ctx):
    docs = db.session.scalars(sa.select(Document).order_by(Document.id)).all()
    for doc in docs:
        timeline = document_history(doc.id)
        assert timeline[0].action == "document.register", doc.title
        assert doc.title in timeline[0].summary
        instants = [e.occurred_at for e in timeline]
        assert instants == sorted(instants)
        assert instants[-1] <= loaded.loaded_after, f"{doc.title}: an event in the future"
        state = {"status": DocStatus.DRAFTING.value, "filing_status": FilingStatus.NOT_SUBMITTED.value}
        for event in timeline:
            if not event.action.startswith("transition."):
                continue
            ((field, before),) = event.before.items()
            assert before == state[field], f"{doc.title}: {event.action} from {before}, but it was {state[field]}"
            state[field] = event.after[field]
        assert state == {"status": doc.status.value, "filing_status": doc.filing_status.value}, doc.title


def test_demo_load_refuses_a_loaded_database_and_changes_nothing(app, loaded, ctx):
    before = row_counts()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "已有数据" in result.output
    db.session.expire_all()
    assert row_counts() == before


def test_demo_load_if_empty_on_a_loaded_database_is_a_no_op(app, loaded, ctx):
    before = row_counts()
    result = app.test_cli_runner().invoke(args=["demo", "load-if-empty"])
    assert result.exit_code == 0
    assert "演示数据已加载" not in result.output
    assert row_counts() == before


@pytest.mark.parametrize("username,name,role", [(u, n, r) for u, n, r, _unit, _pw in DEMO_USERS])
def test_each_demo_login_works(app, loaded, username, name, role):
    client = app.test_client()
    r = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    # The bureau's home is its desk, a city leader's the towns side by side.
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    # The name in the bar; role and unit in its tooltip (they show in full on wide screens).
    assert f">{name}<" in page and f'title="{role.label}，' in page


def test_the_public_library_lists_every_towns_published_documents_and_a_town_only_its_own(app, loaded, ctx):
    neighbour = db.session.scalar(sa.select(Document).where(Document.title == "大涌镇农村人居环境整治管理办法"))
    draft = db.session.scalar(sa.select(Document).where(Document.title == "大涌镇临时占用道路管理规定"))
    anonymous = app.test_client()
    listing = anonymous.get("/public/?q=人居环境").get_data(as_text=True)
    assert "中山市行政规范性文件库" in listing
    assert "大涌镇农村" in listing and "石岐街道农村" in listing  # (the words searched for are highlighted)
    assert neighbour.title in anonymous.get(f"/public/documents/{neighbour.id}").get_data(as_text=True)
    assert anonymous.get(f"/public/documents/{draft.id}").status_code == 404  # under review: not published
    clerk = app.test_client()
    assert clerk.post("/login", data={"username": "clerk", "password": DEMO_PASSWORD}).status_code == 302
    assert clerk.get(f"/public/documents/{neighbour.id}").status_code == 200  # signed in or not, the same library
    assert clerk.get(f"/documents/{neighbour.id}").status_code == 404  # not in 沙溪镇's register
    dayong = app.test_client()
    assert dayong.post("/login", data={"username": "dayong_clerk", "password": DEMO_PASSWORD}).status_code == 302
    assert neighbour.title in dayong.get(f"/documents/{neighbour.id}").get_data(as_text=True)


def test_the_public_library_filters_by_town(app, loaded, ctx):
    anonymous = app.test_client()
    page = anonymous.get("/public/").get_data(as_text=True)
    names = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', page.split('id="town"')[1].split("</select>")[0])
    assert [name for _id, name in names] == ["沙溪镇", "大涌镇", "石岐街道"]
    dayong = next(int(i) for i, name in names if name == "大涌镇")
    published = db.session.scalars(
        sa.select(Document.title).join(Publication).where(Publication.published_on.is_not(None))
    ).all()
    only = anonymous.get(f"/public/?town={dayong}").get_data(as_text=True)
    assert "大涌镇农村人居环境整治管理办法" in only
    assert not [t for t in published if not t.startswith("大涌镇") and t in only]
    assert 'public-total">共 1 件' in only
    # A town number that is not one: said, and the whole library shown.
    bad = anonymous.get("/public/?town=abc").get_data(as_text=True)
    assert "镇街不正确，已按全部镇街显示。" in bad and "沙溪镇出租屋安全管理规定" in bad


def test_a_towns_request_reads_only_the_parts_of_its_own_documents(app, loaded, ctx):
    """Publications, opinions, versions… carry no town of their own: they are read where their document is."""
    clerk = db.session.scalar(sa.select(User).where(User.username == "clerk"))
    for model in (Publication, Opinion, Filing):
        total = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        own = db.session.scalar(
            sa.select(sa.func.count()).select_from(model).join(Document).where(Document.town_id == clerk.town_id)
        )
        with app.test_request_context("/"):
            towns.enter(clerk)
            scoped = db.session.scalar(sa.select(sa.func.count()).select_from(model))
        assert scoped == own < total, model.__name__


def test_each_due_source_finds_something_only_in_the_states_it_declares(loaded, ctx):
    """The document page asks a source only when the document is in one of its states (alerts/scan.DUE_WHEN): over
    every demo document, on days from now to years ahead, no source finds anything outside its states."""
    today = loaded.loaded_after.date()
    found = 0
    for years in (0, 1, 3, 6):
        day = today + relativedelta(years=years)
        for source, when in scan.DUE_WHEN.items():
            items = source(day)
            found += len(items)
            docs = {i.key: db.session.get(Document, i.document_id) for i in items if i.document_id}
            outside = [key for key, doc in docs.items() if not when.holds(doc)]
            assert not outside, (source.__name__, outside)
    assert found > 0


def test_a_documents_due_items_are_the_scans_items_of_that_document(loaded, ctx):
    """Asking only the sources that can answer loses nothing: for every demo document, on days ahead too."""
    docs = db.session.scalars(sa.select(Document)).all()
    for years in (0, 3):
        day = loaded.loaded_after.date() + relativedelta(years=years)
        by_document = defaultdict(set)
        for item in scan.due_items(day, solicitations=(), campaigns=()):
            by_document[item.document_id].add((item.kind, item.key))
        assert any(by_document.values())
        for doc in docs:
            assert {(i.kind, i.key) for i in scan.document_due_items(day, doc)} == by_document[doc.id], doc.title
