"""A document's way from draft to filing through the real services, each step at an explicit Beijing instant."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import docx

from tests.factories import World, make_document
from tracker.documents.models import AttachmentKind, Document
from tracker.documents.services import add_attachment, add_version
from tracker.extensions import db
from tracker.files.uploads import check_upload
from tracker.filing import services as filing
from tracker.filing.models import Filing, FilingResult
from tracker.filing.word import generate_filing_report
from tracker.publication import services as publication
from tracker.publication.models import Publication
from tracker.review import services as review
from tracker.review.models import DeliberationDecision, PointResult, ReviewPoint, ReviewRound
from tracker.review.word import generate_opinion
from tracker.rules.conclusions import conclusion_by_label

BEIJING = ZoneInfo("Asia/Shanghai")
PACKET = (
    AttachmentKind.REQUEST_LETTER,
    AttachmentKind.DRAFTING_NOTE,
    AttachmentKind.LEGAL_BASIS,
    AttachmentKind.COMMENT_RECORD,
)


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """The UTC instant of a Beijing wall-clock time on an office date."""
    return datetime.combine(day, time(hour, minute), BEIJING).astimezone(UTC)


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _upload(name: str, text: str):
    return check_upload(docx_bytes(text), name)


def draft(w: World, title: str, on: date) -> Document:
    """A registered draft with a version and every material of the submission packet."""
    now = at(on, 9)
    doc = make_document(w, now, title=title)
    version = check_upload(docx_bytes(title, "第一条 总则。"), "送审稿.docx", docx_only=True)
    add_version(doc, version, note="", actor=w["drafter"], now=now)
    for kind in PACKET:
        add_attachment(doc, _upload(f"{kind.value}.docx", kind.label), kind=kind, title="", actor=w["drafter"], now=now)
    return doc


def submit(w: World, doc: Document, on: date) -> ReviewRound:
    return review.submit_for_review(doc, actor=w["drafter"], now=at(on, 10), received_on=on)


def accept(w: World, doc: Document, on: date) -> None:
    review.accept(doc, actor=w["reviewer"], now=at(on, 11), reviewer_id=w["reviewer"].id)


def pass_review(w: World, doc: Document, rnd: ReviewRound, on: date) -> None:
    now = at(on, 15)
    review.save_points(
        rnd,
        actor=w["reviewer"],
        now=now,
        results={p: (PointResult.COMPLIES, "") for p in ReviewPoint},
        expected_version=None,
    )
    opinion = review.issue_opinion(
        doc, actor=w["reviewer"], now=now, conclusion_id=conclusion_by_label("合法，同意出台").id, summary=""
    )
    generate_opinion(opinion, actor=w["reviewer"], now=now)


def deliberate(w: World, doc: Document, on: date) -> None:
    review.record_deliberation(
        doc,
        actor=w["clerk"],
        now=at(on, 16),
        meeting_name="镇政府常务会议",
        held_on=on,
        decision=DeliberationDecision.APPROVED,
        note="",
        minutes=None,
    )


def number(w: World, doc: Document, on: date) -> Publication:
    return publication.number_document(doc, actor=w["clerk"], now=at(on, 10), signed_on=on, signer="镇长")


def publish(
    w: World,
    doc: Document,
    on: date,
    *,
    effective_on: date,
    validity_mode: str = "default",
    now: datetime | None = None,
) -> Filing:
    return publication.publish(
        doc,
        actor=w["clerk"],
        now=now or at(on, 11),
        published_on=on,
        channel="镇人民政府门户网站",
        url=f"https://www.example.gov.cn/gfxwj/{doc.id}.html",
        effective_on=effective_on,
        early_effect_reason=None,
        validity_mode=validity_mode,
        validity_end_on=None,
        validity_reason=None,
        official_text=_upload("正式文本.docx", doc.title),
        interpretation=_upload("政策解读.docx", "政策解读"),
    )


def ready_to_publish(w: World, title: str, submitted_on: date) -> Document:
    """Reviewed (passed), deliberated and numbered within the 16 days after `submitted_on`."""
    doc = draft(w, title, submitted_on)
    rnd = submit(w, doc, submitted_on)
    accept(w, doc, submitted_on + timedelta(days=1))
    pass_review(w, doc, rnd, submitted_on + timedelta(days=7))
    deliberate(w, doc, submitted_on + timedelta(days=14))
    number(w, doc, submitted_on + timedelta(days=16))
    return doc


def submit_filing(w: World, doc: Document, on: date):
    """报送备案 with the complete packet: the filing report is generated that day, the rest exists already."""
    if filing.missing_packet_items(doc) == ["备案报告"]:
        generate_filing_report(doc, actor=w["clerk"], now=at(on, 12))
    return filing.submit(
        doc, actor=w["clerk"], now=at(on, 14), submitted_on=on, method="市规范性文件管理系统", system_ref=""
    )


def filing_result(w: World, doc: Document, on: date, result: FilingResult, note: str = ""):
    return filing.record_result(doc, actor=w["clerk"], now=at(on, 15), result=result, result_on=on, note=note)


def seed_alerts(w: World, now: datetime) -> dict[str, object]:
    """Alert rows as the scan leaves them on 2026-11-02, for the readers of alerts (digests, home page, feed).

    Made up: the drafts they hang on owe nothing, so no scan or change of those drafts may follow.

    Each alert is on its own draft. Who should see which: reviewer → r1 (assigned to them); clerk → f2, f4 (filing);
    drafter (执法局) → e3; drafter2 (农业办) → e6; leader → r1 (the only overdue one); admin → none.
    """
    from tracker.alerts.models import Alert, AlertKind, AlertLevel

    rows = {
        "r1": (
            AlertKind.REVIEW_DUE,
            "drafter",
            w["reviewer"].id,
            "2026-10-30",
            AlertLevel.OVERDUE,
            "第 1 轮合法性审查",
        ),
        "f2": (AlertKind.FILING_DUE, "drafter", None, "2026-11-04", AlertLevel.DUE_SOON, "报送备案"),
        "e3": (AlertKind.EVALUATION_DUE, "drafter", None, "2026-11-05", AlertLevel.DUE_SOON, "有效期届满前评估"),
        "f4": (AlertKind.FILING_DUE, "drafter", None, "2026-11-30", AlertLevel.OPEN, "报送备案"),
        "r5": (
            AlertKind.REVIEW_DUE,
            "drafter",
            w["reviewer"].id,
            "2026-10-20",
            AlertLevel.RESOLVED,
            "第 1 轮合法性审查",
        ),
        "e6": (AlertKind.EVALUATION_DUE, "drafter2", None, "2026-12-31", AlertLevel.OPEN, "有效期届满前评估"),
    }
    docs = {
        key: make_document(w, now, title=f"测试镇{key}号管理办法", drafter=drafter)
        for key, (_, drafter, *_) in rows.items()
    }
    # The drafts are committed first: a commit brings the alerts of the documents it touched up to date, and these
    # drafts owe nothing yet, so alerts added with them would be resolved at once.
    db.session.commit()
    # Days left count as these rules do: the review's in working days, the others in calendar days.
    rule_of = {
        AlertKind.REVIEW_DUE: "review_max",
        AlertKind.FILING_DUE: "filing_deadline",
        AlertKind.EVALUATION_DUE: "evaluation_lead",
    }
    out: dict[str, object] = {}
    for key, (kind, _drafter, assignee, due, level, what) in rows.items():
        doc = docs[key]
        alert = Alert(
            kind=kind,
            subject_key=f"test:{key}",
            document_id=doc.id,
            unit_id=doc.drafting_unit_id,
            assignee_id=assignee,
            due_on=d(due),
            rule_code=rule_of[kind],
            provisional=False,
            level=level,
            level_changed_on=d("2026-11-02"),
            resolved_on=d("2026-11-02") if level is AlertLevel.RESOLVED else None,
            message=f"《{doc.title}》{what}",
            created_at=now,
        )
        db.session.add(alert)
        out[key] = alert
    db.session.flush()
    return out
