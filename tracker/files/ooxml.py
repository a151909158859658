"""Reading an uploaded Office file (a zip of XML parts) with hard limits, whatever its zip headers declare.

Every member is inflated as a stream, in bounded chunks, by our own loop: a member that inflates past the size its
header declares is refused the moment it does (zipfile trusts that size only to cut the output, after inflating
in one piece all that the data holds: an under-declared bomb grows the process by gigabytes). A member that
matches its header is then safe for any reader. The XML parts are parsed while they inflate, once, by a pull
parser that keeps no more than the element being read: the text of a Word file is taken from that single pass,
and the count of paragraphs, characters and elements is capped as it is read.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from tracker.errors import ValidationFailed

MB = 1024 * 1024
IN_CHUNK = 64 * 1024
OUT_CHUNK = 256 * 1024
_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")


@dataclass(frozen=True)
class Limits:
    total_bytes: int = 100 * MB  # all members, inflated
    # A 300-page regulation is about 3 MB of XML, 6,000 paragraphs, 300,000 characters and 150,000 elements.
    xml_part_bytes: int = 16 * MB  # one XML part, inflated
    paragraphs: int = 20_000  # w:p elements of word/document.xml (tables included)
    text_chars: int = 1_000_000  # characters of text taken from word/document.xml
    elements: int = 500_000  # XML elements of one part


DEFAULT_LIMITS = Limits()


def _this(what: str) -> str:
    """该 + the kind of file, with a space before a Latin word as Chinese typesetting does (该 Word 文档)."""
    return f"该 {what}" if what[:1].isascii() else f"该{what}"


def _amount(n: int) -> str:
    return f"{n // 10000} 万" if n >= 10000 and n % 10000 == 0 else f"{n} "


def _refuse(what: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{_this(what)}{reason}，已拒收。")


def _damaged(what: str) -> ValidationFailed:
    return ValidationFailed(f"{_this(what)}已损坏，无法打开。")


def _unreadable(what: str) -> ValidationFailed:
    return ValidationFailed(f"{_this(what)}内容已损坏，无法读取。")


def _raw_member(data: memoryview, info: zipfile.ZipInfo, what: str) -> memoryview:
    """The compressed bytes of a member, located through its local header (as zipfile does)."""
    offset = info.header_offset
    if offset < 0 or offset + _LOCAL_HEADER.size > len(data):
        raise _damaged(what)
    fields = _LOCAL_HEADER.unpack_from(data, offset)
    if fields[0] != b"PK\x03\x04":
        raise _damaged(what)
    start = offset + _LOCAL_HEADER.size + fields[-2] + fields[-1]
    end = start + info.compress_size
    if end > len(data):
        raise _damaged(what)
    return data[start:end]


def inflate(data: memoryview, info: zipfile.ZipInfo, what: str, sink: Callable[[bytes], None], budget: int) -> int:
    """Feed the member's bytes to sink in chunks; refuse as soon as it outgrows its header or the budget."""
    limit = min(info.file_size, budget)
    raw = _raw_member(data, info, what)
    produced, crc = 0, 0
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) != info.file_size:
            raise _refuse(what, "的压缩信息与内容不符（疑似压缩炸弹）")
        for pos in range(0, len(raw), OUT_CHUNK):
            chunk = bytes(raw[pos : pos + OUT_CHUNK])
            produced += len(chunk)
            if produced > budget:
                raise _refuse(what, "解压后超过上限")
            crc = zlib.crc32(chunk, crc)
            sink(chunk)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        pos = 0
        while not inflater.eof:
            if inflater.unconsumed_tail:
                chunk_in = inflater.unconsumed_tail
            elif pos < len(raw):
                chunk_in, pos = raw[pos : pos + IN_CHUNK], pos + IN_CHUNK
            else:
                raise _damaged(what)  # the stream ends before its end marker
            try:
                chunk = inflater.decompress(chunk_in, OUT_CHUNK)
            except zlib.error:
                raise _damaged(what) from None
            produced += len(chunk)
            if produced > limit:
                if produced > info.file_size:
                    raise _refuse(what, "的压缩信息与内容不符（疑似压缩炸弹）")
                raise _refuse(what, "解压后超过上限")
            crc = zlib.crc32(chunk, crc)
            if chunk:
                sink(chunk)
    else:
        raise _refuse(what, "使用了不支持的压缩方式")
    if produced != info.file_size or crc != info.CRC:
        raise _damaged(what)
    return produced


