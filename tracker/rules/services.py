"""Deadlines from the rule set on the working-day calendar; importing an official holiday schedule."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm.exc import StaleDataError

from tracker.audit import services as audit
from tracker.auth.permissions import may
from tracker.common.stamp import remembered
from tracker.errors import ConcurrentEdit, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.rules.calendar import ScheduleEntry, WorkCalendar, missing_holidays
from tracker.rules.models import CalendarDay, CalendarYear, DayUnit, Rule, TownRule
from tracker.rules.ruleset import AT_MOST, TOWN_RULES, get_rule, install_rule


@dataclass(frozen=True)
class Deadline:
    """A computed due date with the rule it came from (kept with the record: later rule edits do not move it)."""

    day: date
    provisional: bool
    rule_code: str
    rule_value: int
    unit: DayUnit


def load_calendar() -> WorkCalendar:
    """The working-day calendar, remembered until the install's records change (common/stamp.py): every deadline
    needs it, and its tables belong to no town, so a town's writes leave it remembered."""
    return remembered("calendar", _read_calendar, install=True)


def _read_calendar() -> WorkCalendar:
    overrides = {row.day: row.kind for row in db.session.scalars(sa.select(CalendarDay))}
    years = set(db.session.scalars(sa.select(CalendarYear.year)))
    return WorkCalendar(overrides=overrides, confirmed_years=years)


def add_period(start: date, value: int, unit: DayUnit, calendar: WorkCalendar) -> tuple[date, bool]:
    if unit is DayUnit.WORKING_DAYS:
        due = calendar.add_working_days(start, value)
        return due.day, due.provisional
    if unit is DayUnit.CALENDAR_DAYS:
        due = calendar.add_calendar_days(start, value)
        return due.day, due.provisional
    # Months and years are periods, not counted days: no working-day roll (e.g. validity ends on its date).
    delta = relativedelta(months=value) if unit is DayUnit.MONTHS else relativedelta(years=value)
    return start + delta, False


def compute_due(
    rule_code: str, start: date, *, calendar: WorkCalendar | None = None, town_id: int | None = None
) -> Deadline:
    """The due date by the rule as the town applies it (of `town_id`, else of the request: ruleset.get_rule)."""
    rule = get_rule(rule_code, town_id=town_id)
    day, provisional = add_period(start, rule.value, rule.unit, calendar or load_calendar())
    return Deadline(day=day, provisional=provisional, rule_code=rule.code, rule_value=rule.value, unit=rule.unit)


@dataclass
class ImportReport:
    added: list[ScheduleEntry] = field(default_factory=list)
    changed: list[tuple[ScheduleEntry, str]] = field(default_factory=list)
    unchanged: int = 0
    confirmed_years: list[int] = field(default_factory=list)
    # Years the file touched but did not cover whole: year -> statutory holidays it lacks.
    partial_years: dict[int, list[date]] = field(default_factory=dict)

    def lines(self) -> list[str]:
        out = [f"新增 {len(self.added)} 天，变更 {len(self.changed)} 天，未变 {self.unchanged} 天。"]
        out += [f"  新增 {e.day.isoformat()} {e.kind}" for e in self.added]
        out += [f"  变更 {e.day.isoformat()} {old} → {e.kind}" for e, old in self.changed]
        if self.confirmed_years:
            years = "、".join(str(y) for y in self.confirmed_years)
            out.append(f"已确认年度：{years}（此后计算的期限不再标注“暂定”）")
        for year, missing in sorted(self.partial_years.items()):
            days = "、".join(d.isoformat() for d in missing[:5]) + ("等" if len(missing) > 5 else "")
            out.append(
                f"{year}年未确认：文件未包含全部法定节假日（缺 {days}），已导入的日期生效，"
                "该年其余期限仍标注“暂定”；如确为全年完整安排，请勾选“全年完整安排”后重新导入。"
            )
        return out


