"""Clean-up campaigns: opening one over every document in force on the cut-off date (DOMAIN.md §6)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from tracker.audit import services as audit
from tracker.auth.permissions import may
from tracker.cleanup.models import CampaignKind, CampaignPhase, CampaignTrigger, CleanupCampaign, CleanupItem
from tracker.deadlines.rules import get_rule
from tracker.documents.models import Document
from tracker.documents.queries import in_force_filter
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db


def open_campaigns() -> list[CleanupCampaign]:
    return list(
        db.session.scalars(
            sa.select(CleanupCampaign)
            .where(CleanupCampaign.phase != CampaignPhase.PUBLISHED)
            .order_by(CleanupCampaign.id)
        )
    )


def open_campaign(
    *,
    actor,
    now: datetime,
    name: str,
    kind: CampaignKind,
    trigger: CampaignTrigger,
    trigger_ref: str | None,
    cutoff_on: date,
    document_ids: list[int] | None = None,
    scope_note: str = "",
) -> CleanupCampaign:
    """A campaign's scope is a snapshot of the documents in force on the cut-off date (narrowed for 专项)."""
    if actor is not None and getattr(actor, "id", None) is not None and not may(actor, "review"):
        raise PermissionDenied("清理工作由司法所统筹，只有司法所审查员可以发起清理。")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("请填写清理名称（不超过 200 字）。")
    if trigger is not CampaignTrigger.SCHEDULE and not (trigger_ref or "").strip():
        raise ValidationFailed("因上位法变化或上级部署开展的清理，须写明所依据的法律文件或上级文件文号。")
    stmt = sa.select(Document.id).where(in_force_filter(cutoff_on))
    if document_ids is not None:
        stmt = stmt.where(Document.id.in_(document_ids))
    ids = list(db.session.scalars(stmt.order_by(Document.id)))
    if not ids:
        raise ValidationFailed(f"{cutoff_on.isoformat()} 没有符合范围的现行有效文件，未发起清理。")
    campaign = CleanupCampaign(
        name=name,
        kind=kind,
        trigger=trigger,
        trigger_ref=(trigger_ref or "").strip() or None,
        cutoff_on=cutoff_on,
        scope_note=scope_note,
        opened_by_id=getattr(actor, "id", None),
        created_at=now,
    )
    db.session.add(campaign)
    db.session.flush()
    for doc_id in ids:
        db.session.add(CleanupItem(campaign_id=campaign.id, document_id=doc_id))
    db.session.flush()
    audit.record(
        "cleanup.open",
        actor=actor,
        now=now,
        object_type="cleanup_campaign",
        object_id=campaign.id,
        summary=f"发起{kind.label}“{name}”，截止 {cutoff_on.isoformat()}，共 {len(ids)} 件文件",
    )
    for doc_id in ids:
        audit.record(
            "cleanup.scope",
            actor=actor,
            now=now,
            object_type="cleanup_campaign",
            object_id=campaign.id,
            document_id=doc_id,
            summary=f"列入清理“{name}”",
        )
    return campaign


def open_periodic_if_due(*, today: date, now: datetime) -> CleanupCampaign | None:
    """The scheduler's trigger: a 定期清理 every N years (rule set) when no campaign is open. Idempotent."""
    if open_campaigns():
        return None
    interval = get_rule("cleanup_interval")
    last = db.session.scalar(
        sa.select(sa.func.max(CleanupCampaign.cutoff_on)).where(
            CleanupCampaign.kind.in_([CampaignKind.PERIODIC, CampaignKind.COMPREHENSIVE])
        )
    )
    if last is not None and today < last + relativedelta(years=interval.value):
        return None
    if not db.session.scalar(sa.select(sa.func.count()).select_from(Document).where(in_force_filter(today))):
        return None
    from tracker.auth.permissions import SYSTEM

    return open_campaign(
        actor=SYSTEM,
        now=now,
        name=f"{today.year}年度规范性文件定期清理",
        kind=CampaignKind.PERIODIC,
        trigger=CampaignTrigger.SCHEDULE,
        trigger_ref=None,
        cutoff_on=today,
        scope_note=f"按规则每 {interval.value} 年开展一次定期清理（{interval.source}）",
    )
