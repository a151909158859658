"""What the public library shows: published documents only, read without a user.

A document is public from the day its current publication was published (published_on on or before today) and
for as long as its status is one a published document can have (EVER_PUBLISHED): in force, waiting to take effect,
or ended by amendment, repeal, declaration or expiry. A draft, a withdrawn document, a document numbered but not
yet published, and every file but the official text and the policy interpretation never reach these pages.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import aliased, selectinload

from tracker.auth.models import Town, Unit
from tracker.cleanup.models import CampaignPhase, CleanupCampaign, CleanupItem
from tracker.common.inputs import bounded_int
from tracker.common.stamp import remembered
from tracker.documents import search
from tracker.documents.models import (
    Attachment,
    AttachmentKind,
    Document,
    DocumentRelation,
    DocumentVersion,
    RelationKind,
)
from tracker.documents.states import EVER_PUBLISHED, DocStatus
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.files.models import StoredFile
from tracker.files.storage import path_of
from tracker.files.uploads import docx_paragraphs
from tracker.publication.models import Publication
from tracker.publication.queries import in_force_filter

PUBLIC_FILES = (AttachmentKind.OFFICIAL_TEXT, AttachmentKind.INTERPRETATION)
FEED_ENTRIES = 50
MAX_YEAR_SPAN = 200


@dataclass(frozen=True)
class PublicState:
    key: str
    label: str


IN_FORCE = PublicState("in_force", "现行有效")
NOT_YET = PublicState("not_yet", "尚未施行")
ENDED = PublicState("ended", "已失效")  # the filter's name for every ended state; a row says which
STATES = (IN_FORCE, NOT_YET, ENDED)
_ENDED_LABELS = {
    DocStatus.AMENDED: "已被修改",
    DocStatus.REPEALED: "已废止",
    DocStatus.INVALID: "已宣布失效",
    DocStatus.EXPIRED: "有效期届满失效",
}
_RELATION_ENDS = {RelationKind.AMENDS: "已被修改", RelationKind.REPEALS: "已废止", RelationKind.REPLACES: "已废止"}


# Newest publication first, read down the index on publications.published_on (whose entries end with the row's
# id): the first page of 100,000 documents costs twenty rows, not a sort of all of them.
NEWEST_FIRST = (Publication.published_on.desc(), Publication.id.desc())


def _published_on_join(today: date):
    return sa.and_(
        Publication.document_id == Document.id,
        Publication.is_current.is_(True),
        Publication.published_on.is_not(None),
        Publication.published_on <= today,
    )


# Said as "not one of the others": the status index then never tempts the planner away from reading the
# publications in date order (nearly every document in a register has been published).
_NEVER_PUBLISHED = sorted(set(DocStatus) - EVER_PUBLISHED)


def _public(stmt, today: date):
    """The statement over (Document, its current publication) limited to what the public may read."""
    return stmt.join(Publication, _published_on_join(today)).where(Document.status.not_in(_NEVER_PUBLISHED))


def _not_yet(today: date):
    return sa.and_(
        Document.status == DocStatus.PUBLISHED,
        sa.or_(Publication.effective_on.is_(None), Publication.effective_on > today),
    )


def _state_condition(state: PublicState, today: date):
    """SQL condition of a state, exhaustive and exclusive over the public documents."""
    in_force = in_force_filter(today, status=False)  # the status is _public's: published documents only
    if state is IN_FORCE:
        return in_force
    if state is NOT_YET:
        return _not_yet(today)
    return sa.and_(~in_force, ~_not_yet(today))


def state_named(key: str | None) -> PublicState | None:
    return next((s for s in STATES if s.key == key), None)


# --- the list ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryQuery:
    q: str = ""
    state: PublicState | None = None
    year: int | None = None
    issuer_id: int | None = None
    town_id: int | None = None
    page: int = 1

    @property
    def terms(self) -> list[str]:
        return search.terms_of(self.q)

    @property
    def filtered(self) -> bool:
        return bool(self.terms or self.state or self.year or self.issuer_id or self.town_id)

    def args(self, **change) -> dict:
        """The query string of this search, with `change` applied (for the pager and the filter links)."""
        values = {
            "q": self.q,
            "state": self.state.key if self.state else "",
            "year": self.year or "",
            "issuer": self.issuer_id or "",
            "town": self.town_id or "",
            "page": self.page if self.page > 1 else "",
        }
        values.update(change)
        return {k: v for k, v in values.items() if v not in ("", None)}

    @classmethod
    def from_args(cls, args, *, today: date) -> tuple[LibraryQuery, list[str]]:
        """The query from a URL's arguments, and what was wrong with them (in Chinese; the rest still applies)."""
        errors: list[str] = []
        q = (args.get("q") or "").strip()
        if len(q) > search.MAX_QUERY:
            errors.append(f"检索词不超过 {search.MAX_QUERY} 字，已截取前 {search.MAX_QUERY} 字。")
            q = q[: search.MAX_QUERY]
        state = state_named(args.get("state") or None)
        if args.get("state") and state is None:
            errors.append("没有这种效力状态，已按全部状态显示。")
        year = bounded_int(args.get("year"))
        if args.get("year") and (year is None or not today.year - MAX_YEAR_SPAN <= year <= today.year):
            errors.append(f"年份应为 {today.year - MAX_YEAR_SPAN} 至 {today.year} 之间的四位数字，已按全部年份显示。")
            year = None
        issuer_id = bounded_int(args.get("issuer"))
        if args.get("issuer") and issuer_id is None:
            errors.append("发文机关不正确，已按全部机关显示。")
        town_id = bounded_int(args.get("town"))
        if args.get("town") and town_id is None:
            errors.append("镇街不正确，已按全部镇街显示。")
        page = bounded_int(args.get("page")) or 1
        return cls(q=q, state=state, year=year, issuer_id=issuer_id, town_id=town_id, page=max(page, 1)), errors


