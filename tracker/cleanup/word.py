"""关于公布…结果的通知 with its result catalogue as a Word file: context, template fields, samples, generation.

The notice is a record (versions kept on the campaign): it is generated when the result is published, and the
clerk or the 司法所 may regenerate it; a download only serves what is stored.
"""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace as NS

from tracker.auth.models import UnitKind
from tracker.auth.permissions import may
from tracker.cleanup.catalogue import catalogue
from tracker.cleanup.models import CampaignPhase, CleanupCampaign
from tracker.errors import InvalidTransition, PermissionDenied
from tracker.files.uploads import clean_filename
from tracker.rules.ruleset import get_rule
from tracker.word import organs, store
from tracker.word.models import GeneratedDocument, OutputKind
from tracker.word.spec import Field, Label, TemplateSpec
from tracker.word.text import cn_numeral, date_cn, official_number, sentence, short_title, title_lines, unique

KIND = OutputKind.CLEANUP_CATALOGUE
OBJECT_TYPE = "cleanup_campaign"

# --- the context (pure) -------------------------------------------------------------------------------------

# Each result category's heading in the catalogue, in the order of the notice.
CATALOGUE_HEADINGS = {
    "继续有效": "继续有效的规范性文件",
    "修改": "需要修改的规范性文件",
    "废止": "决定废止的规范性文件",
    "宣布失效": "宣布失效的规范性文件",
}


def _campaign_basis(trigger: str, trigger_ref: str) -> str:
    """Why the campaign was run, as the opening words of the notice."""
    if trigger == "higher_law" and trigger_ref:
        return f"鉴于{trigger_ref}"
    if trigger == "instruction" and trigger_ref:
        return f"根据上级部署（{official_number(trigger_ref)}）"
    return "根据规范性文件定期清理的有关规定"


def campaign_name_for_title(name: str) -> str:
    """“2026年度规范性文件清理” as it reads in 关于公布…结果的通知 (no doubled 结果)."""
    name = (name or "").strip()
    return name.removesuffix("结果") if name.endswith("结果") else name


def cleanup_catalogue_context(
    campaign,
    groups,
    *,
    issuer: str,
    office_name: str,
    revision_due_on: date | None = None,
    revision_months: int = 3,
    cc: str = "",
    printer: str = "",
) -> dict:
    """The context of 关于公布…结果的通知 with its catalogue: one table per non-empty result category.

    `groups` maps each result (anything with a .label, in the notice's order) to its rows, as
    tracker.cleanup.services.catalogue returns them: title, issue_number, normative_number, reason.
    """
    name = campaign_name_for_title(campaign.name)
    categories, counts = [], []
    for result, rows in groups.items():
        if not rows:
            continue  # an empty category leaves no heading and no table behind
        counts.append(f"{result.label}{len(rows)}件")
        categories.append(
            {
                "no": cn_numeral(len(categories) + 1),
                "label": result.label,
                "heading": CATALOGUE_HEADINGS.get(result.label, f"{result.label}的规范性文件"),
                "count": len(rows),
                "rows": [
                    {
                        "no": i,
                        "title": (row["title"] or "").strip(),
                        # Both numbers, one a line: the 发文字号 and the 规范性文件统一编号.
                        "numbers": "\n".join(
                            unique([official_number(row["issue_number"]), official_number(row["normative_number"])])
                        ),
                        "reason": (row["reason"] or "").strip(),
                    }
                    for i, row in enumerate(rows, start=1)
                ],
            }
        )
    labels = {c["label"] for c in categories}
    total = sum(c["count"] for c in categories)
    meeting = (getattr(campaign, "deliberation_meeting", None) or "").strip()
    deliberation = f"，并经{meeting}于{date_cn(campaign.deliberated_on)}审议通过" if meeting else ""
    effects = []
    ended = {"废止": "决定废止", "宣布失效": "宣布失效"}
    ended_text = "和".join(text for label, text in ended.items() if label in labels)
    if ended_text:
        effects.append(f"{ended_text}的规范性文件，自本通知公布之日起停止执行。")
    if "修改" in labels:
        due = f"于{date_cn(revision_due_on)}前" if revision_due_on else f"自本通知公布之日起{revision_months}个月内"
        effects.append(f"需要修改的规范性文件，由起草单位{due}完成修改，并按程序报送合法性审查。")
    if "继续有效" in labels:
        effects.append("继续有效的规范性文件继续施行；未规定有效期的，按规定定期评估。")
    kind = campaign.kind.label
    facts = [f"清理类型：{kind}", f"清理截止日期：{date_cn(campaign.cutoff_on)}"]
    if meeting:
        facts.append(f"审议：{meeting}（{date_cn(campaign.deliberated_on)}）")
    if campaign.published_on:
        facts.append(f"公布日期：{date_cn(campaign.published_on)}")
    title = f"{issuer}关于公布{name}结果的通知"
    return {
        "organ_mark": f"{issuer}文件",
        "issuer": issuer,
        "title": title,
        "heading": "\n".join(title_lines(title)),
        "number": official_number(getattr(campaign, "notice_number", None)),
        "addressee": "各村（社区），镇属各部门、各单位",
        "opening": (
            f"{_campaign_basis(campaign.trigger.value, (campaign.trigger_ref or '').strip())}，{issuer}以"
            f"{date_cn(campaign.cutoff_on)}为截止日期，对现行有效的规范性文件开展了{kind}。"
            f"经各起草单位提出清理意见、{office_name}审核{deliberation}，现将清理结果公布如下。"
        ),
        "summary": f"本次清理共涉及规范性文件{total}件，其中" + "，".join(counts) + "（目录见附件）。"
        if counts
        else "",
        "effects": [{"text": text} for text in effects],
        "name": name,
        "kind": kind,
        "cutoff_on": date_cn(campaign.cutoff_on),
        "meeting": meeting,
        "deliberated_on": date_cn(campaign.deliberated_on),
        "published_on": date_cn(campaign.published_on),
        "catalogue_title": f"{name}结果目录",
        "catalogue_facts": "；".join(facts),
        "categories": categories,
        "total": total,
        "signed_on": date_cn(campaign.published_on),
        "cc": sentence(cc) if cc else "",
        "printer": printer or issuer,
        "printed_on": date_cn(campaign.published_on),
    }


