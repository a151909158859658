"""Documents and everything filed with them (docs/rules.md §2 stages 1–2, 18)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import Unit, User
from tracker.db import LabelledEnum, TimestampMixin, UTCDateTime, enum_column, utcnow
from tracker.documents.states import EVER_PUBLISHED, DocStatus, FilingStatus
from tracker.extensions import db
from tracker.files.models import StoredFile
from tracker.tenancy import DocumentPart, TownScoped


class DocKind(LabelledEnum):
    GOVERNMENT = ("government", "政府规范性文件")
    DEPARTMENT = ("department", "部门规范性文件")


class TrialKind(LabelledEnum):
    """暂行/试行 documents get a shorter default validity (docs/rules.md §3)."""

    NONE = ("none", "否")
    INTERIM = ("interim", "暂行")
    TRIAL = ("trial", "试行")


class SourceKind(LabelledEnum):
    LAW = ("law", "法律")
    REGULATION = ("regulation", "行政法规")
    LOCAL_REGULATION = ("local_regulation", "地方性法规")
    RULE = ("rule", "规章")
    HIGHER_DOCUMENT = ("higher_document", "上级规范性文件")


class SourceState(LabelledEnum):
    IN_FORCE = ("in_force", "现行有效")
    AMENDED = ("amended", "已修改")
    REPEALED = ("repealed", "已废止")


class AttachmentKind(LabelledEnum):
    REQUEST_LETTER = ("request_letter", "请示/送审函")
    DRAFT = ("draft", "送审稿")
    DRAFTING_NOTE = ("drafting_note", "起草说明")
    LEGAL_BASIS = ("legal_basis", "制定依据")
    COMMENT_RECORD = ("comment_record", "征求意见及采纳情况")
    DEPARTMENT_OPINION = ("department_opinion", "部门意见")
    EXPERT_REPORT = ("expert_report", "专家论证报告")
    RISK_ASSESSMENT = ("risk_assessment", "风险评估报告")
    FAIR_COMPETITION = ("fair_competition", "公平竞争审查记录")
    UNIT_LEGAL_OPINION = ("unit_legal_opinion", "起草单位法制审核意见")
    MINUTES = ("minutes", "会议纪要")
    INTERPRETATION = ("interpretation", "政策解读")
    OFFICIAL_TEXT = ("official_text", "正式文本")
    EARLY_EFFECT_REASON = ("early_effect_reason", "提前施行说明")
    FILING_RECEIPT = ("filing_receipt", "备案回执")
    EVALUATION_REPORT = ("evaluation_report", "评估报告")
    OTHER = ("other", "其他材料")


class RelationKind(LabelledEnum):
    AMENDS = ("amends", "修改")
    REPEALS = ("repeals", "废止")
    REPLACES = ("replaces", "替代")


class Document(TownScoped, TimestampMixin, db.Model):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The drafting unit's town: only that town reads the document (tracker/tenancy.py), until it is published.
    town_id: Mapped[int] = mapped_column(sa.ForeignKey("towns.id"))
    title: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[DocKind] = mapped_column(enum_column(DocKind, "doc_kind"))
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    drafting_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    trial_kind: Mapped[TrialKind] = mapped_column(enum_column(TrialKind, "trial_kind"), default=TrialKind.NONE)
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    necessity: Mapped[str] = mapped_column(sa.Text, default="")
    subject: Mapped[str | None] = mapped_column(sa.String(50))
    # Major matters need expert argumentation / risk assessment; market-related ones fair-competition review.
    is_major: Mapped[bool] = mapped_column(default=False)
    affects_market: Mapped[bool] = mapped_column(default=False)
    status: Mapped[DocStatus] = mapped_column(
        enum_column(DocStatus, "doc_status"), default=DocStatus.DRAFTING, index=True
    )
    filing_status: Mapped[FilingStatus] = mapped_column(
        enum_column(FilingStatus, "filing_status"), default=FilingStatus.NOT_SUBMITTED
    )
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The date the document stopped being in force (repealed, declared invalid, expired, amended).
    ended_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version_id: Mapped[int] = mapped_column(default=1)
    # The year the register files it under: its current publication's, or (never published) its registration's.
    # Derived; kept in every flush that changes what it depends on (tracker/publication/models.py).
    register_year: Mapped[int | None]

    issuer: Mapped[Unit] = relationship(foreign_keys=[issuer_id])
    drafting_unit: Mapped[Unit] = relationship(foreign_keys=[drafting_unit_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.seq", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="document", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    bases: Mapped[list[DocumentBasis]] = relationship(
        back_populates="document", order_by="DocumentBasis.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version_id}
    __table_args__ = (
        sa.CheckConstraint("length(title) > 0", name="title_not_empty"),
        # The register's sort orders (documents.queries.SORTS) walk these instead of sorting 100,000 rows; each
        # starts with the town, as every read of a town's request is limited to it (tracker/tenancy.py).
        sa.Index("ix_documents_town_id_updated_at_id", "town_id", "updated_at", "id"),
        sa.Index("ix_documents_town_id_title_id", "town_id", "title", "id"),
        # Documents registered in a period (the year's figures).
        sa.Index("ix_documents_town_id_created_at", "town_id", "created_at"),
        # The register's year filter, with the status most searches name beside it.
        sa.Index("ix_documents_town_id_register_year_status", "town_id", "register_year", "status"),
        # A town's counts by status (every home page), from the index alone.
        sa.Index("ix_documents_town_id_status", "town_id", "status"),
        # A drafting unit's documents in a few states (its home page: in progress, waiting for its answer).
        sa.Index("ix_documents_drafting_unit_id_status", "drafting_unit_id", "status"),
    )

    @property
    def ever_published(self) -> bool:
        """Published at some point: every unit may read it, and its filing obligation stays after it ends."""
        return self.status in EVER_PUBLISHED

    def __repr__(self) -> str:
        return f"<Document {self.id} {self.status.value}>"


class LegalSource(TimestampMixin, db.Model):
    """A law, regulation, rule or higher-level document that documents cite as a basis (制定依据).

    The catalogue the office maintains (docs/rules.md §4): kind is the level (法律, 行政法规 …). A title a drafter
    types that the catalogue did not hold is added unverified until the 司法所 checks it.
    """

    __tablename__ = "legal_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[SourceKind] = mapped_column(enum_column(SourceKind, "source_kind"))
    issuing_body: Mapped[str | None] = mapped_column(sa.String(100))
    number: Mapped[str | None] = mapped_column(sa.String(100))
    state: Mapped[SourceState] = mapped_column(enum_column(SourceState, "source_state"), default=SourceState.IN_FORCE)
    state_changed_on: Mapped[date | None]
    promulgated_on: Mapped[date | None]
    effective_on: Mapped[date | None]
    # The latest amendment and the repeal, as the catalogue records them (the review flags a basis by these).
    amended_on: Mapped[date | None]
    repealed_on: Mapped[date | None]
    verified: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        sa.CheckConstraint(
            "effective_on IS NULL OR promulgated_on IS NULL OR effective_on >= promulgated_on",
            name="effect_after_promulgation",
        ),
        sa.CheckConstraint(
            "state <> 'repealed' OR repealed_on IS NOT NULL OR state_changed_on IS NOT NULL", name="repeal_dated"
        ),
    )


class DocumentBasis(DocumentPart, db.Model):
    __tablename__ = "document_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"))
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("legal_sources.id"), index=True)
    articles: Mapped[str | None] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    document: Mapped[Document] = relationship(back_populates="bases")
    source: Mapped[LegalSource] = relationship()

    __table_args__ = (sa.UniqueConstraint("document_id", "source_id"),)


class DocumentVersion(DocumentPart, db.Model):
    """A draft version (.docx) with its extracted text, for search and paragraph comparison."""

    __tablename__ = "document_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"))
    seq: Mapped[int]
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    text: Mapped[str] = mapped_column(sa.Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")
    file: Mapped[StoredFile] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("document_id", "seq"),
        sa.CheckConstraint("seq >= 1", name="seq_positive"),
    )


class Attachment(DocumentPart, db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(enum_column(AttachmentKind, "attachment_kind"))
    title: Mapped[str] = mapped_column(sa.String(200))
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("stored_files.id"))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A replaced material stays on record but no longer counts for the packet checklist.
    superseded: Mapped[bool] = mapped_column(default=False)

    document: Mapped[Document] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship()
    uploaded_by: Mapped[User | None] = relationship()


class DocumentRelation(TimestampMixin, db.Model):
    """A later document amends, repeals or replaces an earlier one; applied when the later takes effect."""

    __tablename__ = "document_relations"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id", ondelete="CASCADE"), index=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("documents.id"), index=True)
    kind: Mapped[RelationKind] = mapped_column(enum_column(RelationKind, "relation_kind"))
    applied_on: Mapped[date | None]

    source: Mapped[Document] = relationship(foreign_keys=[source_id])
    target: Mapped[Document] = relationship(foreign_keys=[target_id])

    __table_args__ = (
        sa.UniqueConstraint("source_id", "target_id", "kind"),
        sa.CheckConstraint("source_id <> target_id", name="not_self"),
    )


TRGM_INDEX = "ix_document_search_content_trgm"


class DocumentSearch(db.Model):
    """What the register's search reads: title, numbers and latest version text of one document, in one text.

    Kept by documents.search.reindex(); on SQLite an FTS5 trigram index (document_search_fts) follows it through
    triggers, on PostgreSQL a pg_trgm GIN index covers it. Both find any substring of 3+ characters, which is what
    Chinese needs: no word segmentation to get wrong.
    """

    __tablename__ = "document_search"

    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    content: Mapped[str] = mapped_column(sa.Text, default="")


# PostgreSQL only (SQLite has the FTS5 table instead); ddl_if keeps create_all from building a b-tree on SQLite.
sa.Index(
    TRGM_INDEX,
    DocumentSearch.content,
    postgresql_using="gin",
    postgresql_ops={"content": "gin_trgm_ops"},
).ddl_if(dialect="postgresql")

# SQLite: an external-content FTS5 table over document_search, kept in step by triggers. Migration 0002 runs the
# same statements; create_all/drop_all (tests, bench) run them through the events below.
SQLITE_FTS_TABLE = "document_search_fts"
SQLITE_FTS_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {SQLITE_FTS_TABLE} USING fts5(content, content='document_search',"
    " content_rowid='document_id', tokenize='trigram', columnsize=0)",
    "CREATE TRIGGER IF NOT EXISTS document_search_ai AFTER INSERT ON document_search BEGIN"
    f" INSERT INTO {SQLITE_FTS_TABLE}(rowid, content) VALUES (new.document_id, new.content); END",
    "CREATE TRIGGER IF NOT EXISTS document_search_ad AFTER DELETE ON document_search BEGIN"
    f" INSERT INTO {SQLITE_FTS_TABLE}({SQLITE_FTS_TABLE}, rowid, content)"
    " VALUES ('delete', old.document_id, old.content); END",
    "CREATE TRIGGER IF NOT EXISTS document_search_au AFTER UPDATE ON document_search BEGIN"
    f" INSERT INTO {SQLITE_FTS_TABLE}({SQLITE_FTS_TABLE}, rowid, content)"
    " VALUES ('delete', old.document_id, old.content);"
    f" INSERT INTO {SQLITE_FTS_TABLE}(rowid, content) VALUES (new.document_id, new.content); END",
)
SQLITE_FTS_DROP = (
    "DROP TRIGGER IF EXISTS document_search_ai",
    "DROP TRIGGER IF EXISTS document_search_ad",
    "DROP TRIGGER IF EXISTS document_search_au",
    f"DROP TABLE IF EXISTS {SQLITE_FTS_TABLE}",
)
# pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it.
PG_TRGM_DDL = "CREATE EXTENSION IF NOT EXISTS pg_trgm"

_search_table = DocumentSearch.__table__
sa.event.listen(_search_table, "before_create", sa.DDL(PG_TRGM_DDL).execute_if(dialect="postgresql"))
for _statement in SQLITE_FTS_DDL:
    sa.event.listen(_search_table, "after_create", sa.DDL(_statement).execute_if(dialect="sqlite"))
for _statement in SQLITE_FTS_DROP:
    sa.event.listen(_search_table, "before_drop", sa.DDL(_statement).execute_if(dialect="sqlite"))


class SavedFilter(TimestampMixin, db.Model):
    """A register query (filters, sort, search) a user saved under a name; seen only by that user."""

    __tablename__ = "saved_filters"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(50))
    query: Mapped[str] = mapped_column(sa.String(1000), default="")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "name"),
        sa.CheckConstraint("length(name) > 0", name="name_not_empty"),
    )
