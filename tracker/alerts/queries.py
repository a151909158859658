"""Every deadline of one document, with days left, its rule and source, and provisional marks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from tracker.documents.states import DocStatus, FilingStatus
from tracker.rules.ruleset import get_rule
from tracker.rules.services import load_calendar


@dataclass(frozen=True)
class DeadlineView:
    label: str
    due_on: date
    days_left: int
    working_days: bool
    rule_name: str
    rule_text: str
    provisional: bool = False

    @property
    def late(self) -> bool:
        return self.days_left < 0


def document_deadlines(doc, *, today: date) -> list[DeadlineView]:
    from tracker.filing.services import current_filing
    from tracker.publication.queries import current_publication
    from tracker.review.services import latest_round

    calendar = load_calendar()
    out: list[DeadlineView] = []

    def add(label, due_on, code, snapshot_value=None, wd=False, provisional=False):
        rule = get_rule(code)
        value = snapshot_value if snapshot_value is not None else rule.value
        unit = "个工作日" if wd else rule.unit.label
        left = calendar.working_days_between(today, due_on) if wd else (due_on - today).days
        out.append(DeadlineView(label, due_on, left, wd, rule.name, f"{value}{unit}，{rule.source}", provisional))

    if doc.status in (DocStatus.SUBMITTED, DocStatus.UNDER_REVIEW):
        rnd = latest_round(doc)
        if rnd is not None:
            add(
                "合法性审查",
                rnd.effective_due_on,
                rnd.due_rule_code,
                rnd.due_rule_days,
                wd=True,
                provisional=rnd.due_provisional,
            )
    pub = current_publication(doc)
    if pub is not None and doc.status is DocStatus.PUBLISHED and pub.effective_on:
        add("施行", pub.effective_on, "effect_min_gap")
    filing = current_filing(doc)
    if filing is not None:
        if filing.first_submitted_on is None:
            add(
                "报送备案",
                filing.due_on,
                filing.due_rule_code,
                filing.due_rule_days,
                provisional=filing.due_provisional,
            )
        elif doc.filing_status in (FilingStatus.CORRECTION, FilingStatus.CORRECTION_ORDERED):
            last = filing.attempts[-1]
            if last.correction_due_on:
                add("备案补正/纠正", last.correction_due_on, "correction_period")
    if pub is not None and doc.status is DocStatus.IN_FORCE and pub.validity_end_on:
        lead = get_rule("evaluation_lead")
        start = pub.validity_end_on - relativedelta(months=lead.value)
        add("启动有效期届满前评估", start, "evaluation_lead")
        add(
            "有效期届满",
            pub.validity_end_on,
            "validity_trial" if doc.trial_kind.value != "none" else "validity_default",
        )
    if doc.status in (DocStatus.PUBLISHED, DocStatus.IN_FORCE):
        import sqlalchemy as sa

        from tracker.cleanup.models import CleanupItem, Evaluation
        from tracker.extensions import db

        revision_dates = list(
            db.session.scalars(
                sa.select(CleanupItem.revision_due_on).where(
                    CleanupItem.document_id == doc.id, CleanupItem.revision_due_on.is_not(None)
                )
            )
        )
        revision_dates += list(
            db.session.scalars(
                sa.select(Evaluation.revision_due_on).where(
                    Evaluation.document_id == doc.id, Evaluation.revision_due_on.is_not(None)
                )
            )
        )
        if revision_dates:
            add("清理或评估后完成修改", max(revision_dates), "revision_after_cleanup")
    return sorted(out, key=lambda d: d.due_on)
