"""Clean-up campaigns: opening one over every document in force on the cut-off date (docs/rules.md §6)."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta

from tracker.audit import services as audit
from tracker.auth.models import Town
from tracker.auth.permissions import SYSTEM, may
from tracker.auth.towns import as_town, town_ids, towns_of_city
from tracker.cleanup import word as cleanup_word
from tracker.cleanup.catalogue import catalogue
from tracker.cleanup.models import (
    CampaignKind,
    CampaignTrigger,
    CityCampaign,
    CleanupCampaign,
    CleanupItem,
    CleanupResult,
    Evaluation,
    EvaluationConclusion,
)
from tracker.cleanup.phases import CAMPAIGN, RESULTS_OPEN
from tracker.cleanup.queries import evaluations_due
from tracker.common.timeutil import office_today
from tracker.common.xlsx import Column, Sheet, workbook_bytes
from tracker.documents.models import AttachmentKind, Document, DocumentBasis, SourceState
from tracker.documents.services import add_attachment
from tracker.documents.states import FilingStatus
from tracker.errors import PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.publication import series
from tracker.publication.models import Publication
from tracker.publication.queries import current_publication, in_force_filter
from tracker.publication.services import default_validity, end_document, open_filing
from tracker.rules.due import chunks
from tracker.rules.ruleset import get_rule
from tracker.word import organs
from tracker.workflow.service import allows, apply, require


def open_campaigns(town_id: int | None = None) -> list[CleanupCampaign]:
    """The campaigns still open (of the request's town; of `town_id` when given, as the scheduler asks)."""
    stmt = sa.select(CleanupCampaign).where(CleanupCampaign.phase.in_(CAMPAIGN.sources_of("deliberate", "publish")))
    if town_id is not None:
        stmt = stmt.where(CleanupCampaign.town_id == town_id)
    return list(db.session.scalars(stmt.order_by(CleanupCampaign.id)))


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
    town_id: int | None = None,
) -> CleanupCampaign:
    """A campaign's scope is a snapshot of the documents in force on the cut-off date (narrowed for 专项)."""

    # The 司法所 opens its town's; the city's bureau deploys one to every town (open_city_campaign).
    if actor is not SYSTEM and not may(actor, "review") and not may(actor, "bureau"):
        raise PermissionDenied("清理工作由司法所统筹，只有司法所审查员可以发起清理。")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("请填写清理名称（不超过 200 字）。")
    if trigger is not CampaignTrigger.SCHEDULE and not (trigger_ref or "").strip():
        raise ValidationFailed("因上位法变化或上级部署开展的清理，须写明所依据的法律文件或上级文件文号。")
    # The actor's town; the scheduler, acting for every town, names the town it opens the campaign for.
    town_id = town_id if town_id is not None else actor.town_id
    stmt = sa.select(Document.id).where(Document.town_id == town_id, in_force_filter(cutoff_on))
    if document_ids is not None:
        stmt = stmt.where(Document.id.in_(document_ids))
    ids = list(db.session.scalars(stmt.order_by(Document.id)))
    if not ids:
        raise ValidationFailed(f"{cutoff_on.isoformat()} 没有符合范围的现行有效文件，未发起清理。")
    campaign = CleanupCampaign(
        town_id=town_id,
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
        town_id=town_id,  # the campaign's town (the city's bureau opens one in each of its towns)
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
            town_id=town_id,
        )
    return campaign


# The kinds of clean-up a city deploys to its towns (a routine or periodic one is each town's own).
CITY_KINDS = (CampaignKind.COMPREHENSIVE, CampaignKind.SPECIAL)