@dataclass
class LibraryRow:
    document: Document
    publication: Publication
    state: str
    hit: search.Hit | None


@dataclass
class LibraryPage:
    rows: list[LibraryRow]
    total: int
    page: int
    pages: int
    # A search matching more than SEARCH_COUNT_CAP documents is not counted to the end: "more than" is said.
    capped: bool = False


# A search is counted up to this many matches: counting every match of a common word across a city's million
# documents would cost more than the page (the first pages are read in date order and stop at once).
SEARCH_COUNT_CAP = 1000


def _conditions(lq: LibraryQuery, today: date, dialect: str) -> list:
    conditions = []
    if lq.terms:
        conditions.append(search.match_condition(lq.terms, dialect))
    if lq.state is not None:
        conditions.append(_state_condition(lq.state, today))
    if lq.year is not None:
        conditions.append(
            sa.and_(Publication.published_on >= date(lq.year, 1, 1), Publication.published_on < date(lq.year + 1, 1, 1))
        )
    if lq.issuer_id is not None:
        conditions.append(Document.issuer_id == lq.issuer_id)
    if lq.town_id is not None:
        conditions.append(Document.town_id == lq.town_id)
    return conditions


def filter_years(today: date) -> list[tuple[int, str]]:
    """The publication years a list offers to filter by, newest first: (2026, "2026 年")."""
    return [(year, f"{year} 年") for year in range(today.year, today.year - 30, -1)]


def total_published(today: date) -> int:
    """How many documents the library holds (remembered until the next write: the unfiltered first page)."""
    stmt = _public(sa.select(sa.func.count()).select_from(Document), today)
    return remembered(("public_total", today), lambda: db.session.scalar(stmt) or 0)


