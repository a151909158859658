"""What a domain says is due: the kinds of due step, one due item, and days left as the rule counts them.

Each domain computes its own due items (review/, publication/, filing/, cleanup/, solicitations/ queries.py:
`due_items(today, ...)`); alerts/ composes them into alert rows, lists and feeds (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date

from tracker.db import LabelledEnum
from tracker.rules.calendar import WorkCalendar
from tracker.rules.models import DayUnit
from tracker.rules.ruleset import get_rule

# IN (...) lists are cut to this many ids: SQLite before 3.32 allows 999 bound parameters in one statement.
ID_CHUNK = 500


class DueKind(LabelledEnum):
    REVIEW_DUE = ("review_due", "合法性审查期限")
    DELIBERATION_PENDING = ("deliberation_pending", "待集体审议")
    EFFECT_DUE = ("effect_due", "待施行")
    FILING_DUE = ("filing_due", "报备期限")
    CORRECTION_DUE = ("correction_due", "备案补正期限")
    # The city's side: its 备案审查 answer is due; the clerk chases it when late.
    FILING_REVIEW_DUE = ("filing_review_due", "备案审查答复期限")
    EVALUATION_DUE = ("evaluation_due", "有效期届满前评估")
    REVISION_DUE = ("revision_due", "清理后修改期限")
    COMMENT_REPLY_DUE = ("comment_reply_due", "上级征求意见答复期限")
    # A clean-up the city deployed is due on the date its notice set (no rule: the notice says it).
    CLEANUP_DUE = ("cleanup_due", "清理完成期限")
    # Not a step: the notice that a provisional due date moved when the holiday schedule became known.
    DEADLINE_CHANGED = ("deadline_changed", "期限变化")


@dataclass(frozen=True)
class DueItem:
    """One step that is due, said by the domain that owns the step."""

    kind: DueKind
    key: str  # unique within the kind: the record whose step it is, e.g. "filing:12"
    document_id: int | None
    unit_id: int | None  # the drafting unit (its staff act on the drafter's kinds)
    assignee_id: int | None  # one person's step (the assigned reviewer); else by role and unit
    due_on: date
    rule_code: str | None
    provisional: bool  # computed on a year whose holiday schedule is not published yet
    message: str  # as a list reads it: 《title》报送备案
    step: str  # as the document page reads it: 报送备案
    rule_value: int | None = None  # the rule's value when the due date was fixed (None: the rule's current value)
    town_id: int | None = None  # the town of a record that is not a document (a document's is read from it)


def counts_working_days(rule_code: str | None) -> bool:
    """Days left are counted the way the step's rule counts: working days for a working-day rule, else calendar days."""
    return rule_code is not None and get_rule(rule_code).unit is DayUnit.WORKING_DAYS


@dataclass(frozen=True)
class DaysLeft:
    """Days from today to a due date: working days (0 on the due day, −1 the working day after) or calendar days."""

    days: int
    working_days: bool
    late: bool  # the due date has passed (a rest day right after it is late with 0 working days overdue)

    @property
    def unit(self) -> str:
        return "个工作日" if self.working_days else "日"

    def __str__(self) -> str:
        if self.late:
            return f"逾期 {-self.days} {self.unit}" if self.days else "已逾期"
        if self.days == 0:
            return "今日到期"
        return f"剩 {self.days} {self.unit}"


def days_left(today: date, due_on: date, *, working_days: bool, calendar: WorkCalendar) -> DaysLeft:
    days = calendar.working_days_between(today, due_on) if working_days else (due_on - today).days
    return DaysLeft(days, working_days, today > due_on)


def chunks(ids: Collection[int]) -> Iterator[list[int]]:
    ordered = sorted(ids)
    for i in range(0, len(ordered), ID_CHUNK):
        yield ordered[i : i + ID_CHUNK]


@dataclass(frozen=True)
class DeadlineMoved:
    """A provisional due date computed again once the holiday schedule of its year became known, and moved."""

    document_id: int
    unit_id: int
    title: str
    label: str  # 合法性审查期限, 报送备案期限
    old: date
    new: date
