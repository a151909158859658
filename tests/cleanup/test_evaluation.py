"""Evaluation before expiry (评估, 277 Art. 34) and renewal with a new normative number (docs/rules.md §3, §6).

Rule set: evaluation 6 months before the validity ends, every 5 years without one; default validity 5 years ending
the day before the anniversary; filing within 15 days of publication, rolled past rest days; 修改 within 3 months.
"""

from __future__ import annotations

import hashlib
import io

import pytest
import sqlalchemy as sa

from tests.factories import at, d, docx_bytes, filing_result, publish, ready_to_publish, submit_filing
from tests.pages import flashes, text
from tracker.alerts.models import Alert, AlertKind, AlertLevel
from tracker.alerts.scan import scan
from tracker.auth.permissions import SYSTEM
from tracker.cleanup import services
from tracker.cleanup import services as cleanup_services
from tracker.cleanup.models import Evaluation, EvaluationConclusion, EvaluationReason
from tracker.documents.models import AttachmentKind
from tracker.documents.states import DocStatus, FilingStatus
from tracker.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.files.uploads import check_upload
from tracker.filing.models import Filing, FilingResult
from tracker.publication import services as publication
from tracker.publication.queries import current_publication, publications_of
from tracker.scheduler.jobs import run_once

REPORT = docx_bytes("测试镇夜市管理办法实施情况评估报告", "一、实施效果良好。")
REFUSED = "须经评估并由司法所同意“继续施行”后才能重新登记发布。"


def registered_in_force(w, title: str):
    """测府〔2021〕1号 / 测府规字〔2021〕1号: published 2021-05-31, filed and registered in June, in force from
    2021-07-01, default validity to 2026-06-30."""
    doc = ready_to_publish(w, title, d("2021-04-06"))
    publish(w, doc, d("2021-05-31"), effective_on=d("2021-07-01"))
    submit_filing(w, doc, d("2021-06-07"))
    filing_result(w, doc, d("2021-06-20"), FilingResult.REGISTERED)
    publication.take_effect(doc, actor=SYSTEM, now=at(d("2021-07-01"), 0, 10))
    return doc


def evaluation_alerts():
    db.session.expire_all()
    return [
        (a.due_on, a.level, a.message)
        for a in db.session.scalars(sa.select(Alert).where(Alert.kind == AlertKind.EVALUATION_DUE).order_by(Alert.id))
    ]


def evaluations():
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Evaluation).order_by(Evaluation.id)))


def renew(w, doc, day: str, user: str = "clerk"):
    return cleanup_services.renew(
        doc,
        actor=w[user],
        now=at(d(day)),
        signed_on=d(day),
        published_on=d(day),
        url=f"https://www.example.gov.cn/gfxwj/{doc.id}-renewed.html",
    )


