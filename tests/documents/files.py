"""Upload payloads for tests: real .docx files made with python-docx, and the bad files people (or attackers) send."""

from __future__ import annotations

import io
import zipfile
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