def import_schedule(
    entries: list[ScheduleEntry], *, actor, now: datetime, complete_years: Iterable[int] = ()
) -> ImportReport:
    """Write an official schedule (already validated whole).

    A year becomes confirmed only when its whole schedule is known: the administrator says the file is the
    year's complete schedule (``complete_years``), or the year's imported rest days cover every statutory
    holiday.  Four lines for 元旦 say nothing about 春节: such a year keeps its provisional mark.
    """
    complete = {int(y) for y in complete_years}
    report = ImportReport()
    existing = {
        row.day: row
        for row in db.session.scalars(sa.select(CalendarDay).where(CalendarDay.day.in_([e.day for e in entries])))
    }
    for entry in entries:
        row = existing.get(entry.day)
        if row is None:
            db.session.add(CalendarDay(day=entry.day, kind=entry.kind, source=entry.source, imported_at=now))
            report.added.append(entry)
        elif row.kind != entry.kind:
            report.changed.append((entry, row.kind))
            row.kind, row.source, row.imported_at = entry.kind, entry.source, now
        else:
            report.unchanged += 1
    db.session.flush()
    for year in sorted({e.day.year for e in entries}):
        sources = sorted({e.source for e in entries if e.day.year == year})
        if year not in complete:
            rest_days = db.session.scalars(
                sa.select(CalendarDay.day).where(
                    CalendarDay.kind == "holiday",
                    CalendarDay.day >= date(year, 1, 1),
                    CalendarDay.day <= date(year, 12, 31),
                )
            )
            missing = missing_holidays(year, rest_days)
            if missing:
                report.partial_years[year] = missing
                continue
        row = db.session.get(CalendarYear, year)
        if row is None:
            db.session.add(
                CalendarYear(
                    year=year,
                    source="；".join(sources)[:200],
                    confirmed_at=now,
                    confirmed_by_id=getattr(actor, "id", None),
                )
            )
        report.confirmed_years.append(year)
    db.session.flush()
    audit.record(
        "calendar.import",
        actor=actor,
        now=now,
        object_type="calendar",
        object_id=None,
        summary=f"导入节假日安排：新增 {len(report.added)} 天，变更 {len(report.changed)} 天",
        after={"years": report.confirmed_years, "partial": sorted(report.partial_years)},
    )
    return report


def rules_in_order() -> list[Rule]:
    return list(db.session.scalars(sa.select(Rule).order_by(Rule.id)))


_DAY_UNITS = {DayUnit.WORKING_DAYS, DayUnit.CALENDAR_DAYS}
MAX_RULE_VALUE = 3660


def update_rule(
    rule: Rule,
    *,
    actor,
    now: datetime,
    expected_version: int | None,
    value: int,
    unit: DayUnit,
    source: str,
    confidence,
    note: str,
) -> Rule:
    """Edit a time limit (audited). Due dates fixed earlier keep the rule they were computed with."""
    if not may(actor, "install"):
        raise PermissionDenied("本系统的时限由市级系统管理员修改；镇街可在“本镇街自定的时限”中规定得更严。")
    if expected_version is not None and expected_version != rule.version_id:
        raise ConcurrentEdit("该规则已被他人修改，您的修改未保存。请刷新页面查看最新值。")
    if not 0 < value <= MAX_RULE_VALUE:
        raise ValidationFailed(f"期限须为 1 至 {MAX_RULE_VALUE} 之间的整数。")
    if (unit in _DAY_UNITS) != (rule.unit in _DAY_UNITS):
        raise ValidationFailed("按日计算的期限只能在“工作日/自然日”之间切换，按月、年计算的期限只能在“月/年”之间切换。")
    source = (source or "").strip()
    if not source or len(source) > 300:
        raise ValidationFailed("请填写规则来源（不超过 300 字）。")
    before = {"value": rule.value, "unit": rule.unit.value, "source": rule.source, "confidence": rule.confidence.value}
    rule.value, rule.unit, rule.source, rule.confidence = value, unit, source, confidence
    rule.note = (note or "").strip()[:2000]
    rule.updated_at, rule.updated_by_id = now, getattr(actor, "id", None)
    try:
        db.session.flush()
    except StaleDataError:
        raise ConcurrentEdit("该规则已被他人修改，您的修改未保存。请刷新页面查看最新值。") from None
    audit.record(
        "rule.update",
        actor=actor,
        now=now,
        object_type="rule",
        object_id=rule.id,
        summary=f"修改规则“{rule.name}”：{before['value']}{DayUnit(before['unit']).label} → {value}{unit.label}",
        before=before,
        after={"value": value, "unit": unit.value, "source": source, "confidence": rule.confidence.value},
    )
    return rule


