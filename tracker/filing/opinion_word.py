"""关于《…》的备案审查意见, the city justice bureau's written answer to a filing, as a Word file.

A letter (信函格式) of the bureau to the issuing organ, numbered in the bureau's own series (e.g. 中司备审〔2026〕3号),
stating when the packet was received and accepted, the result (予以备案 / 暂缓登记、限期补正 / 不予备案 / 纠正意见),
what is to be corrected and by when. It is kept with the document: the town reads it on its filing record.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from tracker.auth.models import Unit, UnitKind
from tracker.common.numbering import format_number, next_serial
from tracker.documents.models import Document
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.files.uploads import clean_filename
from tracker.filing.models import FilingAttempt, FilingResult
from tracker.publication.queries import current_publication
from tracker.rules.ruleset import get_setting
from tracker.word import organs, store
from tracker.word.models import GeneratedDocument, OutputKind
from tracker.word.spec import Field, TemplateSpec
from tracker.word.text import book_title, date_cn, official_number, short_title, text_paragraphs, title_lines, unique

KIND = OutputKind.FILING_OPINION
OBJECT_TYPE = "filing_attempt"

# What the bureau says, by result: the conclusion and the sentence that introduces its reasons.
_CONCLUSION = {
    FilingResult.REGISTERED.value: ("经审查，该文件符合备案要求，予以备案登记。", "其他意见："),
    FilingResult.CORRECTION.value: (
        "经审查，该文件存在下列问题，暂缓登记。",
        "请于{due}前补正下列问题后重新报送备案：",
    ),
    FilingResult.NOT_ACCEPTED.value: ("经审查，该文件不符合备案要求，不予备案。", "理由如下："),
    FilingResult.CORRECTION_ORDERED.value: (
        "经审查，该文件存在下列问题，请你单位自行纠正。",
        "请于{due}前纠正下列问题，并将纠正情况书面报告我局：",
    ),
}


def filing_opinion_context(
    *,
    bureau: str,
    number: str,
    addressee: str,
    title: str,
    numbers: str,
    received_on: date,
    accepted_on: date | None,
    result: str,
    result_label: str,
    decided_on: date,
    note: str,
    correction_due_on: date | None,
    basis: str,
    contact: str = "",
    phone: str = "",
    cc: str = "",
) -> dict:
    """The context of 关于《…》的备案审查意见 (pure: every value is given)."""
    book = book_title(title)
    quoted = f"{book}（{numbers}）" if numbers else book
    accepted = f"，我局于{date_cn(accepted_on)}受理" if accepted_on else ""
    opening = (
        f"你单位报送的{quoted}备案材料于{date_cn(received_on)}收悉{accepted}。"
        f"根据{basis}，我局对该文件进行了备案审查，现将审查意见函告如下："
    )
    conclusion, lead = _CONCLUSION[result]
    reasons = text_paragraphs(note)
    # The conclusion first; the reviewer's points follow under it, with their own headings (一、 …) if any.
    if reasons:
        conclusion += lead.format(due=date_cn(correction_due_on))
    paragraphs = [{"text": conclusion, "level": 0}, *reasons]
    heading = f"关于{book}的备案审查意见"
    return {
        "organ_mark": bureau,
        "number": official_number(number),
        "heading": "\n".join(title_lines(heading)),
        "addressee": addressee,
        "title": heading,
        "document_title": book,
        "numbers": numbers,
        "result": result_label,
        "received_on": date_cn(received_on),
        "accepted_on": date_cn(accepted_on),
        "correction_due_on": date_cn(correction_due_on),
        "opening": opening,
        "paragraphs": paragraphs,
        "closing": "特此函告。",
        "issuer": bureau,
        "signed_on": date_cn(decided_on),
        "contact": contact.strip(),
        "phone": phone.strip(),
        "cc": cc,
        "printer": bureau,
        "printed_on": date_cn(decided_on),
    }


# --- what the template may use, and sample records ---------------------------------------------------------

FIELDS = (
    Field("organ_mark", "发文机关标志（备案审查机关名称）", True),
    Field("number", "备案审查意见的编号", True),
    Field("heading", "标题（关于《…》的备案审查意见，过长时在词间换行）", True),
    Field("addressee", "主送（制定机关）", True),
    Field("title", "标题（一行）"),
    Field("document_title", "文件名称（带书名号）"),
    Field("numbers", "文件的发文字号和统一编号"),
    Field("result", "审查结果（予以备案等）"),
    Field("received_on", "收到备案材料日期"),
    Field("accepted_on", "受理日期"),
    Field("correction_due_on", "补正或纠正期限"),
    Field("opening", "开头（…收悉…现将审查意见函告如下：）", True),
    Field("paragraphs", "审查结论和意见各段", True, "p.text 段落，p.level 1 一级标题（一、），2 二级标题，0 正文"),
    Field("closing", "结束语（特此函告。）"),
    Field("issuer", "落款单位", True),
    Field("signed_on", "成文日期", True),
    Field("contact", "联系人"),
    Field("phone", "联系电话"),
    Field("cc", "抄送机关（版记）"),
    Field("printer", "印发机关（版记）", True),
    Field("printed_on", "印发日期（版记）", True),
)


def samples() -> list[dict]:
    common = {
        "bureau": "某某市司法局",
        "addressee": "某某镇人民政府",
        "title": "某某镇某某管理办法",
        "numbers": "某府规字〔2026〕2号",
        "received_on": date(2026, 5, 6),
        "accepted_on": date(2026, 5, 7),
        "basis": "《广东省行政规范性文件管理规定》",
    }
    return [
        filing_opinion_context(
            **common,
            number="某司备审〔2026〕5号",
            result=FilingResult.CORRECTION.value,
            result_label=FilingResult.CORRECTION.label,
            decided_on=date(2026, 5, 20),
            note="一、制定依据\n未附《优化营商环境条例》文本。\n二、提前施行\n未说明公布后不足30日施行的理由。",
            correction_due_on=date(2026, 6, 19),
            contact="审查员甲",
            phone="0760-00000000",
            cc="某某镇司法所",
        ),
        filing_opinion_context(
            **common,
            number="",
            result=FilingResult.REGISTERED.value,
            result_label=FilingResult.REGISTERED.label,
            decided_on=date(2026, 5, 20),
            note="",
            correction_due_on=None,
        ),
    ]


SPEC = TemplateSpec(KIND, FIELDS, samples)


# --- the records behind it -------------------------------------------------------------------------------


def opinion_number(attempt: FilingAttempt, bureau: Unit, year: int) -> str:
    """The bureau's own series, one per city (setting filing_opinion_number_pattern), taken once and kept."""
    if attempt.opinion_number:
        return attempt.opinion_number
    pattern = get_setting("filing_opinion_number_pattern", town_id=bureau.town_id)
    seq = next_serial(f"filing_opinion:{bureau.town_id}", year)
    number = format_number(pattern, year=year, seq=seq)
    if db.session.scalar(sa.select(FilingAttempt.id).where(FilingAttempt.opinion_number == number)):
        raise ValidationFailed(f"备案审查意见编号“{number}”已被使用，请管理员检查“备案审查意见书编号格式”。")
    attempt.opinion_number = number
    db.session.flush()
    return number


