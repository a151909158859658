"""Plain dicts for the Word templates, built from records already loaded (pure: no queries, no Flask, no clock).

Every value is a string, a bool, an int or a list/dict of those, so a template edited in Word can only print
data; what is optional is given as "" or [] and the template drops the paragraph ({%p if %}).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

CN_DIGITS = "零一二三四五六七八九"
_END_PUNCT = tuple("。！？；.!?;）)”")
# A year written in square, round or lenticular brackets; official numbers use 〔〕 (GB/T 9704 §7.2.4).
_YEAR_BRACKETS = re.compile(r"[\[［(（【〔](\d{4})[\]］)）】〕]")


def cn_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 101 → 一百零一, 110 → 一百一十 (section and item numbers, up to 9999)."""
    if not 0 < n < 10000:
        raise ValueError(f"out of range: {n}")
    if 10 <= n < 20:
        return "十" + (CN_DIGITS[n - 10] if n > 10 else "")
    out, zero = [], False
    for unit, value in (("千", 1000), ("百", 100), ("十", 10), ("", 1)):
        digit = n // value % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(CN_DIGITS[digit] + unit)
    return "".join(out)


def date_cn(value: date | None) -> str:
    """成文日期 with Arabic numerals, no leading zeros (GB/T 9704 §7.3.5.1): 2026年3月5日."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def official_number(number: str | None) -> str:
    """Write the year of a 文号 in hexagonal brackets: 沙司审[2026]3号 → 沙司审〔2026〕3号."""
    return _YEAR_BRACKETS.sub(r"〔\1〕", (number or "").strip())


def sentence(text: str | None) -> str:
    """Free text as a sentence of the document: trimmed, ending with a full stop."""
    text = (text or "").strip()
    if text and not text.endswith(_END_PUNCT):
        text += "。"
    return text


def book_title(title: str) -> str:
    title = (title or "").strip()
    return title if title.startswith("《") else f"《{title}》"


def section_numbers(present: Sequence[str], all_keys: Iterable[str]) -> dict[str, str]:
    """一、二、三… for the sections present, "" for absent ones (so a template never shows a gap in numbering)."""
    numbers = {key: "" for key in all_keys}
    for i, key in enumerate(present, start=1):
        numbers[key] = cn_numeral(i)
    return numbers


def _unique(items: Iterable[str]) -> list[str]:
    return [s for s in dict.fromkeys(i.strip() for i in items) if s]


# --- the review opinion (docs/rules.md §4) ------------------------------------------------------------------

OPINION_SECTIONS = ("basic", "basis", "points", "findings", "conclusion")
# Several findings are laid out as a table; one finding reads better as paragraphs.
TABLE_FROM = 2


def basis_lines(document, findings) -> list[str]:
    """The review basis: the document's declared 制定依据, then the legal bases cited in findings."""
    declared = [
        book_title(b.source.title) + (f"{b.articles.strip()}" if b.articles else "")
        for b in sorted(document.bases, key=lambda b: b.position)
    ]
    cited = [f.legal_basis for f in findings if (f.legal_basis or "").strip()]
    lines = _unique([*declared, *cited])
    # 《行政处罚法》 is implied by 《行政处罚法》第十四条: keep the more precise line only.
    return [line for line in lines if not any(other != line and other.startswith(line) for other in lines)]


def conclusion_note(outcome: str, has_findings: bool) -> str:
    """The closing words follow the conclusion (docs/rules.md §4): only a passing opinion reaches deliberation, so
    only it speaks of explaining unadopted opinions there; a 不同意 opinion says the draft may not go to it."""
    if outcome == "pass" and has_findings:
        return (
            "请你单位对上述建议逐条研究，作出采纳、部分采纳或者不采纳的答复；未予采纳的，应当在提请集体审议时说明理由。"
        )
    if outcome == "pass":
        return "对本审查意见未予采纳的，起草单位应当在提请集体审议时作出说明。"
    if outcome == "return":
        return "请你单位按照上述意见对送审稿进行修改完善，逐条答复后重新报送合法性审查。"
    if outcome == "reject":
        return "该文件未通过合法性审查，依照国办发〔2018〕37号的规定，不得提请集体审议。"
    if outcome == "defer":
        return "请你单位暂缓出台该文件；上述情形消除后，可修改完善并重新报送合法性审查。"
    return ""


