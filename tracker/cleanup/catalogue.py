"""The result catalogue of a clean-up campaign: the reviewed results grouped by category (docs/rules.md §6)."""

from __future__ import annotations

from tracker.cleanup.models import CleanupCampaign, CleanupResult
from tracker.publication.queries import current_publication


def catalogue(campaign: CleanupCampaign) -> dict:
    """One list per result category, in the order of the notice."""
    groups = {r: [] for r in CleanupResult}
    for item in campaign.items:
        if item.reviewed_result is not None:
            pub = current_publication(item.document)
            groups[item.reviewed_result].append(
                {
                    "title": item.document.title,
                    "issue_number": pub.issue_number if pub else "",
                    "normative_number": (pub.normative_number or "") if pub else "",
                    "issuer": item.document.issuer.name,
                    "reason": item.review_note or item.proposed_reason,
                }
            )
    return groups
