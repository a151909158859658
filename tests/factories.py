"""Test data builders: real records through the services, with explicit dates.

One walk of a document's way, each step its own function taking the office date it happens on (`on`, at a fixed
Beijing hour per step) or an explicit instant (`now`):

    draft → submit → accept → conclude_review → deliberate → number → publish → take_effect → submit_filing →
    filing_result (→ repeal)

and the compositions of those steps the tests start from (deliberated, ready_to_publish, numbered, published,
in_force), each defined once here.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import docx
import sqlalchemy as sa

from tracker.auth.models import Role, Town, Unit, UnitKind, User
from tracker.auth.permissions import SYSTEM
from tracker.auth.services import create_user
from tracker.auth.towns import ensure_town
from tracker.common.timeutil import office_today
from tracker.documents.models import AttachmentKind, DocKind, Document, DocumentBasis, LegalSource, SourceKind
from tracker.documents.services import DocumentData, add_attachment, add_version, register_draft
from tracker.extensions import db
from tracker.files.uploads import CheckedFile, check_upload
from tracker.filing import services as filing
from tracker.filing.models import Filing, FilingResult
from tracker.filing.word import generate_filing_report
from tracker.publication import services as publication
from tracker.publication.models import Publication
from tracker.review import services as review
from tracker.review.models import DeliberationDecision, Opinion, PointResult, ReviewPoint, ReviewRound
from tracker.review.word import generate_opinion
from tracker.rules.conclusions import conclusion_by_label

PASSWORD = "Test-pass-2026"
BEIJING = ZoneInfo("Asia/Shanghai")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BODY = "第一条 总则。"
# The materials of a submission for review (docs/rules.md §2), without the draft itself.
PACKET = (
    AttachmentKind.REQUEST_LETTER,
    AttachmentKind.DRAFTING_NOTE,
    AttachmentKind.LEGAL_BASIS,
    AttachmentKind.COMMENT_RECORD,
)
# The conclusions of a review opinion, by their labels.
PASS = "合法，同意出台"
PASS_WITH_CHANGES = "基本合法，建议修改后出台"
RETURN = "应当修改后重新送审"
RETURN_PROCEDURE = "退回补充程序或材料"
REJECT = "不合法，不同意出台"
DEFER = "暂缓出台"
# 暂缓出台 and 不同意出台 state their reasons (docs/rules.md §4).
REASONS = {DEFER: "上位法正在修订，待修订后再行送审。", REJECT: "第五条设定罚款，属于规范性文件不得设定的行政处罚。"}
# A finding as (clause, problem, legal basis, suggestion).
FINE = ("第五条", "增设了罚款", "《中华人民共和国行政处罚法》第十四条", "删去该条")


# --- dates and files ---------------------------------------------------------------------------------------


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


def upload(name: str, *paragraphs: str, docx_only: bool = False) -> CheckedFile:
    """A Word file of these paragraphs, checked as an upload is."""
    return check_upload(docx_bytes(*paragraphs), name, docx_only=docx_only)


def pdf_upload(name: str) -> CheckedFile:
    return check_upload(PDF, name)


# --- the town ----------------------------------------------------------------------------------------------


@dataclass
class World:
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    town: Town | None = None

    def __getitem__(self, username: str) -> User:
        return self.users[username]


def build_world(now: datetime) -> World:
    w = World()
    w.town = ensure_town(city="中山市", town="测试镇", now=now)
    for key, name, kind, issue, draft_, prefix in (
        ("gov", "测试镇人民政府", UnitKind.GOVERNMENT, True, False, "测府"),
        ("office", "测试镇党政办公室", UnitKind.DEPARTMENT, False, True, None),
        ("judicial", "测试镇司法所", UnitKind.JUDICIAL_OFFICE, False, False, None),
        ("enforcement", "测试镇综合行政执法局", UnitKind.DEPARTMENT, False, True, None),
        ("agri", "测试镇农业农村办公室", UnitKind.DEPARTMENT, False, True, None),
        ("city", "中山市司法局", UnitKind.FILING_AUTHORITY, False, False, None),
    ):
        w.units[key] = Unit(
            name=name,
            kind=kind,
            can_issue=issue,
            can_draft=draft_,
            number_prefix=prefix,
            created_at=now,
            town_id=w.town.parent_id if kind is UnitKind.FILING_AUTHORITY else w.town.id,
        )
        db.session.add(w.units[key])
    db.session.flush()
    for username, role, unit in (
        ("admin", Role.ADMIN, "office"),
        ("reviewer", Role.REVIEWER, "judicial"),
        ("clerk", Role.CLERK, "office"),
        ("drafter", Role.DRAFTER, "enforcement"),
        ("drafter2", Role.DRAFTER, "agri"),
        ("leader", Role.LEADER, "gov"),
    ):
        w.users[username] = create_user(
            actor=SYSTEM,
            now=now,
            username=username,
            display_name=username,
            role=role,
            unit_id=w.units[unit].id,
            password=PASSWORD,
        )
    return w


def make_document(
    w: World,
    now: datetime,
    *,
    title: str = "测试镇某某管理办法",
    drafter: str = "drafter",
    issuer: Unit | None = None,
    **kw,
) -> Document:
    """A bare registered draft (no version, no materials) of the drafter's unit, issued by 镇政府 unless told."""
    user = w[drafter]
    data = DocumentData(
        title=title,
        kind=DocKind.GOVERNMENT,
        issuer_id=(issuer or w.units["gov"]).id,
        drafting_unit_id=user.unit_id,
        **kw,
    )
    return register_draft(data, actor=user, now=now)


