"""Templates and generated Word documents as records: stored with sha256, template version, time and author.

A generated file names the record it was made from by object_type/object_id (an opinion, a publication, a
clean-up campaign, a solicitation); document_id is set when that record belongs to one document, for the
document's history and for who may read it.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import LabelledEnum, TimestampMixin, enum_column
from tracker.extensions import db
from tracker.files.models import StoredFile
from tracker.tenancy import DocumentPart


class OutputKind(LabelledEnum):
    OPINION = ("opinion", "合法性审查意见书")
    FILING_REPORT = ("filing_report", "备案报告")
    CLEANUP_CATALOGUE = ("cleanup_catalogue", "清理结果目录")
    ANNUAL_STATISTICS = ("annual_statistics", "年度统计")
    COMMENT_REPLY = ("comment_reply", "征求意见答复")
    DELIBERATION_MATERIAL = ("deliberation_material", "集体审议材料（审查意见采纳情况）")
    FILING_OPINION = ("filing_opinion", "备案审查意见书")
    CITY_STATISTICS = ("city_statistics", "各镇街年度统计（市）")


class TemplateVersion(TimestampMixin, db.Model):
    """An office-edited .docx template; exactly one active version per kind."""

    __tablename__ = "template_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutputKind] = mapped_column(enum_column(OutputKind, "output_kind"))
    version_no: Mapped[int]
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    active: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    file: Mapped[StoredFile] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("kind", "version_no"),)


class GeneratedDocument(DocumentPart, TimestampMixin, db.Model):
    __tablename__ = "generated_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutputKind] = mapped_column(enum_column(OutputKind, "generated_kind"))
    # The document the record belongs to (opinion, filing report), by table name: the engine knows no domain.
    document_id: Mapped[int | None] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40))
    object_id: Mapped[int]
    version_no: Mapped[int]
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    template_version: Mapped[str] = mapped_column(sa.String(40))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    file: Mapped[StoredFile] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("kind", "object_type", "object_id", "version_no"),)
