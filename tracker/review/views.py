"""The review desk, submission, the worksheet, answers, public comment, procedures and deliberation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.forms import expected_version
from tracker.common.fragments import remembered_part
from tracker.common.inputs import bounded_int
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt, form_errors, notify, posted, refusal_page, validated
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.files.uploads import read_upload
from tracker.review import clauses, queries, services
from tracker.review.export import review_desk_response
from tracker.review.forms import (
    AcceptForm,
    AnswerForm,
    CloseConsultationForm,
    CommentForm,
    ConcludeForm,
    ConsultationForm,
    DeliberationForm,
    DismissFlagForm,
    ExtendForm,
    FindingForm,
    PointsForm,
    ProcedureForm,
    ReturnForm,
    SubmitForm,
)
from tracker.review.lawcheck import law_flags
from tracker.review.models import (
    DeliberationDecision,
    Disposition,
    Finding,
    FindingResponse,
    FlagState,
    PointResult,
    PrecheckFlag,
    ProcedureKind,
    ReviewPoint,
)
from tracker.review.packet import missing_materials
from tracker.review.related import related_in_force
from tracker.rules.conclusions import active_conclusions
from tracker.rules.ruleset import get_rule
from tracker.workflow.service import allows

bp = Blueprint("review", __name__, url_prefix="/review")


def _doc(doc_id: int, permission: str = "document.view") -> Document:
    doc = db.get_or_404(Document, doc_id)
    if not may(current_user, permission, doc):
        abort(403)
    return doc


def _back(doc: Document, anchor: str | None = None):
    return redirect(url_for("register.show", doc_id=doc.id, _anchor=anchor))


@bp.get("/")
def desk():
    if not may(current_user, "review"):
        abort(403)
    mine = request.args.get("mine") == "1"
    now = now_utc()
    reviewer_id = current_user.id if mine else None

    # The rows show records and working days left: remembered per list and day until the next write (common/stamp).
    rows_html = remembered_part(
        ("review.desk", reviewer_id, office_today(now)),
        "review/_desk_rows.html",
        lambda: {"rows": queries.desk(now=now, reviewer_id=reviewer_id)},
    )
    return render_template("review/desk.html", rows_html=rows_html, mine=mine)


@bp.route("/documents/<int:doc_id>/submit", methods=["GET", "POST"])
def submit(doc_id: int):
    doc = _doc(doc_id, "draft")
    form = SubmitForm()
    if request.method == "GET":
        form.received_on.data = office_today(now_utc())
    if form.validate_on_submit():
        with attempt("已送交司法所审查。") as done:
            services.submit_for_review(doc, actor=current_user, now=now_utc(), received_on=form.received_on.data)
        if done:
            return _back(doc)
    return render_template(
        "review/submit.html",
        doc=doc,
        form=form,
        missing=missing_materials(doc),
        checklist=queries.checklist(doc),
        law_flags=law_flags(doc),
    )


@bp.route("/documents/<int:doc_id>/accept", methods=["GET", "POST"])
def accept(doc_id: int):
    doc = _doc(doc_id, "review")
    form = AcceptForm()
    form.reviewer_id.choices = [(u.id, u.display_name) for u in queries.reviewers()]
    if request.method == "GET":
        form.reviewer_id.data = current_user.id
    if form.validate_on_submit():
        with attempt("已受理，审查期限开始计算。") as done:
            services.accept(doc, actor=current_user, now=now_utc(), reviewer_id=form.reviewer_id.data)
        if done:
            return redirect(url_for("review.conclude", doc_id=doc.id))
    return render_template(
        "review/accept.html",
        doc=doc,
        form=form,
        return_form=ReturnForm(),
        checklist=queries.checklist(doc),
        current=services.latest_round(doc),
    )


@bp.post("/documents/<int:doc_id>/return")
def return_packet(doc_id: int):
    doc = _doc(doc_id, "review")
    refusal_page("review.accept", doc_id=doc.id)
    form = validated(ReturnForm())
    services.return_packet(doc, actor=current_user, now=now_utc(), note=form.note.data)
    notify("已退回起草单位补充材料。")
    return _back(doc)


def _points_formdata():
    """The posted points; with “其余全部符合” every point left undecided becomes 符合, the decided ones stay."""
    if request.form.get("fill") != "complies":
        return None
    data = request.form.copy()
    for point in ReviewPoint:
        key = f"p-result_{point.value}"
        if not data.get(key):
            data[key] = PointResult.COMPLIES.value
    return data


def _worksheet_forms(rnd):
    filled = _points_formdata() if request.form.get("form") == "points" else None
    points = PointsForm(formdata=filled, prefix="p") if filled is not None else PointsForm(prefix="p")
    # A new round starts from the previous round's worksheet: the reviewer checks what changed, not all nine again.
    by_point = {p.point: p for p in (rnd.points or services.previous_points(rnd))}
    if not posted() or request.form.get("form") != "points":
        points.version_id.data = str(rnd.version_id)
        for point in ReviewPoint:
            row = by_point.get(point)
            getattr(points, f"result_{point.value}").data = row.result.value if row else ""
            getattr(points, f"note_{point.value}").data = row.note if row else ""
    conclude_form = ConcludeForm(prefix="c")
    conclude_form.conclusion_id.choices = [(0, "—请选择审查结论—"), *((c.id, c.label) for c in active_conclusions())]
    if not conclude_form.is_submitted():
        conclude_form.conclusion_id.data = 0
    return points, conclude_form


@bp.route("/documents/<int:doc_id>/worksheet", methods=["GET", "POST"])
def conclude(doc_id: int):
    """The review worksheet of the current round: points, findings, extension, conclusion and opinion."""
    doc = _doc(doc_id)
    rnd = services.latest_round(doc)
    if rnd is None:
        abort(404)
    points_form, conclude_form = _worksheet_forms(rnd)
    finding_form, extend_form = FindingForm(prefix="f"), ExtendForm(prefix="e")
    extend_form.days.render_kw = {"max": get_rule("review_extension").value}
    which = request.form.get("form")
    now = now_utc()
    if posted():
        if not may(current_user, "review", doc):
            abort(403)
        if which not in ("points", "finding", "extend", "conclude"):
            abort(400)
        form = {"points": points_form, "finding": finding_form, "extend": extend_form, "conclude": conclude_form}[which]
        if not form.validate():
            flash("请检查填写的内容：" + form_errors(form), "danger")
        elif which == "points":
            results = {
                p: (
                    PointResult(getattr(points_form, f"result_{p.value}").data),
                    getattr(points_form, f"note_{p.value}").data or "",
                )
                for p in ReviewPoint
            }
            expected = expected_version(points_form.version_id)
            with attempt("审查要点已保存。") as done:
                services.save_points(rnd, actor=current_user, now=now, results=results, expected_version=expected)
            if done:
                return redirect(url_for("review.conclude", doc_id=doc.id))
        elif which == "finding":
            with attempt("已添加审查意见。") as done:
                services.add_finding(
                    rnd,
                    actor=current_user,
                    now=now,
                    clause=finding_form.clause.data,
                    problem=finding_form.problem.data,
                    legal_basis=finding_form.legal_basis.data,
                    suggestion=finding_form.suggestion.data,
                    unit_key=finding_form.unit_key.data or "",
                    flag_id=bounded_int(finding_form.flag_id.data),
                )
            if done:
                return redirect(url_for("review.conclude", doc_id=doc.id, _anchor="findings"))
        elif which == "extend":
            with attempt("审查期限已延长。") as done:
                services.extend(
                    rnd, actor=current_user, now=now, days=extend_form.days.data, reason=extend_form.reason.data
                )
            if done:
                return redirect(url_for("review.conclude", doc_id=doc.id))
        else:
            with attempt("审查意见书已出具。") as done:
                opinion = services.issue_opinion(
                    doc,
                    actor=current_user,
                    now=now,
                    conclusion_id=conclude_form.conclusion_id.data,
                    summary=conclude_form.summary.data,
                    addressee=conclude_form.addressee.data,
                )
            if done:
                notify(f"审查意见书编号：{opinion.number}", "info")
                return _back(doc, "review")
        rnd = services.latest_round(doc)
    summary = queries.review_summary(doc, current_user, now=now)
    desk = _text_desk(doc, rnd, finding_form, can_review=summary["can_review"])
    return render_template(
        "review/worksheet.html",
        **desk,
        doc=doc,
        rnd=rnd,
        points_form=points_form,
        finding_form=finding_form,
        extend_form=extend_form,
        conclude_form=conclude_form,
        review=summary,
        points=list(ReviewPoint),
        extension_rule=get_rule("review_extension"),
        law_flags=law_flags(doc) if summary["can_review"] else [],
    )


def _text_desk(doc: Document, rnd, finding_form: FindingForm, *, can_review: bool) -> dict:
    """The version under review read into clauses, its pre-check flags, a finding started from a clause or a flag
    (?unit=KEY or ?flag=ID prefill the form), and what became of the previous round's findings."""
    structure = clauses.structure_of(clauses.reviewed_version(rnd))
    flags = clauses.flags_of(rnd)
    chosen = None
    if can_review and structure is not None and not posted():
        flag = next((f for f in flags if f.id == bounded_int(request.args.get("flag"))), None)
        if flag is not None and flag.state is FlagState.OPEN:
            finding_form.flag_id.data = str(flag.id)
            finding_form.problem.data = f"{flag.label}：{flag.why}（触发词语：{flag.words}）"
        key = flag.unit_key if flag is not None else request.args.get("unit", "")[:40]
        chosen = structure.unit(key) if key else None
        if chosen is not None:
            finding_form.unit_key.data, finding_form.clause.data = chosen.key, chosen.ref
    elif finding_form.unit_key.data and structure is not None:
        chosen = structure.unit(finding_form.unit_key.data)
    previous = clauses.previous_round(doc, rnd)
    return {
        "text_rows": clauses.text_panel(rnd, structure, flags) if structure is not None else [],
        "text_form": structure.form if structure is not None else None,
        "text_version": clauses.reviewed_version(rnd),
        "flags": flags,
        "open_flags": [f for f in flags if f.state is FlagState.OPEN],
        "whole_text_flags": [f for f in flags if not f.unit_key],
        "chosen": chosen,
        "dismiss_forms": {f.id: DismissFlagForm(prefix=f"x{f.id}") for f in flags if f.state is FlagState.OPEN},
        "previous": previous,
        "previous_traces": clauses.traces(previous.findings, structure) if previous is not None else [],
        "related": related_in_force(doc) if can_review else [],
    }


