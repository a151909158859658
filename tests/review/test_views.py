"""The review pages: the desk with days left and late rows, forged POSTs refused, form errors keep what was typed."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from tests import factories
from tests.factories import at, make_document
from tests.review import steps
from tracker.audit.models import AuditEvent
from tracker.common.numbering import NumberCounter
from tracker.documents.states import DocStatus
from tracker.review import services
from tracker.review.models import Consultation, Opinion, ReviewRound
from tracker.rules.conclusions import conclusion_by_label


@pytest.fixture
def frozen_clock(clock):
    """The pages read the clock through now_utc(): the fixed Monday 2026-11-02 10:00 Beijing."""
    return clock.at


def _count(db, model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _queue_rows(body: str) -> list[tuple[str, str]]:
    """(class attribute, text) of each row of the review queue, in page order."""
    rows = re.findall(r'<tr class="([^"]*)" data-testid="queue-row">(.*?)</tr>', body, re.S)
    return [(cls, re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", inner))).strip()) for cls, inner in rows]


# --- the desk ----------------------------------------------------------------------------------------------


def test_desk_lists_submissions_with_days_left_and_marks_the_late_one(db, world, now, login_as, frozen_clock):
    # Received Friday 10-09: 15 working days, counting Saturday 10-10 (make-up workday), end on Thursday 10-29.
    late, _ = steps.under_review(world, at(date(2026, 10, 9)), title="测试镇逾期办法")
    fresh, _ = steps.submitted(world, now, title="测试镇新送办法")
    db.session.commit()

    body = login_as("reviewer").get("/review/").get_data(as_text=True)
    rows = _queue_rows(body)
    assert len(rows) == 2
    (late_cls, late_text), (fresh_cls, fresh_text) = rows  # most urgent first
    assert "table-danger" in late_cls.split()
    assert late_text == (
        "测试镇逾期办法 测试镇综合行政执法局 第 1 轮 2026年10月9日 2026年10月29日 已逾期 2 个工作日 reviewer 审查中"
    )
    # Received today: 15 working days left, due Monday 11-23, nobody assigned yet.
    assert "table-danger" not in fresh_cls.split() and "table-warning" not in fresh_cls.split()
    assert fresh_text == "测试镇新送办法 测试镇综合行政执法局 第 1 轮 2026年11月2日 2026年11月23日 15 未分配 已送审"


def test_desk_on_the_real_clock_marks_a_long_overdue_submission(db, world, login_as):
    """No frozen clock: a packet received in March 2020 is late whatever day this runs."""
    steps.submitted(world, at(date(2020, 3, 2)), title="测试镇陈年办法")
    db.session.commit()
    rows = _queue_rows(login_as("reviewer").get("/review/").get_data(as_text=True))
    assert len(rows) == 1
    cls, text = rows[0]
    assert "table-danger" in cls.split()
    # Received Monday 2020-03-02: 15 working days end on Monday 03-23.
    assert text.startswith("测试镇陈年办法 测试镇综合行政执法局 第 1 轮 2020年3月2日 2020年3月23日 已逾期 ")


def test_desk_shows_an_extended_due_date_and_only_my_rounds_on_request(db, world, now, login_as, frozen_clock):
    doc, rnd = steps.under_review(world, at(date(2026, 10, 9)), title="测试镇延期办法")
    # 10-29 + 3 working days: 10-30, 11-02, 11-03. On 11-02 one working day is left: a warning, not late.
    services.extend(rnd, actor=world["reviewer"], now=at(date(2026, 10, 28)), days=3, reason="需补充调研")
    steps.submitted(world, now, title="测试镇未分配办法")
    db.session.commit()
    client = login_as("reviewer")
    rows = _queue_rows(client.get("/review/").get_data(as_text=True))
    assert [text.split()[0] for _, text in rows] == ["测试镇延期办法", "测试镇未分配办法"]
    cls, text = rows[0]
    assert "table-warning" in cls.split() and "table-danger" not in cls.split()
    assert "2026年11月3日 已延长 1 reviewer" in text
    mine = _queue_rows(client.get("/review/?mine=1").get_data(as_text=True))
    assert [text.split()[0] for _, text in mine] == ["测试镇延期办法"]


def test_desk_with_a_provisional_due_date_says_so(db, world, login_as, clock):
    december = at(date(2026, 12, 24))
    clock.set(december)
    steps.submitted(world, december, title="测试镇跨年办法")
    db.session.commit()
    rows = _queue_rows(login_as("reviewer").get("/review/").get_data(as_text=True))
    assert (
        rows[0][1] == "测试镇跨年办法 测试镇综合行政执法局 第 1 轮 2026年12月24日 2027年1月15日 暂定 15 未分配 已送审"
    )


def test_desk_rows_follow_each_write_and_each_day(db, world, now, login_as, clock):
    """The desk's rows are remembered per list and day until the next write (review/views.desk)."""
    doc, _ = steps.submitted(world, now, title="测试镇待受理办法")
    db.session.commit()
    client = login_as("reviewer")
    (row,) = _queue_rows(client.get("/review/").get_data(as_text=True))
    assert row[1].endswith("2026年11月23日 15 未分配 已送审")
    clock.set(at(date(2026, 11, 3)))  # the next working day, nothing written
    (row,) = _queue_rows(client.get("/review/").get_data(as_text=True))
    assert row[1].endswith("2026年11月23日 14 未分配 已送审")
    factories.accept(world, doc, date(2026, 11, 3))
    db.session.commit()
    (row,) = _queue_rows(client.get("/review/").get_data(as_text=True))
    assert row[1].endswith("2026年11月23日 14 reviewer 审查中")


