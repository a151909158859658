"""Alert rows made up for the readers of alerts (digests, home page, feed); the walk itself is tests/factories.py."""

from __future__ import annotations

from datetime import datetime

from tests.factories import World, d, make_document
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.extensions import db


def seed_alerts(w: World, now: datetime) -> dict[str, object]:
    """Alert rows as the scan leaves them on 2026-11-02, for the readers of alerts (digests, home page, feed).

    Made up: the drafts they hang on owe nothing, so no scan or change of those drafts may follow.

    Each alert is on its own draft. Who should see which: reviewer → r1 (assigned to them); clerk → f2, f4 (filing);
    drafter (执法局) → e3; drafter2 (农业办) → e6; leader → r1 (the only overdue one); admin → none.
    """
    rows = {
        "r1": (
            AlertKind.REVIEW_DUE,
            "drafter",
            w["reviewer"].id,
            "2026-10-30",
            AlertLevel.OVERDUE,
            "第 1 轮合法性审查",
        ),
        "f2": (AlertKind.FILING_DUE, "drafter", None, "2026-11-04", AlertLevel.DUE_SOON, "报送备案"),
        "e3": (AlertKind.EVALUATION_DUE, "drafter", None, "2026-11-05", AlertLevel.DUE_SOON, "有效期届满前评估"),
        "f4": (AlertKind.FILING_DUE, "drafter", None, "2026-11-30", AlertLevel.OPEN, "报送备案"),
        "r5": (
            AlertKind.REVIEW_DUE,
            "drafter",
            w["reviewer"].id,
            "2026-10-20",
            AlertLevel.RESOLVED,
            "第 1 轮合法性审查",
        ),
        "e6": (AlertKind.EVALUATION_DUE, "drafter2", None, "2026-12-31", AlertLevel.OPEN, "有效期届满前评估"),
    }
    docs = {
        key: make_document(w, now, title=f"测试镇{key}号管理办法", drafter=drafter)
        for key, (_, drafter, *_) in rows.items()
    }
    # The drafts are committed first: a commit brings the alerts of the documents it touched up to date, and these
    # drafts owe nothing yet, so alerts added with them would be resolved at once.
    db.session.commit()
    # Days left count as these rules do: the review's in working days, the others in calendar days.
    rule_of = {
        AlertKind.REVIEW_DUE: "review_max",
        AlertKind.FILING_DUE: "filing_deadline",
        AlertKind.EVALUATION_DUE: "evaluation_lead",
    }
    out: dict[str, object] = {}
    for key, (kind, _drafter, assignee, due, level, what) in rows.items():
        doc = docs[key]
        alert = Alert(
            town_id=doc.town_id,
            kind=kind,
            subject_key=f"test:{key}",
            document_id=doc.id,
            unit_id=doc.drafting_unit_id,
            assignee_id=assignee,
            due_on=d(due),
            rule_code=rule_of[kind],
            provisional=False,
            level=level,
            level_changed_on=d("2026-11-02"),
            resolved_on=d("2026-11-02") if level is AlertLevel.RESOLVED else None,
            message=f"《{doc.title}》{what}",
            created_at=now,
        )
        db.session.add(alert)
        out[key] = alert
    db.session.flush()
    return out
