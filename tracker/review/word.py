"""《规范性文件合法性审查意见书》 as a Word file: its context, template fields and samples, and its generation.

Issuing an opinion generates its file in the same transaction (review.services.issue_opinion), so every round's
opinion exists as a file; regenerating adds a version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from types import SimpleNamespace as NS

from sqlalchemy.orm import joinedload

from tracker.auth.models import UnitKind
from tracker.auth.permissions import may
from tracker.common.together import Part, rows_of
from tracker.documents.models import AttachmentKind, Document, DocumentVersion
from tracker.errors import PermissionDenied
from tracker.extensions import db
from tracker.files.uploads import clean_filename
from tracker.review.models import Opinion, ReviewPoint, ReviewRound
from tracker.rules.ruleset import get_setting
from tracker.word import organs, store
from tracker.word.models import GeneratedDocument, OutputKind
from tracker.word.spec import Field, Label, TemplateSpec
from tracker.word.text import (
    book_title,
    cn_numeral,
    date_cn,
    official_number,
    section_numbers,
    sentence,
    short_title,
    unique,
)

KIND = OutputKind.OPINION
OBJECT_TYPE = "opinion"

# Materials of a submission packet (docs/rules.md §4), in the order they are listed in the opinion.
PACKET_KINDS = (
    AttachmentKind.REQUEST_LETTER,
    AttachmentKind.DRAFTING_NOTE,
    AttachmentKind.LEGAL_BASIS,
    AttachmentKind.COMMENT_RECORD,
    AttachmentKind.DEPARTMENT_OPINION,
    AttachmentKind.EXPERT_REPORT,
    AttachmentKind.RISK_ASSESSMENT,
    AttachmentKind.FAIR_COMPETITION,
    AttachmentKind.UNIT_LEGAL_OPINION,
    AttachmentKind.OTHER,
)

# --- the context (pure: records already loaded, no queries) -----------------------------------------------

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
    lines = unique([*declared, *cited])
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
    basis = unique([*basis_lines(doc, findings), *standing_basis])
    present = ["basic", *(["basis"] if basis else []), "points", *(["findings"] if findings else []), "conclusion"]
    reviewers = unique(u.display_name for u in (rnd.reviewer, getattr(opinion, "issued_by", None)) if u is not None)
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
                # The clause's words when the finding was made (empty for a general finding or an older one).
                "quote": (f.quote or "").strip(),
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


# --- what the template may use, and sample records ---------------------------------------------------------

FIELDS = (
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
        "f.no 序号，f.heading（一）关于某条，f.clause 条款，f.quote 条款原文（可能为空），f.problem 存在问题，"
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


def _sample_opinion(findings: int, *, bases: bool, round_no: int) -> NS:
    points = [NS(point=Label(label), result=Label(result), note=note) for label, result, note in _POINT_LABELS]
    finding_rows = [
        NS(
            id=i,
            position=i,
            clause=f"第{cn}条" if i else "",
            # The first (general) finding quotes no clause, the last one is as old findings are: without a quote.
            quote=f"第{cn}条 违反本办法规定的，由镇人民政府处以五百元以上一千元以下罚款。" if 0 < i < 2 else "",
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


def samples() -> list[dict]:
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


SPEC = TemplateSpec(KIND, FIELDS, samples)


# --- the records behind it -------------------------------------------------------------------------------


def judicial_office_name(opinion: Opinion) -> str:
    """The 司法所 that issued the opinion: the issuer's unit if it is one, else the town's judicial office."""
    issuer = opinion.issued_by
    if issuer is not None and issuer.unit is not None and issuer.unit.kind is UnitKind.JUDICIAL_OFFICE:
        return issuer.unit.name
    return organs.judicial_office_name(opinion.document.town_id)


def packet_materials(rnd: ReviewRound) -> list[str]:
    """What the drafter submitted for this round: the reviewed draft version, then the packet's attachments."""
    doc = rnd.document
    names: list[str] = []
    if rnd.version_id_reviewed is not None:
        version = db.session.get(DocumentVersion, rnd.version_id_reviewed)
        if version is not None:
            names.append(f"送审稿（第{version.seq}稿）")
    for kind in PACKET_KINDS:
        sent = [a for a in doc.attachments if a.kind is kind and a.uploaded_at <= rnd.submitted_at]
        # A material replaced before the submission was not part of it; one replaced later was.
        current = [a for a in sent if not a.superseded] or sent[-1:]
        for a in current:
            title = (a.title or "").strip()
            names.append(kind.label if title in ("", kind.label) else f"{kind.label}：{title}")
    return names


def opinion_context_for(opinion: Opinion) -> dict:
    return opinion_context(
        opinion,
        office_name=judicial_office_name(opinion),
        materials=packet_materials(opinion.round),
        point_order=list(ReviewPoint),
        standing_basis=get_setting("review_basis"),
    )


def opinions_part(doc: Document) -> Part:
    return Part(
        ("opinions", doc.id),
        Opinion,
        Opinion.document_id == doc.id,
        (ReviewRound.round_no,),
        (joinedload(Opinion.round).joinedload(ReviewRound.conclusion),),  # whether each passed: one row each
        joins=((ReviewRound, ReviewRound.id == Opinion.round_id),),
    )


def opinions_of(doc: Document) -> list[Opinion]:
    """Every round's opinion, first round first (read once per page: common/together.py)."""
    return rows_of(opinions_part(doc))


def passing_opinion(doc: Document) -> Opinion | None:
    """The latest passing opinion (the one that cleared the document), else the latest one."""
    opinions = opinions_of(doc)
    passing = [o for o in opinions if o.round.conclusion is not None and o.round.conclusion.passing]
    return (passing or opinions or [None])[-1]


def opinion_filename(opinion: Opinion, version_no: int = 1) -> str:
    suffix = f"（第{version_no}版）" if version_no > 1 else ""
    number = official_number(opinion.number)
    return clean_filename(f"《{short_title(opinion.document.title)}》合法性审查意见书（{number}）{suffix}.docx")


def render_opinion(opinion: Opinion) -> store.Rendered:
    """The opinion as .docx bytes (not stored): what `flask word render opinion` writes."""
    return store.render(KIND, opinion_context_for(opinion), opinion_filename(opinion))


def versions(opinion: Opinion) -> list[GeneratedDocument]:
    return store.versions_of(KIND, OBJECT_TYPE, opinion.id)


def versions_of_each(doc: Document, opinions: list[Opinion]) -> dict[int, list[GeneratedDocument]]:
    """Every version of each of the document's opinions (by the opinion's id), newest first, from the document's
    outputs (word/store.py: read once per page)."""
    return store.document_versions(doc.id, KIND, OBJECT_TYPE, [o.id for o in opinions]) if opinions else {}


def generate_opinion(opinion: Opinion, *, actor, now: datetime) -> GeneratedDocument:
    """Render and keep the opinion as its next version (the first when it is issued)."""
    doc = opinion.document
    if not may(actor, "review", doc):
        raise PermissionDenied("只有司法所审查员可以生成审查意见书。")
    return store.store(
        KIND,
        object_type=OBJECT_TYPE,
        object_id=opinion.id,
        document_id=doc.id,
        rendered=render_opinion(opinion),
        filename_for=lambda n: opinion_filename(opinion, n),
        actor=actor,
        now=now,
    )
