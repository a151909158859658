"""Deadlines as people read them: every deadline of one document, and days left for any list of alerts.

Days are counted the way the step's rule counts them: working days for a working-day rule (the review, the
deliberation reminder), calendar days otherwise (filing, correction, effect, evaluation, revision, a reply).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tracker.alerts.models import OPEN_LEVELS, Alert, AlertKind, AlertLevel
from tracker.alerts.scan import document_due_items
from tracker.cleanup.queries import evaluation_window_of
from tracker.common.stamp import remembered
from tracker.documents.states import DocStatus
from tracker.extensions import db
from tracker.publication.queries import current_publication
from tracker.rules.due import DaysLeft, counts_working_days, days_left
from tracker.rules.ruleset import get_rule
from tracker.rules.services import load_calendar


@dataclass(frozen=True)
class DeadlineView:
    label: str
    due_on: date
    days_left: int  # working days when working_days, else calendar days; negative when late
    working_days: bool
    rule_name: str
    rule_text: str
    provisional: bool = False

    @property
    def late(self) -> bool:
        return self.days_left < 0

    @property
    def days_counted(self) -> str:
        return "working_days" if self.working_days else "calendar_days"


def document_deadlines(doc, *, today: date) -> list[DeadlineView]:
    """What is due on the document (the same due items its alerts come from) and the dates ahead of it: when its
    evaluation will open and when its validity ends. An evaluation under way is shown by its due date, never as an
    overdue "start the evaluation"."""
    calendar = load_calendar()
    out: list[DeadlineView] = []

    def add(label: str, due_on: date, code: str, value: int | None = None, provisional: bool = False) -> None:
        rule = get_rule(code)
        working = counts_working_days(code)
        unit = "个工作日" if working else rule.unit.label
        left = days_left(today, due_on, working_days=working, calendar=calendar)
        text = f"{value if value is not None else rule.value}{unit}，{rule.source}"
        out.append(DeadlineView(label, due_on, left.days, working, rule.name, text, provisional))

    for item in document_due_items(today, doc):
        if item.rule_code is not None:
            add(item.step, item.due_on, item.rule_code, item.rule_value, item.provisional)
    pub = current_publication(doc) if doc.status is DocStatus.IN_FORCE else None
    if pub is not None:
        window = evaluation_window_of(doc, pub)
        if window is not None and today < window.start:
            add(f"启动{window.reason.label}", window.start, "evaluation_lead")
        if pub.validity_end_on:
            trial = doc.trial_kind.value != "none"
            add("有效期届满", pub.validity_end_on, "validity_trial" if trial else "validity_default")
    return sorted(out, key=lambda d: d.due_on)


def days_left_of(alerts: Iterable[Alert], *, today: date) -> dict[int, DaysLeft]:
    """Days left of each alert (by id), counted as its rule counts them."""
    calendar = load_calendar()
    working: dict[str | None, bool] = {}
    out = {}
    for a in alerts:
        if a.rule_code not in working:
            working[a.rule_code] = counts_working_days(a.rule_code)
        out[a.id] = days_left(today, a.due_on, working_days=working[a.rule_code], calendar=calendar)
    return out


def open_counts() -> list[tuple[int | None, AlertKind, AlertLevel, int]]:
    """How many open deadlines (overdue, due soon, open) there are by unit, kind and level: one read, remembered
    until the next write, for the risk board's counts by kind and the chart of deadlines by unit."""
    stmt = (
        sa.select(Alert.unit_id, Alert.kind, Alert.level, sa.func.count())
        .where(Alert.level.in_(OPEN_LEVELS))
        .group_by(Alert.unit_id, Alert.kind, Alert.level)
    )
    return remembered("open_alert_counts", lambda: [tuple(row) for row in db.session.execute(stmt)])
