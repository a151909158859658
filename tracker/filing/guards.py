"""Guards of the filing transitions: who answers a submission depends on where it was filed.

A submission filed in this product goes to the city's bureau, which answers it here (its reviewer records the
result); one filed through the city's own system or on paper is answered there, and the clerk records the answer.
"""

from __future__ import annotations

from datetime import date

from tracker.filing.queries import latest_attempt
from tracker.workflow.guards import guard


@guard("filed_elsewhere")
def filed_elsewhere(document, today: date) -> str | None:
    attempt = latest_attempt(document)
    if attempt is not None and attempt.in_product:
        return "该文件已在本系统报送市司法局备案审查，审查结果由备案审查机关在本系统作出。"
    return None


@guard("awaits_acceptance")
def awaits_acceptance(document, today: date) -> str | None:
    attempt = latest_attempt(document)
    if attempt is None or not attempt.in_product:
        return "该文件没有在本系统报送的备案。"
    if attempt.accepted_on is not None:
        return f"本次报送已于 {attempt.accepted_on.isoformat()} 受理，不能再退回材料。"
    return None


@guard("accepted_for_review")
def accepted_for_review(document, today: date) -> str | None:
    attempt = latest_attempt(document)
    if attempt is None or not attempt.in_product:
        return "该文件没有在本系统报送的备案。"
    if attempt.accepted_on is None:
        return "请先受理本次报送，再作出审查结果。"
    return None