# --- what the template may use, and sample records ---------------------------------------------------------

FIELDS = (
    Field("organ_mark", "发文机关标志（如 某某镇人民政府文件）", True),
    Field("issuer", "发文机关（落款）", True),
    Field("title", "通知标题（一行，如 某某镇人民政府关于公布…结果的通知）"),
    Field("heading", "通知标题（过长时在词间换行）", True),
    Field("number", "发文字号", True),
    Field("addressee", "主送机关", True),
    Field("opening", "开头段落（清理依据、截止日期、审核和审议情况）", True),
    Field("summary", "清理结果综述（共几件，各类几件）"),
    Field("effects", "清理结果的执行（废止和宣布失效、修改、继续有效各一句）", False, "e.text 一句"),
    Field("name", "清理名称"),
    Field("kind", "清理类型（日常/定期/专项/全面清理）"),
    Field("cutoff_on", "清理截止日期"),
    Field("meeting", "审议会议"),
    Field("deliberated_on", "审议日期"),
    Field("published_on", "公布日期"),
    Field("catalogue_title", "附件（结果目录）标题", True),
    Field("catalogue_facts", "目录标题下的说明（类型、截止日期、审议、公布）"),
    Field(
        "categories",
        "各类清理结果（没有文件的类别不列出）",
        True,
        "c.no 序号（一、二…），c.label 继续有效/修改/废止/宣布失效，c.heading 标题，c.count 件数，"
        "c.rows 文件：r.no 序号，r.title 文件名称，r.numbers 发文字号和规范性文件编号，r.reason 理由",
    ),
    Field("total", "清理文件总数"),
    Field("signed_on", "成文日期（公布日期）", True),
    Field("cc", "抄送机关（版记）"),
    Field("printer", "印发机关（版记）", True),
    Field("printed_on", "印发日期（版记）", True),
)


