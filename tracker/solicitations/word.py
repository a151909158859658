"""关于《…》的意见, the reply to a higher level's draft for comment, as a Word file: context, fields, samples."""

from __future__ import annotations

import re
from datetime import date, datetime
from types import SimpleNamespace as NS

from tracker.common.timeutil import office_today
from tracker.errors import ValidationFailed
from tracker.files.uploads import clean_filename
from tracker.solicitations.models import Solicitation, SolicitationPhase
from tracker.word import organs, store
from tracker.word.models import OutputKind
from tracker.word.spec import Field, TemplateSpec
from tracker.word.text import book_title, date_cn, official_number, short_title

KIND = OutputKind.COMMENT_REPLY

# --- the context (pure) -------------------------------------------------------------------------------------

_HEADING_1 = re.compile(r"^[一二三四五六七八九十]+、")
_HEADING_2 = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
# Leading spaces a clerk types to indent (ASCII, ideographic, non-breaking): the template indents itself.
_INDENT = " \t\u3000\u00a0"


def reply_paragraphs(text: str | None) -> list[dict]:
    """The reply text, one paragraph a non-empty line; 一、 lines are first-level headings, （一） second-level."""
    out = []
    for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip(_INDENT).rstrip()
        if not line:
            continue
        level = 1 if _HEADING_1.match(line) else 2 if _HEADING_2.match(line) else 0
        out.append({"text": line, "level": level})
    return out


def has_reply(sol) -> bool:
    """There is something to print: a saved reply text, or the registered answer 无修改意见."""
    return bool(reply_paragraphs(sol.reply_text)) or sol.phase is SolicitationPhase.NO_COMMENT


def comment_reply_context(
    solicitation, *, issuer: str, reply_on: date | None, contact: str = "", phone: str = ""
) -> dict:
    """The context of 关于《…》的意见, addressed to the body that sent the draft for comment."""
    draft = book_title(solicitation.title)
    paragraphs = reply_paragraphs(solicitation.reply_text)
    no_comment = not paragraphs and getattr(solicitation.phase, "value", "") == "no_comment"
    what = draft if "征求意见稿" in draft else f"{draft}（征求意见稿）"
    if no_comment:
        opening, closing = f"{what}收悉。经认真研究，我镇对该征求意见稿无修改意见。", "特此函复。"
    else:
        opening, closing = f"{what}收悉。经认真研究，现将我镇意见反馈如下：", "以上意见，供参考。"
    return {
        "addressee": (solicitation.from_body or "").strip(),
        "title": f"关于{draft}的意见",
        "draft_title": draft,
        "reference": official_number(solicitation.reference),
        "opening": opening,
        "paragraphs": paragraphs,
        "closing": closing,
        "issuer": issuer,
        "signed_on": date_cn(reply_on),
        "contact": (contact or "").strip(),
        "phone": (phone or "").strip(),
    }


# --- what the template may use, and sample records ---------------------------------------------------------

FIELDS = (
    Field("addressee", "主送（来文单位）", True),
    Field("title", "标题（关于《…》的意见）", True),
    Field("draft_title", "征求意见稿名称（带书名号）"),
    Field("reference", "来文文号"),
    Field("opening", "开头一句（…收悉。经认真研究…）", True),
    Field("paragraphs", "答复意见各段", True, "p.text 段落，p.level 1 一级标题（一、），2 二级标题（（一）），0 正文"),
    Field("closing", "结束语（以上意见，供参考。）"),
    Field("issuer", "落款单位", True),
    Field("signed_on", "成文日期", True),
    Field("contact", "联系人"),
    Field("phone", "联系电话"),
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
        ),
        comment_reply_context(solicitation("", "no_comment", None), issuer="某某镇人民政府", reply_on=date(2026, 5, 6)),
    ]


SPEC = TemplateSpec(KIND, FIELDS, samples)


# --- the records behind it -------------------------------------------------------------------------------


def comment_reply_filename(sol: Solicitation) -> str:
    return clean_filename(f"关于{book_title(short_title(sol.title))}的意见.docx")


def render_comment_reply(sol: Solicitation, *, now: datetime) -> store.Rendered:
    """关于《…》的意见, dated the day it was sent (today while it is being drafted)."""
    if not has_reply(sol):
        raise ValidationFailed("尚未填写答复意见：请先保存答复意见（或登记为“无修改意见”）再生成答复函。")
    assignee = sol.assignee
    context = comment_reply_context(
        sol,
        issuer=organs.government().name,
        reply_on=sol.sent_on or office_today(now),
        contact=assignee.display_name if assignee is not None else "",
        phone=(assignee.phone or "") if assignee is not None else "",
    )
    return store.render(KIND, context, comment_reply_filename(sol))