# --- XML parts, parsed as they inflate ---------------------------------------------------------------------

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_BODY, _P, _R, _HYPERLINK, _TBL, _TR, _TC = (W + t for t in ("body", "p", "r", "hyperlink", "tbl", "tr", "tc"))
# Run content and its text, as python-docx reads it (docx/oxml/text/run.py).
_RUN_TEXT = {W + "tab": "\t", W + "ptab": "\t", W + "cr": "\n", W + "noBreakHyphen": "-"}
# Kept until their cell or row ends: they say how a cell spans the table's grid.
_KEEP = frozenset(W + t for t in ("tcPr", "trPr", "gridSpan", "vMerge", "gridBefore"))


def _parser() -> etree.XMLPullParser:
    return etree.XMLPullParser(
        events=("end",),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


class _XmlPart:
    """Parses one XML part from its chunks, dropping each element once read; counts elements."""

    def __init__(self, what: str, limits: Limits):
        self.what, self.limits = what, limits
        self.parser = _parser()
        self.elements = 0
        self.root = None

    def feed(self, chunk: bytes) -> None:
        try:
            self.parser.feed(chunk)
            self._drain()
        except etree.XMLSyntaxError:
            raise _unreadable(self.what) from None

    def close(self) -> None:
        try:
            self.root = self.parser.close()
            self._drain()
        except etree.XMLSyntaxError:
            raise _unreadable(self.what) from None

    def _drain(self) -> None:
        for _event, element in self.parser.read_events():
            self.elements += 1
            if self.elements > self.limits.elements:
                raise _refuse(self.what, "的内容结构过于庞大")
            self.on_end(element)

    def on_end(self, element) -> None:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)


class _WordBody(_XmlPart):
    """word/document.xml: the text paragraph by paragraph, tables row by row, as python-docx gives it.

    A paragraph of the body, or of a cell of a table of the body, is its runs' text (hyperlinks' runs included);
    a table row is its cells' text joined by " | ", a merged cell once (docx/table.py _Row.cells).
    """

    def __init__(self, what: str, limits: Limits):
        super().__init__(what, limits)
        self.paragraphs: list[str] = []
        self.count = 0
        self.chars = 0
        self._text: list[str] = []
        self._cell: list[str] = []
        self._row: list[tuple[object, str]] = []
        self._above: dict[int, str] = {}
        self._body = False

    def _tracked_paragraph(self, p) -> str | None:
        """'body' or 'cell' for a paragraph whose text is read, else None (nested tables, text boxes …)."""
        if p is None or p.tag != _P:
            return None
        parent = p.getparent()
        if parent is None:
            return None
        if parent.tag == _BODY:
            return "body"
        if parent.tag == _TC and self._tracked_cell(parent):
            return "cell"
        return None

    @staticmethod
    def _tracked_cell(tc) -> bool:
        tr = tc.getparent()
        tbl = tr.getparent() if tr is not None else None
        body = tbl.getparent() if tbl is not None else None
        return tr is not None and tr.tag == _TR and tbl.tag == _TBL and body is not None and body.tag == _BODY

    def _run_paragraph(self, run):
        parent = run.getparent()
        if parent is not None and parent.tag == _HYPERLINK:
            parent = parent.getparent()
        return parent

    def _add(self, text: str) -> None:
        self.chars += len(text)
        if self.chars > self.limits.text_chars:
            raise _refuse(self.what, f"正文超过 {_amount(self.limits.text_chars)}字")
        self._text.append(text)

    def on_end(self, element) -> None:
        tag = element.tag
        parent = element.getparent()
        if parent is not None and parent.tag == _R and (tag == W + "t" or tag in _RUN_TEXT or tag == W + "br"):
            if self._tracked_paragraph(self._run_paragraph(parent)):
                if tag == W + "t":
                    self._add(element.text or "")
                elif tag == W + "br":
                    self._add("\n" if element.get(W + "type", "textWrapping") == "textWrapping" else "")
                else:
                    self._add(_RUN_TEXT[tag])
        elif tag == _P:
            self.count += 1
            if self.count > self.limits.paragraphs:
                raise _refuse(self.what, f"段落超过 {_amount(self.limits.paragraphs)}个")
            where = self._tracked_paragraph(element)
            if where is not None:
                text, self._text = "".join(self._text), []
                if where == "body":
                    if text.strip():
                        self.paragraphs.append(text.strip())
                else:
                    self._cell.append(text)
        elif tag == _TC and self._tracked_cell(element):
            self._row.append((element, "\n".join(self._cell).strip()))
            self._cell = []
            return  # dropped with its row: its properties are read when the row ends
        elif tag == _TR and parent is not None and parent.tag == _TBL and parent.getparent().tag == _BODY:
            self._end_row(element)
        elif tag == _TBL and parent is not None and parent.tag == _BODY:
            self._above = {}
        elif tag == _BODY and parent is not None and parent.tag == W + "document":
            self._body = True
        if tag not in _KEEP:
            super().on_end(element)

    def _end_row(self, tr) -> None:
        offset = _int(tr.find(f"{W}trPr/{W}gridBefore"))
        cells: list[str] = []
        here: dict[int, str] = {}
        for tc, own in self._row:
            span = max(_int(tc.find(f"{W}tcPr/{W}gridSpan")) or 1, 1)
            merge = tc.find(f"{W}tcPr/{W}vMerge")
            text = own
            if merge is not None and merge.get(W + "val", "continue") == "continue":
                text = self._above.get(offset, "")  # the cell above holds the merged cell's text
            for i in range(span):
                here[offset + i] = text
            cells += [text] * span
            offset += span
        self._above, self._row = here, []
        line = " | ".join(dict.fromkeys(c for c in cells if c))
        if line:
            self.paragraphs.append(line)

    def close(self) -> None:
        super().close()
        if self.root is None or self.root.tag != W + "document" or not self._body:
            raise _unreadable(self.what)


