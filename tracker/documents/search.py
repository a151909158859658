"""Chinese substring search over the register, and the filters each user saved.

One text per document in document_search (title, numbers, latest version's text), kept by reindex() from the
services. SQLite finds terms of 3+ characters through an FTS5 trigram index, PostgreSQL through a pg_trgm GIN
index; both match any substring, so Chinese needs no word segmentation (which would miss 宅基地 inside
农村宅基地管理 when the segmenter cuts it differently). Shorter terms fall back to LIKE: a trigram index cannot
serve them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from tracker.common.stamp import remembered
from tracker.documents.models import (
    PG_TRGM_DDL,
    SQLITE_FTS_DDL,
    SQLITE_FTS_TABLE,
    TRGM_INDEX,
    Document,
    DocumentSearch,
    DocumentVersion,
    SavedFilter,
)
from tracker.errors import ValidationFailed
from tracker.extensions import db

MIN_INDEXED = 3  # a trigram index needs at least three characters
MAX_TERMS = 5
MAX_QUERY = 100
SNIPPET_RADIUS = 40


# --- the search rows -----------------------------------------------------------------------------------------


def _one_line(value: str) -> str:
    return " ".join((value or "").split())


def build_content(document: Document, numbers: str) -> str:
    """Title, then the document's numbers (发文字号 and 规范性文件编号, current first), then the latest version's text.

    Three parts split by the first two newlines; the title and numbers are single lines, so parts() can split
    them again. Migration 0002 builds the same layout in SQL for documents that existed before it.
    """
    text = db.session.scalar(
        sa.select(DocumentVersion.text)
        .where(DocumentVersion.document_id == document.id)
        .order_by(DocumentVersion.seq.desc())
        .limit(1)
    )
    return "\n".join((_one_line(document.title), _one_line(numbers), text or ""))


def parts(content: str) -> tuple[str, str, str]:
    title, numbers, text = (content.split("\n", 2) + ["", ""])[:3]
    return title, numbers, text


def reindex(document: Document, *, numbers: Sequence[str] | None = None) -> None:
    """Bring the document's search row up to date; called by the services after every change it shows.

    The numbers belong to the publication records, a floor above: publication passes them when it allocates
    them; every other caller keeps the numbers the row already holds.
    """
    db.session.flush()
    row = db.session.get(DocumentSearch, document.id)
    kept = parts(row.content)[1] if row is not None else ""
    content = build_content(document, " ".join(n for n in numbers if n) if numbers is not None else kept)
    if row is None:
        db.session.add(DocumentSearch(document_id=document.id, content=content))
    elif row.content != content:
        row.content = content
    db.session.flush()


# --- the index's schema --------------------------------------------------------------------------------------


def ensure_search_index(connection: sa.Connection) -> None:
    """Create the database-specific index if it is missing (idempotent); migration 0002 and create_all make it.

    For a database made before this module existed: SQLite gets the FTS5 table, its triggers and a rebuild from
    document_search; PostgreSQL the extension and the GIN index.
    """
    dialect = connection.dialect.name
    if dialect == "sqlite":
        version = tuple(int(p) for p in connection.exec_driver_sql("select sqlite_version()").scalar().split("."))
        if version < (3, 34):
            raise RuntimeError(f"SQLite {'.'.join(map(str, version))} has no trigram tokenizer (3.34 or later).")
        exists = connection.exec_driver_sql(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (SQLITE_FTS_TABLE,)
        ).scalar()
        for statement in SQLITE_FTS_DDL:
            connection.exec_driver_sql(statement)
        if not exists:
            connection.exec_driver_sql(f"INSERT INTO {SQLITE_FTS_TABLE}({SQLITE_FTS_TABLE}) VALUES ('rebuild')")
    elif dialect == "postgresql":
        connection.exec_driver_sql(PG_TRGM_DDL)
        connection.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {TRGM_INDEX} ON document_search USING gin (content gin_trgm_ops)"
        )


def include_object(dialect_name: str):
    """For Alembic comparisons (autogenerate, the migrations test): what the models cannot describe.

    The FTS5 table and its shadow tables exist on SQLite only; the GIN index on PostgreSQL only.
    migrations/env.py holds the same rule (a migration imports nothing from the application).
    """

    def include(obj, name, type_, reflected, compare_to) -> bool:
        if type_ == "table" and (name or "").startswith(SQLITE_FTS_TABLE):
            return False
        if type_ == "index" and name == TRGM_INDEX and dialect_name != "postgresql":
            return False
        return True

    return include


# --- queries -------------------------------------------------------------------------------------------------


def terms_of(q: str | None) -> list[str]:
    """Whitespace separates terms (each must occur); at most MAX_TERMS, duplicates dropped."""
    out: list[str] = []
    for term in (q or "")[:MAX_QUERY].split():
        if term.casefold() not in (t.casefold() for t in out):
            out.append(term)
    return out[:MAX_TERMS]


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _caseless(term: str) -> bool:
    """No upper/lower case in it (Chinese, digits, 〔〕): an exact comparison finds what a case-blind one would."""
    return term.lower() == term.upper()


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def match_condition(terms: list[str], dialect: str):
    """SQL condition on Document: every term occurs in the document's search text (case-insensitive)."""
    if not terms:
        return sa.true()
    content = DocumentSearch.content
    if dialect == "postgresql":
        # The GIN trigram index serves LIKE and ILIKE of terms of 3+ characters. A term without upper/lower case
        # (Chinese, digits, 〔〕) takes LIKE: the same matches, and without case folding a scan is 2-3× faster.
        likes = [
            content.like(_like_pattern(t), escape="\\")
            if _caseless(t)
            else content.ilike(_like_pattern(t), escape="\\")
            for t in terms
        ]
        return Document.id.in_(sa.select(DocumentSearch.document_id).where(*likes))
    conditions = []
    long_terms = [t for t in terms if len(t) >= MIN_INDEXED]
    if long_terms:
        fts = sa.table(SQLITE_FTS_TABLE, sa.column("rowid"))
        match = " ".join(_fts_phrase(t) for t in long_terms)  # FTS5: phrases side by side must all occur
        conditions.append(
            Document.id.in_(sa.select(fts.c.rowid).where(sa.literal_column(SQLITE_FTS_TABLE).op("MATCH")(match)))
        )
    short_terms = [t for t in terms if len(t) < MIN_INDEXED]
    if short_terms:
        # A scan: instr() for a caseless term (a quarter faster than LIKE), LIKE where ASCII case must not matter.
        found = [
            sa.func.instr(content, t) > 0 if _caseless(t) else content.like(_like_pattern(t), escape="\\")
            for t in short_terms
        ]
        conditions.append(Document.id.in_(sa.select(DocumentSearch.document_id).where(*found)))
    return sa.and_(*conditions)