@bp.post("/flags/<int:flag_id>/dismiss")
def dismiss_flag(flag_id: int):
    """Rule a pre-check flag out, with the reason (the flag and the reason are kept)."""
    flag = db.get_or_404(PrecheckFlag, flag_id)
    doc = _doc(flag.round.document_id, "review")
    refusal_page("review.conclude", where=f"flag-{flag.id}", doc_id=doc.id)
    form = validated(DismissFlagForm(prefix=f"x{flag.id}"))
    services.dismiss_flag(flag, actor=current_user, now=now_utc(), reason=form.reason.data)
    notify(f"已排除预检提示（{flag.ref}，{flag.label}）。")
    return redirect(url_for("review.conclude", doc_id=doc.id, _anchor=f"u-{flag.unit_key or 'whole'}"))


@bp.post("/documents/<int:doc_id>/precheck")
def rerun_precheck(doc_id: int):
    """Read the version under review again with the rules in force now."""
    doc = _doc(doc_id, "review")
    rnd = services.latest_round(doc)
    if rnd is None:
        abort(404)
    refusal_page("review.conclude", where="precheck", doc_id=doc.id)
    count = services.rerun_precheck(rnd, actor=current_user, now=now_utc())
    notify(f"已按现行预检规则重新预检，待处理提示 {count} 条。")
    return redirect(url_for("review.conclude", doc_id=doc.id, _anchor="text"))


