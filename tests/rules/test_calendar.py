"""Tests for tracker.rules.calendar.

Every expected date below is written by hand from the official State Council schedules quoted in
docs/rules.md §3 (2025, 2026) or from the almanac (2027 lunar festivals, Qingming), and counted by hand
on a wall calendar; none is produced by the code under test.
"""

from dataclasses import FrozenInstanceError
from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from tests.factories import d
from tracker.rules import calendar as cal
from tracker.rules.calendar import (
    CalendarRangeError,
    Due,
    ScheduleEntry,
    ScheduleError,
    WorkCalendar,
    estimated_rest_days,
    missing_holidays,
    parse_schedule_csv,
    qingming_by_astronomy,
    qingming_day,
    statutory_holidays,
)


def days(first: str, last: str) -> list[date]:
    start, end = d(first), d(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# --- Official schedules, copied from docs/rules.md §3 -------------------------------------------

MAKEUP_2025 = ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"]
HOLIDAYS_2025 = [
    d("2025-01-01"),
    *days("2025-01-28", "2025-02-04"),
    *days("2025-04-04", "2025-04-06"),
    *days("2025-05-01", "2025-05-05"),
    *days("2025-05-31", "2025-06-02"),
    *days("2025-10-01", "2025-10-08"),
]
MAKEUP_2026 = ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"]
HOLIDAYS_2026 = [
    *days("2026-01-01", "2026-01-03"),
    *days("2026-02-15", "2026-02-23"),
    *days("2026-04-04", "2026-04-06"),
    *days("2026-05-01", "2026-05-05"),
    *days("2026-06-19", "2026-06-21"),
    *days("2026-09-25", "2026-09-27"),
    *days("2026-10-01", "2026-10-07"),
]


def test_package_covers_2025_and_2026_but_not_2027():
    # chinesecalendar is pinned at 1.11.0 (data up to 2026). If an upgrade ships 2027, the
    # "provisional" examples below must move to the first year it does not know.
    known = WorkCalendar().known_years()
    assert {2025, 2026} <= known
    assert 2027 not in known, "chinesecalendar now knows 2027: move the provisional examples to 2028"
    assert WorkCalendar().is_provisional_year(2027)
    assert not WorkCalendar().is_provisional_year(2026)


def test_confirmed_years_are_known():
    c = WorkCalendar(confirmed_years={2027})
    assert 2027 in c.known_years()
    assert not c.is_provisional_year(2027)
    assert c.is_provisional_year(2028)


@pytest.mark.parametrize("iso", MAKEUP_2025 + MAKEUP_2026)
def test_official_makeup_workdays_are_working_days(iso):
    assert d(iso).weekday() >= 5  # each one is a Saturday or Sunday
    assert WorkCalendar().is_working_day(d(iso))


@pytest.mark.parametrize("day", HOLIDAYS_2025 + HOLIDAYS_2026, ids=str)
def test_official_holidays_are_not_working_days(day):
    assert not WorkCalendar().is_working_day(day)


@pytest.mark.parametrize(
    "iso, working",
    [
        ("2025-01-26", True),  # Sunday, 春节 make-up workday
        ("2025-05-05", False),  # Monday inside 劳动节
        ("2025-03-01", False),  # ordinary Saturday
        ("2025-03-03", True),  # ordinary Monday
        ("2026-10-05", False),  # Monday inside 国庆
        ("2026-10-10", True),  # Saturday, 国庆 make-up workday
        ("2026-10-11", False),  # the Sunday after it
        ("2026-10-08", True),  # first working day after 国庆
    ],
)
def test_is_working_day_examples(iso, working):
    assert WorkCalendar().is_working_day(d(iso)) is working


def test_whole_year_working_day_counts():
    # 2025: 261 weekdays − 18 weekday holidays + 5 make-up days; 2026: 261 − 19 + 6 (counted by hand).
    c = WorkCalendar()
    assert c.working_days_between(d("2024-12-31"), d("2025-12-31")) == 248
    assert c.working_days_between(d("2025-12-31"), d("2026-12-31")) == 248


def test_datetime_is_treated_as_its_date():
    assert WorkCalendar().is_working_day(datetime(2026, 10, 10, 9, 30))
    assert WorkCalendar().add_working_days(datetime(2026, 9, 24, 17, 0), 15) == Due(d("2026-10-22"), False)


# --- Working-day deadlines -------------------------------------------------------------------


def test_15_wd_across_mid_autumn_and_national_day_2026():
    # Count: 9-25..27 中秋 off; 9-28, 29, 30 (3); 10-1..7 国庆 off; 10-8, 9 (5); 10-10 Sat make-up (6);
    # 10-12..16 (11); 10-19, 20, 21, 22 (15).
    assert WorkCalendar().due(d("2026-09-24"), 15, "wd") == Due(d("2026-10-22"), False)


def test_5_wd_across_spring_festival_2026():
    # From Thu 2-12: 2-13 Fri (1); 2-14 Sat make-up (2); 2-15..23 off; 2-24 (3), 25 (4), 26 (5).
    assert WorkCalendar().due(d("2026-02-12"), 5, "wd") == Due(d("2026-02-26"), False)


def test_counting_starts_the_day_after_start():
    # Start on a working Monday: 1 WD is the Tuesday, not the Monday itself.
    assert WorkCalendar().add_working_days(d("2026-03-02"), 1) == Due(d("2026-03-03"), False)
    # Start on the eve of a holiday: the first working day after 国庆 2025 is 10-09 (10-11 Sat is next).
    assert WorkCalendar().add_working_days(d("2025-09-30"), 1) == Due(d("2025-10-09"), False)
    assert WorkCalendar().add_working_days(d("2025-09-30"), 3) == Due(d("2025-10-11"), False)


# --- Calendar-day deadlines --------------------------------------------------------------------


def test_cd_ending_on_national_day_rolls_to_next_working_day():
    # 9-16 + 15 CD = 10-01 (holiday); 10-01..07 off → 10-08.
    assert WorkCalendar().due(d("2026-09-16"), 15, "cd") == Due(d("2026-10-08"), False)


def test_cd_ending_on_makeup_saturday_does_not_roll():
    # 9-25 + 15 CD = 10-10, a Saturday but an official working day.
    assert WorkCalendar().due(d("2026-09-25"), 15, "cd") == Due(d("2026-10-10"), False)


def test_cd_ending_on_ordinary_weekend_rolls_to_monday():
    # 3-06 + 15 CD = 3-21 (Saturday) → Monday 3-23.
    assert WorkCalendar().due(d("2026-03-06"), 15, "cd") == Due(d("2026-03-23"), False)


def test_cd_ending_on_working_day_is_unchanged():
    assert WorkCalendar().due(d("2026-03-02"), 30, "cd") == Due(d("2026-04-01"), False)


# --- Years the package does not know (2027) --------------------------------------------------


def test_statutory_holidays_2027():
    # 2027 almanac: 正月初一 = 02-06 (除夕 02-05), 清明 04-05, 端午 06-09, 中秋 09-15.
    assert statutory_holidays(2027) == {
        d("2027-01-01"),
        d("2027-02-05"),
        d("2027-02-06"),
        d("2027-02-07"),
        d("2027-02-08"),
        d("2027-04-05"),
        d("2027-05-01"),
        d("2027-05-02"),
        d("2027-06-09"),
        d("2027-09-15"),
        d("2027-10-01"),
        d("2027-10-02"),
        d("2027-10-03"),
    }


@pytest.mark.parametrize(
    "festival, iso",
    [
        ("元旦", "2027-01-01"),
        ("除夕", "2027-02-05"),
        ("正月初一", "2027-02-06"),
        ("正月初三", "2027-02-08"),
        ("清明", "2027-04-05"),
        ("劳动节第二天", "2027-05-02"),
        ("端午", "2027-06-09"),
        ("中秋", "2027-09-15"),
        ("国庆第三天", "2027-10-03"),
    ],
)
def test_each_2027_statutory_holiday(festival, iso):
    assert d(iso) in statutory_holidays(2027), festival


def test_statutory_holidays_returns_a_copy():
    statutory_holidays(2027).clear()
    assert len(statutory_holidays(2027)) == 13


@pytest.mark.parametrize(
    "iso, working",
    [
        ("2027-02-05", False),  # 除夕, Friday
        ("2027-02-08", False),  # 初三, Monday
        ("2027-02-09", False),  # 补假 for 初一 (Saturday), Art. 6
        ("2027-02-10", False),  # 补假 for 初二 (Sunday)
        ("2027-02-11", True),  # no guessed extra rest days beyond the 补假
        ("2027-05-01", False),  # 劳动节 on a Saturday …
        ("2027-05-03", False),  # … made up on Monday
        ("2027-05-04", False),  # and 05-02 (Sunday) on Tuesday
        ("2027-05-05", True),
        ("2027-02-20", False),  # no guessed make-up Saturday
        ("2027-09-15", False),  # 中秋, Wednesday
    ],
)
def test_provisional_2027_uses_weekdays_minus_statutory_holidays_and_their_makeup(iso, working):
    assert WorkCalendar().is_working_day(d(iso)) is working


def test_wd_deadline_into_2027_is_provisional():
    # 12-28..31 (4); 2027-01-01 Fri 元旦 off; 1-4..8 (9); 1-11..15 (14); 1-18 (15).
    assert WorkCalendar().due(d("2026-12-25"), 15, "wd") == Due(d("2027-01-18"), True)


def test_wd_deadline_ending_in_2026_is_not_provisional():
    # 12-28, 29, 30, 31 — the last one is 2026-12-31.
    assert WorkCalendar().due(d("2026-12-25"), 4, "wd") == Due(d("2026-12-31"), False)


def test_cd_deadline_rolling_into_2027_is_provisional():
    # 12-20 + 12 CD = 2027-01-01 (元旦, Friday) → Monday 01-04.
    assert WorkCalendar().due(d("2026-12-20"), 12, "cd") == Due(d("2027-01-04"), True)


def test_wd_deadline_across_2027_spring_festival_provisional():
    # From Fri 1-29: 2-1..4 (4); 2-5 除夕 … 2-8 初三 off, 2-9 and 2-10 补假 (初一, 初二 fall on the weekend);
    # 2-11, 12 (6); 2-15 (7) … 2-18 (10), 2-19 (11).
    c = WorkCalendar()
    assert c.due(d("2027-01-29"), 10, "wd") == Due(d("2027-02-18"), True)
    assert c.due(d("2027-01-29"), 11, "wd") == Due(d("2027-02-19"), True)


# A *fictitious* 2027 schedule for the tests (the real one is whatever the State Council publishes):
# three extra rest days after 初三 and a Saturday make-up workday.
FICTITIOUS_2027 = {
    d("2027-02-09"): "holiday",
    d("2027-02-10"): "holiday",
    d("2027-02-11"): "holiday",
    d("2027-02-20"): "workday",
}


def test_imported_2027_schedule_confirms_and_is_honoured():
    c = WorkCalendar(overrides=FICTITIOUS_2027, confirmed_years={2027})
    # 2-1..4 (4); 2-5..2-11 off (statutory + imported); 2-12 (5); 2-15..19 (10); Sat 2-20 make-up (11).
    assert c.due(d("2027-01-29"), 10, "wd") == Due(d("2027-02-19"), False)
    assert c.due(d("2027-01-29"), 11, "wd") == Due(d("2027-02-20"), False)
    assert not c.is_working_day(d("2027-02-10"))
    assert c.is_working_day(d("2027-02-20"))


def test_import_also_fixes_cross_year_deadline():
    c = WorkCalendar(overrides=FICTITIOUS_2027, confirmed_years={2027})
    assert c.due(d("2026-12-25"), 15, "wd") == Due(d("2027-01-18"), False)


def test_overrides_without_confirmation_are_honoured_but_provisional():
    c = WorkCalendar(overrides=FICTITIOUS_2027)
    assert c.due(d("2027-01-29"), 11, "wd") == Due(d("2027-02-20"), True)


def test_confirmed_2027_does_not_confirm_2028():
    c = WorkCalendar(overrides=FICTITIOUS_2027, confirmed_years={2027})
    # 12-27 Mon … 12-31 Fri (5); 2028-01-01 元旦 is a Saturday, made up on Monday 01-03; 01-04 (6).
    assert c.due(d("2027-12-24"), 6, "wd") == Due(d("2028-01-04"), True)
    assert c.due(d("2027-12-24"), 5, "wd") == Due(d("2027-12-31"), False)


def test_override_wins_over_package_data():
    # A (fictitious) correction notice making Friday 2026-10-09 a rest day pushes the 15th WD by one.
    c = WorkCalendar(overrides={d("2026-10-09"): "holiday"})
    assert c.due(d("2026-09-24"), 15, "wd") == Due(d("2026-10-23"), False)
    c = WorkCalendar(overrides={d("2026-10-10"): "holiday"})
    assert not c.is_working_day(d("2026-10-10"))


def test_override_kind_is_validated():
    with pytest.raises(ValueError, match="holiday 或 workday"):
        WorkCalendar(overrides={d("2027-02-09"): "rest"})


# --- Cross-checks between the two sources ------------------------------------------------------

FESTIVAL_LABEL = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明": "Tomb-sweeping Day",
    "劳动节": "Labour Day",
    "端午": "Dragon Boat Festival",
    "中秋": "Mid-autumn Festival",
    "国庆": "National Day",
}