def opinion_context(
    opinion, *, office_name: str, materials: Sequence[str], point_order: Sequence, standing_basis: Sequence[str] = ()
) -> dict:
    """The context of 《规范性文件合法性审查意见书》 for an issued Opinion (with its round and document).

    The review basis is always stated: the document's bases and the findings' legal bases, then the rules the
    review itself follows (`standing_basis`, the rule set's `review_basis`).
    """
    rnd, doc = opinion.round, opinion.document
    findings = sorted(rnd.findings, key=lambda f: (f.position, f.id or 0))
    order = {p: i for i, p in enumerate(point_order)}
    points = sorted(rnd.points, key=lambda p: order.get(p.point, len(order)))
    basis = _unique([*basis_lines(doc, findings), *standing_basis])
    present = ["basic", *(["basis"] if basis else []), "points", *(["findings"] if findings else []), "conclusion"]
    reviewers = _unique(u.display_name for u in (rnd.reviewer, getattr(opinion, "issued_by", None)) if u is not None)
    outcome = getattr(getattr(rnd.conclusion, "outcome", None), "value", "pass")
    not_adopted = conclusion_note(outcome, bool(findings))
    return {
        "office_name": office_name,
        "number": official_number(opinion.number),
        "addressee": opinion.addressee,
        "title": doc.title,
        "drafting_unit": doc.drafting_unit.name,
        "received_on": date_cn(rnd.received_on),
        "round_text": f"（第{cn_numeral(rnd.round_no)}次送审）" if rnd.round_no > 1 else "",
        "materials": [{"no": i, "name": name} for i, name in enumerate(materials, start=1)],
        "basis": [{"no": i, "text": text} for i, text in enumerate(basis, start=1)],
        "points": [
            {
                "no": f"（{cn_numeral(i)}）",
                "label": p.point.label,
                "result": p.result.label,
                "note": sentence(p.note),
            }
            for i, p in enumerate(points, start=1)
        ],
        "findings": [
            {
                "no": i,
                "heading": f"（{cn_numeral(i)}）" + (f"关于{f.clause.strip()}" if f.clause.strip() else "总体意见"),
                "clause": f.clause.strip() or "总体",
                "problem": (f.problem or "").strip(),
                "legal_basis": (f.legal_basis or "").strip(),
                "suggestion": (f.suggestion or "").strip(),
            }
            for i, f in enumerate(findings, start=1)
        ],
        "findings_as_table": len(findings) >= TABLE_FROM,
        "findings_count": len(findings),
        "sec": section_numbers(present, OPINION_SECTIONS),
        "summary": (rnd.summary or "").strip(),
        "conclusion": rnd.conclusion.label if rnd.conclusion else "",
        "not_adopted_note": not_adopted,
        "reviewers": "、".join(reviewers),
        "issued_on": date_cn(opinion.issued_on),
    }


# --- the filing report (docs/rules.md §5) -------------------------------------------------------------------


def is_early(publication, min_gap_days: int) -> bool:
    """Took effect less than the rule set's minimum gap after publication (the reason goes into the packet)."""
    if publication.published_on is None or publication.effective_on is None:
        return False
    return (publication.effective_on - publication.published_on).days < min_gap_days


TITLE_LINE_CHARS = 20
# What goes with every filing (docs/rules.md §5) when the caller does not pass the packet's own list.
DEFAULT_ENCLOSURES = ("正式文本", "起草说明", "制定依据", "合法性审查意见书")
EARLY_EFFECT_ENCLOSURE = "提前施行的理由说明"


def enclosure_names(document, labels: Sequence[str], opinion) -> list[str]:
    """The packet's item labels as the report's 附件 lines, naming the document, its bases and the opinion."""
    title = book_title(document.title)
    bases = [book_title(b.source.title) for b in sorted(document.bases, key=lambda b: b.position)]
    names = []
    for label in labels:
        if label in ("正式文本", "起草说明", "政策解读"):
            names.append(f"{title}{label}")
        elif label == "制定依据":
            names.append("制定依据" + (f"（{'、'.join(bases)}）" if bases else ""))
        elif label == "合法性审查意见书" and opinion is not None:
            names.append(f"合法性审查意见书（{official_number(opinion.number)}）")
        else:
            names.append(label)
    return names


