"""Word output as records: generating opinions and filing reports, and the office-edited templates' versions."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tracker.audit import services as audit
from tracker.auth.models import Unit, UnitKind
from tracker.auth.permissions import may
from tracker.common.timeutil import office_today
from tracker.documents.models import AttachmentKind, Document, DocumentVersion
from tracker.errors import ConcurrentEdit, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.files.storage import path_of, store_bytes
from tracker.files.uploads import DOCX_TYPE, CheckedFile, clean_filename
from tracker.filing.models import Filing
from tracker.outputs import context as ctx
from tracker.outputs.build_templates import DOCX_DIR
from tracker.outputs.fields import spec_for
from tracker.outputs.models import GeneratedDocument, OutputKind, TemplateVersion
from tracker.outputs.render import check_template, render_checked
from tracker.publication.models import Publication
from tracker.publication.queries import current_publication
from tracker.review.models import Opinion, ReviewPoint, ReviewRound
from tracker.rules.ruleset import get_rule, get_setting

# Materials of a submission packet (docs/rules.md §4), in the order they are listed in the opinion.
PACKET_KINDS = (
    AttachmentKind.REQUEST_LETTER,
    AttachmentKind.DRAFTING_NOTE,
    AttachmentKind.LEGAL_BASIS,
    AttachmentKind.COMMENT_RECORD,
    AttachmentKind.DEPARTMENT_OPINION,
    AttachmentKind.EXPERT_REPORT,
    AttachmentKind.RISK_ASSESSMENT,
    AttachmentKind.FAIR_COMPETITION,
    AttachmentKind.UNIT_LEGAL_OPINION,
    AttachmentKind.OTHER,
)
MAX_TITLE_IN_FILENAME = 80


# --- templates and their versions -------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveTemplate:
    kind: OutputKind
    version_no: int  # 0 = the built-in template
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def label(self) -> str:
        """Stored on every generated document: the version and the template's own hash."""
        return f"v{self.version_no}:{self.sha256[:12]}"


def builtin_template(kind: OutputKind) -> bytes:
    return (DOCX_DIR / spec_for(kind).builtin).read_bytes()


def template_versions(kind: OutputKind) -> list[TemplateVersion]:
    return list(
        db.session.scalars(
            sa.select(TemplateVersion).where(TemplateVersion.kind == kind).order_by(TemplateVersion.version_no.desc())
        )
    )


def _read_stored(version: TemplateVersion) -> bytes:
    path = path_of(version.file)
    if not path.exists():
        raise NotFound(f"模板第 {version.version_no} 版的文件已丢失，请管理员恢复其他版本。")
    return path.read_bytes()


def active_template(kind: OutputKind) -> ActiveTemplate:
    """The uploaded version marked active, or the built-in template (version 0) when none is."""
    row = db.session.scalar(
        sa.select(TemplateVersion)
        .where(TemplateVersion.kind == kind, TemplateVersion.active.is_(True))
        .order_by(TemplateVersion.version_no.desc())
        .limit(1)
    )
    if row is None:
        return ActiveTemplate(kind, 0, builtin_template(kind))
    return ActiveTemplate(kind, row.version_no, _read_stored(row))


def template_bytes(kind: OutputKind, version_no: int) -> bytes:
    if version_no == 0:
        return builtin_template(kind)
    return _read_stored(_version(kind, version_no))


def _version(kind: OutputKind, version_no: int) -> TemplateVersion:
    row = db.session.scalar(
        sa.select(TemplateVersion).where(TemplateVersion.kind == kind, TemplateVersion.version_no == version_no)
    )
    if row is None:
        raise NotFound(f"没有{kind.label}模板第 {version_no} 版。")
    return row


def _require_admin(actor) -> None:
    if not may(actor, "admin"):
        raise PermissionDenied("只有管理员可以管理文书模板。")


def _validate(kind: OutputKind, data: bytes) -> None:
    result = check_template(spec_for(kind), data)
    if not result.ok:
        raise ValidationFailed("模板未启用，原模板继续使用。原因：" + "".join(result.problems))


