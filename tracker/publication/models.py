"""Publication records and the number counters behind 发文字号, 规范性文件编号 and opinion numbers."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from tracker.auth.models import User
from tracker.common.timeutil import office_today
from tracker.db import TimestampMixin, utcnow
from tracker.documents.models import Document
from tracker.documents.states import EVER_PUBLISHED, DocStatus
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


# --- the register's year, kept with the records ---------------------------------------------------------------
#
# The register files a document under the year of its current publication, and one never published under the year
# it was registered (docs/architecture.md「登记簿的年度」). Kept on the document (Document.register_year, indexed
# with the town) in the flush that changes what it depends on, so filtering by year is an index range instead of a
# union of two id lists built per request. tests/register/test_register_year.py checks it against the full recount.


def register_year(status: DocStatus | None, created_at: datetime | None, published_on: date | None) -> int | None:
    """The year the register files a document under, given its current publication's date (None: none published)."""
    if published_on is not None:
        return published_on.year
    if DocStatus(status or DocStatus.DRAFTING) in EVER_PUBLISHED:
        return None  # published, yet no date on record (an old entry being completed): under no year
    return office_today(created_at or utcnow()).year


def _year_of(doc: Document, published_on: date | None) -> int | None:
    return register_year(doc.status, doc.created_at, published_on)


def _changed(obj, *names: str) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "before_flush")
def _keep_register_year(session, flush_context, instances) -> None:
    docs: dict[int, Document] = {}
    pending: list[Document] = []
    publications = [o for o in (*session.new, *session.dirty) if isinstance(o, Publication)]
    for obj in (*session.new, *session.dirty):
        if not isinstance(obj, Document):
            continue
        if obj in session.new or _changed(obj, "status", "created_at"):
            if obj.id is None:
                pending.append(obj)
            else:
                docs[obj.id] = obj
    touched = {
        p.document_id
        for p in publications
        if p.document_id is not None and (p in session.new or _changed(p, "published_on", "is_current", "document_id"))
    }
    with session.no_autoflush:
        for document_id in touched - docs.keys():
            doc = session.get(Document, document_id)
            if doc is not None:
                docs[document_id] = doc
        current = _current_dates(session, docs, publications)
    for doc in pending:  # a new document, perhaps with its publication written in the same flush
        own = [p for p in publications if p.document_id is None and p.__dict__.get("document") is doc]
        doc.register_year = _year_of(doc, own[-1].published_on if own else None)
    for document_id, doc in docs.items():
        year = _year_of(doc, current.get(document_id))
        if doc.register_year != year:
            doc.register_year = year


def _current_dates(session, docs: dict[int, Document], in_session: list[Publication]) -> dict[int, date | None]:
    """Each document's current publication date: the publications this flush writes, else the stored ones."""
    if not docs:
        return {}
    written = {p.id for p in in_session if p.id is not None}
    stmt = sa.select(Publication.document_id, Publication.published_on).where(
        Publication.document_id.in_(docs), Publication.is_current.is_(True)
    )
    if written:
        stmt = stmt.where(Publication.id.not_in(written))
    found: dict[int, date | None] = dict(session.execute(stmt.execution_options(all_towns=True)).all())
    for p in in_session:
        if p.document_id in docs and p.is_current is not False:
            found[p.document_id] = p.published_on
    return found
