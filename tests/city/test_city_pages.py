"""The city's pages beyond the side-by-side rates (issue 16, item 3): the city's leader, the documents in force
across the city with search, and the city's statistics and catalogue as workbooks."""

from __future__ import annotations

import io
import re

import openpyxl
import sqlalchemy as sa

from tests.pages import text
from tests.town import login
from tracker.auth import towns
from tracker.auth.models import Role, Town, TownKind, User
from tracker.city import views as city_views
from tracker.common.timeutil import now_utc, office_today
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.publication.queries import in_force_filter
from tracker.reports import stats as stats_module


def _in_force_by_town() -> dict[str, set[str]]:
    """Every town's documents in force today, read straight from the tables (no scope: a command's view)."""
    today = office_today(now_utc())
    rows = db.session.execute(
        sa.select(Town.name, Document.title)
        .join(Town, Town.id == Document.town_id)
        .where(in_force_filter(today))
        .execution_options(all_towns=True)
    ).all()
    out: dict[str, set[str]] = {}
    for town, title in rows:
        out.setdefault(town, set()).add(title)
    return out


def _titles(page: str) -> set[str]:
    rows = re.findall(r'<tr data-testid="city-document-row">\s*<td class="col-title">(.*?)</td>', page, re.S)
    return {re.sub(r"<[^>]+>", "", r).split("\n")[0].strip() for r in rows}


def test_the_city_leader_reads_the_citys_pages_and_nothing_of_a_towns(city):
    with city.app_context():
        leader = db.session.scalar(sa.select(User).where(User.username == "city_leader"))
        assert leader.role is Role.CITY_LEADER and leader.town.kind is TownKind.CITY
        c = login(city, "city_leader")
        home = c.get("/")
        assert home.status_code == 302 and home.headers["Location"].endswith("/city/")
        page = text(c.get("/city/"))
        assert 'data-town="大涌镇"' in page and "全市合计" in page
        assert "全市现行文件" in page and "备案审查</a>" not in page  # its navigation: the city's pages only
        assert c.get("/city/documents").status_code == 200
        # The bureau's desk is the bureau's; the towns' pages are the towns'.
        for url in ("/bureau/", "/documents/", "/reports/annual", "/cleanup/", "/solicitations/", "/api/v1/documents"):
            assert c.get(url).status_code in (401, 403), url


def test_documents_in_force_across_the_city_are_every_towns_and_only_those(city):
    with city.app_context():
        expected = _in_force_by_town()
        assert {"沙溪镇", "大涌镇", "石岐街道"} <= set(expected)
        page = text(login(city, "bureau").get("/city/documents"))
        shown = _titles(page)
        assert shown == set().union(*expected.values())
        assert f"共 {len(shown)} 件（现行有效）" in page
        # One town at a time.
        dayong = db.session.scalar(sa.select(Town.id).where(Town.name == "大涌镇"))
        assert _titles(text(login(city, "city_leader").get(f"/city/documents?town={dayong}"))) == expected["大涌镇"]


def test_the_citys_catalogue_searches_and_keeps_every_state_through_its_pages(city):
    with city.app_context():
        c = login(city, "bureau")
        # 人居环境 is in the title of one document in force in each of two towns, and in none of 沙溪镇's.
        titles = _titles(text(c.get("/city/documents?q=人居环境")))
        assert titles == {"大涌镇农村人居环境整治管理办法", "石岐街道农村人居环境整治管理办法"}
        every = text(c.get("/city/documents?state=all"))
        in_force = text(c.get("/city/documents"))
        total = lambda page: int(re.search(r'data-testid="city-documents-total">共 (\d+) 件', page).group(1))  # noqa: E731
        assert total(every) > total(in_force)  # repealed, expired and amended documents too
        assert "已废止" in every or "已被修改" in every or "有效期届满失效" in every
        # A wrong filter is said in Chinese, and the rest of the search still applies.
        wrong = text(c.get("/city/documents?year=abc"))
        assert "年份应为" in wrong and total(wrong) == total(in_force)


def test_the_catalogue_workbook_lists_what_the_page_counts(city):
    with city.app_context():
        c = login(city, "city_leader")
        expected = _in_force_by_town()
        r = c.get("/city/documents.xlsx")
        assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
        sheet = openpyxl.load_workbook(io.BytesIO(r.get_data())).active
        rows = [row for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)]
        header = next(row for row in sheet.iter_rows(values_only=True) if row[0] == "序号")
        assert header[:3] == ("序号", "镇街", "文件名称")
        assert {(row[1], row[2]) for row in rows} == {(t, d) for t, docs in expected.items() for d in docs}
        assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
        assert {row[9] for row in rows} == {"现行有效"}


def test_the_statistics_workbook_is_the_page_with_each_towns_own_counts(city):
    app = city
    with app.app_context():
        year = office_today(now_utc()).year
        r = login(app, "bureau").get(f"/city/statistics.xlsx?year={year}")
        assert r.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(r.get_data()))
        assert book.sheetnames == ["各镇街比率", "各镇街数量"]
        rates = {row[0]: row for row in book["各镇街比率"].iter_rows(values_only=True) if row[0]}
        counts = {row[0]: row for row in book["各镇街数量"].iter_rows(values_only=True) if row[0]}
        header = counts["镇街"]
        sums = [0] * (len(header) - 1)
        for town in db.session.scalars(sa.select(Town).where(Town.kind != TownKind.CITY)):
            clerk = db.session.scalar(sa.select(User).where(User.town_id == town.id, User.role == "clerk"))
            with app.test_request_context():
                towns.enter(clerk)
                own = stats_module.count_year(year)
            review = own.rates["review_rate"]
            # Rate columns: town, then (percent, numerator, denominator) per rate, review first.
            assert rates[town.name][2:4] == (review.numerator, review.denominator), town.name
            figures = {fig.label: fig.value for fig in own.figures.values()}
            assert counts[town.name][1:] == tuple(figures[label] for label in header[1:]), town.name
            sums = [a + b for a, b in zip(sums, counts[town.name][1:], strict=True)]
        assert list(counts["全市合计"][1:]) == sums


def test_no_town_reads_the_citys_workbooks_or_catalogue(city):
    with city.app_context():
        for who in ("clerk", "leader", "dayong_admin"):
            c = login(city, who)
            for url in ("/city/documents", "/city/documents.xlsx", "/city/statistics.xlsx"):
                assert c.get(url).status_code == 403, (who, url)


def test_the_catalogues_pages_keep_the_state_chosen(city, monkeypatch):
    monkeypatch.setattr(city_views, "PER_PAGE", 2)
    with city.app_context():
        c = login(city, "city_leader")
        first = text(c.get("/city/documents?state=all"))
        following = re.search(r'<a class="page-link" href="([^"]+)">下一页</a>', first)
        assert following and "state=all" in following.group(1) and "page=2" in following.group(1)
        second = text(c.get(following.group(1).replace("&amp;", "&")))
        assert "第 2 /" in second and not _titles(second) & _titles(first)
        # In force is the default, and its pages say nothing else.
        default = re.search(r'<a class="page-link" href="([^"]+)">下一页</a>', text(c.get("/city/documents")))
        assert default and "state=in_force" in default.group(1)
