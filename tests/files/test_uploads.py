"""Draft versions and materials: a real .docx is accepted and read; anything else is refused and nothing is kept."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.documents import files
from tests.factories import make_document
from tracker.audit.models import AuditEvent
from tracker.documents.models import Attachment, DocumentVersion
from tracker.documents.services import add_version
from tracker.errors import ValidationFailed
from tracker.files.models import StoredFile
from tracker.files.storage import path_of
from tracker.files.uploads import check_upload


@pytest.fixture
def doc(db, world, now):
    d = make_document(world, now)
    db.session.commit()
    return d


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _files_on_disk(app) -> list[Path]:
    return sorted(p for p in Path(app.config["UPLOAD_DIR"]).rglob("*") if p.is_file())


def _state(app, db):
    return {
        "stored": _count(db, StoredFile),
        "versions": _count(db, DocumentVersion),
        "attachments": _count(db, Attachment),
        "audit": _count(db, AuditEvent),
        "disk": _files_on_disk(app),
    }


def _post_version(client, doc_id: int, data: bytes, filename: str):
    return client.post(
        f"/documents/{doc_id}/versions",
        data={"file": (io.BytesIO(data), filename), "note": "第一稿"},
        content_type="multipart/form-data",
    )


# --- a real Word file ---------------------------------------------------------------------------------


def test_real_docx_is_accepted_and_its_paragraphs_and_table_cells_extracted(app, db, world, now, doc, login_as):
    data = files.docx_bytes(
        ["第一条 为规范农村建房管理，制定本办法。", "", "第二条 本办法适用于本镇行政区域。"],
        table=[["事项", "办理时限"], ["建房审批", "二十个工作日"]],
    )
    client = login_as("drafter")
    r = _post_version(client, doc.id, data, "农村建房管理办法（征求意见稿）.docx")
    assert r.status_code == 302
    version = db.session.scalars(sa.select(DocumentVersion).where(DocumentVersion.document_id == doc.id)).one()
    assert version.seq == 1
    # Empty paragraphs are dropped; a table row is read cell by cell in reading order.
    assert version.text.splitlines() == [
        "第一条 为规范农村建房管理，制定本办法。",
        "第二条 本办法适用于本镇行政区域。",
        "事项 | 办理时限",
        "建房审批 | 二十个工作日",
    ]
    assert version.file.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert version.file.size == len(data)
    assert path_of(version.file).read_bytes() == data


def test_merged_table_cells_are_read_once(db, world, now, doc):
    data = files.docx_bytes(["正文"], table=[["合并标题", "合并标题"], ["甲", "乙"]])
    checked = check_upload(data, "表格.docx", docx_only=True)
    version = add_version(doc, checked, note="", actor=world["drafter"], now=now)
    assert version.text == "正文\n合并标题\n甲 | 乙"


# --- refusals: each with a clear Chinese message, and nothing stored ----------------------------------

BAD_DRAFTS = {
    "renamed_txt": (lambda: "第一条 这是纯文本，不是Word文件。".encode(), "仅改了扩展名的文件不能上传"),
    "renamed_png": (lambda: files.PNG, "仅改了扩展名的文件不能上传"),
    "old_doc": (lambda: files.OLE, "这是旧版 Word（.doc）文件"),
    "zip_without_document_xml": (files.no_document_xml_bytes, "缺少正文部分"),
    "docm": (files.docm_bytes, "不接受含宏的 Word 文档（.docm）"),
    "encrypted": (files.encrypted_flag_bytes, "已加密，请去除密码后再上传"),
    "zip_bomb": (files.zip_bomb_bytes, "疑似压缩炸弹"),
    "too_many_members": (files.many_members_bytes, "内部文件数量异常"),
    "corrupt_xml": (files.corrupt_xml_bytes, "该 Word 文档内容已损坏，无法读取。"),
    "empty": (lambda: b"", "上传的文件是空的。"),
}


@pytest.mark.parametrize("case", list(BAD_DRAFTS))
def test_bad_draft_file_is_refused_in_chinese_and_nothing_is_stored(app, db, doc, login_as, case):
    make, message = BAD_DRAFTS[case]
    client = login_as("drafter")
    before = _state(app, db)
    r = _post_version(client, doc.id, make(), "草案.docx")
    assert r.status_code == 400
    body = r.get_data(as_text=True)
    assert message in body
    assert "Traceback" not in body
    assert _state(app, db) == before


def test_zip_bomb_is_refused_before_inflating(monkeypatch):
    """The ratio check reads the zip directory only: inflating the member would be the attack."""
    import zipfile

    def no_reading(*args, **kwargs):
        raise AssertionError("a member was inflated")

    data = files.zip_bomb_bytes()
    assert len(data) < 400 * 1024  # 200 MB of zeros travels as a few hundred KB
    monkeypatch.setattr(zipfile.ZipFile, "read", no_reading)
    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    with pytest.raises(ValidationFailed, match="疑似压缩炸弹"):
        check_upload(data, "草案.docx", docx_only=True)


def test_png_renamed_to_docx_is_refused_as_a_material_too(app, db, doc, login_as):
    client = login_as("drafter")
    before = _state(app, db)
    r = client.post(
        f"/documents/{doc.id}/attachments",
        data={"file": (io.BytesIO(files.PNG), "起草说明.docx"), "kind": "drafting_note", "title": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    assert "扩展名与内容不符" in r.get_data(as_text=True)
    assert _state(app, db) == before


def test_text_file_renamed_to_docx_is_refused_as_a_material(app, db, doc, login_as):
    client = login_as("drafter")
    before = _state(app, db)
    r = client.post(
        f"/documents/{doc.id}/attachments",
        data={"file": (io.BytesIO("请示内容".encode()), "请示.docx"), "kind": "request_letter", "title": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    assert "只接受 Word（.docx）、PDF、Excel（.xlsx）或图片（PNG/JPEG）文件" in r.get_data(as_text=True)
    assert _state(app, db) == before


def test_real_pdf_material_is_accepted(app, db, doc, login_as):
    client = login_as("drafter")
    r = client.post(
        f"/documents/{doc.id}/attachments",
        data={"file": (io.BytesIO(files.PDF), "请示.pdf"), "kind": "request_letter", "title": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302
    att = db.session.scalars(sa.select(Attachment).where(Attachment.document_id == doc.id)).one()
    assert (att.kind.value, att.title, att.file.content_type) == ("request_letter", "请示/送审函", "application/pdf")


def test_oversize_upload_gets_413_in_chinese(app, db, doc, login_as):
    client = login_as("drafter")
    before = _state(app, db)
    saved = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    try:
        r = _post_version(client, doc.id, files.docx_bytes(["第一条"]) + b"\x00" * (1536 * 1024), "草案.docx")
    finally:
        app.config["MAX_CONTENT_LENGTH"] = saved
    assert r.status_code == 413
    body = r.get_data(as_text=True)
    assert "文件过大" in body
    assert "上传的文件超过了 1 MB 的上限，未保存。" in body
    assert _state(app, db) == before


# --- names: the Chinese name is kept for download, the name on disk is random ------------------------


def test_chinese_file_name_is_kept_for_download_and_the_stored_name_is_random(app, db, doc, login_as):
    name = "沙溪镇农村建房管理办法（送审稿）.docx"
    data = files.docx_bytes(["第一条 总则"])
    client = login_as("drafter")
    assert _post_version(client, doc.id, data, name).status_code == 302
    assert _post_version(client, doc.id, data, name).status_code == 302
    first, second = db.session.scalars(
        sa.select(DocumentVersion).where(DocumentVersion.document_id == doc.id).order_by(DocumentVersion.seq)
    ).all()
    assert first.file.original_name == name
    for version in (first, second):
        assert re.fullmatch(r"[0-9a-f]{32}\.docx", version.file.storage_name)
        assert path_of(version.file).parent == Path(app.config["UPLOAD_DIR"]) / version.file.storage_name[:2]
    assert first.file.storage_name != second.file.storage_name

    r = client.get(f"/documents/{doc.id}/versions/{first.id}/download")
    assert r.status_code == 200
    assert r.data == data
    disposition = r.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''" + quote(name) in disposition


def test_download_of_another_documents_version_is_404(db, world, now, doc, login_as):
    other = make_document(world, now, title="测试镇另一办法")
    version = add_version(
        other,
        check_upload(files.docx_bytes(["甲"]), "甲.docx", docx_only=True),
        note="",
        actor=world["drafter"],
        now=now,
    )
    db.session.commit()
    client = login_as("drafter")
    assert client.get(f"/documents/{doc.id}/versions/{version.id}/download").status_code == 404


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd.docx", "passwd.docx"),
        ("C:\\Users\\张三\\桌面\\草案.docx", "草案.docx"),
        ("/tmp/第二稿.docx", "第二稿.docx"),
        ('草"案<1>.docx', "草案1.docx"),
    ],
)
def test_path_components_and_forbidden_characters_are_stripped(given, kept):
    assert check_upload(files.docx_bytes(["第一条"]), given, docx_only=True).filename == kept


def test_a_path_in_the_uploaded_name_stays_inside_the_upload_dir(app, db, doc, login_as):
    client = login_as("drafter")
    assert _post_version(client, doc.id, files.docx_bytes(["第一条"]), "../../etc/passwd.docx").status_code == 302
    stored = db.session.scalars(sa.select(StoredFile)).one()
    assert stored.original_name == "passwd.docx"
    upload_dir = Path(app.config["UPLOAD_DIR"]).resolve()
    assert path_of(stored).resolve().is_relative_to(upload_dir)
    assert "passwd" not in stored.storage_name


@pytest.mark.parametrize("given", ["../", "..", "a/..", " . ", "...", ""])
def test_a_name_without_a_name_is_refused(given):
    with pytest.raises(ValidationFailed, match="文件名无效"):
        check_upload(files.docx_bytes(["第一条"]), given, docx_only=True)
