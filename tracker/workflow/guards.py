"""Guards of the transition table: each returns None when the move is allowed, else a Chinese refusal.

They read other modules' records (imported lazily: those modules import the workflow).
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from tracker.extensions import db


def _latest_round(document):
    from tracker.review.models import ReviewRound

    stmt = (
        sa.select(ReviewRound)
        .where(ReviewRound.document_id == document.id)
        .order_by(ReviewRound.round_no.desc())
        .limit(1)
    )
    return db.session.scalar(stmt)


def current_publication(document):
    from tracker.publication.queries import current_publication as _current

    return _current(document)


def has_open_consultation(document, today: date) -> str | None:
    from tracker.review.models import Consultation

    stmt = sa.select(Consultation.id).where(Consultation.document_id == document.id, Consultation.end_on >= today)
    if db.session.scalar(stmt.limit(1)) is None:
        return "请先登记征求意见的起止日期和发布渠道。"
    return None


def ready_to_submit(document, today: date) -> str | None:
    """The packet is complete; after a return, every finding is answered and a revised version uploaded."""
    from tracker.review.packet import missing_materials

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


def conclusion_is(outcome: str):
    def guard(document, today: date) -> str | None:
        rnd = _latest_round(document)
        if rnd is None or rnd.conclusion is None:
            return "请先在审查工作表中选定审查结论。"
        if rnd.conclusion.outcome.value != outcome:
            return f"本轮审查结论为“{rnd.conclusion.label}”，与所选操作不一致。"
        return None

    guard.__name__ = f"conclusion_is_{outcome}"
    return guard


def latest_review_passed(document, today: date) -> str | None:
    rnd = _latest_round(document)
    if rnd is None or rnd.conclusion is None or not rnd.conclusion.passing:
        return "未经合法性审查或审查未通过的，不得提交集体审议（国办发〔2018〕37号）。"
    return None


def has_numbers(document, today: date) -> str | None:
    pub = current_publication(document)
    if pub is None or not pub.issue_number or not pub.normative_number:
        return "请先登记签发信息并分配发文字号和规范性文件编号。"
    return None


def has_publication_date(document, today: date) -> str | None:
    pub = current_publication(document)
    if pub is None or pub.published_on is None or pub.effective_on is None:
        return "请先登记发布日期、发布网址和施行日期。"
    return None


def effective_date_reached(document, today: date) -> str | None:
    pub = current_publication(document)
    if pub is None or pub.effective_on is None:
        return "尚未登记施行日期。"
    if pub.effective_on > today:
        return f"施行日期为 {pub.effective_on.isoformat()}，尚未到达。"
    return None


def validity_ended(document, today: date) -> str | None:
    pub = current_publication(document)
    if pub is None or pub.validity_end_on is None:
        return "该文件未设有效期。"
    if pub.validity_end_on >= today:
        return f"有效期至 {pub.validity_end_on.isoformat()}，尚未届满。"
    return None


def was_published(document, today: date) -> str | None:
    from tracker.workflow.states import EVER_PUBLISHED

    if document.status not in EVER_PUBLISHED:
        return "文件尚未发布，不能办理备案。"
    return None


def renewal_agreed(document, today: date) -> str | None:
    """Re-registration follows an evaluation whose 继续施行 the 司法所 agreed to."""
    from tracker.cleanup.models import Evaluation, EvaluationConclusion

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
