"""The register of drafts for comment from higher levels."""

from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from tracker.auth.models import Role, Unit, User
from tracker.auth.permissions import may
from tracker.common.timeutil import now_utc, office_today
from tracker.common.views import attempt as _attempt
from tracker.errors import DomainError
from tracker.extensions import db
from tracker.files.uploads import DOCX_TYPE
from tracker.solicitations import services
from tracker.solicitations import word as solicitations_word
from tracker.solicitations.forms import ReplyForm, SentForm, SolicitationForm
from tracker.solicitations.models import Solicitation, SolicitationPhase

bp = Blueprint("solicitations", __name__, url_prefix="/solicitations")


def _replying_units():
    units = db.session.scalars(
        sa.select(Unit).where(Unit.active.is_(True), Unit.kind.in_(services.REPLYING_KINDS)).order_by(Unit.id)
    ).all()
    return [(0, "（镇人民政府）")] + [(u.id, u.name) for u in units]


def _assignees():
    users = db.session.scalars(
        sa.select(User)
        .where(User.active.is_(True), User.role.in_([Role.REVIEWER, Role.CLERK]))
        .order_by(User.display_name)
    ).all()
    return [(0, "（未指定）")] + [(u.id, f"{u.display_name}（{u.role.label}）") for u in users]


@bp.get("/")
def index():
    if not may(current_user, "solicitation.view"):
        abort(403)
    year = request.args.get("year", type=int) or office_today(now_utc()).year
    rows = db.session.scalars(
        sa.select(Solicitation)
        .where(sa.extract("year", Solicitation.received_on) == year)
        .order_by(
            Solicitation.phase.in_([SolicitationPhase.SENT, SolicitationPhase.NO_COMMENT]), Solicitation.reply_due_on
        )
    ).all()
    return render_template(
        "solicitations/index.html",
        rows=rows,
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
        result = {}
        if _attempt(
            lambda: result.setdefault(
                "s",
                services.register(
                    actor=current_user,
                    now=now_utc(),
                    from_body=form.from_body.data,
                    title=form.title.data,
                    reference=form.reference.data,
                    received_on=form.received_on.data,
                    reply_due_on=form.reply_due_on.data,
                    assignee_id=form.assignee_id.data or None,
                ),
            ),
            "已登记。",
        ):
            return redirect(url_for("solicitations.show", sol_id=result["s"].id))
    return render_template("solicitations/new.html", form=form)


@bp.route("/<int:sol_id>", methods=["GET", "POST"])
def show(sol_id: int):
    if not may(current_user, "solicitation.view"):
        abort(403)
    sol = db.get_or_404(Solicitation, sol_id)
    reply_form, sent_form = ReplyForm(prefix="r"), SentForm(prefix="s")
    reply_form.assignee_id.choices = _assignees()
    reply_form.reply_unit_id.choices = _replying_units()
    if request.method == "GET" or request.form.get("form") != "reply":
        reply_form.reply_text.data, reply_form.assignee_id.data = sol.reply_text, sol.assignee_id or 0
        reply_form.reply_unit_id.data = sol.reply_unit_id or 0
        reply_form.version_id.data = str(sol.version_id)
    if request.method == "GET":
        sent_form.sent_on.data = office_today(now_utc())
    if request.method == "POST":
        if not may(current_user, "solicitation"):
            abort(403)
        if request.form.get("form") == "reply" and reply_form.validate():
            expected = int(reply_form.version_id.data) if (reply_form.version_id.data or "").isdigit() else None
            if _attempt(
                lambda: services.save_reply(
                    sol,
                    actor=current_user,
                    now=now_utc(),
                    reply_text=reply_form.reply_text.data or "",
                    assignee_id=reply_form.assignee_id.data or None,
                    expected_version=expected,
                    reply_unit_id=reply_form.reply_unit_id.data or None,
                ),
                "答复意见已保存。",
            ):
                return redirect(url_for("solicitations.show", sol_id=sol.id))
        elif request.form.get("form") == "reply":
            flash("；".join(e for errs in reply_form.errors.values() for e in errs), "danger")
        elif request.form.get("form") == "sent" and sent_form.validate():
            if _attempt(
                lambda: services.mark_sent(
                    sol,
                    actor=current_user,
                    now=now_utc(),
                    sent_on=sent_form.sent_on.data,
                    method=sent_form.method.data,
                    no_comment=sent_form.no_comment.data,
                ),
                "已登记答复。",
            ):
                return redirect(url_for("solicitations.show", sol_id=sol.id))
        sol = db.session.get(Solicitation, sol_id)
    return render_template(
        "solicitations/show.html",
        sol=sol,
        reply_form=reply_form,
        sent_form=sent_form,
        can_edit=may(current_user, "solicitation")
        and sol.phase in (SolicitationPhase.REGISTERED, SolicitationPhase.DRAFTING),
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
    try:
        rendered = solicitations_word.render_comment_reply(sol, now=now_utc())
    except DomainError as exc:
        flash(exc.message, "danger")
        return redirect(url_for("solicitations.show", sol_id=sol.id))
    return send_file(io.BytesIO(rendered.data), mimetype=DOCX_TYPE, as_attachment=True, download_name=rendered.filename)
