"""The draft's text at the review desk: the version's clauses, the pre-check flags kept on them, findings anchored
to a clause, and what became of each anchored clause in a later version (docs/precheck.md).

The pre-check runs when a version is submitted (in the submission's transaction) and again when the reviewer asks
for it after the office changed its rules. Its flags are stored per round, clause and rule: a re-run adds what is
new and drops open flags that no longer fire; a flag the reviewer decided (turned into a finding, or dismissed with
a reason) is kept as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from tracker.audit import services as audit
from tracker.documents.models import Document, DocumentVersion
from tracker.documents.structure import Structure, Trace, Unit, parse, trace
from tracker.extensions import db
from tracker.review.lawcheck import catalogue_lookup, draft_date
from tracker.review.models import Finding, FlagState, PrecheckFlag, ReviewRound
from tracker.review.precheck import Flag, precheck
from tracker.review.precheck_rules import rules_in_force

# A reference typed by hand (第五条 第二款, 第5条第2款) is compared without spaces and in the reference's numerals.
_SPACES = str.maketrans("", "", " \u3000\t")


def structure_of(version: DocumentVersion | None) -> Structure | None:
    if version is None or not version.text:
        return None
    return parse(version.text.split("\n"))


def reviewed_version(rnd: ReviewRound) -> DocumentVersion | None:
    return db.session.get(DocumentVersion, rnd.version_id_reviewed) if rnd.version_id_reviewed else None


def _merged(flags: list[Flag]) -> dict[tuple[str, str], Flag]:
    """One flag per clause and rule (the whole-text numbering check can say several things about 全文)."""
    out: dict[tuple[str, str], Flag] = {}
    for f in flags:
        key = (f.key, f.rule)
        if key in out:
            old = out[key]
            words = tuple(dict.fromkeys(old.words + f.words))
            why = old.why if f.why in old.why else f"{old.why}{f.why}"
            out[key] = Flag(old.key, old.ref, old.point, old.rule, old.label, words, why, old.text)
        else:
            out[key] = f
    return out


def run_precheck(rnd: ReviewRound, *, actor, now: datetime, audited: bool = False) -> int:
    """Store the pre-check's flags on the round's version; returns the number of open flags after the run.

    At submission the flags are part of the submission (its audit event covers them); a re-run the reviewer asks
    for is audited on its own."""
    version = reviewed_version(rnd)
    structure = structure_of(version)
    if structure is None:
        return 0
    found = _merged(precheck(structure, rules_in_force(), laws=catalogue_lookup(), draft_on=draft_date(rnd.document)))
    stored = {(f.unit_key, f.rule_code): f for f in flags_of(rnd)}
    added = dropped = 0
    for key, f in found.items():
        row = stored.get(key)
        if row is None:
            db.session.add(
                PrecheckFlag(
                    round_id=rnd.id,
                    text_version_id=version.id,
                    unit_key=f.key,
                    ref=f.ref[:100],
                    point=f.point,
                    rule_code=f.rule,
                    label=f.label[:100],
                    words="、".join(f.words),
                    why=f.why,
                    quote=f.text,
                )
            )
            added += 1
        elif row.state is FlagState.OPEN:
            row.words, row.why, row.label = "、".join(f.words), f.why, f.label[:100]
    for key, row in stored.items():
        if key not in found and row.state is FlagState.OPEN:
            db.session.delete(row)
            dropped += 1
    db.session.flush()
    open_count = sum(1 for f in flags_of(rnd) if f.state is FlagState.OPEN)
    if audited:
        audit.record(
            "review.precheck",
            actor=actor,
            now=now,
            object_type="review_round",
            object_id=rnd.id,
            document_id=rnd.document_id,
            summary=f"第 {rnd.round_no} 轮重新预检：新提示 {added} 条，撤销 {dropped} 条，待处理 {open_count} 条",
        )
    return open_count


def flags_of(rnd: ReviewRound) -> list[PrecheckFlag]:
    return list(
        db.session.scalars(sa.select(PrecheckFlag).where(PrecheckFlag.round_id == rnd.id).order_by(PrecheckFlag.id))
    )


def unit_by_ref(structure: Structure, typed: str) -> Unit | None:
    """The clause a typed reference names (第五条第二款; 第五条 alone names its first 款)."""
    wanted = (typed or "").translate(_SPACES)
    if not wanted:
        return None
    for u in structure.units:
        if u.ref == wanted:
            return u
    for u in structure.units:
        if u.item is None and u.clause == 1 and u.ref.removesuffix("第一款") == wanted:
            return u
    return None


# --- what the text panel and the findings show ----------------------------------------------------------------


@dataclass
class TextUnit:
    unit: Unit
    heading: str  # the chapter/section heading that starts here ("" when it continues)
    flags: list[PrecheckFlag]
    findings: list[Finding]


def text_panel(rnd: ReviewRound, structure: Structure, flags: list[PrecheckFlag]) -> list[TextUnit]:
    by_unit: dict[str, list[PrecheckFlag]] = {}
    for f in flags:
        by_unit.setdefault(f.unit_key, []).append(f)
    found: dict[str, list[Finding]] = {}
    for f in rnd.findings:
        if f.unit_key and f.text_version_id == rnd.version_id_reviewed:
            found.setdefault(f.unit_key, []).append(f)
    rows, last = [], ""
    for u in structure.units:
        heading = u.heading if u.heading != last else ""
        last = u.heading
        rows.append(TextUnit(u, heading, by_unit.get(u.key, []), found.get(u.key, [])))
    return rows


@dataclass
class FindingTrace:
    finding: Finding
    trace: Trace | None  # None: the finding was not anchored to a clause


def traces(findings: list[Finding], later: Structure | None) -> list[FindingTrace]:
    """What became of each finding's clause in the later version (unchanged / changed / moved / removed)."""
    earlier_cache: dict[int, Structure | None] = {}
    out = []
    for f in findings:
        if later is None or not f.quote:
            out.append(FindingTrace(f, None))
            continue
        if f.text_version_id not in earlier_cache:
            earlier_cache[f.text_version_id] = structure_of(f.text_version)
        out.append(FindingTrace(f, trace(f.quote, f.unit_key or None, later, earlier_cache[f.text_version_id])))
    return out


def previous_round(doc: Document, rnd: ReviewRound) -> ReviewRound | None:
    return db.session.scalar(
        sa.select(ReviewRound)
        .where(
            ReviewRound.document_id == doc.id, ReviewRound.round_no < rnd.round_no, ReviewRound.returned_at.is_(None)
        )
        .order_by(ReviewRound.round_no.desc())
        .limit(1)
    )