@dataclass(frozen=True)
class TownRuleView:
    """A time limit a town may set for itself: the install's rule and the town's own value, if any."""

    rule: Rule
    own: TownRule | None

    @property
    def direction(self) -> str:
        return "不超过" if TOWN_RULES[self.rule.code] == AT_MOST else "不少于"


def town_rules(town_id: int) -> list[TownRuleView]:
    own = {r.code: r for r in db.session.scalars(sa.select(TownRule).where(TownRule.town_id == town_id))}
    return [TownRuleView(install_rule(code), own.get(code)) for code in TOWN_RULES]


def set_town_rule(
    town_id: int, code: str, *, actor, now: datetime, value: int, note: str, expected_version: int | None
) -> TownRule | None:
    """The town's own value of a time limit it may set (audited in the town's trail): stricter than the install's,
    never laxer; the install's value itself removes the town's own. Due dates fixed earlier do not move."""
    if code not in TOWN_RULES:
        raise ValidationFailed("这项时限由本系统统一规定，镇街不能自定。")
    row = db.session.scalar(sa.select(TownRule).where(TownRule.town_id == town_id, TownRule.code == code))
    if not may(actor, "admin", row if row is not None else TownRule(town_id=town_id)):
        raise PermissionDenied("只有本镇街的管理员可以设置本镇街的时限。")
    if expected_version is not None and expected_version != (row.version_id if row is not None else 0):
        raise ConcurrentEdit("本镇街的这项时限已被他人修改，您的修改未保存。请刷新页面查看最新值。")
    base = install_rule(code)
    unit = base.unit.label
    if not 0 < value <= MAX_RULE_VALUE:
        raise ValidationFailed(f"期限须为 1 至 {MAX_RULE_VALUE} 之间的整数。")
    if (value > base.value) if TOWN_RULES[code] == AT_MOST else (value < base.value):
        bound = "不超过" if TOWN_RULES[code] == AT_MOST else "不少于"
        raise ValidationFailed(
            f"镇街自定的“{base.name}”只能比本系统的规定更严：须{bound} {base.value}{unit}（本系统规定）。"
        )
    before = {"value": row.value} if row is not None else None
    if value == base.value:
        if row is None:
            return None
        return _clear(row, base, actor=actor, now=now)
    if row is None:
        row = TownRule(town_id=town_id, code=code)
        db.session.add(row)
    row.value, row.note = value, (note or "").strip()[:2000]
    row.updated_at, row.updated_by_id = now, getattr(actor, "id", None)
    try:
        db.session.flush()
    except StaleDataError:
        raise ConcurrentEdit("本镇街的这项时限已被他人修改，您的修改未保存。请刷新页面查看最新值。") from None
    audit.record(
        "rule.town_set",
        actor=actor,
        now=now,
        object_type="town_rule",
        object_id=row.id,
        town_id=town_id,
        summary=f"本镇街自定“{base.name}”为 {value}{unit}（本系统规定 {base.value}{unit}）",
        before=before,
        after={"value": value},
    )
    return row


def clear_town_rule(town_id: int, code: str, *, actor, now: datetime) -> None:
    """Back to the install's value (audited); nothing to do when the town has none of its own."""
    row = db.session.scalar(sa.select(TownRule).where(TownRule.town_id == town_id, TownRule.code == code))
    if row is None:
        return
    if not may(actor, "admin", row):
        raise PermissionDenied("只有本镇街的管理员可以设置本镇街的时限。")
    _clear(row, install_rule(code), actor=actor, now=now)


def _clear(row: TownRule, base: Rule, *, actor, now: datetime) -> None:
    audit.record(
        "rule.town_clear",
        actor=actor,
        now=now,
        object_type="town_rule",
        object_id=row.id,
        town_id=row.town_id,
        summary=(
            f"本镇街的“{base.name}”恢复为本系统规定的 {base.value}{base.unit.label}"
            f"（原为 {row.value}{base.unit.label}）"
        ),
        before={"value": row.value},
        after=None,
    )
    db.session.delete(row)
    db.session.flush()


def calendar_overview() -> dict:
    years = list(db.session.scalars(sa.select(CalendarYear).order_by(CalendarYear.year)))
    days = list(db.session.scalars(sa.select(CalendarDay).order_by(CalendarDay.day)))
    return {"years": years, "days": days}
