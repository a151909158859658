"""The city's annual statistics as a Word section: each town's rates and counts as that town counts itself, the
city's total their sum, in the official format."""

from __future__ import annotations

import sqlalchemy as sa

from tests.pages import text
from tests.town import login
from tests.word.steps import all_text, assert_official_format, tables_with_headings
from tracker.auth import towns
from tracker.auth.models import Town, TownKind, User
from tracker.city.figures import city_figures
from tracker.city.word import city_statistics_context
from tracker.common.timeutil import now_utc, office_today
from tracker.extensions import db
from tracker.reports import stats as stats_module

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RATES = ("review_rate", "publication_rate", "filing_rate", "on_time_rate")


def _cell(numerator: int, denominator: int) -> str:
    return "—" if denominator == 0 else f"{round(100 * numerator / denominator, 1):g}%\n（{numerator}/{denominator}）"


def test_each_towns_row_is_its_own_statistics_and_the_total_their_sum(city):
    app = city
    with app.app_context():
        year = office_today(now_utc()).year
        r = login(app, "city_leader").get(f"/city/statistics.docx?year={year}")
        assert r.status_code == 200 and r.mimetype == DOCX
        assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
        data = r.get_data()
        assert_official_format(data)
        body = all_text(data)
        assert body.startswith(f"中山市{year}年度各镇街行政规范性文件管理情况\n")
        assert f"一、总体情况\n{year}年，全市3个镇街共审查规范性文件" in body
        [(rates_heading, rates), (counts_heading, counts)] = tables_with_headings(data)
        assert (rates_heading, counts_heading) == ("二、各镇街主要比率", "三、各镇街主要数据")
        assert rates[0] == ["序号", "镇街", "合法性审查审核率", "统一发布率", "备案率", "报备及时率"]
        members = db.session.scalars(sa.select(Town).where(Town.kind != TownKind.CITY).order_by(Town.id)).all()
        sums = {key: [0, 0] for key in RATES}
        counted = {"reviewed": 0, "opinions": 0, "published": 0, "in_force": 0}
        for n, town in enumerate(members, start=1):
            clerk = db.session.scalar(sa.select(User).where(User.town_id == town.id, User.role == "clerk"))
            with app.test_request_context():
                towns.enter(clerk)  # as the town's own clerk reads its annual statistics
                own = stats_module.count_year(year)
            expected = [str(n), town.name]
            for key in RATES:
                rate = own.rates[key]
                expected.append(_cell(rate.numerator, rate.denominator))
                sums[key][0] += rate.numerator
                sums[key][1] += rate.denominator
            assert rates[n] == expected, town.name
            assert counts[n][:6] == [str(n), town.name, *(str(own.figures[k].value) for k in counted)], town.name
            for key in counted:
                counted[key] += own.figures[key].value
        assert rates[-1] == ["", "全市合计", *(_cell(*sums[key]) for key in RATES)]
        assert counts[-1][:6] == ["", "全市合计", *map(str, counted.values())]
        assert len(rates) == len(counts) == len(members) + 2  # header, the towns, the total
        page = text(login(app, "bureau").get(f"/city/?year={year}"))
        assert f"/city/statistics.docx?year={year}" in page


def test_a_year_without_records_says_so_in_one_sentence(city):
    with city.app_context():
        today = office_today(now_utc())
        figures = city_figures(
            db.session.scalar(sa.select(Town.id).where(Town.kind == TownKind.CITY)), year=2019, today=today
        )
        context = city_statistics_context(figures, city="中山市", counted_on=today)
        assert context["paragraph"].startswith("2019年，中山市各镇街没有审查、发布或备案规范性文件。")
        assert {row["review_rate"] for row in context["rates"]} == {"—"}


def test_no_town_reads_the_citys_word_statistics(city):
    with city.app_context():
        for who in ("clerk", "leader", "dayong_admin"):
            assert login(city, who).get("/city/statistics.docx").status_code == 403, who