@bp.post("/findings/<int:finding_id>/delete")
def delete_finding(finding_id: int):
    finding = db.get_or_404(Finding, finding_id)
    doc = _doc(finding.round.document_id, "review")
    refusal_page("review.conclude", doc_id=doc.id)
    services.delete_finding(finding, actor=current_user, now=now_utc())
    notify("已删除该条审查意见。")
    return redirect(url_for("review.conclude", doc_id=doc.id, _anchor="findings"))


@bp.route("/documents/<int:doc_id>/answers", methods=["GET", "POST"])
def answers(doc_id: int):
    doc = _doc(doc_id)
    rnd = services.latest_round(doc)
    if rnd is None:
        abort(404)
    if posted():
        if not may(current_user, "draft", doc):
            abort(403)
        finding_id = bounded_int(request.form.get("finding_id"))
        if finding_id is None:
            abort(400)
        finding = db.get_or_404(Finding, finding_id)
        form = AnswerForm(prefix=f"a{finding.id}")
        if finding.round_id != rnd.id:
            abort(404)
        if form.validate():
            with attempt("答复已保存。") as done:
                services.answer_finding(
                    finding,
                    actor=current_user,
                    now=now_utc(),
                    response=FindingResponse(form.response.data),
                    reason=form.reason.data or "",
                )
            if done:
                return redirect(url_for("review.answers", doc_id=doc.id))
        else:
            flash(form_errors(form), "danger")
        rnd = services.latest_round(doc)
    forms = {}
    for f in rnd.findings:
        form = AnswerForm(prefix=f"a{f.id}")
        if not posted() or bounded_int(request.form.get("finding_id")) != f.id:
            form.response.data = f.response.value if f.response else FindingResponse.ADOPTED.value
            form.reason.data = f.response_reason
        forms[f.id] = form
    return render_template(
        "review/answers.html", doc=doc, rnd=rnd, forms=forms, can_answer=may(current_user, "draft", doc)
    )