def cite(doc: Document, names: tuple[str, ...], *, now: datetime, articles: str | None = None) -> None:
    """制定依据 (the register has no form for them yet: recorded as the demo data does); `articles` of the first."""
    for pos, name in enumerate(names):
        source = db.session.scalar(sa.select(LegalSource).where(LegalSource.title == name))
        if source is None:
            source = LegalSource(title=name, kind=SourceKind.LAW, created_at=now)
            db.session.add(source)
        db.session.add(
            DocumentBasis(document=doc, source=source, articles=articles if pos == 0 else None, position=pos)
        )
    db.session.flush()


# --- the single steps --------------------------------------------------------------------------------------


def draft(
    w: World,
    title: str,
    on: date | None = None,
    *,
    now: datetime | None = None,
    drafter: str = "drafter",
    bases: tuple[str, ...] = (),
    articles: str | None = None,
    text: tuple[str, ...] | None = None,
    packet_as: str = "docx",
    **kw,
) -> Document:
    """A registered draft (09:00) with its 送审稿 (`text`, by default the title and one article) and every material
    of the submission packet, as Word files or (`packet_as="pdf"`) PDFs; `kw` as DocumentData (trial_kind, subject)
    plus `issuer`."""
    now = now or at(on, 9)
    user = w[drafter]
    doc = make_document(w, now, title=title, drafter=drafter, **kw)
    if bases:
        cite(doc, bases, now=now, articles=articles)
    add_version(doc, upload("送审稿.docx", *(text or (title, BODY)), docx_only=True), note="", actor=user, now=now)
    for kind in PACKET:
        material = upload(f"{kind.value}.docx", kind.label) if packet_as == "docx" else pdf_upload(f"{kind.value}.pdf")
        add_attachment(doc, material, kind=kind, title="", actor=user, now=now)
    return doc


def submit(
    w: World,
    doc: Document,
    on: date | None = None,
    *,
    now: datetime | None = None,
    drafter: str = "drafter",
    received_on: date | None = None,
) -> ReviewRound:
    """送审 (10:00), received by the 司法所 that day unless told."""
    return review.submit_for_review(doc, actor=w[drafter], now=now or at(on, 10), received_on=received_on or on)


def accept(w: World, doc: Document, on: date | None = None, *, now: datetime | None = None) -> None:
    """受理 (11:00) by the reviewer, who is also assigned."""
    review.accept(doc, actor=w["reviewer"], now=now or at(on, 11), reviewer_id=w["reviewer"].id)


def conclude_review(
    w: World,
    doc: Document,
    rnd: ReviewRound,
    on: date | None = None,
    *,
    now: datetime | None = None,
    label: str = PASS,
    summary: str | None = None,
    findings: tuple[tuple[str, str, str, str], ...] = (),
    breached: tuple[ReviewPoint, ...] = (),
    generate: bool = True,
) -> Opinion:
    """The nine points (15:00; those `breached` marked 不符合), the findings, the opinion with its conclusion and (if
    `generate`) its 审查意见书. The summary of 暂缓出台 / 不同意出台 is their reason unless told."""
    now = now or at(on, 15)
    results = {
        p: (PointResult.DOES_NOT, "设定了罚款") if p in breached else (PointResult.COMPLIES, "") for p in ReviewPoint
    }
    review.save_points(rnd, actor=w["reviewer"], now=now, results=results, expected_version=None)
    for clause, problem, basis, suggestion in findings:
        review.add_finding(
            rnd, actor=w["reviewer"], now=now, clause=clause, problem=problem, legal_basis=basis, suggestion=suggestion
        )
    opinion = review.issue_opinion(
        doc,
        actor=w["reviewer"],
        now=now,
        conclusion_id=conclusion_by_label(label).id,
        summary=REASONS.get(label, "") if summary is None else summary,
    )
    if generate:
        generate_opinion(opinion, actor=w["reviewer"], now=now)
    return opinion


def deliberate(w: World, doc: Document, on: date | None = None, *, now: datetime | None = None) -> None:
    """镇政府常务会议 approves (16:00)."""
    review.record_deliberation(
        doc,
        actor=w["clerk"],
        now=now or at(on, 16),
        meeting_name="镇政府常务会议",
        held_on=on or office_today(now),
        decision=DeliberationDecision.APPROVED,
        note="",
        minutes=None,
    )


