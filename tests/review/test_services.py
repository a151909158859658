"""The judicial office's services against the database: public comment, submission, desk, worksheet, rounds,
opinion numbers, deliberation and withdrawal. Every date below was counted by hand on the 2026 calendar
(docs/rules.md §3: 09-20 and 10-10 are make-up workdays; 09-25…27 and 10-01…07 are holidays)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from tests import factories
from tests.factories import at, make_document
from tests.review import steps
from tracker.audit.models import AuditEvent
from tracker.documents.models import AttachmentKind
from tracker.documents.states import DocStatus
from tracker.errors import InvalidTransition, PermissionDenied, ValidationFailed
from tracker.files.uploads import check_upload
from tracker.review import services
from tracker.review.models import (
    Consultation,
    Deliberation,
    DeliberationDecision,
    Disposition,
    FindingResponse,
    Opinion,
    PointResult,
    ReviewPoint,
    ReviewRound,
)
from tracker.rules.calendar import ScheduleEntry
from tracker.rules.ruleset import get_rule
from tracker.rules.services import import_schedule, update_rule
from tracker.workflow import service as workflow

ALL_POINT_LABELS = (
    "制定主体是否合法、是否超越法定职权、制定程序是否符合规定、内容是否与上位法及上级文件相抵触、"
    "是否违法设定许可、处罚、强制、收费等事项、是否违法减损权利或增加义务、是否违法增加本机关权力或减少法定职责、"
    "是否排除、限制公平竞争、文件名称、结构和表述是否规范"
)


def _count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


# --- public comment -------------------------------------------------------------------------------------


def _window(doc, world, now, start, end, reason=None):
    return services.save_consultation(
        doc,
        None,
        actor=world["drafter"],
        now=now,
        channel="沙溪镇人民政府门户网站",
        url="https://www.example.gov.cn/zqyj/1",
        start_on=start,
        end_on=end,
        short_reason=reason,
    )


def test_consultation_ending_before_it_starts_is_refused(db, world, now):
    doc = make_document(world, now)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="^征求意见的结束日期不能早于开始日期。$"):
        _window(doc, world, now, date(2026, 11, 10), date(2026, 11, 9), reason="时间紧")
    db.session.rollback()
    assert _count(db, Consultation) == 0


def test_short_window_needs_a_reason_naming_the_rule(db, world, now):
    doc = make_document(world, now)
    db.session.commit()
    # 11-02 … 11-11 is 10 days, both ends included.
    with pytest.raises(ValidationFailed) as exc:
        _window(doc, world, now, date(2026, 11, 2), date(2026, 11, 11))
    assert exc.value.message == "征求意见期为 10 日，少于规定的 30 日（通行做法），须填写期限较短的理由。"
    db.session.rollback()
    # 29 days is still short; 30 days needs no reason.
    with pytest.raises(ValidationFailed, match="征求意见期为 29 日"):
        _window(doc, world, now, date(2026, 11, 2), date(2026, 11, 30))
    db.session.rollback()
    assert _count(db, Consultation) == 0

    c = _window(doc, world, now, date(2026, 11, 2), date(2026, 11, 11), reason="  上级文件要求年底前出台  ")
    db.session.commit()
    assert (c.short_reason, c.rule_min_days) == ("上级文件要求年底前出台", 30)

    full = _window(doc, world, now, date(2026, 11, 2), date(2026, 12, 1), reason="")
    assert full.short_reason is None


def test_comment_not_adopted_needs_a_reason(db, world, now):
    doc = make_document(world, now)
    c = _window(doc, world, now, date(2026, 10, 1), date(2026, 10, 30))
    db.session.commit()

    def add(disposition, reason):
        return services.add_comment(
            c,
            actor=world["drafter"],
            now=now,
            commenter="村民张某",
            content="建议延长申请期限",
            received_on=date(2026, 10, 8),
            disposition=disposition,
            reason=reason,
        )

    for disposition in (Disposition.NOT_ADOPTED, Disposition.PARTLY):
        with pytest.raises(ValidationFailed, match="^不采纳或部分采纳的意见须说明理由。$"):
            add(disposition, "  ")
        db.session.rollback()
    add(Disposition.ADOPTED, "")
    add(Disposition.NOT_ADOPTED, "上位法已规定期限")
    db.session.commit()
    assert [(x.disposition, x.reason) for x in c.comments] == [
        (Disposition.ADOPTED, ""),
        (Disposition.NOT_ADOPTED, "上位法已规定期限"),
    ]


# --- submission ------------------------------------------------------------------------------------------


def test_incomplete_packet_is_refused_with_the_missing_materials_and_nothing_is_created(db, world, now):
    doc = make_document(world, now)
    db.session.commit()
    events = _count(db, AuditEvent)
    with pytest.raises(InvalidTransition) as exc:
        services.submit_for_review(doc, actor=world["drafter"], now=now)
    assert exc.value.message == "送审材料不齐全，缺少：请示/送审函、送审稿、起草说明、制定依据、征求意见及采纳情况。"
    db.session.rollback()
    assert _count(db, AuditEvent) == events

    steps.upload_version(doc, world, now)
    steps.attach(doc, world, now, AttachmentKind.DRAFTING_NOTE)
    db.session.commit()
    events = _count(db, AuditEvent)
    with pytest.raises(InvalidTransition) as exc:
        services.submit_for_review(doc, actor=world["drafter"], now=now)
    assert exc.value.message == "送审材料不齐全，缺少：请示/送审函、制定依据、征求意见及采纳情况。"
    db.session.rollback()
    assert _count(db, ReviewRound) == 0
    assert doc.status is DocStatus.DRAFTING
    assert _count(db, AuditEvent) == events


def test_market_and_major_matters_need_more_materials(db, world, now):
    doc = make_document(world, now, affects_market=True, is_major=True)
    steps.complete_packet(doc, world, now)
    db.session.commit()
    with pytest.raises(InvalidTransition) as exc:
        services.submit_for_review(doc, actor=world["drafter"], now=now)
    assert exc.value.message == "送审材料不齐全，缺少：公平竞争审查记录、专家论证报告、风险评估报告。"
    db.session.rollback()

    market_only = make_document(world, now, title="测试镇市场管理办法", affects_market=True)
    steps.complete_packet(market_only, world, now)
    db.session.commit()
    with pytest.raises(InvalidTransition) as exc:
        services.submit_for_review(market_only, actor=world["drafter"], now=now)
    assert exc.value.message == "送审材料不齐全，缺少：公平竞争审查记录。"
    db.session.rollback()

    for kind in (AttachmentKind.FAIR_COMPETITION, AttachmentKind.EXPERT_REPORT, AttachmentKind.RISK_ASSESSMENT):
        steps.attach(doc, world, now, kind)
    rnd = services.submit_for_review(doc, actor=world["drafter"], now=now)
    assert rnd.round_no == 1 and doc.status is DocStatus.SUBMITTED


def test_a_superseded_material_does_not_count(db, world, now):
    doc = steps.ready_document(world, now)
    db.session.commit()
    for att in doc.attachments:
        if att.kind is AttachmentKind.LEGAL_BASIS:
            att.superseded = True
    with pytest.raises(InvalidTransition, match="缺少：制定依据。$"):
        services.submit_for_review(doc, actor=world["drafter"], now=now)


def test_complete_packet_is_submitted_with_the_review_limit_in_working_days(db, world):
    now = at(date(2026, 9, 24))
    doc = steps.ready_document(world, now)
    rnd = services.submit_for_review(doc, actor=world["drafter"], now=now)
    db.session.commit()
    assert doc.status is DocStatus.SUBMITTED
    assert (rnd.round_no, rnd.received_on, rnd.submitted_by_id) == (1, date(2026, 9, 24), world["drafter"].id)
    # 15 working days after 09-24, across 中秋 and 国庆, counting the make-up workday 10-10 (the example).
    assert rnd.due_on == date(2026, 10, 22)
    assert (rnd.due_rule_code, rnd.due_rule_days, rnd.due_provisional) == ("review_max", 15, False)
    assert rnd.version_id_reviewed == doc.versions[-1].id
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.document_id == doc.id).order_by(AuditEvent.id)
    ).all()
    assert actions[-2:] == ["transition.submit_for_review", "review.submitted"]


def test_receipt_date_may_be_earlier_than_the_submission_but_not_in_the_future(db, world):
    now = at(date(2026, 10, 9))
    doc = steps.ready_document(world, now)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="^收件日期不能晚于今天。$"):
        services.submit_for_review(doc, actor=world["drafter"], now=now, received_on=date(2026, 10, 10))
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="^收件日期不能早于 30 日前，请核对。$"):
        services.submit_for_review(doc, actor=world["drafter"], now=now, received_on=date(2026, 9, 8))
    db.session.rollback()
    assert _count(db, ReviewRound) == 0 and doc.status is DocStatus.DRAFTING
    rnd = services.submit_for_review(doc, actor=world["drafter"], now=now, received_on=date(2026, 9, 24))
    assert (rnd.received_on, rnd.due_on) == (date(2026, 9, 24), date(2026, 10, 22))


def test_due_date_in_an_unknown_year_is_provisional_until_its_schedule_is_imported(db, world):
    now = at(date(2026, 12, 24))
    first, rnd = steps.submitted(world, now, title="测试镇甲办法")
    db.session.commit()
    # 12-25, 28–31 (5), 2027-01-01 is 元旦, then 01-04…08 (10), 01-11…15 (15).
    assert (rnd.due_on, rnd.due_provisional) == (date(2027, 1, 15), True)

    entries = [ScheduleEntry(date(2027, 1, d), "holiday", "国办发明电〔2026〕9号") for d in (1, 2, 3)]
    # The administrator says this is 2027's whole schedule: only then is the year confirmed (docs/rules.md §3).
    import_schedule(entries, actor=world["admin"], now=now, complete_years=[2027])
    second, rnd2 = steps.submitted(world, now, title="测试镇乙办法")
    db.session.commit()
    assert (rnd2.due_on, rnd2.due_provisional) == (date(2027, 1, 15), False)
    db.session.refresh(rnd)
    assert rnd.due_provisional is True  # an already-fixed date keeps what it was computed with


def test_imported_days_override_the_estimate(db, world):
    now = at(date(2026, 12, 24))
    # A schedule in which 01-04 (a Monday) is also a rest day moves the 15th working day to 01-18.
    entries = [ScheduleEntry(date(2027, 1, d), "holiday", "国办发明电〔2026〕9号") for d in (1, 2, 3, 4)]
    import_schedule(entries, actor=world["admin"], now=now, complete_years=[2027])
    _, rnd = steps.submitted(world, now)
    assert (rnd.due_on, rnd.due_provisional) == (date(2027, 1, 18), False)


def test_double_submission_is_refused_and_leaves_one_round(db, world, now):
    doc, _ = steps.submitted(world, now)
    db.session.commit()
    events = _count(db, AuditEvent)
    with pytest.raises(InvalidTransition) as exc:
        services.submit_for_review(doc, actor=world["drafter"], now=now)
    assert exc.value.message == "文件当前为“已送审”，不能执行“送交合法性审查”。"
    db.session.rollback()
    assert _count(db, ReviewRound) == 1
    assert _count(db, AuditEvent) == events


def test_only_the_drafting_unit_submits(db, world, now):
    doc = steps.ready_document(world, now)
    db.session.commit()
    for other in ("drafter2", "reviewer", "clerk"):
        with pytest.raises(PermissionDenied):
            services.submit_for_review(doc, actor=world[other], now=now)
        db.session.rollback()
    assert _count(db, ReviewRound) == 0


# --- the rule set: edits apply to due dates computed afterwards -------------------------------------------


def test_rule_edit_applies_only_to_due_dates_computed_afterwards(db, world, now):
    _, before = steps.submitted(world, now, title="测试镇甲办法")
    db.session.commit()
    # 15 working days after Monday 11-02: 11-23.
    assert (before.due_on, before.due_rule_days) == (date(2026, 11, 23), 15)

    rule = get_rule("review_max")
    update_rule(
        rule,
        actor=world["admin"],
        now=now,
        expected_version=None,
        value=10,
        unit=rule.unit,
        source=rule.source,
        confidence=rule.confidence,
        note="参照广州",
    )
    db.session.commit()
    db.session.expire_all()
    assert (before.due_on, before.due_rule_days) == (date(2026, 11, 23), 15)

    _, after = steps.submitted(world, now, title="测试镇乙办法")
    assert (after.due_on, after.due_rule_days) == (date(2026, 11, 16), 10)


# --- the desk: acceptance and extension --------------------------------------------------------------------


def test_accept_assigns_a_reviewer_and_refuses_anyone_else(db, world, now):
    doc, rnd = steps.submitted(world, now)
    db.session.commit()
    for name in ("clerk", "drafter", "admin"):
        with pytest.raises(ValidationFailed, match="^所选审查人不是在岗的司法所审查员。$"):
            services.accept(doc, actor=world["reviewer"], now=now, reviewer_id=world[name].id)
        db.session.rollback()
    with pytest.raises(ValidationFailed):
        services.accept(doc, actor=world["reviewer"], now=now, reviewer_id=999_999)
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        services.accept(doc, actor=world["clerk"], now=now, reviewer_id=world["reviewer"].id)
    db.session.rollback()
    assert doc.status is DocStatus.SUBMITTED and rnd.reviewer_id is None

    services.accept(doc, actor=world["reviewer"], now=now, reviewer_id=world["reviewer"].id)
    db.session.commit()
    assert doc.status is DocStatus.UNDER_REVIEW and rnd.reviewer_id == world["reviewer"].id


def test_extension_needs_a_reason_is_capped_moves_by_working_days_and_happens_once(db, world):
    now = at(date(2026, 9, 8))
    doc, rnd = steps.under_review(world, now)
    db.session.commit()
    # 09-09…11 (3), 14–18 (8), Sunday 09-20 is a make-up workday (9), 21–24 (13), 25–27 中秋, 28–29 (15).
    assert rnd.due_on == date(2026, 9, 29)
    later = at(date(2026, 9, 10))
    reviewer = world["reviewer"]

    with pytest.raises(ValidationFailed, match="^请填写延长理由。$"):
        services.extend(rnd, actor=reviewer, now=later, days=5, reason="  ")
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="^延长天数须在 1 至 10 个工作日之间"):
        services.extend(rnd, actor=reviewer, now=later, days=11, reason="情况复杂")
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="1 至 10 个工作日"):
        services.extend(rnd, actor=reviewer, now=later, days=0, reason="情况复杂")
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        services.extend(rnd, actor=world["drafter"], now=later, days=5, reason="情况复杂")
    db.session.rollback()
    assert rnd.extended_due_on is None

    # 09-30 (1), 10-01…07 国庆, 10-08 (2), 10-09 (3), Saturday 10-10 make-up (4), 10-12 (5).
    assert services.extend(rnd, actor=reviewer, now=later, days=5, reason="涉及多部门职责，需征求意见") == date(
        2026, 10, 12
    )
    db.session.commit()
    assert (rnd.due_on, rnd.extended_due_on, rnd.effective_due_on) == (
        date(2026, 9, 29),
        date(2026, 10, 12),
        date(2026, 10, 12),
    )
    assert rnd.extension_reason == "涉及多部门职责，需征求意见"
    with pytest.raises(InvalidTransition, match="^本轮审查已延长过一次期限。$"):
        services.extend(rnd, actor=reviewer, now=later, days=1, reason="再延长")
    db.session.rollback()
    assert rnd.extended_due_on == date(2026, 10, 12)


def test_extension_cap_follows_the_rule_set(db, world, now):
    rule = get_rule("review_extension")
    update_rule(
        rule,
        actor=world["admin"],
        now=now,
        expected_version=None,
        value=3,
        unit=rule.unit,
        source="本镇规定",
        confidence=rule.confidence,
        note="",
    )
    _, rnd = steps.under_review(world, now)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="^延长天数须在 1 至 3 个工作日之间（本镇规定）。$"):
        services.extend(rnd, actor=world["reviewer"], now=now, days=4, reason="复杂")
    db.session.rollback()
    # 11-23 + 3 working days: 11-24, 25, 26.
    assert services.extend(rnd, actor=world["reviewer"], now=now, days=3, reason="复杂") == date(2026, 11, 26)


# --- the worksheet and the opinion ----------------------------------------------------------------------


def test_opinion_is_refused_until_all_nine_points_have_a_result(db, world, now):
    doc, rnd = steps.under_review(world, now)
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        steps.conclude(doc, world, now)
    assert exc.value.message == f"审查工作表尚未填写完整：{ALL_POINT_LABELS}。"
    db.session.rollback()

    eight = {p: (PointResult.COMPLIES, "") for p in ReviewPoint if p is not ReviewPoint.TECHNIQUE}
    services.save_points(rnd, actor=world["reviewer"], now=now, results=eight, expected_version=None)
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        steps.conclude(doc, world, now)
    assert exc.value.message == "审查工作表尚未填写完整：文件名称、结构和表述是否规范。"
    db.session.rollback()
    assert doc.status is DocStatus.UNDER_REVIEW
    assert rnd.conclusion_id is None and rnd.concluded_at is None
    assert _count(db, Opinion) == 0

    services.save_points(
        rnd,
        actor=world["reviewer"],
        now=now,
        results={ReviewPoint.TECHNIQUE: (PointResult.NOT_APPLICABLE, "")},
        expected_version=None,
    )
    assert steps.conclude(doc, world, now).number == "沙司审〔2026〕1号"


def test_does_not_comply_needs_a_note(db, world, now):
    _, rnd = steps.under_review(world, now)
    db.session.commit()
    results = {p: (PointResult.COMPLIES, "") for p in ReviewPoint}
    results[ReviewPoint.NO_NEW_POWERS] = (PointResult.DOES_NOT, " ")
    with pytest.raises(ValidationFailed) as exc:
        services.save_points(rnd, actor=world["reviewer"], now=now, results=results, expected_version=None)
    assert exc.value.message == "“是否违法设定许可、处罚、强制、收费等事项”判为不符合的，须在说明中写明问题。"
    db.session.rollback()
    assert rnd.points == []

    results[ReviewPoint.NO_NEW_POWERS] = (PointResult.DOES_NOT, "第五条第二款设定了罚款")
    services.save_points(rnd, actor=world["reviewer"], now=now, results=results, expected_version=None)
    db.session.commit()
    saved = {p.point: (p.result, p.note) for p in rnd.points}
    assert saved[ReviewPoint.NO_NEW_POWERS] == (PointResult.DOES_NOT, "第五条第二款设定了罚款")
    assert len(saved) == 9


@pytest.mark.parametrize("label", [factories.RETURN, factories.RETURN_PROCEDURE, factories.REJECT])
def test_return_and_reject_conclusions_need_a_finding(db, world, now, label):
    doc, rnd = steps.under_review(world, now)
    steps.fill_points(rnd, world, now)
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        steps.conclude(doc, world, now, label)
    assert exc.value.message == f"结论为“{label}”的，须至少列出一条具体审查意见。"
    db.session.rollback()
    assert doc.status is DocStatus.UNDER_REVIEW and _count(db, Opinion) == 0

    steps.finding(rnd, world, now)
    opinion = steps.conclude(doc, world, now, label)
    expected = DocStatus.NOT_APPROVED if label == factories.REJECT else DocStatus.RETURNED
    assert doc.status is expected
    assert opinion.number == "沙司审〔2026〕1号"


def test_deferral_needs_no_finding(db, world, now):
    doc, rnd = steps.under_review(world, now)
    steps.fill_points(rnd, world, now)
    steps.conclude(doc, world, now, factories.DEFER)
    assert doc.status is DocStatus.DEFERRED


def test_passing_conclusions_move_to_passed_and_number_the_opinions_in_order(db, world, now):
    first, rnd = steps.under_review(world, now, title="测试镇甲办法")
    second, rnd2 = steps.under_review(world, now, title="测试镇乙办法")
    steps.fill_points(rnd, world, now)
    steps.fill_points(rnd2, world, now)
    db.session.commit()

    op1 = steps.conclude(first, world, now, factories.PASS)
    db.session.commit()
    op2 = steps.conclude(second, world, now, factories.PASS_WITH_CHANGES)
    db.session.commit()
    assert (first.status, second.status) == (DocStatus.PASSED, DocStatus.PASSED)
    assert (op1.number, op1.year, op1.seq) == ("沙司审〔2026〕1号", 2026, 1)
    assert (op2.number, op2.year, op2.seq) == ("沙司审〔2026〕2号", 2026, 2)
    assert op1.issued_on == date(2026, 11, 2)
    assert op1.addressee == "测试镇综合行政执法局"
    assert rnd.conclusion.label == "合法，同意出台" and rnd.concluded_on == date(2026, 11, 2)
    assert rnd.concluded_by_id == world["reviewer"].id


def test_a_refused_conclusion_does_not_use_up_a_number(db, world, now):
    doc, rnd = steps.under_review(world, now)
    steps.fill_points(rnd, world, now)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        steps.conclude(doc, world, now, factories.RETURN)  # no finding
    db.session.rollback()
    assert steps.conclude(doc, world, now, factories.PASS).number == "沙司审〔2026〕1号"


def test_opinion_number_restarts_each_year_by_the_offices_calendar(db, world, now):
    first, rnd = steps.under_review(world, now, title="测试镇甲办法")
    steps.fill_points(rnd, world, now)
    assert steps.conclude(first, world, now).number == "沙司审〔2026〕1号"
    db.session.commit()

    december = at(date(2026, 12, 28))
    second, rnd2 = steps.under_review(world, december, title="测试镇乙办法")
    third, rnd3 = steps.under_review(world, december, title="测试镇丙办法")
    steps.fill_points(rnd2, world, december)
    steps.fill_points(rnd3, world, december)
    db.session.commit()
    # 16:30 UTC on 12-31 is 00:30 on 2027-01-01 in Beijing: the opinion belongs to 2027.
    new_year = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    op2 = steps.conclude(second, world, new_year)
    db.session.commit()
    assert (op2.number, op2.issued_on) == ("沙司审〔2027〕1号", date(2027, 1, 1))
    op3 = steps.conclude(third, world, at(date(2027, 1, 4)))
    assert op3.number == "沙司审〔2027〕2号"


def test_finding_text_is_limited_to_3000_characters(db, world, now):
    _, rnd = steps.under_review(world, now)
    db.session.commit()
    kept = steps.finding(rnd, world, now, problem="违" * 3000)
    db.session.commit()
    assert len(kept.problem) == 3000
    with pytest.raises(ValidationFailed, match="^问题不能超过 3000 字（现为 3001 字）。$"):
        steps.finding(rnd, world, now, problem="违" * 3001)
    db.session.rollback()
    assert len(rnd.findings) == 1


def test_only_a_reviewer_fills_the_worksheet(db, world, now):
    doc, rnd = steps.under_review(world, now)
    db.session.commit()
    for name in ("drafter", "clerk", "leader", "admin"):
        with pytest.raises(PermissionDenied):
            services.save_points(
                rnd,
                actor=world[name],
                now=now,
                results={p: (PointResult.COMPLIES, "") for p in ReviewPoint},
                expected_version=None,
            )
        db.session.rollback()
    assert rnd.points == []


# --- return for revision and a second round ---------------------------------------------------------------


def test_return_round_answer_every_finding_upload_a_new_version_then_round_two(db, world, now):
    doc, rnd1 = steps.under_review(world, now)
    steps.fill_points(rnd1, world, now)
    f1 = steps.finding(rnd1, world, now, clause="第五条第二款", problem="增设了罚款")
    f2 = steps.finding(rnd1, world, now, clause="第八条", problem="增加了申请材料")
    opinion = steps.conclude(doc, world, now, factories.RETURN)
    db.session.commit()
    assert doc.status is DocStatus.RETURNED and opinion.number == "沙司审〔2026〕1号"
    drafter, later = world["drafter"], at(date(2026, 11, 3))

    with pytest.raises(InvalidTransition, match="^尚有 2 条审查意见未答复（采纳或不采纳并说明理由）。$"):
        services.submit_for_review(doc, actor=drafter, now=later)
    db.session.rollback()

    services.answer_finding(f1, actor=drafter, now=later, response=FindingResponse.ADOPTED, reason="")
    db.session.commit()
    with pytest.raises(InvalidTransition, match="^尚有 1 条审查意见未答复"):
        services.submit_for_review(doc, actor=drafter, now=later)
    db.session.rollback()
    for response in (FindingResponse.NOT_ADOPTED, FindingResponse.PARTLY):
        with pytest.raises(ValidationFailed, match="须说明理由"):
            services.answer_finding(f2, actor=drafter, now=later, response=response, reason="")
        db.session.rollback()
    with pytest.raises(PermissionDenied):
        services.answer_finding(f2, actor=world["reviewer"], now=later, response=FindingResponse.ADOPTED, reason="")
    db.session.rollback()
    assert f2.response is None
    services.answer_finding(
        f2, actor=drafter, now=later, response=FindingResponse.NOT_ADOPTED, reason="申请材料系上位法规定"
    )
    db.session.commit()

    with pytest.raises(InvalidTransition, match="^请先上传根据审查意见修改后的新版本。$"):
        services.submit_for_review(doc, actor=drafter, now=later)
    db.session.rollback()
    assert _count(db, ReviewRound) == 1

    revised = steps.upload_version(doc, world, later, ["第一条 总则。", "第五条 删去罚款。"])
    rnd2 = services.submit_for_review(doc, actor=drafter, now=later)
    db.session.commit()
    assert doc.status is DocStatus.SUBMITTED
    assert (rnd2.round_no, rnd2.received_on, rnd2.version_id_reviewed) == (2, date(2026, 11, 3), revised.id)

    services.accept(doc, actor=world["reviewer"], now=later, reviewer_id=world["reviewer"].id)
    steps.finding(rnd2, world, later, clause="第九条", problem="表述不规范")
    db.session.commit()

    rounds = services.rounds_of(doc)
    assert [r.round_no for r in rounds] == [1, 2]
    assert [(f.clause, f.response, f.response_reason) for f in rounds[0].findings] == [
        ("第五条第二款", FindingResponse.ADOPTED, ""),
        ("第八条", FindingResponse.NOT_ADOPTED, "申请材料系上位法规定"),
    ]
    assert [f.clause for f in rounds[1].findings] == ["第九条"]
    assert rounds[0].opinion.number == "沙司审〔2026〕1号" and rounds[1].opinion is None


def test_a_version_uploaded_at_the_conclusion_does_not_count_as_revised(db, world, now):
    doc, rnd = steps.under_review(world, now)
    steps.fill_points(rnd, world, now)
    f = steps.finding(rnd, world, now)
    concluded = at(date(2026, 11, 4))
    steps.conclude(doc, world, concluded, factories.RETURN)
    services.answer_finding(f, actor=world["drafter"], now=concluded, response=FindingResponse.ADOPTED, reason="")
    db.session.commit()
    # A version stamped at the very instant of the conclusion is not "after" it.
    steps.upload_version(doc, world, concluded)
    with pytest.raises(InvalidTransition, match="^请先上传根据审查意见修改后的新版本。$"):
        services.submit_for_review(doc, actor=world["drafter"], now=concluded)


# --- deliberation ------------------------------------------------------------------------------------------


def _deliberate(doc, world, now, held_on, decision=DeliberationDecision.APPROVED, note="", minutes=None):
    return services.record_deliberation(
        doc,
        actor=world["clerk"],
        now=now,
        meeting_name="镇政府常务会议",
        held_on=held_on,
        decision=decision,
        note=note,
        minutes=minutes,
    )


def test_deliberation_is_refused_without_a_conclusion(db, world, now):
    doc, _ = steps.under_review(world, now)
    db.session.commit()
    with pytest.raises(InvalidTransition, match="^文件当前为“审查中”，不能执行“集体审议通过”。$"):
        _deliberate(doc, world, now, date(2026, 11, 2))
    db.session.rollback()
    assert _count(db, Deliberation) == 0


def test_an_earlier_pass_does_not_count_after_a_return_round(db, world, now):
    doc, rnd1 = steps.passed(world, now)
    db.session.commit()
    later = at(date(2026, 11, 4))
    _deliberate(doc, world, later, date(2026, 11, 4), DeliberationDecision.REVISE, note="第五条需再斟酌")
    db.session.commit()
    assert doc.status is DocStatus.RETURNED

    rnd2 = services.submit_for_review(doc, actor=world["drafter"], now=later)
    services.accept(doc, actor=world["reviewer"], now=later, reviewer_id=world["reviewer"].id)
    steps.fill_points(rnd2, world, later)
    steps.finding(rnd2, world, later)
    steps.conclude(doc, world, later, factories.RETURN)
    db.session.commit()
    assert rnd1.conclusion.passing and not rnd2.conclusion.passing

    with pytest.raises(InvalidTransition, match="^文件当前为“退回修改”，不能执行“集体审议通过”。$"):
        _deliberate(doc, world, later, date(2026, 11, 4))
    db.session.rollback()
    # Even if the status said "passed" (a stale page, a bad import), the guard reads the latest round.
    doc.status = DocStatus.PASSED
    db.session.commit()
    with pytest.raises(InvalidTransition) as exc:
        _deliberate(doc, world, later, date(2026, 11, 4))
    assert exc.value.message == "未经合法性审查或审查未通过的，不得提交集体审议（国办发〔2018〕37号）。"
    db.session.rollback()
    assert _count(db, Deliberation) == 1  # the REVISE record of round 1 only


def test_meeting_date_must_lie_between_the_opinion_and_today(db, world, now):
    doc, _ = steps.passed(world, now)  # opinion dated 11-02
    db.session.commit()
    on_the_5th = at(date(2026, 11, 5))
    with pytest.raises(ValidationFailed, match="^会议日期不能早于合法性审查意见的出具日期。$"):
        _deliberate(doc, world, on_the_5th, date(2026, 11, 1))
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="^会议日期不能晚于今天。$"):
        _deliberate(doc, world, on_the_5th, date(2026, 11, 6))
    db.session.rollback()
    assert doc.status is DocStatus.PASSED and _count(db, Deliberation) == 0

    minutes = check_upload(b"%PDF-1.4\n%%EOF\n", "常务会议纪要.pdf")
    record = _deliberate(doc, world, on_the_5th, date(2026, 11, 5), minutes=minutes)
    db.session.commit()
    assert doc.status is DocStatus.DELIBERATED
    assert (record.meeting_name, record.held_on, record.decision) == (
        "镇政府常务会议",
        date(2026, 11, 5),
        DeliberationDecision.APPROVED,
    )
    assert record.round_id == services.latest_round(doc).id
    assert record.recorded_by_id == world["clerk"].id
    kinds = [a.kind for a in doc.attachments]
    assert AttachmentKind.MINUTES in kinds


def test_revise_decision_needs_a_note_and_returns_the_draft(db, world, now):
    doc, _ = steps.passed(world, now)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="^请填写会议意见。$"):
        _deliberate(doc, world, now, date(2026, 11, 2), DeliberationDecision.REVISE, note=" ")
    db.session.rollback()
    assert doc.status is DocStatus.PASSED
    with pytest.raises(PermissionDenied):
        services.record_deliberation(
            doc,
            actor=world["drafter"],
            now=now,
            meeting_name="镇政府常务会议",
            held_on=date(2026, 11, 2),
            decision=DeliberationDecision.APPROVED,
            note="",
            minutes=None,
        )
    db.session.rollback()
    record = _deliberate(doc, world, now, date(2026, 11, 2), DeliberationDecision.REVISE, note="补充过渡期条款")
    db.session.commit()
    assert doc.status is DocStatus.RETURNED
    assert (record.decision, record.note) == (DeliberationDecision.REVISE, "补充过渡期条款")


# --- withdrawal --------------------------------------------------------------------------------------------


def test_withdrawal_stops_the_draft(db, world, now):
    doc, _ = steps.submitted(world, now)
    db.session.commit()
    with pytest.raises(ValidationFailed, match="^执行“撤回”须填写理由。$"):
        workflow.apply(doc, "withdraw", actor=world["drafter"], now=now, note="")
    db.session.rollback()
    workflow.apply(doc, "withdraw", actor=world["drafter"], now=now, note="上级已出台统一规定，不再制定")
    db.session.commit()
    assert doc.status is DocStatus.WITHDRAWN

    assert workflow.available_actions(doc, world["drafter"], now=now) == []
    # Nobody else can move it either (the clerk is shown 报送备案 greyed out, "文件尚未发布", on every draft).
    for name in ("drafter2", "reviewer", "clerk", "leader", "admin"):
        assert [a.name for a in workflow.available_actions(doc, world[name], now=now) if a.blocked is None] == []
    with pytest.raises(InvalidTransition, match="^文件当前为“已撤回”，不能执行“送交合法性审查”。$"):
        services.submit_for_review(doc, actor=world["drafter"], now=now)
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="不能上传新版本"):
        steps.upload_version(doc, world, now)
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="不能再登记征求意见"):
        _window(doc, world, now, date(2026, 11, 2), date(2026, 12, 1))
    db.session.rollback()
    with pytest.raises(InvalidTransition):
        services.accept(doc, actor=world["reviewer"], now=now, reviewer_id=world["reviewer"].id)
    db.session.rollback()
    assert doc.status is DocStatus.WITHDRAWN and len(doc.versions) == 1
