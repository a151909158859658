"""Working-day calendar for statutory time limits (pure: no Flask, no database).

Rules implemented (docs/rules.md §3):

* WD = working days: Monday–Friday, minus statutory holidays and the rest days the State Council
  adds around them, plus the official make-up workdays (调休).  The schedule changes every year:
  the State Council publishes next year's holidays each autumn (国务院办公厅关于…年部分节假日安排的通知).
* CD = calendar days.  A CD limit that ends on a rest day rolls to the next working day
  (民法典 Art. 203 by analogy: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日).
* Counting starts the day after the triggering date (民法典 Art. 201: 开始的当日不计入).

Where the days come from, in order of precedence:

1. ``overrides``: a schedule the office imported from the official notice (``parse_schedule_csv``);
2. the ``chinese_calendar`` package, for the years it shipped with;
3. otherwise a *provisional* estimate: Monday–Friday minus the statutory holidays of
   《全国年节及纪念日放假办法》 (2024 revision) and the 补假 of its Art. 6 (a holiday that falls on a
   Saturday or Sunday is made up on the following working day), with no guessed 调休.  Deadlines that depend on
   such a year are flagged ``provisional`` so the UI can say so: a packaged calendar must never
   make an unknown year silently wrong (docs/rules.md §3).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from itertools import accumulate
from typing import Literal

import chinese_calendar
from lunardate import LunarDate

DayKind = Literal["holiday", "workday"]
Unit = Literal["wd", "cd"]

DAY_KINDS: tuple[str, ...] = ("holiday", "workday")
UNITS: tuple[str, ...] = ("wd", "cd")

# Upper bound for a single time limit.  The rule set's limits are 5–30 days; 3660 days (ten years)
# is far beyond any of them and keeps a typo (e.g. 150000) from scanning centuries of calendar.
MAX_DAYS = 3660

# No official schedule has ever had more than 9 consecutive rest days (春节 2026: 02-15…02-23).
# If 400 days pass without a working day the data is corrupt; fail loudly rather than loop.
MAX_GAP_DAYS = 400

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Due:
    """Result of a deadline computation.

    ``provisional`` is True when any day counted (from start+1 through ``day``, inclusive) lies in
    a year that neither the chinese_calendar package knows nor an imported schedule confirms.
    """

    day: date
    provisional: bool


@dataclass(frozen=True)
class ScheduleEntry:
    """One day of an official holiday schedule."""

    day: date
    kind: DayKind
    source: str  # the notice's 文号, e.g. "国办发明电〔2026〕7号"


class ScheduleError(ValueError):
    """An imported schedule file is malformed.  ``line`` is 1-based, or None for the whole file."""

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        self.detail = message
        super().__init__(f"第{line}行：{message}" if line is not None else message)


class CalendarRangeError(ValueError):
    """A date lies outside the years this module can reason about (lunar data: 1900–2099)."""


# --------------------------------------------------------------------------------------------
# Statutory holidays (《全国年节及纪念日放假办法》, 2024 revision, in force since 2025-01-01)
# --------------------------------------------------------------------------------------------


def _lunar_to_solar(year: int, month: int, day: int) -> date:
    try:
        return LunarDate(year, month, day).to_solar_date()
    except ValueError as exc:  # lunardate covers lunar years 1900–2099 only
        raise CalendarRangeError(f"无法推算{year}年的法定节假日：超出农历数据的覆盖范围（1900–2099年）") from exc


@cache
def qingming_day(year: int) -> date:
    """The day of the Qingming solar term (清明, sun's apparent longitude 15°) in Beijing time.

    Uses chinese_calendar's solar-term table (寿星公式 with its correction table) where the package
    covers the year (1900–2100 in 1.11.0); otherwise ``qingming_by_astronomy``.  The two agree on
    every year 1900–2099; for 2100 the package's formula says 04-04 while the ephemeris says 04-05
    (00:43), which does not matter here because the lunar data stops at 2099.
    """
    try:
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    except (NotImplementedError, AttributeError, ValueError):
        terms = []
    for day, name in terms:
        if name == "清明":
            return day
    return qingming_by_astronomy(year)


def _julian_day(d: date) -> float:
    """Julian Day at 0h UT of ``d`` (JD 2451544.5 = 2000-01-01 0h)."""
    return d.toordinal() + 1721424.5


def _sun_apparent_longitude(jde: float) -> float:
    """Sun's apparent geometric longitude in degrees, Meeus, *Astronomical Algorithms* ch. 25.

    Low-accuracy solar theory (≈0.01°, i.e. ≈15 minutes of time), with nutation and aberration.
    """
    t = (jde - 2451545.0) / 36525.0
    mean_longitude = 280.46646 + 36000.76983 * t + 0.0003032 * t * t
    mean_anomaly = math.radians(357.52911 + 35999.05029 * t - 0.0001537 * t * t)
    centre = (
        (1.914602 - 0.004817 * t - 0.000014 * t * t) * math.sin(mean_anomaly)
        + (0.019993 - 0.000101 * t) * math.sin(2 * mean_anomaly)
        + 0.000289 * math.sin(3 * mean_anomaly)
    )
    omega = math.radians(125.04 - 1934.136 * t)
    return (mean_longitude + centre - 0.00569 - 0.00478 * math.sin(omega)) % 360.0


def _delta_t_seconds(year: int) -> float:
    """TT − UT; Morrison & Stephenson (2004) long-term parabola.

    Off by tens of seconds in 1900–2100, negligible next to the solar theory's ≈15 minutes.
    """
    u = (year - 1820) / 100.0
    return -20.0 + 32.0 * u * u


def qingming_by_astronomy(year: int) -> date:
    """Qingming computed astronomically: the Beijing (UTC+8) date on which the sun's apparent
    longitude reaches 15°.

    Method: Newton iteration on Meeus ch. 25 (see ``_sun_apparent_longitude``), TT→UT via ΔT, then
    +8 h.  Checked once against a full VSOP87 ephemeris (PyEphem) for every year 1900–2100: all
    201 dates agree, timing error −13…+7 minutes; the closest call is 1943 (the term fell at 00:11
    Beijing time).  Qingming is always 4, 5 or 6 April in that range.
    """
    target = 15.0
    jde = _julian_day(date(year, 4, 5))
    for _ in range(20):
        diff = (target - _sun_apparent_longitude(jde) + 180.0) % 360.0 - 180.0
        jde += diff * 365.2422 / 360.0  # the sun moves ≈0.9856° a day
        if abs(diff) < 1e-9:
            break
    jd_beijing = jde - _delta_t_seconds(year) / 86400.0 + 8.0 / 24.0
    return date.fromordinal(math.floor(jd_beijing - 1721424.5))


@cache
def _statutory_holidays(year: int) -> frozenset[date]:
    # Art. 2 of the 2024 revision: 13 days in all.
    spring_festival = _lunar_to_solar(year, 1, 1)  # 正月初一 always falls in the same Gregorian year
    days = {
        date(year, 1, 1),  # 元旦, 1 day
        spring_festival - _ONE_DAY,  # 春节: 农历除夕 (added by the 2024 revision) …
        spring_festival,  # … and 正月初一至初三
        spring_festival + _ONE_DAY,
        spring_festival + 2 * _ONE_DAY,
        qingming_day(year),  # 清明, 1 day (the solar-term day)
        date(year, 5, 1),  # 劳动节, 2 days (1 day before the 2024 revision)
        date(year, 5, 2),
        _lunar_to_solar(year, 5, 5),  # 端午, 农历五月初五
        _lunar_to_solar(year, 8, 15),  # 中秋, 农历八月十五
        date(year, 10, 1),  # 国庆, 3 days
        date(year, 10, 2),
        date(year, 10, 3),
    }
    return frozenset(days)


@cache
def estimated_rest_days(year: int) -> frozenset[date]:
    """The statutory holidays of ``year`` plus their 补假 (Art. 6 of the 2024 revision).

    A holiday for everyone that falls on a Saturday or Sunday is made up by resting on a working day: for each
    run of rest days (holidays and the weekends around them), as many following weekdays become rest days as the
    run has holidays on a weekend.  元旦 2028 is a Saturday: Monday 2028-01-03 is the estimated 补假.  The State
    Council's real schedule usually also moves weekends (调休); that cannot be guessed, so such a year stays
    provisional until its schedule is imported.
    """
    holidays = _statutory_holidays(year)
    rest = set(holidays)
    seen: set[date] = set()
    for day in sorted(holidays):
        if day in seen:
            continue
        # The run of rest days around this holiday: holidays and weekend days next to each other.
        start = day
        while start - _ONE_DAY in holidays or (start - _ONE_DAY).weekday() >= 5:
            start -= _ONE_DAY
        end = day
        while end + _ONE_DAY in rest or (end + _ONE_DAY).weekday() >= 5:
            end += _ONE_DAY
        run = {start + timedelta(days=i) for i in range((end - start).days + 1)}
        seen |= run & holidays
        owed = sum(1 for d in run & holidays if d.weekday() >= 5)
        d = end
        while owed:
            d += _ONE_DAY
            if d.weekday() < 5 and d not in rest:
                rest.add(d)
                owed -= 1
    return frozenset(rest)


def missing_holidays(year: int, holidays: Iterable[date]) -> list[date]:
    """Statutory holidays of ``year`` that a schedule's rest days do not cover (empty: the schedule is whole)."""
    covered = set(holidays)
    return sorted(d for d in _statutory_holidays(year) if d not in covered)


def statutory_holidays(year: int) -> set[date]:
    """The 13 statutory holiday dates of ``year`` under the 2024 revision of 《全国年节及纪念日放假办法》.

    Applied to every year (it is used only for years no official schedule covers, i.e. the future);
    for years before 2025 it is *not* the law that was then in force.  Raises CalendarRangeError
    outside the lunar data's range (1900–2099).
    """
    return set(_statutory_holidays(year))


# --------------------------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def package_known_years() -> frozenset[int]:
    """Years the installed chinese_calendar ships official data for (derived from its tables, so a
    package upgrade extends it without a code change)."""
    days = list(chinese_calendar.holidays) + list(chinese_calendar.workdays)
    return frozenset(d.year for d in days)


def _as_date(value: object, what: str = "日期") -> date:
    # datetime is a subclass of date; comparing a datetime with date keys silently never matches.
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raise TypeError(f"{what}必须是 datetime.date，实际为 {type(value).__name__}")


def _check_count(n: object, what: str = "天数") -> int:
    # bool is an int subclass: due(start, True, "wd") is a bug, not "1 day".  A wrong type is a
    # ValueError too (not TypeError) so callers handle every bad limit from a rule set alike.
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what}必须是正整数，实际为“{n!r}”")
    if n > MAX_DAYS:
        raise ValueError(f"{what}不能超过 {MAX_DAYS} 天，实际为 {n}")
    return n