@pytest.mark.parametrize("year", [2025, 2026])
def test_statutory_holidays_match_the_package(year):
    # The 2024 revision applies from 2025: every computed statutory day must be a holiday in the
    # package's official data, labelled with the same festival.
    computed = statutory_holidays(year)
    assert len(computed) == 13
    for day in computed:
        assert day in chinese_calendar.holidays, day
    labels = sorted(chinese_calendar.holidays[day] for day in computed)
    expected = sorted(
        [FESTIVAL_LABEL["元旦"]]
        + [FESTIVAL_LABEL["春节"]] * 4
        + [FESTIVAL_LABEL["清明"], FESTIVAL_LABEL["端午"], FESTIVAL_LABEL["中秋"]]
        + [FESTIVAL_LABEL["劳动节"]] * 2
        + [FESTIVAL_LABEL["国庆"]] * 3
    )
    assert labels == expected


def test_statutory_holidays_2025_and_2026_by_hand():
    assert statutory_holidays(2025) == {
        d(x)
        for x in [
            "2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-04-04",
            "2025-05-01", "2025-05-02", "2025-05-31", "2025-10-01", "2025-10-02", "2025-10-03",
            "2025-10-06",
        ]
    }  # fmt: skip
    assert statutory_holidays(2026) == {
        d(x)
        for x in [
            "2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-04-05",
            "2026-05-01", "2026-05-02", "2026-06-19", "2026-09-25", "2026-10-01", "2026-10-02",
            "2026-10-03",
        ]
    }  # fmt: skip


