"""Filing (备案) with the city justice bureau: the packet, its export, submission, result and correction."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import sqlalchemy as sa

from tracker.audit import services as audit
from tracker.auth.models import Role, Town, User
from tracker.auth.permissions import may
from tracker.common.timeutil import office_today
from tracker.common.xlsx import Column, Sheet, workbook_bytes
from tracker.documents.models import Document
from tracker.documents.states import FilingStatus
from tracker.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.files.storage import path_of
from tracker.filing import opinion_word
from tracker.filing import word as filing_word
from tracker.filing.models import Filing, FilingAttempt, FilingResult
from tracker.filing.packet import missing_from, missing_packet_items, packet
from tracker.filing.queries import current_filing
from tracker.publication.models import Publication
from tracker.publication.queries import current_publication
from tracker.rules.calendar import WorkCalendar
from tracker.rules.due import DeadlineMoved
from tracker.rules.ruleset import get_rule
from tracker.rules.services import add_period, compute_due
from tracker.workflow.service import apply, require

MAX_TEXT = 2000


def _metadata_xlsx(doc: Document) -> bytes:
    pub = current_publication(doc)
    filing = current_filing(doc)
    rows = [
        ("文件名称", doc.title),
        ("发文机关", doc.issuer.name),
        ("起草单位", doc.drafting_unit.name),
        ("文件类别", doc.kind.label),
        ("发文字号", pub.issue_number if pub else ""),
        ("规范性文件编号", (pub.normative_number or "") if pub else ""),
        ("签发日期", pub.signed_on if pub else None),
        ("发布日期", pub.published_on if pub else None),
        ("发布网址", pub.url if pub else ""),
        ("施行日期", pub.effective_on if pub else None),
        ("有效期至", pub.validity_end_on if pub and pub.validity_end_on else "未设有效期"),
        ("提前施行理由", (pub.early_effect_reason or "") if pub else ""),
        ("报备期限", filing.due_on if filing else None),
        ("制定依据", "；".join(b.source.title + (f" {b.articles}" if b.articles else "") for b in doc.bases)),
    ]
    columns = (Column("项目", 18), Column("内容", 70, "auto"))
    return workbook_bytes([Sheet("文件信息", columns, rows, autofilter=False)])


def _early_reason_docx(doc: Document, reason: str) -> bytes:
    import docx

    d = docx.Document()
    d.add_heading(f"关于《{doc.title}》提前施行的说明", level=1)
    d.add_paragraph(reason)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def export_packet(doc: Document) -> tuple[bytes, str]:
    """The whole packet as one .zip, each file under a clear Chinese name, plus a metadata sheet."""
    missing = missing_packet_items(doc)
    if missing:
        raise ValidationFailed("备案材料不齐全，缺少：" + "、".join(missing) + "。请先上传或生成。")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        n = 0
        for item in packet(doc):
            if not item.present:
                continue
            n += 1
            if item.file is not None:
                ext = item.file.original_name.rsplit(".", 1)[-1] if "." in item.file.original_name else "bin"
                zf.write(path_of(item.file), f"{n:02d} {item.label}.{ext}")
            else:
                zf.writestr(f"{n:02d} {item.label}.docx", _early_reason_docx(doc, item.note))
        zf.writestr(f"{n + 1:02d} 文件信息.xlsx", _metadata_xlsx(doc))
    pub = current_publication(doc)
    name = f"{(pub.normative_number or pub.issue_number) if pub else ''}《{doc.title}》备案材料.zip"
    return buf.getvalue(), name


IN_PRODUCT_METHOD = "本系统在线报送"


def bureau_online(doc: Document) -> bool:
    """Whether the city's bureau reviews filings here: an active 备案审查员 in the city of the document's town."""
    city = sa.select(Town.parent_id).where(Town.id == doc.town_id).scalar_subquery()
    stmt = sa.select(User.id).where(User.role == Role.BUREAU, User.active.is_(True), User.town_id == city).limit(1)
    return db.session.scalar(stmt.execution_options(all_towns=True)) is not None


def submit(
    doc: Document,
    *,
    actor,
    now: datetime,
    submitted_on: date,
    method: str,
    system_ref: str,
    check_packet: bool = True,
    in_product: bool = False,
) -> FilingAttempt:
    """报送备案 (also a resubmission after correction); the first submission decides 报备及时.

    in_product: filed here to the city's bureau, which reviews it at its desk (its packet is read there, no .zip);
    the submission is dated today. check_packet=False only for recording filings made before the system existed
    (register import).
    """
    # Who may and from which filing state are the table's (workflow/transitions.py: submit_filing).
    require(doc, "submit_filing", actor=actor, now=now)
    filing = current_filing(doc)
    if filing is None:
        raise InvalidTransition("该文件尚未发布，没有备案事项。")
    pub = current_publication(doc)
    if in_product:
        if not bureau_online(doc):
            raise ValidationFailed("市司法局尚未在本系统开展备案审查，请选择其他报送方式。")
        submitted_on, method, system_ref = office_today(now), IN_PRODUCT_METHOD, ""
    if submitted_on > office_today(now):
        raise ValidationFailed("报送日期不能晚于今天。")
    if submitted_on < pub.published_on:
        raise ValidationFailed("报送日期不能早于发布日期。")
    previous = filing.attempts[-1] if filing.attempts else None
    if previous is not None and previous.result_on and submitted_on < previous.result_on:
        raise ValidationFailed("重新报送日期不能早于上次审查结果的日期。")
    missing = missing_packet_items(doc) if check_packet else []
    if missing:
        raise ValidationFailed("备案材料不齐全，缺少：" + "、".join(missing) + "。")
    method = (method or "").strip()
    if not method or len(method) > 50:
        raise ValidationFailed("请填写报送方式（不超过 50 字）。")
    apply(
        doc,
        "submit_filing",
        actor=actor,
        now=now,
        note=f"{submitted_on.isoformat()} 经{method}报送" + (f"，系统编号 {system_ref}" if system_ref else ""),
    )
    answer = compute_due("filing_review", submitted_on)
    attempt = FilingAttempt(
        filing=filing,
        attempt_no=len(filing.attempts) + 1,
        submitted_on=submitted_on,
        method=method,
        system_ref=(system_ref or "").strip()[:100] or None,
        recorded_by_id=actor.id,
        review_due_on=answer.day,
        review_due_days=answer.rule_value,
        review_due_provisional=answer.provisional,
        in_product=in_product,
    )
    db.session.add(attempt)
    if filing.first_submitted_on is None:
        filing.first_submitted_on = submitted_on
    db.session.flush()
    if check_packet:
        # The report in the packet is dated on the day it is filed, not the day it was first generated.
        filing_word.date_report_on_filing(doc, actor=actor, now=now, submitted_on=submitted_on)
    return attempt


# The transition that records a result: the clerk's (the city answered elsewhere) or the bureau's (answered here).
_ACTION_BY_RESULT = {
    FilingResult.REGISTERED: "filing_registered",
    FilingResult.CORRECTION: "filing_correction",
    FilingResult.NOT_ACCEPTED: "filing_not_accepted",
    FilingResult.CORRECTION_ORDERED: "filing_correction_ordered",
    FilingResult.PACKET_RETURNED: "filing_packet_returned",
}
_BUREAU_ACTION_BY_RESULT = {
    FilingResult.REGISTERED: "bureau_registered",
    FilingResult.CORRECTION: "bureau_correction",
    FilingResult.NOT_ACCEPTED: "bureau_not_accepted",
    FilingResult.CORRECTION_ORDERED: "bureau_correction_ordered",
    FilingResult.PACKET_RETURNED: "bureau_return_packet",
}
NEEDS_CORRECTION = {FilingResult.CORRECTION, FilingResult.CORRECTION_ORDERED, FilingResult.PACKET_RETURNED}


def record_result(
    doc: Document,
    *,
    actor,
    now: datetime,
    result: FilingResult,
    result_on: date,
    note: str,
    correction_due_on: date | None = None,
    by_bureau: bool = False,
) -> FilingAttempt:
    """The city's review result; a correction gets a due date (rule set: 30 days unless the letter says otherwise).

    by_bureau: the bureau's reviewer decides at its desk (the submission was made here); otherwise the clerk records
    what the city answered elsewhere. The transition table says who may do which.
    """
    action = (_BUREAU_ACTION_BY_RESULT if by_bureau else _ACTION_BY_RESULT)[result]
    require(doc, action, actor=actor, now=now, note=(note or "").strip())
    filing = current_filing(doc)
    if filing is None or not filing.attempts:
        raise InvalidTransition("该文件尚未报送备案。")
    attempt = filing.attempts[-1]
    if result_on > office_today(now):
        raise ValidationFailed("结果日期不能晚于今天。")
    if result_on < attempt.submitted_on:
        raise ValidationFailed("审查结果日期不能早于报送日期。")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationFailed(f"审查意见不超过 {MAX_TEXT} 字。")
    if result in NEEDS_CORRECTION:
        if not note:
            raise ValidationFailed("请填写备案审查机关要求补正或纠正的内容。")
        if correction_due_on is None:
            correction_due_on = compute_due("correction_period", result_on).day
        elif correction_due_on < result_on:
            raise ValidationFailed("补正期限不能早于结果日期。")
    else:
        correction_due_on = None
    # The registered result stays on the attempt it answers; a later 纠正意见 on a registered filing gets its own row.
    if attempt.result is not None:
        if not (attempt.result is FilingResult.REGISTERED and result is FilingResult.CORRECTION_ORDERED):
            raise InvalidTransition("本次报送已登记过审查结果。")
        attempt = FilingAttempt(
            filing=filing,
            attempt_no=attempt.attempt_no + 1,
            submitted_on=attempt.submitted_on,
            method=attempt.method,
            system_ref=attempt.system_ref,
            recorded_by_id=actor.id,
            in_product=attempt.in_product,
            accepted_on=attempt.accepted_on,
            reviewer_id=attempt.reviewer_id,
        )
        db.session.add(attempt)
    apply(
        doc,
        action,
        actor=actor,
        now=now,
        note=f"{result_on.isoformat()}：{result.label}"
        + (f"，{note}" if note else "")
        + (f"，限 {correction_due_on.isoformat()} 前补正" if correction_due_on else ""),
    )
    attempt.result, attempt.result_on, attempt.result_note = result, result_on, note
    attempt.correction_due_on, attempt.recorded_by_id = correction_due_on, actor.id
    if by_bureau:
        attempt.reviewer_id = actor.id
    db.session.flush()
    audit.record(
        "filing.result",
        actor=actor,
        now=now,
        object_type="filing_attempt",
        object_id=attempt.id,
        document_id=doc.id,
        summary=f"备案审查结果：{result.label}",
    )
    return attempt


def awaiting_answer(doc: Document, filing: Filing | None = None) -> FilingAttempt | None:
    """The latest submission while the city has not answered it (the document is 已报备待审查); a caller that
    already read the current filing passes it."""
    filing = filing or current_filing(doc)
    if filing is None or not filing.attempts or doc.filing_status is not FilingStatus.SUBMITTED:
        return None
    last = filing.attempts[-1]
    return last if last.result is None else None


def record_review_extension(
    doc: Document, *, actor, now: datetime, notified_on: date, note: str, by_bureau: bool = False
) -> date:
    """The city needs longer for its 备案审查: its answer is due `filing_review_extension` days later.

    Once per submission, as the rule allows one extension; returns the new due date. The bureau extends its own
    review of a submission made here, with its reason (by_bureau); the clerk records an extension the city
    announced for one made elsewhere.
    """
    if not may(actor, "bureau" if by_bureau else "office", doc):
        raise PermissionDenied(
            "只有备案审查员可以延长审查期限。" if by_bureau else "只有党政办文书可以登记备案审查延期。"
        )
    attempt = awaiting_answer(doc)
    if attempt is None:
        raise InvalidTransition("该文件没有等待备案审查答复的报送，无需登记延期。")
    if attempt.in_product and not by_bureau:
        raise InvalidTransition("该文件在本系统报送，备案审查期限由市司法局在本系统延长。")
    if by_bureau and not attempt.in_product:
        raise InvalidTransition("该次报送不在本系统审查。")
    if by_bureau and not (note or "").strip():
        raise ValidationFailed("延长审查期限须写明理由。")
    if attempt.review_extended_on is not None:
        raise InvalidTransition(f"本次报送已于 {attempt.review_extended_on.isoformat()} 登记过备案审查延期。")
    if attempt.review_due_on is None:  # recorded from the old register, before the system tracked the answer
        raise InvalidTransition("该次报送没有备案审查答复期限，无需登记延期。")
    if notified_on > office_today(now):
        raise ValidationFailed("通知日期不能晚于今天。")
    if notified_on < attempt.submitted_on:
        raise ValidationFailed("通知日期不能早于报送日期。")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise ValidationFailed(f"说明不超过 {MAX_TEXT} 字。")
    before = attempt.review_due_on
    extension = compute_due("filing_review_extension", before)
    after = extension.day
    attempt.review_extended_on, attempt.review_extension_note = notified_on, note or None
    attempt.review_extension_days, attempt.review_due_on = extension.rule_value, after
    attempt.review_due_provisional = attempt.review_due_provisional or extension.provisional
    db.session.flush()
    audit.record(
        "filing.review_extended",
        actor=actor,
        now=now,
        object_type="filing_attempt",
        object_id=attempt.id,
        document_id=doc.id,
        summary=f"备案审查机关 {notified_on.isoformat()} 通知延长审查期限，答复期限延至 {after.isoformat()}"
        + (f"：{note}" if note else ""),
        before={"due_on": before.isoformat()},
        after={"due_on": after.isoformat()},
    )
    return after


def filing_summary(doc: Document, *, today: date) -> dict | None:
    filing = current_filing(doc)
    if filing is None:
        return None
    open_ = doc.filing_status in (
        FilingStatus.NOT_SUBMITTED,
        FilingStatus.CORRECTION,
        FilingStatus.CORRECTION_ORDERED,
        FilingStatus.PACKET_RETURNED,
    )
    last = filing.attempts[-1] if filing.attempts else None
    waiting = awaiting_answer(doc, filing)
    materials = packet(doc)
    return {
        "filing": filing,
        "attempts": filing.attempts,
        "packet": materials,
        "missing": missing_from(materials),
        "days_left": (filing.due_on - today).days if filing.first_submitted_on is None else None,
        "correction_due_on": last.correction_due_on if last and open_ else None,
        "late": filing.first_submitted_on is None and today > filing.due_on,
        # The city's answer to the latest submission: when it is due and how many days are left (negative: late).
        "awaiting": waiting if waiting is not None and waiting.review_due_on is not None else None,
        "answer_days_left": (waiting.review_due_on - today).days if waiting and waiting.review_due_on else None,
        # The bureau's written opinions (備案审查意见) on submissions made here: attempt id -> its latest file.
        "opinions": opinion_word.latest_by_attempt([a for a in filing.attempts if a.in_product]),
    }


def recompute_provisional_due(calendar: WorkCalendar) -> list[DeadlineMoved]:
    """Filing due dates computed on a year whose holiday schedule was not published are computed again on the
    calendar as it is now (a calendar-day limit ending on a rest day rolls on); those that moved are returned."""
    moved = []
    stmt = (
        sa.select(Filing, Publication.published_on, Document.title, Document.drafting_unit_id)
        .join(Publication, Publication.id == Filing.publication_id)
        .join(Document, Document.id == Filing.document_id)
        .where(Filing.due_provisional.is_(True), Filing.first_submitted_on.is_(None))
    )
    for filing, published_on, title, unit_id in db.session.execute(stmt):
        unit = get_rule(filing.due_rule_code).unit
        day, provisional = add_period(published_on, filing.due_rule_days, unit, calendar)
        if (day, provisional) != (filing.due_on, True):
            if day != filing.due_on:
                moved.append(DeadlineMoved(filing.document_id, unit_id, title, "报送备案期限", filing.due_on, day))
            filing.due_on, filing.due_provisional = day, provisional
    # The city's answer, while it is awaited: from the submission, then the extension from the day it moved.
    answers = (
        sa.select(FilingAttempt, Document.id, Document.title, Document.drafting_unit_id)
        .join(Filing, Filing.id == FilingAttempt.filing_id)
        .join(Document, Document.id == Filing.document_id)
        .where(FilingAttempt.review_due_provisional.is_(True), FilingAttempt.result.is_(None))
    )
    for attempt, doc_id, title, unit_id in db.session.execute(answers):
        day, provisional = add_period(
            attempt.submitted_on, attempt.review_due_days, get_rule("filing_review").unit, calendar
        )
        if attempt.review_extension_days:
            day, later = add_period(
                day, attempt.review_extension_days, get_rule("filing_review_extension").unit, calendar
            )
            provisional = provisional or later
        if (day, provisional) != (attempt.review_due_on, True):
            if day != attempt.review_due_on:
                moved.append(DeadlineMoved(doc_id, unit_id, title, "备案审查答复期限", attempt.review_due_on, day))
            attempt.review_due_on, attempt.review_due_provisional = day, provisional
    db.session.flush()
    return moved
