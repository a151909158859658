"""The city justice bureau's 备案审查 inside the product (issue 16, item 2).

A town files here; the submission arrives on the bureau's desk with its packet; the bureau accepts it or returns an
incomplete packet, reviews within 30 calendar days of receipt (20 more with a reason), and decides with a numbered
备案审查意见 that the town reads on its filing record; a correction comes back as a new submission.

Rule set defaults (docs/rules.md §3, §5): `filing_review` 30 CD, `filing_review_extension` 20 CD,
`correction_period` 30 CD; a calendar-day limit ending on a rest day rolls to the next working day. Every expected
date below is counted by hand.
"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD
from tests.factories import at, d, numbered, publish
from tests.pages import flashes, redirect_target, refusal, text
from tests.word.steps import all_text, assert_official_format, stored_bytes
from tracker.alerts.models import Alert, AlertKind
from tracker.alerts.reminders import alerts_for
from tracker.audit.models import AuditEvent
from tracker.auth.models import Role, User
from tracker.auth.permissions import SYSTEM
from tracker.auth.services import create_user
from tracker.documents.states import FilingStatus
from tracker.extensions import db
from tracker.filing import bureau as bureau_module
from tracker.filing import services as filing
from tracker.filing.models import FilingAttempt, FilingResult
from tracker.filing.word import generate_filing_report
from tracker.word.models import GeneratedDocument, OutputKind

TITLE = "测试镇河道管理办法"


def _bureau(world) -> User:
    user = create_user(
        actor=SYSTEM,
        now=at(d("2026-10-01")),
        username="bureau",
        display_name="孙备案",
        role=Role.BUREAU,
        unit_id=world.units["city"].id,
        password=PASSWORD,
    )
    db.session.commit()
    return user


def _published(world):
    doc = numbered(world, TITLE, d("2026-10-20"))
    publish(world, doc, d("2026-10-22"), effective_on=d("2026-11-21"))
    generate_filing_report(doc, actor=world["clerk"], now=at(d("2026-10-26"), 9))
    db.session.commit()
    return doc


def _latest(doc) -> FilingAttempt:
    db.session.expire_all()
    return filing.current_filing(doc).attempts[-1]


def _file_online(clerk, doc):
    return clerk.post(f"/filing/documents/{doc.id}/submit", data={"channel": "online", "submitted_on": "2026-10-26"})


def test_a_filing_goes_to_the_bureau_is_corrected_by_the_town_and_registered(db, world, login_as, clock):
    _bureau(world)
    doc = _published(world)
    clerk, bureau = login_as("clerk"), login_as("bureau")

    # The town files here on 10-26: no .zip, the date is the day it is sent; the bureau answers by 11-25.
    clock.set(at(d("2026-10-26"), 10))
    page = text(clerk.get(f"/filing/documents/{doc.id}/submit"))
    # The bureau works here: filing here is what the form offers first.
    assert re.search(r'<input checked[^>]*value="online"', page)
    r = _file_online(clerk, doc)
    assert redirect_target(r)[0] == f"/documents/{doc.id}"
    first = _latest(doc)
    assert (first.in_product, first.submitted_on, first.review_due_on, first.accepted_on) == (
        True,
        d("2026-10-26"),
        d("2026-11-25"),
        None,
    )
    assert doc.filing_status is FilingStatus.SUBMITTED

    # The bureau's desk: waiting to be accepted, with its due date and days left.
    clock.set(at(d("2026-10-27"), 9))
    desk = text(bureau.get("/bureau/"))
    to_accept = desk.split('id="sec-to-accept"')[1].split('id="sec-in-review"')[0]
    assert TITLE in to_accept and "测试镇" in to_accept and "2026年11月25日" in to_accept and "剩余 29 日" in to_accept
    page = text(bureau.get(f"/bureau/filings/{first.id}"))
    assert "备案报告" in page and 'data-testid="accept-form"' in page and 'data-testid="decide-form"' not in page

    # Deciding before acceptance is refused, where the form is, and nothing changes.
    r = bureau.post(
        f"/bureau/filings/{first.id}/decide",
        data={"decide-result": "registered", "decide-decided_on": "2026-10-27", "decide-note": ""},
    )
    assert r.status_code == 409 and refusal(r) == "请先受理本次报送，再作出审查结果。"
    assert _latest(doc).result is None

    r = bureau.post(f"/bureau/filings/{first.id}/accept", data={"accept-accepted_on": "2026-10-27"})
    assert redirect_target(r)[0] == f"/bureau/filings/{first.id}"
    assert _latest(doc).accepted_on == d("2026-10-27")
    # The town sees the acceptance on its filing record.
    assert "2026年10月27日 受理" in text(clerk.get(f"/documents/{doc.id}"))

    # 暂缓登记、限期补正 on 11-10: the correction is due 30 days later (12-10), with the bureau's written opinion.
    clock.set(at(d("2026-11-10"), 15))
    r = bureau.post(
        f"/bureau/filings/{first.id}/decide",
        data={
            "decide-result": "correction",
            "decide-decided_on": "2026-11-10",
            "decide-note": "一、制定依据\n未附上位法文本。",
        },
    )
    assert r.status_code == 302
    first = _latest(doc)
    assert (first.result, first.correction_due_on, first.opinion_number) == (
        FilingResult.CORRECTION,
        d("2026-12-10"),
        "中司备审〔2026〕1号",
    )
    db.session.refresh(doc)
    assert doc.filing_status is FilingStatus.CORRECTION
    [opinion] = db.session.scalars(
        sa.select(GeneratedDocument).where(GeneratedDocument.kind == OutputKind.FILING_OPINION)
    ).all()
    data = stored_bytes(opinion)
    assert_official_format(data)
    body = all_text(data)
    for part in (
        "中山市司法局",
        "中司备审〔2026〕1号",
        f"关于《{TITLE}》的备案审查意见",
        "测试镇人民政府：",
        "暂缓登记",
    ):
        assert part in body, part
    assert "2026年12月10日前补正" in body and "未附上位法文本。" in body and "2026年10月27日受理" in body

    # The town: its record names the result, the opinion to download, the correction's due date; the clerk's board
    # has the correction; the bureau's desk waits for the town.
    page = text(clerk.get(f"/documents/{doc.id}"))
    assert "补正期限：2026年12月10日" in page and "备案审查意见 中司备审〔2026〕1号" in page
    assert clerk.get(f"/word/generated/{opinion.id}/download").status_code == 200
    [alert] = db.session.scalars(
        sa.select(Alert).where(Alert.document_id == doc.id, Alert.kind == AlertKind.CORRECTION_DUE)
    ).all()
    assert alert.due_on == d("2026-12-10") and alert in alerts_for(world["clerk"])
    awaiting = text(bureau.get("/bureau/")).split('id="sec-awaiting-town"')[1].split('id="sec-decided"')[0]
    assert TITLE in awaiting and "2026年12月10日" in awaiting

    # The town corrects and files again on 11-20: a new submission, due 12-21 (12-20 is a Sunday).
    clock.set(at(d("2026-11-20"), 10))
    generate_filing_report(doc, actor=world["clerk"], now=at(d("2026-11-20"), 9))
    db.session.commit()
    r = clerk.post(f"/filing/documents/{doc.id}/submit", data={"channel": "online", "submitted_on": "2026-11-20"})
    assert r.status_code == 302
    second = _latest(doc)
    assert (second.attempt_no, second.in_product, second.review_due_on) == (2, True, d("2026-12-21"))
    desk = text(bureau.get("/bureau/"))
    assert TITLE in desk.split('id="sec-to-accept"')[1].split('id="sec-in-review"')[0]
    assert TITLE not in desk.split('id="sec-awaiting-town"')[1].split('id="sec-decided"')[0]
    # The earlier submission's page points to the latest.
    assert "查看最新一次报送" in text(bureau.get(f"/bureau/filings/{first.id}"))
    r = bureau.post(f"/bureau/filings/{first.id}/accept", data={"accept-accepted_on": "2026-11-20"})
    assert r.status_code == 409 and refusal(r) == "该次报送已有后续报送，请处理最新一次报送。"

    assert (
        bureau.post(f"/bureau/filings/{second.id}/accept", data={"accept-accepted_on": "2026-11-20"}).status_code == 302
    )
    clock.set(at(d("2026-11-24"), 10))
    r = bureau.post(
        f"/bureau/filings/{second.id}/decide",
        data={"decide-result": "registered", "decide-decided_on": "2026-11-24", "decide-note": ""},
    )
    assert r.status_code == 302
    second = _latest(doc)
    assert (second.result, second.opinion_number, second.reviewer_id) == (
        FilingResult.REGISTERED,
        "中司备审〔2026〕2号",
        db.session.scalar(sa.select(User.id).where(User.username == "bureau")),
    )
    db.session.refresh(doc)
    assert doc.filing_status is FilingStatus.REGISTERED
    assert filing.current_filing(doc).on_time is True  # first submitted 10-26, due 11-21
    assert "予以备案" in text(clerk.get(f"/documents/{doc.id}"))

    # Both sides' history: every step is in the town's trail of the document, and on the bureau's page.
    actions = [e.action for e in db.session.scalars(sa.select(AuditEvent).where(AuditEvent.document_id == doc.id))]
    for action in (
        "transition.submit_filing",
        "filing.accepted",
        "transition.bureau_correction",
        "transition.bureau_registered",
    ):
        assert action in actions, action
    town_ids = set(
        db.session.scalars(
            sa.select(AuditEvent.town_id).where(AuditEvent.document_id == doc.id, AuditEvent.action.like("%bureau%"))
        )
    )
    assert town_ids == {doc.town_id}
    events = text(bureau.get(f"/bureau/filings/{second.id}")).split('data-testid="bureau-events"')[1]
    assert "受理第 2 次报送" in events and "孙备案" in events


def test_an_incomplete_packet_goes_back_before_acceptance_only(db, world, login_as, clock):
    _bureau(world)
    doc = _published(world)
    clerk, bureau = login_as("clerk"), login_as("bureau")
    clock.set(at(d("2026-10-26"), 10))
    _file_online(clerk, doc)
    attempt = _latest(doc)

    r = bureau.post(
        f"/bureau/filings/{attempt.id}/return",
        data={"return-returned_on": "2026-10-28", "return-note": "缺少起草说明。"},
    )
    assert r.status_code == 400 and refusal(r) == "结果日期不能晚于今天。"
    r = bureau.post(f"/bureau/filings/{attempt.id}/return", data={"return-returned_on": "2026-10-26"})
    assert r.status_code == 400 and "请写明缺少或需补正的材料。" in refusal(r)
    assert _latest(doc).result is None

    r = bureau.post(
        f"/bureau/filings/{attempt.id}/return",
        data={"return-returned_on": "2026-10-26", "return-note": "缺少起草说明。"},
    )
    assert redirect_target(r)[0] == "/bureau/"
    attempt = _latest(doc)
    assert (attempt.result, attempt.correction_due_on, attempt.opinion_number) == (
        FilingResult.PACKET_RETURNED,
        d("2026-11-25"),
        None,
    )
    db.session.refresh(doc)
    assert doc.filing_status is FilingStatus.PACKET_RETURNED
    page = text(clerk.get(f"/documents/{doc.id}"))
    assert "备案材料退回补正：缺少起草说明。" in page and "补正期限：2026年11月25日" in page
    # A packet sent back is not a review outcome in the year's figures, and the town may file again.
    assert clerk.get(f"/filing/documents/{doc.id}/submit").status_code == 200

    # Filed again and accepted: it can no longer be returned (a forged post changes nothing).
    clock.set(at(d("2026-10-30"), 10))
    clerk.post(f"/filing/documents/{doc.id}/submit", data={"channel": "online", "submitted_on": "2026-10-30"})
    again = _latest(doc)
    bureau.post(f"/bureau/filings/{again.id}/accept", data={"accept-accepted_on": "2026-10-30"})
    r = bureau.post(
        f"/bureau/filings/{again.id}/return", data={"return-returned_on": "2026-10-30", "return-note": "材料不全。"}
    )
    assert r.status_code == 409 and refusal(r) == "本次报送已于 2026-10-30 受理，不能再退回材料。"
    assert _latest(doc).result is None


def test_the_bureau_extends_once_with_a_reason_and_the_town_sees_the_new_due_date(db, world, login_as, clock):
    _bureau(world)
    doc = _published(world)
    clerk, bureau = login_as("clerk"), login_as("bureau")
    clock.set(at(d("2026-10-26"), 10))
    _file_online(clerk, doc)
    attempt = _latest(doc)
    bureau.post(f"/bureau/filings/{attempt.id}/accept", data={"accept-accepted_on": "2026-10-26"})
    clock.set(at(d("2026-11-20"), 10))
    r = bureau.post(f"/bureau/filings/{attempt.id}/extend", data={"extend-extended_on": "2026-11-20"})
    assert r.status_code == 400 and "请写明延长审查期限的理由。" in refusal(r)
    r = bureau.post(
        f"/bureau/filings/{attempt.id}/extend",
        data={"extend-extended_on": "2026-11-20", "extend-reason": "涉及专业问题，需征求市农业农村局意见"},
    )
    assert r.status_code == 302
    # 11-25 + 20 = 12-15.
    assert _latest(doc).review_due_on == d("2026-12-15")
    page = text(clerk.get(f"/documents/{doc.id}"))
    assert "2026年12月15日" in page and "报送后 30 日，延长 20 日" in page
    r = bureau.post(
        f"/bureau/filings/{attempt.id}/extend", data={"extend-extended_on": "2026-11-20", "extend-reason": "再次延长"}
    )
    assert r.status_code == 409 and refusal(r) == "本次报送已于 2026-11-20 登记过备案审查延期。"
    # The clerk does not record an extension or a result of a submission the bureau answers here.
    r = clerk.post(
        f"/filing/documents/{doc.id}/review-extension", data={"ext-notified_on": "2026-11-20", "ext-note": "x"}
    )
    assert r.status_code == 409 and refusal(r) == "该文件在本系统报送，备案审查期限由市司法局在本系统延长。"
    page = text(clerk.get(f"/filing/documents/{doc.id}/result"))
    assert 'data-testid="answered-here"' in page and 'data-testid="record-filing-result"' not in page
    r = clerk.post(
        f"/filing/documents/{doc.id}/result",
        data={"result": "registered", "result_on": "2026-11-20", "note": ""},
    )
    assert refusal(r) == "该文件已在本系统报送市司法局备案审查，审查结果由备案审查机关在本系统作出。"
    assert _latest(doc).result is None


def test_without_a_bureau_in_the_product_the_town_files_elsewhere(db, world, login_as, clock):
    doc = _published(world)
    clerk = login_as("clerk")
    clock.set(at(d("2026-10-26"), 10))
    page = text(clerk.get(f"/filing/documents/{doc.id}/submit"))
    assert "本系统在线报送" not in page
    r = _file_online(clerk, doc)
    assert r.status_code == 200 and "市司法局尚未在本系统开展备案审查，请选择其他报送方式。" in flashes(r)
    assert filing.current_filing(doc).attempts == []


@pytest.mark.parametrize("role", ["admin", "reviewer", "clerk", "drafter", "leader"])
def test_the_town_reaches_no_page_of_the_bureau(db, world, login_as, clock, role):
    _bureau(world)
    doc = _published(world)
    clock.set(at(d("2026-10-26"), 10))
    _file_online(login_as("clerk"), doc)
    attempt = _latest(doc)
    client = login_as(role)
    assert client.get("/bureau/").status_code == 403
    assert client.get(f"/bureau/filings/{attempt.id}").status_code == 403
    r = client.post(f"/bureau/filings/{attempt.id}/accept", data={"accept-accepted_on": "2026-10-26"})
    assert r.status_code == 403
    assert _latest(doc).accepted_on is None


def test_the_bureau_reads_nothing_of_a_town_but_its_filings(db, world, login_as, clock):
    _bureau(world)
    doc = _published(world)
    bureau = login_as("bureau")
    r = bureau.get("/")
    assert redirect_target(r)[0] == "/bureau/"
    assert bureau.get(f"/documents/{doc.id}").status_code in (403, 404)
    assert bureau.get("/reports/annual").status_code == 403
    # Not filed here yet: no page of the bureau names it.
    assert TITLE not in text(bureau.get("/bureau/"))
    assert bureau.get("/bureau/filings/999").status_code == 404


def test_a_long_list_on_the_desk_shows_the_most_urgent_and_says_how_many_in_all(
    db, world, login_as, clock, monkeypatch
):
    _bureau(world)
    clerk, bureau = login_as("clerk"), login_as("bureau")
    clock.set(at(d("2026-10-26"), 10))
    titles = ("测试镇河道管理办法", "测试镇集贸市场管理办法", "测试镇殡葬管理办法")
    for title in titles:
        doc = numbered(world, title, d("2026-10-20"))
        publish(world, doc, d("2026-10-22"), effective_on=d("2026-11-21"))
        generate_filing_report(doc, actor=world["clerk"], now=at(d("2026-10-26"), 9))
        db.session.commit()
        assert _file_online(clerk, doc).status_code == 302
    monkeypatch.setattr(bureau_module, "DESK_LIMIT", 2)
    clock.set(at(d("2026-10-27"), 9))
    desk = text(bureau.get("/bureau/"))
    to_accept = desk.split('id="sec-to-accept"')[1].split('id="sec-in-review"')[0]
    assert "待受理（3）" in desk
    assert to_accept.count('data-testid="desk-row"') == 2
    assert "共 3 件，此处列出最紧急的 2 件" in to_accept
    # Every list is one page: the lists not cut say nothing of it.
    assert desk.count("此处列出最紧急的") == 1
