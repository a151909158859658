"""The register of drafts for comment from higher levels."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from tracker.auth.permissions import may
from tracker.common.forms import expected_version
from tracker.common.inputs import MAX_DATE, MIN_DATE, bounded_int
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt, form_errors, posted
from tracker.extensions import db
from tracker.files.uploads import DOCX_TYPE
from tracker.solicitations import queries, services
from tracker.solicitations import word as solicitations_word
from tracker.solicitations.forms import ReplyForm, SentForm, SolicitationForm
from tracker.solicitations.models import Solicitation
from tracker.solicitations.phases import SOLICITATION

bp = Blueprint("solicitations", __name__, url_prefix="/solicitations")


def _replying_units():
    return [(0, "（镇人民政府）")] + [(u.id, u.name) for u in queries.replying_units()]


def _assignees():
    return [(0, "（未指定）")] + [(u.id, f"{u.display_name}（{u.role.label}）") for u in queries.handlers()]


@bp.get("/")
def index():
    if not may(current_user, "solicitation.view"):
        abort(403)
    year = bounded_int(request.args.get("year"), low=MIN_DATE.year, high=MAX_DATE.year) or office_today(now_utc()).year
    return render_template(
        "solicitations/index.html",
        rows=queries.received_in(year),
        year=year,
        today=office_today(now_utc()),
        can_edit=may(current_user, "solicitation"),
    )


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not may(current_user, "solicitation"):
        abort(403)
    form = SolicitationForm()
    form.assignee_id.choices = _assignees()
    if request.method == "GET":
        form.received_on.data = office_today(now_utc())
    if form.validate_on_submit():
        with attempt("已登记。") as done:
            sol = services.register(
                actor=current_user,
                now=now_utc(),
                from_body=form.from_body.data,
                title=form.title.data,
                reference=form.reference.data,
                received_on=form.received_on.data,
                reply_due_on=form.reply_due_on.data,
                assignee_id=form.assignee_id.data or None,
            )
        if done:
            return redirect(url_for("solicitations.show", sol_id=sol.id))
    return render_template("solicitations/new.html", form=form)


@bp.route("/<int:sol_id>", methods=["GET", "POST"])
def show(sol_id: int):
    if not may(current_user, "solicitation.view"):
        abort(403)
    sol = db.get_or_404(Solicitation, sol_id)
    reply_form, sent_form = ReplyForm(prefix="r"), SentForm(prefix="s")
    reply_form.assignee_id.choices = _assignees()
    reply_form.reply_unit_id.choices = _replying_units()
    if not posted() or request.form.get("form") != "reply":
        reply_form.reply_text.data, reply_form.assignee_id.data = sol.reply_text, sol.assignee_id or 0
        reply_form.reply_unit_id.data = sol.reply_unit_id or 0
        reply_form.version_id.data = str(sol.version_id)
    if request.method == "GET":
        sent_form.sent_on.data = office_today(now_utc())
    if posted():
        if not may(current_user, "solicitation"):
            abort(403)
        if request.form.get("form") == "reply" and reply_form.validate():
            expected = expected_version(reply_form.version_id)
            with attempt("答复意见已保存。") as done:
                services.save_reply(
                    sol,
                    actor=current_user,
                    now=now_utc(),
                    reply_text=reply_form.reply_text.data or "",
                    assignee_id=reply_form.assignee_id.data or None,
                    expected_version=expected,
                    reply_unit_id=reply_form.reply_unit_id.data or None,
                )
            if done:
                return redirect(url_for("solicitations.show", sol_id=sol.id))
        elif request.form.get("form") == "reply":
            flash(form_errors(reply_form), "danger")
        elif request.form.get("form") == "sent" and sent_form.validate():
            with attempt("已登记答复。") as done:
                services.mark_sent(
                    sol,
                    actor=current_user,
                    now=now_utc(),
                    sent_on=sent_form.sent_on.data,
                    method=sent_form.method.data,
                    no_comment=sent_form.no_comment.data,
                )
            if done:
                return redirect(url_for("solicitations.show", sol_id=sol.id))
    steps = {a.name for a in SOLICITATION.available(sol, current_user, now=now_utc())}
    return render_template(
        "solicitations/show.html",
        sol=sol,
        reply_form=reply_form,
        sent_form=sent_form,
        # The reply is edited and its sending recorded while the table offers those steps to this user.
        can_edit="reply" in steps,
        can_send=bool(steps & {"sent", "no_comment"}),
        can_download_reply=solicitations_word.has_reply(sol) and may(current_user, "solicitation"),
        reply_versions=solicitations_word.versions(sol) if may(current_user, "solicitation") else [],
    )


@bp.get("/<int:sol_id>/reply.docx")
def reply_docx(sol_id: int):
    """The reply as a Word letter (关于《…》的意见): the letter as sent once it is, else a draft from the saved text."""
    if not may(current_user, "solicitation"):
        abort(403)
    sol = db.get_or_404(Solicitation, sol_id)
    sent = solicitations_word.versions(sol)
    if sent:
        return redirect(url_for("outputs.download", gen_id=sent[0].id))
    with attempt() as done:
        rendered = solicitations_word.render_comment_reply(sol, now=now_utc())
    if not done:
        return redirect(url_for("solicitations.show", sol_id=sol.id))
    return send_file(io.BytesIO(rendered.data), mimetype=DOCX_TYPE, as_attachment=True, download_name=rendered.filename)
