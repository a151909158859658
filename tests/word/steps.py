"""A document walked to an issued opinion and to publication through the real services, and .docx inspection."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import docx
from docx.oxml.ns import qn
from docx.shared import Mm
from lxml import etree

from tests.factories import World, make_document
from tracker.common.timeutil import office_today
from tracker.documents.models import AttachmentKind, DocumentBasis, LegalSource, SourceKind
from tracker.documents.services import add_attachment, add_version
from tracker.extensions import db
from tracker.files.storage import path_of
from tracker.files.uploads import DOCX_TYPE, CheckedFile
from tracker.publication import services as publication
from tracker.review import services as review
from tracker.review.models import DeliberationDecision, PointResult, ReviewPoint
from tracker.rules.conclusions import conclusion_by_label
from tracker.word.models import GeneratedDocument, OutputKind
from tracker.word.templates import builtin_template

PASS = "合法，同意出台"
PASS_WITH_CHANGES = "基本合法，建议修改后出台"
RETURN = "应当修改后重新送审"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
CHINESE_FONTS = {"仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"}

FINDING = (
    "第五条第二款",
    "规定对违规行为处以罚款，属于设定行政处罚。",
    "《中华人民共和国行政处罚法》第十六条",
    "删除该款。",
)


def word_file(paragraphs: list[str]) -> bytes:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def checked_docx(name: str, text: str) -> CheckedFile:
    return CheckedFile(word_file([text]), name, DOCX_TYPE, "docx")


def checked_pdf(name: str) -> CheckedFile:
    return CheckedFile(PDF, name, "application/pdf", "pdf")


@dataclass
class Walk:
    doc: object
    round: object
    opinion: object


def reviewed(
    w: World,
    now: datetime,
    *,
    title: str = "测试镇某某管理办法",
    findings: list[tuple[str, str, str, str]] | tuple = (FINDING,),
    label: str = PASS_WITH_CHANGES,
    summary: str = "经审查，提出如下意见。",
    bases: tuple[str, ...] = ("中华人民共和国行政处罚法",),
) -> Walk:
    """Register, attach the packet, submit, accept, fill the nine points, add findings, issue the opinion."""
    doc = make_document(w, now, title=title)
    for pos, name in enumerate(bases):
        source = db.session.query(LegalSource).filter_by(title=name).one_or_none()
        if source is None:
            source = LegalSource(title=name, kind=SourceKind.LAW, created_at=now)
            db.session.add(source)
        db.session.add(
            DocumentBasis(document=doc, source=source, articles="第三条" if pos == 0 else None, position=pos)
        )
    add_version(doc, checked_docx("送审稿.docx", f"{title} 第一条"), note="", actor=w["drafter"], now=now)
    for kind in (
        AttachmentKind.REQUEST_LETTER,
        AttachmentKind.DRAFTING_NOTE,
        AttachmentKind.LEGAL_BASIS,
        AttachmentKind.COMMENT_RECORD,
    ):
        add_attachment(doc, checked_pdf(f"{kind.value}.pdf"), kind=kind, title="", actor=w["drafter"], now=now)
    rnd = review.submit_for_review(doc, actor=w["drafter"], now=now, received_on=office_today(now) - timedelta(days=3))
    review.accept(doc, actor=w["reviewer"], now=now, reviewer_id=w["reviewer"].id)
    bad = {ReviewPoint.NO_NEW_POWERS} if findings else set()
    review.save_points(
        rnd,
        actor=w["reviewer"],
        now=now,
        expected_version=None,
        results={
            p: (PointResult.DOES_NOT, "设定了罚款") if p in bad else (PointResult.COMPLIES, "") for p in ReviewPoint
        },
    )
    for clause, problem, basis, suggestion in findings:
        review.add_finding(
            rnd, actor=w["reviewer"], now=now, clause=clause, problem=problem, legal_basis=basis, suggestion=suggestion
        )
    opinion = review.issue_opinion(
        doc, actor=w["reviewer"], now=now, conclusion_id=conclusion_by_label(label).id, summary=summary
    )
    return Walk(doc, rnd, opinion)


def published(
    w: World, now: datetime, *, title: str = "测试镇某某管理办法", gap_days: int = 30, publish: bool = True, **kw
):
    """An issued passing opinion, then deliberation, numbering and (optionally) publication with its filing."""
    walk = reviewed(w, now, title=title, label=PASS, findings=(), **kw)
    today = office_today(now)
    review.record_deliberation(
        walk.doc,
        actor=w["clerk"],
        now=now,
        meeting_name="镇政府常务会议",
        held_on=today,
        decision=DeliberationDecision.APPROVED,
        note="",
        minutes=None,
    )
    pub = publication.number_document(walk.doc, actor=w["clerk"], now=now, signed_on=today, signer="镇长")
    if publish:
        publication.publish(
            walk.doc,
            actor=w["clerk"],
            now=now,
            published_on=today,
            channel="测试镇人民政府门户网站",
            url="https://www.example.gov.cn/gfxwj/1.html",
            effective_on=today + timedelta(days=gap_days),
            early_effect_reason="汛期安全隐患突出，需尽快施行" if gap_days < 30 else None,
            validity_mode="default",
            validity_end_on=None,
            validity_reason=None,
            official_text=checked_docx("正式文本.docx", title),
            interpretation=checked_docx("政策解读.docx", "解读"),
        )
    db.session.flush()
    return walk, pub


# --- reading a generated .docx ---------------------------------------------------------------------------


def open_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def all_text(data: bytes) -> str:
    """Body paragraphs and table cells in order, one line each (as a reader would scan the document)."""
    d = open_docx(data)
    lines = []
    for block in d.element.body.iterchildren():
        if block.tag == qn("w:p"):
            lines.append("".join(t.text or "" for t in block.iter(qn("w:t"))))
        elif block.tag == qn("w:tbl"):
            for row in block.iter(qn("w:tr")):
                lines.append(" | ".join("".join(t.text or "" for t in c.iter(qn("w:t"))) for c in row.iter(qn("w:tc"))))
    return "\n".join(lines)


def xml_parts_parse(data: bytes) -> None:
    """Every XML part parses strictly (no recovery), so Word will open it."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(zf.read(name), parser=etree.XMLParser(recover=False))