@bp.route("/documents/<int:doc_id>/consultation", methods=["GET", "POST"])
def consultation(doc_id: int):
    doc = _doc(doc_id)
    existing = queries.latest_consultation(doc)
    form = ConsultationForm(prefix="w", obj=existing)
    comment_form = CommentForm(prefix="m")
    which = request.form.get("form")
    if posted():
        if not may(current_user, "document.edit", doc):
            abort(403)
        if which not in ("window", "comment"):
            abort(400)
        if which == "window" and form.validate():
            with attempt("征求意见信息已保存。") as done:
                services.save_consultation(
                    doc,
                    existing if existing is not None and existing.closed_on is None else None,
                    actor=current_user,
                    now=now_utc(),
                    channel=form.channel.data,
                    url=form.url.data,
                    start_on=form.start_on.data,
                    end_on=form.end_on.data,
                    short_reason=form.short_reason.data,
                    summary=form.summary.data or "",
                    dates_confirmed=form.dates_confirmed.data,
                )
            if done:
                return redirect(url_for("review.consultation", doc_id=doc.id))
        elif which == "comment" and existing is not None and comment_form.validate():
            with attempt("意见已登记。") as done:
                services.add_comment(
                    existing,
                    actor=current_user,
                    now=now_utc(),
                    commenter=comment_form.commenter.data or "",
                    content=comment_form.content.data,
                    received_on=comment_form.received_on.data,
                    disposition=Disposition(comment_form.disposition.data),
                    reason=comment_form.reason.data or "",
                )
            if done:
                return redirect(url_for("review.consultation", doc_id=doc.id, _anchor="comments"))
    close_form = CloseConsultationForm(prefix="x")
    if not close_form.is_submitted():
        close_form.closed_on.data = office_today(now_utc())
    if existing is not None and existing.closed_on is not None and not form.is_submitted():
        form = ConsultationForm(prefix="w", formdata=None)  # the closed window stays as recorded; a new one may follow
    return render_template(
        "review/consultation.html",
        doc=doc,
        form=form,
        comment_form=comment_form,
        close_form=close_form,
        consultation=existing,
        rule=get_rule("comment_min"),
        can_edit=may(current_user, "document.edit", doc),
        can_close=may(current_user, "draft", doc) and allows(doc, "close_consultation"),
    )


