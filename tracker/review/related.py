"""The town's documents in force on the draft's subject, shown beside its text at the review desk.

A reviewer checks a draft against what the town already has in force on the same matter (a second 宅基地 rule
that contradicts the first). Found through the register's search index by the significant words of the draft's
title — what is left once the town's name and the words every title has (关于, 印发, 管理, 办法 …) are taken out,
cut into windows of three and four characters, the trigram index's unit — and by the same 所属领域; ranked by how
alike the titles are and how many of the words the document holds. One query, whatever the number of documents
found: the candidates come with the words they hold and the head of their search text (title and numbers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import chain, zip_longest

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from tracker.documents import search
from tracker.documents.models import Document, DocumentSearch
from tracker.documents.states import DocStatus
from tracker.extensions import db

# Words that say what kind of text a title is, not what it is about; longer ones first where they overlap.
STOP_WORDS = (
    "人民政府", "实施细则", "实施办法", "实施意见", "进一步", "关于", "印发", "转发", "通知", "办法", "规定", "实施",
    "细则", "暂行", "试行", "管理", "工作", "意见", "方案", "决定", "若干", "有关", "加强", "做好", "开展", "推进",
    "切实", "全面", "的", "镇", "和", "及", "与", "等",
)  # fmt: skip
_SPLIT = re.compile(
    "|".join(re.escape(w) for w in sorted(STOP_WORDS, key=len, reverse=True)) + r"|[^\u3400-\u9fffA-Za-z0-9]+"
)
# The town (or township, sub-district) a unit belongs to: 沙溪镇 of 沙溪镇人民政府.
_PLACE = re.compile(r"^(.{1,8}?(?:镇|乡|街道))")
MAX_TERMS = 10
SHORT = 2  # a two-character word (河道) is looked for in titles only: the trigram index cannot serve it
CANDIDATES = 50  # the most documents ranked in Python, best matched first
HEAD = 1000  # enough of the search text to hold the title and the numbers line
SUBJECT_BONUS = 0.25
MIN_MATCHES = 2  # a document found by its text alone holds at least this many of the words (or all, if fewer)


@dataclass(frozen=True)
class Term:
    text: str
    segment: int  # which remaining piece of the title it was cut from
    start: int  # where in that piece


@dataclass
class Related:
    document: Document
    score: float
    terms: list[str] = field(default_factory=list)  # the draft's words the document holds, as they read in the title
    numbers: str = ""  # 发文字号 and 规范性文件编号 as the search index holds them, the current publication's first
    same_subject: bool = False


def places_of(*unit_names: str) -> list[str]:
    """The town names in the units' names (沙溪镇 of 沙溪镇人民政府): every title of the town has them."""
    return sorted({m.group(1) for name in unit_names if name and (m := _PLACE.match(name))}, key=len, reverse=True)


def segments_of(title: str, places: list[str] = ()) -> list[str]:
    """What a title is about: its pieces once the town's name and the stop words are taken out."""
    for place in places:
        title = title.replace(place, " ")
    return [s for s in _SPLIT.split(title) if len(s) >= SHORT]


def title_terms(segments: list[str]) -> list[Term]:
    """Three-character windows of each piece (what the trigram index finds), two-character pieces (titles only),
    then four-character windows (they weigh a closer match); taken in turn from each piece, at most MAX_TERMS."""

    def windows(size: int) -> list[list[Term]]:
        return [[Term(s[i : i + size], n, i) for i in range(len(s) - size + 1)] for n, s in enumerate(segments)]

    short = [[Term(s, n, 0)] for n, s in enumerate(segments) if len(s) == SHORT]
    out: list[Term] = []
    for group in (windows(3), short, windows(4)):
        for term in chain.from_iterable(zip_longest(*group)):
            if term is not None and term.text not in {t.text for t in out}:
                out.append(term)
    return out[:MAX_TERMS]


def _words(segments: list[str], matched: list[Term]) -> list[str]:
    """Matched windows joined back into the words of the title they cover (农村宅 + 村宅基 + 宅基地 → 农村宅基地)."""
    words: list[str] = []
    for n, s in enumerate(segments):
        spans = [(t.start, t.start + len(t.text)) for t in matched if t.segment == n]
        covered = "".join("1" if any(a <= i < b for a, b in spans) else "0" for i in range(len(s)))
        words += [s[m.start() : m.end()] for m in re.finditer("1+", covered)]
    return list(dict.fromkeys(words))


def related_in_force(doc: Document, limit: int = 5) -> list[Related]:
    """The town's documents in force most alike `doc` by title and 所属领域 (never `doc` itself), best first."""
    places = places_of(doc.issuer.name, doc.drafting_unit.name)
    segments = segments_of(doc.title, places)
    terms = title_terms(segments)
    subject = (doc.subject or "").strip()
    if not terms and not subject:
        return []
    dialect = db.session.get_bind().dialect.name
    # The search row of each candidate under its own name: match_condition's subqueries read document_search
    # by itself, and must not be correlated with the row read here.
    row = aliased(DocumentSearch)

    def found(t: Term):
        if len(t.text) > SHORT:
            return search.match_condition([t.text], dialect)
        return Document.title.contains(t.text, autoescape=True)

    def holds(t: Term):
        where = row.content if len(t.text) > SHORT else Document.title
        caseless = t.text.lower() == t.text.upper()  # Chinese: no case to fold (as the search itself does)
        hit = where.contains(t.text, autoescape=True) if caseless else where.icontains(t.text, autoescape=True)
        return sa.case((hit, 1), else_=0)

    flags = [holds(t).label(f"t{i}") for i, t in enumerate(terms)]
    any_found = [found(t) for t in terms] + ([Document.subject == subject] if subject else [])
    matched_count = sum((holds(t) for t in terms), sa.literal(0))
    rows = db.session.execute(
        sa.select(Document, sa.func.substr(row.content, 1, HEAD).label("head"), *flags)
        .outerjoin(row, row.document_id == Document.id)
        .where(Document.status == DocStatus.IN_FORCE, Document.id != doc.id, sa.or_(*any_found))
        .order_by(matched_count.desc(), Document.id.desc())
        .limit(CANDIDATES)
    ).all()

    core = "".join(segments)
    out: list[Related] = []
    for found_doc, head, *hits in rows:
        matched = [t for t, hit in zip(terms, hits, strict=True) if hit]
        same_subject = bool(subject) and (found_doc.subject or "").strip() == subject
        # One three-character coincidence somewhere in a long text is noise (基地建 of 基地建设 for 宅基地建房).
        telling = len(matched) >= min(MIN_MATCHES, len(terms)) or any(t.text in found_doc.title for t in matched)
        if not (matched and telling) and not same_subject:
            continue
        ratio = SequenceMatcher(None, core, "".join(segments_of(found_doc.title, places)), autojunk=False).ratio()
        share = len(matched) / len(terms) if terms else 0.0
        score = (ratio + share) / 2 + (SUBJECT_BONUS if same_subject else 0.0)
        out.append(
            Related(
                document=found_doc,
                score=round(score, 3),
                terms=_words(segments, matched),
                numbers=search.parts(head or "")[1].strip(),
                same_subject=same_subject,
            )
        )
    out.sort(key=lambda r: (-r.score, r.document.title, r.document.id))
    return out[:limit]
