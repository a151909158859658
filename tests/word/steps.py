"""A document walked at one instant to an issued opinion and to publication (the steps are tests/factories.py's),
and .docx inspection."""

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

from tests.factories import PASS, PASS_WITH_CHANGES, World, accept, conclude_review, deliberate, draft, number, submit
from tests.factories import publish as publish_document
from tracker.common.timeutil import office_today
from tracker.extensions import db
from tracker.files.storage import path_of
from tracker.review.models import ReviewPoint
from tracker.word.models import GeneratedDocument, OutputKind
from tracker.word.templates import builtin_template

CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
CHINESE_FONTS = {"仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"}

FINDING = (
    "第五条第二款",
    "规定对违规行为处以罚款，属于设定行政处罚。",
    "《中华人民共和国行政处罚法》第十六条",
    "删除该款。",
)


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
    """All at `now`: a draft citing `bases` with PDF materials, received three days before, accepted, the nine points
    (the one on new powers breached if there are findings), the findings and the opinion, without its .docx."""
    doc = draft(w, title, now=now, bases=bases, articles="第三条", text=(f"{title} 第一条",), packet_as="pdf")
    rnd = submit(w, doc, now=now, received_on=office_today(now) - timedelta(days=3))
    accept(w, doc, now=now)
    breached = (ReviewPoint.NO_NEW_POWERS,) if findings else ()
    opinion = conclude_review(
        w, doc, rnd, now=now, label=label, summary=summary, findings=tuple(findings), breached=breached, generate=False
    )
    return Walk(doc, rnd, opinion)


def published(
    w: World, now: datetime, *, title: str = "测试镇某某管理办法", gap_days: int = 30, publish: bool = True, **kw
):
    """An issued passing opinion, then deliberation, numbering and (optionally) publication with its filing."""
    walk = reviewed(w, now, title=title, label=PASS, findings=(), **kw)
    deliberate(w, walk.doc, now=now)
    pub = number(w, walk.doc, now=now)
    if publish:
        publish_document(
            w,
            walk.doc,
            now=now,
            channel="测试镇人民政府门户网站",
            url="https://www.example.gov.cn/gfxwj/1.html",
            effective_on=office_today(now) + timedelta(days=gap_days),
            early_effect_reason="汛期安全隐患突出，需尽快施行" if gap_days < 30 else None,
            interpretation="解读",
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
