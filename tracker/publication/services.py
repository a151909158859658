"""Signing and unified numbering (三统一), publication, entry into force, validity, relations and end of life."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from tracker.audit import services as audit
from tracker.auth.models import Unit, UnitKind
from tracker.auth.permissions import SYSTEM, may
from tracker.common.timeutil import office_today
from tracker.documents import search
from tracker.documents.models import (
    Attachment,
    AttachmentKind,
    Document,
    DocumentRelation,
    RelationKind,
    TrialKind,
)
from tracker.documents.services import add_attachment
from tracker.documents.states import PRE_PUBLICATION, DocStatus
from tracker.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.files.uploads import CheckedFile
from tracker.filing.models import Filing
from tracker.publication import series
from tracker.publication.models import Publication
from tracker.publication.queries import current_publication, numbers_of
from tracker.review.models import Deliberation, DeliberationDecision
from tracker.rules.ruleset import get_rule
from tracker.rules.services import compute_due
from tracker.workflow.service import allows, apply, require

# A document records what it will amend, replace or repeal while it is not yet published.
RELATION_SOURCE_STATES = PRE_PUBLICATION


def number_document(
    doc: Document,
    *,
    actor,
    now: datetime,
    signed_on: date,
    signer: str,
    issue_number: str | None = None,
    normative_number: str | None = None,
) -> Publication:
    """Record signing; each number is typed (发文字号 from the OA system, an old number) or allocated here."""
    # State and permission are the transition's (its guard, the numbers, holds once they are allocated below).
    require(doc, "register_and_number", actor=actor, now=now, form_pending=True)
    today = office_today(now)
    if signed_on > today:
        raise ValidationFailed("签发日期不能晚于今天。")
    approved = db.session.scalar(
        sa.select(sa.func.max(Deliberation.held_on)).where(
            Deliberation.document_id == doc.id, Deliberation.decision == DeliberationDecision.APPROVED
        )
    )
    if approved and signed_on < approved:
        raise ValidationFailed("签发日期不能早于集体审议日期。")
    issuer = doc.issuer
    # docs/rules.md §4: a typed 发文字号 (from the OA system) keeps the 规 number allocated here; each number is typed
    # or allocated on its own, in the issuer's series and of the signing year.
    checked = {
        which: series.check_typed(text, which, issuer=issuer, signed_on=signed_on)
        for which, text in ((series.ISSUE, issue_number), (series.NORMATIVE, normative_number))
        if (text or "").strip()
    }
    # Both checked before either is written: a refusal leaves the session untouched.
    typed = {which: series.take(number, which) for which, number in checked.items()}
    issue = typed.get(series.ISSUE) or series.allocate(issuer, series.ISSUE, signed_on.year)
    normative = typed.get(series.NORMATIVE) or series.allocate(issuer, series.NORMATIVE, signed_on.year)
    manual = series.NORMATIVE in typed
    for old in db.session.scalars(
        sa.select(Publication).where(Publication.document_id == doc.id, Publication.is_current.is_(True))
    ):
        old.is_current = False
    pub = Publication(
        document_id=doc.id,
        signed_on=signed_on,
        signer=(signer or "").strip()[:50],
        issue_scope=issue.scope,
        issue_year=issue.year,
        issue_seq=issue.seq,
        issue_number=issue.number,
        normative_scope=normative.scope,
        normative_year=normative.year,
        normative_seq=normative.seq,
        normative_number=normative.number,
        numbers_entered_by_hand=manual,
        issue_number_typed=series.ISSUE in typed,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(pub)
    db.session.flush()
    how = "，".join(f"{series.LABELS[w]}手工录入" for w in typed)
    apply(
        doc,
        "register_and_number",
        actor=actor,
        now=now,
        note=f"{issue.number}，{normative.number}" + (f"（{how}）" if how else ""),
    )
    search.reindex(doc, numbers=numbers_of(doc))
    return pub


@dataclass(frozen=True)
class ValidityDefault:
    end_on: date | None
    rule_code: str
    years: int


def default_validity(doc: Document, effective_on: date) -> ValidityDefault:
    """5 years by default, 2 for 暂行/试行 (rule set); the last day in force is the day before the anniversary."""
    code = "validity_trial" if doc.trial_kind is not TrialKind.NONE else "validity_default"
    rule = get_rule(code, town_id=doc.town_id)
    delta = relativedelta(years=rule.value) if rule.unit.value == "years" else relativedelta(months=rule.value)
    return ValidityDefault(effective_on + delta - timedelta(days=1), code, rule.value)


def _has(doc: Document, kind: AttachmentKind) -> bool:
    return any(a.kind is kind and not a.superseded for a in doc.attachments)


def publish(
    doc: Document,
    *,
    actor,
    now: datetime,
    published_on: date,
    channel: str,
    url: str,
    effective_on: date,
    early_effect_reason: str | None,
    validity_mode: str,
    validity_end_on: date | None,
    validity_reason: str | None,
    official_text: CheckedFile | None = None,
    interpretation: CheckedFile | None = None,
) -> Filing:
    """统一发布: dates, URL, interpretation and official text; opens the filing with its due date."""
    # State and permission are the transition's; a numbered document has its publication record.
    require(doc, "publish", actor=actor, now=now, form_pending=True)
    pub = current_publication(doc)
    today = office_today(now)
    if published_on > today:
        raise ValidationFailed("发布日期不能晚于今天。")
    if published_on < pub.signed_on:
        raise ValidationFailed("发布日期不能早于签发日期。")
    if effective_on < published_on:
        raise ValidationFailed("施行日期不能早于发布日期。")
    gap_rule = get_rule("effect_min_gap", town_id=doc.town_id)
    reason = (early_effect_reason or "").strip()
    gap = (effective_on - published_on).days
    if gap < gap_rule.value and not reason:
        raise ValidationFailed(
            f"施行日期距发布日期仅 {gap} 日，少于规定的 {gap_rule.value} 日（{gap_rule.source}）；"
            "因特殊情况须提前施行的，请填写理由（将随备案材料报送）。"
        )
    if len(reason) > 2000 or len(url or "") > 500 or len(channel or "") > 100:
        raise ValidationFailed("理由、网址或发布渠道过长。")
    if not (url or "").strip().lower().startswith(("http://", "https://")):
        raise ValidationFailed("请填写发布网址（以 http:// 或 https:// 开头）。")
    default = default_validity(doc, effective_on)
    validity_reason = (validity_reason or "").strip()
    if validity_mode == "default":
        end = default.end_on
    elif validity_mode == "none":
        end = None
    elif validity_mode == "custom":
        if validity_end_on is None:
            raise ValidationFailed("请填写有效期截止日期。")
        if validity_end_on <= effective_on:
            raise ValidationFailed("有效期截止日期须晚于施行日期。")
        end = validity_end_on
    else:
        raise ValidationFailed("有效期设置无效。")
    if end != default.end_on and not validity_reason:
        raise ValidationFailed(
            f"有效期与默认值（{default.years} 年，至 {default.end_on.isoformat()}）不同的，须说明理由。"
        )
    for checked, kind, title in (
        (official_text, AttachmentKind.OFFICIAL_TEXT, "正式文本"),
        (interpretation, AttachmentKind.INTERPRETATION, "政策解读"),
    ):
        if checked is not None:
            add_attachment(doc, checked, kind=kind, title=title, actor=actor, now=now)
    missing = [
        label
        for kind, label in ((AttachmentKind.OFFICIAL_TEXT, "正式文本"), (AttachmentKind.INTERPRETATION, "政策解读"))
        if not _has(doc, kind)
    ]
    if missing:
        raise ValidationFailed("发布前须上传：" + "、".join(missing) + "。")
    pub.published_on, pub.channel, pub.url = published_on, channel.strip(), url.strip()
    pub.effective_on, pub.early_effect_reason = effective_on, reason if gap < gap_rule.value else None
    pub.validity_end_on, pub.validity_reason = end, validity_reason or None
    db.session.flush()
    apply(
        doc,
        "publish",
        actor=actor,
        now=now,
        note=f"{published_on.isoformat()} 发布，{effective_on.isoformat()} 施行"
        + (f"，有效期至 {end.isoformat()}" if end else "，未设有效期"),
    )
    filing = open_filing(doc, pub)
    if effective_on <= today:
        take_effect(doc, actor=SYSTEM, now=now)
    return filing


def open_filing(doc: Document, pub: Publication) -> Filing:
    """The filing obligation of a publication: due within the rule set's limit, rolled past rest days."""
    authority = db.session.scalar(
        sa.select(Unit).where(Unit.kind == UnitKind.FILING_AUTHORITY, Unit.active.is_(True)).order_by(Unit.id).limit(1)
    )
    if authority is None:
        raise ValidationFailed("尚未设置备案审查机关（单位类型“备案审查机关”），请管理员在单位管理中添加。")
    due = compute_due("filing_deadline", pub.published_on)
    filing = Filing(
        document_id=doc.id,
        publication_id=pub.id,
        authority_id=authority.id,
        due_on=due.day,
        due_rule_code=due.rule_code,
        due_rule_days=due.rule_value,
        due_provisional=due.provisional,
        created_at=pub.created_at,
    )
    db.session.add(filing)
    db.session.flush()
    # Every new publication passes here (publish, renew, import): its numbers become searchable.
    search.reindex(doc, numbers=numbers_of(doc))
    return filing