def runs_of(d) -> list:
    """Every run of the body (tables included), headers and footers."""
    runs = list(d.element.body.iter(qn("w:r")))
    for section in d.sections:
        for part in (section.footer, section.even_page_footer, section.header, section.first_page_footer):
            if not part.is_linked_to_previous:
                runs += list(part._element.iter(qn("w:r")))
    return runs


def east_asian_font(run) -> str | None:
    rpr = run.find(qn("w:rPr"))
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return fonts.get(qn("w:eastAsia")) if fonts is not None else None


def run_text(run) -> str:
    return "".join(t.text or "" for t in run.iter(qn("w:t")))


def beijing_date(now: datetime) -> date:
    return office_today(now)


# --- stored files, the official format, templates and tables ----------------------------------------------


def stored_bytes(row: GeneratedDocument) -> bytes:
    return path_of(row.file).read_bytes()


def assert_official_format(data: bytes) -> None:
    """Reopen with python-docx: A4, GB/T 9704 margins, every Chinese run on an East-Asian font; XML parses."""
    xml_parts_parse(data)
    d = open_docx(data)
    for section in d.sections:
        assert abs(section.page_width - Mm(210)) < Mm(0.1) and abs(section.page_height - Mm(297)) < Mm(0.1)
        assert abs(section.top_margin - Mm(37)) < Mm(0.1) and abs(section.bottom_margin - Mm(35)) < Mm(0.1)
        assert abs(section.left_margin - Mm(28)) < Mm(0.1) and abs(section.right_margin - Mm(26)) < Mm(0.1)
    chinese = [r for r in runs_of(d) if CJK.search(run_text(r))]
    assert chinese
    missing = [run_text(r)[:20] for r in chinese if east_asian_font(r) not in CHINESE_FONTS]
    assert not missing, f"runs without an East-Asian font: {missing}"


def builtin(kind: OutputKind) -> bytes:
    return builtin_template(kind)


def edit(data: bytes, old: str, new: str) -> bytes:
    """The template with one text of its body replaced, as an office clerk would in Word."""
    src = zipfile.ZipFile(io.BytesIO(data))
    xml = src.read("word/document.xml").decode("utf-8")
    assert old in xml, old
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "word/document.xml":
                content = xml.replace(old, new, 1).encode("utf-8")
            dst.writestr(info, content)
    return out.getvalue()


def tables_with_headings(data: bytes) -> list[tuple[str, list[list[str]]]]:
    """Each table of the body with the text of the paragraph right before it, rows as cell texts."""
    d = open_docx(data)
    by_element = {t._tbl: t for t in d.tables}
    out, last = [], None
    for block in d.element.body.iterchildren():
        if block.tag == qn("w:p"):
            last = "".join(t.text or "" for t in block.iter(qn("w:t")))
        elif block.tag == qn("w:tbl"):
            table = by_element[block]
            if table.rows[0].cells[0].paragraphs[0].style.name == "版记":
                continue  # the 版记 at the end is a table too, without a heading
            out.append((last, [[cell.text for cell in row.cells] for row in table.rows]))
    return out
