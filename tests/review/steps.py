"""A draft's way through the legality review step by step at explicit instants, for the review tests (materials as
PDFs named by their kind, points and opinion apart); the submission and acceptance are tests/factories.py's."""

from __future__ import annotations

from datetime import datetime

from tests.factories import BODY, PACKET, PASS, PDF, REASONS, World, accept, docx_bytes, make_document, submit
from tracker.documents.models import AttachmentKind, Document
from tracker.documents.services import add_attachment, add_version
from tracker.files.uploads import check_upload
from tracker.review import services
from tracker.review.models import PointResult, ReviewPoint, ReviewRound
from tracker.rules.conclusions import conclusion_by_label


def upload_version(doc: Document, w: World, now: datetime, paragraphs: list[str] | None = None):
    data = docx_bytes(*(paragraphs or [doc.title, BODY]))
    return add_version(doc, check_upload(data, "送审稿.docx", docx_only=True), note="", actor=w["drafter"], now=now)


def attach(doc: Document, w: World, now: datetime, kind: AttachmentKind):
    checked = check_upload(PDF, f"{kind.label.replace('/', '')}.pdf")
    return add_attachment(doc, checked, kind=kind, title="", actor=w["drafter"], now=now)


def complete_packet(doc: Document, w: World, now: datetime, extra=()) -> None:
    upload_version(doc, w, now)
    for kind in (*PACKET, *extra):
        attach(doc, w, now, kind)


def ready_document(w: World, now: datetime, title: str = "测试镇某某管理办法", **kw) -> Document:
    doc = make_document(w, now, title=title, **kw)
    complete_packet(doc, w, now)
    return doc


def submitted(w: World, now: datetime, *, title: str = "测试镇某某管理办法", received_on=None) -> tuple:
    doc = ready_document(w, now, title=title)
    rnd = submit(w, doc, now=now, received_on=received_on)
    return doc, rnd


def under_review(w: World, now: datetime, *, title: str = "测试镇某某管理办法") -> tuple[Document, ReviewRound]:
    doc, rnd = submitted(w, now, title=title)
    accept(w, doc, now=now)
    return doc, rnd


def fill_points(rnd: ReviewRound, w: World, now: datetime, result: PointResult = PointResult.COMPLIES) -> None:
    services.save_points(
        rnd,
        actor=w["reviewer"],
        now=now,
        results={p: (result, "") for p in ReviewPoint},
        expected_version=None,
    )


def finding(rnd: ReviewRound, w: World, now: datetime, clause: str = "第五条第二款", problem: str = "增设了罚款"):
    return services.add_finding(
        rnd,
        actor=w["reviewer"],
        now=now,
        clause=clause,
        problem=problem,
        legal_basis="《中华人民共和国行政处罚法》第十四条",
        suggestion="删去该款",
    )


def conclude(doc: Document, w: World, now: datetime, label: str = PASS, summary: str | None = None):
    return services.issue_opinion(
        doc,
        actor=w["reviewer"],
        now=now,
        conclusion_id=conclusion_by_label(label).id,
        summary=REASONS.get(label, "") if summary is None else summary,
    )


def passed(w: World, now: datetime, *, title: str = "测试镇某某管理办法") -> tuple[Document, ReviewRound]:
    doc, rnd = under_review(w, now, title=title)
    fill_points(rnd, w, now)
    conclude(doc, w, now)
    return doc, rnd
