"""Suggestions, not only findings (docs/rules.md §4).

Under 基本合法，建议修改后出台 the drafter answers every suggestion before deliberation; the deliberation page and its
Word material list those not adopted; the worksheet's conclusion starts empty; 暂缓出台 and 不同意出台 state reasons
and the opinion's words follow the conclusion; the review basis is always stated; round 2 starts from round 1's
worksheet and “其余全部符合” fills only the undecided points.
"""

from __future__ import annotations

import io
from datetime import date

import docx
import pytest
import sqlalchemy as sa

from tests import factories
from tests.factories import at
from tests.pages import flashes, text
from tests.review import steps
from tracker.documents.states import DocStatus
from tracker.errors import ValidationFailed
from tracker.review import services
from tracker.review import word as review_word
from tracker.review.models import FindingResponse, Opinion, PointResult, ReviewPoint
from tracker.rules.conclusions import conclusion_by_label
from tracker.workflow.service import available_actions

NOW = at(date(2026, 11, 2))


@pytest.fixture
def suggested(db, world):
    """Passed with two suggestions (基本合法，建议修改后出台)."""
    doc, rnd = steps.under_review(world, NOW)
    steps.fill_points(rnd, world, NOW)
    steps.finding(rnd, world, NOW, clause="第五条第二款", problem="“责令改正”的主体不明确")
    steps.finding(rnd, world, NOW, clause="第八条", problem="表述“原则上”含义不清")
    steps.conclude(doc, world, NOW, factories.PASS_WITH_CHANGES)
    db.session.commit()
    return doc, rnd


def _deliberation_guard(doc, world) -> str | None:
    actions = available_actions(doc, world["clerk"], now=NOW)
    (action,) = [a for a in actions if a.transition.name == "approve_deliberation"]
    return action.blocked


def test_suggestions_are_answered_before_deliberation(db, world, suggested, login_as, clock):
    doc, rnd = suggested
    assert doc.status is DocStatus.PASSED
    # Today's gap: the drafter was told there was nothing to answer, and deliberation went ahead.
    assert "2 条审查建议未答复" in _deliberation_guard(doc, world)
    first, second = rnd.findings
    services.answer_finding(first, actor=world["drafter"], now=NOW, response=FindingResponse.ADOPTED, reason="")
    with pytest.raises(ValidationFailed, match="须说明理由"):
        services.answer_finding(
            second, actor=world["drafter"], now=NOW, response=FindingResponse.NOT_ADOPTED, reason=""
        )
    services.answer_finding(
        second, actor=world["drafter"], now=NOW, response=FindingResponse.NOT_ADOPTED, reason="“原则上”为上位法原文"
    )
    db.session.commit()
    assert _deliberation_guard(doc, world) is None
    # The deliberation page lists the suggestion not adopted with its reason, and offers the Word material.
    page = text(login_as("clerk").get(f"/review/documents/{doc.id}/deliberate"))
    assert "表述“原则上”含义不清" in page and "“原则上”为上位法原文" in page
    assert 'data-testid="deliberation-material"' in page
    r = login_as("clerk").get(f"/word/documents/{doc.id}/deliberation-material.docx")
    assert r.status_code == 200
    body = "\n".join(p.text for p in docx.Document(io.BytesIO(r.data)).paragraphs)
    cells_by_row = [[c.text for c in row.cells] for t in docx.Document(io.BytesIO(r.data)).tables for row in t.rows]
    assert "关于《测试镇某某管理办法》合法性审查意见采纳情况的说明" in body
    assert "审查结论为“基本合法，建议修改后出台”，提出具体意见2条。" in body
    row = next(r for r in cells_by_row if "不采纳" in r)
    assert row[1] == "第1轮 第八条" and row[2].startswith("表述“原则上”含义不清") and row[4] == "“原则上”为上位法原文"
    assert not any("“责令改正”的主体不明确" in c for r in cells_by_row for c in r)  # adopted: nothing to explain


def test_the_answers_page_is_open_to_the_drafter_of_a_passed_draft_with_suggestions(db, world, suggested, login_as):
    doc, rnd = suggested
    page = text(login_as("drafter").get(f"/documents/{doc.id}"))
    assert 'data-testid="answer-link"' in page
    r = login_as("drafter").post(
        f"/review/documents/{doc.id}/answers",
        data={"finding_id": rnd.findings[0].id, f"a{rnd.findings[0].id}-response": "adopted"},
        follow_redirects=True,
    )
    assert "答复已保存。" in flashes(r)


def test_a_pass_without_suggestions_needs_no_answer_and_goes_to_deliberation(db, world):
    doc, rnd = steps.passed(world, NOW)
    assert not services.awaits_answers(doc, rnd)
    assert _deliberation_guard(doc, world) is None


