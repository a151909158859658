"""Registering drafts and editing their metadata."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError

from tracker.audit import services as audit
from tracker.auth.models import Unit
from tracker.auth.permissions import may
from tracker.documents.models import DocKind, Document, TrialKind
from tracker.errors import ConcurrentEdit, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.workflow.states import DocStatus

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


def _check_units(data: DocumentData) -> None:
    issuer = db.session.get(Unit, data.issuer_id)
    if issuer is None or not issuer.can_issue or not issuer.active:
        raise ValidationFailed("所选发文机关不能发布规范性文件。")
    drafter = db.session.get(Unit, data.drafting_unit_id)
    if drafter is None or not drafter.can_draft or not drafter.active:
        raise ValidationFailed("所选起草单位无效。")


def _snapshot(doc: Document) -> dict:
    return {f: (v.value if hasattr(v, "value") else v) for f in AUDITED_FIELDS if (v := getattr(doc, f)) is not None}


def register_draft(data: DocumentData, *, actor, now: datetime) -> Document:
    if not may(actor, "document.create"):
        raise PermissionDenied("只有起草单位经办人可以登记文件草案。")
    if data.drafting_unit_id != actor.unit_id:
        raise PermissionDenied("只能为本单位登记文件草案。")
    _check_units(data)
    doc = Document(
        **vars(data),
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
    return doc
