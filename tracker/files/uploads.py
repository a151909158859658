"""Checking uploaded files by their content, before anything parses them.

A .docx is a zip: its size, member count, total expanded size and expansion ratio are checked from the
zip directory before any member is inflated, so a zip bomb or a renamed file gets a clear refusal. Then every
member is inflated as a stream with a hard cap whatever the headers say, and a Word file's XML is parsed once,
its paragraphs and text capped as they are read (tracker/documents/ooxml.py).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from tracker.errors import ValidationFailed
from tracker.files.ooxml import read_package

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MAX_ZIP_MEMBERS = 1000
MAX_EXPANDED_BYTES = 100 * 1024 * 1024
# Word's XML compresses 5–30×; a ratio far beyond that is a bomb, not a document.
MAX_MEMBER_RATIO = 200
MAX_FILENAME_LENGTH = 200


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    filename: str
    content_type: str
    kind: str  # docx | pdf | xlsx | png | jpeg
    paragraphs: tuple[str, ...] | None = None  # a Word file's text, read once while it was checked


def clean_filename(name: str | None) -> str:
    """Keep the (Chinese) name people gave the file, without any path part or control characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '/\\:*?"<>|').strip()
    if not base.strip(". "):  # "..", "." or dots only: a path part, not a name
        raise ValidationFailed("文件名无效，请重新选择文件。")
    if len(base) > MAX_FILENAME_LENGTH:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: MAX_FILENAME_LENGTH - len(ext) - 1] + dot + ext) if dot else base[:MAX_FILENAME_LENGTH]
    return base


def _check_zip(data: bytes, what: str) -> zipfile.ZipFile:
    if not data.startswith(b"PK\x03\x04"):
        raise ValidationFailed(f"该文件不是有效的{what}（内容不符，仅改了扩展名的文件不能上传）。")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ValidationFailed(f"该{what}已损坏，无法打开。") from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise ValidationFailed(f"该{what}内部文件数量异常（{len(infos)} 个），已拒收。")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise ValidationFailed(f"该{what}已加密，请去除密码后再上传。")
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_MEMBER_RATIO * max(info.compress_size, 1):
            raise ValidationFailed(f"该{what}解压比例异常（疑似压缩炸弹），已拒收。")
    if total > MAX_EXPANDED_BYTES:
        raise ValidationFailed(f"该{what}解压后超过 {MAX_EXPANDED_BYTES // (1024 * 1024)} MB，已拒收。")
    return zf


def check_docx(data: bytes) -> tuple[str, ...]:
    """Check a .docx by its content, inflating and parsing it once; returns its text paragraph by paragraph."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationFailed("这是旧版 Word（.doc）文件，请在 Word 中“另存为”.docx 格式后上传。")
    zf = _check_zip(data, "Word 文档（.docx）")
    names = set(zf.namelist())
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        raise ValidationFailed("该文件不是有效的 Word 文档（.docx）：缺少正文部分。")
    package = read_package(zf, data, "Word 文档", parse_xml=True, word_text=True)
    # Safe to read now: every member inflated to exactly the size its header declares.
    if b"macroEnabled" in zf.read("[Content_Types].xml"):
        raise ValidationFailed("不接受含宏的 Word 文档（.docm），请另存为普通 .docx 后上传。")
    return package.paragraphs or ()


def docx_paragraphs(data: bytes) -> list[str]:
    """The text of a .docx, paragraph by paragraph (tables included, in reading order); checks it on the way."""
    return list(check_docx(data))


# The extensions each detected kind may carry. A name claiming another accepted format is a renamed file: it would
# be stored and downloaded as, say, 草案.docx while holding a PNG, which Word cannot open.
_EXTENSIONS = {"docx": {".docx"}, "pdf": {".pdf"}, "xlsx": {".xlsx"}, "png": {".png"}, "jpeg": {".jpg", ".jpeg"}}
_KIND_LABELS = {"docx": "Word 文档", "pdf": "PDF 文件", "xlsx": "Excel 表格", "png": "PNG 图片", "jpeg": "JPEG 图片"}
_ACCEPTED_EXTENSIONS = frozenset().union(*_EXTENSIONS.values())


def check_upload(data: bytes, filename: str | None, *, docx_only: bool = False) -> CheckedFile:
    """Identify a file by its content; refuse anything else, or anything but .docx when docx_only."""
    checked = _identify(data, filename, docx_only=docx_only)
    suffix = PurePath(checked.filename).suffix.lower()
    if suffix in _ACCEPTED_EXTENSIONS and suffix not in _EXTENSIONS[checked.kind]:
        raise ValidationFailed(
            f"文件“{checked.filename}”的扩展名与内容不符（实际是{_KIND_LABELS[checked.kind]}），请核对后重新上传。"
        )
    return checked


def _identify(data: bytes, filename: str | None, *, docx_only: bool) -> CheckedFile:
    name = clean_filename(filename)
    if not data:
        raise ValidationFailed("上传的文件是空的。")
    if docx_only:
        return CheckedFile(data, name, DOCX_TYPE, "docx", check_docx(data))
    if data.startswith(b"%PDF-"):
        return CheckedFile(data, name, "application/pdf", "pdf")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return CheckedFile(data, name, "image/png", "png")
    if data.startswith(b"\xff\xd8\xff"):
        return CheckedFile(data, name, "image/jpeg", "jpeg")
    if data.startswith(b"PK\x03\x04"):
        zf = _check_zip(data, "文件")
        names = set(zf.namelist())
        if "word/document.xml" in names:
            return CheckedFile(data, name, DOCX_TYPE, "docx", check_docx(data))
        if "xl/workbook.xml" in names:
            read_package(zf, data, "Excel 表格（.xlsx）")
            return CheckedFile(data, name, XLSX_TYPE, "xlsx")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationFailed("不接受旧版 Office 文件（.doc/.xls），请另存为 .docx/.xlsx 后上传。")
    raise ValidationFailed("只接受 Word（.docx）、PDF、Excel（.xlsx）或图片（PNG/JPEG）文件，且文件内容须与格式相符。")


def read_upload(file_storage, *, docx_only: bool = False, required: bool = True) -> CheckedFile | None:
    """Read a Werkzeug FileStorage (already size-limited by MAX_CONTENT_LENGTH) and check it."""
    if file_storage is None or not getattr(file_storage, "filename", ""):
        if required:
            raise ValidationFailed("请选择要上传的文件。")
        return None
    return check_upload(file_storage.read(), file_storage.filename, docx_only=docx_only)
