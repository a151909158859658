"""The phases of a clean-up campaign, declared as a table like the documents' lifecycle (workflow/machine.py)."""

from __future__ import annotations

from tracker.cleanup.models import CampaignPhase
from tracker.workflow.machine import Machine, Transition

P = CampaignPhase

# fmt: off
CAMPAIGN_TRANSITIONS: tuple[Transition, ...] = (
    # The first result the 司法所 reviews moves the campaign on (docs/rules.md §6).
    Transition("start_review", "司法所开始审核", frozenset({P.PROPOSING}), P.REVIEWING, "review", field="phase",
               internal=True),
    # The results are deliberated once every one of them has been reviewed, then published as a notice.
    Transition("deliberate", "登记集体审议", frozenset({P.PROPOSING, P.REVIEWING}), P.DELIBERATED, "office",
               field="phase", guard="campaign_results_reviewed", endpoint="cleanup.deliberate",
               wrong_state="该清理已登记审议。", not_allowed="只有党政办文秘可以登记集体审议。"),
    Transition("publish", "公布清理结果", frozenset({P.DELIBERATED}), P.PUBLISHED, "office", field="phase",
               endpoint="cleanup.publish", style="danger",
               wrong_state="清理结果须经集体审议后才能公布。", not_allowed="只有党政办文秘可以公布清理结果。"),
)
# fmt: on

CAMPAIGN = Machine(CAMPAIGN_TRANSITIONS, object_type="cleanup_campaign", audit_prefix="cleanup", what="清理工作")

# Each drafting unit proposes, and the 司法所 reviews, while the results can still go to deliberation.
RESULTS_OPEN = CAMPAIGN.sources_of("deliberate")