def _make_active(kind: OutputKind, row: TemplateVersion | None) -> None:
    for other in db.session.scalars(
        sa.select(TemplateVersion).where(TemplateVersion.kind == kind, TemplateVersion.active.is_(True))
    ):
        other.active = False
    db.session.flush()
    if row is not None:
        row.active = True
        db.session.flush()


def upload_template(kind: OutputKind, checked: CheckedFile, *, actor, now: datetime, note: str = "") -> TemplateVersion:
    """Validate an office-edited template; only a valid one is stored as the next version and made active."""
    _require_admin(actor)
    spec_for(kind)
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationFailed("版本说明不超过 300 字。")
    _validate(kind, checked.data)
    last = db.session.scalar(sa.select(sa.func.max(TemplateVersion.version_no)).where(TemplateVersion.kind == kind))
    stored = store_bytes(checked.data, original_name=checked.filename, content_type=DOCX_TYPE, actor=actor, now=now)
    row = TemplateVersion(
        kind=kind,
        version_no=(last or 0) + 1,
        file_id=stored.id,
        note=note,
        uploaded_by_id=actor.id,
        created_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise ConcurrentEdit("另一位管理员刚刚上传了同类模板，请刷新页面后重试。") from None
    _make_active(kind, row)
    audit.record(
        "word.template_upload",
        actor=actor,
        now=now,
        object_type="template_version",
        object_id=row.id,
        summary=f"上传并启用{kind.label}模板第 {row.version_no} 版（{checked.filename}）"
        + (f"：{note}" if note else ""),
    )
    return row


def activate_template(kind: OutputKind, version_no: int, *, actor, now: datetime) -> None:
    """Restore a kept version (0 = the built-in one); it is checked again against today's fields first."""
    _require_admin(actor)
    if version_no == 0:
        _make_active(kind, None)
    else:
        row = _version(kind, version_no)
        _validate(kind, _read_stored(row))
        _make_active(kind, row)
    audit.record(
        "word.template_activate",
        actor=actor,
        now=now,
        object_type="template_version",
        object_id=None if version_no == 0 else _version(kind, version_no).id,
        summary=f"启用{kind.label}模板" + ("内置版本（第 0 版）" if version_no == 0 else f"第 {version_no} 版"),
    )


# --- gathering the data of one output ----------------------------------------------------------------------


def judicial_office_name(opinion: Opinion) -> str:
    """The 司法所 that issued the opinion: the issuer's unit if it is one, else the town's judicial office."""
    issuer = opinion.issued_by
    if issuer is not None and issuer.unit is not None and issuer.unit.kind is UnitKind.JUDICIAL_OFFICE:
        return issuer.unit.name
    unit = db.session.scalar(
        sa.select(Unit).where(Unit.kind == UnitKind.JUDICIAL_OFFICE, Unit.active.is_(True)).order_by(Unit.id).limit(1)
    )
    return unit.name if unit is not None else "司法所"


def packet_materials(rnd: ReviewRound) -> list[str]:
    """What the drafter submitted for this round: the reviewed draft version, then the packet's attachments."""
    doc = rnd.document
    names: list[str] = []
    if rnd.version_id_reviewed is not None:
        version = db.session.get(DocumentVersion, rnd.version_id_reviewed)
        if version is not None:
            names.append(f"送审稿（第{version.seq}稿）")
    for kind in PACKET_KINDS:
        sent = [a for a in doc.attachments if a.kind is kind and a.uploaded_at <= rnd.submitted_at]
        # A material replaced before the submission was not part of it; one replaced later was.
        current = [a for a in sent if not a.superseded] or sent[-1:]
        for a in current:
            title = (a.title or "").strip()
            names.append(kind.label if title in ("", kind.label) else f"{kind.label}：{title}")
    return names


def opinion_context_for(opinion: Opinion) -> dict:
    return ctx.opinion_context(
        opinion,
        office_name=judicial_office_name(opinion),
        materials=packet_materials(opinion.round),
        point_order=list(ReviewPoint),
        standing_basis=get_setting("review_basis"),
    )


def opinions_of(doc: Document) -> list[Opinion]:
    return list(
        db.session.scalars(
            sa.select(Opinion)
            .join(ReviewRound, ReviewRound.id == Opinion.round_id)
            .where(Opinion.document_id == doc.id)
            .order_by(ReviewRound.round_no)
        )
    )


def latest_opinion(doc: Document) -> Opinion | None:
    opinions = opinions_of(doc)
    return opinions[-1] if opinions else None


def _passing_opinion(doc: Document) -> Opinion | None:
    opinions = opinions_of(doc)
    passing = [o for o in opinions if o.round.conclusion is not None and o.round.conclusion.passing]
    return (passing or opinions or [None])[-1]


def published(doc: Document) -> Publication:
    pub = current_publication(doc)
    if pub is None:
        raise InvalidTransition("该文件尚未签发编号、发布，不能生成备案报告。")
    if pub.published_on is None:
        raise InvalidTransition("该文件已登记编号但尚未发布，发布后才能生成备案报告。")
    return pub


def filing_authority_name(pub: Publication) -> str:
    authority_id = db.session.scalar(sa.select(Filing.authority_id).where(Filing.publication_id == pub.id))
    unit = db.session.get(Unit, authority_id) if authority_id else None
    if unit is None:
        unit = db.session.scalar(
            sa.select(Unit)
            .where(Unit.kind == UnitKind.FILING_AUTHORITY, Unit.active.is_(True))
            .order_by(Unit.id)
            .limit(1)
        )
    if unit is None:
        raise ValidationFailed("尚未设置备案审查机关（单位类型“备案审查机关”），请管理员在单位管理中添加。")
    return unit.name


def _office_name_for(doc: Document, opinion: Opinion | None) -> str:
    if opinion is not None:
        return judicial_office_name(opinion)
    unit = db.session.scalar(
        sa.select(Unit).where(Unit.kind == UnitKind.JUDICIAL_OFFICE, Unit.active.is_(True)).order_by(Unit.id).limit(1)
    )
    return unit.name if unit is not None else "司法所"


def enclosure_labels(doc: Document, pub: Publication, *, early: bool) -> list[str]:
    """The filing packet (filing.services.packet) minus the report itself; optional items only when present."""
    from tracker.filing.services import packet

    labels = [item.label for item in packet(doc) if item.label != "备案报告" and (item.required or item.present)]
    if early and "提前施行的理由说明" not in labels:
        labels.append("提前施行的理由说明")
    return labels


def filing_report_context_for(doc: Document, *, actor, report_date: date) -> tuple[Publication, dict]:
    pub = published(doc)
    opinion = _passing_opinion(doc)
    gap = get_rule("effect_min_gap").value
    early = ctx.is_early(pub, gap) or bool((pub.early_effect_reason or "").strip())
    context = ctx.filing_report_context(
        pub,
        authority_name=filing_authority_name(pub),
        office_name=_office_name_for(doc, opinion),
        opinion=opinion,
        effect_min_gap=gap,
        report_date=report_date,
        contact=getattr(actor, "display_name", "") or "",
        phone=getattr(actor, "phone", "") or "",
        enclosures=enclosure_labels(doc, pub, early=early),
        early=early,
    )
    return pub, context


# --- rendering and storing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    data: bytes
    template: ActiveTemplate
    filename: str


def _short(title: str) -> str:
    """The title as part of a file name: no path separators or characters Windows refuses, not too long."""
    title = "".join(ch for ch in title if ch.isprintable() and ch not in '/\\:*?"<>|').strip()
    return title if len(title) <= MAX_TITLE_IN_FILENAME else title[: MAX_TITLE_IN_FILENAME - 1] + "…"


def opinion_filename(opinion: Opinion, version_no: int = 1) -> str:
    suffix = f"（第{version_no}版）" if version_no > 1 else ""
    number = ctx.official_number(opinion.number)
    return clean_filename(f"《{_short(opinion.document.title)}》合法性审查意见书（{number}）{suffix}.docx")


def filing_report_filename(doc: Document, version_no: int = 1) -> str:
    suffix = f"（第{version_no}版）" if version_no > 1 else ""
    return clean_filename(f"关于《{_short(doc.title)}》的备案报告{suffix}.docx")


def render_opinion(opinion: Opinion) -> Rendered:
    """The opinion as .docx bytes (not stored): what `flask word render opinion` writes."""
    template = active_template(OutputKind.OPINION)
    data = render_checked(template.data, opinion_context_for(opinion))
    return Rendered(data, template, opinion_filename(opinion))


def render_filing_report(doc: Document, *, actor=None, now: datetime) -> Rendered:
    template = active_template(OutputKind.FILING_REPORT)
    _pub, context = filing_report_context_for(doc, actor=actor, report_date=office_today(now))
    return Rendered(render_checked(template.data, context), template, filing_report_filename(doc))


def versions_of(kind: OutputKind, object_type: str, object_id: int) -> list[GeneratedDocument]:
    return list(
        db.session.scalars(
            sa.select(GeneratedDocument)
            .where(
                GeneratedDocument.kind == kind,
                GeneratedDocument.object_type == object_type,
                GeneratedDocument.object_id == object_id,
            )
            .order_by(GeneratedDocument.version_no.desc())
        )
    )


def _store(
    kind: OutputKind,
    *,
    document: Document | None,
    object_type: str,
    object_id: int,
    rendered: Rendered,
    filename_for,
    actor,
    now: datetime,
) -> GeneratedDocument:
    """Keep the bytes and a record; a new generation is the next version, earlier versions stay.

    `document` is None for an output that belongs to no single document (a clean-up campaign's catalogue).
    """
    for _attempt in range(3):
        last = db.session.scalar(
            sa.select(sa.func.max(GeneratedDocument.version_no)).where(
                GeneratedDocument.kind == kind,
                GeneratedDocument.object_type == object_type,
                GeneratedDocument.object_id == object_id,
            )
        )
        version_no = (last or 0) + 1
        try:
            with db.session.begin_nested():
                stored = store_bytes(
                    rendered.data, original_name=filename_for(version_no), content_type=DOCX_TYPE, actor=actor, now=now
                )
                row = GeneratedDocument(
                    kind=kind,
                    document_id=document.id if document is not None else None,
                    object_type=object_type,
                    object_id=object_id,
                    version_no=version_no,
                    file_id=stored.id,
                    template_version=rendered.template.label,
                    created_by_id=getattr(actor, "id", None),
                    created_at=now,
                )
                db.session.add(row)
                db.session.flush()
        except IntegrityError:
            continue  # someone generated the same output at this moment: take the next number
        audit.record(
            "word.generate",
            actor=actor,
            now=now,
            object_type="generated_document",
            object_id=row.id,
            document_id=document.id if document is not None else None,
            summary=f"生成{kind.label}第 {version_no} 版（模板 {rendered.template.label}）",
        )
        return row
    raise ConcurrentEdit("多人同时生成同一文书，请稍后重试。")


def generate_opinion(opinion: Opinion, *, actor, now: datetime) -> GeneratedDocument:
    doc = opinion.document
    if not may(actor, "review", doc):
        raise PermissionDenied("只有司法所审查员可以生成审查意见书。")
    rendered = render_opinion(opinion)
    return _store(
        OutputKind.OPINION,
        document=doc,
        object_type="opinion",
        object_id=opinion.id,
        rendered=rendered,
        filename_for=lambda n: opinion_filename(opinion, n),
        actor=actor,
        now=now,
    )


def generate_filing_report(doc: Document, *, actor, now: datetime) -> GeneratedDocument:
    if not may(actor, "office", doc):
        raise PermissionDenied("只有党政办文秘可以生成备案报告。")
    pub = published(doc)
    rendered = render_filing_report(doc, actor=actor, now=now)
    return _store(
        OutputKind.FILING_REPORT,
        document=doc,
        object_type="publication",
        object_id=pub.id,
        rendered=rendered,
        filename_for=lambda n: filing_report_filename(doc, n),
        actor=actor,
        now=now,
    )


def generated_for(doc: Document) -> list[GeneratedDocument]:
    return list(
        db.session.scalars(
            sa.select(GeneratedDocument)
            .where(GeneratedDocument.document_id == doc.id)
            .order_by(GeneratedDocument.kind, GeneratedDocument.object_id, GeneratedDocument.version_no.desc())
        )
    )