def library_page(lq: LibraryQuery, *, today: date, per_page: int) -> LibraryPage:
    """One page of published documents, newest publication first, with search highlights."""
    dialect = db.engine.dialect.name
    conditions = _conditions(lq, today, dialect)
    if not conditions:
        total = total_published(today)
    else:
        count = _public(sa.select(sa.func.count()).select_from(Document), today).where(*conditions)
        if lq.terms:
            matches = _public(sa.select(Document.id), today).where(*conditions).limit(SEARCH_COUNT_CAP + 1)
            total = db.session.scalar(sa.select(sa.func.count()).select_from(matches.subquery())) or 0
        else:
            # By state, year and issuer: few combinations, each counted once until the next write.
            key = ("public_count", today, lq.state and lq.state.key, lq.year, lq.issuer_id, lq.town_id)
            total = remembered(key, lambda: db.session.scalar(count))
    capped = bool(lq.terms) and total > SEARCH_COUNT_CAP
    if capped:
        total = SEARCH_COUNT_CAP
    pages = max(1, -(-total // per_page))
    page = min(lq.page, pages)
    pairs = (
        db.session.execute(
            _public(sa.select(Document, Publication), today)
            .where(*conditions)
            .order_by(*NEWEST_FIRST)
            .offset((page - 1) * per_page)
            .limit(per_page)
            .options(selectinload(Document.issuer))
        )
        .tuples()
        .all()
    )
    states = states_of(pairs, today)
    hits = search.hits_for(pairs, lq.terms)
    rows = [LibraryRow(doc, pub, states[doc.id], hits.get(doc.id)) for doc, pub in pairs]
    return LibraryPage(rows=rows, total=total, page=page, pages=pages, capped=capped)


def library_rows(lq: LibraryQuery, *, today: date, batch: int = 1000) -> Iterator[tuple[Document, Publication, str]]:
    """Every document of the search (not one page), newest publication first, with its state: read batch by batch,
    each batch after the last one's (published_on, id); the session holds its rows weakly, so a city's whole
    catalogue never sits in memory."""
    conditions = _conditions(lq, today, db.engine.dialect.name)
    after: tuple[date, int] | None = None
    while True:
        stmt = _public(sa.select(Document, Publication), today).where(*conditions)
        if after is not None:
            stmt = stmt.where(sa.tuple_(Publication.published_on, Publication.id) < sa.tuple_(*after))
        pairs = (
            db.session.execute(stmt.order_by(*NEWEST_FIRST).limit(batch).options(selectinload(Document.issuer)))
            .tuples()
            .all()
        )
        states = states_of(pairs, today)
        for doc, pub in pairs:
            yield doc, pub, states[doc.id]
        if len(pairs) < batch:
            return
        after = (pairs[-1][1].published_on, pairs[-1][1].id)


def states_of(pairs: Sequence[tuple[Document, Publication]], today: date) -> dict[int, str]:
    """What the public is told of each document's force today: one query for the rows in force, one for the
    relations that end the others (the daily job may not have applied them yet)."""
    ids = [doc.id for doc, _ in pairs]
    if not ids:
        return {}
    in_force = set(db.session.scalars(sa.select(Document.id).where(Document.id.in_(ids), in_force_filter(today))))
    ending = {}
    newer = aliased(Publication)
    for target_id, kind in db.session.execute(
        sa.select(DocumentRelation.target_id, DocumentRelation.kind)
        .join(newer, sa.and_(newer.document_id == DocumentRelation.source_id, newer.is_current.is_(True)))
        .where(DocumentRelation.target_id.in_(ids), newer.effective_on <= today)
        .order_by(DocumentRelation.id)
    ):
        ending.setdefault(target_id, _RELATION_ENDS[kind])
    out = {}
    for doc, pub in pairs:
        if doc.id in in_force:
            out[doc.id] = IN_FORCE.label
        elif doc.status in _ENDED_LABELS:
            out[doc.id] = _ENDED_LABELS[doc.status]
        elif doc.status == DocStatus.PUBLISHED and (pub.effective_on is None or pub.effective_on > today):
            out[doc.id] = NOT_YET.label  # before the relations: the same order as _state_condition
        elif doc.id in ending:
            out[doc.id] = ending[doc.id]
        else:
            out[doc.id] = _ENDED_LABELS[DocStatus.EXPIRED]  # in force by status, its validity over before the job ran
    return out


def issuers(today: date) -> list[tuple[int, str]]:
    """The issuers of public documents, for the filter (remembered until the next write)."""

    def load():
        ids = _public(sa.select(Document.issuer_id).select_from(Document), today).distinct()
        units = db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)).order_by(Unit.name)).all()
        return [(u.id, u.name) for u in units]

    return remembered(("public_issuers", today), load)


def towns(today: date) -> list[tuple[int, str]]:
    """The towns with public documents, for the filter (several only in a city's install; remembered)."""

    def load():
        ids = _public(sa.select(Document.town_id).select_from(Document), today).distinct()
        rows = db.session.scalars(sa.select(Town).where(Town.id.in_(ids)).order_by(Town.id)).all()
        return [(t.id, t.name) for t in rows]

    return remembered(("public_towns", today), load)


def feed_entries(today: date) -> list[tuple[Document, Publication]]:
    return (
        db.session.execute(_public(sa.select(Document, Publication), today).order_by(*NEWEST_FIRST).limit(FEED_ENTRIES))
        .tuples()
        .all()
    )


# --- one document -----------------------------------------------------------------------------------------------


