"""The city's view (issue 16, item 3, first part): each town's annual rates side by side with the city's total, and
what is overdue where. A town's row must be that town's own report, counted for that town only."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.pages import text
from tests.town import login
from tracker.auth import towns
from tracker.auth.models import Town, TownKind, User
from tracker.common.timeutil import now_utc, office_today
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.filing.models import FilingAttempt
from tracker.publication.queries import current_publication
from tracker.reports import stats as stats_module
from tracker.solicitations.models import Solicitation

RATES = ("review_rate", "publication_rate", "filing_rate", "on_time_rate")


def _row(page: str, town: str) -> dict[str, tuple[int, int]]:
    m = re.search(rf'<tr data-testid="city-town" data-town="{town}".*?</tr>', page, re.S)
    assert m, town
    cells = dict(re.findall(r'data-rate="(\w+)">[^<]*<span[^>]*>（(\d+/\d+)）', m.group(0)))
    overdue = dict(re.findall(r'data-overdue="(\w+)"[^>]*>(\d+)<', m.group(0)))
    return {k: tuple(map(int, v.split("/"))) for k, v in cells.items()} | {k: int(v) for k, v in overdue.items()}


def test_each_towns_row_is_its_own_report_and_the_total_adds_them_up(city):
    app = city
    with app.app_context():
        year = office_today(now_utc()).year
        page = text(login(app, "bureau").get(f"/city/?year={year}"))
        members = db.session.scalars(sa.select(Town).where(Town.kind != TownKind.CITY).order_by(Town.id)).all()
        assert [t.name for t in members] == ["沙溪镇", "大涌镇", "石岐街道"]
        totals = dict.fromkeys(RATES, (0, 0))
        for town in members:
            clerk = db.session.scalar(sa.select(User).where(User.town_id == town.id, User.role == "clerk"))
            with app.test_request_context():
                towns.enter(clerk)  # as the town's own clerk reads its annual statistics
                own = stats_module.count_year(year)
            row = _row(page, town.name)
            for key in RATES:
                expected = (own.rates[key].numerator, own.rates[key].denominator)
                assert row[key] == expected, (town.name, key)
                totals[key] = (totals[key][0] + expected[0], totals[key][1] + expected[1])
        total = re.search(r'<tr data-testid="city-total".*?</tr>', page, re.S).group(0)
        for key in RATES:
            assert f'data-rate="{key}">' in total and f"（{totals[key][0]}/{totals[key][1]}）" in total, key
        # The towns differ: 沙溪镇 published several documents this year, its neighbours one each.
        assert _row(page, "沙溪镇")["review_rate"][1] > _row(page, "大涌镇")["review_rate"][1]


def test_a_neighbours_row_counted_by_hand(city):
    """大涌镇: one document, published 60 days ago, filed six days later (on time), through the bureau."""
    app = city
    with app.app_context():
        doc = db.session.scalar(sa.select(Document).where(Document.title == "大涌镇农村人居环境整治管理办法"))
        pub = current_publication(doc)
        year = pub.published_on.year
        assert pub.signed_on.year == year and office_today(now_utc()) - pub.published_on == timedelta(days=60)
        row = _row(text(login(app, "bureau").get(f"/city/?year={year}")), "大涌镇")
    assert row == {
        "review_rate": (1, 1),
        "publication_rate": (1, 1),
        "filing_rate": (1, 1),
        "on_time_rate": (1, 1),
        "filing": 0,
        "correction": 0,
        "answer": 0,
    }


def test_overdue_counts_are_each_towns_and_follow_a_change(city):
    app = city
    with app.app_context():
        bureau = login(app, "bureau")
        row = _row(text(bureau.get("/city/")), "沙溪镇")
        # 沙溪镇's 出租屋安全管理规定 is past its correction date (tracker/demo.py); no town is past a filing date.
        assert (row["correction"], row["filing"]) == (1, 0)
        assert _row(text(bureau.get("/city/")), "石岐街道")["correction"] == 0  # its correction is due in 5 days
        # The bureau has not answered 沙溪镇's waiting submission in time once its due date is past.
        waiting = db.session.scalar(
            sa.select(FilingAttempt).where(FilingAttempt.in_product.is_(True), FilingAttempt.result.is_(None))
        )
        waiting.review_due_on = office_today(now_utc()) - timedelta(days=1)
        db.session.commit()
        assert _row(text(bureau.get("/city/")), "沙溪镇")["answer"] == 1
        assert _row(text(bureau.get("/city/")), "大涌镇")["answer"] == 0


@pytest.mark.parametrize("who", ["clerk", "leader", "dayong_clerk", "admin"])
def test_no_town_reads_the_citys_view(city, who):
    with city.app_context():
        assert login(city, who).get("/city/").status_code == 403


def test_a_year_out_of_range_is_not_found(city):
    with city.app_context():
        assert login(city, "bureau").get("/city/?year=1999").status_code == 404


def test_a_towns_annual_figures_count_its_own_records_only(city):
    """The figures are read in a few statements (UNION ALL of one SELECT per kind of record, tracker/reports/
    stats.py): each SELECT of them must still keep to the town. Every document behind every figure of a town's
    report is that town's, and its requests for comments are its own; the city holds more than one town's records
    of each kind, so a figure read across towns would show."""
    app = city
    with app.app_context():
        year = office_today(now_utc()).year
        members = db.session.scalars(sa.select(Town).where(Town.kind != TownKind.CITY).order_by(Town.id)).all()
        town_of = dict(
            db.session.execute(sa.select(Document.id, Document.town_id).execution_options(all_towns=True)).all()
        )
        with_opinions = 0
        for town in members:
            clerk = db.session.scalar(sa.select(User).where(User.town_id == town.id, User.role == "clerk"))
            with app.test_request_context():
                towns.enter(clerk)
                own = stats_module.count_year(year)
            for key, figure in own.figures.items():
                assert {town_of[d] for d in figure.document_ids} <= {town.id}, (town.name, key)
            for key, rate in own.rates.items():
                assert {town_of[d] for d in rate.denominator_ids} <= {town.id}, (town.name, key)
            received = db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Solicitation)
                .where(
                    Solicitation.town_id == town.id,
                    Solicitation.received_on.between(date(year, 1, 1), date(year, 12, 31)),
                )
                .execution_options(all_towns=True)
            )
            assert own.figures["solicitations"].breakdown["收到"] == received, town.name
            with_opinions += own.figures["opinions"].value > 0
        assert with_opinions >= 2  # more than one town issued opinions this year: a leak would be counted


def test_a_towns_annual_figures_are_read_in_four_statements(city):
    """Three reads of the records (the dated records, the first publications, the documents ended and in force)
    and the town's rules: as many for the demo's richest town as for a town with one document."""
    app = city
    with app.app_context():
        year = office_today(now_utc()).year
        read: list[str] = []

        def watch(*args) -> None:
            read.append(args[2])

        sa.event.listen(db.engine, "before_cursor_execute", watch)
        try:
            counts = []
            for name in ("沙溪镇", "大涌镇"):
                town = db.session.scalar(sa.select(Town).where(Town.name == name))
                clerk = db.session.scalar(sa.select(User).where(User.town_id == town.id, User.role == "clerk"))
                with app.test_request_context():
                    towns.enter(clerk)
                    read.clear()
                    stats_module.count_year(year)
                    counts.append(len(read))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", watch)
    assert counts == [4, 4]
