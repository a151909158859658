"""Lifecycle states of a normative document (docs/rules.md §2) and of its filing (§5)."""

from __future__ import annotations

from tracker.db import LabelledEnum


class DocStatus(LabelledEnum):
    DRAFTING = ("drafting", "起草中")
    CONSULTING = ("consulting", "征求意见中")
    SUBMITTED = ("submitted", "已送审")
    UNDER_REVIEW = ("under_review", "审查中")
    RETURNED = ("returned", "退回修改")
    PASSED = ("passed", "审查通过待审议")
    NOT_APPROVED = ("not_approved", "审查不同意出台")
    DEFERRED = ("deferred", "暂缓出台")
    DELIBERATED = ("deliberated", "审议通过待签发")
    NUMBERED = ("numbered", "已登记编号待发布")
    PUBLISHED = ("published", "已发布待施行")
    IN_FORCE = ("in_force", "施行中")
    AMENDED = ("amended", "已被修改")
    REPEALED = ("repealed", "已废止")
    INVALID = ("invalid", "已宣布失效")
    EXPIRED = ("expired", "有效期届满失效")
    WITHDRAWN = ("withdrawn", "已撤回")


class FilingStatus(LabelledEnum):
    # "待报备" is not stored: it is NOT_SUBMITTED on a published document (derived, never out of step).
    NOT_SUBMITTED = ("not_submitted", "未报备")
    SUBMITTED = ("submitted", "已报备待审查")
    REGISTERED = ("registered", "予以备案")
    CORRECTION = ("correction", "暂缓登记、限期补正")
    NOT_ACCEPTED = ("not_accepted", "不予备案")
    CORRECTION_ORDERED = ("correction_ordered", "纠正意见")
    # The bureau did not accept the packet (材料不齐全): the town completes it and files again.
    PACKET_RETURNED = ("packet_returned", "备案材料退回补正")


# Groupings used by queries and guards.
PRE_PUBLICATION = frozenset(
    {
        DocStatus.DRAFTING,
        DocStatus.CONSULTING,
        DocStatus.SUBMITTED,
        DocStatus.UNDER_REVIEW,
        DocStatus.RETURNED,
        DocStatus.PASSED,
        DocStatus.NOT_APPROVED,
        DocStatus.DEFERRED,
        DocStatus.DELIBERATED,
        DocStatus.NUMBERED,
    }
)
PUBLISHED_STATES = frozenset({DocStatus.PUBLISHED, DocStatus.IN_FORCE})
ENDED_STATES = frozenset(
    {DocStatus.AMENDED, DocStatus.REPEALED, DocStatus.INVALID, DocStatus.EXPIRED, DocStatus.WITHDRAWN}
)
# A document that reached publication keeps its filing obligation even after it ends.
EVER_PUBLISHED = PUBLISHED_STATES | {DocStatus.AMENDED, DocStatus.REPEALED, DocStatus.INVALID, DocStatus.EXPIRED}
