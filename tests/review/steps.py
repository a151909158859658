"""A draft's way through the legality review, one service call per step, with explicit instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.documents import files
from tests.factories import World, make_document
from tracker.documents.models import AttachmentKind, Document
from tracker.documents.services import add_attachment, add_version
from tracker.files.uploads import check_upload
from tracker.review import services
from tracker.review.models import PointResult, ReviewPoint, ReviewRound
from tracker.rules.conclusions import conclusion_by_label

BASE_PACKET = (
    AttachmentKind.REQUEST_LETTER,
    AttachmentKind.DRAFTING_NOTE,
    AttachmentKind.LEGAL_BASIS,
    AttachmentKind.COMMENT_RECORD,
)
PASS = "合法，同意出台"
PASS_WITH_CHANGES = "基本合法，建议修改后出台"
RETURN = "应当修改后重新送审"
RETURN_PROCEDURE = "退回补充程序或材料"
REJECT = "不合法，不同意出台"
DEFER = "暂缓出台"


def beijing(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    """An instant given as Beijing wall-clock time (UTC+8, no DST)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


def upload_version(doc: Document, w: World, now: datetime, paragraphs: list[str] | None = None):
    data = files.docx_bytes(paragraphs or [f"{doc.title}", "第一条 总则。"])
    return add_version(doc, check_upload(data, "送审稿.docx", docx_only=True), note="", actor=w["drafter"], now=now)


def attach(doc: Document, w: World, now: datetime, kind: AttachmentKind):
    checked = check_upload(files.PDF, f"{kind.label.replace('/', '')}.pdf")
    return add_attachment(doc, checked, kind=kind, title="", actor=w["drafter"], now=now)


def complete_packet(doc: Document, w: World, now: datetime, extra=()) -> None:
    upload_version(doc, w, now)
    for kind in (*BASE_PACKET, *extra):
        attach(doc, w, now, kind)


def ready_document(w: World, now: datetime, title: str = "测试镇某某管理办法", **kw) -> Document:
    doc = make_document(w, now, title=title, **kw)
    complete_packet(doc, w, now)
    return doc


def submitted(w: World, now: datetime, *, title: str = "测试镇某某管理办法", received_on=None) -> tuple:
    doc = ready_document(w, now, title=title)
    rnd = services.submit_for_review(doc, actor=w["drafter"], now=now, received_on=received_on)
    return doc, rnd


def under_review(w: World, now: datetime, *, title: str = "测试镇某某管理办法") -> tuple[Document, ReviewRound]:
    doc, rnd = submitted(w, now, title=title)
    services.accept(doc, actor=w["reviewer"], now=now, reviewer_id=w["reviewer"].id)
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


# 暂缓出台 and 不同意出台 state their reasons (docs/rules.md §4).
REASONS = {DEFER: "上位法正在修订，待修订后再行送审。", REJECT: "第五条设定罚款，属于规范性文件不得设定的行政处罚。"}


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