def test_a_document_whose_validity_ends_is_evaluated_and_renewed(db, world):
    doc = registered_in_force(world, "测试镇夜市管理办法")
    db.session.commit()

    # 6 months before 2026-06-30: the window opens on 2025-12-30. The daily scan job opens the evaluation.
    assert run_once("deadline_scan", now=at(d("2025-12-29"), 1)).endswith("evaluations_opened=0")
    assert evaluations() == [] and evaluation_alerts() == []
    assert run_once("deadline_scan", now=at(d("2025-12-30"), 1)).endswith("evaluations_opened=1")
    assert run_once("deadline_scan", now=at(d("2025-12-31"), 1)).endswith("evaluations_opened=0")
    assert services.open_due_evaluations(today=d("2026-01-05"), now=at(d("2026-01-05"))) == 0
    [ev] = evaluations()
    assert (ev.document_id, ev.reason, ev.opened_on, ev.due_on, ev.conclusion) == (
        doc.id,
        EvaluationReason.VALIDITY_ENDING,
        d("2025-12-30"),
        d("2026-06-30"),
        None,
    )
    assert evaluation_alerts() == [(d("2026-06-30"), AlertLevel.OPEN, "《测试镇夜市管理办法》有效期届满前评估")]

    # Another document numbered this year, so the renewal takes the year's second serial.
    ready_to_publish(world, "测试镇本年度第一件管理办法", d("2026-01-05"))  # 测府规字〔2026〕1号 on 2026-01-21

    report = check_upload(REPORT, "评估报告.docx")
    with pytest.raises(PermissionDenied, match="只有文件起草单位的经办人可以提交评估报告"):
        services.submit_evaluation(
            ev,
            actor=world["drafter2"],
            now=at(d("2026-01-15")),
            conclusion=EvaluationConclusion.CONTINUE,
            reason="继续施行",
            report=report,
        )
    with pytest.raises(ValidationFailed, match="请上传评估报告"):
        services.submit_evaluation(
            ev,
            actor=world["drafter"],
            now=at(d("2026-01-15")),
            conclusion=EvaluationConclusion.CONTINUE,
            reason="继续施行",
        )
    services.submit_evaluation(
        ev,
        actor=world["drafter"],
        now=at(d("2026-01-15")),
        conclusion=EvaluationConclusion.CONTINUE,
        reason="实施效果良好，仍需继续施行",
        report=report,
    )
    attachment = next(a for a in doc.attachments if a.kind is AttachmentKind.EVALUATION_REPORT)
    assert attachment.id == ev.report_attachment_id
    assert (attachment.file.original_name, attachment.file.sha256) == (
        "评估报告.docx",
        hashlib.sha256(REPORT).hexdigest(),
    )
    with pytest.raises(InvalidTransition, match=REFUSED):
        renew(world, doc, "2026-01-16")  # not yet agreed by the 司法所

    # Returned: a note is required; the drafting unit resubmits (the report on file is kept).
    with pytest.raises(PermissionDenied, match="只有司法所审查员可以审核评估"):
        services.review_evaluation(ev, actor=world["drafter"], now=at(d("2026-01-20")), agree=True, note="")
    with pytest.raises(ValidationFailed, match="退回评估报告须说明理由"):
        services.review_evaluation(ev, actor=world["reviewer"], now=at(d("2026-01-20")), agree=False, note=" ")
    services.review_evaluation(
        ev, actor=world["reviewer"], now=at(d("2026-01-20")), agree=False, note="请补充近三年实施效果数据"
    )
    assert (ev.conclusion, ev.concluded_on, ev.reviewed_on, ev.review_note) == (
        None,
        None,
        d("2026-01-20"),
        "请补充近三年实施效果数据",
    )
    with pytest.raises(InvalidTransition, match=REFUSED):
        renew(world, doc, "2026-01-21")
    with pytest.raises(ValidationFailed, match="没有待审核的评估报告"):
        services.review_evaluation(ev, actor=world["reviewer"], now=at(d("2026-01-21")), agree=True, note="")
    services.submit_evaluation(
        ev,
        actor=world["drafter"],
        now=at(d("2026-01-26")),
        conclusion=EvaluationConclusion.CONTINUE,
        reason="已补充实施效果数据，建议继续施行",
    )
    assert (ev.conclusion, ev.review_note, ev.report_attachment_id) == (
        EvaluationConclusion.CONTINUE,
        "",
        attachment.id,
    )
    services.review_evaluation(ev, actor=world["reviewer"], now=at(d("2026-02-02")), agree=True, note="")
    assert (ev.concluded_on, ev.revision_due_on) == (d("2026-02-02"), None)
    with pytest.raises(ValidationFailed, match="该评估已完成"):
        services.submit_evaluation(
            ev, actor=world["drafter"], now=at(d("2026-02-03")), conclusion=EvaluationConclusion.REPEAL, reason="废止"
        )

    with pytest.raises(PermissionDenied, match="您无权对该文件执行“评估后重新登记发布”"):
        renew(world, doc, "2026-03-02", user="drafter")
    old = current_publication(doc)
    assert doc.register_year == 2021  # the register files it under its publication's year …
    pub = renew(world, doc, "2026-03-02")
    db.session.commit()
    db.session.expire_all()
    assert doc.register_year == 2026  # … and under the renewed publication's from then on

    assert (pub.issue_number, pub.normative_number) == ("测府〔2026〕2号", "测府规字〔2026〕2号")
    assert (pub.signed_on, pub.published_on, pub.effective_on, pub.validity_end_on) == (
        d("2026-03-02"),
        d("2026-03-02"),
        d("2026-03-02"),
        d("2031-03-01"),
    )
    assert [(p.normative_number, p.is_current) for p in publications_of(doc)] == [
        ("测府规字〔2021〕1号", False),
        ("测府规字〔2026〕2号", True),
    ]
    assert old.id != pub.id and current_publication(doc).id == pub.id
    assert (doc.status, doc.filing_status, doc.ended_on) == (DocStatus.IN_FORCE, FilingStatus.NOT_SUBMITTED, None)
    filings = db.session.scalars(sa.select(Filing).where(Filing.document_id == doc.id).order_by(Filing.id)).all()
    assert [(f.publication_id, f.due_on, f.first_submitted_on) for f in filings] == [
        (old.id, d("2021-06-15"), d("2021-06-07")),
        (pub.id, d("2026-03-17"), None),  # 03-02 + 15 days = 03-17, a Tuesday
    ]

    # The next scan: the evaluation alert is done, the new filing is due.
    scan(today=d("2026-03-03"), now=at(d("2026-03-03"), 1))
    assert evaluation_alerts() == [(d("2026-06-30"), AlertLevel.RESOLVED, "《测试镇夜市管理办法》有效期届满前评估")]
    filing_alerts = db.session.scalars(
        sa.select(Alert).where(Alert.kind == AlertKind.FILING_DUE, Alert.document_id == doc.id)
    ).all()
    assert [(a.due_on, a.level) for a in filing_alerts] == [(d("2026-03-17"), AlertLevel.OPEN)]


