"""The review desk reads the text: flags stored at submission, findings started from a clause or a flag and anchored
to it, flags dismissed with a reason, a re-run with the office's rules, and what became of each finding's clause in
the next version."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from tests import factories
from tests.factories import RETURN, at, upload
from tracker.audit.models import AuditEvent
from tracker.documents.services import add_version
from tracker.review import services
from tracker.review.models import Finding, FindingResponse, FlagState, PrecheckFlag, PrecheckRuleSetting

DAY = date(2026, 11, 2)
TITLE = "测试镇农村宅基地建房管理办法"
TEXT = (
    TITLE,
    "第一条 为加强农村宅基地建房管理，制定本办法。",
    "第二条 村民建房应当向村委会缴纳保证金五千元。",
    "第三条 违反本办法的，由镇政府处以二千元罚款。",
    "第四条 建房材料应当优先采购本地企业产品。",
    "第五条 本办法自2027年1月1日起施行。",
)
# The revised draft: 第二条 edited, 第三条 deleted (so 第四条 and 第五条 move up), 第一条 left as it was.
REVISED = (
    TITLE,
    "第一条 为加强农村宅基地建房管理，制定本办法。",
    "第二条 村民建房应当向村委会提交建房申请。",
    "第三条 建房材料应当优先采购本地企业产品。",
    "第四条 本办法自2027年1月1日起施行。",
)


def _text(body: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()


def _flags(db, **where) -> list[PrecheckFlag]:
    stmt = sa.select(PrecheckFlag).order_by(PrecheckFlag.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(PrecheckFlag, name) == value)
    return list(db.session.scalars(stmt))


@pytest.fixture
def under_review(db, world, clock):
    doc = factories.draft(world, TITLE, DAY, text=TEXT)
    rnd = factories.submit(world, doc, DAY)
    factories.accept(world, doc, DAY)
    db.session.commit()
    return doc, rnd


def test_the_submission_keeps_the_flags_of_every_clause(db, under_review):
    doc, rnd = under_review
    flags = _flags(db, round_id=rnd.id)
    assert {(f.ref, f.point, f.rule_code, f.words) for f in flags} == {
        ("第二条第一款", 5, "fee", "缴纳保证金"),
        ("第二条第一款", 6, "obligation", "应当"),
        ("第三条第一款", 5, "penalty", "罚款"),
        ("第四条第一款", 8, "local_preference", "优先采购、本地企业产品"),
    }
    # 第一条 and 第五条 are clean; every flag quotes its clause and is waiting for the reviewer.
    assert not {f.ref for f in flags} & {"第一条第一款", "第五条第一款"}
    assert all(f.state is FlagState.OPEN and f.quote.startswith(f.ref[:3]) for f in flags)
    assert all(f.text_version_id == doc.versions[-1].id for f in flags)


def test_the_worksheet_shows_the_text_beside_the_points_with_its_flags(db, under_review, login_as):
    doc, rnd = under_review
    body = login_as("reviewer").get(f"/review/documents/{doc.id}/worksheet").get_data(as_text=True)
    units = re.findall(r'data-testid="unit" data-key="([^"]+)"', body)
    assert units == ["pre1", "a1.p1", "a2.p1", "a3.p1", "a4.p1", "a5.p1"]
    panel = _text(body[body.index('data-testid="text-panel"') : body.index('id="findings"')])
    assert "第三条第一款 第三条 违反本办法的，由镇政府处以二千元罚款。" in panel
    assert "第 5 点 · 设定行政处罚 ：触发词语 罚款" in panel
    assert body.count('data-testid="flag-to-finding"') == len(_flags(db, round_id=rnd.id))
    # The drafter reads the worksheet's record but gets no desk.
    drafter_body = login_as("drafter").get(f"/review/documents/{doc.id}/worksheet").get_data(as_text=True)
    assert 'data-testid="text-panel"' not in drafter_body


def test_choosing_a_clause_starts_a_finding_anchored_to_it(db, under_review, login_as):
    doc, rnd = under_review
    client = login_as("reviewer")
    body = client.get(f"/review/documents/{doc.id}/worksheet?unit=a4.p1").get_data(as_text=True)
    chosen = re.search(r'<blockquote[^>]*data-testid="chosen-clause".*?</blockquote>', body, re.S).group(0)
    assert _text(chosen) == "第四条第一款 ：第四条 建房材料应当优先采购本地企业产品。"
    assert re.search(r'<input[^>]*name="f-unit_key"[^>]*value="a4.p1"', body)
    r = client.post(
        f"/review/documents/{doc.id}/worksheet",
        data={
            "form": "finding",
            "f-unit_key": "a4.p1",
            "f-clause": "第四条第一款",
            "f-problem": "限定本地企业产品，排除外地经营者",
        },
    )
    assert r.status_code == 302
    finding = db.session.scalar(sa.select(Finding))
    assert (finding.unit_key, finding.clause, finding.text_version_id) == ("a4.p1", "第四条第一款", doc.versions[-1].id)
    assert finding.quote == "第四条 建房材料应当优先采购本地企业产品。"


def test_a_typed_reference_is_anchored_to_the_clause_it_names(db, world, under_review, clock):
    doc, rnd = under_review
    f = services.add_finding(
        rnd, actor=world["reviewer"], now=clock.at, clause="第三条", problem="设定罚款", legal_basis="", suggestion=""
    )
    assert (f.unit_key, f.quote) == ("a3.p1", TEXT[3])
    vague = services.add_finding(
        rnd, actor=world["reviewer"], now=clock.at, clause="", problem="总体意见", legal_basis="", suggestion=""
    )
    assert (vague.unit_key, vague.quote, vague.text_version_id) == ("", "", None)
    with pytest.raises(Exception, match="所选条款不在本轮审查的稿件中"):
        services.add_finding(
            rnd,
            actor=world["reviewer"],
            now=clock.at,
            clause="",
            problem="x",
            legal_basis="",
            suggestion="",
            unit_key="a99.p1",
        )


def test_a_flag_becomes_a_finding_and_comes_back_when_the_finding_is_deleted(db, under_review, login_as):
    doc, rnd = under_review
    flag = _flags(db, round_id=rnd.id, rule_code="penalty")[0]
    client = login_as("reviewer")
    body = client.get(f"/review/documents/{doc.id}/worksheet?flag={flag.id}").get_data(as_text=True)
    assert f'value="{flag.id}"' in body and "设定行政处罚：" in body
    r = client.post(
        f"/review/documents/{doc.id}/worksheet",
        data={
            "form": "finding",
            "f-unit_key": flag.unit_key,
            "f-flag_id": str(flag.id),
            "f-clause": flag.ref,
            "f-problem": "规范性文件不得设定罚款",
        },
    )
    assert r.status_code == 302
    db.session.expire_all()
    flag = db.session.get(PrecheckFlag, flag.id)
    assert flag.state is FlagState.FINDING and flag.finding.quote == TEXT[3]
    # The same flag cannot become a second finding.
    r = client.post(
        f"/review/documents/{doc.id}/worksheet",
        data={"form": "finding", "f-flag_id": str(flag.id), "f-problem": "再提一次"},
    )
    assert "该预检提示已转为审查意见，不能再转为审查意见。" in r.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Finding)) == 1
    r = client.post(f"/review/findings/{flag.finding_id}/delete")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(PrecheckFlag, flag.id).state is FlagState.OPEN


def test_a_flag_is_dismissed_only_with_a_reason_and_stays_on_record(db, under_review, login_as):
    doc, rnd = under_review
    flag = _flags(db, round_id=rnd.id, rule_code="fee")[0]
    client = login_as("reviewer")
    r = client.post(f"/review/flags/{flag.id}/dismiss", data={f"x{flag.id}-reason": ""})
    assert r.status_code == 400
    assert "排除预检提示须写明理由" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(PrecheckFlag, flag.id).state is FlagState.OPEN
    r = client.post(f"/review/flags/{flag.id}/dismiss", data={f"x{flag.id}-reason": "保证金由村规民约约定，另行核查"})
    assert r.status_code == 302
    db.session.expire_all()
    flag = db.session.get(PrecheckFlag, flag.id)
    assert (flag.state, flag.reason) == (FlagState.DISMISSED, "保证金由村规民约约定，另行核查")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.flag_dismiss"))
    assert event.summary == "排除预检提示（第二条第一款，设定收费、押金或保证金）：保证金由村规民约约定，另行核查"
    body = client.get(f"/review/documents/{doc.id}/worksheet").get_data(as_text=True)
    assert "已排除：保证金由村规民约约定，另行核查" in _text(body)
    r = client.post(f"/review/flags/{flag.id}/dismiss", data={f"x{flag.id}-reason": "再排除一次"})
    assert r.status_code == 409


@pytest.mark.parametrize("role", ["drafter", "clerk", "leader", "admin"])
def test_only_the_reviewer_dismisses_or_reruns(db, under_review, login_as, role):
    doc, rnd = under_review
    flag = _flags(db, round_id=rnd.id)[0]
    client = login_as(role)
    assert client.post(f"/review/flags/{flag.id}/dismiss", data={f"x{flag.id}-reason": "伪造"}).status_code == 403
    assert client.post(f"/review/documents/{doc.id}/precheck").status_code == 403
    db.session.expire_all()
    assert db.session.get(PrecheckFlag, flag.id).state is FlagState.OPEN
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.precheck")) is None


def test_a_rerun_applies_the_rules_in_force_and_keeps_what_the_reviewer_decided(
    db, world, under_review, login_as, clock
):
    doc, rnd = under_review
    fee = _flags(db, round_id=rnd.id, rule_code="fee")[0]
    services.dismiss_flag(fee, actor=world["reviewer"], now=clock.at, reason="另行核查")
    before = {f.rule_code for f in _flags(db, round_id=rnd.id)}
    assert {"fee", "penalty", "local_preference"} <= before
    db.session.add_all(
        [
            PrecheckRuleSetting(code="fee", builtin=True, active=False),
            PrecheckRuleSetting(code="penalty", builtin=True, active=False),
            PrecheckRuleSetting(
                code="village_rules",
                point=6,
                label="村规民约设定义务",
                explanation="村规民约不能作为设定义务的依据。",
                pattern="村委会",
            ),
        ]
    )
    db.session.commit()
    r = login_as("reviewer").post(f"/review/documents/{doc.id}/precheck")
    assert r.status_code == 302
    db.session.expire_all()
    after = {(f.rule_code, f.ref): f.state for f in _flags(db, round_id=rnd.id)}
    # The switched-off penalty rule's open flag is gone; the dismissed fee flag is kept as decided; the office's
    # own rule flags the clause that names the 村委会.
    assert ("penalty", "第三条第一款") not in after
    assert after[("fee", "第二条第一款")] is FlagState.DISMISSED
    assert after[("village_rules", "第二条第一款")] is FlagState.OPEN
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "review.precheck"))
    assert event.summary.startswith("第 1 轮重新预检：新提示 1 条，撤销 1 条")


def test_the_next_version_shows_what_became_of_each_findings_clause(db, world, under_review, login_as, clock):
    doc, rnd = under_review
    reviewer = world["reviewer"]
    first = services.add_finding(
        rnd, actor=reviewer, now=clock.at, clause="第一条", problem="目的表述不完整", legal_basis="", suggestion=""
    )
    fee = services.add_finding(
        rnd, actor=reviewer, now=clock.at, clause="第二条", problem="不得收取保证金", legal_basis="", suggestion="删去"
    )
    fine = services.add_finding(
        rnd, actor=reviewer, now=clock.at, clause="第三条", problem="不得设定罚款", legal_basis="", suggestion="删去"
    )
    local = services.add_finding(
        rnd, actor=reviewer, now=clock.at, clause="第四条", problem="限定本地企业", legal_basis="", suggestion="改写"
    )
    factories.conclude_review(world, doc, rnd, DAY, label=RETURN, generate=False)
    later = at(date(2026, 11, 4))
    for f in (first, fee, fine):
        services.answer_finding(f, actor=world["drafter"], now=later, response=FindingResponse.ADOPTED, reason="")
    services.answer_finding(
        local, actor=world["drafter"], now=later, response=FindingResponse.NOT_ADOPTED, reason="本地产品质量可控"
    )
    add_version(doc, upload("修改稿.docx", *REVISED, docx_only=True), note="", actor=world["drafter"], now=later)
    second = factories.submit(world, doc, date(2026, 11, 4))
    factories.accept(world, doc, date(2026, 11, 4))
    db.session.commit()
    assert second.round_no == 2

    body = login_as("reviewer").get(f"/review/documents/{doc.id}/worksheet").get_data(as_text=True)
    rows = re.findall(r'<tr data-testid="trace" data-status="([a-z]+)">(.*?)</tr>', body, re.S)
    by_clause = {_text(inner).split(" ")[0]: (status, _text(inner)) for status, inner in rows}
    assert by_clause["第一条"][0] == "unchanged"
    assert "答复“采纳”，但条文未修改，请核对。" in by_clause["第一条"][1]
    assert by_clause["第二条"][0] == "changed"
    changed = re.search(r'data-status="changed">(.*?)</tr>', body, re.S).group(1)
    assert "<mark>" in changed and "已修改" in _text(changed)
    assert by_clause["第三条"][0] == "removed" and "原文：第三条 违反本办法的" in by_clause["第三条"][1]
    assert by_clause["第四条"][0] == "moved" and "现为 第三条第一款" in by_clause["第四条"][1]
    assert "不采纳：本地产品质量可控" in by_clause["第四条"][1]


def test_the_worksheet_names_the_towns_documents_in_force_on_the_same_subject(db, world, clock, login_as):
    existing = factories.in_force(
        world, "测试镇农村宅基地审批管理办法", date(2026, 6, 1), date(2026, 6, 22), date(2026, 7, 22)
    )
    factories.in_force(world, "测试镇户外广告设施设置办法", date(2026, 6, 2), date(2026, 6, 23), date(2026, 7, 23))
    doc = factories.draft(world, TITLE, DAY, text=TEXT)
    factories.submit(world, doc, DAY)
    factories.accept(world, doc, DAY)
    db.session.commit()
    body = login_as("reviewer").get(f"/review/documents/{doc.id}/worksheet").get_data(as_text=True)
    related = body[body.index('data-testid="related"') : body.index("审查要点</h2>")]
    assert re.findall(r'<li class="mb-2" data-testid="related-doc">\s*<a href="/documents/(\d+)"', related) == [
        str(existing.id)
    ]