def filing_report_context(
    publication,
    *,
    authority_name: str,
    office_name: str,
    opinion,
    effect_min_gap: int,
    report_date: date,
    contact: str = "",
    phone: str = "",
    enclosures: Sequence[str] | None = None,
    early: bool | None = None,
) -> dict:
    """The context of 关于《…》的备案报告 for a publication (with its document), addressed to the filing authority.

    `enclosures` are the filing packet's item labels (default: the four materials every filing carries, plus the
    early-effect reason when the document took effect sooner than `effect_min_gap` days after publication).
    """
    doc = publication.document
    early = is_early(publication, effect_min_gap) if early is None else early
    if enclosures is None:
        enclosures = [*DEFAULT_ENCLOSURES, *([EARLY_EFFECT_ENCLOSURE] if early else [])]
    numbers = _unique([official_number(publication.issue_number), official_number(publication.normative_number)])
    return {
        "title": doc.title,
        # A title line holds 20 characters at 22 pt: a long title breaks before 备案报告, not in mid-word.
        "title_break": "\n" if len(doc.title) + len("关于《》的备案报告") > TITLE_LINE_CHARS else "",
        "authority": authority_name,
        "issuer": doc.issuer.name,
        "office_name": office_name,
        "signed_on": date_cn(publication.signed_on),
        "numbers": "，".join(numbers),
        "issue_number": official_number(publication.issue_number),
        "normative_number": official_number(publication.normative_number),
        "published_on": date_cn(publication.published_on),
        "channel": (publication.channel or "").strip(),
        "url": (publication.url or "").strip(),
        "effective_on": date_cn(publication.effective_on),
        "validity_end_on": date_cn(publication.validity_end_on),
        "opinion_number": official_number(opinion.number) if opinion is not None else "",
        "opinion_conclusion": (
            opinion.round.conclusion.label if opinion is not None and opinion.round.conclusion else ""
        ),
        "early_effect": early,
        "effect_min_gap": effect_min_gap,
        "early_effect_reason": (publication.early_effect_reason or "").strip().rstrip("。") if early else "",
        # 附件：1. … then the next items aligned under the first (three ideographic spaces = "附件：").
        "enclosures": [
            {"no": i, "name": name, "prefix": "附件：" if i == 1 else "\u3000" * 3}
            for i, name in enumerate(enclosure_names(doc, enclosures, opinion), start=1)
        ],
        "report_date": date_cn(report_date),
        "contact": contact.strip(),
        "phone": phone.strip(),
    }


# --- the clean-up result notice and catalogue (docs/rules.md §6) ----------------------------------------------

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
                            _unique([official_number(row["issue_number"]), official_number(row["normative_number"])])
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
    return {
        "issuer": issuer,
        "title": f"{issuer}关于公布{name}结果的通知",
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
    }


# --- the annual statistics as a section of the annual report (docs/rules.md §7) -----------------------------------

# What each rate counts: (numerator, denominator), as the office explains it in the report.
RATE_BASIS = {
    "review_rate": ("经合法性审查通过后发布的文件", "年内统一发布的文件"),
    "publication_rate": ("已在政府网站统一发布的文件（含年底签发、次年初发布的）", "年内登记编号的文件"),
    "filing_rate": ("已报送备案的文件", "年内统一发布的文件"),
    "on_time_rate": ("在规定期限内报送备案的文件", "已报送备案的文件"),
}


def annual_statistics_context(stats, *, town: str, paragraph: str, counted_on: date) -> dict:
    """The context of “{town}{year}年度行政规范性文件管理情况”: the report paragraph, the rates, the figures."""
    rates = []
    for i, rate in enumerate(stats.rates.values(), start=1):
        numerator, denominator = RATE_BASIS.get(rate.key, ("", ""))
        rates.append(
            {
                "no": i,
                "label": rate.label,
                "text": rate.text,
                "numerator": str(rate.numerator),
                "denominator": str(rate.denominator),
                "basis": f"{numerator}÷{denominator}" if numerator else "",
            }
        )
    figures = [
        {
            "no": i,
            "label": fig.label,
            "value": str(fig.value),
            "breakdown": "；".join(f"{k}{v}" for k, v in fig.breakdown.items()),
        }
        for i, fig in enumerate(stats.figures.values(), start=1)
    ]
    return {
        "title": f"{town}{stats.year}年度行政规范性文件管理情况",
        "town": town,
        "year": str(stats.year),
        "paragraph": (paragraph or "").strip(),
        "rates": rates,
        "figures": figures,
        "note": f"注：各项数据按有关记录的日期统计，统计日期为{date_cn(counted_on)}；比率的分母为零时记为“—”。",
    }


# --- the reply to a higher level's draft for comment (征求意见答复) ---------------------------------------------

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