def number(w: World, doc: Document, on: date | None = None, *, now: datetime | None = None, **kw) -> Publication:
    """Signed by the 镇长 and numbered (10:00); `kw` as number_document (manual numbers)."""
    return publication.number_document(
        doc, actor=w["clerk"], now=now or at(on, 10), signed_on=on or office_today(now), signer="镇长", **kw
    )


def publish(
    w: World,
    doc: Document,
    on: date | None = None,
    *,
    effective_on: date,
    now: datetime | None = None,
    early_effect_reason: str | None = None,
    validity_mode: str = "default",
    validity_end_on: date | None = None,
    validity_reason: str | None = None,
    channel: str = "镇人民政府门户网站",
    url: str | None = None,
    text: tuple[str, ...] | None = None,
    interpretation: str = "政策解读",
) -> Filing:
    """Published (11:00) on the website with its 正式文本 (`text`, by default the title) and 政策解读."""
    return publication.publish(
        doc,
        actor=w["clerk"],
        now=now or at(on, 11),
        published_on=on or office_today(now),
        channel=channel,
        url=url or f"https://www.example.gov.cn/gfxwj/{doc.id}.html",
        effective_on=effective_on,
        early_effect_reason=early_effect_reason,
        validity_mode=validity_mode,
        validity_end_on=validity_end_on,
        validity_reason=validity_reason,
        official_text=upload("正式文本.docx", *(text or (doc.title,))),
        interpretation=upload("政策解读.docx", interpretation),
    )


def take_effect(doc: Document, on: date, *, actor=SYSTEM, minute: int = 10) -> None:
    """施行 just after midnight of the effective date, as the scheduler does."""
    publication.take_effect(doc, actor=actor, now=at(on, 0, minute))


def submit_filing(w: World, doc: Document, on: date):
    """报送备案 with the complete packet: the filing report is generated that day, the rest exists already."""
    if filing.missing_packet_items(doc) == ["备案报告"]:
        generate_filing_report(doc, actor=w["clerk"], now=at(on, 12))
    return filing.submit(
        doc, actor=w["clerk"], now=at(on, 14), submitted_on=on, method="市规范性文件管理系统", system_ref=""
    )


def filing_result(w: World, doc: Document, on: date, result: FilingResult, note: str = ""):
    return filing.record_result(doc, actor=w["clerk"], now=at(on, 15), result=result, result_on=on, note=note)


def repeal(w: World, doc: Document, on: date, reason: str = "镇政府决定废止") -> None:
    publication.end_document(doc, "repeal", actor=w["clerk"], now=at(on, 10), on=on, reason=reason)


# --- compositions ------------------------------------------------------------------------------------------


def review_and_deliberate(w: World, doc: Document, submitted_on: date, *, drafter: str = "drafter") -> Document:
    """Submitted that day, accepted the next, passed after a week, deliberated (approved) on day 14."""
    rnd = submit(w, doc, submitted_on, drafter=drafter)
    accept(w, doc, submitted_on + timedelta(days=1))
    conclude_review(w, doc, rnd, submitted_on + timedelta(days=7))
    deliberate(w, doc, submitted_on + timedelta(days=14))
    return doc


def review_and_number(w: World, doc: Document, submitted_on: date, *, drafter: str = "drafter") -> Document:
    """review_and_deliberate, then numbered on day 16."""
    review_and_deliberate(w, doc, submitted_on, drafter=drafter)
    number(w, doc, submitted_on + timedelta(days=16))
    return doc


def deliberated(w: World, title: str, submitted_on: date, **kw) -> Document:
    """A draft (see draft) submitted that day and taken to deliberation (see review_and_deliberate)."""
    doc = draft(w, title, submitted_on, **kw)
    return review_and_deliberate(w, doc, submitted_on, drafter=kw.get("drafter", "drafter"))


def ready_to_publish(w: World, title: str, submitted_on: date, **kw) -> Document:
    """Reviewed (passed), deliberated and numbered within the 16 days after `submitted_on`."""
    doc = deliberated(w, title, submitted_on, **kw)
    number(w, doc, submitted_on + timedelta(days=16))
    return doc


def numbered(w: World, title: str, signed_on: date, **kw) -> Document:
    """ready_to_publish, numbered (automatically) on `signed_on`: deliberated two days before."""
    return ready_to_publish(w, title, signed_on - timedelta(days=16), **kw)


def published(w: World, title: str, submitted_on: date, published_on: date, effective_on: date, **kw) -> Document:
    """ready_to_publish, then published with the default validity."""
    doc = ready_to_publish(w, title, submitted_on, **kw)
    publish(w, doc, published_on, effective_on=effective_on)
    return doc


def in_force(w: World, title: str, submitted_on: date, published_on: date, effective_on: date, **kw) -> Document:
    """published, and taken into force on its effective date."""
    doc = published(w, title, submitted_on, published_on, effective_on, **kw)
    take_effect(doc, effective_on)
    return doc
