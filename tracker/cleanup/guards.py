"""Guards of the transitions about renewal after evaluation."""

from __future__ import annotations

from datetime import date

from tracker.cleanup.models import EvaluationConclusion
from tracker.cleanup.queries import evaluations_of
from tracker.workflow.guards import guard


@guard("renewal_agreed")
def renewal_agreed(document, today: date) -> str | None:
    """Re-registration follows an evaluation whose 继续施行 the 司法所 agreed to."""
    agreed = any(
        e.conclusion is EvaluationConclusion.CONTINUE and e.concluded_on is not None for e in evaluations_of(document)
    )
    if not agreed:
        return "须经评估并由司法所同意“继续施行”后才能重新登记发布。"
    return None


@guard("campaign_results_reviewed")
def campaign_results_reviewed(campaign, today: date) -> str | None:
    """A campaign goes to deliberation once the 司法所 has reviewed every document's result."""
    missing = [i.document.title for i in campaign.items if i.reviewed_result is None]
    if missing:
        return f"尚有 {len(missing)} 件文件没有经司法所审核的清理结果，不能提交审议：《{missing[0]}》等。"
    return None
