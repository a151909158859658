"""Guards of the transitions about renewal after evaluation."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.cleanup.models import Evaluation, EvaluationConclusion
from tracker.extensions import db
from tracker.workflow.guards import guard


@guard("renewal_agreed")
def renewal_agreed(document, today: date) -> str | None:
    """Re-registration follows an evaluation whose 继续施行 the 司法所 agreed to."""
    agreed = db.session.scalar(
        sa.select(Evaluation.id)
        .where(
            Evaluation.document_id == document.id,
            Evaluation.conclusion == EvaluationConclusion.CONTINUE,
            Evaluation.concluded_on.is_not(None),
        )
        .limit(1)
    )
    if agreed is None:
        return "须经评估并由司法所同意“继续施行”后才能重新登记发布。"
    return None
