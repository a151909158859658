"""Public comment as it was really done (docs/rules.md §2 stage 3): closing early needs a reason and records the real
dates; the comments recorded make the 征求意见及采纳情况 material; a window starting years ahead is questioned."""

from __future__ import annotations

import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.factories import at, make_document
from tests.pages import flashes, text
from tracker.audit.models import AuditEvent
from tracker.documents.models import AttachmentKind
from tracker.documents.states import DocStatus
from tracker.errors import ValidationFailed
from tracker.extensions import db as _db
from tracker.files.storage import path_of
from tracker.review import services
from tracker.review.models import Consultation, Disposition
from tracker.review.packet import missing_materials
from tracker.workflow.service import apply

START = date(2026, 10, 9)
NOW = at(date(2026, 11, 2))  # the window runs to 11-07; the drafting unit closes it on 10-09, its first day


@pytest.fixture
def consulting(db, world):
    doc = make_document(world, at(date(2026, 10, 9), 9))
    c = services.save_consultation(
        doc,
        None,
        actor=world["drafter"],
        now=at(date(2026, 10, 9), 9),
        channel="测试镇人民政府门户网站",
        url="https://www.example.gov.cn/zqyj/1",
        start_on=START,
        end_on=date(2026, 11, 7),
        short_reason=None,
    )
    apply(doc, "start_consultation", actor=world["drafter"], now=at(date(2026, 10, 9), 9))
    answers = (("群众甲", Disposition.ADOPTED, ""), ("企业乙", Disposition.NOT_ADOPTED, "无依据"))
    for who, disposition, reason in answers:
        services.add_comment(
            c,
            actor=world["drafter"],
            now=at(date(2026, 10, 9), 15),
            commenter=who,
            content=f"{who}的意见",
            received_on=START,
            disposition=disposition,
            reason=reason,
        )
    db.session.commit()
    return doc, c


def test_closing_before_the_end_needs_a_reason_and_records_the_real_dates(db, world, consulting):
    doc, c = consulting
    with pytest.raises(ValidationFailed) as exc:
        services.close_consultation(doc, actor=world["drafter"], now=NOW, closed_on=START, reason="")
    assert exc.value.message == ("原定 2026-11-07 结束，提前到 2026-10-09 结束（实际 1 日），须写明提前结束的理由。")
    db.session.rollback()
    services.close_consultation(doc, actor=world["drafter"], now=NOW, closed_on=START, reason="上级要求限期出台")
    db.session.commit()
    assert doc.status is DocStatus.DRAFTING
    assert (c.closed_on, c.close_reason, c.actual_end_on, c.days) == (START, "上级要求限期出台", START, 1)
    # The record no longer claims 30 days: the timeline says what was done.
    summary = _db.session.scalar(
        sa.select(AuditEvent.summary).where(AuditEvent.action == "transition.close_consultation")
    )
    assert summary == (
        "结束征求意见：征求意见 2026-10-09 至 2026-10-09，实际 1 日（原定至 2026-11-07，提前结束：上级要求限期出台），"
        "收到意见 2 条"
    )


def test_the_timeline_and_page_show_the_real_window(db, world, consulting, login_as, clock):
    doc, c = consulting
    services.close_consultation(doc, actor=world["drafter"], now=NOW, closed_on=START, reason="上级要求限期出台")
    db.session.commit()
    page = text(login_as("drafter").get(f"/documents/{doc.id}"))
    assert "2026年10月9日—2026年10月9日，实际 1 日，2 条意见" in page
    assert "实际 1 日（原定至 2026-11-07，提前结束：上级要求限期出台），收到意见 2 条" in page
    page = text(login_as("drafter").get(f"/review/documents/{doc.id}/consultation"))
    assert "实际：2026年10月9日 至 2026年10月9日，共 1 日" in page and "上级要求限期出台" in page


def test_a_closed_window_cannot_be_edited_afterwards(db, world, consulting):
    doc, c = consulting
    services.close_consultation(doc, actor=world["drafter"], now=NOW, closed_on=START, reason="限期出台")
    with pytest.raises(ValidationFailed, match="该次征求意见已经结束"):
        services.save_consultation(
            doc,
            c,
            actor=world["drafter"],
            now=NOW,
            channel="测试镇人民政府门户网站",
            url=None,
            start_on=START,
            end_on=date(2026, 11, 7),
            short_reason=None,
        )


