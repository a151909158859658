"""The city's side of filing (issue 12, item 5): its 备案审查 answer falls due, the clerk is told to chase it, and an
extension the city announces moves it.

Rule set defaults (docs/rules.md §3, §5): the answer within 30 calendar days of each submission (`filing_review`),
20 more when the city extends (`filing_review_extension`); a calendar-day limit ending on a rest day rolls to the next
working day. 2026: 国庆 10-01…10-07 off. Every expected date below is counted by hand.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.factories import at, d, filing_result, numbered, publish, submit_filing
from tests.pages import error_message, redirect_target, text
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.alerts.reminders import alerts_for
from tracker.alerts.scan import scan
from tracker.audit.models import AuditEvent
from tracker.documents.states import FilingStatus
from tracker.extensions import db
from tracker.filing import queries as filing_queries
from tracker.filing import services as filing
from tracker.filing.models import FilingAttempt, FilingResult
from tracker.rules.due import DueKind
from tracker.rules.ruleset import get_rule

TITLE = "测试镇河道管理办法"


def _answer_alerts(doc) -> list[Alert]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Alert).where(Alert.document_id == doc.id, Alert.kind == AlertKind.FILING_REVIEW_DUE)
        )
    )


def _submitted(world, *, signed=d("2026-10-20"), published=d("2026-10-22"), submitted=d("2026-10-26")):
    doc = numbered(world, TITLE, signed)
    publish(world, doc, published, effective_on=published + (d("2026-11-21") - d("2026-10-22")))
    attempt = submit_filing(world, doc, submitted)
    db.session.commit()
    return doc, attempt


@pytest.mark.parametrize(
    ("signed", "published", "submitted", "due"),
    [
        (d("2026-10-20"), d("2026-10-22"), d("2026-10-26"), d("2026-11-25")),  # a Wednesday
        (d("2026-10-20"), d("2026-10-22"), d("2026-10-30"), d("2026-11-30")),  # 11-29 is a Sunday
        (d("2026-08-18"), d("2026-08-20"), d("2026-09-01"), d("2026-10-08")),  # 10-01 is 国庆
    ],
    ids=["weekday", "sunday", "national-day"],
)
def test_the_answer_is_due_thirty_days_after_the_submission_and_on_the_clerks_list_at_once(
    db, world, signed, published, submitted, due
):
    doc, attempt = _submitted(world, signed=signed, published=published, submitted=submitted)
    assert (attempt.review_due_on, attempt.review_due_days, attempt.review_due_provisional) == (due, 30, False)
    filing_id = filing.current_filing(doc).id
    items = filing_queries.answer_due_items(submitted, documents=[doc.id])
    assert [(i.kind, i.key, i.due_on, i.rule_code, i.rule_value, i.message) for i in items] == [
        (
            DueKind.FILING_REVIEW_DUE,
            f"city_review:{filing_id}",
            due,
            "filing_review",
            30,
            f"《{TITLE}》待中山市司法局备案审查答复",
        )
    ]
    # The submission's own commit put it on the board: no scan has run.
    [alert] = _answer_alerts(doc)
    assert (alert.due_on, alert.level) == (due, AlertLevel.OPEN)
    assert alert in alerts_for(world["clerk"])
    assert alert not in alerts_for(world["drafter"]) and alert not in alerts_for(world["reviewer"])
    summary = filing.filing_summary(doc, today=submitted)
    assert summary["awaiting"] is attempt and summary["answer_days_left"] == (due - submitted).days


def test_the_clerk_records_an_extension_once_and_the_answer_moves_twenty_days(db, world, login_as, clock):
    doc, attempt = _submitted(world)
    clock.set(at(d("2026-11-20"), 10))
    clerk = login_as("clerk")
    page = text(clerk.get(f"/filing/documents/{doc.id}/result"))
    assert 'data-testid="review-extension-form"' in page and "答复期限顺延 20 日" in page
    assert "剩余 5 日" in page  # 11-20 → 11-25

    r = clerk.post(
        f"/filing/documents/{doc.id}/review-extension",
        data={"ext-notified_on": "2026-11-20", "ext-note": "中山市司法局来函（中司函〔2026〕9号）"},
    )
    assert redirect_target(r)[0] == f"/documents/{doc.id}"
    db.session.expire_all()
    attempt = db.session.get(FilingAttempt, attempt.id)
    # 11-25 + 20 = 12-15, a Tuesday.
    assert (attempt.review_extended_on, attempt.review_extension_days, attempt.review_due_on) == (
        d("2026-11-20"),
        20,
        d("2026-12-15"),
    )
    assert attempt.review_extension_note == "中山市司法局来函（中司函〔2026〕9号）"
    [alert] = _answer_alerts(doc)
    assert alert.due_on == d("2026-12-15")
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "filing.review_extended")).one()
    assert (event.before, event.after) == ({"due_on": "2026-11-25"}, {"due_on": "2026-12-15"})
    page = text(clerk.get(f"/documents/{doc.id}"))
    assert "报送后 30 日，延长 20 日" in page and "2026年12月15日" in page

    # A second extension of the same submission is refused where its form was, and nothing moves.
    r = clerk.post(f"/filing/documents/{doc.id}/review-extension", data={"ext-notified_on": "2026-11-20"})
    assert r.status_code == 409
    assert error_message(r) == "本次报送已于 2026-11-20 登记过备案审查延期。"
    db.session.expire_all()
    assert db.session.get(FilingAttempt, attempt.id).review_due_on == d("2026-12-15")


@pytest.mark.parametrize(
    ("notified_on", "status", "message"),
    [
        ("2026-10-23", 400, "通知日期不能早于报送日期。"),
        ("2026-11-21", 400, "通知日期不能晚于今天。"),
        ("2026-13-01", 400, "不是有效的日期值。"),
    ],
    ids=["before-submission", "future", "not-a-date"],
)
def test_a_wrong_extension_date_is_refused_with_the_reason_and_the_input_kept(
    db, world, login_as, clock, notified_on, status, message
):
    doc, attempt = _submitted(world)
    clock.set(at(d("2026-11-20"), 10))
    r = login_as("clerk").post(
        f"/filing/documents/{doc.id}/review-extension",
        data={"ext-notified_on": notified_on, "ext-note": "来函说明"},
    )
    assert r.status_code == status
    assert error_message(r) == message
    assert "来函说明" in text(r)  # what was typed is still in the form
    db.session.expire_all()
    assert db.session.get(FilingAttempt, attempt.id).review_due_on == d("2026-11-25")


def test_only_the_clerk_extends_and_only_a_submission_the_city_has_not_answered(db, world, login_as, clock):
    doc, _ = _submitted(world)
    clock.set(at(d("2026-11-20"), 10))
    url = f"/filing/documents/{doc.id}/review-extension"
    assert login_as("drafter").post(url, data={"ext-notified_on": "2026-11-20"}).status_code == 403
    assert login_as("reviewer").post(url, data={"ext-notified_on": "2026-11-20"}).status_code == 403

    filing_result(world, doc, d("2026-11-18"), FilingResult.REGISTERED)
    db.session.commit()
    r = login_as("clerk").post(url, data={"ext-notified_on": "2026-11-20"})
    assert r.status_code == 409
    assert error_message(r) == "该文件没有等待备案审查答复的报送，无需登记延期。"
    assert 'data-testid="review-extension-form"' not in text(
        login_as("clerk").get(f"/filing/documents/{doc.id}/result")
    )


def test_the_city_late_turns_the_line_overdue_and_its_answer_resolves_it(db, world, login_as, clock):
    doc, _ = _submitted(world)
    scan(today=d("2026-11-26"), now=at(d("2026-11-26"), 6))
    db.session.commit()
    [alert] = _answer_alerts(doc)
    assert alert.level is AlertLevel.OVERDUE
    clock.set(at(d("2026-11-26"), 10))
    page = text(login_as("clerk").get(f"/documents/{doc.id}"))
    assert "已逾期 1 日，请向备案审查机关催问" in page

    # 暂缓登记、限期补正: the answer came; the correction is the town's to do, then a new submission waits again.
    filing_result(world, doc, d("2026-11-27"), FilingResult.CORRECTION, note="请补充起草说明")
    db.session.commit()
    [alert] = _answer_alerts(doc)
    assert (alert.level, alert.resolved_on) == (AlertLevel.RESOLVED, d("2026-11-27"))
    again = submit_filing(world, doc, d("2026-11-30"))
    db.session.commit()
    # The filing's one line opens again with the new submission's date: 11-30 + 30 = 12-30, a Wednesday.
    [alert] = _answer_alerts(doc)
    assert (alert.level, alert.due_on, again.review_due_on) == (AlertLevel.OPEN, d("2026-12-30"), d("2026-12-30"))
    assert doc.filing_status is FilingStatus.SUBMITTED


def test_a_rule_edited_later_keeps_the_due_date_of_a_submission_already_made(db, world):
    doc, attempt = _submitted(world)
    rule = get_rule("filing_review")
    rule.value = 45
    db.session.add(rule)
    db.session.commit()
    scan(today=d("2026-11-02"), now=at(d("2026-11-02"), 6))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(FilingAttempt, attempt.id).review_due_on == d("2026-11-25")
    [alert] = _answer_alerts(doc)
    assert alert.due_on == d("2026-11-25")