@pytest.mark.parametrize("name", ["drafter", "clerk", "leader", "admin"])
def test_only_reviewers_see_the_desk(db, world, login_as, name):
    assert login_as(name).get("/review/").status_code == 403


# --- forged POSTs: refused, nothing changed ------------------------------------------------------------------


def _snapshot(db):
    """What a refused POST must not change; a refused attempt itself is recorded (tests/audit/test_refusals.py)."""
    operations = sa.select(sa.func.count()).where(AuditEvent.action.not_like("refused.%"))
    return (
        _count(db, ReviewRound),
        _count(db, Opinion),
        _count(db, NumberCounter),
        db.session.scalar(operations),
    )


def test_drafter_posting_the_conclusion_form_is_refused(db, world, now, login_as, frozen_clock):
    doc, rnd = steps.under_review(world, now)
    steps.fill_points(rnd, world, now)
    db.session.commit()
    client = login_as("drafter")
    before = _snapshot(db)
    pass_id = conclusion_by_label(factories.PASS).id
    r = client.post(
        f"/review/documents/{doc.id}/worksheet",
        data={"form": "conclude", "c-conclusion_id": str(pass_id), "c-summary": "同意", "c-addressee": ""},
    )
    assert r.status_code == 403
    r = client.post(f"/review/documents/{doc.id}/worksheet", data={"form": "finding", "f-problem": "伪造"})
    assert r.status_code == 403
    db.session.expire_all()
    assert doc.status is DocStatus.UNDER_REVIEW
    assert rnd.conclusion_id is None and rnd.findings == []
    assert _snapshot(db) == before


def test_drafter_posting_a_bare_review_action_is_refused_in_chinese(db, world, now, login_as, frozen_clock):
    doc, _ = steps.submitted(world, now)
    db.session.commit()
    client = login_as("drafter")
    before = _snapshot(db)
    r = client.post(f"/documents/{doc.id}/actions/accept_for_review", data={"note": ""})
    assert r.status_code == 409
    assert "“受理并分配审查人”须在专门的办理页面填写相关信息后办理。" in r.get_data(as_text=True)
    r = client.post(f"/documents/{doc.id}/actions/no_such_action", data={"note": ""})
    assert r.status_code == 409 and "没有这个操作。" in r.get_data(as_text=True)
    db.session.expire_all()
    assert doc.status is DocStatus.SUBMITTED
    assert _snapshot(db) == before


def test_reviewer_posting_an_answer_is_refused(db, world, now, login_as, frozen_clock):
    doc, rnd = steps.under_review(world, now)
    steps.fill_points(rnd, world, now)
    finding = steps.finding(rnd, world, now)
    steps.conclude(doc, world, now, factories.RETURN)
    db.session.commit()
    client = login_as("reviewer")
    before = _snapshot(db)
    r = client.post(
        f"/review/documents/{doc.id}/answers",
        data={"finding_id": str(finding.id), f"a{finding.id}-response": "adopted", f"a{finding.id}-reason": ""},
    )
    assert r.status_code == 403
    db.session.expire_all()
    assert finding.response is None and finding.responded_by_id is None
    assert _snapshot(db) == before


def test_drafter_answers_through_the_page(db, world, now, login_as, frozen_clock):
    doc, rnd = steps.under_review(world, now)
    steps.fill_points(rnd, world, now)
    finding = steps.finding(rnd, world, now)
    steps.conclude(doc, world, now, factories.RETURN)
    db.session.commit()
    client = login_as("drafter")
    form = {"finding_id": str(finding.id), f"a{finding.id}-response": "not_adopted", f"a{finding.id}-reason": ""}
    r = client.post(f"/review/documents/{doc.id}/answers", data=form)
    assert r.status_code == 200
    assert "不采纳或部分采纳审查意见的，须说明理由" in r.get_data(as_text=True)
    db.session.expire_all()
    assert finding.response is None
    form[f"a{finding.id}-reason"] = "该款系上位法规定的细化"
    assert client.post(f"/review/documents/{doc.id}/answers", data=form).status_code == 302
    db.session.expire_all()
    assert (finding.response.value, finding.response_reason) == ("not_adopted", "该款系上位法规定的细化")