# --- entry into force, relations and end of life (stage 13, 18) -------------------------------------------


def add_relation(
    source: Document, target: Document | None, kind: RelationKind, *, actor, now: datetime
) -> DocumentRelation:
    """The new document (source) will amend, replace or repeal an earlier one when it takes effect."""
    if not (may(actor, "document.edit", source) or may(actor, "office", source)):
        raise PermissionDenied("您无权为该文件登记关联关系。")
    if target is None or not may(actor, "document.view", target):
        # Another unit's draft is not even said to exist: no title, no state (docs/rules.md §8).
        raise ValidationFailed("所选文件不存在。")
    if source.id == target.id:
        raise ValidationFailed("文件不能关联自身。")
    if source.status not in RELATION_SOURCE_STATES:
        raise ValidationFailed("已发布或已终止的文件不能再新增修改/废止关系。")
    # Taking effect ends the target through repealed_by_new / superseded_by_new: it must be where those start.
    if not (allows(target, "repealed_by_new") and allows(target, "superseded_by_new")):
        raise ValidationFailed(f"《{target.title}》当前为“{target.status.label}”，不能被修改或废止。")
    exists = db.session.scalar(
        sa.select(DocumentRelation.id).where(
            DocumentRelation.source_id == source.id, DocumentRelation.target_id == target.id
        )
    )
    if exists:
        raise ValidationFailed("已登记过与该文件的关系。")
    rel = DocumentRelation(source=source, target=target, kind=kind, created_at=now)
    db.session.add(rel)
    db.session.flush()
    audit.record(
        "relation.add",
        actor=actor,
        now=now,
        object_type="document_relation",
        object_id=rel.id,
        document_id=source.id,
        summary=f"{kind.label}《{target.title}》（本文件施行时生效）",
    )
    audit.record(
        "relation.add",
        actor=actor,
        now=now,
        object_type="document_relation",
        object_id=rel.id,
        document_id=target.id,
        # The target's timeline is read by every unit; the new document may still be another unit's draft, so it
        # is not named here (its title shows in the relations panel to those who may see it).
        summary=f"将被新登记的文件{kind.label}（新文件施行时生效）",
    )
    return rel