def test_the_comments_recorded_make_the_comment_record_material(db, world, consulting):
    doc, c = consulting
    assert "征求意见及采纳情况" in missing_materials(doc)
    services.close_consultation(doc, actor=world["drafter"], now=NOW, closed_on=date(2026, 11, 2), reason="已无新意见")
    db.session.commit()
    (record,) = [a for a in doc.attachments if a.kind is AttachmentKind.COMMENT_RECORD and not a.superseded]
    assert record.title == "征求意见及采纳情况（系统生成）"
    assert "征求意见及采纳情况" not in missing_materials(doc)
    ws = load_workbook(io.BytesIO(path_of(record.file).read_bytes())).active
    rows = [tuple(v for v in r if v is not None) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ("《测试镇某某管理办法》公开征求意见及采纳情况",)
    assert rows[1] == (
        "征求意见期",
        "2026年10月9日至2026年11月2日，共 25 日（原定至2026年11月7日，提前结束，理由：已无新意见）",
    )
    assert rows[3] == ("收到意见", "共收到意见 2 条：采纳 1 条，不采纳 1 条")
    assert [r[:2] + r[3:] for r in rows[-2:]] == [
        (1, "群众甲", "群众甲的意见", "采纳"),
        (2, "企业乙", "企业乙的意见", "不采纳", "无依据"),
    ]


def test_a_pending_comment_holds_the_material_back_until_it_is_handled(db, world, consulting, login_as, clock):
    doc, c = consulting
    services.add_comment(
        c,
        actor=world["drafter"],
        now=NOW,
        commenter="丙",
        content="迟到的意见",
        received_on=START,
        disposition=Disposition.PENDING,
        reason="",
    )
    services.close_consultation(doc, actor=world["drafter"], now=NOW, closed_on=date(2026, 11, 2), reason="限期出台")
    db.session.commit()
    assert not [a for a in doc.attachments if a.kind is AttachmentKind.COMMENT_RECORD]
    r = login_as("drafter").post(f"/review/documents/{doc.id}/consultation/record", follow_redirects=True)
    assert "尚有 1 条意见未登记处理情况（采纳、部分采纳或不采纳）。" in flashes(r)
    c.comments[-1].disposition = Disposition.ADOPTED
    db.session.commit()
    r = login_as("drafter").post(f"/review/documents/{doc.id}/consultation/record", follow_redirects=True)
    assert "已生成《征求意见及采纳情况》，列入送审材料。" in flashes(r)
    assert len([a for a in doc.attachments if a.kind is AttachmentKind.COMMENT_RECORD]) == 1


def test_closing_goes_through_the_consultation_page_not_a_bare_action(db, world, consulting, login_as, clock):
    doc, _ = consulting
    c = login_as("drafter")
    r = c.post(f"/documents/{doc.id}/actions/close_consultation", data={"note": ""})
    assert r.status_code == 409 and doc.status is DocStatus.CONSULTING
    r = c.post(
        f"/review/documents/{doc.id}/consultation/close",
        data={"x-closed_on": "2026-10-09", "x-reason": ""},
        follow_redirects=True,
    )
    assert any("须写明提前结束的理由" in f for f in flashes(r))
    r = c.post(
        f"/review/documents/{doc.id}/consultation/close",
        data={"x-closed_on": "2026-10-09", "x-reason": "上级要求限期出台"},
        follow_redirects=True,
    )
    assert "征求意见已结束，实际起止日期已记录。" in flashes(r)
    assert _db.session.get(Consultation, 1).closed_on == START


def test_a_window_starting_years_ahead_is_questioned(db, world):
    doc = make_document(world, NOW)
    kw = dict(
        actor=world["drafter"],
        now=NOW,
        channel="测试镇人民政府门户网站",
        url=None,
        start_on=date(2062, 11, 3),
        end_on=date(2062, 12, 2),
        short_reason=None,
    )
    with pytest.raises(ValidationFailed) as exc:
        services.save_consultation(doc, None, **kw)
    assert exc.value.message == "开始日期 2062-11-03 在 1 年以后，请核对年份；确实无误的，勾选“日期无误”后再保存。"
    c = services.save_consultation(doc, None, dates_confirmed=True, **kw)
    assert c.start_on == date(2062, 11, 3)