def public_document(doc_id: int, today: date) -> tuple[Document, Publication] | None:
    """The document and its current publication, or None when the public may not read it."""
    row = db.session.execute(
        _public(sa.select(Document, Publication), today)
        .where(Document.id == doc_id)
        .options(selectinload(Document.issuer), selectinload(Document.drafting_unit))
    ).first()
    return (row[0], row[1]) if row is not None else None


@dataclass
class PublicRelation:
    kind: str  # the sentence's verb, e.g. 修改 / 废止 / 替代
    document: Document
    publication: Publication
    applied_on: date | None


def relations(doc: Document, today: date) -> dict[str, list[PublicRelation]]:
    """What this document changed and what changed it, each naming only public documents."""
    other_pub = aliased(Publication)
    out: dict[str, list[PublicRelation]] = {"outgoing": [], "incoming": []}
    for direction, mine, theirs in (
        ("outgoing", DocumentRelation.source_id, DocumentRelation.target_id),
        ("incoming", DocumentRelation.target_id, DocumentRelation.source_id),
    ):
        rows = db.session.execute(
            sa.select(DocumentRelation, Document, other_pub)
            .join(Document, Document.id == theirs)
            .join(
                other_pub,
                sa.and_(
                    other_pub.document_id == Document.id,
                    other_pub.is_current.is_(True),
                    other_pub.published_on.is_not(None),
                    other_pub.published_on <= today,
                ),
            )
            .where(mine == doc.id, Document.status.in_(EVER_PUBLISHED))
            .order_by(DocumentRelation.id)
        ).all()
        out[direction] = [PublicRelation(r.kind.label, d, p, r.applied_on) for r, d, p in rows]
    return out


def cleanup_decisions(doc: Document) -> list[tuple[CleanupCampaign, CleanupItem]]:
    """The published results of clean-up campaigns that covered the document (the notice is public)."""
    return (
        db.session.execute(
            sa.select(CleanupCampaign, CleanupItem)
            .join(CleanupItem, CleanupItem.campaign_id == CleanupCampaign.id)
            .where(
                CleanupItem.document_id == doc.id,
                CleanupCampaign.phase == CampaignPhase.PUBLISHED,
                CleanupItem.reviewed_result.is_not(None),
            )
            .order_by(CleanupCampaign.published_on, CleanupCampaign.id)
        )
        .tuples()
        .all()
    )


def public_files(doc: Document) -> list[Attachment]:
    """The official text, then the policy interpretation (current ones only), nothing else of the file."""
    files = db.session.scalars(
        sa.select(Attachment)
        .where(
            Attachment.document_id == doc.id,
            Attachment.kind.in_(PUBLIC_FILES),
            Attachment.superseded.is_(False),
        )
        .options(selectinload(Attachment.file))
        .order_by(Attachment.id)
    )
    return sorted(files, key=lambda a: PUBLIC_FILES.index(a.kind))


def public_file(doc: Document, attachment_id: int) -> Attachment | None:
    return next((a for a in public_files(doc) if a.id == attachment_id), None)


def _latest_text(doc: Document) -> str:
    return (
        db.session.scalar(
            sa.select(DocumentVersion.text)
            .where(DocumentVersion.document_id == doc.id)
            .order_by(DocumentVersion.seq.desc())
            .limit(1)
        )
        or ""
    )


@functools.lru_cache(maxsize=64)
def _docx_text(path: str, sha256: str) -> tuple[str, ...]:
    """The paragraphs of a stored .docx (the file's checksum in the key: a replaced file is read again)."""
    return tuple(p for p in docx_paragraphs(Path(path).read_bytes()) if p.strip())


def _is_docx(stored: StoredFile) -> bool:
    return stored.original_name.lower().endswith(".docx")


def full_text(files: Sequence[Attachment], doc: Document, kind: AttachmentKind) -> list[str]:
    """The paragraphs of the official text (or of the interpretation): from its .docx when there is one; the
    official text falls back to the final version's text (a PDF-only or older document)."""
    for attachment in files:
        if attachment.kind == kind and _is_docx(attachment.file):
            try:
                return list(_docx_text(str(path_of(attachment.file)), attachment.file.sha256))
            except (OSError, ValidationFailed):
                break  # a missing or unreadable file: the version's text, as for a document without one
    if kind == AttachmentKind.OFFICIAL_TEXT:
        return [p for p in _latest_text(doc).split("\n") if p.strip()]
    return []
