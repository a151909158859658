"""Uploads cannot exhaust a worker (issue #15 item 1): each hostile .docx is refused in Chinese, quickly, and
without growing the process — measured in a fresh process (tests/limits.py)."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from tests.documents import files
from tests.factories import make_document
from tests.limits import WORKER_TIMEOUT, measure_all
from tracker.documents.models import DocumentVersion
from tracker.errors import ValidationFailed
from tracker.files import uploads
from tracker.files.models import StoredFile
from tracker.files.ooxml import Limits
from tracker.files.uploads import check_upload

# A refusal costs at most this: a third of the worker timeout (it takes well under a second on an idle machine; the
# old code took minutes), and a few MB of memory (the old code grew by GBs).
MAX_SECONDS = WORKER_TIMEOUT / 3
MAX_GROWTH_MB = 40


def _numbers() -> str:
    return "".join(map(str, range(250_000)))  # 1.2 million characters


def _paragraphs(n: int) -> str:
    return "".join(f"<w:p><w:r><w:t>第{i}条</w:t></w:r></w:p>" for i in range(n))


# Each hostile file and whether it is checked as a draft version (.docx only) or as any material.
PAYLOADS = {
    "underdeclared": (files.underdeclared_bytes, True),
    "underdeclared_xlsx": (lambda: files.underdeclared_bytes(kind="xlsx"), False),
    "short_paragraphs": (files.short_paragraphs_bytes, True),
    "many_paragraphs": (lambda: files.with_body(_paragraphs(Limits().paragraphs + 1)), True),
    # Numbers (not one repeated letter) so that the file passes the compression-ratio check.
    "long_text": (lambda: files.with_body(f"<w:p><w:r><w:t>{_numbers()}</w:t></w:r></w:p>"), True),
}


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """check_upload of every hostile file, one after the other, in one fresh process."""
    folder = tmp_path_factory.mktemp("uploads")
    calls = {}
    for name, (make, docx_only) in PAYLOADS.items():
        path = folder / f"{name}.bin"
        path.write_bytes(make())
        calls[name] = f"check_upload(open({str(path)!r}, 'rb').read(), '草案.docx', docx_only={docx_only})"
    return measure_all(calls, setup="from tracker.files.uploads import check_upload")


def _assert_cheap_refusal(measured, message: str) -> None:
    assert measured.outcome.startswith("ValidationFailed: ") and message in measured.outcome, measured.outcome
    assert measured.elapsed < MAX_SECONDS, measured
    assert measured.growth_mb < MAX_GROWTH_MB, measured


# --- zip headers that under-declare the sizes --------------------------------------------------------------


def test_a_member_that_inflates_past_its_declared_size_is_refused_while_inflating(measured):
    assert len(files.underdeclared_bytes()) < 3 * 1024 * 1024  # 2 GB behind headers that say 1 MB
    _assert_cheap_refusal(measured["underdeclared"], "压缩信息与内容不符")


def test_an_xlsx_with_an_under_declared_member_is_refused_too(measured):
    _assert_cheap_refusal(measured["underdeclared_xlsx"], "压缩信息与内容不符")


def test_a_member_with_honest_headers_is_still_read_whole():
    """The stream check passes exactly what the headers declare: a picture-heavy but honest file is accepted."""
    picture = bytes(range(256)) * 4096  # 1 MB that compresses a little
    data = files.rezip(files.docx_bytes(["第一条 附图"]), add=[("word/media/image1.png", picture)])
    assert check_upload(data, "草案.docx", docx_only=True).paragraphs == ("第一条 附图",)


# --- many short paragraphs, parsed once -----------------------------------------------------------------------


def test_94_mb_of_short_paragraphs_is_refused_before_it_is_parsed(measured):
    _assert_cheap_refusal(measured["short_paragraphs"], "正文部分解压后超过 16 MB")


def test_too_many_paragraphs_under_the_size_limit_are_refused_as_they_are_read(measured):
    _assert_cheap_refusal(measured["many_paragraphs"], "段落超过 2 万个")


def test_too_much_text_is_refused_as_it_is_read(measured):
    assert len(_numbers()) > Limits().text_chars
    _assert_cheap_refusal(measured["long_text"], "正文超过 100 万字")


def test_a_refusal_over_http_keeps_nothing_and_says_why(app, db, world, now, login_as):
    doc = make_document(world, now)
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile))
    r = login_as("drafter").post(
        f"/documents/{doc.id}/versions",
        data={"file": (io.BytesIO(files.short_paragraphs_bytes()), "草案.docx"), "note": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    assert "段落" in r.get_data(as_text=True) or "超过 16 MB" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StoredFile)) == before


def test_an_upload_is_inflated_and_parsed_once_and_python_docx_is_not_used(app, db, world, now, login_as, monkeypatch):
    import docx

    calls = []
    real = uploads.read_package

    def counting(*args, **kwargs):
        calls.append(args[2])
        return real(*args, **kwargs)

    def no_python_docx(*args, **kwargs):
        raise AssertionError("python-docx parsed the upload a second time")

    data = files.docx_bytes(["第一条 为规范管理，制定本办法。"], table=[["事项", "时限"]])
    monkeypatch.setattr(uploads, "read_package", counting)
    monkeypatch.setattr(docx, "Document", no_python_docx)
    doc = make_document(world, now)
    db.session.commit()
    r = login_as("drafter").post(
        f"/documents/{doc.id}/versions",
        data={"file": (io.BytesIO(data), "草案.docx"), "note": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    assert calls == ["Word 文档"]
    version = db.session.scalars(sa.select(DocumentVersion)).one()
    assert version.text == "第一条 为规范管理，制定本办法。\n事项 | 时限"


@pytest.mark.parametrize(
    "body, expected",
    [
        # Runs, tabs, line breaks, a non-breaking hyphen, a hyperlink's runs; a page break is no text.
        (
            '<w:p><w:r><w:t>甲</w:t><w:tab/><w:t>乙</w:t><w:br/><w:t>丙</w:t><w:noBreakHyphen/><w:br w:type="page"/>'
            "</w:r><w:hyperlink><w:r><w:t>链接</w:t></w:r></w:hyperlink></w:p>",
            ("甲\t乙\n丙-链接",),
        ),
        # Tracked deletions and text boxes are not the paragraph's text (python-docx reads them the same way).
        ("<w:p><w:del><w:r><w:delText>删</w:delText></w:r></w:del><w:r><w:t>留</w:t></w:r></w:p>", ("留",)),
        # A row whose first cell spans two grid columns and a second row merged vertically into the first.
        (
            "<w:tbl><w:tr><w:tc><w:tcPr><w:gridSpan w:val='2'/></w:tcPr><w:p><w:r><w:t>甲</w:t></w:r></w:p></w:tc>"
            "<w:tc><w:tcPr><w:vMerge w:val='restart'/></w:tcPr><w:p><w:r><w:t>乙</w:t></w:r></w:p></w:tc></w:tr>"
            "<w:tr><w:tc><w:p><w:r><w:t>丙</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>丁</w:t></w:r></w:p></w:tc>"
            "<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>",
            ("甲 | 乙", "丙 | 丁 | 乙"),
        ),
    ],
    ids=["runs", "deleted", "merged-cells"],
)
def test_the_text_is_read_as_python_docx_reads_it(body, expected):
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    data = files.with_body(body)
    got = check_upload(data, "草案.docx", docx_only=True).paragraphs
    assert got == expected
    # The same reading through python-docx, as the tracker did before.
    document = docx.Document(io.BytesIO(data))
    reference = []
    for block in document.element.body.iterchildren():
        if block.tag.endswith("}p") and (text := Paragraph(block, document).text.strip()):
            reference.append(text)
        elif block.tag.endswith("}tbl"):
            for row in Table(block, document).rows:
                line = " | ".join(dict.fromkeys(c for c in (c.text.strip() for c in row.cells) if c))
                if line:
                    reference.append(line)
    assert tuple(reference) == expected


def test_a_document_part_that_is_not_a_word_body_is_refused():
    data = files.rezip(files.docx_bytes(["第一条"]), replace={"word/document.xml": b"<html><body/></html>"})
    with pytest.raises(ValidationFailed, match="内容已损坏"):
        check_upload(data, "草案.docx", docx_only=True)