class WorkCalendar:
    """Working-day arithmetic over the package data, an imported schedule and the statutory rule.

    ``overrides`` are days of an imported official schedule; they win over everything else.
    ``confirmed_years`` are the years whose official schedule was imported: their dates are final.
    An override in a year *not* confirmed is honoured but the year stays provisional.
    """

    def __init__(
        self,
        overrides: Mapping[date, DayKind] | None = None,
        confirmed_years: Iterable[int] = (),
    ):
        self._overrides: dict[date, DayKind] = {}
        for day, kind in (overrides or {}).items():
            if kind not in DAY_KINDS:
                raise ValueError(f"{day}：类型必须是 holiday 或 workday，实际为“{kind}”")
            self._overrides[_as_date(day)] = kind
        self._confirmed = frozenset(int(y) for y in confirmed_years)
        self._known = package_known_years() | self._confirmed
        # year -> (flags, prefix): flags[i] is 1 if day i+1 of the year is a working day;
        # prefix[i] is the number of working days among days 1..i (prefix[0] == 0).
        self._years: dict[int, tuple[bytes, list[int]]] = {}

    # -- per-year tables ------------------------------------------------------------------

    def _year_table(self, year: int) -> tuple[bytes, list[int]]:
        table = self._years.get(year)
        if table is None:
            table = self._build_year(year)
            self._years[year] = table
        return table

    def _build_year(self, year: int) -> tuple[bytes, list[int]]:
        if not 1 <= year <= 9999:
            raise CalendarRangeError(f"日期超出可计算范围（{year}年）")
        in_package = year in package_known_years()
        # Only years the package does not know need the statutory estimate (this also keeps
        # package years usable should they ever fall outside the lunar data's range).
        statutory = frozenset() if in_package else estimated_rest_days(year)
        first = date(year, 1, 1)
        n_days = (date(year + 1, 1, 1) - first).days if year < 9999 else 365
        flags = bytearray(n_days)
        for i in range(n_days):
            d = first + timedelta(days=i)
            kind = self._overrides.get(d)
            if kind is not None:
                working = kind == "workday"
            elif in_package:
                working = self._package_is_working_day(d)
            else:
                # Holidays and their 补假, but no guessed 调休: the weekends the State Council moves are
                # only known once it publishes them, hence "provisional".
                working = d.weekday() < 5 and d not in statutory
            flags[i] = 1 if working else 0
        prefix = [0, *accumulate(flags)]
        return bytes(flags), prefix

    @staticmethod
    def _package_is_working_day(d: date) -> bool:
        # Same rule as chinese_calendar.is_workday, read from its tables directly: the
        # package's function raises for years it lacks, and these tables are what it ships.
        if d in chinese_calendar.workdays:  # make-up workday (调休), even on a weekend
            return True
        if d in chinese_calendar.holidays:  # statutory holiday or a rest day moved next to one
            return False
        return d.weekday() < 5

    # -- queries --------------------------------------------------------------------------

    def known_years(self) -> set[int]:
        """Years whose schedule is official: shipped with chinese_calendar or confirmed by import."""
        return set(self._known)

    def is_provisional_year(self, year: int) -> bool:
        return year not in self._known

    def is_working_day(self, d: date) -> bool:
        d = _as_date(d)
        flags, _ = self._year_table(d.year)
        return flags[d.timetuple().tm_yday - 1] == 1

    def _provisional_between(self, first: date, last: date) -> bool:
        """True if any year touched by [first, last] is provisional."""
        return any(self.is_provisional_year(y) for y in range(first.year, last.year + 1))

    def add_working_days(self, start: date, n: int) -> Due:
        """The n-th working day after ``start`` (start itself is not counted)."""
        start = _as_date(start, "起算日")
        n = _check_count(n)
        d = start
        counted = 0
        gap = 0
        try:
            while counted < n:
                d += _ONE_DAY
                if self.is_working_day(d):
                    counted += 1
                    gap = 0
                else:
                    gap += 1
                    if gap > MAX_GAP_DAYS:
                        raise CalendarRangeError(f"{d} 之前连续 {gap} 天没有工作日，日历数据有误")
        except OverflowError as exc:
            raise CalendarRangeError("日期超出可计算范围") from exc
        return Due(d, self._provisional_between(start + _ONE_DAY, d))

    def add_calendar_days(self, start: date, n: int) -> Due:
        """``start`` + n calendar days, rolled forward to the next working day if that is a rest day
        (民法典 Art. 203 by analogy)."""
        start = _as_date(start, "起算日")
        n = _check_count(n)
        try:
            d = start + timedelta(days=n)
            gap = 0
            while not self.is_working_day(d):
                d += _ONE_DAY
                gap += 1
                if gap > MAX_GAP_DAYS:
                    raise CalendarRangeError(f"{d} 之前连续 {gap} 天没有工作日，日历数据有误")
        except OverflowError as exc:
            raise CalendarRangeError("日期超出可计算范围") from exc
        return Due(d, self._provisional_between(start + _ONE_DAY, d))

    def due(self, start: date, days: int, unit: Unit) -> Due:
        """Deadline for a limit of ``days`` in ``unit`` ("wd" working days, "cd" calendar days)."""
        if unit == "wd":
            return self.add_working_days(start, days)
        if unit == "cd":
            return self.add_calendar_days(start, days)
        raise ValueError(f"期限单位必须是 wd（工作日）或 cd（自然日），实际为“{unit}”")

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative (−count in (b, a]) when b < a.

        Dashboard "days left": working_days_between(today, due) — 0 on the due day, −1 the working
        day after it.
        """
        a = _as_date(a)
        b = _as_date(b)
        if a == b:
            return 0
        if b < a:
            return -self.working_days_between(b, a)
        total = 0
        for year in range(a.year, b.year + 1):
            _, prefix = self._year_table(year)
            lo = a.timetuple().tm_yday if year == a.year else 0
            hi = b.timetuple().tm_yday if year == b.year else len(prefix) - 1
            total += prefix[hi] - prefix[lo]
        return total


# --------------------------------------------------------------------------------------------
# Importing an official schedule
# --------------------------------------------------------------------------------------------

_HEADER = ["date", "kind", "source"]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_KIND_CN = {"holiday": "休息日", "workday": "工作日"}


def parse_schedule_csv(text: str) -> list[ScheduleEntry]:
    """Parse a schedule file with header ``date,kind,source``.

    ``kind`` is ``holiday`` or ``workday``; dates are ISO (YYYY-MM-DD); a UTF-8 BOM (Excel's
    "CSV UTF-8") and blank lines are tolerated; a repeated date with the same kind is kept once.
    A malformed file is refused whole (ScheduleError naming the line): importing half of an
    official schedule would make deadlines silently wrong while the year shows as confirmed.
    """
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ScheduleError("文件为空，应有表头 date,kind,source 和至少一行日期")

    reader = csv.reader(io.StringIO(text, newline=""))
    header_seen = False
    entries: list[ScheduleEntry] = []
    first_line_of: dict[date, tuple[int, DayKind]] = {}
    line = 0
    try:
        for row in reader:
            line = reader.line_num
            cells = [c.strip() for c in row]
            if not any(cells):  # blank line (or a row of empty cells from a spreadsheet)
                continue
            while len(cells) > len(_HEADER) and not cells[-1]:  # Excel may append empty columns
                cells.pop()
            if not header_seen:
                if [c.lower() for c in cells] != _HEADER:
                    raise ScheduleError(f"缺少表头：第一行应为 date,kind,source，实际为“{','.join(cells)}”", line)
                header_seen = True
                continue
            entry = _parse_row(cells, line)
            seen = first_line_of.get(entry.day)
            if seen is not None:
                seen_line, seen_kind = seen
                if seen_kind != entry.kind:
                    raise ScheduleError(
                        f"日期“{entry.day.isoformat()}”与第{seen_line}行重复且类型不同"
                        f"（{_KIND_CN[seen_kind]}与{_KIND_CN[entry.kind]}）",
                        line,
                    )
                continue
            first_line_of[entry.day] = (line, entry.kind)
            entries.append(entry)
    except csv.Error as exc:
        raise ScheduleError(f"CSV 格式错误（{exc}）", reader.line_num or line or None) from exc

    if not entries:
        raise ScheduleError("文件只有表头，没有任何日期行")
    return entries


def _parse_row(cells: list[str], line: int) -> ScheduleEntry:
    if len(cells) != 3:
        raise ScheduleError(f"应有 3 列（date,kind,source），实际为 {len(cells)} 列", line)
    raw_date, raw_kind, source = cells
    if not _ISO_DATE.fullmatch(raw_date):
        raise ScheduleError(f"日期“{raw_date}”无效，应为 YYYY-MM-DD 格式", line)
    try:
        day = date.fromisoformat(raw_date)
    except ValueError:
        raise ScheduleError(f"日期“{raw_date}”无效", line) from None
    kind = raw_kind.lower()
    if kind not in DAY_KINDS:
        raise ScheduleError(f"类型必须是 holiday 或 workday，实际为“{raw_kind}”", line)
    if not source:
        raise ScheduleError("来源（通知文号）不能为空", line)
    return ScheduleEntry(day=day, kind=kind, source=source)  # type: ignore[arg-type]
