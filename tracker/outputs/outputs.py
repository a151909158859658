"""Word outputs that belong to no single document: the clean-up result catalogue, the annual statistics, a reply.

The catalogue is a record (GeneratedDocument on the campaign, versions kept), as the notice is published once and
must be found again as it was. The annual statistics and the reply are rendered on request: the figures come out
the same for a past year (computed from dated records), and the reply is the text saved on the solicitation.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from tracker.auth.models import Unit, UnitKind
from tracker.auth.permissions import may
from tracker.cleanup.models import CampaignPhase, CleanupCampaign
from tracker.common.timeutil import office_today
from tracker.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.files.uploads import clean_filename
from tracker.outputs import context as ctx
from tracker.outputs import deliberation
from tracker.outputs.models import GeneratedDocument, OutputKind
from tracker.outputs.render import render_checked
from tracker.outputs.services import Rendered, _short, _store, active_template, versions_of
from tracker.review.services import rounds_of
from tracker.rules.ruleset import get_rule
from tracker.solicitations.models import Solicitation, SolicitationPhase

CAMPAIGN = "cleanup_campaign"


def _first_unit(kind: UnitKind) -> Unit | None:
    return db.session.scalar(sa.select(Unit).where(Unit.kind == kind, Unit.active.is_(True)).order_by(Unit.id).limit(1))


def government_name() -> str:
    """The town government: it issues the clean-up notice and signs the replies to higher levels."""
    unit = _first_unit(UnitKind.GOVERNMENT)
    if unit is None:
        raise ValidationFailed("尚未设置镇人民政府（单位类型“镇人民政府”），请管理员在单位管理中添加。")
    return unit.name


def judicial_office_name() -> str:
    unit = _first_unit(UnitKind.JUDICIAL_OFFICE)
    return unit.name if unit is not None else "司法所"


# --- the clean-up result catalogue --------------------------------------------------------------------------


def may_generate_catalogue(actor) -> bool:
    """The office publishes the notice; the 司法所 runs the clean-up: either may produce the catalogue."""
    return may(actor, "office") or may(actor, "review")


def catalogue_filename(campaign: CleanupCampaign, version_no: int = 1) -> str:
    suffix = f"（第{version_no}版）" if version_no > 1 else ""
    name = ctx.campaign_name_for_title(campaign.name)
    return clean_filename(f"{_short(name)}结果目录{suffix}.docx")


def catalogue_context_for(campaign: CleanupCampaign) -> dict:
    from tracker.cleanup.services import catalogue

    revision_due = min((i.revision_due_on for i in campaign.items if i.revision_due_on), default=None)
    return ctx.cleanup_catalogue_context(
        campaign,
        catalogue(campaign),
        issuer=government_name(),
        office_name=judicial_office_name(),
        revision_due_on=revision_due,
        revision_months=get_rule("revision_after_cleanup").value,
    )


def render_cleanup_catalogue(campaign: CleanupCampaign) -> Rendered:
    """The notice with its catalogue as .docx bytes (not stored): what `flask word render cleanup-catalogue` writes."""
    if campaign.phase is not CampaignPhase.PUBLISHED:
        raise InvalidTransition("清理结果公布后才能生成结果目录（公布日期和文号写入通知）。")
    template = active_template(OutputKind.CLEANUP_CATALOGUE)
    data = render_checked(template.data, catalogue_context_for(campaign))
    return Rendered(data, template, catalogue_filename(campaign))


def generate_cleanup_catalogue(campaign: CleanupCampaign, *, actor, now: datetime) -> GeneratedDocument:
    if not may_generate_catalogue(actor):
        raise PermissionDenied("只有党政办文秘或司法所审查员可以生成清理结果目录。")
    rendered = render_cleanup_catalogue(campaign)
    return _store(
        OutputKind.CLEANUP_CATALOGUE,
        document=None,
        object_type=CAMPAIGN,
        object_id=campaign.id,
        rendered=rendered,
        filename_for=lambda n: catalogue_filename(campaign, n),
        actor=actor,
        now=now,
    )


def catalogue_versions(campaign: CleanupCampaign) -> list[GeneratedDocument]:
    return versions_of(OutputKind.CLEANUP_CATALOGUE, CAMPAIGN, campaign.id)


def latest_catalogue(campaign: CleanupCampaign, *, actor, now: datetime) -> tuple[GeneratedDocument, bool]:
    """The latest stored catalogue, and whether it was generated just now (the first download generates it)."""
    versions = catalogue_versions(campaign)
    if versions:
        return versions[0], False
    if campaign.phase is not CampaignPhase.PUBLISHED:
        raise InvalidTransition("清理结果公布后才能生成结果目录。")
    if not may_generate_catalogue(actor):
        raise NotFound("结果目录（Word）尚未生成，请党政办文秘或司法所审查员生成后再下载。")
    return generate_cleanup_catalogue(campaign, actor=actor, now=now), True


# --- the annual statistics -------------------------------------------------------------------------------


def annual_statistics_filename(year: int, town: str) -> str:
    return clean_filename(f"{_short(town)}{year}年度行政规范性文件管理情况.docx")


def render_annual_statistics(year: int, *, town: str, now: datetime) -> Rendered:
    """The year's figures as a section of the annual report: the paragraph, the rates table, the figures table."""
    from tracker.reports import stats as annual

    figures = annual.annual(year)
    context = ctx.annual_statistics_context(
        figures, town=town, paragraph=annual.paragraph(figures, town), counted_on=office_today(now)
    )
    template = active_template(OutputKind.ANNUAL_STATISTICS)
    return Rendered(render_checked(template.data, context), template, annual_statistics_filename(year, town))


# --- the deliberation material (集体审议材料) ----------------------------------------------------------------


def render_deliberation_material(doc, *, now: datetime) -> Rendered:
    """How the drafter answered the review, every opinion not adopted with its reason (rendered on request)."""
    rounds = rounds_of(doc)
    if not any(r.opinion is not None for r in rounds):
        raise InvalidTransition("该文件尚未出具合法性审查意见，没有审议材料可生成。")
    context = deliberation.deliberation_material_context(doc, rounds, drafted_on=office_today(now))
    template = active_template(OutputKind.DELIBERATION_MATERIAL)
    name = clean_filename(f"{ctx.book_title(_short(doc.title))}审查意见采纳情况说明.docx")
    return Rendered(render_checked(template.data, context), template, name)


# --- the reply to a draft for comment -------------------------------------------------------------------


def comment_reply_filename(sol: Solicitation) -> str:
    return clean_filename(f"关于{ctx.book_title(_short(sol.title))}的意见.docx")


def render_comment_reply(sol: Solicitation, *, now: datetime) -> Rendered:
    """关于《…》的意见, dated the day it was sent (today while it is being drafted)."""
    if not ctx.reply_paragraphs(sol.reply_text) and sol.phase is not SolicitationPhase.NO_COMMENT:
        raise ValidationFailed("尚未填写答复意见：请先保存答复意见（或登记为“无修改意见”）再生成答复函。")
    assignee = sol.assignee
    context = ctx.comment_reply_context(
        sol,
        issuer=government_name(),
        reply_on=sol.sent_on or office_today(now),
        contact=assignee.display_name if assignee is not None else "",
        phone=(assignee.phone or "") if assignee is not None else "",
    )
    template = active_template(OutputKind.COMMENT_REPLY)
    return Rendered(render_checked(template.data, context), template, comment_reply_filename(sol))