@pytest.mark.parametrize("name", ["clerk", "reviewer", "drafter2"])
def test_others_posting_submit_are_refused(db, world, now, login_as, frozen_clock, name):
    doc = steps.ready_document(world, now)
    db.session.commit()
    client = login_as(name)
    before = _snapshot(db)
    r = client.post(f"/review/documents/{doc.id}/submit", data={"received_on": "2026-11-02"})
    assert r.status_code == 403
    db.session.expire_all()
    assert doc.status is DocStatus.DRAFTING
    assert _snapshot(db) == before


def test_submit_through_the_page_then_a_double_submission(db, world, now, login_as, frozen_clock):
    doc = steps.ready_document(world, now)
    db.session.commit()
    client = login_as("drafter")
    r = client.post(f"/review/documents/{doc.id}/submit", data={"received_on": "2026-10-30"})
    assert r.status_code == 302
    before = _snapshot(db)
    r = client.post(f"/review/documents/{doc.id}/submit", data={"received_on": "2026-11-02"})
    assert r.status_code == 200
    assert "文件当前为“已送审”，不能执行“送交合法性审查”。" in r.get_data(as_text=True)
    assert _snapshot(db) == before
    rnd = db.session.scalars(sa.select(ReviewRound)).one()
    # Received Friday 10-30: 15 working days end on Friday 11-20.
    assert (rnd.round_no, rnd.received_on.isoformat(), rnd.due_on.isoformat()) == (1, "2026-10-30", "2026-11-20")


def test_incomplete_packet_through_the_page_lists_what_is_missing(db, world, now, login_as, frozen_clock):
    doc = make_document(world, now)
    steps.upload_version(doc, world, now)
    db.session.commit()
    client = login_as("drafter")
    before = _snapshot(db)
    r = client.post(f"/review/documents/{doc.id}/submit", data={"received_on": "2026-11-02"})
    assert r.status_code == 200
    assert "送审材料不齐全，缺少：请示/送审函、起草说明、制定依据、征求意见及采纳情况。" in r.get_data(as_text=True)
    assert _snapshot(db) == before
    db.session.expire_all()
    assert doc.status is DocStatus.DRAFTING


# --- public comment form --------------------------------------------------------------------------------------


def _window_form(**overrides):
    data = {
        "form": "window",
        "w-channel": "沙溪镇人民政府门户网站",
        "w-url": "https://www.example.gov.cn/zqyj/7",
        "w-start_on": "2026-11-10",
        "w-end_on": "2026-11-01",
        "w-short_reason": "",
        "w-summary": "向社会公开征求意见",
    }
    data.update(overrides)
    return data


def test_end_before_start_shows_the_error_and_keeps_what_was_typed(db, world, now, login_as, frozen_clock):
    doc = make_document(world, now)
    db.session.commit()
    r = login_as("drafter").post(f"/review/documents/{doc.id}/consultation", data=_window_form())
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "结束日期不能早于开始日期。" in body
    assert 'value="2026-11-10"' in body and 'value="2026-11-01"' in body
    assert 'value="沙溪镇人民政府门户网站"' in body
    assert 'value="https://www.example.gov.cn/zqyj/7"' in body
    assert "向社会公开征求意见" in body
    assert _count(db, Consultation) == 0


def test_short_window_without_reason_through_the_form(db, world, now, login_as, frozen_clock):
    doc = make_document(world, now)
    db.session.commit()
    client = login_as("drafter")
    form = _window_form(**{"w-start_on": "2026-11-02", "w-end_on": "2026-11-11"})
    r = client.post(f"/review/documents/{doc.id}/consultation", data=form)
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert "征求意见期为 10 日，少于规定的 30 日（通行做法），须填写期限较短的理由。" in body
    assert 'value="2026-11-02"' in body and 'value="2026-11-11"' in body
    assert _count(db, Consultation) == 0
    form["w-short_reason"] = "上级要求限期出台"
    assert client.post(f"/review/documents/{doc.id}/consultation", data=form).status_code == 302
    saved = db.session.scalars(sa.select(Consultation)).one()
    assert (saved.start_on.isoformat(), saved.end_on.isoformat(), saved.short_reason) == (
        "2026-11-02",
        "2026-11-11",
        "上级要求限期出台",
    )


def test_another_unit_cannot_post_a_consultation(db, world, now, login_as, frozen_clock):
    doc = make_document(world, now)
    db.session.commit()
    r = login_as("drafter2").post(
        f"/review/documents/{doc.id}/consultation",
        data=_window_form(**{"w-start_on": "2026-11-02", "w-end_on": "2026-12-01"}),
    )
    assert r.status_code == 403
    assert _count(db, Consultation) == 0
