"""Administration of users and units (administrator only)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.auth import services
from tracker.auth.forms import UnitForm, UserForm
from tracker.auth.models import Role, Unit, UnitKind, User
from tracker.auth.permissions import may
from tracker.common.forms import expected_version
from tracker.common.timeutil import now_utc
from tracker.errors import DomainError
from tracker.extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def require_admin():
    if not may(current_user, "admin"):
        abort(403)


def _unit_choices():
    units = db.session.scalars(sa.select(Unit).order_by(Unit.name)).all()
    return [(u.id, u.name + ("" if u.active else "（停用）")) for u in units]


@bp.get("/users")
def users():
    rows = db.session.scalars(sa.select(User).order_by(User.role, User.username)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_edit(user_id: int | None = None):
    user = db.get_or_404(User, user_id) if user_id else None
    form = UserForm(obj=user)
    form.unit_id.choices = _unit_choices()
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
        try:
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
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash("用户已保存。", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.get("/units")
def units():
    rows = db.session.scalars(sa.select(Unit).order_by(Unit.kind, Unit.name)).all()
    return render_template("admin/units.html", units=rows)


@bp.route("/units/new", methods=["GET", "POST"])
@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
def unit_edit(unit_id: int | None = None):
    unit = db.get_or_404(Unit, unit_id) if unit_id else None
    form = UnitForm(obj=unit)
    if unit is not None and not form.is_submitted():
        form.kind.data = unit.kind.value
    if form.validate_on_submit():
        try:
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
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash("单位已保存。", "success")
            return redirect(url_for("admin.units"))
    return render_template("admin/unit_form.html", form=form, unit=unit)
