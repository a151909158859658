"""The clerk's filing pages: packet and export, submission, result."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.downloads import attachment
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt, notify, posted, refusal_page, validated
from tracker.documents.models import Document
from tracker.extensions import db
from tracker.filing import guards, services
from tracker.filing.forms import FilingResultForm, ReviewExtensionForm, SubmitFilingForm
from tracker.filing.models import FilingResult
from tracker.filing.packet import GENERATED
from tracker.rules.ruleset import get_rule

bp = Blueprint("filing", __name__, url_prefix="/filing")


def _doc(doc_id: int, permission: str) -> Document:
    doc = db.get_or_404(Document, doc_id)
    if not may(current_user, permission, doc):
        abort(403)
    return doc


@bp.route("/documents/<int:doc_id>/submit", methods=["GET", "POST"])
def submit(doc_id: int):
    doc = _doc(doc_id, "office")
    form = SubmitFilingForm()
    online = services.bureau_online(doc)
    if request.method == "GET":
        form.submitted_on.data = office_today(now_utc())
        form.channel.data = "online" if online else "other"
    refused = False  # after a refusal the notice only links the missing materials: the reason is said once
    if form.validate_on_submit():
        with attempt("已登记报送备案。") as done:
            services.submit(
                doc,
                actor=current_user,
                now=now_utc(),
                submitted_on=form.submitted_on.data,
                method=form.method.data or "",
                system_ref=form.system_ref.data or "",
                in_product=form.channel.data == "online",
            )
        if done:
            return redirect(url_for("register.show", doc_id=doc.id, _anchor="filing"))
        refused = True
    return render_template(
        "filing/submit.html",
        doc=doc,
        form=form,
        refused=refused,
        online=online,
        summary=services.filing_summary(doc, today=office_today(now_utc())),
        generated=GENERATED,
    )


@bp.route("/documents/<int:doc_id>/result", methods=["GET", "POST"])
def result(doc_id: int):
    doc = _doc(doc_id, "office")
    form = FilingResultForm()
    extension_form = ReviewExtensionForm(prefix="ext")
    if request.method == "GET":
        extension_form.notified_on.data = office_today(now_utc())
        form.result_on.data = office_today(now_utc())
        action_result = {
            "filing_registered": FilingResult.REGISTERED,
            "filing_correction": FilingResult.CORRECTION,
            "filing_not_accepted": FilingResult.NOT_ACCEPTED,
            "filing_correction_ordered": FilingResult.CORRECTION_ORDERED,
        }.get(request.args.get("action"))
        if action_result:
            form.result.data = action_result.value
    if posted() and form.validate_on_submit():
        with attempt("已登记备案审查结果。") as done:
            services.record_result(
                doc,
                actor=current_user,
                now=now_utc(),
                result=FilingResult(form.result.data),
                result_on=form.result_on.data,
                note=form.note.data or "",
                correction_due_on=form.correction_due_on.data,
            )
        if done:
            return redirect(url_for("register.show", doc_id=doc.id, _anchor="filing"))
    return render_template(
        "filing/result.html",
        doc=doc,
        form=form,
        extension_form=extension_form,
        summary=services.filing_summary(doc, today=office_today(now_utc())),
        extension_rule=get_rule("filing_review_extension"),
        # Filed here: the bureau answers on its desk, the clerk records nothing.
        answered_here=guards.filed_elsewhere(doc, office_today(now_utc())),
    )


@bp.post("/documents/<int:doc_id>/review-extension")
def extend_review(doc_id: int):
    """备案审查机关通知延长审查期限: the city's answer is then due later, and the chase alert follows."""
    doc = _doc(doc_id, "office")
    refusal_page("filing.result", where="review-extension", doc_id=doc.id)
    form = validated(ReviewExtensionForm(prefix="ext"))
    due = services.record_review_extension(
        doc, actor=current_user, now=now_utc(), notified_on=form.notified_on.data, note=form.note.data or ""
    )
    notify(f"已登记备案审查延期，答复期限延至 {due.isoformat()}。")
    return redirect(url_for("register.show", doc_id=doc.id, _anchor="filing"))


@bp.get("/documents/<int:doc_id>/packet.zip")
def export(doc_id: int):
    doc = _doc(doc_id, "office")
    with attempt() as done:
        data, name = services.export_packet(doc)
    if not done:
        return redirect(url_for("register.show", doc_id=doc.id, _anchor="filing"))
    return Response(
        data,
        mimetype="application/zip",
        headers={"Content-Disposition": attachment(name, "packet.zip")},
    )
