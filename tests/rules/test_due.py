"""Days left to a due date, said the way the step's rule counts: working days or calendar days."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.rules.calendar import WorkCalendar
from tracker.rules.due import counts_working_days, days_left

CAL = WorkCalendar()
FRI = date(2026, 10, 30)  # a Friday; 10-31 and 11-01 are the weekend, 11-02 a Monday


@pytest.mark.parametrize(
    "today, working, days, late, said",
    [
        (date(2026, 10, 27), True, 3, False, "剩 3 个工作日"),
        (date(2026, 10, 27), False, 3, False, "剩 3 日"),
        (FRI, True, 0, False, "今日到期"),
        # The Saturday after: late, though no working day has passed yet.
        (date(2026, 10, 31), True, 0, True, "已逾期"),
        (date(2026, 10, 31), False, -1, True, "逾期 1 日"),
        (date(2026, 11, 2), True, -1, True, "逾期 1 个工作日"),
        (date(2026, 11, 2), False, -3, True, "逾期 3 日"),
    ],
)
def test_days_left(today, working, days, late, said):
    left = days_left(today, FRI, working_days=working, calendar=CAL)
    assert (left.days, left.working_days, left.late, str(left)) == (days, working, late, said)


def test_a_rule_in_working_days_counts_working_days(db):
    assert counts_working_days("review_max") is True  # 15 working days
    assert counts_working_days("deliberation_pending") is True
    assert counts_working_days("filing_deadline") is False  # 15 calendar days
    assert counts_working_days("evaluation_lead") is False  # months: calendar days
    assert counts_working_days(None) is False  # a date set by a letter, no rule