def take_effect(doc: Document, *, actor, now: datetime) -> None:
    """施行: the document enters into force and its amend/replace/repeal relations are applied that day."""
    require(doc, "take_effect", actor=actor, now=now)  # the guard makes sure the effective date is recorded
    pub = current_publication(doc)
    apply(doc, "take_effect", actor=actor, now=now, note=f"{pub.effective_on.isoformat()} 起施行")
    for rel in db.session.scalars(
        sa.select(DocumentRelation).where(DocumentRelation.source_id == doc.id, DocumentRelation.applied_on.is_(None))
    ):
        target = rel.target
        action = "repealed_by_new" if rel.kind is RelationKind.REPEALS else "superseded_by_new"
        # A target ended meanwhile by other means keeps its end; the relation is recorded as applied.
        if allows(target, action):
            apply(target, action, actor=actor, now=now, note=f"被《{doc.title}》{rel.kind.label}")
            target.ended_on = pub.effective_on
        rel.applied_on = pub.effective_on
    db.session.flush()


def end_document(doc: Document, action: str, *, actor, now: datetime, on: date, reason: str) -> None:
    """废止 / 宣布失效 by the issuer's decision, effective on the given date."""
    if action not in ("repeal", "declare_invalid", "mark_amended"):
        raise InvalidTransition("没有这个操作。")
    pub = current_publication(doc)
    if pub is not None and pub.published_on and on < pub.published_on:
        raise ValidationFailed("终止日期不能早于发布日期。")
    if on > office_today(now) + timedelta(days=366):
        raise ValidationFailed("终止日期过远，请核对。")
    apply(doc, action, actor=actor, now=now, note=f"{on.isoformat()}：{(reason or '').strip()}")
    doc.ended_on = on
    db.session.flush()


