"""关于《…》的备案报告 as a Word file: its context, template fields and samples, and its generation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from types import SimpleNamespace as NS

import sqlalchemy as sa

from tracker.auth.models import Unit, UnitKind
from tracker.auth.permissions import may
from tracker.common.numbering import format_number, next_serial
from tracker.common.timeutil import office_today
from tracker.documents.models import Document
from tracker.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.files.uploads import clean_filename
from tracker.filing.models import Filing
from tracker.filing.packet import packet
from tracker.publication.models import Publication
from tracker.publication.queries import current_publication
from tracker.review import word as review_word
from tracker.review.models import Deliberation, DeliberationDecision
from tracker.rules.ruleset import get_rule, get_setting
from tracker.word import organs, store
from tracker.word.models import GeneratedDocument, OutputKind
from tracker.word.spec import Field, TemplateSpec
from tracker.word.text import book_title, date_cn, official_number, sentence, short_title, title_lines, unique

KIND = OutputKind.FILING_REPORT
OBJECT_TYPE = "publication"

# --- the context (pure) -------------------------------------------------------------------------------------


def is_early(publication, min_gap_days: int) -> bool:
    """Took effect less than the rule set's minimum gap after publication (the reason goes into the packet)."""
    if publication.published_on is None or publication.effective_on is None:
        return False
    return (publication.effective_on - publication.published_on).days < min_gap_days


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
    number: str = "",
    deliberation=None,
    cc: str = "",
    printer: str = "",
) -> dict:
    """The context of 关于《…》的备案报告 for a publication (with its document), addressed to the filing authority.

    `enclosures` are the filing packet's item labels (default: the four materials every filing carries, plus the
    early-effect reason when the document took effect sooner than `effect_min_gap` days after publication).
    The report is an upward 公文 (GB/T 9704): its own 发文字号 `number`, 签发人 the one who signed the document,
    dated `report_date` (the filing date); `deliberation` (meeting_name, held_on) is the collective deliberation.
    """
    doc = publication.document
    early = is_early(publication, effect_min_gap) if early is None else early
    if enclosures is None:
        enclosures = [*DEFAULT_ENCLOSURES, *([EARLY_EFFECT_ENCLOSURE] if early else [])]
    numbers = unique([official_number(publication.issue_number), official_number(publication.normative_number)])
    return {
        "organ_mark": f"{doc.issuer.name}文件",
        "number": official_number(number),
        "signer": (getattr(publication, "signer", "") or "").strip(),
        "title": doc.title,
        # A title line holds 20 characters at 22 pt: the heading breaks between words, never inside a bracket.
        "heading": "\n".join(title_lines(f"关于{book_title(doc.title)}的备案报告")),
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
        "meeting": (deliberation.meeting_name or "").strip() if deliberation is not None else "",
        "deliberated_on": date_cn(deliberation.held_on) if deliberation is not None else "",
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
        "cc": sentence(cc) if cc else "",
        "printer": printer or doc.issuer.name,
        "printed_on": date_cn(report_date),
    }


# --- what the template may use, and sample records ---------------------------------------------------------

FIELDS = (
    Field("organ_mark", "发文机关标志（如 某某镇人民政府文件）", True),
    Field("number", "备案报告的发文字号", True),
    Field("signer", "签发人"),
    Field("heading", "标题（关于《…》的备案报告，过长时在词间换行）", True),
    Field("title", "文件名称（不含书名号）", True),
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
    Field("meeting", "集体审议会议"),
    Field("deliberated_on", "集体审议日期"),
    Field("early_effect", "公布后不足规定天数即施行时为真"),
    Field("effect_min_gap", "规定的公布至施行最短天数"),
    Field("early_effect_reason", "提前施行的理由"),
    Field("enclosures", "附件目录", True, "e.no 序号，e.name 附件名称，e.prefix 第一项为“附件：”，其余为等宽空格"),
    Field("report_date", "报告日期", True),
    Field("contact", "联系人"),
    Field("phone", "联系电话"),
    Field("cc", "抄送机关（版记）"),
    Field("printer", "印发机关（版记）", True),
    Field("printed_on", "印发日期（版记）", True),
)


def _sample_publication(*, early: bool, opinion: bool) -> tuple[NS, NS | None]:
    doc = NS(
        title="某某镇某某管理办法",
        issuer=NS(name="某某镇人民政府"),
        bases=[NS(source=NS(title="优化营商环境条例"), position=0)] if opinion else [],
    )
    publication = NS(
        document=doc,
        signer="镇长甲",
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


def samples() -> list[dict]:
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
                number="某府报〔2026〕2号",
                deliberation=NS(meeting_name="镇政府常务会议", held_on=date(2026, 3, 20)) if opinion else None,
                cc="某某镇司法所" if opinion else "",
                printer="某某镇人民政府办公室",
            )
        )
    return out


SPEC = TemplateSpec(KIND, FIELDS, samples)


# --- the records behind it -------------------------------------------------------------------------------


def published(doc: Document) -> Publication:
    pub = current_publication(doc)
    if pub is None:
        raise InvalidTransition("该文件尚未签发编号、发布，不能生成备案报告。")
    if pub.published_on is None:
        raise InvalidTransition("该文件已登记编号但尚未发布，发布后才能生成备案报告。")
    return pub