def bureau_of(attempt: FilingAttempt) -> Unit:
    unit = db.session.get(Unit, attempt.filing.authority_id)
    if unit is None:
        unit = organs.first_unit(UnitKind.FILING_AUTHORITY)
    if unit is None:
        raise ValidationFailed("尚未设置备案审查机关（单位类型“备案审查机关”）。")
    return unit


def filing_opinion_filename(doc: Document, version_no: int = 1) -> str:
    suffix = f"（第{version_no}版）" if version_no > 1 else ""
    return clean_filename(f"关于《{short_title(doc.title)}》的备案审查意见{suffix}.docx")


def render_filing_opinion(doc: Document, attempt: FilingAttempt, *, reviewer) -> store.Rendered:
    if attempt.result is None or attempt.result is FilingResult.PACKET_RETURNED or attempt.result_on is None:
        raise ValidationFailed("本次报送尚无备案审查结果，不能生成备案审查意见。")
    bureau = bureau_of(attempt)
    pub = current_publication(doc)
    numbers = "，".join(
        unique([official_number(pub.issue_number), official_number(pub.normative_number)]) if pub else []
    )
    context = filing_opinion_context(
        bureau=bureau.name,
        number=attempt.opinion_number or "",
        addressee=doc.issuer.name,
        title=doc.title,
        numbers=numbers,
        received_on=attempt.submitted_on,
        accepted_on=attempt.accepted_on,
        result=attempt.result.value,
        result_label=attempt.result.label,
        decided_on=attempt.result_on,
        note=attempt.result_note or "",
        correction_due_on=attempt.correction_due_on,
        basis=get_setting("filing_review_basis", town_id=bureau.town_id),
        contact=getattr(reviewer, "display_name", "") or "",
        phone=getattr(reviewer, "phone", "") or "",
        cc=organs.judicial_office_name(doc.town_id),
    )
    return store.render(KIND, context, filing_opinion_filename(doc))


def versions(attempt: FilingAttempt) -> list[GeneratedDocument]:
    return store.versions_of(KIND, OBJECT_TYPE, attempt.id)


def versions_by_attempt(attempts: list[FilingAttempt]) -> dict[int, list[GeneratedDocument]]:
    """Every version of the written opinion of each of these submissions (attempt id -> versions), one query."""
    return store.versions_by_object(KIND, OBJECT_TYPE, [a.id for a in attempts])


def latest_by_attempt(attempts: list[FilingAttempt]) -> dict[int, GeneratedDocument]:
    """The latest written opinion of each of these submissions that has one (attempt id -> file)."""
    ids = [a.id for a in attempts]
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(GeneratedDocument)
        .where(
            GeneratedDocument.kind == KIND,
            GeneratedDocument.object_type == OBJECT_TYPE,
            GeneratedDocument.object_id.in_(ids),
        )
        .order_by(GeneratedDocument.version_no)
    )
    return {row.object_id: row for row in rows}


def generate_filing_opinion(doc: Document, attempt: FilingAttempt, *, actor, now: datetime) -> GeneratedDocument:
    """The bureau's written opinion on its result: numbered once, kept as the next version of this attempt's."""
    opinion_number(attempt, bureau_of(attempt), attempt.result_on.year)
    return store.store(
        KIND,
        object_type=OBJECT_TYPE,
        object_id=attempt.id,
        document_id=doc.id,
        rendered=render_filing_opinion(doc, attempt, reviewer=actor),
        filename_for=lambda n: filing_opinion_filename(doc, n),
        actor=actor,
        now=now,
    )
