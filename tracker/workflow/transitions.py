"""The transition table: every move of a document's lifecycle, declared once with its permission and guard."""

from __future__ import annotations

from tracker.documents.states import EVER_PUBLISHED, DocStatus, FilingStatus
from tracker.workflow.machine import Transition

S = DocStatus
F = FilingStatus


def _t(name, label, sources, target, permission, **kw) -> Transition:
    field = "filing_status" if isinstance(target, FilingStatus) else "status"
    return Transition(name, label, frozenset(sources), target, permission, field=field, **kw)


_BEFORE_DELIBERATION = {
    S.DRAFTING,
    S.CONSULTING,
    S.SUBMITTED,
    S.UNDER_REVIEW,
    S.RETURNED,
    S.PASSED,
    S.NOT_APPROVED,
    S.DEFERRED,
}
_FILING_OPEN = {F.NOT_SUBMITTED, F.CORRECTION, F.CORRECTION_ORDERED, F.NOT_ACCEPTED, F.PACKET_RETURNED}

# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # Drafting and public comment (docs/rules.md §2 stages 1–5)
    _t("start_consultation", "开始公开征求意见", {S.DRAFTING}, S.CONSULTING, "draft",
       guard="has_open_consultation"),
    # The real closing date (and, before the announced end, the reason) is entered on the consultation page.
    _t("close_consultation", "结束征求意见", {S.CONSULTING}, S.DRAFTING, "draft", page="review.consultation"),
    # Submission and legality review (stages 6–9)
    _t("submit_for_review", "送交合法性审查", {S.DRAFTING, S.RETURNED}, S.SUBMITTED, "draft",
       guard="ready_to_submit", page="review.submit"),
    _t("return_packet", "材料不全，退回补充", {S.SUBMITTED}, S.RETURNED, "review", needs_note=True,
       page="review.accept", style="warning"),
    _t("accept_for_review", "受理并分配审查人", {S.SUBMITTED}, S.UNDER_REVIEW, "review", page="review.accept"),
    _t("conclude_pass", "审查通过", {S.UNDER_REVIEW}, S.PASSED, "review",
       guard="conclusion_is_pass", page="review.conclude", style="success"),
    _t("conclude_return", "退回修改", {S.UNDER_REVIEW}, S.RETURNED, "review",
       guard="conclusion_is_return", page="review.conclude", style="warning"),
    _t("conclude_reject", "不同意出台", {S.UNDER_REVIEW}, S.NOT_APPROVED, "review",
       guard="conclusion_is_reject", page="review.conclude", style="danger"),
    _t("conclude_defer", "暂缓出台", {S.UNDER_REVIEW}, S.DEFERRED, "review",
       guard="conclusion_is_defer", page="review.conclude", style="secondary"),
    _t("resume_drafting", "重新起草", {S.NOT_APPROVED, S.DEFERRED}, S.DRAFTING, "draft"),
    _t("withdraw", "撤回", _BEFORE_DELIBERATION, S.WITHDRAWN, "draft", needs_note=True, style="danger"),
    # Collective deliberation (stage 10): forbidden without a passing review (国办发〔2018〕37号).
    _t("approve_deliberation", "集体审议通过", {S.PASSED}, S.DELIBERATED, "office",
       guard="latest_review_passed", page="review.deliberate", style="success"),
    _t("deliberation_revise", "审议要求修改", {S.PASSED}, S.RETURNED, "office", needs_note=True,
       page="review.deliberate", style="warning"),
    _t("deliberation_reject", "审议不予通过", {S.PASSED}, S.NOT_APPROVED, "office", needs_note=True,
       page="review.deliberate", style="danger"),
    # Signing, numbering, publication, entry into force (stages 11–13)
    _t("register_and_number", "签发登记编号", {S.DELIBERATED}, S.NUMBERED, "office",
       guard="has_numbers", page="publication.number", guard_after_form=True),
    _t("publish", "统一发布", {S.NUMBERED}, S.PUBLISHED, "office",
       guard="has_publication_date", page="publication.publish", guard_after_form=True),
    # Documents issued before the system: registered from the old Excel register in their published state.
    _t("register_existing", "补录已发布文件", {S.DRAFTING}, S.PUBLISHED, "office", guard="has_publication_date",
       internal=True),
    _t("take_effect", "开始施行", {S.PUBLISHED}, S.IN_FORCE, "system", guard="effective_date_reached",
       endpoint="publication.take_effect"),
    # Renewal after evaluation: re-registered with a new number, republished, validity restarts.
    _t("renew", "评估后重新登记发布", {S.IN_FORCE}, S.IN_FORCE, "office", guard="renewal_agreed",
       page="cleanup.renew"),
    # A renewed document is filed again under its new number.
    _t("reopen_filing", "重新登记后重新报备", {F.REGISTERED, F.CORRECTION_ORDERED, F.NOT_ACCEPTED, F.SUBMITTED,
       F.CORRECTION}, F.NOT_SUBMITTED, "office", guard="was_published", internal=True),
    # End of life (stage 18). A new document taking effect ends the ones it amends, replaces or repeals.
    _t("superseded_by_new", "被新文件修改/替代", {S.PUBLISHED, S.IN_FORCE}, S.AMENDED, "system", needs_note=True,
       style="secondary", internal=True),
    _t("repealed_by_new", "被新文件废止", {S.PUBLISHED, S.IN_FORCE}, S.REPEALED, "system", needs_note=True,
       style="secondary", internal=True),
    _t("mark_amended", "已被新文件修改", {S.PUBLISHED, S.IN_FORCE}, S.AMENDED, "office", needs_note=True,
       page="publication.end", style="secondary"),
    _t("repeal", "废止", {S.PUBLISHED, S.IN_FORCE}, S.REPEALED, "office", needs_note=True, page="publication.end",
       style="danger"),
    _t("declare_invalid", "宣布失效", {S.IN_FORCE}, S.INVALID, "office", needs_note=True, page="publication.end",
       style="danger"),
    _t("expire", "有效期届满失效", {S.IN_FORCE}, S.EXPIRED, "system", guard="validity_ended",
       endpoint="publication.expire", style="secondary"),
    # Filing with the city justice bureau (stages 14–15); the document must have been published.
    _t("submit_filing", "报送备案", _FILING_OPEN, F.SUBMITTED, "office", guard="was_published",
       page="filing.submit"),
    # The city's answer to a submission made through its own system or on paper, as the clerk records it.
    _t("filing_packet_returned", "登记：材料退回补正", {F.SUBMITTED}, F.PACKET_RETURNED, "office",
       guard="filed_elsewhere", page="filing.result", style="warning"),
    _t("filing_registered", "登记：予以备案", {F.SUBMITTED}, F.REGISTERED, "office",
       guard="filed_elsewhere", page="filing.result", style="success"),
    _t("filing_correction", "登记：暂缓登记、限期补正", {F.SUBMITTED}, F.CORRECTION, "office",
       guard="filed_elsewhere", page="filing.result", style="warning"),
    _t("filing_not_accepted", "登记：不予备案", {F.SUBMITTED}, F.NOT_ACCEPTED, "office",
       guard="filed_elsewhere", page="filing.result", style="danger"),
    _t("filing_correction_ordered", "登记：纠正意见", {F.SUBMITTED, F.REGISTERED}, F.CORRECTION_ORDERED, "office",
       guard="filed_elsewhere", page="filing.result", style="warning"),
    # The city justice bureau's 备案审查 of a submission made here (docs/rules.md §5), on its own desk: an incomplete
    # packet goes back before acceptance (受理); after it, one of the four results with its written opinion.
    _t("bureau_return_packet", "材料不全，退回补正", {F.SUBMITTED}, F.PACKET_RETURNED, "bureau",
       guard="awaits_acceptance", needs_note=True, page="bureau.filing", style="warning"),
    _t("bureau_registered", "予以备案", {F.SUBMITTED}, F.REGISTERED, "bureau",
       guard="accepted_for_review", page="bureau.filing", style="success"),
    _t("bureau_correction", "暂缓登记、限期补正", {F.SUBMITTED}, F.CORRECTION, "bureau",
       guard="accepted_for_review", needs_note=True, page="bureau.filing", style="warning"),
    _t("bureau_not_accepted", "不予备案", {F.SUBMITTED}, F.NOT_ACCEPTED, "bureau",
       guard="accepted_for_review", needs_note=True, page="bureau.filing", style="danger"),
    _t("bureau_correction_ordered", "纠正意见", {F.SUBMITTED, F.REGISTERED}, F.CORRECTION_ORDERED, "bureau",
       guard="accepted_for_review", needs_note=True, page="bureau.filing", style="warning"),
)
# fmt: on

BY_NAME: dict[str, Transition] = {t.name: t for t in TRANSITIONS}

# Filing transitions only make sense once the document reached publication.
FILING_DOC_STATES = EVER_PUBLISHED
