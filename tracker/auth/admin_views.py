"""Administration of users and units: a town's administrator keeps the town's, the city's administrator the city's."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_user

from tracker.auth import queries, services, towns
from tracker.auth.forms import UnitForm, UserForm
from tracker.auth.models import Role, Unit, UnitKind, User
from tracker.auth.permissions import may, roles_granted_by
from tracker.common.forms import expected_version, options
from tracker.common.timeutil import now_utc
from tracker.common.views import attempt
from tracker.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin():
    if not may(current_user, "people"):
        abort(403)


def _unit_choices():
    return [(u.id, u.name + ("" if u.active else "（停用）")) for u in queries.units_by_name(current_user.town_id)]


@bp.get("/users")
def users():
    return render_template("admin/users.html", users=queries.users(current_user.town_id))


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int | None = None):
    user = towns.own_or_404(db.get_or_404(User, user_id), current_user) if user_id else None
    form = UserForm(obj=user)
    form.unit_id.choices = _unit_choices()
    form.role.choices = options((r.value, r.label) for r in roles_granted_by(current_user))
    if user is not None and not form.is_submitted():
        form.role.data = user.role.value
        form.version_id.data = str(user.version_id)
    if form.validate_on_submit():
        fields = dict(
            display_name=form.display_name.data.strip(),
            role=Role(form.role.data),
            unit_id=form.unit_id.data,
            email=form.email.data,
            phone=form.phone.data,
            active=form.active.data,
        )
        with attempt("用户已保存。") as done:
            if user is None:
                user = services.create_user(
                    actor=current_user,
                    now=now_utc(),
                    username=form.username.data.strip(),
                    password=form.password.data,
                    **fields,
                )
            else:
                expected = expected_version(form.version_id)
                services.update_user(
                    user,
                    actor=current_user,
                    now=now_utc(),
                    expected_version=expected,
                    password=form.password.data,
                    **fields,
                )
        if done:
            if user.id == current_user.id and form.password.data:
                login_user(user)  # an administrator resetting their own password stays logged in here only
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.get("/units")
def units():
    return render_template("admin/units.html", units=queries.units_by_kind(current_user.town_id))


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int | None = None):
    unit = towns.own_or_404(db.get_or_404(Unit, unit_id), current_user) if unit_id else None
    form = UnitForm(obj=unit)
    if unit is not None and not form.is_submitted():
        form.kind.data = unit.kind.value
    if form.validate_on_submit():
        with attempt("单位已保存。") as done:
            services.save_unit(
                unit,
                actor=current_user,
                now=now_utc(),
                name=form.name.data.strip(),
                short_name=form.short_name.data,
                kind=UnitKind(form.kind.data),
                can_issue=form.can_issue.data,
                can_draft=form.can_draft.data,
                number_prefix=form.number_prefix.data,
                active=form.active.data,
            )
        if done:
            return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=unit)
