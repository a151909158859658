"""Upload payloads for tests: real .docx files made with python-docx, and the bad files people (or attackers) send."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import cache

import docx

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def docx_bytes(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    """A real Word file: the paragraphs, then (optionally) a table with the given rows."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                t.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rezip(data: bytes, *, replace: dict[str, bytes] | None = None, drop: set[str] = frozenset(), add=()) -> bytes:
    """Copy a zip, replacing, dropping or adding members."""
    replace = replace or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename in drop:
                continue
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in add:
            dst.writestr(name, content)
    return out.getvalue()


def docm_bytes() -> bytes:
    """A Word file whose content types declare the macro-enabled main part (what Word writes for .docm)."""
    data = docx_bytes(["第一条 含宏文档"])
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    macro = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    assert macro != types
    return rezip(data, replace={"[Content_Types].xml": macro}, add=[("word/vbaProject.bin", b"\x00" * 64)])


def encrypted_flag_bytes() -> bytes:
    """A docx whose members carry the 'encrypted' general-purpose flag (bit 0), as a password-protected zip does.

    Python's zipfile cannot write that flag, so it is set in the local headers and the central directory by hand.
    """
    raw = bytearray(docx_bytes(["第一条 加密"]))
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = raw.find(signature)
        while pos != -1:
            raw[pos + flag_offset] |= 0x01
            pos = raw.find(signature, pos + 4)
    return bytes(raw)


@cache
def zip_bomb_bytes() -> bytes:
    """A docx with one member of 200 MB of zeros: about 200 KB on the wire (built once, it takes half a second)."""
    return rezip(docx_bytes(["第一条 炸弹"]), add=[("word/media/zeros.bin", bytes(200 * 1024 * 1024))])


def many_members_bytes(n: int = 1200) -> bytes:
    return rezip(docx_bytes(["第一条 成员过多"]), add=[(f"word/media/m{i}.xml", b"<a/>") for i in range(n)])


def no_document_xml_bytes() -> bytes:
    return rezip(docx_bytes(["第一条"]), drop={"word/document.xml"})


def corrupt_xml_bytes() -> bytes:
    return rezip(docx_bytes(["第一条"]), replace={"word/document.xml": b"<w:document><w:body><w:p>unclosed"})


# --- files that try to exhaust a worker ---------------------------------------------------------------------


def raw_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip written by hand from (name, raw deflate data, declared CRC-32, declared size): headers may lie."""
    out, central = bytearray(), bytearray()
    for name, raw, crc, size in members:
        encoded = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(raw), size, len(encoded), 0)
        out += encoded + raw
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(raw), size, len(encoded), 0, 0, 0, 0, 0, offset
        )
        central += encoded
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0)
    return bytes(out + central + end)


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def _deflated_zeros(n_mb: int) -> bytes:
    """A raw deflate stream of n_mb MiB of zeros, built in a millisecond: one fully flushed block repeated."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = packer.compress(bytes(1024 * 1024)) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * n_mb + packer.flush()


def xlsx_bytes() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(("文件名称", "发文机关"))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# A member every reader loads as it is (python-docx: the thumbnail; openpyxl: the theme), so it is inflated.
_BLOB_MEMBER = {"docx": "docProps/thumbnail.jpeg", "xlsx": "xl/theme/theme1.xml"}


@cache
def underdeclared_bytes(actual_mb: int = 2048, declared: int = 1024 * 1024, kind: str = "docx") -> bytes:
    """A real file whose thumbnail (theme) headers declare 1 MB, with the CRC of that first MB, but hold 2 GB.

    The header checks see a 1 MB member stored in 2 MB (no bomb by its ratio) and a small total; zipfile, asked
    for the member, inflates all 2 GB in one piece before cutting it to the declared 1 MB, and the CRC matches.
    """
    real = zipfile.ZipFile(io.BytesIO(docx_bytes(["第一条 头部信息谎报大小"]) if kind == "docx" else xlsx_bytes()))
    members = []
    for info in real.infolist():
        if info.filename == _BLOB_MEMBER[kind]:
            members.append((info.filename, _deflated_zeros(actual_mb), zlib.crc32(bytes(declared)), declared))
        else:
            members.append((info.filename, _deflate(real.read(info)), info.CRC, info.file_size))
    return raw_zip(members)


def document_xml(body: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    ).encode()


def with_body(body: str) -> bytes:
    """A real .docx whose word/document.xml body is replaced."""
    return rezip(docx_bytes(["占位"]), replace={"word/document.xml": document_xml(body)})


@cache
def short_paragraphs_bytes(target_mb: int = 94) -> bytes:
    """A few MB on the wire holding target_mb MB of short, numbered paragraphs (ratio ~30:1, under the limit)."""
    paragraph = "<w:p><w:r><w:t>第{}条 本办法自发布之日起施行。</w:t></w:r></w:p>"
    n = target_mb * 1024 * 1024 // len(paragraph.format(1_000_000).encode())
    data = with_body("".join(paragraph.format(i) for i in range(n)))
    assert 2 * 1024 * 1024 < len(data) < 25 * 1024 * 1024, len(data)
    return data