def test_the_conclusion_starts_empty_and_is_required(db, world, login_as, clock):
    doc, rnd = steps.under_review(world, NOW)
    steps.fill_points(rnd, world, NOW)
    db.session.commit()
    c = login_as("reviewer")
    page = text(c.get(f"/review/documents/{doc.id}/worksheet"))
    assert '<option selected value="0">—请选择审查结论—</option>' in page
    r = c.post(
        f"/review/documents/{doc.id}/worksheet",
        data={"form": "conclude", "c-conclusion_id": "0", "c-summary": "", "c-addressee": ""},
    )
    assert "请选择审查结论。" in text(r)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Opinion)) == 0
    assert doc.status is DocStatus.UNDER_REVIEW


@pytest.mark.parametrize("label", [factories.DEFER, factories.REJECT])
def test_deferral_and_rejection_state_their_reasons_and_may_not_call_the_text_lawful(db, world, label):
    doc, rnd = steps.under_review(world, NOW)
    steps.fill_points(rnd, world, NOW)
    steps.finding(rnd, world, NOW)
    db.session.commit()
    with pytest.raises(ValidationFailed, match=f"结论为“{label}”的，须在审查意见综述中写明理由。"):
        steps.conclude(doc, world, NOW, label, summary="")
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="两者矛盾"):
        steps.conclude(doc, world, NOW, label, summary="经审查，该文件制定主体适格，程序合法，内容合法。")
    db.session.rollback()
    opinion = steps.conclude(doc, world, NOW, label)
    assert opinion.round.summary == factories.REASONS[label]


@pytest.mark.parametrize(
    ("label", "findings", "note"),
    [
        (factories.PASS, False, "对本审查意见未予采纳的，起草单位应当在提请集体审议时作出说明。"),
        (factories.PASS_WITH_CHANGES, True, "未予采纳的，应当在提请集体审议时说明理由"),
        (factories.RETURN, True, "逐条答复后重新报送合法性审查"),
        (factories.REJECT, True, "不得提请集体审议"),
        (factories.DEFER, False, "请你单位暂缓出台该文件"),
    ],
)
def test_the_opinion_text_follows_its_conclusion_and_always_states_its_basis(db, world, label, findings, note):
    doc, rnd = steps.under_review(world, NOW)
    steps.fill_points(rnd, world, NOW)
    if findings:
        steps.finding(rnd, world, NOW)
    opinion = steps.conclude(doc, world, NOW, label)
    context = review_word.opinion_context_for(opinion)
    assert note in context["not_adopted_note"]
    if label in (factories.REJECT, factories.DEFER, factories.RETURN):
        assert "集体审议时" not in context["not_adopted_note"]
    # No basis entered and none in the findings: the review still states what it followed.
    assert [b["text"] for b in context["basis"]][-1] == "《广东省行政规范性文件管理规定》（粤府令第277号）"
    assert context["sec"]["basis"] == "二"


def test_conclusion_note_for_every_outcome_is_distinct():
    notes = {review_word.conclusion_note(o, f) for o in ("pass", "return", "reject", "defer") for f in (False, True)}
    assert len(notes) == 5  # pass ×2, return, reject, defer (the last three alike with or without findings)


def test_round_two_starts_from_round_ones_worksheet_and_fill_complies_keeps_decisions(db, world, login_as, clock):
    doc, rnd = steps.under_review(world, NOW)
    services.save_points(
        rnd,
        actor=world["reviewer"],
        now=NOW,
        results={
            p: (PointResult.DOES_NOT, "设定罚款") if p is ReviewPoint.NO_NEW_POWERS else (PointResult.COMPLIES, "")
            for p in ReviewPoint
        },
        expected_version=None,
    )
    steps.finding(rnd, world, NOW)
    steps.conclude(doc, world, NOW, factories.RETURN)
    adopted = FindingResponse.ADOPTED
    services.answer_finding(rnd.findings[0], actor=world["drafter"], now=NOW, response=adopted, reason="")
    later = at(date(2026, 11, 3))
    steps.upload_version(doc, world, later)
    rnd2 = services.submit_for_review(doc, actor=world["drafter"], now=later)
    services.accept(doc, actor=world["reviewer"], now=later, reviewer_id=world["reviewer"].id)
    db.session.commit()
    c = login_as("reviewer")
    page = text(c.get(f"/review/documents/{doc.id}/worksheet"))
    assert 'data-testid="from-previous"' in page
    assert '<option selected value="does_not">不符合</option>' in page and "设定罚款" in page
    # 其余全部符合: the two points decided by hand keep their answers, the seven left empty become 符合.
    data = {"form": "points", "fill": "complies", "p-version_id": str(rnd2.version_id)}
    data |= {f"p-result_{p.value}": "" for p in ReviewPoint}
    data |= {
        "p-result_no_new_powers": "does_not",
        "p-note_no_new_powers": "罚款已删除，但仍有“没收”",
        "p-result_competition": "na",
    }
    r = c.post(f"/review/documents/{doc.id}/worksheet", data=data)
    assert r.status_code == 302
    saved = {p.point: p.result for p in rnd2.points}
    assert saved[ReviewPoint.NO_NEW_POWERS] is PointResult.DOES_NOT
    assert saved[ReviewPoint.COMPETITION] is PointResult.NOT_APPLICABLE
    assert [saved[p] for p in ReviewPoint].count(PointResult.COMPLIES) == 7
    assert conclusion_by_label(factories.PASS) is not None