# --- showing hits --------------------------------------------------------------------------------------------


class Segment(NamedTuple):
    """A piece of text and whether it matched; templates wrap matches in <mark> and escape both."""

    text: str
    hit: bool


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    spans = sorted(
        (m.start(), m.end())
        for term in terms
        for m in re.finditer(re.escape(term), text, re.IGNORECASE)
        if m.end() > m.start()
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, terms: list[str]) -> list[Segment]:
    """The whole text cut into matched and unmatched segments."""
    out, pos = [], 0
    for start, end in _spans(text, terms):
        if start > pos:
            out.append(Segment(text[pos:start], False))
        out.append(Segment(text[start:end], True))
        pos = end
    if pos < len(text) or not out:
        out.append(Segment(text[pos:], False))
    return out


def snippet(text: str, terms: list[str], radius: int = SNIPPET_RADIUS) -> list[Segment] | None:
    """About `radius` characters either side of the first match, on one line; None when nothing matches."""
    spans = _spans(text, terms)
    if not spans:
        return None
    first_start, first_end = spans[0]
    start, end = max(0, first_start - radius), min(len(text), first_end + radius)
    window = _one_line(text[start:end])
    segments = highlight(window, terms)
    if start > 0:
        segments.insert(0, Segment("…", False))
    if end < len(text):
        segments.append(Segment("…", False))
    return segments


@dataclass
class Hit:
    title: list[Segment]
    numbers: list[Segment] | None  # the current numbers, when a term is in them
    snippet: list[Segment] | None  # from the latest version's text, or from an earlier number
    in_text: bool


def hits_for(rows: list[tuple[Document, object]], terms: list[str]) -> dict[int, Hit]:
    """Highlights for the rows shown on a page (document, current publication or None)."""
    if not terms or not rows:
        return {}
    contents = dict(
        db.session.execute(
            sa.select(DocumentSearch.document_id, DocumentSearch.content).where(
                DocumentSearch.document_id.in_([doc.id for doc, _ in rows])
            )
        ).all()
    )
    out = {}
    for doc, pub in rows:
        _, numbers, text = parts(contents.get(doc.id, ""))
        current = f"{pub.issue_number} {pub.normative_number or ''}".strip() if pub is not None else ""
        current_hit = bool(current and _spans(current, terms))
        text_snippet = snippet(text, terms)
        old_numbers = snippet(numbers, terms) if not current_hit and text_snippet is None else None
        out[doc.id] = Hit(
            title=highlight(doc.title, terms),
            numbers=highlight(current, terms) if current_hit else None,
            snippet=text_snippet or old_numbers,
            in_text=text_snippet is not None,
        )
    return out


# --- saved filters -------------------------------------------------------------------------------------------

MAX_SAVED = 30
MAX_NAME = 50


class FilterChoice(NamedTuple):
    id: int
    name: str
    query: str


def saved_filters_of(user) -> list[FilterChoice]:
    """The user's saved filters as plain values, remembered until the next write (saving or deleting one is a write)."""

    def read() -> list[FilterChoice]:
        stmt = sa.select(SavedFilter.id, SavedFilter.name, SavedFilter.query).where(SavedFilter.user_id == user.id)
        return [FilterChoice(*row) for row in db.session.execute(stmt.order_by(SavedFilter.name))]

    return remembered(("saved_filters", user.id), read)


def save_filter(user, *, name: str, query: str, now: datetime) -> SavedFilter:
    """Save the register's current query under a name; the same name again replaces it. A personal
    preference, not a record of the office's work: no audit event."""
    name = _one_line(name)
    if not name:
        raise ValidationFailed("请输入筛选条件的名称。")
    if len(name) > MAX_NAME:
        raise ValidationFailed(f"名称不超过 {MAX_NAME} 字。")
    if len(query) > 1000:
        raise ValidationFailed("筛选条件过长，无法保存。")
    saved = db.session.scalar(sa.select(SavedFilter).where(SavedFilter.user_id == user.id, SavedFilter.name == name))
    if saved is None:
        count = db.session.scalar(sa.select(sa.func.count()).where(SavedFilter.user_id == user.id))
        if count >= MAX_SAVED:
            raise ValidationFailed(f"每人最多保存 {MAX_SAVED} 个筛选条件，请先删除不用的。")
        saved = SavedFilter(user_id=user.id, name=name, query=query, created_at=now)
        db.session.add(saved)
    else:
        saved.query = query
    db.session.flush()
    return saved


def delete_filter(saved: SavedFilter) -> None:
    db.session.delete(saved)
    db.session.flush()
