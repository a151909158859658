"""The judicial office's daily work: public comment, procedures, submission, review, opinion, deliberation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy.orm.exc import StaleDataError

from tracker.audit import services as audit
from tracker.auth.models import Role, User
from tracker.auth.permissions import may
from tracker.common.numbering import format_number, next_serial
from tracker.common.timeutil import office_today
from tracker.documents.models import AttachmentKind, Document
from tracker.documents.services import VERSION_STATES, add_attachment
from tracker.documents.states import DocStatus
from tracker.errors import ConcurrentEdit, InvalidTransition, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.files.uploads import XLSX_TYPE, CheckedFile
from tracker.review import clauses
from tracker.review import word as review_word
from tracker.review.comment_record import comment_record_xlsx
from tracker.review.models import (
    Consultation,
    ConsultationComment,
    Deliberation,
    DeliberationDecision,
    Disposition,
    Finding,
    FindingResponse,
    FlagState,
    Opinion,
    PointResult,
    PrecheckFlag,
    ProcedureCheck,
    ProcedureKind,
    ReviewPoint,
    ReviewPointResult,
    ReviewRound,
)
from tracker.rules.calendar import WorkCalendar
from tracker.rules.due import DeadlineMoved
from tracker.rules.models import Conclusion, DayUnit, Outcome
from tracker.rules.ruleset import get_rule, get_setting
from tracker.rules.services import add_period, compute_due, load_calendar
from tracker.workflow.service import DOCUMENT, apply, require

MAX_TEXT = 3000
# A plausibility check on typed dates, not a time limit of the rule set.
FAR_AHEAD_YEARS = 1

_CONCLUDE = ("conclude_pass", "conclude_return", "conclude_reject", "conclude_defer")
# From the table: a packet is in the judicial office's hands from submission until a conclusion or a return;
# the worksheet is open while a conclusion can still be drawn.
IN_REVIEW_STATES = DOCUMENT.sources_of("accept_for_review", "return_packet", *_CONCLUDE)
WORKSHEET_STATES = DOCUMENT.sources_of(*_CONCLUDE)
# Findings are answered once the document is back with its drafting unit after a concluded review
# (before a resubmission, or before drafting resumes after 不同意出台 / 暂缓出台).
ANSWER_STATES = frozenset({DocStatus.RETURNED}) | DOCUMENT.sources_of("resume_drafting")


def _text(value: str | None, label: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}。")
    if len(value) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 字（现为 {len(value)} 字）。")
    return value


def _require(actor, permission: str, obj, message: str) -> None:
    if not may(actor, permission, obj):
        raise PermissionDenied(message)


def latest_round(doc: Document) -> ReviewRound | None:
    return db.session.scalar(
        sa.select(ReviewRound).where(ReviewRound.document_id == doc.id).order_by(ReviewRound.round_no.desc()).limit(1)
    )


def previous_points(rnd: ReviewRound) -> list[ReviewPointResult]:
    """The worksheet of the round before this one (round 2 starts from round 1's judgments)."""
    if rnd.round_no <= 1:
        return []
    earlier = db.session.scalar(
        sa.select(ReviewRound).where(
            ReviewRound.document_id == rnd.document_id, ReviewRound.round_no == rnd.round_no - 1
        )
    )
    return list(earlier.points) if earlier is not None else []


def rounds_of(doc: Document) -> list[ReviewRound]:
    return list(
        db.session.scalars(
            sa.select(ReviewRound).where(ReviewRound.document_id == doc.id).order_by(ReviewRound.round_no)
        )
    )


# --- public comment and other procedures (docs/rules.md §2 stages 3–5) --------------------------------------


def save_consultation(
    doc: Document,
    consultation: Consultation | None,
    *,
    actor,
    now: datetime,
    channel: str,
    url: str | None,
    start_on: date,
    end_on: date,
    short_reason: str | None,
    summary: str = "",
    dates_confirmed: bool = False,
) -> Consultation:
    _require(actor, "document.edit", doc, "只有本单位经办人可以登记征求意见。")
    if doc.status not in VERSION_STATES:
        raise ValidationFailed(f"文件当前为“{doc.status.label}”，不能再登记征求意见。")
    if consultation is not None and consultation.closed_on is not None:
        raise ValidationFailed("该次征求意见已经结束，起止日期按实际记录，不能再修改。")
    if end_on < start_on:
        raise ValidationFailed("征求意见的结束日期不能早于开始日期。")
    today = office_today(now)
    # A window years away is most likely a typing slip (2062 for 2026): asked once, kept if confirmed.
    if start_on > today + relativedelta(years=FAR_AHEAD_YEARS) and not dates_confirmed:
        raise ValidationFailed(
            f"开始日期 {start_on.isoformat()} 在 {FAR_AHEAD_YEARS} 年以后，请核对年份；确实无误的，"
            "勾选“日期无误”后再保存。"
        )
    rule = get_rule("comment_min", town_id=doc.town_id)
    days = (end_on - start_on).days + 1
    reason = _text(short_reason, "期限较短的理由", limit=1000)
    if days < rule.value and not reason:
        raise ValidationFailed(
            f"征求意见期为 {days} 日，少于规定的 {rule.value} 日（{rule.source}），须填写期限较短的理由。"
        )
    creating = consultation is None
    if creating:
        consultation = Consultation(document=doc, created_by_id=actor.id, created_at=now)
        db.session.add(consultation)
    consultation.channel = _text(channel, "发布渠道", required=True, limit=100)
    consultation.url = _text(url, "网址", limit=500) or None
    consultation.start_on, consultation.end_on = start_on, end_on
    consultation.short_reason = reason if days < rule.value else None
    consultation.rule_min_days = rule.value
    consultation.summary = _text(summary, "情况说明")
    db.session.flush()
    audit.record(
        "consultation.save",
        actor=actor,
        now=now,
        object_type="consultation",
        object_id=consultation.id,
        document_id=doc.id,
        summary=f"{'登记' if creating else '修改'}公开征求意见：{start_on.isoformat()} 至 "
        f"{end_on.isoformat()}（{days} 日）" + (f"，期限较短理由：{reason}" if days < rule.value else ""),
    )
    return consultation


def open_consultation(doc: Document) -> Consultation | None:
    """The latest window not closed yet (a new window can be registered after a closed one)."""
    return db.session.scalar(
        sa.select(Consultation)
        .where(Consultation.document_id == doc.id, Consultation.closed_on.is_(None))
        .order_by(Consultation.id.desc())
        .limit(1)
    )


def close_consultation(doc: Document, *, actor, now: datetime, closed_on: date, reason: str) -> Consultation:
    """结束征求意见 on the day it really ended; before the announced end only with a reason (docs/rules.md §2).

    The record keeps both: the announced window and the real one, so the days counted are the days comment was
    open. The 征求意见及采纳情况 material is produced from the comments recorded, when every one is handled.
    """
    # State and permission are the transition's; the dates and the reason are this page's.
    require(doc, "close_consultation", actor=actor, now=now, form_pending=True)
    consultation = open_consultation(doc)
    if consultation is None:
        raise InvalidTransition("没有进行中的征求意见。")
    today = office_today(now)
    if closed_on > today:
        raise ValidationFailed("结束日期不能晚于今天。")
    if closed_on < consultation.start_on:
        raise ValidationFailed(f"结束日期不能早于征求意见开始日期（{consultation.start_on.isoformat()}）。")
    reason = _text(reason, "提前结束的理由", limit=1000)
    early = closed_on < consultation.end_on
    if early and not reason:
        days = (closed_on - consultation.start_on).days + 1
        raise ValidationFailed(
            f"原定 {consultation.end_on.isoformat()} 结束，提前到 {closed_on.isoformat()} 结束（实际 {days} 日），"
            "须写明提前结束的理由。"
        )
    consultation.closed_on, consultation.close_reason = closed_on, (reason or None) if early else None
    db.session.flush()
    note = (
        f"征求意见 {consultation.start_on.isoformat()} 至 {consultation.actual_end_on.isoformat()}，"
        f"实际 {consultation.days} 日"
        + (f"（原定至 {consultation.end_on.isoformat()}，提前结束：{reason}）" if early else "")
        + f"，收到意见 {len(consultation.comments)} 条"
    )
    apply(doc, "close_consultation", actor=actor, now=now, note=note)
    if not any(c.disposition is Disposition.PENDING for c in consultation.comments):
        comment_record(doc, consultation, actor=actor, now=now)
    return consultation


def comment_record(doc: Document, consultation: Consultation, *, actor, now: datetime):
    """征求意见及采纳情况 as a material of the packet, made from the comments recorded (not uploaded again)."""
    _require(actor, "document.edit", doc, "只有本单位经办人可以生成征求意见及采纳情况。")
    if consultation.closed_on is None:
        raise InvalidTransition("征求意见结束后才能生成征求意见及采纳情况。")
    pending = [c for c in consultation.comments if c.disposition is Disposition.PENDING]
    if pending:
        raise ValidationFailed(f"尚有 {len(pending)} 条意见未登记处理情况（采纳、部分采纳或不采纳）。")
    data = comment_record_xlsx(doc, consultation)
    checked = CheckedFile(data, "征求意见及采纳情况.xlsx", XLSX_TYPE, "xlsx")
    return add_attachment(
        doc, checked, kind=AttachmentKind.COMMENT_RECORD, title="征求意见及采纳情况（系统生成）", actor=actor, now=now
    )


def add_comment(
    consultation: Consultation,
    *,
    actor,
    now: datetime,
    commenter: str,
    content: str,
    received_on: date | None,
    disposition: Disposition,
    reason: str,
) -> ConsultationComment:
    doc = consultation.document
    _require(actor, "document.edit", doc, "只有本单位经办人可以登记意见。")
    if received_on and received_on < consultation.start_on:
        raise ValidationFailed("收到意见的日期不能早于征求意见开始日期。")
    reason = _text(reason, "处理理由")
    if disposition in (Disposition.NOT_ADOPTED, Disposition.PARTLY) and not reason:
        raise ValidationFailed("不采纳或部分采纳的意见须说明理由。")
    comment = ConsultationComment(
        consultation=consultation,
        commenter=_text(commenter, "意见人", limit=100),
        content=_text(content, "意见内容", required=True),
        received_on=received_on,
        disposition=disposition,
        reason=reason,
    )
    db.session.add(comment)
    db.session.flush()
    audit.record(
        "consultation.comment",
        actor=actor,
        now=now,
        object_type="consultation_comment",
        object_id=comment.id,
        document_id=doc.id,
        summary=f"登记意见（{disposition.label}）",
    )
    return comment


def record_procedure(
    doc: Document,
    kind: ProcedureKind,
    *,
    actor,
    now: datetime,
    applicable: bool,
    conclusion: str,
    record: CheckedFile | None,
) -> ProcedureCheck:
    _require(actor, "document.edit", doc, "只有本单位经办人可以登记程序材料。")
    conclusion = _text(conclusion, "结论")
    if applicable and not conclusion:
        raise ValidationFailed(f"适用{kind.label}的，须填写结论。")
    attachment_kind = {
        ProcedureKind.FAIR_COMPETITION: AttachmentKind.FAIR_COMPETITION,
        ProcedureKind.EXPERT: AttachmentKind.EXPERT_REPORT,
        ProcedureKind.RISK: AttachmentKind.RISK_ASSESSMENT,
        ProcedureKind.DEPARTMENTS: AttachmentKind.DEPARTMENT_OPINION,
    }[kind]
    check = db.session.scalar(
        sa.select(ProcedureCheck).where(ProcedureCheck.document_id == doc.id, ProcedureCheck.kind == kind)
    )
    if check is None:
        check = ProcedureCheck(document_id=doc.id, kind=kind, created_at=now)
        db.session.add(check)
    check.applicable, check.conclusion, check.recorded_by_id = applicable, conclusion, actor.id
    if record is not None:
        check.attachment = add_attachment(
            doc, record, kind=attachment_kind, title=f"{kind.label}记录", actor=actor, now=now
        )
    db.session.flush()
    audit.record(
        "procedure.record",
        actor=actor,
        now=now,
        object_type="procedure_check",
        object_id=check.id,
        document_id=doc.id,
        summary=f"{kind.label}：{'适用' if applicable else '不适用'}" + (f"，{conclusion}" if conclusion else ""),
    )
    return check


# --- submission and the review desk (stages 6–7) ---------------------------------------------------------


def submit_for_review(doc: Document, *, actor, now: datetime, received_on: date | None = None) -> ReviewRound:
    """送审: the packet checklist is the transition's guard; the review limit runs from the receipt date."""
    today = office_today(now)
    received_on = received_on or today
    if received_on > today:
        raise ValidationFailed("收件日期不能晚于今天。")
    if received_on < today - timedelta(days=30):
        raise ValidationFailed("收件日期不能早于 30 日前，请核对。")
    apply(doc, "submit_for_review", actor=actor, now=now)
    previous = latest_round(doc)
    due = compute_due("review_max", received_on, town_id=doc.town_id)
    rnd = ReviewRound(
        document=doc,
        round_no=(previous.round_no + 1) if previous else 1,
        submitted_at=now,
        submitted_by_id=actor.id,
        version_id_reviewed=doc.versions[-1].id if doc.versions else None,
        received_on=received_on,
        due_on=due.day,
        due_rule_code=due.rule_code,
        due_rule_days=due.rule_value,
        due_provisional=due.provisional,
        created_at=now,
    )
    db.session.add(rnd)
    db.session.flush()
    audit.record(
        "review.submitted",
        actor=actor,
        now=now,
        object_type="review_round",
        object_id=rnd.id,
        document_id=doc.id,
        summary=f"第 {rnd.round_no} 轮送审，司法所收件 {received_on.isoformat()}，"
        f"审查期限至 {due.day.isoformat()}" + ("（暂定）" if due.provisional else ""),
    )
    clauses.run_precheck(rnd, actor=actor, now=now)
    return rnd


def return_packet(doc: Document, *, actor, now: datetime, note: str) -> None:
    rnd = latest_round(doc)
    apply(doc, "return_packet", actor=actor, now=now, note=note)
    rnd.returned_at = now
    rnd.summary = _text(note, "退回理由", required=True)
    db.session.flush()


def _reviewer(reviewer_id: int) -> User:
    user = db.session.get(User, reviewer_id)
    if user is None or user.role is not Role.REVIEWER or not user.active:
        raise ValidationFailed("所选审查人不是在岗的司法所审查员。")
    return user


def accept(doc: Document, *, actor, now: datetime, reviewer_id: int) -> ReviewRound:
    rnd = latest_round(doc)
    reviewer = _reviewer(reviewer_id)
    apply(doc, "accept_for_review", actor=actor, now=now, note=f"审查人：{reviewer.display_name}")
    rnd.reviewer_id = reviewer.id
    db.session.flush()
    return rnd


def reassign(rnd: ReviewRound, *, actor, now: datetime, reviewer_id: int) -> None:
    _require(actor, "review", rnd.document, "只有司法所审查员可以分配审查任务。")
    if rnd.document.status not in WORKSHEET_STATES or rnd.concluded_at:
        raise InvalidTransition("本轮审查已结束，不能改派审查人。")
    reviewer = _reviewer(reviewer_id)
    rnd.reviewer_id = reviewer.id
    db.session.flush()
    audit.record(
        "review.assign",
        actor=actor,
        now=now,
        object_type="review_round",
        object_id=rnd.id,
        document_id=rnd.document_id,
        summary=f"改派审查人：{reviewer.display_name}",
    )


def extend(rnd: ReviewRound, *, actor, now: datetime, days: int, reason: str) -> date:
    """An extension needs a written reason; it moves the due date by working days, within the rule's cap."""
    _require(actor, "review", rnd.document, "只有司法所审查员可以延长审查期限。")
    if rnd.document.status not in WORKSHEET_STATES or rnd.concluded_at:
        raise InvalidTransition("只有审查中的送审件可以延长期限。")
    if rnd.extended_due_on is not None:
        raise InvalidTransition("本轮审查已延长过一次期限。")
    rule = get_rule("review_extension", town_id=rnd.document.town_id)
    if not 1 <= days <= rule.value:
        raise ValidationFailed(f"延长天数须在 1 至 {rule.value} 个工作日之间（{rule.source}）。")
    reason = _text(reason, "延长理由", required=True, limit=1000)
    due = load_calendar().add_working_days(rnd.due_on, days)
    rnd.extended_due_on, rnd.extension_reason = due.day, reason
    rnd.due_provisional = rnd.due_provisional or due.provisional
    db.session.flush()
    audit.record(
        "review.extend",
        actor=actor,
        now=now,
        object_type="review_round",
        object_id=rnd.id,
        document_id=rnd.document_id,
        summary=f"审查期限延长 {days} 个工作日至 {due.day.isoformat()}：{reason}",
        before={"due_on": rnd.due_on.isoformat()},
        after={"due_on": due.day.isoformat()},
    )
    return due.day


# --- the worksheet, findings and the opinion (stages 7–8) ----------------------------------------------


def _open_round(rnd: ReviewRound, actor) -> None:
    _require(actor, "review", rnd.document, "只有司法所审查员可以填写审查工作表。")
    if rnd.document.status not in WORKSHEET_STATES or rnd.concluded_at is not None:
        raise InvalidTransition("本轮审查已结束或尚未受理，工作表不能修改。")


def save_points(
    rnd: ReviewRound,
    *,
    actor,
    now: datetime,
    results: dict[ReviewPoint, tuple[PointResult, str]],
    expected_version: int | None,
) -> None:
    _open_round(rnd, actor)
    if expected_version is not None and expected_version != rnd.version_id:
        raise ConcurrentEdit("工作表已被他人修改，您的修改未保存。请刷新页面查看最新内容后再填写。")
    existing = {p.point: p for p in rnd.points}
    for point, (result, note) in results.items():
        row = existing.get(point)
        if row is None:
            row = ReviewPointResult(round=rnd, point=point)
            db.session.add(row)
        if result is PointResult.DOES_NOT and not (note or "").strip():
            raise ValidationFailed(f"“{point.label}”判为不符合的，须在说明中写明问题。")
        row.result, row.note = result, _text(note, f"“{point.label}”的说明")
    # Updating the round bumps its version: a second reviewer saving an older worksheet gets a conflict.
    rnd.worksheet_saved_at = now
    try:
        db.session.flush()
    except StaleDataError:
        raise ConcurrentEdit("工作表已被他人修改，请刷新后再填写。") from None
    audit.record(
        "review.points",
        actor=actor,
        now=now,
        object_type="review_round",
        object_id=rnd.id,
        document_id=rnd.document_id,
        summary="填写审查要点",
    )


def add_finding(
    rnd: ReviewRound,
    *,
    actor,
    now: datetime,
    clause: str,
    problem: str,
    legal_basis: str,
    suggestion: str,
    unit_key: str = "",
    flag_id: int | None = None,
) -> Finding:
    """A finding, anchored to its clause in the version under review: the clause chosen in the text (unit_key),
    else the one the typed reference names. A finding made from a pre-check flag closes the flag."""
    _open_round(rnd, actor)
    flag = None
    if flag_id is not None:
        flag = db.session.get(PrecheckFlag, flag_id)
        if flag is None or flag.round_id != rnd.id:
            raise ValidationFailed("该预检提示不属于本轮审查。")
        if flag.state is not FlagState.OPEN:
            raise InvalidTransition(f"该预检提示{flag.state.label}，不能再转为审查意见。")
        unit_key = unit_key or flag.unit_key
    structure = clauses.structure_of(clauses.reviewed_version(rnd))
    unit = None
    if unit_key:
        unit = structure.unit(unit_key) if structure is not None else None
        if unit is None and not (flag is not None and flag.unit_key == ""):
            raise ValidationFailed("所选条款不在本轮审查的稿件中，请在左侧正文中重新选择。")
    elif structure is not None:
        unit = clauses.unit_by_ref(structure, clause)
    clause = _text(clause, "条款", limit=100) or (unit.ref if unit is not None else "")
    position = max((f.position for f in rnd.findings), default=-1) + 1
    finding = Finding(
        round=rnd,
        position=position,
        clause=clause,
        problem=_text(problem, "问题", required=True),
        legal_basis=_text(legal_basis, "法律依据"),
        suggestion=_text(suggestion, "修改建议"),
        text_version_id=rnd.version_id_reviewed if unit is not None else None,
        unit_key=unit.key if unit is not None else "",
        quote=unit.text if unit is not None else "",
    )
    db.session.add(finding)
    db.session.flush()
    if flag is not None:
        flag.state, flag.finding_id, flag.decided_by_id, flag.decided_at = FlagState.FINDING, finding.id, actor.id, now
    audit.record(
        "review.finding",
        actor=actor,
        now=now,
        object_type="finding",
        object_id=finding.id,
        document_id=rnd.document_id,
        summary=f"提出审查意见：{finding.clause or '总体'}" + (f"（由预检提示“{flag.label}”转入）" if flag else ""),
    )
    return finding


def delete_finding(finding: Finding, *, actor, now: datetime) -> None:
    """Delete a finding; a pre-check flag it was made from is open again."""
    _open_round(finding.round, actor)
    doc_id, clause = finding.round.document_id, finding.clause
    for flag in db.session.scalars(sa.select(PrecheckFlag).where(PrecheckFlag.finding_id == finding.id)):
        flag.state, flag.finding_id, flag.decided_by_id, flag.decided_at = FlagState.OPEN, None, None, None
    db.session.delete(finding)
    db.session.flush()
    audit.record(
        "review.finding_delete",
        actor=actor,
        now=now,
        object_type="finding",
        object_id=None,
        document_id=doc_id,
        summary=f"删除审查意见：{clause or '总体'}",
    )


def dismiss_flag(flag: PrecheckFlag, *, actor, now: datetime, reason: str) -> None:
    """The reviewer rules a flag out, with the reason; the flag and the reason stay on record."""
    _open_round(flag.round, actor)
    if flag.state is not FlagState.OPEN:
        raise InvalidTransition(f"该预检提示{flag.state.label}，不能再排除。")
    flag.reason = _text(reason, "排除理由", required=True, limit=1000)
    flag.state, flag.decided_by_id, flag.decided_at = FlagState.DISMISSED, actor.id, now
    db.session.flush()
    audit.record(
        "review.flag_dismiss",
        actor=actor,
        now=now,
        object_type="precheck_flag",
        object_id=flag.id,
        document_id=flag.round.document_id,
        summary=f"排除预检提示（{flag.ref}，{flag.label}）：{flag.reason}",
    )


def rerun_precheck(rnd: ReviewRound, *, actor, now: datetime) -> int:
    """Read the version again with the rules in force now (after the office changed them)."""
    _open_round(rnd, actor)
    return clauses.run_precheck(rnd, actor=actor, now=now, audited=True)


# A summary that calls the content lawful (程序合法，内容合法) contradicts a 暂缓 or 不同意 conclusion.
_CLAIMS_LAWFUL = re.compile(r"(?<![不非])(?:内容|均|完全)合法|合法[，,、]\s*同意")


def check_reasons(conclusion: Conclusion, summary: str) -> None:
    """暂缓出台 and 不同意出台 state their reasons, and their text may not say the opposite (docs/rules.md §4)."""
    if conclusion.outcome not in (Outcome.DEFER, Outcome.REJECT):
        return
    if not summary:
        raise ValidationFailed(f"结论为“{conclusion.label}”的，须在审查意见综述中写明理由。")
    if _CLAIMS_LAWFUL.search(summary):
        raise ValidationFailed(
            f"结论为“{conclusion.label}”，综述却写“合法”，两者矛盾：请写明{conclusion.label}的理由。"
        )


_ACTION_BY_OUTCOME = {
    Outcome.PASS: "conclude_pass",
    Outcome.RETURN: "conclude_return",
    Outcome.REJECT: "conclude_reject",
    Outcome.DEFER: "conclude_defer",
}


@dataclass(frozen=True)
class ReviewTime:
    """How long the 司法所 had for a round: working days from the day after receipt to the opinion (or today), against
    the rule set's minimum (`review_min`, 一般不少于 5 个工作日, docs/rules.md §3). Shorter is allowed, and said."""

    working_days: int
    minimum: int
    earliest: date  # the first day an opinion gives the reviewer the minimum time

    @property
    def short(self) -> bool:
        return self.working_days < self.minimum


def review_time(rnd: ReviewRound, *, today: date, calendar: WorkCalendar | None = None) -> ReviewTime:
    calendar = calendar or load_calendar()
    minimum = compute_due("review_min", rnd.received_on, calendar=calendar)
    end = rnd.concluded_on or today
    return ReviewTime(calendar.working_days_between(rnd.received_on, end), minimum.rule_value, minimum.day)


def issue_opinion(
    doc: Document, *, actor, now: datetime, conclusion_id: int, summary: str, addressee: str | None = None
) -> Opinion:
    """Set the conclusion, allocate the opinion number (unique per year, never skipped), move the document and
    generate the opinion's Word file."""
    rnd = latest_round(doc)
    if rnd is None:
        raise InvalidTransition("该文件没有送审记录。")
    _open_round(rnd, actor)
    conclusion = db.session.get(Conclusion, conclusion_id)
    if conclusion is None or not conclusion.active:
        raise ValidationFailed("请选择有效的审查结论。")
    answered = {p.point for p in rnd.points}
    missing = [p.label for p in ReviewPoint if p not in answered]
    if missing:
        raise ValidationFailed("审查工作表尚未填写完整：" + "、".join(missing) + "。")
    if conclusion.outcome in (Outcome.RETURN, Outcome.REJECT) and not rnd.findings:
        raise ValidationFailed(f"结论为“{conclusion.label}”的，须至少列出一条具体审查意见。")
    summary = _text(summary, "审查意见综述")
    check_reasons(conclusion, summary)
    today = office_today(now)
    rnd.conclusion = conclusion
    rnd.concluded_on, rnd.concluded_at, rnd.concluded_by_id = today, now, actor.id
    rnd.summary = summary
    db.session.flush()
    apply(doc, _ACTION_BY_OUTCOME[conclusion.outcome], actor=actor, now=now, note=conclusion.label)
    # Each town's 司法所 numbers its own opinions, in the pattern its town set.
    seq = next_serial(f"opinion:{doc.town_id}", today.year)
    number = format_number(get_setting("opinion_number_pattern", town_id=doc.town_id), year=today.year, seq=seq)
    if db.session.scalar(sa.select(Opinion.id).where(Opinion.number == number)) is not None:
        raise ValidationFailed(
            f"审查意见书编号“{number}”已被其他镇街使用：请管理员在编号规则中为本镇设置自己的审查意见书编号格式。"
        )
    opinion = Opinion(
        round=rnd,
        document_id=doc.id,
        year=today.year,
        seq=seq,
        number=number,
        issued_on=today,
        issued_by_id=actor.id,
        addressee=_text(addressee, "主送", limit=100) or doc.drafting_unit.name,
        created_at=now,
    )
    db.session.add(opinion)
    db.session.flush()
    took = review_time(rnd, today=today)
    audit.record(
        "review.opinion",
        actor=actor,
        now=now,
        object_type="opinion",
        object_id=opinion.id,
        document_id=doc.id,
        summary=f"出具审查意见书 {number}：{conclusion.label}"
        + (
            f"（审查用时 {took.working_days} 个工作日，少于一般审查时间 {took.minimum} 个工作日）" if took.short else ""
        ),
    )
    # Every round's opinion exists as a file from the moment it is issued (regenerating adds versions).
    review_word.generate_opinion(opinion, actor=actor, now=now)
    return opinion


def awaits_answers(doc: Document, rnd: ReviewRound | None) -> bool:
    """The drafter answers this round's findings: after a return, a rejection or a deferral, and also under a
    passing conclusion that came with suggestions (基本合法，建议修改后出台) — those not adopted are explained at the
    collective deliberation (国办发〔2018〕37号), so they are answered before it."""
    if rnd is None or not rnd.findings:
        return False
    if doc.status in ANSWER_STATES:
        return True
    return doc.status is DocStatus.PASSED and rnd.conclusion is not None and rnd.conclusion.passing


def unanswered(rnd: ReviewRound | None) -> list[Finding]:
    return [f for f in rnd.findings if f.response is None] if rnd is not None else []


def answer_finding(finding: Finding, *, actor, now: datetime, response: FindingResponse, reason: str) -> None:
    doc = finding.round.document
    _require(actor, "draft", doc, "只有本单位经办人可以答复审查意见。")
    latest = latest_round(doc)
    if not awaits_answers(doc, latest):
        raise InvalidTransition("当前无需答复审查意见。")
    if finding.round_id != latest.id:
        raise InvalidTransition("只能答复最近一轮的审查意见。")
    reason = _text(reason, "理由")
    if response is not FindingResponse.ADOPTED and not reason:
        raise ValidationFailed("不采纳或部分采纳审查意见的，须说明理由（将提交集体审议时说明）。")
    finding.response, finding.response_reason = response, reason
    finding.responded_by_id, finding.responded_at = actor.id, now
    db.session.flush()
    audit.record(
        "review.answer",
        actor=actor,
        now=now,
        object_type="finding",
        object_id=finding.id,
        document_id=doc.id,
        summary=f"答复审查意见（{finding.clause or '总体'}）：{response.label}",
    )


# --- collective deliberation (stage 10) ----------------------------------------------------------------

_ACTION_BY_DECISION = {
    DeliberationDecision.APPROVED: "approve_deliberation",
    DeliberationDecision.REVISE: "deliberation_revise",
    DeliberationDecision.NOT_APPROVED: "deliberation_reject",
}


def record_deliberation(
    doc: Document,
    *,
    actor,
    now: datetime,
    meeting_name: str,
    held_on: date,
    decision: DeliberationDecision,
    note: str,
    minutes: CheckedFile | None,
) -> Deliberation:
    """Forbidden without a passing review: the transition's guard checks the latest conclusion."""
    rnd = latest_round(doc)
    if held_on > office_today(now):
        raise ValidationFailed("会议日期不能晚于今天。")
    if rnd is not None and rnd.concluded_on and held_on < rnd.concluded_on:
        raise ValidationFailed("会议日期不能早于合法性审查意见的出具日期。")
    note = _text(note, "会议意见", required=decision is not DeliberationDecision.APPROVED)
    apply(doc, _ACTION_BY_DECISION[decision], actor=actor, now=now, note=note or decision.label)
    record = Deliberation(
        document_id=doc.id,
        round_id=rnd.id if rnd else None,
        meeting_name=_text(meeting_name, "会议名称", required=True, limit=100),
        held_on=held_on,
        decision=decision,
        note=note,
        recorded_by_id=actor.id,
        created_at=now,
    )
    if minutes is not None:
        record.minutes_attachment_id = add_attachment(
            doc, minutes, kind=AttachmentKind.MINUTES, title=f"{record.meeting_name}纪要", actor=actor, now=now
        ).id
    db.session.add(record)
    db.session.flush()
    audit.record(
        "deliberation.record",
        actor=actor,
        now=now,
        object_type="deliberation",
        object_id=record.id,
        document_id=doc.id,
        summary=f"{record.meeting_name}（{held_on.isoformat()}）：{decision.label}",
    )
    return record


def recompute_provisional_due(calendar: WorkCalendar) -> list[DeadlineMoved]:
    """Review due dates computed on a year whose holiday schedule was not published are computed again on the
    calendar as it is now; those that moved are returned (an extended due date was set by hand and stays)."""
    moved = []
    stmt = (
        sa.select(ReviewRound, Document.title, Document.drafting_unit_id)
        .join(Document, Document.id == ReviewRound.document_id)
        .where(
            Document.status.in_([DocStatus.SUBMITTED, DocStatus.UNDER_REVIEW]),
            ReviewRound.due_provisional.is_(True),
            ReviewRound.concluded_at.is_(None),
            ReviewRound.extended_due_on.is_(None),
        )
    )
    for rnd, title, unit_id in db.session.execute(stmt):
        day, provisional = add_period(rnd.received_on, rnd.due_rule_days, DayUnit.WORKING_DAYS, calendar)
        if (day, provisional) != (rnd.due_on, True):
            if day != rnd.due_on:
                moved.append(DeadlineMoved(rnd.document_id, unit_id, title, "合法性审查期限", rnd.due_on, day))
            rnd.due_on, rnd.due_provisional = day, provisional
    db.session.flush()
    return moved
