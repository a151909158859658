"""Importing an official schedule: a year is confirmed only when its whole schedule is known (docs/rules.md §3)."""

from __future__ import annotations

from tests.factories import at, d
from tracker.rules.calendar import estimated_rest_days, parse_schedule_csv
from tracker.rules.services import compute_due, import_schedule, load_calendar


def test_a_partial_schedule_does_not_confirm_its_year(db, world):
    """Four lines for 元旦 2027 say nothing about 春节: dates in 春节 2027 keep their provisional mark."""
    new_year = "date,kind,source\n" + "".join(f"2027-01-0{i},holiday,国办发明电〔2026〕X号\n" for i in (1, 2, 3))
    report = import_schedule(
        parse_schedule_csv(new_year + "2027-01-04,workday,国办发明电〔2026〕X号\n"),
        actor=world["admin"],
        now=at(d("2026-12-01"), 10),
    )
    db.session.commit()
    assert report.confirmed_years == [] and d("2027-02-06") in report.partial_years[2027]
    assert any("2027年未确认" in line for line in report.lines())
    calendar = load_calendar()
    assert calendar.is_provisional_year(2027)
    assert not calendar.is_working_day(d("2027-01-01")) and calendar.is_working_day(d("2027-01-04"))
    assert compute_due("filing_deadline", d("2027-01-25"), calendar=calendar).provisional


def test_a_schedule_covering_every_statutory_holiday_confirms_its_year(db, world):
    rows = "".join(f"{day.isoformat()},holiday,测试用完整安排\n" for day in sorted(estimated_rest_days(2027)))
    report = import_schedule(
        parse_schedule_csv("date,kind,source\n" + rows), actor=world["admin"], now=at(d("2026-12-01"), 10)
    )
    db.session.commit()
    assert report.confirmed_years == [2027] and report.partial_years == {}
    assert not load_calendar().is_provisional_year(2027)