def _sample_campaign(*, full: bool) -> NS:
    return NS(
        name="某某镇2026年度规范性文件专项清理" if full else "某某镇2026年度规范性文件定期清理",
        kind=Label("专项清理" if full else "定期清理"),
        trigger=NS(value="higher_law" if full else "schedule"),
        trigger_ref="《优化营商环境条例》已修改" if full else None,
        cutoff_on=date(2026, 6, 30),
        deliberation_meeting="镇政府常务会议",
        deliberated_on=date(2026, 7, 10),
        published_on=date(2026, 7, 20),
        notice_number="某府[2026]12号" if full else None,
    )


def _sample_rows(n: int, what: str) -> list[dict]:
    return [
        {
            "title": f"某某镇某某{what}管理办法（{i}）",
            "issue_number": f"某府〔2024〕{i}号",
            "normative_number": f"某府规字〔2024〕{i}号",
            "reason": "与现行法律法规相符，仍需继续实施。",
        }
        for i in range(1, n + 1)
    ]


def samples() -> list[dict]:
    full = {
        Label("继续有效"): _sample_rows(2, "事务"),
        Label("修改"): _sample_rows(1, "补助"),
        Label("废止"): _sample_rows(1, "收费"),
        Label("宣布失效"): _sample_rows(1, "临时"),
    }
    sparse = {Label("继续有效"): _sample_rows(1, "事务"), Label("修改"): [], Label("废止"): []}
    return [
        cleanup_catalogue_context(
            _sample_campaign(full=True),
            full,
            issuer="某某镇人民政府",
            office_name="某某镇司法所",
            revision_due_on=date(2026, 10, 20),
            cc="某某市司法局",
            printer="某某镇人民政府办公室",
        ),
        cleanup_catalogue_context(
            _sample_campaign(full=False), sparse, issuer="某某镇人民政府", office_name="某某镇司法所"
        ),
    ]


SPEC = TemplateSpec(KIND, FIELDS, samples)


# --- the records behind it -------------------------------------------------------------------------------


def may_generate_catalogue(actor) -> bool:
    """The office publishes the notice; the 司法所 runs the clean-up: either may produce the catalogue."""
    return may(actor, "office") or may(actor, "review")


def catalogue_filename(campaign: CleanupCampaign, version_no: int = 1) -> str:
    suffix = f"（第{version_no}版）" if version_no > 1 else ""
    name = campaign_name_for_title(campaign.name)
    return clean_filename(f"{short_title(name)}结果目录{suffix}.docx")


def catalogue_context_for(campaign: CleanupCampaign) -> dict:
    revision_due = min((i.revision_due_on for i in campaign.items if i.revision_due_on), default=None)
    authority = organs.first_unit(UnitKind.FILING_AUTHORITY)
    printer = organs.first_unit(UnitKind.GOVERNMENT_OFFICE, campaign.town_id)
    return cleanup_catalogue_context(
        campaign,
        catalogue(campaign),
        issuer=organs.government(campaign.town_id).name,
        office_name=organs.judicial_office_name(campaign.town_id),
        revision_due_on=revision_due,
        revision_months=get_rule("revision_after_cleanup").value,
        # The result is reported to the city justice bureau (docs/rules.md §6).
        cc=authority.name if authority is not None else "",
        printer=printer.name if printer is not None else "",
    )


def render_cleanup_catalogue(campaign: CleanupCampaign) -> store.Rendered:
    """The notice with its catalogue as .docx bytes (not stored): what `flask word render cleanup-catalogue` writes."""
    if campaign.phase is not CampaignPhase.PUBLISHED:
        raise InvalidTransition("清理结果公布后才能生成结果目录（公布日期和文号写入通知）。")
    return store.render(KIND, catalogue_context_for(campaign), catalogue_filename(campaign))


def catalogue_versions(campaign: CleanupCampaign) -> list[GeneratedDocument]:
    return store.versions_of(KIND, OBJECT_TYPE, campaign.id)


def generate_cleanup_catalogue(campaign: CleanupCampaign, *, actor, now: datetime) -> GeneratedDocument:
    if not may_generate_catalogue(actor):
        raise PermissionDenied("只有党政办文秘或司法所审查员可以生成清理结果目录。")
    return store.store(
        KIND,
        object_type=OBJECT_TYPE,
        object_id=campaign.id,
        rendered=render_cleanup_catalogue(campaign),
        filename_for=lambda n: catalogue_filename(campaign, n),
        actor=actor,
        now=now,
    )