# Qingming dates (Beijing time), checked outside this code base against a full VSOP87 ephemeris (PyEphem).
QINGMING = {
    2020: "2020-04-04",
    2021: "2021-04-04",
    2022: "2022-04-05",
    2023: "2023-04-05",
    2024: "2024-04-04",
    2025: "2025-04-04",
    2026: "2026-04-05",
    2027: "2027-04-05",
    2028: "2028-04-04",
    2029: "2029-04-04",
    2030: "2030-04-05",
    1943: "1943-04-06",  # the term fell at 00:11 Beijing time: the closest call in 1900–2100
    2009: "2009-04-04",  # 23:34 Beijing time
}


@pytest.mark.parametrize("year, iso", sorted(QINGMING.items()))
def test_qingming_from_package_and_from_astronomy(year, iso):
    assert qingming_day(year) == d(iso)
    assert qingming_by_astronomy(year) == d(iso)


def test_astronomy_agrees_with_package_solar_terms_1900_2099():
    # Two independent methods (寿星公式 + corrections vs. Meeus solar theory) must agree on every
    # year the lunar data covers; both put Qingming on 4, 5 or 6 April.
    disagree = [y for y in range(1900, 2100) if qingming_by_astronomy(y) != qingming_day(y)]
    assert disagree == []
    assert {qingming_by_astronomy(y).day for y in range(1900, 2101)} == {4, 5, 6}
    assert {qingming_by_astronomy(y).month for y in range(1900, 2101)} == {4}


