"""集体审议材料 as a Word file: how the drafting unit answered the legality review, every opinion not adopted.

国办发〔2018〕37号: opinions of the legality review that are not adopted are explained at the collective deliberation
(docs/rules.md §4). The material lists each round's opinion and conclusion, then every finding answered 不采纳 or
部分采纳 with the drafter's reason. It is rendered on request and not stored (nothing is written).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from types import SimpleNamespace as NS

from tracker.common.timeutil import office_today
from tracker.documents.models import Document
from tracker.errors import InvalidTransition
from tracker.files.uploads import clean_filename
from tracker.review.services import rounds_of
from tracker.word import store
from tracker.word.models import OutputKind
from tracker.word.spec import Field, TemplateSpec
from tracker.word.text import book_title, date_cn, official_number, short_title

KIND = OutputKind.DELIBERATION_MATERIAL
ADOPTED = "adopted"
LABELS = {"adopted": "采纳", "partly": "部分采纳", "not_adopted": "不采纳"}  # for the samples' stand-in answers


def deliberation_material_context(document, rounds: Sequence, *, drafted_on: date) -> dict:
    """`rounds`: the document's review rounds (with opinion, conclusion and findings), first round first."""
    opinions, items = [], []
    for rnd in rounds:
        opinion = getattr(rnd, "opinion", None)
        if opinion is None or rnd.conclusion is None:
            continue
        opinions.append(
            {
                "round": rnd.round_no,
                "text": f"第{rnd.round_no}轮：{official_number(opinion.number)}（{date_cn(opinion.issued_on)}），"
                f"审查结论为“{rnd.conclusion.label}”，提出具体意见{len(rnd.findings)}条。",
            }
        )
        for f in sorted(rnd.findings, key=lambda f: (f.position, f.id or 0)):
            if f.response is None or f.response.value == ADOPTED:
                continue
            items.append(
                {
                    "no": len(items) + 1,
                    "where": f"第{rnd.round_no}轮 {(f.clause or '').strip() or '总体'}",
                    "opinion": "；".join(
                        part for part in ((f.problem or "").strip(), (f.suggestion or "").strip()) if part
                    ),
                    "response": f.response.label,
                    "reason": (f.response_reason or "").strip(),
                }
            )
    title = book_title(document.title)
    adopted_all = bool(opinions) and not items
    return {
        "title": f"关于{title}合法性审查意见采纳情况的说明",
        "doc_title": title,
        "drafting_unit": document.drafting_unit.name,
        "opening": f"{title}已经司法所合法性审查。现将审查意见及我单位的采纳情况报告如下，供集体审议时参阅。",
        "opinions": opinions,
        "items": items,
        "items_count": len(items),
        "none_note": "对合法性审查提出的意见，我单位已全部采纳。" if adopted_all else "",
        "signed_on": date_cn(drafted_on),
    }


def samples() -> list[dict]:
    """A document with one opinion not adopted and one partly adopted, and one whose opinions were all adopted."""

    def finding(i, clause, response, reason):
        return NS(
            id=i,
            position=i,
            clause=clause,
            problem="规定对违规行为处以罚款，属于设定行政处罚。",
            suggestion="删除罚款规定。",
            response=NS(value=response, label=LABELS[response]),
            response_reason=reason,
        )

    doc = NS(title="某某镇某某管理办法", drafting_unit=NS(name="某某镇综合行政执法局"))
    mixed = NS(
        round_no=1,
        opinion=NS(number="沙司审[2026]3号", issued_on=date(2026, 3, 10)),
        conclusion=NS(label="基本合法，建议修改后出台"),
        findings=[
            finding(1, "第五条", "not_adopted", "该条为提示性规定，已注明依据《中华人民共和国行政处罚法》"),
            finding(2, "第八条", "partly", "保留备案要求，删除审批表述"),
            finding(3, "", "adopted", ""),
        ],
    )
    clean = NS(
        round_no=1,
        opinion=NS(number="沙司审〔2026〕4号", issued_on=date(2026, 3, 12)),
        conclusion=NS(label="基本合法，建议修改后出台"),
        findings=[finding(1, "第二条", "adopted", "")],
    )
    return [
        deliberation_material_context(doc, [mixed], drafted_on=date(2026, 3, 20)),
        deliberation_material_context(doc, [clean], drafted_on=date(2026, 3, 20)),
    ]


FIELDS = (
    Field("title", "标题（关于《…》合法性审查意见采纳情况的说明）", True),
    Field("doc_title", "文件名称（带书名号）"),
    Field("drafting_unit", "起草单位（落款）", True),
    Field("opening", "开头段落", True),
    Field("opinions", "各轮审查意见书及结论", True, "o.round 轮次，o.text 一句说明"),
    Field(
        "items",
        "未采纳或部分采纳的意见",
        True,
        "i.no 序号，i.where 轮次和条款，i.opinion 审查意见，i.response 不采纳/部分采纳，i.reason 理由",
    ),
    Field("items_count", "未采纳或部分采纳的意见条数"),
    Field("none_note", "全部采纳时的说明（有未采纳的意见时为空）"),
    Field("signed_on", "日期", True),
)

SPEC = TemplateSpec(KIND, FIELDS, samples)


def render_deliberation_material(doc: Document, *, now: datetime) -> store.Rendered:
    """How the drafter answered the review, every opinion not adopted with its reason (rendered on request)."""
    rounds = rounds_of(doc)
    if not any(r.opinion is not None for r in rounds):
        raise InvalidTransition("该文件尚未出具合法性审查意见，没有审议材料可生成。")
    context = deliberation_material_context(doc, rounds, drafted_on=office_today(now))
    name = clean_filename(f"{book_title(short_title(doc.title))}审查意见采纳情况说明.docx")
    return store.render(KIND, context, name)
