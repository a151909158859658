"""The filing packet (备案材料, docs/rules.md §5): each material attached, generated or missing."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.documents.models import AttachmentKind, Document
from tracker.files.models import StoredFile
from tracker.publication.queries import current_publication
from tracker.review.word import opinions_of
from tracker.word.models import OutputKind
from tracker.word.store import latest_file

# The packet's materials that the system generates, and where each is made (the document page's Word panel).
GENERATED = frozenset({"备案报告", "合法性审查意见书"})


@dataclass
class PacketItem:
    label: str
    required: bool
    file: StoredFile | None
    note: str = ""

    @property
    def present(self) -> bool:
        return self.file is not None or bool(self.note)


def _passing_opinion_id(doc: Document) -> int | None:
    """The opinion that cleared the document for deliberation (not an earlier round's return)."""
    passing = [o.id for o in opinions_of(doc) if o.round.conclusion is not None and o.round.conclusion.passing]
    return max(passing, default=None)


def _attachment_file(doc: Document, kind: AttachmentKind) -> StoredFile | None:
    current = [a for a in doc.attachments if a.kind is kind and not a.superseded]
    return current[-1].file if current else None


def packet(doc: Document) -> list[PacketItem]:
    """The 备案材料, each attached, generated or missing."""
    pub = current_publication(doc)
    items = [
        PacketItem(
            "备案报告", True, latest_file(doc.id, OutputKind.FILING_REPORT, "publication", pub.id if pub else None)
        ),
        PacketItem("正式文本", True, _attachment_file(doc, AttachmentKind.OFFICIAL_TEXT)),
        PacketItem("起草说明", True, _attachment_file(doc, AttachmentKind.DRAFTING_NOTE)),
        PacketItem("制定依据", True, _attachment_file(doc, AttachmentKind.LEGAL_BASIS)),
        PacketItem(
            "合法性审查意见书", True, latest_file(doc.id, OutputKind.OPINION, "opinion", _passing_opinion_id(doc))
        ),
        PacketItem("政策解读", False, _attachment_file(doc, AttachmentKind.INTERPRETATION)),
    ]
    if pub is not None and pub.early_effect_reason:
        items.append(
            PacketItem(
                "提前施行的理由说明",
                True,
                _attachment_file(doc, AttachmentKind.EARLY_EFFECT_REASON),
                note=pub.early_effect_reason,
            )
        )
    return items


def missing_packet_items(doc: Document) -> list[str]:
    return missing_from(packet(doc))


def missing_from(items: list[PacketItem]) -> list[str]:
    """The labels of the required materials not there."""
    return [i.label for i in items if i.required and not i.present]