@pytest.fixture
def fresh_caches():
    cal.qingming_day.cache_clear()
    cal._statutory_holidays.cache_clear()
    yield
    cal.qingming_day.cache_clear()
    cal._statutory_holidays.cache_clear()


def test_qingming_falls_back_to_astronomy_without_package_solar_terms(monkeypatch, fresh_caches):
    def unsupported(start, end):
        raise NotImplementedError("only year between [1900, 2100] supported")

    monkeypatch.setattr(chinese_calendar, "get_solar_terms", unsupported)
    assert qingming_day(2027) == d("2027-04-05")
    assert qingming_day(2024) == d("2024-04-04")
    assert d("2027-04-05") in statutory_holidays(2027)


def test_years_outside_lunar_data_raise_in_chinese():
    with pytest.raises(CalendarRangeError, match="2100年"):
        statutory_holidays(2100)
    with pytest.raises(CalendarRangeError, match="农历"):
        WorkCalendar().is_working_day(d("2100-03-01"))


def test_oldest_lunar_year_is_supported():
    # 1900: 正月初一 = 1900-01-31, so 除夕 = 1900-01-30.
    assert {d("1900-01-30"), d("1900-01-31"), d("1900-02-02")} <= statutory_holidays(1900)


# --- Argument guards ---------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -1, 1.5, "3", None, True, cal.MAX_DAYS + 1])
@pytest.mark.parametrize("unit", ["wd", "cd"])
def test_days_must_be_a_positive_int(bad, unit):
    with pytest.raises(ValueError, match="天数"):
        WorkCalendar().due(d("2026-03-02"), bad, unit)


