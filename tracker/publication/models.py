"""Publication records and the number counters behind 发文字号, 规范性文件编号 and opinion numbers."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import TimestampMixin
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.tenancy import DocumentPart


class Publication(DocumentPart, TimestampMixin, db.Model):
    """Signing, numbering and publication of a document; a renewal after evaluation adds a new one."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    is_current: Mapped[bool] = mapped_column(default=True)
    signed_on: Mapped[date]
    signer: Mapped[str] = mapped_column(sa.String(50), default="")
    issue_scope: Mapped[str] = mapped_column(sa.String(40))
    issue_year: Mapped[int]
    issue_seq: Mapped[int]
    issue_number: Mapped[str] = mapped_column(sa.String(60), unique=True)
    # A document from the old register may have no 规范性文件编号 at all (docs/rules.md §4): all four are empty then.
    normative_scope: Mapped[str | None] = mapped_column(sa.String(40))
    normative_year: Mapped[int | None]
    normative_seq: Mapped[int | None]
    normative_number: Mapped[str | None] = mapped_column(sa.String(60), unique=True)
    # Numbers typed in for documents issued before the system existed.
    numbers_entered_by_hand: Mapped[bool] = mapped_column(default=False)
    # The 发文字号 was typed in (allocated in the office's OA system); the 规范性文件编号 was still allocated here.
    issue_number_typed: Mapped[bool] = mapped_column(default=False)
    published_on: Mapped[date | None] = mapped_column(index=True)
    channel: Mapped[str | None] = mapped_column(sa.String(100))
    url: Mapped[str | None] = mapped_column(sa.String(500))
    effective_on: Mapped[date | None]
    # Required when the document takes effect sooner than the rule set's minimum gap; goes into the filing packet.
    early_effect_reason: Mapped[str | None] = mapped_column(sa.Text)
    validity_end_on: Mapped[date | None]
    validity_reason: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    document: Mapped[Document] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("issue_scope", "issue_year", "issue_seq"),
        sa.UniqueConstraint("normative_scope", "normative_year", "normative_seq"),
        sa.CheckConstraint(
            "(normative_number IS NULL AND normative_scope IS NULL AND normative_year IS NULL"
            " AND normative_seq IS NULL) OR (normative_number IS NOT NULL AND normative_scope IS NOT NULL"
            " AND normative_year IS NOT NULL AND normative_seq IS NOT NULL)",
            name="normative_number_whole",
        ),
        sa.CheckConstraint("published_on IS NULL OR published_on >= signed_on", name="published_after_signing"),
        sa.CheckConstraint(
            "effective_on IS NULL OR (published_on IS NOT NULL AND effective_on >= published_on)",
            name="effective_after_publication",
        ),
        sa.CheckConstraint(
            "validity_end_on IS NULL OR (effective_on IS NOT NULL AND validity_end_on > effective_on)",
            name="validity_after_effect",
        ),
    )


class NumberPattern(TimestampMixin, db.Model):
    """An issuer's own number patterns, where they differ from the rule set's defaults (docs/rules.md §4).

    Empty means the default (`issue_number_pattern`, `normative_number_pattern` with the issuer's 发文代字 as
    {prefix}); one row per issuer, edited on the administrator's 编号规则 page.
    """

    __tablename__ = "number_patterns"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), unique=True)
    issue_pattern: Mapped[str | None] = mapped_column(sa.String(60))
    normative_pattern: Mapped[str | None] = mapped_column(sa.String(60))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
