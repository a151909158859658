"""Registering a higher level's draft for comment, assigning it, drafting and sending the reply."""

from __future__ import annotations

from datetime import date, datetime

from tracker.audit import services as audit
from tracker.auth.models import Role, Unit, User
from tracker.auth.permissions import may
from tracker.common.timeutil import office_today
from tracker.errors import ConcurrentEdit, PermissionDenied, ValidationFailed
from tracker.extensions import db
from tracker.solicitations import word as solicitations_word
from tracker.solicitations.models import Solicitation
from tracker.solicitations.phases import SOLICITATION, initial_phase
from tracker.solicitations.queries import REPLYING_KINDS

MAX_REPLY = 20000
_CONFLICT = "答复内容已被他人修改，您的修改未保存。请刷新页面查看最新内容。"


def _text(value: str | None, label: str, limit: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(f"请填写{label}。")
    if len(value) > limit:
        raise ValidationFailed(f"{label}不能超过 {limit} 字。")
    return value


def _check(actor) -> None:
    if not may(actor, "solicitation"):
        raise PermissionDenied("只有司法所审查员或党政办文秘可以办理上级征求意见。")


def _assignee(user_id: int | None) -> User | None:
    if not user_id:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.role not in (Role.REVIEWER, Role.CLERK):
        raise ValidationFailed("承办人须为在岗的司法所审查员或党政办文秘。")
    return user


def register(
    *,
    actor,
    now: datetime,
    from_body: str,
    title: str,
    reference: str | None,
    received_on: date,
    reply_due_on: date,
    assignee_id: int | None,
) -> Solicitation:
    _check(actor)
    if received_on > office_today(now):
        raise ValidationFailed("收到日期不能晚于今天。")
    if reply_due_on < received_on:
        raise ValidationFailed("答复期限不能早于收到日期。")
    sol = Solicitation(
        town_id=actor.town_id,
        from_body=_text(from_body, "来文单位", 100, True),
        title=_text(title, "征求意见稿名称", 300, True),
        reference=_text(reference, "来文文号", 100) or None,
        received_on=received_on,
        reply_due_on=reply_due_on,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
    )
    assignee = _assignee(assignee_id)
    sol.assignee_id = assignee.id if assignee else None
    sol.phase = initial_phase(assigned=assignee is not None)
    db.session.add(sol)
    db.session.flush()
    audit.record(
        "solicitation.register",
        actor=actor,
        now=now,
        object_type="solicitation",
        object_id=sol.id,
        summary=f"登记{sol.from_body}征求意见稿《{sol.title}》，{reply_due_on.isoformat()} 前答复",
    )
    return sol


def _reply_unit(unit_id: int | None) -> Unit | None:
    """The organ that signs the reply: the town government or its 司法所 (docs/rules.md §8)."""
    if not unit_id:
        return None
    unit = db.session.get(Unit, unit_id)
    if unit is None or not unit.active or unit.kind not in REPLYING_KINDS:
        raise ValidationFailed("答复机关须为镇人民政府或司法所。")
    return unit


def save_reply(
    sol: Solicitation,
    *,
    actor,
    now: datetime,
    reply_text: str,
    assignee_id: int | None,
    expected_version: int | None,
    reply_unit_id: int | None = None,
) -> None:
    SOLICITATION.require(sol, "reply", actor=actor, now=now)
    if expected_version is not None and expected_version != sol.version_id:
        raise ConcurrentEdit(_CONFLICT)
    sol.reply_text = _text(reply_text, "答复意见", MAX_REPLY)
    assignee = _assignee(assignee_id)
    sol.assignee_id = assignee.id if assignee else sol.assignee_id
    unit = _reply_unit(reply_unit_id)
    sol.reply_unit_id = unit.id if unit else sol.reply_unit_id
    try:
        SOLICITATION.apply(sol, "reply", actor=actor, now=now, summary="保存答复意见")
    except ConcurrentEdit:
        raise ConcurrentEdit(_CONFLICT) from None


def mark_sent(sol: Solicitation, *, actor, now: datetime, sent_on: date, method: str, no_comment: bool) -> None:
    step = "no_comment" if no_comment else "sent"
    SOLICITATION.require(sol, step, actor=actor, now=now)
    if sent_on > office_today(now) or sent_on < sol.received_on:
        raise ValidationFailed("答复日期须在收到日期之后、今天之前。")
    if not no_comment and not sol.reply_text.strip():
        raise ValidationFailed("请先填写答复意见，或选择“无意见”。")
    sol.sent_on, sol.sent_method = sent_on, _text(method, "答复方式", 50, True)
    target = SOLICITATION.get(step).target
    SOLICITATION.apply(
        sol,
        step,
        actor=actor,
        now=now,
        summary=f"{sent_on.isoformat()} 答复{sol.from_body}（{target.label}）"
        + ("，逾期" if sent_on > sol.reply_due_on else ""),
    )
    # The letter that goes out: numbered in the replying organ's 函 series, dated the day it is sent, kept.
    solicitations_word.generate_comment_reply(sol, actor=actor, now=now)
