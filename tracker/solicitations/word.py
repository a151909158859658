"""关于《…》的意见, the reply to a higher level's draft for comment, as a Word file: context, fields, samples."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace as NS

from tracker.auth.models import Unit, UnitKind
from tracker.common.numbering import format_number, next_serial
from tracker.common.timeutil import office_today
from tracker.errors import ValidationFailed
from tracker.extensions import db
from tracker.files.uploads import clean_filename
from tracker.rules.ruleset import get_setting
from tracker.solicitations.models import Solicitation, SolicitationPhase
from tracker.word import organs, store
from tracker.word.models import GeneratedDocument, OutputKind
from tracker.word.spec import Field, TemplateSpec
from tracker.word.text import book_title, date_cn, official_number, short_title, text_paragraphs, title_lines

KIND = OutputKind.COMMENT_REPLY

# --- the context (pure) -------------------------------------------------------------------------------------


def reply_paragraphs(text: str | None) -> list[dict]:
    """The reply text, one paragraph a non-empty line; 一、 lines are first-level headings, （一） second-level."""
    return text_paragraphs(text)


def has_reply(sol) -> bool:
    """There is something to print: a saved reply text, or the registered answer 无修改意见."""
    return bool(reply_paragraphs(sol.reply_text)) or sol.phase is SolicitationPhase.NO_COMMENT


def comment_reply_context(
    solicitation,
    *,
    issuer: str,
    reply_on: date | None,
    contact: str = "",
    phone: str = "",
    number: str = "",
    we: str = "我镇",
    printer: str = "",
) -> dict:
    """The context of 关于《…》的意见, a letter of `issuer` to the body that sent the draft for comment.

    Its own 文号 is `number` ("" in a draft not yet sent); the incoming 文号 is quoted after the draft's title.
    """
    draft = book_title(solicitation.title)
    paragraphs = reply_paragraphs(solicitation.reply_text)
    no_comment = not paragraphs and getattr(solicitation.phase, "value", "") == "no_comment"
    what = draft if "征求意见稿" in draft else f"{draft}（征求意见稿）"
    reference = official_number(solicitation.reference)
    received = f"{what}（{reference}）收悉" if reference else f"{what}收悉"
    if no_comment:
        opening, closing = f"{received}。经认真研究，{we}对该征求意见稿无修改意见。", "特此函复。"
    else:
        opening, closing = f"{received}。经认真研究，现将{we}意见反馈如下：", "以上意见，供参考。"
    title = f"关于{draft}的意见"
    return {
        "organ_mark": issuer,
        "number": official_number(number),
        "heading": "\n".join(title_lines(title)),
        "addressee": (solicitation.from_body or "").strip(),
        "title": title,
        "draft_title": draft,
        "reference": reference,
        "opening": opening,
        "paragraphs": paragraphs,
        "closing": closing,
        "issuer": issuer,
        "signed_on": date_cn(reply_on),
        "contact": (contact or "").strip(),
        "phone": (phone or "").strip(),
        "cc": "",
        "printer": printer or issuer,
        "printed_on": date_cn(reply_on),
    }


# --- what the template may use, and sample records ---------------------------------------------------------

FIELDS = (
    Field("organ_mark", "发文机关标志（答复机关名称）", True),
    Field("number", "答复函的发文字号（发出前为空）"),
    Field("heading", "标题（过长时在词间换行，不在括号内断开）", True),
    Field("addressee", "主送（来文单位）", True),
    Field("title", "标题（一行，关于《…》的意见）"),
    Field("draft_title", "征求意见稿名称（带书名号）"),
    Field("reference", "来文文号"),
    Field("opening", "开头一句（…收悉。经认真研究…）", True),
    Field("paragraphs", "答复意见各段", True, "p.text 段落，p.level 1 一级标题（一、），2 二级标题（（一）），0 正文"),
    Field("closing", "结束语（以上意见，供参考。）"),
    Field("issuer", "落款单位", True),
    Field("signed_on", "成文日期", True),
    Field("contact", "联系人"),
    Field("phone", "联系电话"),
    Field("cc", "抄送机关（版记）"),
    Field("printer", "印发机关（版记）", True),
    Field("printed_on", "印发日期（版记）", True),
)


def samples() -> list[dict]:
    def solicitation(reply: str, phase: str, reference: str | None) -> NS:
        return NS(
            from_body="某某市司法局",
            title="某某市行政规范性文件管理办法（征求意见稿）",
            reference=reference,
            reply_text=reply,
            phase=NS(value=phase),
        )

    reply = "一、关于第五条\n（一）建议明确“有关部门”的具体范围。\n建议增加镇街备案的时限要求。\n二、其他\n无。"
    return [
        comment_reply_context(
            solicitation(reply, "drafting", "某司函[2026]8号"),
            issuer="某某镇人民政府",
            reply_on=date(2026, 5, 6),
            contact="联系人甲",
            phone="0760-00000000",
            number="某府函〔2026〕15号",
            printer="某某镇人民政府办公室",
        ),
        comment_reply_context(solicitation("", "no_comment", None), issuer="某某镇人民政府", reply_on=date(2026, 5, 6)),
    ]


SPEC = TemplateSpec(KIND, FIELDS, samples)


# --- the records behind it -------------------------------------------------------------------------------

OBJECT_TYPE = "solicitation"


def replying_organ(sol: Solicitation) -> Unit:
    """The organ that signs: the one chosen on the reply, else the town government."""
    return sol.reply_unit if sol.reply_unit is not None else organs.government(sol.town_id)


def reply_number(sol: Solicitation, organ: Unit, year: int) -> str:
    """The reply's own 文号, taken once from the organ's 函 series (e.g. 沙府函〔2026〕8号) and kept."""
    if sol.reply_number:
        return sol.reply_number
    if not organ.number_prefix:
        raise ValidationFailed(f"“{organ.name}”尚未设置发文代字，无法为答复函编号，请管理员在单位管理中设置。")
    prefix = f"{organ.number_prefix}函"
    seq = next_serial(f"issue:{prefix}", year)
    sol.reply_number = format_number(get_setting("issue_number_pattern"), year=year, seq=seq, prefix=prefix)
    db.session.flush()
    return sol.reply_number


def comment_reply_filename(sol: Solicitation, version_no: int = 1) -> str:
    suffix = f"（第{version_no}版）" if version_no > 1 else ""
    return clean_filename(f"关于{book_title(short_title(sol.title))}的意见{suffix}.docx")


def render_comment_reply(sol: Solicitation, *, now: datetime) -> store.Rendered:
    """关于《…》的意见, dated the day it was sent (today while it is being drafted, without a 文号 yet)."""
    if not has_reply(sol):
        raise ValidationFailed("尚未填写答复意见：请先保存答复意见（或登记为“无修改意见”）再生成答复函。")
    organ = replying_organ(sol)
    office = organs.first_unit(UnitKind.GOVERNMENT_OFFICE, sol.town_id)
    is_government = organ.kind is UnitKind.GOVERNMENT
    assignee = sol.assignee
    context = comment_reply_context(
        sol,
        issuer=organ.name,
        reply_on=sol.sent_on or office_today(now),
        contact=assignee.display_name if assignee is not None else "",
        phone=(assignee.phone or "") if assignee is not None else "",
        number=sol.reply_number or "",
        we="我镇" if is_government else "我所",
        printer=office.name if is_government and office is not None else organ.name,
    )
    return store.render(KIND, context, comment_reply_filename(sol))


def versions(sol: Solicitation) -> list[GeneratedDocument]:
    return store.versions_of(KIND, OBJECT_TYPE, sol.id)


def generate_comment_reply(sol: Solicitation, *, actor, now: datetime) -> GeneratedDocument:
    """The letter as sent: its number taken (once), dated the day it is sent, kept as the next version."""
    organ = replying_organ(sol)
    reply_number(sol, organ, (sol.sent_on or office_today(now)).year)
    return store.store(
        KIND,
        object_type=OBJECT_TYPE,
        object_id=sol.id,
        rendered=render_comment_reply(sol, now=now),
        filename_for=lambda n: comment_reply_filename(sol, n),
        actor=actor,
        now=now,
    )
