"""Drafts for comment from higher levels: registering, assigning, replying (with a version check), recording sending.

The pages read the clock through now_utc(), pinned to Monday 2026-11-02 10:00 in Beijing.
"""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from tests.conftest import FIXED_NOW
from tests.factories import at, d
from tests.pages import flashes, hidden_value, is_chinese, text
from tracker.audit.models import AuditEvent
from tracker.errors import ConcurrentEdit, InvalidTransition, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.solicitations import services
from tracker.solicitations.models import Solicitation, SolicitationPhase

TITLE = "中山市行政规范性文件管理规定（征求意见稿）"
CONFLICT = "答复内容已被他人修改，您的修改未保存。请刷新页面查看最新内容。"
DATES = "答复日期须在收到日期之后、今天之前。"
ASSIGNEE = "承办人须为在岗的司法所审查员或党政办文秘。"


@pytest.fixture(autouse=True)
def pinned_clock(clock):
    return clock


def form(**overrides) -> dict:
    data = {
        "from_body": "中山市司法局",
        "title": TITLE,
        "reference": "中司函[2026]18号",
        "received_on": "2026-10-28",
        "reply_due_on": "2026-11-11",
        "assignee_id": "0",
    }
    data.update(overrides)
    return data


def field_errors(response) -> list[str]:
    return [html.unescape(e) for e in re.findall(r'<div class="invalid-feedback">(.*?)</div>', text(response))]


def rows() -> list[Solicitation]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Solicitation).order_by(Solicitation.id)))


def registered(w, *, assignee: str | None = "clerk", received: str = "2026-10-28", due: str = "2026-11-11"):
    sol = services.register(
        actor=w["clerk"],
        now=at(d(received)),
        from_body="中山市司法局",
        title=TITLE,
        reference=None,
        received_on=d(received),
        reply_due_on=d(due),
        assignee_id=w[assignee].id if assignee else None,
    )
    db.session.commit()
    return sol


# --- registering ---------------------------------------------------------------------------------------------


def test_registering_with_an_assignee_puts_it_in_drafting(db, world, login_as):
    r = login_as("clerk").post("/solicitations/new", data=form(assignee_id=str(world["reviewer"].id)))
    [sol] = rows()
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/solicitations/{sol.id}")
    assert (sol.from_body, sol.title, sol.reference, sol.received_on, sol.reply_due_on) == (
        "中山市司法局",
        TITLE,
        "中司函[2026]18号",
        d("2026-10-28"),
        d("2026-11-11"),
    )
    assert (sol.assignee_id, sol.phase, sol.created_by_id, sol.version_id) == (
        world["reviewer"].id,
        SolicitationPhase.DRAFTING,
        world["clerk"].id,
        1,
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "solicitation.register"))
    assert event.summary == f"登记中山市司法局征求意见稿《{TITLE}》，2026-11-11 前答复"


def test_registering_without_an_assignee_leaves_it_waiting(db, world, login_as):
    login_as("reviewer").post("/solicitations/new", data=form(received_on="2026-11-02"))
    [sol] = rows()
    assert (sol.assignee_id, sol.phase, sol.received_on) == (None, SolicitationPhase.REGISTERED, d("2026-11-02"))


def test_a_receipt_after_today_is_refused(db, world, login_as):
    r = login_as("reviewer").post("/solicitations/new", data=form(received_on="2026-11-03"))
    assert r.status_code == 200 and flashes(r) == ["收到日期不能晚于今天。"]
    assert rows() == []


@pytest.mark.parametrize(
    "overrides, errors",
    [
        ({"reply_due_on": "2026-10-27"}, ["答复期限不能早于收到日期。"]),
        ({"title": "规" * 301}, ["字段长度不能超过 300 个字符。"]),
        ({"from_body": "市" * 101}, ["字段长度不能超过 100 个字符。"]),
        ({"reference": "文" * 101}, ["字段长度不能超过 100 个字符。"]),
        ({"from_body": "", "title": ""}, ["请填写来文单位。", "请填写名称。"]),
        ({"received_on": "2026-13-01"}, ["不是有效的日期值。"]),
        ({"reply_due_on": ""}, ["请输入有效日期（年-月-日）。"]),
    ],
)
def test_the_form_refuses_bad_input_in_chinese(db, world, login_as, overrides, errors):
    r = login_as("reviewer").post("/solicitations/new", data=form(**overrides))
    assert r.status_code == 200
    assert field_errors(r) == errors
    assert all(is_chinese(e) for e in errors)
    assert rows() == []


