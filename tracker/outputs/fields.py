"""What each Word template may use: its fields (with labels for the office), the required ones, sample contexts.

One TemplateSpec per output kind: the review opinion, the filing report, the clean-up result catalogue, the annual
statistics and the reply to a draft for comment. A new kind adds a spec here (fields, a builder in build_templates.py,
a context function) and gets upload, validation, versions and preview for free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import SimpleNamespace as NS

from tracker.outputs import deliberation
from tracker.outputs.context import (
    annual_statistics_context,
    cleanup_catalogue_context,
    comment_reply_context,
    filing_report_context,
    opinion_context,
)
from tracker.outputs.models import OutputKind


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    required: bool = False
    items: str = ""  # for lists: what each item holds, for the help table


@dataclass(frozen=True)
class TemplateSpec:
    kind: OutputKind
    builtin: str  # file name under tracker/outputs/docx/
    fields: tuple[Field, ...]
    samples: Callable[[], list[dict]]

    @property
    def names(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields)

    @property
    def required(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.required)


OPINION_FIELDS = (
    Field("office_name", "司法所名称", True),
    Field("number", "意见书编号（如 沙司审〔2026〕3号）", True),
    Field("addressee", "主送单位", True),
    Field("title", "文件名称（不含书名号）", True),
    Field("drafting_unit", "起草单位", True),
    Field("received_on", "收件日期", True),
    Field("round_text", "第几次送审（首次送审为空）"),
    Field("materials", "送审材料", True, "m.no 序号，m.name 材料名称"),
    Field("basis", "审查依据", True, "b.no 序号，b.text 依据"),
    Field("points", "各审查要点的审查情况", True, "p.no（一），p.label 要点，p.result 符合/不符合/不适用，p.note 说明"),
    Field(
        "findings",
        "具体修改意见",
        True,
        "f.no 序号，f.heading（一）关于某条，f.clause 条款，f.problem 存在问题，"
        "f.legal_basis 依据，f.suggestion 修改意见",
    ),
    Field("findings_as_table", "修改意见多于一条时为真（以表格列出）"),
    Field("findings_count", "修改意见条数"),
    Field("sec", "各部分的序号（sec.basic、sec.basis、sec.points、sec.findings、sec.conclusion）"),
    Field("summary", "审查意见综述"),
    Field("conclusion", "审查结论", True),
    Field("not_adopted_note", "“未予采纳的意见应当说明”的提示语", True),
    Field("reviewers", "审查人", True),
    Field("issued_on", "出具日期", True),
)

FILING_REPORT_FIELDS = (
    Field("title", "文件名称（不含书名号）", True),
    Field("title_break", "标题过长时在“备案报告”前换行"),
    Field("authority", "备案审查机关（主送）", True),
    Field("issuer", "制定机关（落款）", True),
    Field("office_name", "司法所名称"),
    Field("signed_on", "印发日期", True),
    Field("numbers", "发文字号和统一编号", True),
    Field("issue_number", "发文字号"),
    Field("normative_number", "规范性文件统一编号"),
    Field("published_on", "公布日期", True),
    Field("channel", "公布渠道"),
    Field("url", "公布网址"),
    Field("effective_on", "施行日期"),
    Field("validity_end_on", "有效期截止日期"),
    Field("opinion_number", "合法性审查意见书编号"),
    Field("opinion_conclusion", "合法性审查结论"),
    Field("early_effect", "公布后不足规定天数即施行时为真"),
    Field("effect_min_gap", "规定的公布至施行最短天数"),
    Field("early_effect_reason", "提前施行的理由"),
    Field("enclosures", "附件目录", True, "e.no 序号，e.name 附件名称，e.prefix 第一项为“附件：”，其余为等宽空格"),
    Field("report_date", "报告日期", True),
    Field("contact", "联系人"),
    Field("phone", "联系电话"),
)

CLEANUP_CATALOGUE_FIELDS = (
    Field("issuer", "发文机关（落款）", True),
    Field("title", "通知标题（如 某某镇人民政府关于公布…结果的通知）", True),
    Field("number", "发文字号（未填写时为空）"),
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
)

ANNUAL_STATISTICS_FIELDS = (
    Field("title", "标题（如 某某镇2026年度行政规范性文件管理情况）", True),
    Field("town", "镇名"),
    Field("year", "年度"),
    Field("paragraph", "年度报告段落", True),
    Field(
        "rates",
        "各项比率",
        True,
        "r.no 序号，r.label 指标，r.text 比率，r.numerator 分子，r.denominator 分母，r.basis 计算口径",
    ),
    Field("figures", "各项数据", True, "f.no 序号，f.label 指标，f.value 数值，f.breakdown 构成"),
    Field("note", "统计说明（统计日期、口径）"),
)

COMMENT_REPLY_FIELDS = (
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


DELIBERATION_MATERIAL_FIELDS = (
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


# --- sample records: the same context builders run on stand-ins, so samples always match the real shape -----

_POINT_LABELS = (
    ("制定主体是否合法", "符合", ""),
    ("是否超越法定职权", "符合", ""),
    ("制定程序是否符合规定", "符合", "已公开征求意见30日"),
    ("内容是否与上位法及上级文件相抵触", "不符合", "详见具体修改意见"),
    ("是否违法设定许可、处罚、强制、收费等事项", "不符合", "第五条设定罚款"),
    ("是否违法减损权利或增加义务", "符合", ""),
    ("是否违法增加本机关权力或减少法定职责", "符合", ""),
    ("是否排除、限制公平竞争", "不适用", ""),
    ("文件名称、结构和表述是否规范", "符合", ""),
)


@dataclass(frozen=True)
class _Label:
    """A stand-in for a LabelledEnum member (hashable, with a label)."""

    label: str


def _sample_opinion(findings: int, *, bases: bool, round_no: int) -> NS:
    points = [NS(point=_Label(label), result=_Label(result), note=note) for label, result, note in _POINT_LABELS]
    finding_rows = [
        NS(
            id=i,
            position=i,
            clause=f"第{cn}条" if i else "",
            problem="规定对违规行为处以罚款，属于设定行政处罚。",
            legal_basis="《中华人民共和国行政处罚法》第十四条" if i % 2 == 0 else "",
            suggestion="删除罚款规定。" if i != 1 else "",
        )
        for i, cn in zip(range(findings), "五六七八九", strict=False)
    ]
    source = NS(title="优化营商环境条例")
    doc = NS(
        title="某某镇某某管理办法",
        drafting_unit=NS(name="某某镇综合行政执法局"),
        bases=[NS(source=source, articles="第三十九条", position=0)] if bases else [],
    )
    reviewer = NS(display_name="审查人甲")
    rnd = NS(
        round_no=round_no,
        received_on=date(2026, 3, 2),
        points=points,
        findings=finding_rows,
        summary="经审查，提出如下意见。" if findings else "",
        conclusion=NS(label="基本合法，建议修改后出台"),
        reviewer=reviewer,
    )
    return NS(
        number="沙司审〔2026〕3号",
        addressee="某某镇综合行政执法局",
        issued_on=date(2026, 3, 10),
        round=rnd,
        document=doc,
        issued_by=reviewer,
    )


def opinion_samples() -> list[dict]:
    full = _sample_opinion(3, bases=True, round_no=2)
    single = _sample_opinion(1, bases=True, round_no=1)
    bare = _sample_opinion(0, bases=False, round_no=1)
    materials = ["请示/送审函", "送审稿（第2稿）", "起草说明"]
    standing = ["《国务院办公厅关于全面推行行政规范性文件合法性审核机制的指导意见》（国办发〔2018〕115号）"]
    office = "某某镇司法所"
    return [
        opinion_context(full, office_name=office, materials=materials, point_order=(), standing_basis=standing),
        opinion_context(single, office_name=office, materials=materials, point_order=(), standing_basis=standing),
        # No basis at all: a template must still read well without the section (real opinions always have one).
        opinion_context(bare, office_name="某某镇司法所", materials=[], point_order=()),
    ]


def _sample_publication(*, early: bool, opinion: bool) -> tuple[NS, NS | None]:
    doc = NS(
        title="某某镇某某管理办法",
        issuer=NS(name="某某镇人民政府"),
        bases=[NS(source=NS(title="优化营商环境条例"), position=0)] if opinion else [],
    )
    publication = NS(
        document=doc,
        signed_on=date(2026, 4, 1),
        issue_number="某府〔2026〕5号",
        normative_number="某府规字〔2026〕2号",
        published_on=date(2026, 4, 3),
        channel="某某镇人民政府门户网站" if opinion else "",
        url="",
        effective_on=date(2026, 4, 13) if early else (date(2026, 5, 3) if opinion else None),
        validity_end_on=date(2031, 5, 2) if opinion else None,
        early_effect_reason="汛期安全隐患突出，需尽快施行" if early else None,
    )
    op = NS(number="沙司审〔2026〕3号", round=NS(conclusion=NS(label="合法，同意出台"))) if opinion else None
    return publication, op


def filing_report_samples() -> list[dict]:
    out = []
    for early, opinion, contact in ((True, True, "联系人甲"), (False, False, "")):
        publication, op = _sample_publication(early=early, opinion=opinion)
        out.append(
            filing_report_context(
                publication,
                authority_name="某某市司法局",
                office_name="某某镇司法所",
                opinion=op,
                effect_min_gap=30,
                report_date=date(2026, 4, 8),
                contact=contact,
                phone="0760-00000000" if contact else "",
            )
        )
    return out


def _sample_campaign(*, full: bool) -> NS:
    return NS(
        name="某某镇2026年度规范性文件专项清理" if full else "某某镇2026年度规范性文件定期清理",
        kind=_Label("专项清理" if full else "定期清理"),
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


def cleanup_catalogue_samples() -> list[dict]:
    full = {
        _Label("继续有效"): _sample_rows(2, "事务"),
        _Label("修改"): _sample_rows(1, "补助"),
        _Label("废止"): _sample_rows(1, "收费"),
        _Label("宣布失效"): _sample_rows(1, "临时"),
    }
    sparse = {_Label("继续有效"): _sample_rows(1, "事务"), _Label("修改"): [], _Label("废止"): []}
    return [
        cleanup_catalogue_context(
            _sample_campaign(full=True),
            full,
            issuer="某某镇人民政府",
            office_name="某某镇司法所",
            revision_due_on=date(2026, 10, 20),
        ),
        cleanup_catalogue_context(
            _sample_campaign(full=False), sparse, issuer="某某镇人民政府", office_name="某某镇司法所"
        ),
    ]


def _sample_stats() -> NS:
    def rate(key: str, label: str, num: int, den: int) -> NS:
        text = f"{100 * num / den:g}%" if den else "—（无）"
        return NS(key=key, label=label, numerator=num, denominator=den, text=text)

    rates = [
        rate("review_rate", "合法性审查审核率", 2, 2),
        rate("publication_rate", "统一发布率", 2, 2),
        rate("filing_rate", "备案率", 1, 2),
        rate("on_time_rate", "报备及时率", 0, 0),
    ]
    figures = [
        NS(label="出具合法性审查意见书", value=2, breakdown={"合法，同意出台": 1, "基本合法，建议修改后出台": 1}),
        NS(label="开展规范性文件清理（次）", value=3, breakdown={"继续有效": 5, "废止": 1}),
        NS(label="年末现行有效的规范性文件", value=12, breakdown={}),
    ]
    return NS(year=2026, rates={r.key: r for r in rates}, figures={str(i): f for i, f in enumerate(figures)})


def annual_statistics_samples() -> list[dict]:
    paragraph = "2026年，某某镇全年审查规范性文件2件，出具合法性审查意见书2份。"
    return [annual_statistics_context(_sample_stats(), town="某某镇", paragraph=paragraph, counted_on=date(2027, 1, 5))]


def comment_reply_samples() -> list[dict]:
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


SPECS: dict[OutputKind, TemplateSpec] = {
    OutputKind.OPINION: TemplateSpec(OutputKind.OPINION, "opinion.docx", OPINION_FIELDS, opinion_samples),
    OutputKind.FILING_REPORT: TemplateSpec(
        OutputKind.FILING_REPORT, "filing_report.docx", FILING_REPORT_FIELDS, filing_report_samples
    ),
    OutputKind.CLEANUP_CATALOGUE: TemplateSpec(
        OutputKind.CLEANUP_CATALOGUE, "cleanup_catalogue.docx", CLEANUP_CATALOGUE_FIELDS, cleanup_catalogue_samples
    ),
    OutputKind.ANNUAL_STATISTICS: TemplateSpec(
        OutputKind.ANNUAL_STATISTICS, "annual_statistics.docx", ANNUAL_STATISTICS_FIELDS, annual_statistics_samples
    ),
    OutputKind.COMMENT_REPLY: TemplateSpec(
        OutputKind.COMMENT_REPLY, "comment_reply.docx", COMMENT_REPLY_FIELDS, comment_reply_samples
    ),
    OutputKind.DELIBERATION_MATERIAL: TemplateSpec(
        OutputKind.DELIBERATION_MATERIAL,
        "deliberation_material.docx",
        DELIBERATION_MATERIAL_FIELDS,
        deliberation.samples,
    ),
}


def spec_for(kind: OutputKind) -> TemplateSpec:
    try:
        return SPECS[kind]
    except KeyError:
        raise LookupError(f"no Word template for {kind.value}") from None
