"""The charts of the leader's and the clerk's home pages (issue 14): the numbers behind them and their tables."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_document
from tests.pages import text
from tests.reports import year
from tracker.reports import charts, stats


def test_rates_by_month_split_the_years_rates_by_the_month_of_publication(db, world):
    y = year.build(world)
    months = {m.month: m for m in charts.rates_by_month(stats.annual(2025))}
    # tests/reports/year.py: R1 published in January, A1 March, A2 April (filed late), I1 May (imported, never
    # reviewed), A4 June (never filed), A7 and A5 December (A7 filed only after the year and late).
    assert {m: r.published for m, r in months.items() if r.published} == {1: 1, 3: 1, 4: 1, 5: 1, 6: 1, 12: 2}
    assert sum(r.published for r in months.values()) == stats.annual(2025).rates["filing_rate"].denominator
    percents = {m: r.percents for m, r in months.items() if r.published}
    assert percents == {
        1: {"review_rate": 100.0, "filing_rate": 100.0, "on_time_rate": 100.0},
        3: {"review_rate": 100.0, "filing_rate": 100.0, "on_time_rate": 100.0},
        4: {"review_rate": 100.0, "filing_rate": 100.0, "on_time_rate": 0.0},
        5: {"review_rate": 0.0, "filing_rate": 100.0, "on_time_rate": 100.0},
        6: {"review_rate": 100.0, "filing_rate": 0.0, "on_time_rate": None},
        12: {"review_rate": 100.0, "filing_rate": 50.0, "on_time_rate": 100.0},
    }
    assert months[2].percents == {"review_rate": None, "filing_rate": None, "on_time_rate": None}
    assert y.docs  # the year was built


def _chart_tables(page: str) -> dict[str, str]:
    """{chart testid: its data table's HTML}."""
    found = {}
    for testid, body in re.findall(r'<figure class="chart[^"]*" data-testid="([\w-]+)">(.*?)</figure>', page, re.S):
        table = re.search(r'<table data-testid="chart-data">(.*?)</table>', body, re.S)
        assert table, f"{testid} has no data table"
        assert re.search(r'<svg [^>]*role="img" aria-label="[^"]+（数据见下表）"', body), testid
        found[testid] = table.group(1)
    return found


@pytest.mark.parametrize("who", ["clerk", "leader"])
def test_the_clerk_and_the_leader_see_the_year_as_charts_with_tables(db, world, now, login_as, who):

    make_document(world, now, title="测试镇河道保洁管理办法")
    db.session.commit()
    page = text(login_as(who).get("/"))
    tables = _chart_tables(page)
    assert {"chart-rates", "chart-units", "chart-status"} <= set(tables)
    head = "".join(f'<th scope="col">{h}</th>' for h in ("月份", "审核率", "备案率", "报备及时率"))
    assert head in tables["chart-rates"]
    assert tables["chart-rates"].count("<tr>") == 13  # the head and twelve months
    assert '<th scope="row">起草中</th><td>1件</td>' in tables["chart-status"]


@pytest.mark.parametrize("who", ["admin", "reviewer", "drafter"])
def test_the_other_desks_have_no_year_charts(db, world, login_as, who):
    assert 'data-testid="year-charts"' not in text(login_as(who).get("/"))