def test_a_document_without_validity_is_evaluated_five_years_after_it_took_effect(db, world):
    doc = ready_to_publish(world, "测试镇公共停车场管理办法", d("2021-06-01"))
    publication.publish(
        doc,
        actor=world["clerk"],
        now=at(d("2021-07-01")),
        published_on=d("2021-07-01"),
        channel="镇人民政府门户网站",
        url="https://www.example.gov.cn/gfxwj/parking.html",
        effective_on=d("2021-08-02"),
        early_effect_reason=None,
        validity_mode="none",
        validity_end_on=None,
        validity_reason="长期适用的管理制度",
        official_text=check_upload(docx_bytes("测试镇公共停车场管理办法"), "正式文本.docx"),
        interpretation=check_upload(docx_bytes("政策解读"), "政策解读.docx"),
    )
    publication.take_effect(doc, actor=SYSTEM, now=at(d("2021-08-02"), 0, 10))
    assert current_publication(doc).validity_end_on is None

    # Due 5 years after 2021-08-02, i.e. 2026-08-02; the alert from 6 months before, 2026-02-02.
    scan(today=d("2026-02-01"), now=at(d("2026-02-01"), 1))
    assert services.open_due_evaluations(today=d("2026-02-01"), now=at(d("2026-02-01"), 1)) == 0
    assert evaluation_alerts() == []
    scan(today=d("2026-02-02"), now=at(d("2026-02-02"), 1))
    assert evaluation_alerts() == [(d("2026-08-02"), AlertLevel.OPEN, "《测试镇公共停车场管理办法》定期评估")]
    assert services.open_due_evaluations(today=d("2026-02-02"), now=at(d("2026-02-02"), 1)) == 1
    [ev] = evaluations()
    assert (ev.reason, ev.opened_on, ev.due_on) == (EvaluationReason.PERIODIC, d("2026-02-02"), d("2026-08-02"))

    services.submit_evaluation(
        ev,
        actor=world["drafter"],
        now=at(d("2026-02-25")),
        conclusion=EvaluationConclusion.CONTINUE,
        reason="仍需继续施行",
        report=check_upload(REPORT, "评估报告.docx"),
    )
    services.review_evaluation(ev, actor=world["reviewer"], now=at(d("2026-03-02")), agree=True, note="")
    scan(today=d("2026-03-03"), now=at(d("2026-03-03"), 1))
    assert evaluation_alerts() == [(d("2026-08-02"), AlertLevel.RESOLVED, "《测试镇公共停车场管理办法》定期评估")]

    # Kept without a validity period, it runs to the next evaluation: 5 years after 2026-03-02, from 2030-09-02.
    assert services.open_due_evaluations(today=d("2030-09-01"), now=at(d("2030-09-01"), 1)) == 0
    assert services.open_due_evaluations(today=d("2030-09-02"), now=at(d("2030-09-02"), 1)) == 1
    assert [(e.reason, e.opened_on, e.due_on) for e in evaluations()][1] == (
        EvaluationReason.PERIODIC,
        d("2030-09-02"),
        d("2031-03-02"),
    )


