"""Guards of the transitions about numbering, publication, entry into force and expiry."""

from __future__ import annotations

from datetime import date

from tracker.publication.queries import current_publication
from tracker.workflow.guards import guard


@guard("has_numbers")
def has_numbers(document, today: date) -> str | None:
    pub = current_publication(document)
    if pub is None or not pub.issue_number or not pub.normative_number:
        return "请先登记签发信息并分配发文字号和规范性文件编号。"
    return None


@guard("has_publication_date")
def has_publication_date(document, today: date) -> str | None:
    pub = current_publication(document)
    if pub is None or pub.published_on is None or pub.effective_on is None:
        return "请先登记发布日期、发布网址和施行日期。"
    return None


@guard("effective_date_reached")
def effective_date_reached(document, today: date) -> str | None:
    pub = current_publication(document)
    if pub is None or pub.effective_on is None:
        return "尚未登记施行日期。"
    if pub.effective_on > today:
        return f"施行日期为 {pub.effective_on.isoformat()}，尚未到达。"
    return None


@guard("validity_ended")
def validity_ended(document, today: date) -> str | None:
    pub = current_publication(document)
    if pub is None or pub.validity_end_on is None:
        return "该文件未设有效期。"
    if pub.validity_end_on >= today:
        return f"有效期至 {pub.validity_end_on.isoformat()}，尚未届满。"
    return None
