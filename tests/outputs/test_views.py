"""The web side: who may generate, download and preview; the template page; CSRF; the Chinese download name."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from tests.factories import docx_bytes, make_document
from tests.pages import flashes, text
from tests.word.steps import builtin, edit, published, reviewed
from tracker.files.storage import path_of
from tracker.word import templates as word_templates
from tracker.word.models import GeneratedDocument, OutputKind, TemplateVersion

ROLES = ["admin", "reviewer", "clerk", "drafter", "drafter2", "leader"]


def rows(db, kind: OutputKind | None = None) -> list[GeneratedDocument]:
    query = sa.select(GeneratedDocument).order_by(GeneratedDocument.id)
    if kind is not None:
        query = query.where(GeneratedDocument.kind == kind)
    return list(db.session.scalars(query))


@pytest.fixture
def opinion_walk(db, world, now):
    walk = reviewed(world, now, title="测试镇<b>某某</b>管理办法", summary="综述<script>alert('x')</script>")
    db.session.commit()
    return walk


@pytest.mark.parametrize("who", ROLES)
def test_generating_an_opinion_needs_the_review_permission(db, login_as, opinion_walk, who):
    r = login_as(who).post(f"/word/opinions/{opinion_walk.opinion.id}/generate")
    if who == "reviewer":
        assert r.status_code == 302 and r.headers["Location"].endswith(f"/documents/{opinion_walk.doc.id}#word-outputs")
        assert [row.version_no for row in rows(db)] == [1, 2]  # issuing made the first
    else:
        assert r.status_code == 403 and [row.version_no for row in rows(db)] == [1]


@pytest.mark.parametrize("who", ROLES)
def test_generating_a_filing_report_needs_the_office_permission(db, world, now, login_as, who):
    walk, _pub = published(world, now)
    db.session.commit()
    r = login_as(who).post(f"/word/documents/{walk.doc.id}/filing-report/generate")
    if who == "clerk":
        assert r.status_code == 302 and len(rows(db, OutputKind.FILING_REPORT)) == 1
    else:
        assert r.status_code == 403 and rows(db, OutputKind.FILING_REPORT) == []


def test_a_refused_generation_is_explained_on_the_document_page(db, world, now, login_as):
    walk, _pub = published(world, now, publish=False)
    db.session.commit()
    r = login_as("clerk").post(f"/word/documents/{walk.doc.id}/filing-report/generate", follow_redirects=True)
    assert r.status_code == 200
    assert any("尚未发布" in m for m in flashes(r))
    assert rows(db, OutputKind.FILING_REPORT) == []


def test_download_has_the_chinese_file_name_and_the_stored_bytes(db, login_as, opinion_walk):
    c = login_as("reviewer")
    c.post(f"/word/opinions/{opinion_walk.opinion.id}/generate")
    c.post(f"/word/opinions/{opinion_walk.opinion.id}/generate")
    _issued, first, second = rows(db)
    r = c.get(f"/word/generated/{second.id}/download")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    # clean_filename drops the characters Windows forbids in file names (< > / …).
    name = f"《测试镇b某某b管理办法》合法性审查意见书（{opinion_walk.opinion.number}）（第3版）.docx"
    assert second.file.original_name == name
    assert f"filename*=UTF-8''{quote(second.file.original_name)}" in r.headers["Content-Disposition"]
    assert r.data == path_of(second.file).read_bytes()
    # The first version is still there.
    assert c.get(f"/word/generated/{first.id}/download").data == path_of(first.file).read_bytes()


@pytest.mark.parametrize(("who", "status"), [("drafter", 200), ("drafter2", 403), ("leader", 200), ("clerk", 200)])
def test_download_and_preview_follow_who_may_see_the_document(db, login_as, opinion_walk, who, status):
    (row,) = rows(db)  # generated when the opinion was issued
    c = login_as(who)
    assert c.get(f"/word/generated/{row.id}/download").status_code == status
    assert c.get(f"/word/generated/{row.id}/preview").status_code == status


def test_preview_shows_the_document_with_user_text_escaped(db, login_as, opinion_walk):
    c = login_as("reviewer")
    (row,) = rows(db)
    r = c.get(f"/word/generated/{row.id}/preview")
    page = text(r)
    assert r.status_code == 200
    assert "规范性文件合法性审查意见书" in page and opinion_walk.opinion.number in page
    assert "综述&lt;script&gt;alert(" in page
    assert "<script>alert" not in page and "<b>某某</b>" not in page
    assert "《测试镇&lt;b&gt;某某&lt;/b&gt;管理办法》" in page


def test_the_document_page_offers_the_buttons_each_role_may_use(db, world, now, login_as):
    walk, _pub = published(world, now)
    db.session.commit()
    page = text(login_as("reviewer").get(f"/documents/{walk.doc.id}"))
    assert 'id="word-outputs"' in page
    assert f'data-testid="generate-opinion-{walk.opinion.id}"' in page and "generate-filing-report" not in page
    page = text(login_as("clerk").get(f"/documents/{walk.doc.id}"))
    assert 'data-testid="generate-filing-report"' in page and "generate-opinion-" not in page
    page = text(login_as("leader").get(f"/documents/{walk.doc.id}"))
    assert 'id="word-outputs"' in page and "generate-" not in page


def test_a_draft_without_opinion_shows_no_word_section(db, world, now, login_as):

    doc = make_document(world, now)
    db.session.commit()
    assert 'id="word-outputs"' not in text(login_as("drafter").get(f"/documents/{doc.id}"))


def test_posts_need_a_csrf_token(app, db, login_as, opinion_walk, monkeypatch):
    reviewer, admin = login_as("reviewer"), login_as("admin")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    r = reviewer.post(f"/word/opinions/{opinion_walk.opinion.id}/generate")
    assert r.status_code == 400 and len(rows(db)) == 1
    assert admin.post("/word/templates/opinion/0/activate").status_code == 400
    assert admin.post("/word/templates/opinion/upload", data={}).status_code == 400


# --- the administrator's template page --------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
def test_the_template_page_is_for_administrators(db, world, login_as, who):
    c = login_as(who)
    expected = 200 if who == "admin" else 403
    assert c.get("/word/templates").status_code == expected
    assert c.get("/word/templates/opinion/0/download").status_code == expected
    assert c.get("/word/templates/filing_report/0/preview").status_code == expected
    r = c.post(
        "/word/templates/opinion/upload",
        data={"opinion-file": (io.BytesIO(builtin(OutputKind.OPINION)), "x.docx")},
        content_type="multipart/form-data",
    )
    assert r.status_code == (302 if who == "admin" else 403)


def test_the_nav_links_the_template_page_for_the_administrator_only(db, world, login_as):
    assert 'data-testid="nav-word-templates"' in text(login_as("admin").get("/"))
    assert 'data-testid="nav-word-templates"' not in text(login_as("clerk").get("/"))


def test_upload_refuse_and_restore_through_the_page(db, world, login_as):
    c = login_as("admin")
    page = text(c.get("/word/templates"))
    assert 'data-testid="active-opinion">当前启用：第 0 版（内置）' in page and "<code>office_name</code>" in page

    good = edit(builtin(OutputKind.OPINION), "现提出审查意见如下：", "现将审查意见函告如下：")
    r = c.post(
        "/word/templates/opinion/upload",
        data={"opinion-file": (io.BytesIO(good), "意见书（修改）.docx"), "opinion-note": "改措辞"},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert any("第 1 版已启用" in m for m in flashes(r))
    assert "当前启用：第 1 版" in text(r)

    for data, reason in (
        (edit(builtin(OutputKind.OPINION), "{{ reviewers }}", "{{ boss }}"), "未知字段：boss"),
        (edit(builtin(OutputKind.OPINION), "{{ summary }}", "{{ summary.__class__ }}"), "不允许的语句"),
        (b"%PDF-1.4\n%%EOF\n", "Word"),
        (docx_bytes("没有字段的文件"), "缺少必需字段"),
    ):
        r = c.post(
            "/word/templates/opinion/upload",
            data={"opinion-file": (io.BytesIO(data), "bad.docx")},
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert any(reason in m for m in flashes(r)), (reason, flashes(r))
        assert "当前启用：第 1 版" in text(r)
    assert [v.version_no for v in word_templates.template_versions(OutputKind.OPINION)] == [1]

    r = c.post("/word/templates/opinion/0/activate", follow_redirects=True)
    assert "当前启用：第 0 版（内置）" in text(r)
    r = c.post("/word/templates/opinion/1/activate", follow_redirects=True)
    assert "当前启用：第 1 版" in text(r)
    assert c.get("/word/templates/opinion/1/download").data == good
    preview = text(c.get("/word/templates/opinion/1/preview"))
    assert "现将审查意见函告如下" in preview
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TemplateVersion)) == 1


def test_upload_without_a_file_is_refused_with_a_message(db, world, login_as):
    r = login_as("admin").post("/word/templates/opinion/upload", data={}, follow_redirects=True)
    assert any("请选择要上传的模板文件" in m for m in flashes(r))


def test_unknown_template_kind_or_version_is_not_found(db, world, login_as):
    c = login_as("admin")
    assert c.get("/word/templates/annual_statistics/3/download").status_code == 404
    assert c.get("/word/templates/nonsense/0/download").status_code == 404
    assert c.get("/word/templates/opinion/7/download").status_code == 404


# --- PDF ----------------------------------------------------------------------------------------------------


def test_pdf_download_converts_the_stored_file_and_writes_nothing(db, login_as, opinion_walk, monkeypatch):
    seen = []

    def fake_pdf(data, **kw):
        seen.append(data)
        return b"%PDF-1.7 fake"

    monkeypatch.setattr("tracker.word.responses.docx_to_pdf", fake_pdf)
    (row,) = rows(db)
    r = login_as("drafter").get(f"/word/generated/{row.id}/download.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf" and r.data == b"%PDF-1.7 fake"
    assert seen == [path_of(row.file).read_bytes()]
    assert quote(row.file.original_name.removesuffix(".docx") + ".pdf") in r.headers["Content-Disposition"]
    assert len(rows(db)) == 1
    assert login_as("drafter2").get(f"/word/generated/{row.id}/download.pdf").status_code == 403


def test_without_libreoffice_the_page_says_so_in_chinese(db, login_as, opinion_walk, monkeypatch):
    monkeypatch.setattr("tracker.word.pdf.shutil.which", lambda name: None)
    (row,) = rows(db)
    r = login_as("reviewer").get(f"/word/generated/{row.id}/download.pdf", follow_redirects=True)
    assert r.status_code == 200 and r.request.path == f"/documents/{opinion_walk.doc.id}"
    assert any("未安装 LibreOffice" in m and "Word" in m for m in flashes(r))


def test_a_conversion_that_takes_too_long_is_stopped_with_a_message(db, login_as, opinion_walk, monkeypatch):
    import subprocess

    def too_slow(*args, **kwargs):
        raise subprocess.TimeoutExpired(args[0], kwargs.get("timeout"))

    monkeypatch.setattr("tracker.word.pdf.shutil.which", lambda name: "/usr/bin/soffice")
    monkeypatch.setattr("tracker.word.pdf.subprocess.run", too_slow)
    (row,) = rows(db)
    r = login_as("reviewer").get(f"/word/generated/{row.id}/download.pdf", follow_redirects=True)
    assert any("生成 PDF 超时" in m for m in flashes(r))
