"""Registering drafts and editing their metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError

from tracker.audit import services as audit
from tracker.auth.models import Unit
from tracker.auth.permissions import may
from tracker.documents import search
from tracker.documents.models import Attachment, AttachmentKind, DocKind, Document, DocumentVersion, TrialKind
from tracker.documents.states import DocStatus
from tracker.errors import ConcurrentEdit, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.files.storage import store_bytes
from tracker.files.uploads import CheckedFile, docx_paragraphs

EDITABLE_STATES = frozenset(
    {DocStatus.DRAFTING, DocStatus.CONSULTING, DocStatus.RETURNED, DocStatus.NOT_APPROVED, DocStatus.DEFERRED}
)
AUDITED_FIELDS = (
    "title",
    "kind",
    "issuer_id",
    "drafting_unit_id",
    "trial_kind",
    "subject",
    "is_major",
    "affects_market",
)


@dataclass
class DocumentData:
    title: str
    kind: DocKind
    issuer_id: int
    drafting_unit_id: int
    trial_kind: TrialKind = TrialKind.NONE
    subject: str | None = None
    summary: str = ""
    necessity: str = ""
    is_major: bool = False
    affects_market: bool = False


def _check_units(data: DocumentData) -> Unit:
    """The drafting unit, once both units are checked: active, able to draft or issue, and of the same town."""
    drafter = db.session.get(Unit, data.drafting_unit_id)
    if drafter is None or not drafter.can_draft or not drafter.active:
        raise ValidationFailed("所选起草单位无效。")
    issuer = db.session.get(Unit, data.issuer_id)
    if issuer is None or not issuer.can_issue or not issuer.active or issuer.town_id != drafter.town_id:
        raise ValidationFailed("所选发文机关不能发布规范性文件。")
    return drafter


def _snapshot(doc: Document) -> dict:
    return {f: (v.value if hasattr(v, "value") else v) for f in AUDITED_FIELDS if (v := getattr(doc, f)) is not None}


def register_draft(data: DocumentData, *, actor, now: datetime) -> Document:
    if not may(actor, "document.create"):
        raise PermissionDenied("只有起草单位经办人可以登记文件草案。")
    if data.drafting_unit_id != actor.unit_id:
        raise PermissionDenied("只能为本单位登记文件草案。")
    drafter = _check_units(data)
    doc = Document(
        **vars(data),
        town_id=drafter.town_id,
        status=DocStatus.DRAFTING,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    db.session.add(doc)
    db.session.flush()
    audit.record(
        "document.register",
        actor=actor,
        now=now,
        summary=f"登记文件草案《{doc.title}》",
        object_type="document",
        object_id=doc.id,
        document_id=doc.id,
        after=_snapshot(doc),
    )
    search.reindex(doc)
    return doc


def update_metadata(
    doc: Document, data: DocumentData, *, actor, now: datetime, expected_version: int | None
) -> Document:
    if not may(actor, "document.edit", doc):
        raise PermissionDenied("您无权修改该文件。")
    if doc.status not in EDITABLE_STATES:
        raise ValidationFailed(f"文件当前为“{doc.status.label}”，不能修改基本信息。")
    if expected_version is not None and expected_version != doc.version_id:
        raise ConcurrentEdit("该文件已被他人修改，您的修改未保存。请刷新页面查看最新内容后再修改。")
    if data.drafting_unit_id != doc.drafting_unit_id:
        raise ValidationFailed("起草单位不能在此修改。")
    _check_units(data)
    before = _snapshot(doc)
    for key, value in vars(data).items():
        setattr(doc, key, value)
    doc.updated_at = now
    try:
        db.session.flush()
    except StaleDataError:
        raise ConcurrentEdit("该文件已被他人修改，您的修改未保存。请刷新页面查看最新内容后再修改。") from None
    after = _snapshot(doc)
    changed = {k: after.get(k) for k in set(before) | set(after) if before.get(k) != after.get(k)}
    audit.record(
        "document.update",
        actor=actor,
        now=now,
        summary="修改文件基本信息",
        object_type="document",
        object_id=doc.id,
        document_id=doc.id,
        before={k: before.get(k) for k in changed},
        after=changed,
    )
    search.reindex(doc)
    return doc


# --- versions and materials -------------------------------------------------------------------------

VERSION_STATES = frozenset(
    {DocStatus.DRAFTING, DocStatus.CONSULTING, DocStatus.RETURNED, DocStatus.NOT_APPROVED, DocStatus.DEFERRED}
)
MAX_NOTE = 500


def add_version(doc: Document, checked: CheckedFile, *, note: str, actor, now: datetime) -> DocumentVersion:
    """A new draft version (.docx, checked by content); its text is kept for search and comparison."""
    if not may(actor, "document.edit", doc):
        raise PermissionDenied("只有本单位经办人可以上传草案版本。")
    if doc.status not in VERSION_STATES:
        raise ValidationFailed(f"文件当前为“{doc.status.label}”，不能上传新版本。")
    if checked.kind != "docx":
        raise ValidationFailed("草案版本须为 Word（.docx）文件。")
    if len(note) > MAX_NOTE:
        raise ValidationFailed(f"版本说明不超过 {MAX_NOTE} 字。")
    paragraphs = checked.paragraphs if checked.paragraphs is not None else docx_paragraphs(checked.data)
    text = "\n".join(paragraphs)
    stored = store_bytes(
        checked.data, original_name=checked.filename, content_type=checked.content_type, actor=actor, now=now
    )
    seq = (max((v.seq for v in doc.versions), default=0)) + 1
    version = DocumentVersion(
        document=doc, seq=seq, file=stored, note=note.strip(), text=text, uploaded_by_id=actor.id, uploaded_at=now
    )
    db.session.add(version)
    doc.updated_at = now
    db.session.flush()
    audit.record(
        "document.version",
        actor=actor,
        now=now,
        summary=f"上传第 {seq} 稿：{checked.filename}",
        object_type="document_version",
        object_id=version.id,
        document_id=doc.id,
    )
    search.reindex(doc)
    return version


def add_attachment(
    doc: Document, checked: CheckedFile, *, kind: AttachmentKind, title: str, actor, now: datetime
) -> Attachment:
    """Attach a material of a given type; an earlier material of the same type is kept but superseded."""
    office_kinds = {
        AttachmentKind.MINUTES,
        AttachmentKind.INTERPRETATION,
        AttachmentKind.OFFICIAL_TEXT,
        AttachmentKind.EARLY_EFFECT_REASON,
        AttachmentKind.FILING_RECEIPT,
    }
    permission = "office" if kind in office_kinds else "document.edit"
    if not may(actor, permission, doc):
        raise PermissionDenied("您无权为该文件上传此类材料。")
    # The submission packet freezes once submitted; an evaluation report belongs to a document in force.
    frozen = permission == "document.edit" and kind is not AttachmentKind.EVALUATION_REPORT
    if frozen and doc.status not in VERSION_STATES:
        raise ValidationFailed(f"文件当前为“{doc.status.label}”，送审材料已冻结，不能再上传。")
    title = (title or "").strip() or kind.label
    if len(title) > 200:
        raise ValidationFailed("材料名称不超过 200 字。")
    stored = store_bytes(
        checked.data, original_name=checked.filename, content_type=checked.content_type, actor=actor, now=now
    )
    for earlier in doc.attachments:
        if earlier.kind is kind and kind is not AttachmentKind.OTHER and not earlier.superseded:
            earlier.superseded = True
    att = Attachment(document=doc, kind=kind, title=title, file=stored, uploaded_by_id=actor.id, uploaded_at=now)
    db.session.add(att)
    doc.updated_at = now
    db.session.flush()
    audit.record(
        "document.attachment",
        actor=actor,
        now=now,
        summary=f"上传材料：{kind.label}（{checked.filename}）",
        object_type="attachment",
        object_id=att.id,
        document_id=doc.id,
    )
    return att