def test_unit_must_be_wd_or_cd():
    with pytest.raises(ValueError, match="期限单位"):
        WorkCalendar().due(d("2026-03-02"), 5, "days")


def test_runaway_search_is_capped():
    # A corrupt import that makes a whole span of days rest days must fail, not spin.
    all_rest = {d("2027-01-01") + timedelta(days=i): "holiday" for i in range(500)}
    c = WorkCalendar(overrides=all_rest, confirmed_years={2027})
    with pytest.raises(CalendarRangeError, match="没有工作日"):
        c.add_working_days(d("2026-12-31"), 1)
    with pytest.raises(CalendarRangeError, match="没有工作日"):
        c.add_calendar_days(d("2026-12-31"), 1)


def test_due_is_immutable():
    due = Due(d("2026-10-22"), False)
    with pytest.raises(FrozenInstanceError):
        due.day = d("2026-10-23")  # type: ignore[misc]


# --- working_days_between ------------------------------------------------------------------------


def test_working_days_between_across_national_day():
    c = WorkCalendar()
    # (9-30, 10-9]: 10-1..7 off, 10-8 and 10-9 work.
    assert c.working_days_between(d("2026-09-30"), d("2026-10-09")) == 2
    assert c.working_days_between(d("2026-10-09"), d("2026-09-30")) == -2
    assert c.working_days_between(d("2026-10-09"), d("2026-10-09")) == 0
    # Including the Saturday make-up day 10-10.
    assert c.working_days_between(d("2026-09-30"), d("2026-10-12")) == 4


def test_working_days_between_matches_deadline_count():
    # Days left on the morning of the start day, until the 15-WD deadline computed above.
    assert WorkCalendar().working_days_between(d("2026-09-24"), d("2026-10-22")) == 15


def test_working_days_between_across_year_end():
    # (2026-12-30, 2027-01-08]: 12-31 (1); 1-1 元旦 off; 1-4..8 (6).
    assert WorkCalendar().working_days_between(d("2026-12-30"), d("2027-01-08")) == 6
    assert WorkCalendar().working_days_between(d("2027-01-08"), d("2026-12-30")) == -6


# --- parse_schedule_csv ---------------------------------------------------------------------------

GOOD_CSV = (
    "\ufeffdate,kind,source\r\n"
    "2027-02-05,holiday,国办发明电〔2026〕7号\r\n"
    "\r\n"
    " 2027-02-20 , Workday , 国办发明电〔2026〕7号 \r\n"
    "2027-02-05,holiday,国办发明电〔2026〕7号\r\n"
    '2027-02-11,holiday,"国办发明电〔2026〕7号"\r\n'
)


def test_parse_good_file():
    assert parse_schedule_csv(GOOD_CSV) == [
        ScheduleEntry(d("2027-02-05"), "holiday", "国办发明电〔2026〕7号"),
        ScheduleEntry(d("2027-02-20"), "workday", "国办发明电〔2026〕7号"),
        ScheduleEntry(d("2027-02-11"), "holiday", "国办发明电〔2026〕7号"),
    ]


