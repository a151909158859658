"""A draft's 制定依据: entered by the drafting unit, and proposed from the uploaded draft's 《…》 citations.

Each basis names a catalogue entry (law, regulation, rule or higher-level document, with its level) and the
articles relied on. A title the catalogue does not hold is added to it, marked not yet verified (docs/rules.md §4).
The bases are what a higher-law change flags and what a 专项 clean-up by cited law selects (§6).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.audit import services as audit
from tracker.auth.permissions import may
from tracker.documents import catalogue
from tracker.documents.models import Document, DocumentBasis, LegalSource, SourceKind
from tracker.documents.services import EDITABLE_STATES
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db

MAX_ARTICLES = 200
MAX_BASES = 50


def _editable(doc: Document, actor) -> None:
    if not may(actor, "document.edit", doc):
        raise PermissionDenied("只有本单位经办人可以录入制定依据。")
    if doc.status not in EDITABLE_STATES:
        raise ValidationFailed(f"文件当前为“{doc.status.label}”，不能修改制定依据。")


def add_basis(
    doc: Document, *, actor, now: datetime, title: str, articles: str = "", kind: SourceKind | None = None
) -> DocumentBasis:
    """Cite a law or higher document; found in the catalogue by name (or its full name), else added unverified."""
    _editable(doc, actor)
    articles = (articles or "").strip()
    if len(articles) > MAX_ARTICLES:
        raise ValidationFailed(f"条款不超过 {MAX_ARTICLES} 字。")
    if len(doc.bases) >= MAX_BASES:
        raise ValidationFailed(f"一件文件最多录入 {MAX_BASES} 项制定依据。")
    source = catalogue.find(title) or catalogue.add_unverified(title, kind=kind, actor=actor, now=now)
    if any(b.source_id == source.id for b in doc.bases):
        raise ValidationFailed(f"《{source.title}》已列入制定依据。")
    basis = DocumentBasis(
        document=doc,
        source=source,
        articles=articles or None,
        position=max((b.position for b in doc.bases), default=-1) + 1,
    )
    db.session.add(basis)
    doc.updated_at = now
    db.session.flush()
    audit.record(
        "document.basis",
        actor=actor,
        now=now,
        object_type="document_basis",
        object_id=basis.id,
        document_id=doc.id,
        summary=f"录入制定依据：《{source.title}》{articles}",
    )
    return basis


def remove_basis(basis: DocumentBasis, *, actor, now: datetime) -> None:
    doc = basis.document
    _editable(doc, actor)
    title = basis.source.title
    doc.bases.remove(basis)
    doc.updated_at = now
    db.session.flush()
    audit.record(
        "document.basis_remove",
        actor=actor,
        now=now,
        object_type="document",
        object_id=doc.id,
        document_id=doc.id,
        summary=f"删除制定依据：《{title}》",
    )


@dataclass(frozen=True)
class Proposal:
    """A citation of the latest draft version not yet entered as a basis; `source` None when not catalogued."""

    name: str
    articles: str
    source: LegalSource | None

    @property
    def title(self) -> str:
        return self.source.title if self.source is not None else self.name

    @property
    def kind(self) -> SourceKind:
        return self.source.kind if self.source is not None else catalogue.guess_kind(self.name)


def proposals(doc: Document) -> list[Proposal]:
    """Every 《…》 the latest uploaded version cites, matched against the catalogue, less the bases entered."""
    if not doc.versions:
        return []
    entered = {b.source_id for b in doc.bases}
    out: dict[object, Proposal] = {}
    citations = catalogue.cited(doc.versions[-1].text, own_title=doc.title)
    sources = catalogue.find_each(c.name for c in citations)
    for citation in citations:
        source = sources[citation.name]
        if source is not None and source.id in entered:
            continue
        key = source.id if source is not None else citation.name
        earlier = out.get(key)
        articles = "、".join(a for a in ((earlier.articles if earlier else ""), citation.articles) if a)
        out[key] = Proposal(citation.name if earlier is None else earlier.name, articles, source)
    return list(out.values())
