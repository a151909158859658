"""The template store: the built-in template of each kind (version 0) and the office-edited versions.

An uploaded template is checked against its kind's TemplateSpec before it becomes the next version and active;
an earlier version can be restored (and is checked again against today's fields).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from tracker.audit import services as audit
from tracker.auth.permissions import may
from tracker.common.filters import date_cn
from tracker.common.timeutil import local_time
from tracker.errors import ConcurrentEdit, NotFound, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.files.storage import path_of, store_bytes
from tracker.files.uploads import DOCX_TYPE, CheckedFile
from tracker.word.models import OutputKind, TemplateVersion
from tracker.word.render import check_template
from tracker.word.spec import TemplateSpec

# The built-in templates, written by tracker/outputs/build_templates.py.
DOCX_DIR = Path(__file__).resolve().parent / "docx"


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


def describe_template(kind: OutputKind, label: str) -> str:
    """A stored template label ("v3:9f2c…") as people read it: the version, when and by whom it was put in use."""
    number = label.partition(":")[0].removeprefix("v")
    if not number.isdigit() or int(number) == 0:
        return "内置模板"
    row = db.session.scalar(
        sa.select(TemplateVersion).where(TemplateVersion.kind == kind, TemplateVersion.version_no == int(number))
    )
    if row is None:
        return f"第 {number} 版模板"
    who = row.uploaded_by.display_name if row.uploaded_by else ""
    return f"第 {number} 版模板（{date_cn(local_time(row.created_at).date())} {who}启用）"


def builtin_template(kind: OutputKind) -> bytes:
    return (DOCX_DIR / f"{kind.value}.docx").read_bytes()


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
    if not may(actor, "install"):
        raise PermissionDenied("文书模板各镇街共用，由市级系统管理员管理。")


def _validate(spec: TemplateSpec, data: bytes) -> None:
    result = check_template(spec, data)
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


def upload_template(
    spec: TemplateSpec, checked: CheckedFile, *, actor, now: datetime, note: str = ""
) -> TemplateVersion:
    """Validate an office-edited template; only a valid one is stored as the next version and made active."""
    _require_admin(actor)
    kind = spec.kind
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationFailed("版本说明不超过 300 字。")
    _validate(spec, checked.data)
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


def activate_template(spec: TemplateSpec, version_no: int, *, actor, now: datetime) -> None:
    """Restore a kept version (0 = the built-in one); it is checked again against today's fields first."""
    _require_admin(actor)
    kind = spec.kind
    if version_no == 0:
        _make_active(kind, None)
    else:
        row = _version(kind, version_no)
        _validate(spec, _read_stored(row))
        _make_active(kind, row)
    audit.record(
        "word.template_activate",
        actor=actor,
        now=now,
        object_type="template_version",
        object_id=None if version_no == 0 else _version(kind, version_no).id,
        summary=f"启用{kind.label}模板" + ("内置版本（第 0 版）" if version_no == 0 else f"第 {version_no} 版"),
    )
