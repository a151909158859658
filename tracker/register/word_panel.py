"""The document page's Word panel: every round's opinion and the filing report, their versions, allowed buttons."""

from __future__ import annotations

from tracker.auth.permissions import may
from tracker.common.forms import Form
from tracker.documents.models import Document
from tracker.filing import word as filing_word
from tracker.publication.queries import current_publication
from tracker.review import word as review_word


def document_outputs(doc: Document, user) -> dict:
    found = review_word.opinions_of(doc)
    versions = review_word.versions_of_each(doc, found)  # read with the filing report's (word/store.py)
    opinions = [{"opinion": o, "versions": versions[o.id]} for o in found]
    pub = current_publication(doc)
    report = None
    if pub is not None and pub.published_on is not None:
        report = {"publication": pub, "versions": filing_word.versions(pub)}
    return {
        "opinions": opinions,
        "filing_report": report,
        "can_generate_opinion": may(user, "review", doc),
        "can_generate_report": may(user, "office", doc),
        "form": Form(),  # the CSRF token of the generate buttons
    }
