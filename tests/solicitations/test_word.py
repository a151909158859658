"""The reply to a higher level's draft for comment (征求意见答复) as Word: 关于《…》的意见, the text as paragraphs."""

from __future__ import annotations

import pytest

from tests.alerts.lifecycle import at, d
from tests.pages import flashes, text
from tests.word.steps import all_text, assert_official_format, open_docx
from tests.word.town_year import HOSTILE, answer_solicitation
from tracker.errors import ValidationFailed
from tracker.solicitations import services as solicitations
from tracker.solicitations import word as solicitations_word

ROLES = ["admin", "reviewer", "clerk", "drafter", "drafter2", "leader"]
TITLE = "关于《中山市行政规范性文件管理规定（征求意见稿）》的意见"


def test_the_reply_is_addressed_titled_numbered_and_signed(db, world, now):
    sol = answer_solicitation(world)
    rendered = solicitations_word.render_comment_reply(sol, now=now)
    assert rendered.filename == f"{TITLE}.docx"
    data = rendered.data
    assert_official_format(data)
    assert all_text(data).splitlines() == [
        TITLE,
        "（来文文号：中司函〔2026〕18号）",  # typed as 中司函[2026]18号
        "",
        "中山市司法局：",
        "《中山市行政规范性文件管理规定（征求意见稿）》收悉。经认真研究，现将我镇意见反馈如下：",
        "一、关于第五条",
        "（一）建议明确“有关部门”的具体范围。",
        f"建议增加镇街备案的时限要求，{HOSTILE}。",
        "二、其他意见",
        "无。",
        "以上意见，供参考。",
        "",
        "测试镇人民政府",
        "2026年9月10日",  # the day it was sent
        "（联系人：reviewer）",
    ]
    styles = {p.text: p.style.name for p in open_docx(data).paragraphs}
    assert styles[TITLE] == "公文标题"
    assert styles["一、关于第五条"] == styles["二、其他意见"] == "一级标题"
    assert styles["（一）建议明确“有关部门”的具体范围。"] == "二级标题"
    assert styles["无。"] == "Normal" and styles["测试镇人民政府"] == "落款"


def test_a_reply_being_drafted_is_dated_today_and_names_the_assignees_phone(db, world, now):
    world["reviewer"].phone = "0760-87654321"
    sol = answer_solicitation(world, reply="建议删除第三条。", sent=False)
    body = all_text(solicitations_word.render_comment_reply(sol, now=now).data)
    assert "建议删除第三条。\n以上意见，供参考。" in body
    assert "2026年11月2日" in body and "（联系人：reviewer，联系电话：0760-87654321）" in body


def test_no_comment_gives_a_one_sentence_reply(db, world, now):
    sol = answer_solicitation(world, reply="", sent=False)
    with pytest.raises(ValidationFailed, match="尚未填写答复意见"):
        solicitations_word.render_comment_reply(sol, now=now)
    solicitations.mark_sent(
        sol, actor=world["clerk"], now=at(d("2026-09-12")), sent_on=d("2026-09-12"), method="电子邮件", no_comment=True
    )
    body = all_text(solicitations_word.render_comment_reply(sol, now=now).data)
    assert "收悉。经认真研究，我镇对该征求意见稿无修改意见。\n特此函复。" in body
    assert "2026年9月12日" in body


def test_reply_paragraphs_drop_blank_lines_and_typed_indents():
    assert solicitations_word.reply_paragraphs("  一、总体\r\n\r\n\u3000\u3000（二）细节 \n正文") == [
        {"text": "一、总体", "level": 1},
        {"text": "（二）细节", "level": 2},
        {"text": "正文", "level": 0},
    ]
    assert solicitations_word.reply_paragraphs(None) == []


@pytest.mark.parametrize("who", ROLES)
def test_the_word_reply_is_for_those_who_handle_drafts_for_comment(db, world, login_as, who):
    sol = answer_solicitation(world)
    db.session.commit()
    c = login_as(who)
    r = c.get(f"/solicitations/{sol.id}/reply.docx")
    if who in ("reviewer", "clerk"):
        assert r.status_code == 200
        assert r.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert "建议增加镇街备案的时限要求" in all_text(r.data)
        assert 'data-testid="reply-docx"' in text(c.get(f"/solicitations/{sol.id}"))
    else:
        assert r.status_code == 403
        page = c.get(f"/solicitations/{sol.id}")
        assert page.status_code == 403 or 'data-testid="reply-docx"' not in text(page)


def test_without_a_reply_there_is_no_button_and_the_url_explains(db, world, login_as):
    sol = answer_solicitation(world, reply="", sent=False)
    db.session.commit()
    c = login_as("clerk")
    assert 'data-testid="reply-docx"' not in text(c.get(f"/solicitations/{sol.id}"))
    r = c.get(f"/solicitations/{sol.id}/reply.docx", follow_redirects=True)
    assert any("尚未填写答复意见" in m for m in flashes(r))


def test_cli_renders_the_reply(db, app, world, tmp_path):
    sol = answer_solicitation(world)
    db.session.commit()
    out = tmp_path / "答复.docx"
    result = app.test_cli_runner().invoke(
        args=["word", "render", "comment-reply", "--solicitation", str(sol.id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert TITLE in all_text(out.read_bytes())
