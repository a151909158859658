"""The default list of review conclusions seen in practice (docs/rules.md §4); the admin may edit it."""

from __future__ import annotations

import sqlalchemy as sa

from tracker.extensions import db
from tracker.rules.models import Conclusion, Outcome

DEFAULT_CONCLUSIONS: tuple[tuple[str, Outcome], ...] = (
    ("合法，同意出台", Outcome.PASS),
    ("基本合法，建议修改后出台", Outcome.PASS),
    ("应当修改后重新送审", Outcome.RETURN),
    ("退回补充程序或材料", Outcome.RETURN),
    ("不合法，不同意出台", Outcome.REJECT),
    ("暂缓出台", Outcome.DEFER),
)


def ensure_conclusions() -> int:
    existing = set(db.session.scalars(sa.select(Conclusion.label)))
    added = 0
    for position, (label, outcome) in enumerate(DEFAULT_CONCLUSIONS):
        if label not in existing:
            db.session.add(Conclusion(label=label, outcome=outcome, position=position))
            added += 1
    db.session.flush()
    return added


def conclusion_by_label(label: str) -> Conclusion:
    return db.session.scalar(sa.select(Conclusion).where(Conclusion.label == label))


def active_conclusions() -> list[Conclusion]:
    """The conclusions a reviewer may choose, in the administrator's order."""
    return list(
        db.session.scalars(sa.select(Conclusion).where(Conclusion.active.is_(True)).order_by(Conclusion.position))
    )
