"""Builds the built-in .docx templates (GB/T 9704-2012 layout) with python-docx; rerun after changing this file.

    .venv/bin/python -m tracker.outputs.build_templates          # writes tracker/word/docx/*.docx
    .venv/bin/flask --app wsgi word build-templates                # the same

The output is byte-for-byte reproducible (fixed zip timestamps and core properties), and a test checks that the
committed files equal a fresh build. The office may replace a template with one edited in Word (admin page); the
built-in file stays as version 0.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import docx
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, Twips
from docx.table import Table
from docx.text.paragraph import Paragraph

from tracker.word.templates import DOCX_DIR

# GB/T 9704-2012 §5.2: A4, text area 156 × 225 mm; top 37, bottom 35, left 28, right 26 mm.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Mm(37), Mm(35), Mm(28), Mm(26)
# 22 lines in 225 mm: 225 mm / 22 = 10.227 mm = 28.95 pt = 579 twips, exact.
LINE_PITCH_TWIPS = 579
# 28 characters in 156 mm: 15.79 pt per character; −0.25 pt (in twentieths of a point) leaves room for rounding.
CONDENSE_TWENTIETHS = -5
BODY_PT = 16  # 三号
TITLE_PT = 22  # 二号
PAGE_NO_PT = 14  # 四号
TABLE_PT = 12  # 小四, for table cells
ONE_CHAR = Twips(BODY_PT * 20)  # one body character, for indents ("空二字")
ORGAN_MARK_PT = 36  # 发文机关标志: GB/T 9704 §7.2.3 leaves the size to the office; 36 pt fits 12 characters
COLOPHON_PT = 14  # 版记: 四号 (§7.4)
RED = "FF0000"
TEXT_WIDTH = Twips(8844)  # the 156 mm line
# 署名 and 成文日期 share one centre (§7.3.5.1): the date ends four characters from the right edge, so the centre
# lies four characters plus half a date (2026年10月20日, about 7 characters at 15.75 pt) in from the right edge.
SIGN_CENTRE = Twips(8844 - 4 * 315 - 1015)

LATIN = "Times New Roman"
FANGSONG, XIAOBIAOSONG, HEITI, KAITI, SONGTI = "仿宋_GB2312", "方正小标宋简体", "黑体", "楷体_GB2312", "宋体"

# Fonts the office's computers usually have; Word falls back to the altName when the exact face is missing,
# LibreOffice to fontconfig's CJK substitute (Noto CJK in CI).
FONT_TABLE = (
    # name, altName, panose, family, pitch
    (FANGSONG, "仿宋", "02010609030101010101", "modern", "fixed"),
    (XIAOBIAOSONG, "宋体", "02000000000000000000", "script", "variable"),
    (HEITI, "SimHei", "02010609060101010101", "modern", "fixed"),
    (KAITI, "楷体", "02010609030101010101", "modern", "fixed"),
    (SONGTI, "SimSun", "02010600030101010101", "auto", "variable"),
    (LATIN, None, "02020603050405020304", "roman", "variable"),
)

FIXED_TIME = datetime(2026, 1, 1, tzinfo=UTC)
ZIP_TIME = (2026, 1, 1, 0, 0, 0)


# --- low-level helpers -----------------------------------------------------------------------------------


def _el(tag: str, **attrs: str) -> OxmlElement:
    el = OxmlElement(tag)
    for key, value in attrs.items():
        el.set(qn(key), value)
    return el


# OOXML is order-sensitive (Word reports a corrupt file otherwise): insert children in schema order.
_RPR_SEQ = (
    "w:rStyle", "w:rFonts", "w:b", "w:bCs", "w:i", "w:iCs", "w:caps", "w:smallCaps", "w:strike", "w:dstrike",
    "w:outline", "w:shadow", "w:emboss", "w:imprint", "w:noProof", "w:snapToGrid", "w:vanish", "w:webHidden",
    "w:color", "w:spacing", "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
    "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang", "w:eastAsianLayout",
    "w:specVanish", "w:oMath",
)  # fmt: skip
_PPR_SEQ = (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl", "w:numPr",
    "w:suppressLineNumbers", "w:pBdr", "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
    "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr",
    "w:sectPr", "w:pPrChange",
)  # fmt: skip
_TBLPR_SEQ = (
    "w:tblStyle", "w:tblpPr", "w:tblOverlap", "w:bidiVisual", "w:tblStyleRowBandSize", "w:tblStyleColBandSize",
    "w:tblW", "w:jc", "w:tblCellSpacing", "w:tblInd", "w:tblBorders", "w:shd", "w:tblLayout", "w:tblCellMar",
    "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange",
)  # fmt: skip


_SEQ_BY_PARENT = {"rPr": _RPR_SEQ, "pPr": _PPR_SEQ, "tblPr": _TBLPR_SEQ}


def _put(parent, el) -> None:
    """Replace or insert `el` in `parent` (a rPr, pPr or tblPr) at its schema position."""
    seq = _SEQ_BY_PARENT[parent.tag.rsplit("}", 1)[-1]]
    name = "w:" + el.tag.rsplit("}", 1)[-1]
    for old in parent.findall(el.tag):
        parent.remove(old)
    parent.insert_element_before(el, *seq[seq.index(name) + 1 :])


def _fonts_el(east_asia: str, latin: str = LATIN) -> OxmlElement:
    # Every slot explicit, no theme fonts: w:asciiTheme etc. would override the named fonts.
    return _el("w:rFonts", **{"w:ascii": latin, "w:hAnsi": latin, "w:eastAsia": east_asia, "w:cs": latin})


def _set_fonts(rpr, east_asia: str, latin: str = LATIN, *, hint: bool = True) -> None:
    fonts = _fonts_el(east_asia, latin)
    if hint:
        # Ambiguous characters (“”、——、……) take the East-Asian font, as in a Chinese Word document.
        fonts.set(qn("w:hint"), "eastAsia")
    _put(rpr, fonts)


def _style(document, style_id: str, name: str, *, based_on: str = "Normal"):
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = style_id
    style.base_style = document.styles[based_on]
    style.next_paragraph_style = document.styles["Normal"]
    style.quick_style = True
    return style


def _para_format(
    style,
    *,
    align=None,
    first_line_chars: int | None = None,
    right_chars: int | None = None,
    line_twips: int | None = LINE_PITCH_TWIPS,
    keep_next: bool = False,
) -> None:
    pf = style.paragraph_format
    if align is not None:
        pf.alignment = align
    if first_line_chars is not None:
        pf.first_line_indent = ONE_CHAR * first_line_chars if first_line_chars else Twips(0)
    if right_chars is not None:
        pf.right_indent = ONE_CHAR * right_chars
    if line_twips is not None:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Twips(line_twips)
    pf.space_before, pf.space_after = Pt(0), Pt(0)
    pf.keep_with_next = keep_next


def _char_format(style, east_asia: str, size_pt: float, *, latin: str = LATIN, bold: bool = False) -> None:
    style.font.size = Pt(size_pt)
    style.font.bold = bold
    rpr = style.element.get_or_add_rPr()
    _set_fonts(rpr, east_asia, latin)
    _put(rpr, _el("w:szCs", **{"w:val": str(int(size_pt * 2))}))


def run(paragraph: Paragraph, text: str, east_asia: str = FANGSONG, *, size: float | None = None, latin=LATIN):
    """A run with its fonts set on the run itself, so a template edited in Word keeps them."""
    r = paragraph.add_run(text)
    _set_fonts(r._r.get_or_add_rPr(), east_asia, latin)
    if size is not None:
        r.font.size = Pt(size)
    return r


# --- document set-up -------------------------------------------------------------------------------------


def _doc_defaults(document) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(rpr):
        rpr.remove(child)
    rpr.append(_fonts_el(FANGSONG))
    rpr.append(_el("w:kern", **{"w:val": "2"}))
    rpr.append(_el("w:sz", **{"w:val": str(BODY_PT * 2)}))
    rpr.append(_el("w:szCs", **{"w:val": str(BODY_PT * 2)}))
    rpr.append(_el("w:lang", **{"w:val": "en-US", "w:eastAsia": "zh-CN", "w:bidi": "ar-SA"}))
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    for child in list(ppr):
        ppr.remove(child)
    ppr.append(_el("w:spacing", **{"w:after": "0", "w:line": str(LINE_PITCH_TWIPS), "w:lineRule": "exact"}))
    # python-docx's bundled styles (Heading 1, Title …) use theme fonts; drop those slots so nothing can fall back
    # to a Japanese or Latin theme face.
    for fonts in styles.iter(qn("w:rFonts")):
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            if fonts.get(qn(attr)) is not None:
                del fonts.attrib[qn(attr)]
        if fonts.get(qn("w:eastAsia")) is None:
            fonts.set(qn("w:eastAsia"), FANGSONG)
        for attr in ("w:ascii", "w:hAnsi"):
            if fonts.get(qn(attr)) is None:
                fonts.set(qn(attr), LATIN)


def _styles(document) -> None:
    normal = document.styles["Normal"]
    _char_format(normal, FANGSONG, BODY_PT)
    # 28 characters a line: 16 pt characters condensed by 0.25 pt fill the 156 mm line 28 times. Word's
    # docGrid charSpace would do the same, but LibreOffice then gives each character two grid cells.
    _put(normal.element.get_or_add_rPr(), _el("w:spacing", **{"w:val": str(CONDENSE_TWENTIETHS)}))
    _para_format(normal, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_chars=2)
    _put(normal.element.get_or_add_pPr(), _el("w:widowControl", **{"w:val": "0"}))

    title = _style(document, "GwTitle", "公文标题")
    _char_format(title, XIAOBIAOSONG, TITLE_PT)
    _para_format(title, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0, line_twips=35 * 20)

    number = _style(document, "GwNumber", "发文字号")
    _para_format(number, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0)

    addressee = _style(document, "GwAddressee", "主送机关")
    _para_format(addressee, align=WD_ALIGN_PARAGRAPH.LEFT, first_line_chars=0)

    h1 = _style(document, "GwHeading1", "一级标题")
    _char_format(h1, HEITI, BODY_PT)
    _para_format(h1, first_line_chars=2, keep_next=True)
    _put(h1.element.get_or_add_pPr(), _el("w:outlineLvl", **{"w:val": "0"}))

    h2 = _style(document, "GwHeading2", "二级标题")
    _char_format(h2, KAITI, BODY_PT)
    _para_format(h2, first_line_chars=2, keep_next=True)
    _put(h2.element.get_or_add_pPr(), _el("w:outlineLvl", **{"w:val": "1"}))

    # Kept with the next line, so the signature and date never stand alone at the top of a page.
    sign = _style(document, "GwSignature", "落款")
    _para_format(sign, align=WD_ALIGN_PARAGRAPH.RIGHT, first_line_chars=0, right_chars=4, keep_next=True)

    note = _style(document, "GwNote", "附注")
    _para_format(note, first_line_chars=2)

    cell = _style(document, "GwTableText", "表格文字")
    _char_format(cell, FANGSONG, TABLE_PT)
    _para_format(cell, align=WD_ALIGN_PARAGRAPH.LEFT, first_line_chars=0, line_twips=int(TABLE_PT * 1.5 * 20))

    head = _style(document, "GwTableHead", "表头文字", based_on="表格文字")
    _char_format(head, HEITI, TABLE_PT)
    _para_format(head, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0, line_twips=None)

    mark = _style(document, "GwOrganMark", "发文机关标志")
    _char_format(mark, XIAOBIAOSONG, ORGAN_MARK_PT)
    _put(mark.element.get_or_add_rPr(), _el("w:color", **{"w:val": RED}))
    _para_format(mark, align=WD_ALIGN_PARAGRAPH.CENTER, first_line_chars=0, line_twips=None)
    mark.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE

    # 署名 over 成文日期, both centred on one tab stop; kept with the next line like 落款.
    signed = _style(document, "GwSigned", "署名")
    _para_format(signed, align=WD_ALIGN_PARAGRAPH.LEFT, first_line_chars=0, keep_next=True)
    signed.paragraph_format.tab_stops.add_tab_stop(SIGN_CENTRE, WD_TAB_ALIGNMENT.CENTER)

    colophon = _style(document, "GwColophon", "版记")
    _char_format(colophon, FANGSONG, COLOPHON_PT)
    _para_format(colophon, align=WD_ALIGN_PARAGRAPH.LEFT, first_line_chars=0, line_twips=None)
    colophon.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    colophon.paragraph_format.space_before = colophon.paragraph_format.space_after = Pt(3)
    # 抄送 and 印发机关 one character in from the left, 印发日期 one character in from the right (§7.4.2, §7.4.3).
    colophon.paragraph_format.left_indent = colophon.paragraph_format.right_indent = Twips(COLOPHON_PT * 20)
    colophon.paragraph_format.tab_stops.add_tab_stop(Twips(8844 - 2 * COLOPHON_PT * 20), WD_TAB_ALIGNMENT.RIGHT)

    footer = _style(document, "GwPageNumber", "页码")
    _char_format(footer, SONGTI, PAGE_NO_PT, latin=SONGTI)
    _para_format(footer, first_line_chars=0, line_twips=None)
    footer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE


def _settings(document) -> None:
    settings = document.settings.element
    lang = settings.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    # Odd pages: number on the right; even pages: on the left (GB/T 9704 §7.5).
    document.settings.odd_and_even_pages_header_footer = True
    rsids = settings.find(qn("w:rsids"))
    if rsids is not None:
        settings.remove(rsids)


def _font_table(document) -> None:
    part = next(rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable"))
    from lxml import etree

    root = etree.fromstring(part.blob)
    ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
    for font in root.findall("w:font", ns):
        if font.get(qn("w:name")) in {name for name, *_ in FONT_TABLE}:
            root.remove(font)
    for name, alt, panose, family, pitch in FONT_TABLE:
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        if alt:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), alt)
        etree.SubElement(font, qn("w:panose1")).set(qn("w:val"), panose)
        # 86 = GB2312 character set, so Word looks for a Simplified Chinese face.
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "00" if name == LATIN else "86")
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), family)
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), pitch)
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number_paragraph(paragraph: Paragraph, *, odd: bool) -> None:
    """ "— N —": a PAGE field between em dashes, 宋体 四号, one character in from the outer edge."""
    paragraph.style = "页码"
    pf = paragraph.paragraph_format
    pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    if odd:
        pf.right_indent = Twips(PAGE_NO_PT * 20)
    else:
        pf.left_indent = Twips(PAGE_NO_PT * 20)

    def field_char(kind: str):
        r = run(paragraph, "", SONGTI, latin=SONGTI)
        r._r.append(_el("w:fldChar", **{"w:fldCharType": kind}))

    run(paragraph, "— ", SONGTI, latin=SONGTI)
    field_char("begin")
    instr = run(paragraph, "", SONGTI, latin=SONGTI)
    text = _el("w:instrText", **{"xml:space": "preserve"})
    text.text = " PAGE "
    instr._r.append(text)
    field_char("separate")
    run(paragraph, "1", SONGTI, latin=SONGTI)
    field_char("end")
    run(paragraph, " —", SONGTI, latin=SONGTI)


def _page_setup(document) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(15)
    # The page number line sits about 7 mm below the text area (GB/T 9704 §7.5).
    section.footer_distance = Mm(22)
    sect_pr = section._sectPr
    for old in sect_pr.findall(qn("w:docGrid")):
        sect_pr.remove(old)
    # A line grid only (see CONDENSE_TWENTIETHS for the characters).
    sect_pr.append(_el("w:docGrid", **{"w:type": "lines", "w:linePitch": str(LINE_PITCH_TWIPS)}))
    for footer, odd in ((section.footer, True), (section.even_page_footer, False)):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        _page_number_paragraph(paragraph, odd=odd)


def _core_properties(document, title: str) -> None:
    core = document.core_properties
    core.title = title
    core.author = "规范性文件审查备案跟踪"
    core.comments = "内置模板，可在 Word 中修改后由管理员上传替换。"
    core.subject = core.keywords = core.category = core.last_modified_by = ""
    core.revision = 1
    core.created = core.modified = FIXED_TIME.replace(tzinfo=None)


def _drop_thumbnail(document) -> None:
    package = document.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            del package.rels[rid]


def new_document(title: str):
    document = docx.Document()
    body = document.element.body
    for p in body.findall(qn("w:p")):
        body.remove(p)
    _doc_defaults(document)
    _styles(document)
    _settings(document)
    _font_table(document)
    _page_setup(document)
    _core_properties(document, title)
    _drop_thumbnail(document)
    return document


def para(document, text: str = "", style: str | None = None, *, east_asia: str | None = None) -> Paragraph:
    p = document.add_paragraph(style=style)
    if text:
        run(p, text, east_asia or _STYLE_FONT.get(style, FANGSONG))
    return p


_STYLE_FONT = {
    "公文标题": XIAOBIAOSONG,
    "发文机关标志": XIAOBIAOSONG,
    "一级标题": HEITI,
    "二级标题": KAITI,
    "表头文字": HEITI,
}


def keep(paragraph: Paragraph) -> Paragraph:
    paragraph.paragraph_format.keep_with_next = True
    return paragraph


def tag(document, statement: str) -> Paragraph:
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}); it disappears when rendered."""
    return para(document, "{%p " + statement + " %}")


