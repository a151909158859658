"""The reply to a higher level's draft for comment (征求意见答复) as Word: 关于《…》的意见, the text as paragraphs."""

from __future__ import annotations

import pytest

from tests.factories import at, d
from tests.pages import flashes, text
from tests.word.steps import all_text, assert_official_format, open_docx, stored_bytes
from tests.word.town_year import HOSTILE, answer_solicitation
from tracker.errors import ValidationFailed
from tracker.solicitations import services as solicitations
from tracker.solicitations import word as solicitations_word

ROLES = ["admin", "reviewer", "clerk", "drafter", "drafter2", "leader"]
TITLE = "关于《中山市行政规范性文件管理规定（征求意见稿）》的意见"


def test_the_reply_is_a_letter_numbered_when_sent_quoting_the_incoming_number_and_signed(db, world, now):
    sol = answer_solicitation(world)
    (sent,) = solicitations_word.versions(sol)  # generated when the reply was registered as sent
    assert sol.reply_number == "测府函〔2026〕1号"  # the government's 函 series
    assert sent.file.original_name == f"{TITLE}.docx" and (sent.object_type, sent.object_id) == ("solicitation", sol.id)
    data = stored_bytes(sent)
    assert_official_format(data)
    lines = [line for line in all_text(data).splitlines() if line]
    assert lines == [
        "测试镇人民政府",  # 发文机关标志 of a letter: the organ's name
        "测府函〔2026〕1号",
        TITLE,
        "中山市司法局：",
        "《中山市行政规范性文件管理规定（征求意见稿）》（中司函〔2026〕18号）收悉。经认真研究，现将我镇意见反馈如下：",
        "一、关于第五条",
        "（一）建议明确“有关部门”的具体范围。",
        f"建议增加镇街备案的时限要求，{HOSTILE}。",
        "二、其他意见",
        "无。",
        "以上意见，供参考。",
        "测试镇人民政府",
        "2026年9月10日",  # the day it was sent
        "（联系人：reviewer）",
        "测试镇人民政府2026年9月10日印发",  # 版记
    ]
    d = open_docx(data)
    styles = {p.text: p.style.name for p in d.paragraphs}
    assert styles["测试镇人民政府"] == "发文机关标志"
    assert styles["一、关于第五条"] == styles["二、其他意见"] == "一级标题"
    assert styles["（一）建议明确“有关部门”的具体范围。"] == "二级标题"
    assert styles["无。"] == "Normal" and styles["\t2026年9月10日"] == "署名"
    # The title breaks outside the brackets: 《…规定 | （征求意见稿）》的意见.
    title = next(p for p in d.paragraphs if p.style.name == "公文标题")
    assert title.text == "关于《中山市行政规范性文件管理规定\n（征求意见稿）》的意见"
    # Regenerating keeps the number; a second reply takes the next one.
    again = solicitations_word.generate_comment_reply(sol, actor=world["clerk"], now=now)
    assert again.version_no == 2 and "测府函〔2026〕1号" in all_text(stored_bytes(again))
    assert answer_solicitation(world).reply_number == "测府函〔2026〕2号"


def test_the_judicial_office_may_reply_in_its_own_name(db, world, now):
    world.units["judicial"].number_prefix = "测司"
    sol = answer_solicitation(world, sent=False)
    solicitations.save_reply(
        sol, actor=world["reviewer"], now=now, reply_text="建议删除第三条。", assignee_id=None,
        expected_version=None, reply_unit_id=world.units["judicial"].id,
    )  # fmt: skip
    body = all_text(solicitations_word.render_comment_reply(sol, now=now).data)
    assert body.startswith("测试镇司法所\n") and "现将我所意见反馈如下" in body
    with pytest.raises(ValidationFailed, match="答复机关"):
        solicitations.save_reply(
            sol, actor=world["reviewer"], now=now, reply_text="x", assignee_id=None, expected_version=None,
            reply_unit_id=world.units["city"].id,
        )  # fmt: skip
    solicitations.mark_sent(
        sol, actor=world["reviewer"], now=now, sent_on=d("2026-11-02"), method="公文交换系统", no_comment=False
    )
    assert sol.reply_number == "测司函〔2026〕1号"


def test_a_reply_being_drafted_is_dated_today_and_names_the_assignees_phone(db, world, now):
    world["reviewer"].phone = "0760-87654321"
    sol = answer_solicitation(world, reply="建议删除第三条。", sent=False)
    body = all_text(solicitations_word.render_comment_reply(sol, now=now).data)
    assert "建议删除第三条。\n以上意见，供参考。" in body
    assert "2026年11月2日" in body and "（联系人：reviewer，联系电话：0760-87654321）" in body
    assert "测府函" not in body and solicitations_word.versions(sol) == []  # a draft: no number, nothing stored


def test_no_comment_gives_a_one_sentence_reply(db, world, now):
    sol = answer_solicitation(world, reply="", sent=False)
    with pytest.raises(ValidationFailed, match="尚未填写答复意见"):
        solicitations_word.render_comment_reply(sol, now=now)
    solicitations.mark_sent(
        sol, actor=world["clerk"], now=at(d("2026-09-12")), sent_on=d("2026-09-12"), method="电子邮件", no_comment=True
    )
    body = all_text(stored_bytes(solicitations_word.versions(sol)[0]))
    assert "收悉。经认真研究，我镇对该征求意见稿无修改意见。\n特此函复。" in body
    assert "2026年9月12日" in body and "测府函〔2026〕1号" in body


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
    r = c.get(f"/solicitations/{sol.id}/reply.docx", follow_redirects=True)
    if who in ("reviewer", "clerk"):
        assert r.status_code == 200  # the letter as sent, served by the Word pages
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