@pytest.mark.parametrize("who", ["drafter", "leader", "admin"])
def test_only_a_reviewer_or_clerk_can_be_chosen_as_assignee(db, world, login_as, who):
    page = text(login_as("clerk").get("/solicitations/new"))
    offered = set(re.findall(r'<option[^>]*value="(\d+)"', page))
    assert offered == {"0", str(world["reviewer"].id), str(world["clerk"].id)}
    # A forged choice is refused by the form, and by the service when called directly.
    r = login_as("clerk").post("/solicitations/new", data=form(assignee_id=str(world[who].id)))
    assert field_errors(r) == ["不是有效的选择。"] and rows() == []
    with pytest.raises(ValidationFailed, match=ASSIGNEE):
        registered(world, assignee=who)
    db.session.rollback()
    assert rows() == []


def test_an_inactive_reviewer_cannot_be_assigned(db, world):
    world["reviewer"].active = False
    db.session.commit()
    with pytest.raises(ValidationFailed, match=ASSIGNEE):
        registered(world, assignee="reviewer")


def test_the_service_holds_the_same_rules(db, world):
    def reg(**kw):
        args = dict(
            actor=world["clerk"],
            now=FIXED_NOW,
            from_body="中山市司法局",
            title=TITLE,
            reference=None,
            received_on=d("2026-10-28"),
            reply_due_on=d("2026-11-11"),
            assignee_id=None,
        )
        args.update(kw)
        return services.register(**args)

    for kw, message in (
        ({"received_on": d("2026-11-03"), "reply_due_on": d("2026-11-20")}, "收到日期不能晚于今天。"),
        ({"reply_due_on": d("2026-10-27")}, "答复期限不能早于收到日期。"),
        ({"title": "规" * 301}, "征求意见稿名称不能超过 300 字。"),
        ({"from_body": "市" * 101}, "来文单位不能超过 100 字。"),
        ({"reference": "文" * 101}, "来文文号不能超过 100 字。"),
        ({"title": "  "}, "请填写征求意见稿名称。"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            reg(**kw)
        assert exc.value.message == message
        db.session.rollback()
    for who in ("drafter", "leader", "admin"):
        with pytest.raises(PermissionDenied, match="只有司法所审查员或党政办文秘可以办理上级征求意见。"):
            reg(actor=world[who])
        db.session.rollback()
    assert rows() == []
    # Received today and due today: allowed.
    sol = reg(received_on=d("2026-11-02"), reply_due_on=d("2026-11-02"))
    assert sol.id is not None


# --- the reply and its version check ---------------------------------------------------------------------------


def reply_form(page, text_: str, assignee_id: int | str = 0) -> dict:
    return {
        "form": "reply",
        "r-reply_text": text_,
        "r-assignee_id": str(assignee_id),
        "r-version_id": hidden_value(page, "r-version_id"),
    }


def test_a_stale_reply_is_refused_and_nothing_is_lost(db, world, login_as):
    sol = registered(world)
    url = f"/solicitations/{sol.id}"
    reviewer, clerk = login_as("reviewer"), login_as("clerk")
    reviewer_page, clerk_page = reviewer.get(url), clerk.get(url)
    assert hidden_value(clerk_page, "r-version_id") == "1"

    r = reviewer.post(url, data=reply_form(reviewer_page, "一、建议删除第五条。", world["clerk"].id))
    assert r.status_code == 302
    assert (rows()[0].reply_text, rows()[0].version_id) == ("一、建议删除第五条。", 2)

    # The clerk saves over an older page: refused, the reviewer's reply stays, the clerk's text is still on screen.
    r = clerk.post(url, data=reply_form(clerk_page, "二、建议增加过渡条款。", world["clerk"].id))
    assert r.status_code == 200 and flashes(r) == [CONFLICT]
    assert (rows()[0].reply_text, rows()[0].version_id) == ("一、建议删除第五条。", 2)
    assert "二、建议增加过渡条款。" in text(r)

    # After reloading, the clerk saves on top of the reviewer's reply.
    fresh = clerk.get(url)
    assert "一、建议删除第五条。" in text(fresh)
    r = clerk.post(url, data=reply_form(fresh, "一、建议删除第五条。\n二、建议增加过渡条款。", world["clerk"].id))
    assert r.status_code == 302
    assert (rows()[0].reply_text, rows()[0].version_id) == ("一、建议删除第五条。\n二、建议增加过渡条款。", 3)


def test_the_service_checks_the_version_too(db, world):
    sol = registered(world)
    services.save_reply(sol, actor=world["reviewer"], now=FIXED_NOW, reply_text="甲", assignee_id=None,
                        expected_version=1)  # fmt: skip
    db.session.commit()
    with pytest.raises(ConcurrentEdit) as exc:
        services.save_reply(sol, actor=world["clerk"], now=FIXED_NOW, reply_text="乙", assignee_id=None,
                            expected_version=1)  # fmt: skip
    assert exc.value.message == CONFLICT
    db.session.rollback()
    assert rows()[0].reply_text == "甲"


def test_the_reply_can_reassign_but_only_to_a_reviewer_or_clerk(db, world, login_as):
    sol = registered(world, assignee="clerk")
    url = f"/solicitations/{sol.id}"
    c = login_as("clerk")
    r = c.post(url, data=reply_form(c.get(url), "意见", world["drafter"].id))
    assert field_errors(r) == ["不是有效的选择。"]
    assert rows()[0].assignee_id == world["clerk"].id
    r = c.post(url, data=reply_form(c.get(url), "意见", world["reviewer"].id))
    assert r.status_code == 302 and rows()[0].assignee_id == world["reviewer"].id
    with pytest.raises(ValidationFailed, match=ASSIGNEE):
        services.save_reply(rows()[0], actor=world["clerk"], now=FIXED_NOW, reply_text="意见",
                            assignee_id=world["leader"].id, expected_version=None)  # fmt: skip


def test_an_over_long_reply_is_refused_with_a_reason(db, world, login_as):
    sol = registered(world)
    url = f"/solicitations/{sol.id}"
    c = login_as("reviewer")
    with pytest.raises(ValidationFailed, match="^答复意见不能超过 20000 字。$"):
        services.save_reply(sol, actor=world["reviewer"], now=FIXED_NOW, reply_text="意" * 20001,
                            assignee_id=None, expected_version=None)  # fmt: skip
    db.session.rollback()
    r = c.post(url, data=reply_form(c.get(url), "意" * 20001))
    assert r.status_code == 200
    assert rows()[0].reply_text == "" and rows()[0].version_id == 1
    # The reviewer is told why nothing was saved.
    assert "字段长度不能超过 20000 个字符。" in text(r), (flashes(r), field_errors(r))


# --- recording that the reply was sent -------------------------------------------------------------------------


def sent_form(sent_on: str, no_comment: bool = False, method: str = "公文交换系统") -> dict:
    data = {"form": "sent", "s-sent_on": sent_on, "s-method": method}
    if no_comment:
        data["s-no_comment"] = "y"
    return data


def test_sending_needs_a_reply_or_no_comment_and_a_date_between_receipt_and_today(db, world, login_as):
    sol = registered(world)  # received 2026-10-28
    url, c = f"/solicitations/{sol.id}", login_as("clerk")
    for data, message in (
        (sent_form("2026-11-02"), "请先填写答复意见，或选择“无意见”。"),
        (sent_form("2026-11-03", no_comment=True), DATES),
        (sent_form("2026-10-27", no_comment=True), DATES),
    ):
        r = c.post(url, data=data)
        assert r.status_code == 200 and flashes(r) == [message], data
        assert (rows()[0].phase, rows()[0].sent_on) == (SolicitationPhase.DRAFTING, None)
    r = c.post(url, data=sent_form(""))
    assert field_errors(r) == ["请输入有效日期（年-月-日）。"]
    r = c.post(url, data=sent_form("2026-11-02", method=""))
    assert field_errors(r) == ["请填写答复方式。"]

    # On the day it arrived, with no comment: accepted.
    r = c.post(url, data=sent_form("2026-10-28", no_comment=True, method="电子邮件"))
    assert r.status_code == 302
    sol = rows()[0]
    assert (sol.phase, sol.sent_on, sol.sent_method) == (SolicitationPhase.NO_COMMENT, d("2026-10-28"), "电子邮件")


def test_a_sent_reply_can_no_longer_be_edited(db, world, login_as):
    sol = registered(world)
    url, c = f"/solicitations/{sol.id}", login_as("clerk")
    c.post(url, data=reply_form(c.get(url), "建议删除第五条。", world["clerk"].id))
    page = c.get(url)
    r = c.post(url, data=sent_form("2026-11-02"))
    assert r.status_code == 302
    sol = rows()[0]
    assert (sol.phase, sol.sent_on, sol.reply_text) == (SolicitationPhase.SENT, d("2026-11-02"), "建议删除第五条。")
    version = sol.version_id

    shown = text(c.get(url))
    assert 'data-testid="save-reply"' not in shown and 'data-testid="mark-sent"' not in shown
    assert "建议删除第五条。" in shown and "已答复" in shown

    # A page left open still posts: refused, nothing changes.
    r = c.post(url, data={**reply_form(page, "改过的意见"), "r-version_id": str(version)})
    assert r.status_code == 200 and flashes(r) == ["该征求意见已答复，不能再修改。"]
    r = c.post(url, data=sent_form("2026-11-02", no_comment=True))
    assert r.status_code == 200 and flashes(r) == ["该征求意见已登记答复。"]
    sol = rows()[0]
    assert (sol.phase, sol.reply_text, sol.version_id) == (SolicitationPhase.SENT, "建议删除第五条。", version)
    with pytest.raises(InvalidTransition):
        services.save_reply(sol, actor=world["clerk"], now=FIXED_NOW, reply_text="又改", assignee_id=None,
                            expected_version=None)  # fmt: skip