def _cell_text(cell, text: str, style: str) -> None:
    p = cell.paragraphs[0]
    p.style = style
    run(p, text, HEITI if style == "表头文字" else FANGSONG)


def _table_borders(table: Table) -> None:
    tbl_pr = table._tbl.tblPr
    borders = _el("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{edge}", **{"w:val": "single", "w:sz": "4", "w:space": "0", "w:color": "000000"}))
    _put(tbl_pr, borders)


def table(document, headers: list[str], widths_mm: list[int], rows: list[list[str]]) -> Table:
    t = document.add_table(rows=1 + len(rows), cols=len(headers))
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    _table_borders(t)
    for i, width in enumerate(widths_mm):
        t.columns[i].width = Mm(width)
        for cell in t.columns[i].cells:
            cell.width = Mm(width)
    for cell, text in zip(t.rows[0].cells, headers, strict=True):
        _cell_text(cell, text, "表头文字")
    # The header row repeats on every page of a long table.
    t.rows[0]._tr.get_or_add_trPr().append(_el("w:tblHeader"))
    for row, texts in zip(t.rows[1:], rows, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            _cell_text(cell, text, "表格文字")
    return t


def _row_under(t: Table, *, above: int, row: int, text: str) -> None:
    """Row `row` as a continuation of row `above`: its first cell joins the one above (the 序号 spans both), the
    others are one cell holding `text`."""
    cells = t.rows[row].cells
    for cell in cells:
        for r in cell.paragraphs[0].runs:
            r._r.getparent().remove(r._r)
    t.rows[above].cells[0]._tc.vMerge = "restart"
    cells[0]._tc.vMerge = "continue"
    merged = cells[1].merge(cells[-1])
    run(merged.paragraphs[0], text)


# --- the elements of an outgoing 公文 (GB/T 9704-2012 §7) -----------------------------------------------------


def _border(paragraph: Paragraph, edge: str, *, val: str = "single", size: int = 12, space: int = 0) -> None:
    """A red line along one edge of a paragraph: as wide as the text area, whatever the paragraph holds."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = ppr.find(qn("w:pBdr"))
    if borders is None:
        borders = _el("w:pBdr")
        _put(ppr, borders)
    borders.append(_el(f"w:{edge}", **{"w:val": val, "w:sz": str(size), "w:space": str(space), "w:color": RED}))


def _red(r) -> None:
    _put(r._r.get_or_add_rPr(), _el("w:color", **{"w:val": RED}))


def masthead(document, *, upward: bool = False, letter: bool = False) -> None:
    """版头 (§7.2): the 发文机关标志 in red 小标宋, the 发文字号 (with 签发人 on upward documents), the red line.

    A letter (信函格式, §10.1) has the organ's name over a red double line (thick over thin) and its 发文字号 on the
    right below it; a document (文件格式) has the mark 35 mm down the text area, two lines, the 发文字号 centred
    (left, with 签发人 on the right, when it goes up) and the red line 4 mm below it.
    """
    mark = document.add_paragraph(style="发文机关标志")
    _red(run(mark, "{{ organ_mark }}", XIAOBIAOSONG))
    if letter:
        _border(mark, "bottom", val="thickThinSmallGap", size=24, space=4)
        tag(document, "if number")
        number = para(document, "{{ number }}", "发文字号")
        number.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        tag(document, "endif")
        return
    mark.paragraph_format.space_before = Mm(35)
    para(document)
    para(document)
    number = para(document, style="发文字号")
    if upward:
        # 发文字号 one character in from the left, 签发人 (name in 楷体) one in from the right, on one line (§7.2.5).
        number.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        number.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
        run(number, "\u3000{{ number }}{% if signer %}\t签发人：")
        run(number, "{{ signer }}", KAITI)
        run(number, "\u3000{% endif %}")
    else:
        run(number, "{{ number }}")
    _border(number, "bottom", size=12, space=11)
    para(document)


def signature(document, organ: str = "{{ issuer }}", day: str = "{{ signed_on }}") -> None:
    """署名 centred over 成文日期, two lines below the text for the seal (§7.3.5.1: the seal's top within a line)."""
    keep(para(document))
    keep(para(document))
    para(document, "\t" + organ, "署名")
    para(document, "\t" + day, "署名")


def colophon(document) -> None:
    """版记 (§7.4): 抄送 and 印发机关和印发日期 between a thick first line, a thin line and a thick last line.

    A table with only top, inside and bottom borders, floating at the foot of the last page's text area in Word
    (LibreOffice keeps it after the last line of text); the 抄送 row disappears when there is none.
    """
    t = document.add_table(rows=4, cols=1)
    tbl_pr = t._tbl.tblPr
    borders = _el("w:tblBorders")
    for edge, size in (("top", "8"), ("bottom", "8"), ("insideH", "6")):
        borders.append(_el(f"w:{edge}", **{"w:val": "single", "w:sz": size, "w:space": "0", "w:color": "000000"}))
    _put(tbl_pr, borders)
    position = {"w:vertAnchor": "margin", "w:horzAnchor": "margin", "w:tblpXSpec": "center", "w:tblpYSpec": "bottom"}
    _put(tbl_pr, _el("w:tblpPr", **{"w:leftFromText": "0", "w:rightFromText": "0", **position}))
    _put(tbl_pr, _el("w:tblW", **{"w:w": str(TEXT_WIDTH.twips), "w:type": "dxa"}))
    margins = _el("w:tblCellMar")
    for edge in ("left", "right"):
        margins.append(_el(f"w:{edge}", **{"w:w": "0", "w:type": "dxa"}))
    _put(tbl_pr, margins)
    t.autofit = False
    for row, text in zip(
        t.rows, ("{%tr if cc %}", "抄送：{{ cc }}", "{%tr endif %}", "{{ printer }}\t{{ printed_on }}印发"), strict=True
    ):
        cell = row.cells[0]
        cell.width = TEXT_WIDTH
        cell.paragraphs[0].style = "版记"
        run(cell.paragraphs[0], text)
        row._tr.get_or_add_trPr().append(_el("w:cantSplit"))
    # A document ends with a paragraph, not a table.
    para(document)


# --- the templates ----------------------------------------------------------------------------------------


def build_opinion() -> docx.Document:
    """《规范性文件合法性审查意见书》: every item of docs/rules.md §4, optional parts wrapped in {%p if %}."""
    d = new_document("规范性文件合法性审查意见书")
    para(d, "{{ office_name }}", "公文标题")
    para(d, "规范性文件合法性审查意见书", "公文标题")
    para(d, "{{ number }}", "发文字号")
    para(d)
    para(d, "{{ addressee }}：", "主送机关")
    para(
        d,
        "{{ drafting_unit }}于{{ received_on }}报送的《{{ title }}》（送审稿）及有关材料收悉。"
        "本所依照规范性文件合法性审查的有关规定，对该文件进行了合法性审查，现提出审查意见如下：",
    )

    para(d, "{{ sec.basic }}、基本情况", "一级标题")
    para(d, "文件名称：《{{ title }}》")
    para(d, "起草单位：{{ drafting_unit }}")
    para(d, "收件日期：{{ received_on }}{{ round_text }}")
    tag(d, "if materials")
    para(d, "送审材料：")
    tag(d, "for m in materials")
    para(d, "{{ m.no }}. {{ m.name }}")
    tag(d, "endfor")
    tag(d, "endif")

    tag(d, "if basis")
    para(d, "{{ sec.basis }}、审查依据", "一级标题")
    para(d, "本所对照下列法律、法规、规章和上级文件进行审查：")
    tag(d, "for b in basis")
    para(d, "{{ b.no }}. {{ b.text }}")
    tag(d, "endfor")
    tag(d, "endif")

    para(d, "{{ sec.points }}、审查情况", "一级标题")
    tag(d, "for p in points")
    p = d.add_paragraph()
    run(p, "{{ p.no }}{{ p.label }}：", KAITI)
    run(p, "{{ p.result }}。{{ p.note }}")
    tag(d, "endfor")

    tag(d, "if findings")
    para(d, "{{ sec.findings }}、具体修改意见", "一级标题")
    tag(d, "if findings_as_table")
    para(d, "共{{ findings_count }}条，逐条列明如下：")
    t = table(
        d,
        ["序号", "条款", "存在问题", "审查依据", "修改意见"],
        [13, 25, 44, 34, 40],
        [
            ["{%tr for f in findings %}", "", "", "", ""],
            ["{{ f.no }}", "{{ f.clause }}", "{{ f.problem }}", "{{ f.legal_basis }}", "{{ f.suggestion }}"],
            # The clause's words, under its reference and across the row; no row when the finding quotes none.
            ["{%tr if f.quote %}", "", "", "", ""],
            ["", "", "", "", ""],
            ["{%tr endif %}", "", "", "", ""],
            ["{%tr endfor %}", "", "", "", ""],
        ],
    )
    for cell in t.rows[2].cells[:1]:
        cell.paragraphs[0].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _row_under(t, above=2, row=4, text="原文：{{ f.quote }}")
    tag(d, "else")
    tag(d, "for f in findings")
    para(d, "{{ f.heading }}", "二级标题")
    tag(d, "if f.quote")
    para(d, "原文：{{ f.quote }}")
    tag(d, "endif")
    para(d, "存在问题：{{ f.problem }}")
    tag(d, "if f.legal_basis")
    para(d, "审查依据：{{ f.legal_basis }}")
    tag(d, "endif")
    tag(d, "if f.suggestion")
    para(d, "修改意见：{{ f.suggestion }}")
    tag(d, "endif")
    tag(d, "endfor")
    tag(d, "endif")
    tag(d, "endif")

    para(d, "{{ sec.conclusion }}、审查结论", "一级标题")
    tag(d, "if summary")
    para(d, "{{ summary }}")
    tag(d, "endif")
    p = d.add_paragraph()
    run(p, "审查结论：", HEITI)
    run(p, "{{ conclusion }}。")
    keep(para(d, "{{ not_adopted_note }}"))
    keep(para(d))  # GB/T 9704 §7.3.5: one blank line between the text and the signature
    para(d, "审查人：{{ reviewers }}", "落款")
    para(d, "{{ office_name }}（盖章）", "落款")
    para(d, "{{ issued_on }}", "落款")
    return d


def build_filing_report() -> docx.Document:
    """关于《…》的备案报告, an upward 公文 to the filing authority: 版头 with 签发人, the text, 附件说明, 版记."""
    d = new_document("备案报告")
    masthead(d, upward=True)
    para(d, "{{ heading }}", "公文标题")
    para(d)
    para(d, "{{ authority }}：", "主送机关")
    para(
        d,
        "根据规范性文件备案审查的有关规定，现将{{ issuer }}于{{ signed_on }}印发的《{{ title }}》"
        "（{{ numbers }}）报送备案。该文件已于{{ published_on }}{% if channel %}在{{ channel }}{% endif %}公布"
        "{% if effective_on %}，自{{ effective_on }}起施行{% endif %}"
        "{% if validity_end_on %}，有效期至{{ validity_end_on }}{% endif %}。",
    )
    tag(d, "if opinion_number")
    para(
        d,
        "该文件已经{{ office_name }}合法性审查（{{ opinion_number }}），审查结论为“{{ opinion_conclusion }}”"
        "{% if meeting %}，并经{{ meeting }}于{{ deliberated_on }}集体审议通过{% endif %}。",
    )
    tag(d, "endif")
    tag(d, "if early_effect")
    para(
        d,
        "该文件自公布至施行不足{{ effect_min_gap }}日，"
        "{% if early_effect_reason %}提前施行的理由是：{{ early_effect_reason }}"
        "{% else %}提前施行的理由详见附件说明{% endif %}。",
    )
    tag(d, "endif")
    para(d, "特此报告。")
    para(d)
    tag(d, "for e in enclosures[:-1]")
    para(d, "{{ e.prefix }}{{ e.no }}. {{ e.name }}")
    tag(d, "endfor")
    # The last enclosure stays with the signature: a signature page never stands without text (GB/T 9704 §7.3.5).
    tag(d, "for e in enclosures[-1:]")
    keep(para(d, "{{ e.prefix }}{{ e.no }}. {{ e.name }}"))
    tag(d, "endfor")
    signature(d, "{{ issuer }}", "{{ report_date }}")
    tag(d, "if contact")
    para(d, "（联系人：{{ contact }}{% if phone %}，联系电话：{{ phone }}{% endif %}）", "附注")
    tag(d, "endif")
    colophon(d)
    return d


def _centre_column(t: Table, row: int, column: int = 0) -> None:
    t.rows[row].cells[column].paragraphs[0].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _cant_split(t: Table, row: int) -> None:
    """A row stays on one page (a title or a reason is not cut in two by a page break)."""
    t.rows[row]._tr.get_or_add_trPr().append(_el("w:cantSplit"))


def build_cleanup_catalogue() -> docx.Document:
    """关于公布…结果的通知, with the catalogue as its attachment: one table per result category (docs/rules.md §6).

    The categories are a loop, so a category without documents leaves neither heading nor table behind.
    """
    d = new_document("清理结果目录")
    masthead(d)
    para(d, "{{ heading }}", "公文标题")
    para(d)
    para(d, "{{ addressee }}：", "主送机关")
    para(d, "{{ opening }}")
    tag(d, "if summary")
    para(d, "{{ summary }}")
    tag(d, "endif")
    tag(d, "for e in effects[:-1]")
    para(d, "{{ e.text }}")
    tag(d, "endfor")
    # The last sentence stays with the signature: a signature page never stands without text (GB/T 9704 §7.3.5).
    tag(d, "for e in effects[-1:]")
    keep(para(d, "{{ e.text }}"))
    tag(d, "endfor")
    keep(para(d))
    # GB/T 9704 §7.3.4: 附件说明 after the text, one blank line below it.
    keep(para(d, "附件：{{ catalogue_title }}"))
    signature(d)
    para(d, "（此件公开发布）", "附注")

    # The attachment starts a new page: 附件 in 黑体 at the top left, then its title (GB/T 9704 §8).
    label = para(d, "附件", "主送机关", east_asia=HEITI)
    label.paragraph_format.page_break_before = True
    para(d)
    para(d, "{{ catalogue_title }}", "公文标题")
    tag(d, "if catalogue_facts")
    para(d, "（{{ catalogue_facts }}）", "发文字号", east_asia=KAITI)
    tag(d, "endif")
    para(d)
    tag(d, "for c in categories")
    keep(para(d, "{{ c.no }}、{{ c.heading }}（{{ c.count }}件）", "一级标题"))
    t = table(
        d,
        ["序号", "文件名称", "发文字号/规范性文件编号", "理由"],
        [15, 47, 50, 44],
        [
            ["{%tr for r in c.rows %}", "", "", ""],
            ["{{ r.no }}", "{{ r.title }}", "{{ r.numbers }}", "{{ r.reason }}"],
            ["{%tr endfor %}", "", "", ""],
        ],
    )
    _centre_column(t, 2)
    _cant_split(t, 2)
    tag(d, "endfor")
    # The 版记 closes the whole document, after the attachment (GB/T 9704 §7.4).
    para(d)
    colophon(d)
    return d


def build_annual_statistics() -> docx.Document:
    """{town}{year}年度行政规范性文件管理情况: the report paragraph, then the rates and the figures as tables."""
    d = new_document("年度规范性文件管理情况")
    para(d, "{{ title }}", "公文标题")
    para(d)
    para(d, "{{ sec.overview }}、总体情况", "一级标题")
    para(d, "{{ paragraph }}")
    # A section with nothing to count has no heading and no table: no lines for items that are zero.
    tag(d, "if rates")
    para(d, "{{ sec.rates }}、主要比率", "一级标题")
    t = table(
        d,
        ["序号", "指标", "比率", "分子", "分母", "计算口径"],
        [15, 34, 20, 15, 15, 57],
        [
            ["{%tr for r in rates %}", "", "", "", "", ""],
            ["{{ r." + key + " }}" for key in ("no", "label", "text", "numerator", "denominator", "basis")],
            ["{%tr endfor %}", "", "", "", "", ""],
        ],
    )
    for column in (0, 2, 3, 4):
        _centre_column(t, 2, column)
    _cant_split(t, 2)
    tag(d, "endif")
    tag(d, "if figures")
    para(d, "{{ sec.figures }}、主要数据", "一级标题")
    t = table(
        d,
        ["序号", "指标", "数值", "构成"],
        [15, 61, 20, 60],
        [
            ["{%tr for f in figures %}", "", "", ""],
            ["{{ f.no }}", "{{ f.label }}", "{{ f.value }}", "{{ f.breakdown }}"],
            ["{%tr endfor %}", "", "", ""],
        ],
    )
    for column in (0, 2):
        _centre_column(t, 2, column)
    _cant_split(t, 2)
    tag(d, "endif")
    tag(d, "if note")
    para(d, "{{ note }}", "附注")
    tag(d, "endif")
    return d


def build_city_statistics() -> docx.Document:
    """{city}{year}年度各镇街行政规范性文件管理情况: the city's paragraph, then each town's rates and counts (the
    city's total last), as tables."""
    d = new_document("各镇街年度规范性文件管理情况")
    para(d, "{{ title }}", "公文标题")
    para(d)
    para(d, "{{ sec.overview }}、总体情况", "一级标题")
    para(d, "{{ paragraph }}")
    tag(d, "if rates")
    para(d, "{{ sec.rates }}、各镇街主要比率", "一级标题")
    t = table(
        d,
        ["序号", "镇街", "合法性审查审核率", "统一发布率", "备案率", "报备及时率"],
        [14, 26, 29, 29, 29, 29],
        [
            ["{%tr for r in rates %}", "", "", "", "", ""],
            [
                "{{ r." + key + " }}"
                for key in ("no", "town", "review_rate", "publication_rate", "filing_rate", "on_time_rate")
            ],
            ["{%tr endfor %}", "", "", "", "", ""],
        ],
    )
    for column in (0, 2, 3, 4, 5):
        _centre_column(t, 2, column)
    _cant_split(t, 2)
    tag(d, "endif")
    tag(d, "if counts")
    para(d, "{{ sec.counts }}、各镇街主要数据", "一级标题")
    keys = ("no", "town", "reviewed", "opinions", "published", "in_force", "overdue_filing", "overdue_correction")
    t = table(
        d,
        ["序号", "镇街", "审查文件", "审查意见书", "统一发布", "现行有效", "逾期未报备", "逾期未补正"],
        [14, 26, 18, 20, 18, 20, 20, 20],
        [
            ["{%tr for c in counts %}", *[""] * 7],
            ["{{ c." + key + " }}" for key in keys],
            ["{%tr endfor %}", *[""] * 7],
        ],
    )
    for column in range(2, 8):
        _centre_column(t, 2, column)
    _centre_column(t, 2, 0)
    _cant_split(t, 2)
    tag(d, "endif")
    tag(d, "if note")
    para(d, "{{ note }}", "附注")
    tag(d, "endif")
    return d


def build_comment_reply() -> docx.Document:
    """关于《…》的意见: a letter (信函格式) of the organ that replies, quoting the incoming 文号 in its text."""
    return _letter("征求意见答复")


def build_filing_opinion() -> docx.Document:
    """关于《…》的备案审查意见: a letter of the city justice bureau to the organ that filed, in its own series."""
    return _letter("备案审查意见书")


def _letter(title: str) -> docx.Document:
    """A letter (信函格式, GB/T 9704 §10.1): masthead, heading, addressee, opening, paragraphs with headings, closing,
    signature, contact note and 版记."""
    d = new_document(title)
    masthead(d, letter=True)
    para(d)
    para(d, "{{ heading }}", "公文标题")
    para(d)
    para(d, "{{ addressee }}：", "主送机关")
    para(d, "{{ opening }}")
    tag(d, "for p in paragraphs")
    tag(d, "if p.level == 1")
    para(d, "{{ p.text }}", "一级标题")
    tag(d, "elif p.level == 2")
    para(d, "{{ p.text }}", "二级标题")
    tag(d, "else")
    para(d, "{{ p.text }}")
    tag(d, "endif")
    tag(d, "endfor")
    tag(d, "if closing")
    keep(para(d, "{{ closing }}"))
    tag(d, "endif")
    signature(d)
    tag(d, "if contact")
    para(d, "（联系人：{{ contact }}{% if phone %}，联系电话：{{ phone }}{% endif %}）", "附注")
    tag(d, "endif")
    colophon(d)
    return d


def build_deliberation_material() -> docx.Document:
    """关于《…》合法性审查意见采纳情况的说明: for the collective deliberation (国办发〔2018〕37号)."""
    d = new_document("集体审议材料")
    para(d, "{{ title }}", "公文标题")
    para(d)
    para(d, "{{ opening }}")
    para(d, "一、合法性审查情况", "一级标题")
    tag(d, "for o in opinions")
    para(d, "{{ o.text }}")
    tag(d, "endfor")
    para(d, "二、未采纳的审查意见及理由", "一级标题")
    tag(d, "if items")
    para(d, "共{{ items_count }}条，逐条说明如下：")
    t = table(
        d,
        ["序号", "轮次和条款", "审查意见", "答复", "理由"],
        [13, 30, 50, 21, 42],
        [
            ["{%tr for i in items %}", "", "", "", ""],
            ["{{ i.no }}", "{{ i.where }}", "{{ i.opinion }}", "{{ i.response }}", "{{ i.reason }}"],
            ["{%tr endfor %}", "", "", "", ""],
        ],
    )
    for column in (0, 3):
        _centre_column(t, 2, column)
    _cant_split(t, 2)
    tag(d, "else")
    para(d, "{{ none_note }}")
    tag(d, "endif")
    keep(para(d))
    para(d, "{{ drafting_unit }}", "落款")
    para(d, "{{ signed_on }}", "落款")
    return d


BUILDERS: dict[str, Callable[[], docx.Document]] = {
    "opinion.docx": build_opinion,
    "filing_report.docx": build_filing_report,
    "cleanup_catalogue.docx": build_cleanup_catalogue,
    "annual_statistics.docx": build_annual_statistics,
    "comment_reply.docx": build_comment_reply,
    "deliberation_material.docx": build_deliberation_material,
    "filing_opinion.docx": build_filing_opinion,
    "city_statistics.docx": build_city_statistics,
}


def reproducible_bytes(document) -> bytes:
    """Save, then rewrite the zip with fixed timestamps so that the same builder gives the same bytes."""
    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def build_all() -> dict[str, bytes]:
    return {name: reproducible_bytes(builder()) for name, builder in BUILDERS.items()}


def write_all(directory: Path = DOCX_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in build_all().items():
        path = directory / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path)