def test_parsed_schedule_drives_the_calendar():
    entries = parse_schedule_csv(
        "date,kind,source\n"
        "2027-02-09,holiday,测试用（虚构）\n"
        "2027-02-10,holiday,测试用（虚构）\n"
        "2027-02-11,holiday,测试用（虚构）\n"
        "2027-02-20,workday,测试用（虚构）\n"
    )
    c = WorkCalendar(overrides={e.day: e.kind for e in entries}, confirmed_years={2027})
    assert c.due(d("2027-01-29"), 11, "wd") == Due(d("2027-02-20"), False)


H = "date,kind,source\n"


@pytest.mark.parametrize(
    "text, line, fragment",
    [
        (H + "2027-02-05,holiday,X\n2027-02-30,holiday,X\n", 3, "日期“2027-02-30”无效"),
        (
            H + "2027-02-05,holiday,X\n2027-02-06,holiday,X\n2027-02-20,rest,X\n",
            4,
            "类型必须是 holiday 或 workday",
        ),
        (H + "2027/02/05,holiday,X\n", 2, "YYYY-MM-DD"),
        (H + "20270205,holiday,X\n", 2, "日期“20270205”无效"),
        (
            H + "2027-02-05,holiday,X\n\n2027-02-06,workday,X\n2027-02-05,workday,X\n",
            5,
            "与第2行重复且类型不同",
        ),
        ("2027-02-05,holiday,X\n", 1, "缺少表头"),
        ("\n\ndate;kind;source\n2027-02-05;holiday;X\n", 3, "缺少表头"),
        (H + "2027-02-05,holiday\n", 2, "应有 3 列"),
        (H + "2027-02-05,holiday,X,extra\n", 2, "应有 3 列"),
        (H + "2027-02-05,holiday,X\n2027-02-06,holiday, \n", 3, "来源"),
    ],
)
def test_parse_refuses_malformed_file_naming_the_line(text, line, fragment):
    with pytest.raises(ScheduleError) as info:
        parse_schedule_csv(text)
    assert info.value.line == line
    assert str(info.value).startswith(f"第{line}行：")
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    "text, fragment",
    [("", "文件为空"), ("\ufeff \n\n", "文件为空"), ("date,kind,source\n\n", "没有任何日期行")],
)
def test_parse_refuses_empty_file(text, fragment):
    with pytest.raises(ScheduleError, match=fragment) as info:
        parse_schedule_csv(text)
    assert info.value.line is None


def test_schedule_error_is_a_value_error():
    assert issubclass(ScheduleError, ValueError)


# --- Performance ---------------------------------------------------------------------------------


def test_ten_thousand_deadlines_build_each_year_table_once(monkeypatch):
    """Deadlines read prebuilt per-year tables: lunar dates and solar terms are never recomputed per day.

    (Speed itself is measured in bench/, not here: a timed unit test fails on a busy machine.)
    """
    built: list[int] = []
    original = WorkCalendar._build_year

    def counting(self, year):
        built.append(year)
        return original(self, year)

    monkeypatch.setattr(WorkCalendar, "_build_year", counting)
    c = WorkCalendar()
    start = d("2026-01-01")
    for i in range(10_000):
        c.due(start + timedelta(days=i % 700), 1 + i % 30, "wd" if i % 2 else "cd")
    assert sorted(built) == [2026, 2027, 2028]


def test_the_estimate_makes_up_a_weekend_holiday_on_the_next_working_day():
    """《全国年节及纪念日放假办法》 Art. 6: 元旦 2028 falls on a Saturday, so Monday 2028-01-03 is rest (estimated)."""
    c = WorkCalendar()
    assert not c.is_working_day(d("2028-01-03"))
    assert c.is_working_day(d("2028-01-04"))
    assert d("2028-01-03") in estimated_rest_days(2028)
    assert statutory_holidays(2028) <= estimated_rest_days(2028)


def test_missing_holidays_names_what_a_partial_schedule_leaves_out():
    new_year_only = [d("2027-01-01"), d("2027-01-02"), d("2027-01-03")]
    missing = missing_holidays(2027, new_year_only)
    assert d("2027-02-06") in missing and d("2027-01-01") not in missing
    assert missing_holidays(2027, statutory_holidays(2027)) == []