def _int(element) -> int:
    try:
        return int(element.get(W + "val")) if element is not None else 0
    except (TypeError, ValueError):
        return 0


# --- the package ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Package:
    names: frozenset[str]
    paragraphs: tuple[str, ...] | None  # the text of word/document.xml, when read


def read_package(
    zf: zipfile.ZipFile,
    data: bytes,
    what: str,
    *,
    limits: Limits = DEFAULT_LIMITS,
    parse_xml: bool = False,
    word_text: bool = False,
    on_part: Callable[[str], _XmlPart | None] | None = None,
) -> Package:
    """Inflate every member within the limits; parse the XML parts (parse_xml) and read a Word file's text."""
    view = memoryview(data)
    budget = limits.total_bytes
    paragraphs = None
    for info in zf.infolist():
        if info.is_dir():
            continue
        name = info.filename
        part: _XmlPart | None = on_part(name) if on_part else None
        if part is None and word_text and name == "word/document.xml":
            part = _WordBody(what, limits)
        elif part is None and parse_xml and name.endswith((".xml", ".rels")):
            part = _XmlPart(what, limits)
        if part is not None and info.file_size > limits.xml_part_bytes:
            raise _refuse(what, f"的正文部分解压后超过 {limits.xml_part_bytes // MB} MB")
        sink = part.feed if part is not None else _discard
        budget -= inflate(view, info, what, sink, budget)
        if part is not None:
            part.close()
            if isinstance(part, _WordBody):
                paragraphs = tuple(part.paragraphs)
    return Package(frozenset(zf.namelist()), paragraphs)


def _discard(_chunk: bytes) -> None:
    return None


# --- a workbook read by the register import ------------------------------------------------------------------


class _Worksheet(_XmlPart):
    """A worksheet whose rows may hold at most `cells_per_row` cells: a reader builds each row whole."""

    def __init__(self, what: str, limits: Limits, cells_per_row: int):
        super().__init__(what, limits)
        self.cells_per_row = cells_per_row
        self.in_row = 0

    def on_end(self, element) -> None:
        name = etree.QName(element).localname
        if name == "c":
            self.in_row += 1
            if self.in_row > self.cells_per_row:
                raise _refuse(self.what, f"有一行超过 {self.cells_per_row} 个单元格")
        elif name == "row":
            self.in_row = 0
        super().on_end(element)


def check_workbook(zf: zipfile.ZipFile, data: bytes, what: str, *, limits: Limits, cells_per_row: int) -> None:
    """Inflate a workbook within the limits, parsing its XML parts once; no row wider than cells_per_row."""

    def part(name: str) -> _XmlPart | None:
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            return _Worksheet(what, limits, cells_per_row)
        return None

    read_package(zf, data, what, limits=limits, parse_xml=True, on_part=part)