def test_renewal_needs_an_agreed_continue_and_an_amend_conclusion_opens_a_revision(db, world, login_as):
    doc = registered_in_force(world, "测试镇夜市管理办法")
    services.open_due_evaluations(today=d("2026-01-05"), now=at(d("2026-01-05"), 1))
    db.session.commit()
    [ev] = evaluations()

    # Through the pages: only the clerk reaches the renewal form, and it refuses without an agreed evaluation.
    for user in ("drafter", "reviewer", "leader", "admin"):
        assert login_as(user).get(f"/cleanup/documents/{doc.id}/renew").status_code == 403
    form = {
        "signed_on": "2026-03-02",
        "published_on": "2026-03-02",
        "url": "https://www.example.gov.cn/gfxwj/renewed.html",
        "validity_mode": "default",
    }
    page = login_as("clerk").post(f"/cleanup/documents/{doc.id}/renew", data=form)
    assert page.status_code == 200 and REFUSED in flashes(page)

    # The drafting unit uploads its report on the evaluation page (a real .docx), concluding 修改.
    agri = login_as("drafter2").get(f"/cleanup/evaluations/{ev.id}")
    assert 'data-testid="submit-evaluation"' not in text(agri)
    drafter = login_as("drafter")
    response = drafter.post(
        f"/cleanup/evaluations/{ev.id}",
        data={
            "form": "submit",
            "e-conclusion": "amend",
            "e-reason": "部分条款与新规定不一致，建议修改",
            "e-report": (io.BytesIO(REPORT), "评估报告.docx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (ev.conclusion, ev.conclusion_reason) == (EvaluationConclusion.AMEND, "部分条款与新规定不一致，建议修改")
    assert ev.report_attachment_id is not None

    services.review_evaluation(ev, actor=world["reviewer"], now=at(d("2026-02-02")), agree=True, note="同意修改")
    db.session.commit()
    assert (ev.concluded_on, ev.revision_due_on) == (d("2026-02-02"), d("2026-05-02"))
    with pytest.raises(InvalidTransition, match=REFUSED):
        renew(world, doc, "2026-03-02")

    scan(today=d("2026-02-03"), now=at(d("2026-02-03"), 1))
    revision = db.session.scalars(sa.select(Alert).where(Alert.kind == AlertKind.REVISION_DUE)).all()
    assert [(a.document_id, a.due_on, a.level, a.message) for a in revision] == [
        (doc.id, d("2026-05-02"), AlertLevel.OPEN, "《测试镇夜市管理办法》评估后修改")
    ]
    assert current_publication(doc).normative_number == "测府规字〔2021〕1号"