def expire(doc: Document, *, actor, now: datetime) -> None:
    """有效期届满: the document ends the day after the last day of its validity."""
    require(doc, "expire", actor=actor, now=now)  # the guard makes sure a validity end is recorded
    pub = current_publication(doc)
    apply(doc, "expire", actor=actor, now=now, note=f"有效期至 {pub.validity_end_on.isoformat()} 届满")
    doc.ended_on = pub.validity_end_on + timedelta(days=1)
    db.session.flush()


@dataclass
class DailyEffects:
    took_effect: int = 0
    expired: int = 0


def apply_daily_effects(*, now: datetime) -> DailyEffects:
    """Idempotent: documents whose effective date has come take effect; those past their validity expire."""
    today = office_today(now)
    result = DailyEffects()
    due_effect = db.session.scalars(
        sa.select(Document)
        .join(Publication, sa.and_(Publication.document_id == Document.id, Publication.is_current.is_(True)))
        .where(Document.status == DocStatus.PUBLISHED, Publication.effective_on <= today)
    ).all()
    for doc in due_effect:
        take_effect(doc, actor=SYSTEM, now=now)
        result.took_effect += 1
    due_expiry = db.session.scalars(
        sa.select(Document)
        .join(Publication, sa.and_(Publication.document_id == Document.id, Publication.is_current.is_(True)))
        .where(Document.status == DocStatus.IN_FORCE, Publication.validity_end_on < today)
    ).all()
    for doc in due_expiry:
        expire(doc, actor=SYSTEM, now=now)
        result.expired += 1
    db.session.flush()
    return result


def attachments_of(doc: Document, kind: AttachmentKind) -> list[Attachment]:
    return [a for a in doc.attachments if a.kind is kind and not a.superseded]


def reindex_all(batch: int = 500) -> int:
    """Rebuild every search row with its numbers (after a bulk import or a repair); the caller commits."""
    ids = db.session.scalars(sa.select(Document.id).order_by(Document.id)).all()
    for start in range(0, len(ids), batch):
        for doc in db.session.scalars(sa.select(Document).where(Document.id.in_(ids[start : start + batch]))):
            search.reindex(doc, numbers=numbers_of(doc))
    return len(ids)
