"""The generated-file store: render with the active template, keep the bytes as the next version of a record.

A generation is never overwritten: regenerating (after a template change or a corrected record) adds a version,
and every earlier version stays downloadable with the template version it was made with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.audit import services as audit
from tracker.common.together import Part, rows_of
from tracker.errors import ConcurrentEdit
from tracker.extensions import db
from tracker.files.models import StoredFile
from tracker.files.storage import store_bytes
from tracker.files.uploads import DOCX_TYPE
from tracker.word.models import GeneratedDocument, OutputKind
from tracker.word.render import render_checked
from tracker.word.templates import ActiveTemplate, active_template, describe_template


@dataclass(frozen=True)
class Rendered:
    data: bytes
    template: ActiveTemplate
    filename: str


def render(kind: OutputKind, context: dict, filename: str) -> Rendered:
    """The output as .docx bytes with the kind's active template (not stored)."""
    template = active_template(kind)
    return Rendered(render_checked(template.data, context), template, filename)


def versions_of(kind: OutputKind, object_type: str, object_id: int) -> list[GeneratedDocument]:
    """Every stored version of a record's output, newest first."""
    return versions_by_object(kind, object_type, [object_id])[object_id]


def versions_by_object(kind: OutputKind, object_type: str, object_ids: list[int]) -> dict[int, list[GeneratedDocument]]:
    """Every stored version of the output of each of these records, newest first, in one query (id -> versions)."""
    found: dict[int, list[GeneratedDocument]] = {object_id: [] for object_id in object_ids}
    rows = db.session.scalars(
        sa.select(GeneratedDocument)
        .where(
            GeneratedDocument.kind == kind,
            GeneratedDocument.object_type == object_type,
            GeneratedDocument.object_id.in_(object_ids),
        )
        .order_by(GeneratedDocument.object_id, GeneratedDocument.version_no.desc())
        .options(joinedload(GeneratedDocument.file), joinedload(GeneratedDocument.created_by))  # a list shows both
    )
    for row in rows:
        found[row.object_id].append(row)
    return found


def outputs_part(document_id: int) -> Part:
    """Every stored version of every output of one document's records (its opinions, its filing reports), newest
    first for each record, with their files and makers: the document page's Word panel and filing packet."""
    return Part(
        ("outputs", document_id),
        GeneratedDocument,
        GeneratedDocument.document_id == document_id,
        (GeneratedDocument.kind, GeneratedDocument.object_id, GeneratedDocument.version_no.desc()),
        (joinedload(GeneratedDocument.file), joinedload(GeneratedDocument.created_by)),
    )


def document_versions(
    document_id: int, kind: OutputKind, object_type: str, object_ids: list[int]
) -> dict[int, list[GeneratedDocument]]:
    """versions_by_object() of records of one document, from the document's outputs (read once per page:
    common/together.py)."""
    found: dict[int, list[GeneratedDocument]] = {object_id: [] for object_id in object_ids}
    for row in rows_of(outputs_part(document_id)):
        if row.kind is kind and row.object_type == object_type and row.object_id in found:
            found[row.object_id].append(row)
    return found


def latest_file(document_id: int, kind: OutputKind, object_type: str, object_id: int | None) -> StoredFile | None:
    """The file of the newest version of one of the document's records' outputs, or None when it has none (or there
    is no record)."""
    if object_id is None:
        return None
    versions = document_versions(document_id, kind, object_type, [object_id])[object_id]
    return versions[0].file if versions else None


def store(
    kind: OutputKind,
    *,
    object_type: str,
    object_id: int,
    rendered: Rendered,
    filename_for: Callable[[int], str],
    actor,
    now: datetime,
    document_id: int | None = None,
) -> GeneratedDocument:
    """Keep the bytes and a record as the next version; earlier versions stay.

    `document_id` is None for an output that belongs to no single document (a clean-up campaign's catalogue).
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
                    document_id=document_id,
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
            document_id=document_id,
            summary=f"生成{kind.label}第 {version_no} 版（{describe_template(kind, rendered.template.label)}）",
        )
        return row
    raise ConcurrentEdit("多人同时生成同一文书，请稍后重试。")
