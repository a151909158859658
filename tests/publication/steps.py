"""Documents for the publication tests, walked through the real services at hand-picked Beijing dates.

Review and deliberation reuse tests/alerts/lifecycle.py; added here: a draft of any trial kind and issuer, a
document stopped at "deliberated", publication with every option, row counts for "nothing was written".
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from tests.alerts.lifecycle import PACKET, accept, at, d, deliberate, docx_bytes, pass_review
from tests.factories import World
from tracker.audit.models import AuditEvent
from tracker.auth.models import Unit
from tracker.common.numbering import NumberCounter
from tracker.documents.models import DocKind, Document, TrialKind
from tracker.documents.services import DocumentData, add_attachment, add_version, register_draft
from tracker.extensions import db
from tracker.files.uploads import check_upload
from tracker.filing.models import Filing, FilingAttempt
from tracker.publication import services as publication
from tracker.publication.models import Publication
from tracker.review import services as review

__all__ = ["at", "d"]


def draft(w: World, title: str, on: date, *, issuer: Unit | None = None, trial: TrialKind = TrialKind.NONE):
    """A registered draft with a version and the whole submission packet (as lifecycle.draft), any issuer."""
    now, user = at(on, 9), w["drafter"]
    data = DocumentData(
        title=title,
        kind=DocKind.GOVERNMENT,
        issuer_id=(issuer or w.units["gov"]).id,
        drafting_unit_id=user.unit_id,
        trial_kind=trial,
    )
    doc = register_draft(data, actor=user, now=now)
    add_version(
        doc,
        check_upload(docx_bytes(title, "第一条 总则。"), "送审稿.docx", docx_only=True),
        note="",
        actor=user,
        now=now,
    )
    for kind in PACKET:
        checked = check_upload(docx_bytes(kind.label), f"{kind.value}.docx")
        add_attachment(doc, checked, kind=kind, title="", actor=user, now=now)
    return doc


def deliberated(w: World, title: str, submitted_on: date, **kw) -> Document:
    """Submitted, accepted the next day, passed after a week, deliberated (approved) on day 14."""
    doc = draft(w, title, submitted_on, **kw)
    rnd = review.submit_for_review(doc, actor=w["drafter"], now=at(submitted_on, 10), received_on=submitted_on)
    accept(w, doc, submitted_on + timedelta(days=1))
    pass_review(w, doc, rnd, submitted_on + timedelta(days=7))
    deliberate(w, doc, submitted_on + timedelta(days=14))
    return doc


def number_on(w: World, doc: Document, on: date, **kw) -> Publication:
    return publication.number_document(doc, actor=w["clerk"], now=at(on, 10), signed_on=on, signer="镇长", **kw)


def numbered(w: World, title: str, signed_on: date, **kw) -> Document:
    """Deliberated two days before `signed_on`, numbered (automatically) that day."""
    doc = deliberated(w, title, signed_on - timedelta(days=16), **kw)
    number_on(w, doc, signed_on)
    return doc


def official_text(title: str):
    return check_upload(docx_bytes(title, "第一条 总则。"), "正式文本.docx")


def interpretation():
    return check_upload(docx_bytes("政策解读"), "政策解读.docx")


def publish(
    w: World,
    doc: Document,
    published_on: date,
    *,
    effective_on: date,
    early_effect_reason: str | None = None,
    validity_mode: str = "default",
    validity_end_on: date | None = None,
    validity_reason: str | None = None,
    now=None,
) -> Filing:
    return publication.publish(
        doc,
        actor=w["clerk"],
        now=now or at(published_on, 11),
        published_on=published_on,
        channel="镇人民政府门户网站",
        url=f"https://www.example.gov.cn/gfxwj/{doc.id}.html",
        effective_on=effective_on,
        early_effect_reason=early_effect_reason,
        validity_mode=validity_mode,
        validity_end_on=validity_end_on,
        validity_reason=validity_reason,
        official_text=official_text(doc.title),
        interpretation=interpretation(),
    )


COUNTED = {
    "documents": Document,
    "publications": Publication,
    "filings": Filing,
    "filing_attempts": FilingAttempt,
    "audit_events": AuditEvent,
}


def row_counts() -> dict[str, int]:
    """Rows per table; of the audit events only those of operations (a refused attempt is recorded too)."""
    counts = {name: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for name, m in COUNTED.items()}
    counts["audit_events"] -= refusals()
    return counts


def refusals() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action.like("refused.%")))


def counters() -> dict[tuple[str, int], int]:
    """The 发文字号 and 规范性文件编号 counters (the same table also counts review opinions: left out)."""
    rows = db.session.scalars(sa.select(NumberCounter).where(NumberCounter.scope != "opinion"))
    return {(c.scope, c.year): c.last_value for c in rows}
