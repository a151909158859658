"""Numbering problems of an uploaded draft (第三条 followed by 第五条) are told to the drafter at once and stay on
the versions panel while the latest version has them (issue 18)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from tests.factories import docx_bytes, make_document
from tests.pages import flashes, text
from tracker.documents.models import DocumentVersion

GAPPED = (
    "测试镇河道保洁管理办法",
    "第一条 为了规范河道保洁，制定本办法。",
    "第二条 本办法适用于本镇行政区域。",
    "第三条 各村（社区）负责本辖区河道保洁：",
    "（一）每日巡查；",
    "（三）及时清理漂浮物。",
    "第五条 本办法自发布之日起施行。",
)
SOUND = (
    "测试镇河道保洁管理办法",
    "第一条 为了规范河道保洁，制定本办法。",
    "第二条 本办法自发布之日起施行。",
)
NOTICE = ("关于做好防汛工作的通知", "各村（社区）：", "一、提高认识。", "三、落实责任。")


@pytest.fixture
def doc(db, world, now):
    d = make_document(world, now, title="测试镇河道保洁管理办法")
    db.session.commit()
    return d


def _upload(client, doc, paragraphs):
    return client.post(
        f"/documents/{doc.id}/versions",
        data={"file": (io.BytesIO(docx_bytes(*paragraphs)), "送审稿.docx"), "note": ""},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _panel(response) -> str:
    m = re.search(r'<section [^>]*id="versions".*?</section>', text(response), re.S)
    assert m, "no versions panel"
    return m.group(0)


def _problems(response) -> list[str]:
    m = re.search(r'data-testid="numbering-problems">(.*?)</div>', _panel(response), re.S)
    return re.findall(r"<li>(.*?)</li>", m.group(1)) if m else []


def test_gaps_are_said_as_a_warning_after_the_upload_and_kept_on_the_versions_panel(db, doc, login_as, clock):
    r = _upload(login_as("drafter"), doc, GAPPED)
    assert r.status_code == 200
    assert flashes(r) == [
        "已上传第 1 稿。",
        "第 1 稿的条款编号：第三条之后缺少第四条。第三条第一款第（一）项之后缺少第（二）项。请核对后重新上传。",
    ]
    assert re.search(r'<div class="alert alert-success[^"]*" role="alert">\s*已上传第 1 稿。\s*<', text(r))
    assert re.search(r'<div class="alert alert-warning[^"]*" role="alert">\s*第 1 稿的条款编号：', text(r))
    # The upload itself succeeded: the version is kept, the warning does not refuse it.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DocumentVersion)) == 1
    assert "第 1 稿的条款编号请核对" in _panel(r)
    assert _problems(r) == ["第三条之后缺少第四条。", "第三条第一款第（一）项之后缺少第（二）项。"]
    # Anyone reading the document page sees it beside the versions, not only the drafter who uploaded.
    again = login_as("reviewer").get(f"/documents/{doc.id}")
    assert _problems(again) == ["第三条之后缺少第四条。", "第三条第一款第（一）项之后缺少第（二）项。"]


def test_a_sound_text_is_uploaded_without_a_warning(db, doc, login_as, clock):
    r = _upload(login_as("drafter"), doc, SOUND)
    assert flashes(r) == ["已上传第 1 稿。"]
    assert 'class="alert alert-warning' not in text(r)
    assert 'data-testid="numbering-problems"' not in _panel(r)


def test_a_notice_written_in_numbered_paragraphs_is_read_by_paragraph_and_has_no_problems(db, doc, login_as, clock):
    # 一、 then 三、 is not an article numbering: a 通知 is read by paragraph and its items are not checked.
    r = _upload(login_as("drafter"), doc, NOTICE)
    assert r.status_code == 200
    assert flashes(r) == ["已上传第 1 稿。"]
    assert _problems(r) == []


def test_the_panel_speaks_of_the_latest_version_only(db, doc, login_as, clock):
    drafter = login_as("drafter")
    _upload(drafter, doc, SOUND)
    second = _upload(drafter, doc, GAPPED)
    assert flashes(second)[0] == "已上传第 2 稿。" and flashes(second)[1].startswith("第 2 稿的条款编号：第三条之后")
    assert "第 2 稿的条款编号请核对" in _panel(second)
    corrected = _upload(drafter, doc, SOUND)
    assert flashes(corrected) == ["已上传第 3 稿。"]
    assert _problems(corrected) == [] and "条款编号请核对" not in _panel(corrected)