@bp.post("/documents/<int:doc_id>/consultation/close")
def close_consultation(doc_id: int):
    """结束征求意见 with the real closing date; before the announced end, with the reason."""
    doc = _doc(doc_id, "draft")
    refusal_page("review.consultation", doc_id=doc.id)
    form = validated(CloseConsultationForm(prefix="x"))
    services.close_consultation(
        doc, actor=current_user, now=now_utc(), closed_on=form.closed_on.data, reason=form.reason.data or ""
    )
    notify("征求意见已结束，实际起止日期已记录。")
    return redirect(url_for("review.consultation", doc_id=doc.id))


@bp.post("/documents/<int:doc_id>/consultation/record")
def comment_record(doc_id: int):
    """(Re)make the 征求意见及采纳情况 material from the comments recorded (e.g. after a late comment)."""
    doc = _doc(doc_id, "document.edit")
    consultation = queries.latest_consultation(doc)
    if consultation is None:
        abort(404)
    refusal_page("review.consultation", doc_id=doc.id)
    services.comment_record(doc, consultation, actor=current_user, now=now_utc())
    notify("已生成《征求意见及采纳情况》，列入送审材料。")
    return redirect(url_for("review.consultation", doc_id=doc.id))


@bp.route("/documents/<int:doc_id>/procedures", methods=["GET", "POST"])
def procedures(doc_id: int):
    doc = _doc(doc_id)
    if posted():
        if not may(current_user, "document.edit", doc):
            abort(403)
        form = ProcedureForm()
        try:
            kind = ProcedureKind(form.kind.data)
        except ValueError:
            abort(400)
        if not form.validate():
            flash(form_errors(form), "danger")
        else:
            with attempt(f"{kind.label}情况已保存。") as done:
                services.record_procedure(
                    doc,
                    kind,
                    actor=current_user,
                    now=now_utc(),
                    applicable=form.applicable.data,
                    conclusion=form.conclusion.data or "",
                    record=read_upload(form.record.data, required=False),
                )
            if done:
                return redirect(url_for("review.procedures", doc_id=doc.id))
    summary = queries.review_summary(doc, current_user, now=now_utc())
    existing = {p.kind: p for p in summary["procedures"]}
    forms = {}
    for kind in ProcedureKind:
        f = ProcedureForm(formdata=None, prefix="")
        f.kind.data = kind.value
        if kind in existing:
            f.applicable.data, f.conclusion.data = existing[kind].applicable, existing[kind].conclusion
        forms[kind] = f
    return render_template(
        "review/procedures.html",
        doc=doc,
        forms=forms,
        existing=existing,
        kinds=list(ProcedureKind),
        can_edit=may(current_user, "document.edit", doc),
    )


@bp.route("/documents/<int:doc_id>/deliberate", methods=["GET", "POST"])
def deliberate(doc_id: int):
    doc = _doc(doc_id, "office")
    form = DeliberationForm()
    if request.method == "GET":
        form.held_on.data = office_today(now_utc())
    if form.validate_on_submit():
        with attempt("集体审议结果已登记。") as done:
            services.record_deliberation(
                doc,
                actor=current_user,
                now=now_utc(),
                meeting_name=form.meeting_name.data,
                held_on=form.held_on.data,
                decision=DeliberationDecision(form.decision.data),
                note=form.note.data or "",
                minutes=read_upload(form.minutes.data, required=False),
            )
        if done:
            return _back(doc)
    # Opinions not adopted in any round must be explained to the deliberating body (docs/rules.md §2 stage 9).
    not_adopted = [
        f
        for rnd in services.rounds_of(doc)
        for f in rnd.findings
        if f.response is not None and f.response is not FindingResponse.ADOPTED
    ]
    return render_template(
        "review/deliberate.html",
        doc=doc,
        form=form,
        current=services.latest_round(doc),
        not_adopted=not_adopted,
        unanswered=services.unanswered(services.latest_round(doc)),
        passing=allows(doc, "approve_deliberation"),
    )


@bp.get("/export.xlsx")
def desk_export():
    """The review desk as .xlsx (the same rows as the page)."""
    if not may(current_user, "review"):
        abort(403)
    now = now_utc()
    return review_desk_response(queries.desk(now=now), today=office_today(now))
