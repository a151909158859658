"""The submission packet checklist (docs/rules.md §4), driven by the rule set's settings."""

from __future__ import annotations

from tracker.documents.models import AttachmentKind
from tracker.rules.ruleset import get_setting


def required_kinds(document) -> list[AttachmentKind]:
    kinds = [AttachmentKind(k) for k in get_setting("packet_required")]
    if document.affects_market:
        kinds += [AttachmentKind(k) for k in get_setting("packet_if_market")]
    if document.is_major:
        kinds += [AttachmentKind(k) for k in get_setting("packet_if_major")]
    return list(dict.fromkeys(kinds))


def missing_materials(document) -> list[str]:
    """Labels of required materials not attached (superseded attachments do not count)."""
    present = {a.kind for a in document.attachments if not a.superseded}
    if document.versions:
        # The latest uploaded draft version is the 送审稿.
        present.add(AttachmentKind.DRAFT)
    return [k.label for k in required_kinds(document) if k not in present]
