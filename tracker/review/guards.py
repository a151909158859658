"""Guards of the transitions about public comment, submission, review conclusions and deliberation."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.common.together import rows_of
from tracker.extensions import db
from tracker.review.models import Consultation
from tracker.review.packet import missing_materials
from tracker.review.queries import rounds_part
from tracker.workflow.guards import guard


def _latest_round(document):
    """The latest round (a page's guards read the rounds its review panel shows: common/together.py)."""
    rounds = rows_of(rounds_part(document))
    return rounds[-1] if rounds else None


@guard("has_open_consultation")
def has_open_consultation(document, today: date) -> str | None:
    stmt = sa.select(Consultation.id).where(
        Consultation.document_id == document.id, Consultation.end_on >= today, Consultation.closed_on.is_(None)
    )
    if db.session.scalar(stmt.limit(1)) is None:
        return "请先登记征求意见的起止日期和发布渠道。"
    return None


@guard("ready_to_submit")
def ready_to_submit(document, today: date) -> str | None:
    """The packet is complete; after a return, every finding is answered and a revised version uploaded."""
    missing = missing_materials(document)
    if missing:
        return "送审材料不齐全，缺少：" + "、".join(missing) + "。"
    rnd = _latest_round(document)
    if rnd is not None and rnd.concluded_at is not None:
        unanswered = [f for f in rnd.findings if f.response is None]
        if unanswered:
            return f"尚有 {len(unanswered)} 条审查意见未答复（采纳或不采纳并说明理由）。"
        if rnd.findings and not any(v.uploaded_at > rnd.concluded_at for v in document.versions):
            return "请先上传根据审查意见修改后的新版本。"
    return None


def _conclusion_is(outcome: str):
    def check(document, today: date) -> str | None:
        rnd = _latest_round(document)
        if rnd is None or rnd.conclusion is None:
            return "请先在审查工作表中选定审查结论。"
        if rnd.conclusion.outcome.value != outcome:
            return f"本轮审查结论为“{rnd.conclusion.label}”，与所选操作不一致。"
        return None

    return check


for _outcome in ("pass", "return", "reject", "defer"):
    guard(f"conclusion_is_{_outcome}")(_conclusion_is(_outcome))


@guard("latest_review_passed")
def latest_review_passed(document, today: date) -> str | None:
    rnd = _latest_round(document)
    if rnd is None or rnd.conclusion is None or not rnd.conclusion.passing:
        return "未经合法性审查或审查未通过的，不得提交集体审议（国办发〔2018〕37号）。"
    # Suggestions of a passing opinion are answered first: those not adopted are explained at the deliberation.
    waiting = [f for f in rnd.findings if f.response is None]
    if waiting:
        return (
            f"起草单位尚有 {len(waiting)} 条审查建议未答复（采纳、部分采纳或不采纳并说明理由），"
            "答复后才能提请集体审议，未采纳的须在审议时说明（国办发〔2018〕37号）。"
        )
    return None
