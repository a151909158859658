"""A refused action or upload keeps the user on the document page, with the reason beside it and the input kept.

Before issue 14 each of these left for a bare error page ("操作未执行 … 错误代码 400").
"""

from __future__ import annotations

import html
import io
import re

import pytest
import sqlalchemy as sa

from tests.documents import files
from tests.factories import make_document
from tests.pages import error_message, text
from tracker.audit.models import AuditEvent
from tracker.documents.models import Attachment, Document, DocumentVersion
from tracker.documents.states import DocStatus


@pytest.fixture
def doc(db, world, now):
    d = make_document(world, now, title="测试镇河道保洁管理办法")
    db.session.commit()
    return d


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _on_document_page(response, doc) -> None:
    body = text(response)
    assert f'data-testid="doc-title">{doc.title}<' in body, "not the document page"
    assert "错误代码" not in body and "操作未执行" not in body


def _section(body: str, anchor: str) -> str:
    """The HTML of the document page's section with this id."""
    m = re.search(rf'<section [^>]*id="{anchor}".*?</section>', body, re.S)
    assert m, anchor
    return m.group(0)


def test_a_refused_version_upload_stays_on_the_page_with_the_reason_and_the_note(db, doc, login_as):
    r = login_as("drafter").post(
        f"/documents/{doc.id}/versions",
        data={"file": (io.BytesIO("纯文本".encode()), "草案.docx"), "note": "根据座谈会意见修改"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    _on_document_page(r, doc)
    versions = _section(text(r), "versions")
    assert "仅改了扩展名的文件不能上传" in error_message(r)
    assert error_message(r) in html.unescape(versions)  # said beside the upload form, not elsewhere
    assert 'value="根据座谈会意见修改"' in versions  # the note is kept
    assert 'aria-describedby="refusal-versions"' in versions and 'aria-invalid="true"' in versions
    assert re.search(r'id="refusal-versions"[^>]*autofocus', versions)  # focus (and the screen) goes to it
    assert _count(db, DocumentVersion) == 0


def test_a_refused_material_upload_keeps_the_chosen_kind(db, doc, login_as):
    r = login_as("drafter").post(
        f"/documents/{doc.id}/attachments",
        data={"file": (io.BytesIO(files.PNG), "起草说明.docx"), "kind": "drafting_note", "title": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 400
    _on_document_page(r, doc)
    materials = _section(text(r), "materials")
    assert "扩展名与内容不符" in html.unescape(materials)
    assert re.search(r'<option selected value="drafting_note">|<option value="drafting_note" selected', materials)
    assert _count(db, Attachment) == 0


def test_an_upload_over_the_size_limit_is_refused_on_the_document_page(app, db, doc, login_as, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 64 * 1024)
    r = login_as("drafter").post(
        f"/documents/{doc.id}/versions",
        data={"file": (io.BytesIO(b"x" * 100_000), "草案.docx"), "note": "大文件"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 413
    _on_document_page(r, doc)
    assert error_message(r) == "文件过大：上传的文件超过了 64 KB 的上限，未保存。请压缩或拆分后重新上传。"
    assert error_message(r) in html.unescape(_section(text(r), "versions"))
    assert _count(db, DocumentVersion) == 0


def test_a_refused_action_shows_its_reason_in_the_actions_and_keeps_the_reason_typed(db, doc, login_as):
    typed = "因上位法调整撤回。" + "理由" * 1000  # over the 2000 characters a note may have
    drafter = login_as("drafter")
    events = _count(db, AuditEvent)
    r = drafter.post(f"/documents/{doc.id}/actions/withdraw", data={"note": typed})
    assert r.status_code == 400  # bad input; a step the state no longer allows is a 409
    _on_document_page(r, doc)
    actions = _section(text(r), "actions")
    assert error_message(r) == "说明不超过 2000 字。"
    assert error_message(r) in html.unescape(actions)
    assert f">{typed}</textarea>" in html.unescape(actions)
    assert db.session.get(Document, doc.id).status is DocStatus.DRAFTING
    assert _count(db, AuditEvent) == events


def test_another_units_document_still_gets_the_refusal_page(db, doc, login_as):
    """Staying in place is for pages the person may see: another unit's draft is not shown to them."""
    r = login_as("drafter2").post(f"/documents/{doc.id}/actions/withdraw", data={"note": "伪造"})
    assert r.status_code == 403
    assert "doc-title" not in text(r) and doc.title not in text(r)


def test_the_error_pages_way_back_is_a_plain_link_to_this_site(db, doc, login_as):
    """The old 返回上一页 was javascript:history.back(), which the Content-Security-Policy blocks."""
    c = login_as("drafter2")
    r = c.get(f"/documents/{doc.id}", headers={"Referer": "http://localhost/documents/?q=河道"})
    assert r.status_code == 403
    assert '<a class="btn btn-outline-secondary" href="http://localhost/documents/?q=河道">返回上一页</a>' in text(r)
    assert "javascript:" not in text(r)
    r = c.get(f"/documents/{doc.id}", headers={"Referer": "https://evil.example/"})
    assert "返回上一页" not in text(r) and "evil.example" not in text(r)