def filing_authority_name(pub: Publication) -> str:
    authority_id = db.session.scalar(sa.select(Filing.authority_id).where(Filing.publication_id == pub.id))
    unit = db.session.get(Unit, authority_id) if authority_id else None
    if unit is None:
        unit = organs.first_unit(UnitKind.FILING_AUTHORITY)
    if unit is None:
        raise ValidationFailed("尚未设置备案审查机关（单位类型“备案审查机关”），请管理员在单位管理中添加。")
    return unit.name


def enclosure_labels(doc: Document, pub: Publication, *, early: bool) -> list[str]:
    """The filing packet (filing.packet) minus the report itself; optional items only when present."""
    labels = [item.label for item in packet(doc) if item.label != "备案报告" and (item.required or item.present)]
    if early and EARLY_EFFECT_ENCLOSURE not in labels:
        labels.append(EARLY_EFFECT_ENCLOSURE)
    return labels


def filing_of(pub: Publication) -> Filing | None:
    return db.session.scalar(sa.select(Filing).where(Filing.publication_id == pub.id))


def report_date(filing: Filing | None, today: date) -> date:
    """成文日期 of the report: the day it is filed (the latest submission), today while it is being prepared."""
    if filing is not None and filing.attempts:
        return filing.attempts[-1].submitted_on
    return today


def report_number(filing: Filing, issuer: Unit, year: int) -> str:
    """The report's own 发文字号, taken once from the issuer's 报告 series (e.g. 沙府报〔2026〕3号) and kept."""
    if filing.report_number:
        return filing.report_number
    if not issuer.number_prefix:
        raise ValidationFailed(
            f"发文机关“{issuer.name}”尚未设置发文代字，无法为备案报告编号。请管理员在单位管理中设置。"
        )
    prefix = f"{issuer.number_prefix}报"
    seq = next_serial(f"issue:{prefix}", year)
    filing.report_number = format_number(get_setting("issue_number_pattern"), year=year, seq=seq, prefix=prefix)
    db.session.flush()
    return filing.report_number


def approving_deliberation(doc: Document) -> Deliberation | None:
    return db.session.scalar(
        sa.select(Deliberation)
        .where(Deliberation.document_id == doc.id, Deliberation.decision == DeliberationDecision.APPROVED)
        .order_by(Deliberation.held_on.desc(), Deliberation.id.desc())
        .limit(1)
    )


def filing_report_context_for(doc: Document, *, actor, today: date, number: str = "") -> tuple[Publication, dict]:
    pub = published(doc)
    filing = filing_of(pub)
    opinion = review_word.passing_opinion(doc)
    gap = get_rule("effect_min_gap").value
    early = is_early(pub, gap) or bool((pub.early_effect_reason or "").strip())
    if opinion is not None:
        office = review_word.judicial_office_name(opinion)
    else:
        office = organs.judicial_office_name(doc.town_id)
    printer = organs.first_unit(UnitKind.GOVERNMENT_OFFICE, doc.town_id)
    context = filing_report_context(
        pub,
        authority_name=filing_authority_name(pub),
        office_name=office,
        opinion=opinion,
        effect_min_gap=gap,
        report_date=report_date(filing, today),
        contact=getattr(actor, "display_name", "") or "",
        phone=getattr(actor, "phone", "") or "",
        enclosures=enclosure_labels(doc, pub, early=early),
        early=early,
        number=number or (filing.report_number if filing is not None else "") or "",
        deliberation=approving_deliberation(doc),
        cc=office,
        printer=printer.name if printer is not None else doc.issuer.name,
    )
    return pub, context


def filing_report_filename(doc: Document, version_no: int = 1) -> str:
    suffix = f"（第{version_no}版）" if version_no > 1 else ""
    return clean_filename(f"关于《{short_title(doc.title)}》的备案报告{suffix}.docx")


def render_filing_report(doc: Document, *, actor=None, now: datetime, number: str = "") -> store.Rendered:
    """The report as .docx bytes (not stored); without a number yet it is a draft with an empty 发文字号."""
    _pub, context = filing_report_context_for(doc, actor=actor, today=office_today(now), number=number)
    return store.render(KIND, context, filing_report_filename(doc))


def versions(pub: Publication) -> list[GeneratedDocument]:
    """Every version of the publication's filing report, newest first, from its document's outputs (word/store.py:
    read once per page)."""
    return store.document_versions(pub.document_id, KIND, OBJECT_TYPE, [pub.id])[pub.id]


def generate_filing_report(doc: Document, *, actor, now: datetime) -> GeneratedDocument:
    if not may(actor, "office", doc):
        raise PermissionDenied("只有党政办文秘可以生成备案报告。")
    pub = published(doc)
    filing = filing_of(pub)
    number = ""
    if filing is not None:
        number = report_number(filing, doc.issuer, report_date(filing, office_today(now)).year)
    return store.store(
        KIND,
        object_type=OBJECT_TYPE,
        object_id=pub.id,
        document_id=doc.id,
        rendered=render_filing_report(doc, actor=actor, now=now, number=number),
        filename_for=lambda n: filing_report_filename(doc, n),
        actor=actor,
        now=now,
    )


def date_report_on_filing(doc: Document, *, actor, now: datetime, submitted_on: date) -> GeneratedDocument | None:
    """At submission the report must bear the filing date: a report generated on another day gets a new version."""
    pub = published(doc)
    latest = versions(pub)
    if latest and office_today(latest[0].created_at) == submitted_on:
        return None
    return generate_filing_report(doc, actor=actor, now=now)