def open_city_campaign(
    *,
    actor,
    now: datetime,
    name: str,
    kind: CampaignKind,
    notice_ref: str,
    cutoff_on: date,
    due_on: date,
) -> tuple[CityCampaign, list[tuple[Town, str]]]:
    """The city's bureau deploys a clean-up to every town of its city (docs/rules.md §6): one cut-off, and in each
    town a campaign of its own over its documents in force on that day, opened as the town's (its trail says so).
    Returns the city's clean-up and the towns left out, with why (none of their documents was in force)."""
    if not may(actor, "bureau"):
        raise PermissionDenied("全市统一清理由市司法局部署。")
    name, notice_ref = (name or "").strip(), (notice_ref or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("请填写清理名称（不超过 200 字）。")
    if not notice_ref or len(notice_ref) > 200:
        raise ValidationFailed("请填写部署清理的通知文号（不超过 200 字）。")
    if kind not in CITY_KINDS:
        raise ValidationFailed("全市统一部署的清理为全面清理或专项清理。")
    if cutoff_on > office_today(now):
        raise ValidationFailed("清理截止日期不能晚于今天：清理的是截止日现行有效的文件。")
    if due_on < cutoff_on:
        raise ValidationFailed("完成时限不能早于清理截止日期。")
    city = CityCampaign(
        town_id=actor.town_id,
        name=name,
        kind=kind,
        notice_ref=notice_ref,
        cutoff_on=cutoff_on,
        due_on=due_on,
        opened_by_id=actor.id,
        created_at=now,
    )
    db.session.add(city)
    db.session.flush()
    left_out: list[tuple[Town, str]] = []
    members = towns_of_city(actor.town_id)
    for town in members:
        with as_town(town):
            try:
                campaign = open_campaign(
                    actor=actor,
                    now=now,
                    name=name,
                    kind=kind,
                    trigger=CampaignTrigger.INSTRUCTION,
                    trigger_ref=notice_ref,
                    cutoff_on=cutoff_on,
                    scope_note=f"市里统一部署（{notice_ref}），{due_on.isoformat()} 前公布清理结果。",
                    town_id=town.id,
                )
            except ValidationFailed as exc:  # raised before anything is written: nothing in force on the day
                left_out.append((town, exc.message))
                continue
            campaign.city_campaign_id = city.id
    if len(left_out) == len(members):
        raise ValidationFailed(f"{cutoff_on.isoformat()} 各镇街都没有现行有效文件，未部署清理。")
    db.session.flush()
    audit.record(
        "cleanup.city_open",
        actor=actor,
        now=now,
        object_type="city_campaign",
        object_id=city.id,
        summary=f"部署全市{kind.label}“{name}”（{notice_ref}），截止 {cutoff_on.isoformat()}，"
        f"{due_on.isoformat()} 前完成；{len(members) - len(left_out)} 个镇街",
    )
    return city, left_out


def city_progress(city: CityCampaign) -> list[dict]:
    """Each town's part of the city's clean-up: its phase, documents, proposals, reviews, published result."""
    return city_progress_of([city])[city.id]


def city_progress_of(cities: list[CityCampaign]) -> dict[int, list[dict]]:
    """city_progress() of several clean-ups of the city in three queries, however many (the city's list)."""
    ids = [city.id for city in cities]
    if not ids:
        return {}
    counts = {
        campaign_id: (total, proposed, reviewed)
        for campaign_id, total, proposed, reviewed in db.session.execute(
            sa.select(
                CleanupItem.campaign_id,
                sa.func.count(),
                sa.func.count(CleanupItem.proposed_result),
                sa.func.count(CleanupItem.reviewed_result),
            )
            .join(CleanupCampaign, CleanupCampaign.id == CleanupItem.campaign_id)
            .where(CleanupCampaign.city_campaign_id.in_(ids))
            .group_by(CleanupItem.campaign_id)
        )
    }
    mine = {
        (c.city_campaign_id, c.town_id): c
        for c in db.session.scalars(sa.select(CleanupCampaign).where(CleanupCampaign.city_campaign_id.in_(ids)))
    }
    towns = towns_of_city(cities[0].town_id)  # one city: every clean-up listed is its own
    out: dict[int, list[dict]] = {}
    for city in cities:
        rows = out[city.id] = []
        for town in towns:
            campaign = mine.get((city.id, town.id))
            total, proposed, reviewed = counts.get(campaign.id, (0, 0, 0)) if campaign else (0, 0, 0)
            rows.append(
                {
                    "town": town,
                    "campaign": campaign,
                    "total": total,
                    "proposed": proposed,
                    "reviewed": reviewed,
                    "published": campaign is not None and campaign.published_on is not None,
                }
            )
    return out


def periodic_base(today: date, town_id: int) -> date | None:
    """Where the periodic interval counts from: the last 定期/全面 clean-up's cut-off, else the day the system began
    holding documents (a fresh database does not know when the office last cleaned up: it waits a whole interval)."""
    last = db.session.scalar(
        sa.select(sa.func.max(CleanupCampaign.cutoff_on)).where(
            CleanupCampaign.town_id == town_id,
            CleanupCampaign.kind.in_([CampaignKind.PERIODIC, CampaignKind.COMPREHENSIVE]),
        )
    )
    if last is not None:
        return last
    first = db.session.scalar(sa.select(sa.func.min(Document.created_at)).where(Document.town_id == town_id))
    return office_today(first) if first is not None else None


def periodic_note(interval) -> str:
    """The campaign's note names the rule it comes from: the rule set's interval, not 277号令 (which sets none)."""
    return (
        f"按规则设置“{interval.name}”（{interval.code}）每 {interval.value} 年开展一次定期清理；"
        f"该间隔为{interval.confidence.label}，来源：{interval.source}。"
    )


def open_periodic_everywhere(*, today: date, now: datetime) -> list[CleanupCampaign]:
    """The scheduler's trigger: each town's periodic clean-up, where one is due."""
    return [c for town_id in town_ids() if (c := open_periodic_if_due(today=today, now=now, town_id=town_id))]


def open_periodic_if_due(*, today: date, now: datetime, town_id: int) -> CleanupCampaign | None:
    """A town's 定期清理 every N years (rule set) when it has no campaign open. Idempotent.

    docs/rules.md §6: the interval is the rule set's cleanup_interval; 277号令 Art. 36 requires periodic clean-ups
    but fixes no interval, so the note says which rule it really comes from.
    """
    if open_campaigns(town_id):
        return None
    interval = get_rule("cleanup_interval")
    base = periodic_base(today, town_id)
    if base is None or today < base + relativedelta(years=interval.value):
        return None
    in_force = sa.select(sa.func.count()).select_from(Document).where(Document.town_id == town_id)
    if not db.session.scalar(in_force.where(in_force_filter(today))):
        return None

    return open_campaign(
        actor=SYSTEM,
        now=now,
        name=f"{today.year}年度规范性文件定期清理",
        kind=CampaignKind.PERIODIC,
        trigger=CampaignTrigger.SCHEDULE,
        trigger_ref=None,
        cutoff_on=today,
        scope_note=periodic_note(interval),
        town_id=town_id,
    )


# --- scope narrowing for 专项 campaigns, and higher-law changes ---------------------------------------------


def scoped_document_ids(
    *, cutoff_on: date, subject: str | None = None, issuer_id: int | None = None, source_id: int | None = None
) -> list[int]:
    """Documents in force on the cut-off date, narrowed by subject, issuer or a cited legal basis."""

    stmt = sa.select(Document.id).where(in_force_filter(cutoff_on))
    if subject:
        stmt = stmt.where(Document.subject == subject)
    if issuer_id:
        stmt = stmt.where(Document.issuer_id == issuer_id)
    if source_id:
        stmt = stmt.where(
            Document.id.in_(sa.select(DocumentBasis.document_id).where(DocumentBasis.source_id == source_id))
        )
    return list(db.session.scalars(stmt.order_by(Document.id)))


def require_source_recorder(actor) -> None:
    """The 司法所 watches the higher laws (the page checks this before reading the form)."""
    if not may(actor, "review"):
        raise PermissionDenied("只有司法所审查员可以登记上位法变化。")


def record_source_change(source, *, actor, now: datetime, state, changed_on: date) -> list[Document]:
    """A law or higher document was amended or repealed: flag every document citing it (in its timeline)."""

    require_source_recorder(actor)
    if state is SourceState.IN_FORCE:
        raise ValidationFailed("请选择“已修改”或“已废止”。")
    source.state, source.state_changed_on = state, changed_on
    # The catalogue's dates follow: the review flags a basis repealed, or amended after a draft's date, by them.
    if state is SourceState.REPEALED:
        source.repealed_on = changed_on
    else:
        source.amended_on = max(changed_on, source.amended_on or changed_on)
    citing = list(
        db.session.scalars(
            sa.select(Document)
            .join(DocumentBasis, DocumentBasis.document_id == Document.id)
            .where(DocumentBasis.source_id == source.id)
            .order_by(Document.id)
        )
    )
    db.session.flush()
    audit.record(
        "source.change",
        actor=actor,
        now=now,
        object_type="legal_source",
        object_id=source.id,
        summary=f"登记《{source.title}》{state.label}（{changed_on.isoformat()}），涉及 {len(citing)} 件文件",
    )
    for doc in citing:
        audit.record(
            "source.change",
            actor=actor,
            now=now,
            object_type="legal_source",
            object_id=source.id,
            document_id=doc.id,
            summary=f"制定依据《{source.title}》{state.label}，须评估是否清理",
        )
    return citing


# --- proposals, review, progress ----------------------------------------------------------------------


def _item_open(item: CleanupItem) -> None:
    if item.campaign.phase not in RESULTS_OPEN:
        raise ValidationFailed("该清理已提交审议，不能再修改清理意见。")


def require_proposer(item: CleanupItem, actor) -> None:
    """Only the document's drafting unit proposes its result (the page checks this before reading the form)."""
    if not may(actor, "draft", item.document):
        raise PermissionDenied("只有文件起草单位的经办人可以提出清理意见。")


def require_reviewer(item: CleanupItem, actor) -> None:
    if not may(actor, "review", item.document):
        raise PermissionDenied("只有司法所审查员可以审核清理意见。")


def propose(item: CleanupItem, *, actor, now: datetime, result, reason: str) -> None:
    """The drafting unit proposes 继续有效 / 修改 / 废止 / 宣布失效 with a reason."""
    require_proposer(item, actor)
    _item_open(item)
    reason = (reason or "").strip()
    if not reason or len(reason) > 2000:
        raise ValidationFailed("请填写清理理由（不超过 2000 字）。")
    item.proposed_result, item.proposed_reason = result, reason
    item.proposed_by_id, item.proposed_at = actor.id, now
    # A new proposal after the 司法所's review needs reviewing again.
    item.reviewed_result, item.reviewed_by_id, item.reviewed_at, item.review_note = None, None, None, ""
    db.session.flush()
    audit.record(
        "cleanup.propose",
        actor=actor,
        now=now,
        object_type="cleanup_item",
        object_id=item.id,
        document_id=item.document_id,
        summary=f"清理“{item.campaign.name}”：建议{result.label}——{reason}",
    )


def review(item: CleanupItem, *, actor, now: datetime, result, note: str) -> None:
    """The 司法所 agrees with the proposal or changes it (a change needs a note)."""
    require_reviewer(item, actor)
    _item_open(item)
    if item.proposed_result is None:
        raise ValidationFailed("起草单位尚未提出清理意见。")
    note = (note or "").strip()
    if result is not item.proposed_result and not note:
        raise ValidationFailed("改变起草单位意见的，须说明理由。")
    if len(note) > 2000:
        raise ValidationFailed("审核意见不超过 2000 字。")
    item.reviewed_result, item.review_note, item.reviewed_by_id, item.reviewed_at = result, note, actor.id, now
    if CAMPAIGN.allows(item.campaign, "start_review"):
        CAMPAIGN.apply(item.campaign, "start_review", actor=actor, now=now)
    db.session.flush()
    verb = "同意" if result is item.proposed_result else "改为"
    audit.record(
        "cleanup.review",
        actor=actor,
        now=now,
        object_type="cleanup_item",
        object_id=item.id,
        document_id=item.document_id,
        summary=f"清理“{item.campaign.name}”：司法所{verb}{result.label}" + (f"（{note}）" if note else ""),
    )


def progress(campaign: CleanupCampaign) -> dict:
    units: dict[str, dict] = {}
    for item in campaign.items:
        name = item.document.drafting_unit.name
        u = units.setdefault(name, {"total": 0, "proposed": 0, "reviewed": 0})
        u["total"] += 1
        u["proposed"] += item.proposed_result is not None
        u["reviewed"] += item.reviewed_result is not None
    total = len(campaign.items)
    proposed = sum(u["proposed"] for u in units.values())
    reviewed = sum(u["reviewed"] for u in units.values())
    return {
        "total": total,
        "proposed": proposed,
        "reviewed": reviewed,
        "outstanding": total - reviewed,
        "units": dict(sorted(units.items())),
    }


# --- closing: deliberation, publication, applying the results ----------------------------------------------


def deliberate_campaign(campaign: CleanupCampaign, *, actor, now: datetime, meeting: str, held_on: date) -> None:
    # Phase, permission and "every result reviewed" are the table's (cleanup/phases.py).
    CAMPAIGN.require(campaign, "deliberate", actor=actor, now=now)
    if held_on > office_today(now) or held_on < campaign.cutoff_on:
        raise ValidationFailed("会议日期须在清理截止日期之后、今天之前。")
    meeting = (meeting or "").strip()
    if not meeting or len(meeting) > 100:
        raise ValidationFailed("请填写会议名称。")
    campaign.deliberation_meeting, campaign.deliberated_on = meeting, held_on
    CAMPAIGN.apply(
        campaign,
        "deliberate",
        actor=actor,
        now=now,
        summary=f"清理“{campaign.name}”经{meeting}（{held_on.isoformat()}）审议",
    )


def _notice_number(typed: str | None, year: int, town_id: int) -> str:
    """The notice's 发文字号: one typed in (from the office's OA system) moves the town government's counter past
    it; none typed takes the next number of the government's series (docs/rules.md §4, numbers)."""
    government = organs.government(town_id)
    if not government.number_prefix:
        raise ValidationFailed(
            f"“{government.name}”尚未设置发文代字，无法为清理结果通知编号，请管理员在单位管理中设置。"
        )
    if (typed or "").strip():
        # Any number of the government's own 发文字号 series, of any year (the notice may be numbered in the OA system).
        number = series.read_typed(typed, series.ISSUE)
        key = series.series_key(government, series.ISSUE)
        if number.key != key:
            example = key.format(year=year, seq=1)
            raise ValidationFailed(f"编号“{number.number}”格式不正确，应如“{example}”（年份用六角括号〔〕）。")
        return series.take(number, series.ISSUE).number
    return series.allocate(government, series.ISSUE, year).number


def publish_campaign(
    campaign: CleanupCampaign, *, actor, now: datetime, published_on: date, notice_number: str, url: str
) -> None:
    """公布清理结果 and apply it: 废止/宣布失效 end on the publication date; 修改 opens a revision due date.

    The result notice with its catalogue (Word) is generated in the same transaction.
    """
    CAMPAIGN.require(campaign, "publish", actor=actor, now=now)
    if published_on > office_today(now) or published_on < campaign.deliberated_on:
        raise ValidationFailed("公布日期须在审议日期之后、今天之前。")
    if not (url or "").strip().lower().startswith(("http://", "https://")):
        raise ValidationFailed("请填写公布网址（以 http:// 或 https:// 开头）。")
    campaign.published_on = published_on
    campaign.notice_number = _notice_number(notice_number, published_on.year, campaign.town_id)
    campaign.notice_url = url.strip()[:500]
    CAMPAIGN.apply(
        campaign,
        "publish",
        actor=actor,
        now=now,
        summary=f"公布清理“{campaign.name}”结果（{published_on.isoformat()}）",
    )
    revision = get_rule("revision_after_cleanup")
    for item in campaign.items:
        doc = item.document
        if item.reviewed_result in (CleanupResult.REPEAL, CleanupResult.DECLARE_INVALID):
            action = "repeal" if item.reviewed_result is CleanupResult.REPEAL else "declare_invalid"
            # A document not yet in force cannot be declared invalid (the table): it is repealed instead.
            if not allows(doc, action):
                action = "repeal"
            # One ended meanwhile by other means keeps its end.
            if allows(doc, action):
                end_document(
                    doc,
                    action,
                    actor=actor,
                    now=now,
                    on=published_on,
                    reason=f"根据“{campaign.name}”结果{item.reviewed_result.label}",
                )
        elif item.reviewed_result is CleanupResult.AMEND:
            item.revision_due_on = published_on + relativedelta(months=revision.value)
            audit.record(
                "cleanup.revision",
                actor=actor,
                now=now,
                object_type="cleanup_item",
                object_id=item.id,
                document_id=doc.id,
                summary=f"清理结果为修改，须于 {item.revision_due_on.isoformat()} 前完成修改",
            )
        item.applied_on = published_on
    db.session.flush()
    # The notice with its catalogue is produced by this step: a download later only serves the stored file.
    cleanup_word.generate_cleanup_catalogue(campaign, actor=actor, now=now)


CATALOGUE_COLUMNS = (
    Column("序号", 6, "number"),
    Column("文件名称", 44),
    Column("发文字号", 18),
    Column("规范性文件编号", 22),
    Column("发文机关", 22),
    Column("理由", 50),
)


def catalogue_xlsx(campaign: CleanupCampaign) -> bytes:
    sheets = [
        Sheet(
            result.label,
            CATALOGUE_COLUMNS,
            [
                (n, row["title"], row["issue_number"], row["normative_number"], row["issuer"], row["reason"])
                for n, row in enumerate(rows, 1)
            ],
            wrap=True,
            autofilter=False,
        )
        for result, rows in catalogue(campaign).items()
    ]
    return workbook_bytes(sheets)


# --- evaluation before expiry (评估) -----------------------------------------------------------------------


def open_due_evaluations(*, today: date, now: datetime) -> int:
    """Open an evaluation for the drafting unit when a document enters its evaluation window (idempotent)."""
    due = evaluations_due(today)
    already = set()
    for ids in chunks([e.document_id for e in due]):
        open_ = sa.and_(Evaluation.document_id.in_(ids), Evaluation.concluded_on.is_(None))
        already.update(db.session.scalars(sa.select(Evaluation.document_id).where(open_)))
    opened = 0
    for e in due:
        if e.document_id in already:
            continue
        ev = Evaluation(
            document_id=e.document_id,
            reason=e.window.reason,
            opened_on=today,
            due_on=max(e.window.due_on, today),
            created_at=now,
        )
        db.session.add(ev)
        db.session.flush()
        audit.record(
            "evaluation.open",
            actor=None,
            now=now,
            object_type="evaluation",
            object_id=ev.id,
            document_id=e.document_id,
            summary=f"启动{ev.reason.label}，须于 {ev.due_on.isoformat()} 前完成",
        )
        opened += 1
    return opened


def require_evaluation_reporter(ev, actor) -> None:
    """The document's drafting unit evaluates it (the page checks this before reading the form)."""
    if not may(actor, "draft", ev.document):
        raise PermissionDenied("只有文件起草单位的经办人可以提交评估报告。")


def require_evaluation_reviewer(ev, actor) -> None:
    if not may(actor, "review", ev.document):
        raise PermissionDenied("只有司法所审查员可以审核评估。")


def submit_evaluation(ev, *, actor, now: datetime, conclusion, reason: str, report=None) -> None:
    """The drafting unit's evaluation report and proposed conclusion."""

    doc = ev.document
    require_evaluation_reporter(ev, actor)
    if ev.concluded_on is not None:
        raise ValidationFailed("该评估已完成。")
    reason = (reason or "").strip()
    if not reason or len(reason) > 3000:
        raise ValidationFailed("请填写评估结论的理由（不超过 3000 字）。")
    if report is not None:
        att = add_attachment(doc, report, kind=AttachmentKind.EVALUATION_REPORT, title="评估报告", actor=actor, now=now)
        ev.report_attachment_id = att.id
    if ev.report_attachment_id is None:
        raise ValidationFailed("请上传评估报告。")
    ev.conclusion, ev.conclusion_reason, ev.concluded_by_id = conclusion, reason, actor.id
    ev.reviewed_on, ev.review_note = None, ""
    db.session.flush()
    audit.record(
        "evaluation.submit",
        actor=actor,
        now=now,
        object_type="evaluation",
        object_id=ev.id,
        document_id=doc.id,
        summary=f"提交评估报告：建议{conclusion.label}",
    )


def review_evaluation(ev, *, actor, now: datetime, agree: bool, note: str) -> None:
    """The 司法所 agrees (the evaluation is concluded) or sends it back with a note."""

    doc = ev.document
    require_evaluation_reviewer(ev, actor)
    if ev.conclusion is None or ev.concluded_on is not None:
        raise ValidationFailed("没有待审核的评估报告。")
    note = (note or "").strip()
    if not agree and not note:
        raise ValidationFailed("退回评估报告须说明理由。")
    today = office_today(now)
    ev.reviewed_by_id, ev.reviewed_on, ev.review_note = actor.id, today, note[:2000]
    if agree:
        ev.concluded_on = today
        if ev.conclusion is EvaluationConclusion.AMEND:
            ev.revision_due_on = today + relativedelta(months=get_rule("revision_after_cleanup").value)
    else:
        ev.conclusion = None
    db.session.flush()
    audit.record(
        "evaluation.review",
        actor=actor,
        now=now,
        object_type="evaluation",
        object_id=ev.id,
        document_id=doc.id,
        summary=("司法所同意评估结论" if agree else "司法所退回评估报告") + (f"：{note}" if note else ""),
    )


# --- renewal after evaluation (re-registered with new numbers, republished, filed again) ------------------


def renew(
    doc: Document,
    *,
    actor,
    now: datetime,
    signed_on: date,
    published_on: date,
    url: str,
    validity_mode: str = "default",
    validity_end_on: date | None = None,
    validity_reason: str | None = None,
) -> Publication:
    """Renewal after an evaluation concluded 继续施行: re-registered with new numbers, republished, validity
    restarting from republication, and filed again under the new number."""

    # State, permission and the agreed evaluation are the transition's own checks (workflow table).
    require(doc, "renew", actor=actor, now=now)
    today = office_today(now)
    if not signed_on <= published_on <= today:
        raise ValidationFailed("签发日期、发布日期须依次不晚于今天。")
    if not (url or "").strip().lower().startswith(("http://", "https://")):
        raise ValidationFailed("请填写发布网址（以 http:// 或 https:// 开头）。")
    old = current_publication(doc)
    issuer = doc.issuer
    issue = series.allocate(issuer, series.ISSUE, signed_on.year)
    normative = series.allocate(issuer, series.NORMATIVE, signed_on.year)
    default = default_validity(doc, published_on)
    if validity_mode == "custom" and validity_end_on is None:
        raise ValidationFailed("请填写有效期截止日期。")
    end = {"default": default.end_on, "none": None, "custom": validity_end_on}.get(validity_mode, default.end_on)
    if end is not None and end <= published_on:
        raise ValidationFailed("有效期截止日期须晚于发布日期。")
    if end != default.end_on and not (validity_reason or "").strip():
        raise ValidationFailed("有效期与默认值不同的，须说明理由。")
    old.is_current = False
    pub = Publication(
        document_id=doc.id,
        signed_on=signed_on,
        signer="",
        issue_scope=issue.scope,
        issue_year=issue.year,
        issue_seq=issue.seq,
        issue_number=issue.number,
        normative_scope=normative.scope,
        normative_year=normative.year,
        normative_seq=normative.seq,
        normative_number=normative.number,
        published_on=published_on,
        channel=old.channel or "镇人民政府门户网站",
        url=url.strip()[:500],
        effective_on=published_on,
        validity_end_on=end,
        validity_reason=(validity_reason or "").strip() or None,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(pub)
    db.session.flush()
    apply(
        doc,
        "renew",
        actor=actor,
        now=now,
        note=f"重新登记为 {pub.normative_number}（原 {old.normative_number or old.issue_number}），"
        + (f"有效期至 {end.isoformat()}" if end else "未设有效期"),
    )
    if doc.filing_status is not FilingStatus.NOT_SUBMITTED:
        apply(doc, "reopen_filing", actor=actor, now=now, note=f"以新编号 {pub.normative_number} 重新报备")
    open_filing(doc, pub)
    return pub
