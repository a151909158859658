"""Point 4 of the review against the catalogue: cited laws that are repealed, amended after the draft, or unknown.

Two sources are read: the bases the drafting unit entered, and every 《…》 the latest draft version cites (through
the pre-check's `laws=` hook, docs/precheck.md). Shown at submission and on the review worksheet; a flag never
refuses anything, it says what to look at and why (docs/rules.md §4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from tracker.common.timeutil import office_today
from tracker.documents.catalogue import candidates, clean_title
from tracker.documents.models import Document, LegalSource, SourceState
from tracker.documents.structure import parse
from tracker.extensions import db
from tracker.review.precheck import DEFAULT_RULES, LawStatus, precheck

LAW_RULES = tuple(r for r in DEFAULT_RULES if r.check == "law_status")


@dataclass(frozen=True)
class LawFlag:
    where: str  # 制定依据, or the unit of the draft (第五条第二款)
    name: str
    why: str


def _status(source: LegalSource) -> LawStatus:
    repealed = source.repealed_on or (source.state_changed_on if source.state is SourceState.REPEALED else None)
    amended = source.amended_on or (source.state_changed_on if source.state is SourceState.AMENDED else None)
    return LawStatus(source.title, repealed_on=repealed, amended_on=amended, unverified=not source.verified)


def catalogue_lookup() -> Callable[[str], LawStatus | None]:
    """A lookup over the whole catalogue, read once: exact name (the pre-check also tries 中华人民共和国+name)."""
    by_title = {s.title: _status(s) for s in db.session.scalars(sa.select(LegalSource))}
    return lambda name: by_title.get(clean_title(name))


def draft_date(doc: Document) -> date:
    """The date of the text being checked: the latest version's upload, else the registration."""
    when = doc.versions[-1].uploaded_at if doc.versions else doc.created_at
    return office_today(when)


def _basis_reason(status: LawStatus, draft_on: date) -> str | None:
    name = f"《{status.name}》"
    if status.repealed_on is not None:
        return f"{name}已于 {status.repealed_on.isoformat()} 废止，不能再作为制定依据"
    if status.amended_on is not None and status.amended_on > draft_on:
        return f"{name}于 {status.amended_on.isoformat()} 修改，晚于草案日期 {draft_on.isoformat()}，所引条文可能已变化"
    if status.unverified:
        return f"{name}不在司法所核实过的法规目录中（由起草单位录入，待核实），请核对名称和效力"
    return None


def law_flags(doc: Document) -> list[LawFlag]:
    """The flags of the entered bases first, then those of the draft's own citations (each name once)."""
    draft_on = draft_date(doc)
    flags: list[LawFlag] = []
    named: set[str] = set()
    for basis in doc.bases:
        reason = _basis_reason(_status(basis.source), draft_on)
        if reason:
            flags.append(LawFlag("制定依据", basis.source.title, reason))
        named.update(candidates(basis.source.title))
    if doc.versions and doc.versions[-1].text:
        structure = parse(doc.versions[-1].text.split("\n"))
        lookup = catalogue_lookup()
        for flag in precheck(structure, LAW_RULES, laws=lookup, draft_on=draft_on):
            for word in flag.words:
                name = clean_title(word)
                if name in named:
                    continue
                named.add(name)
                why = next((w for w in flag.why.rstrip("。").split("；") if w.startswith(f"《{name}》")), flag.why)
                flags.append(LawFlag(flag.ref, name, why))
    return flags
